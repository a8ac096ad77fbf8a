"""The Celery app. The beat schedule lives here, in one place."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cim_site.settings.dev")

app = Celery("cim_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Request ids travel in task headers and into the worker's log records (signal handlers).
from . import request_id  # noqa: E402, F401

# One queue per kind of work, so a flood in one (a mailbox backlog, a bulk job) cannot starve
# another (replies going out, SLA sweeps). A worker started without -Q consumes every queue (the
# embedded default: one worker does everything); production runs one worker pool per queue, e.g.
#   celery -A cim_site worker -Q intake -n intake@%h
# (see docs/deploy.md). Anything not listed goes to "default".
QUEUES = ("default", "intake", "outbound", "sweeps", "analytics", "bulk")
app.conf.task_default_queue = "default"
app.conf.task_queues = [Queue(name, routing_key=name) for name in QUEUES]
app.conf.task_routes = [
    {
        # Turning raw input into tickets and placing new tickets with an agent.
        "channels.process_inbound": {"queue": "intake"},
        "channels.process_pending_inbound": {"queue": "intake"},
        "channels.poll_mailboxes": {"queue": "intake"},
        "tickets.route_ticket": {"queue": "intake"},
        "tickets.route_waiting_tickets": {"queue": "intake"},
        # Anything that leaves the building: replies, notifications, surveys, alerts, webhooks.
        "channels.deliver_outbound": {"queue": "outbound"},
        "channels.deliver_due_outbound": {"queue": "outbound"},
        "tickets.notify_sla_event": {"queue": "outbound"},
        "tickets.send_notification_email": {"queue": "outbound"},
        "feedback.send_invitation": {"queue": "outbound"},
        "feedback.email_alert": {"queue": "outbound"},
        # Periodic SLA and automation sweeps.
        "tickets.sla_sweep": {"queue": "sweeps"},
        "feedback.send_due_invitations": {"queue": "sweeps"},
        # Sentiment and reporting.
        "feedback.analyse_message": {"queue": "analytics"},
        "feedback.analyse_response": {"queue": "analytics"},
        "feedback.analyse_pending_sentiment": {"queue": "analytics"},
    },
    # Tasks added by other parts follow their names (glob patterns, first match wins).
    [
        ("*.webhook*", {"queue": "outbound"}),
        ("*automation*", {"queue": "sweeps"}),
        ("*sweep*", {"queue": "sweeps"}),
        ("analytics.*", {"queue": "analytics"}),
        ("*report*", {"queue": "analytics"}),
        ("*bulk*", {"queue": "bulk"}),
        ("*export*", {"queue": "bulk"}),
        ("*import*", {"queue": "bulk"}),
    ],
]

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
