"""Starts the web app, a Celery worker and Celery beat together; Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from cim_site.demo import demo_logins


class Command(BaseCommand):
    help = "Run the web app, a Celery worker and Celery beat in the foreground."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default=os.environ.get("CIM_ADDR", "127.0.0.1:8000"))

    def handle(self, *args: Any, addr: str, **options: Any) -> None:
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "cim_site"]
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
            "beat": [*celery, "beat", "--loglevel", "INFO"],
        }
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
        broker = settings.CELERY_BROKER_URL.split("://")[0]
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        logins = "\n".join(
            f"                {name} / {name}  ({role})" for name, role in demo_logins()
        ).lstrip()
        mail = (
            "the worker's output below (console backend)"
            if settings.EMAIL_BACKEND.endswith("console.EmailBackend")
            else settings.EMAIL_BACKEND
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"\nCIM is running (database: {database}, broker: {broker}).\n"
                f"  Help centre:  http://{addr}/help/\n"
                f"  Staff admin:  http://{addr}/admin/\n"
                f"  API docs:     http://{addr}/api/docs/\n"
                f"  Demo logins:  {logins}\n"
                f"  Mail to customers: {mail}\n"
                "Press Ctrl-C to stop.\n"
            )
        )
        stopping = False

        def stop(*_args: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in processes.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for proc in processes.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in processes.values():
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
