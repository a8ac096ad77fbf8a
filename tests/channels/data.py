"""Rows of the omnichannel models for tests that need one of each (the admin page smoke test):
made through the intake and chat services, as the product makes them."""

from typing import Any

from channels import chat
from channels.email_intake import receive_email
from customers.models import ChannelKind
from tests.factories import ChannelFactory


def make_channel_rows(*, queue: Any) -> dict[str, Any]:
    mailbox = ChannelFactory(
        code="rows-mail", kind=ChannelKind.EMAIL, default_queue=queue, address="help@cim.example"
    )
    inbound, _created = receive_email(
        channel=mailbox,
        raw=b"From: rows@example.vn\r\nSubject: Hi\r\nMessage-ID: <rows@x>\r\n\r\nHello\r\n",
    )
    web_chat = ChannelFactory(code="rows-chat", kind=ChannelKind.WEB_CHAT, default_queue=queue)
    session = chat.start_chat(browser_key="rows-browser", email="rows@example.vn", channel=web_chat)
    chat.post_customer_line(session=session, body="Xin chào")
    return {"inbound": inbound, "chat_session": session}
