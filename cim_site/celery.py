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
}
