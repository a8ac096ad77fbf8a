"""The Celery app. The beat schedule lives here, in one place."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cim_site.settings.dev")

app = Celery("cim_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Warnings, breaches and escalations that came due; one indexed query over the due tickets.
    "sla-sweep": {"task": "tickets.sla_sweep", "schedule": 60.0},
    # Tickets nobody could take when they arrived (everyone busy or offline).
    "route-waiting-tickets": {"task": "tickets.route_waiting_tickets", "schedule": 60.0},
    # Due outbound messages whose enqueue was lost (broker down, worker killed) are sent here.
    "deliver-due-outbound": {"task": "channels.deliver_due_outbound", "schedule": 60.0},
}
