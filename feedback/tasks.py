"""Celery tasks of the feedback app: thin, idempotent, ids in; the beat sweeps make sure what a
lost enqueue missed still happens."""

from celery import shared_task

from . import services

RETRY = {"autoretry_for": (ConnectionError, TimeoutError), "retry_backoff": True, "max_retries": 5}


@shared_task(name="feedback.send_invitation", acks_late=True, ignore_result=True, **RETRY)
def send_invitation_task(invitation_id: int) -> str:
    return services.send_invitation(invitation_id=invitation_id)


@shared_task(name="feedback.send_due_invitations", acks_late=True, ignore_result=True)
def send_due_invitations() -> int:
    """Beat: runs scheduled campaigns, sends due invitations and e-mails alerts still unsent."""
    services.run_due_campaigns()
    services.reconcile_delivery()
    ids = services.due_invitation_ids()
    for invitation_id in ids:
        services.send_invitation(invitation_id=invitation_id)
    for alert_id in services.unsent_alert_ids():
        services.email_alert(alert_id=alert_id)
    return len(ids)


@shared_task(name="feedback.analyse_message", acks_late=True, ignore_result=True)
def analyse_message_task(message_id: int) -> str:
    return services.analyse_message(message_id=message_id)


@shared_task(name="feedback.analyse_response", acks_late=True, ignore_result=True)
def analyse_response_task(response_id: int) -> str:
    return services.analyse_response(response_id=response_id)


@shared_task(name="feedback.analyse_pending_sentiment", acks_late=True, ignore_result=True)
def analyse_pending_sentiment() -> int:
    message_ids = services.pending_message_ids()
    for message_id in message_ids:
        services.analyse_message(message_id=message_id)
    response_ids = services.pending_response_ids()
    for response_id in response_ids:
        services.analyse_response(response_id=response_id)
    return len(message_ids) + len(response_ids)


@shared_task(name="feedback.email_alert", acks_late=True, ignore_result=True, **RETRY)
def email_alert_task(alert_id: int) -> bool:
    return services.email_alert(alert_id=alert_id)
