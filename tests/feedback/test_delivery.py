"""Invitations leave through a real SMTP server; with REDIS_URL and PostgreSQL set, through a real
Celery worker and beat as well."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import TestCase

from feedback import services
from feedback.models import InvitationStatus, SurveyInvitation, SurveyResponse
from tests.workers.conftest import ROOT, _database_url, wait_for
from tickets import services as ticket_services

from .conftest import make_due
from .smtp import start_smtp

# Not the Redis database the other worker tests flush.
FEEDBACK_REDIS_DB = 11


@pytest.fixture
def smtp():
    controller, inbox = start_smtp()
    yield controller, inbox
    controller.stop()


def _link(message) -> str:
    body = message.get_content()
    return body.split(settings.SITE_URL, 1)[1].split()[0]


@pytest.mark.django_db
def test_invitation_reaches_a_real_smtp_server_and_its_link_works(
    smtp, settings, solved_ticket, client
):
    controller, inbox = smtp
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    invitation = SurveyInvitation.objects.get(ticket=solved_ticket)
    make_due(invitation)
    with TestCase.captureOnCommitCallbacks(execute=True):
        from feedback.tasks import send_due_invitations

        assert send_due_invitations() == 1
    wait_for(lambda: inbox.messages, timeout=10)
    (message,) = inbox.messages
    assert message["To"] == solved_ticket.customer.email
    assert solved_ticket.reference in message["Subject"]
    link = _link(message)
    assert link.startswith("/survey/")
    assert client.post(link, {"score": "5"}).status_code == 302
    assert SurveyResponse.objects.get().invitation_id == invitation.pk


@pytest.fixture
def worker(transactional_db, tmp_path, smtp):
    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (the CI run with services sets it)")
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot see the SQLite test database; set DATABASE_URL")
    import redis

    controller, inbox = smtp
    redis_url = f"{settings.REDIS_URL.rsplit('/', 1)[0]}/{FEEDBACK_REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cim_site.settings.dev",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(controller.port),
        "CIM_SWEEP_SECONDS": "1",
        "CIM_SENTIMENT_MODEL_PATH": str(tmp_path / "none.json"),
        "PYTHONUNBUFFERED": "1",
    }
    args = [sys.executable, "-m", "celery", "-A", "cim_site", "worker", "--pool", "solo"]
    args += ["--loglevel", "INFO", "--without-gossip", "--without-mingle"]
    args += ["--beat", "--schedule", str(tmp_path / "beat")]
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
    yield inbox
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.mark.worker
def test_beat_sends_a_due_invitation_through_the_worker_to_smtp(worker, queue, agent, customer):
    inbox = worker
    ticket = ticket_services.create_ticket(
        customer=customer, subject="Hàng lỗi", body="Máy hỏng rồi, rất thất vọng", queue=queue
    )
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    make_due(invitation)
    wait_for(lambda: inbox.messages, timeout=60)
    time.sleep(2)  # a second sweep must not send it again
    assert len(inbox.messages) == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.SENT
    assert "/survey/" in inbox.messages[0].get_content()
    # The customer's message was labelled by the worker's sentiment task or sweep.
    from feedback.models import MessageSentiment

    row = wait_for(lambda: MessageSentiment.objects.filter(ticket=ticket, pending=False).first())
    assert row.label == "negative"
    services.send_invitation(invitation_id=invitation.pk)
    assert len(inbox.messages) == 1
