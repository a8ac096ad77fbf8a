"""The Celery app. The beat schedule lives here, in one place."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cim_site.settings.dev")

app = Celery("cim_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every sweep runs each minute; tests that drive a real beat shorten it.
SWEEP_SECONDS = float(os.environ.get("CIM_SWEEP_SECONDS", "60"))

app.conf.beat_schedule = {
    # Warnings, breaches and escalations that came due; one indexed query over the due tickets.
    "sla-sweep": {"task": "tickets.sla_sweep", "schedule": SWEEP_SECONDS},
    # Tickets nobody could take when they arrived (everyone busy or offline).
    "route-waiting-tickets": {"task": "tickets.route_waiting_tickets", "schedule": SWEEP_SECONDS},
    # Due outbound messages whose enqueue was lost (broker down, worker killed) are sent here.
    "deliver-due-outbound": {"task": "channels.deliver_due_outbound", "schedule": SWEEP_SECONDS},
    # Raw inbound input not processed yet (its enqueue was lost, or a worker died mid-way).
    "process-pending-inbound": {
        "task": "channels.process_pending_inbound",
        "schedule": SWEEP_SECONDS,
    },
    # Mailboxes read over IMAP.
    "poll-mailboxes": {"task": "channels.poll_mailboxes", "schedule": SWEEP_SECONDS},
    # Survey invitations whose time has come.
    "send-due-invitations": {"task": "feedback.send_due_invitations", "schedule": SWEEP_SECONDS},
    # Messages and comments still without a sentiment label.
    "analyse-pending-sentiment": {
        "task": "feedback.analyse_pending_sentiment",
        "schedule": SWEEP_SECONDS,
    },
    # Analytics facts and daily rollups of what changed since the last run (and the last 8 days).
    "refresh-analytics": {"task": "analytics.refresh", "schedule": 5 * SWEEP_SECONDS},
}
