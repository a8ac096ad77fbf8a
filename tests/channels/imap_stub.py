"""A tiny IMAP4rev1 server for tests: enough of LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH and
UID STORE +FLAGS (\\Seen) for imaplib to read a mailbox. Plain TCP on 127.0.0.1."""

import socketserver
import threading


class Mailbox:
    def __init__(self, user: str, password: str, messages: list[bytes]) -> None:
        self.user, self.password = user, password
        self.messages = {uid: raw for uid, raw in enumerate(messages, start=1)}
        self.seen: set[int] = set()
        self.logins = 0


class _Handler(socketserver.StreamRequestHandler):
    mailbox: Mailbox

    def _send(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def handle(self) -> None:
        box = self.server.mailbox  # type: ignore[attr-defined]
        self._send(b"* OK IMAP4rev1 stub ready\r\n")
        authed = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            parts = line.decode().rstrip("\r\n").split(" ")
            tag, command, args = parts[0], parts[1].upper(), parts[2:]
            if command == "CAPABILITY":
                self._send(b"* CAPABILITY IMAP4rev1\r\n" + f"{tag} OK done\r\n".encode())
            elif command == "LOGIN":
                user, password = (a.strip('"') for a in args[:2])
                authed = (user, password) == (box.user, box.password)
                box.logins += 1
                status = "OK" if authed else "NO"
                self._send(f"{tag} {status} login\r\n".encode())
            elif not authed:
                self._send(f"{tag} BAD not logged in\r\n".encode())
            elif command == "SELECT":
                self._send(
                    f"* {len(box.messages)} EXISTS\r\n{tag} OK [READ-WRITE] selected\r\n".encode()
                )
            elif command == "UID" and args[0].upper() == "SEARCH":
                unseen = " ".join(str(uid) for uid in box.messages if uid not in box.seen)
                self._send(f"* SEARCH {unseen}\r\n{tag} OK search\r\n".encode())
            elif command == "UID" and args[0].upper() == "FETCH":
                uid = int(args[1])
                raw = box.messages[uid]
                self._send(f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode())
                self._send(raw + b")\r\n" + f"{tag} OK fetch\r\n".encode())
            elif command == "UID" and args[0].upper() == "STORE":
                box.seen.add(int(args[1]))
                self._send(f"* {args[1]} FETCH (FLAGS (\\Seen))\r\n{tag} OK store\r\n".encode())
            elif command == "LOGOUT":
                self._send(f"* BYE\r\n{tag} OK bye\r\n".encode())
                return
            else:
                self._send(f"{tag} BAD unknown\r\n".encode())


class ImapStub:
    def __init__(self, mailbox: Mailbox) -> None:
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.mailbox = mailbox  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "ImapStub":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
