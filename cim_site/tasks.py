"""Celery tasks of the site: the analytics refresh (cim_site.analytics.refresh)."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="analytics.refresh",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def refresh_analytics_task() -> dict[str, int]:
    """Beat: facts and rollups of what changed since the last run. Idempotent; runs serialise
    on the watermark row."""
    from .analytics.refresh import refresh_changed

    return refresh_changed()
