"""Every change in the feedback app goes through these functions."""

from .alerts import alert_queue_lead, email_alert, unsent_alert_ids
from .analysis import (
    analyse_message,
    analyse_response,
    pending_message_ids,
    pending_response_ids,
    record_pending_sentiment,
)
from .qa import create_review, create_scorecard, weighted_percent
from .surveys import (
    cancel_ticket_surveys,
    check_score,
    due_invitation_ids,
    hash_token,
    invitation_for_token,
    reconcile_delivery,
    run_campaign,
    run_due_campaigns,
    schedule_ticket_survey,
    send_invitation,
    send_invitation_now,
    set_survey_opt_out,
    settings_for_queue,
    submit_response,
    survey_url,
)

__all__ = [
    "alert_queue_lead",
    "analyse_message",
    "analyse_response",
    "cancel_ticket_surveys",
    "check_score",
    "create_review",
    "create_scorecard",
    "due_invitation_ids",
    "email_alert",
    "hash_token",
    "invitation_for_token",
    "pending_message_ids",
    "pending_response_ids",
    "reconcile_delivery",
    "record_pending_sentiment",
    "run_campaign",
    "run_due_campaigns",
    "schedule_ticket_survey",
    "send_invitation",
    "send_invitation_now",
    "set_survey_opt_out",
    "settings_for_queue",
    "submit_response",
    "survey_url",
    "unsent_alert_ids",
    "weighted_percent",
]
