"""Survey invitations: scheduled when a ticket is solved (or a campaign runs), sent by the beat
sweep through the customer's channel with a single-use link, answered once."""

import hashlib
import logging
import re
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.models import ChannelKind, Customer
from tickets.models import AuthorType, Ticket, TicketStatus
from tickets.queueing import enqueue_on_commit

from ..errors import FeedbackError, FeedbackErrorCode
from ..models import (
    ACTIVE_INVITATION,
    SCALES,
    CESReason,
    InvitationStatus,
    LowScoreAction,
    QueueSurveySettings,
    SkipReason,
    SurveyCampaign,
    SurveyInvitation,
    SurveyKind,
    SurveyPreference,
    SurveyResponse,
)
from .alerts import alert_queue_lead

log = logging.getLogger(__name__)

# Tags other parts of the product (or staff) put on tickets that must not be surveyed.
AUTOMATED_TAGS = frozenset({"auto-generated", "auto-reply", "autoreply", "automated"})
MERGED_OR_SPAM_TAGS = frozenset({"spam", "merged"})
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def settings_for_queue(queue_id: int | None) -> QueueSurveySettings:
    """The queue's rules, or the defaults (an unsaved row) when it has none."""
    found = QueueSurveySettings.objects.filter(queue_id=queue_id).first() if queue_id else None
    return found or QueueSurveySettings(
        queue_id=queue_id,
        delay_minutes=settings.CIM_SURVEY_DELAY_MINUTES,
        quiet_days=settings.CIM_SURVEY_QUIET_DAYS,
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def survey_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('feedback:survey', kwargs={'token': token})}"


# --- Scheduling --------------------------------------------------------------------------------


def schedule_ticket_survey(*, ticket: Ticket) -> SurveyInvitation | None:
    """Called in the transaction that solved the ticket: writes the invitation row, due after the
    queue's delay. CES instead of CSAT when the ticket's reason is one of the CES reasons. A
    ticket keeps at most one live survey, so a second "solved" writes nothing."""
    rules = settings_for_queue(ticket.queue_id)
    if not rules.csat_enabled:
        return None
    if SurveyInvitation.objects.filter(ticket=ticket, status__in=ACTIVE_INVITATION).exists():
        return None
    is_ces = (
        bool(ticket.reason_id) and CESReason.objects.filter(reason_id=ticket.reason_id).exists()
    )
    invitation = SurveyInvitation(
        kind=SurveyKind.CES if is_ces else SurveyKind.CSAT,
        customer_id=ticket.customer_id,
        ticket=ticket,
        queue_id=ticket.queue_id,
        agent_id=ticket.assignee_id,
        reason_id=ticket.reason_id,
        segment_id=Customer.objects.filter(pk=ticket.customer_id)
        .values_list("segment_id", flat=True)
        .first(),
        channel=ticket.channel,
        language=ticket.language,
        due_at=timezone.now() + timedelta(minutes=rules.delay_minutes),
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # another transaction scheduled it first
        return None
    if rules.delay_minutes == 0:
        _enqueue_send(invitation.pk)
    return invitation


def cancel_ticket_surveys(*, ticket: Ticket) -> int:
    """The ticket was reopened before its survey left: the survey is about a solution that did
    not hold, so it is cancelled (a conditional update: one already sent stays sent)."""
    return SurveyInvitation.objects.filter(ticket=ticket, status=InvitationStatus.SCHEDULED).update(
        status=InvitationStatus.CANCELLED, skip_reason=SkipReason.REOPENED
    )


def _enqueue_send(invitation_id: int) -> None:
    from ..tasks import send_invitation_task

    enqueue_on_commit(send_invitation_task, invitation_id)


# --- Sending -------------------------------------------------------------------------------------


def _skip_reason(invitation: SurveyInvitation) -> str:
    customer_id = invitation.customer_id
    if SurveyPreference.objects.filter(customer_id=customer_id, opted_out=True).exists():
        return SkipReason.OPTED_OUT
    ticket = invitation.ticket
    if ticket is not None:
        tags = set(ticket.tags.values_list("name", flat=True))
        first = ticket.messages.order_by("created_at", "id").values_list("author_type", flat=True)
        if (
            tags & AUTOMATED_TAGS
            or getattr(ticket, "is_automated", False)
            or first.first() == AuthorType.SYSTEM
        ):
            return SkipReason.AUTOMATED
        if (
            tags & MERGED_OR_SPAM_TAGS
            or getattr(ticket, "merged_into_id", None)
            or getattr(ticket, "is_spam", False)
        ):
            return SkipReason.MERGED_OR_SPAM
        if ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED):
            return SkipReason.REOPENED
    quiet_days = (
        settings_for_queue(invitation.queue_id).quiet_days
        if invitation.queue_id
        else settings.CIM_SURVEY_QUIET_DAYS
    )
    if quiet_days:
        since = timezone.now() - timedelta(days=quiet_days)
        recent = SurveyInvitation.objects.filter(
            customer_id=customer_id,
            status__in=[InvitationStatus.SENT, InvitationStatus.RESPONDED],
            sent_at__gte=since,
        ).exclude(pk=invitation.pk)
        if recent.exists():
            return SkipReason.RECENT
    return SkipReason.NONE


QUESTIONS = {
    SurveyKind.CSAT: "How satisfied are you with the help you received?",
    SurveyKind.NPS: "How likely are you to recommend us to a friend or colleague?",
    SurveyKind.CES: "How easy was it to get your issue handled?",
}
# The words at both ends of each scale (the survey page shows the same ones).
ENDS = {
    SurveyKind.CSAT: ("Very dissatisfied", "Very satisfied"),
    SurveyKind.NPS: ("Not at all likely", "Extremely likely"),
    SurveyKind.CES: ("Very difficult", "Very easy"),
}


def _intro(invitation: SurveyInvitation) -> tuple[str, str]:
    """(subject, first line), in the active language."""
    if invitation.ticket_id:
        ticket = invitation.ticket
        return (
            _("[%(ref)s] How did we do?") % {"ref": ticket.reference},
            _("Your request %(ref)s “%(subject)s” has been solved.")
            % {"ref": ticket.reference, "subject": ticket.subject},
        )
    return _("A quick question from our support team"), _("Thank you for being our customer.")


def _score_lines(kind: SurveyKind, link: str) -> str:
    """One link per score. Opening one only ticks that score on the survey page: mail scanners
    open links on their own, so the answer counts only when the customer presses Send there."""
    low, high = SCALES[kind]
    ends = {low: _(ENDS[kind][0]), high: _(ENDS[kind][1])}
    lines = []
    for score in range(high, low - 1, -1):
        label = f"{score} – {ends[score]}" if score in ends else str(score)
        lines.append(f"  {label}: {link}?score={score}")
    return "\n".join(lines)


def _message(invitation: SurveyInvitation, token: str, *, route_kind: str) -> tuple[str, str]:
    """(subject, body) in the customer's language. Email lists a link per score; a chat or
    messaging app gets one short line with one link."""
    link = survey_url(token)
    kind = SurveyKind(invitation.kind)
    with translation.override(invitation.language or "vi"):
        subject, intro = _intro(invitation)
        question = _(QUESTIONS[kind])
        if route_kind != ChannelKind.EMAIL:
            body = _(
                "%(intro)s %(question)s Tell us here (the link works once and for %(days)d "
                "days): %(link)s"
            ) % {
                "intro": intro,
                "question": question,
                "days": settings.CIM_SURVEY_LINK_DAYS,
                "link": link,
            }
            return subject, body
        body = _(
            "Hello %(name)s,\n\n%(intro)s\n%(question)s\n\nPick your score below. The survey "
            "page opens with it ticked; you can add a comment there, and your answer is recorded "
            "when you press “Send my answer”. The links work once and for %(days)d days.\n\n"
            "%(scores)s\n\nThank you!\n\nDo not want surveys from us? %(opt_out)s"
        ) % {
            "name": invitation.customer.name or _("there"),
            "intro": intro,
            "question": question,
            "days": settings.CIM_SURVEY_LINK_DAYS,
            "scores": _score_lines(kind, link),
            "opt_out": f"{settings.SITE_URL}{reverse('feedback:opt_out', kwargs={'token': token})}",
        }
    return subject, body


def _chat_line(invitation: SurveyInvitation, token: str) -> tuple[str, str, str]:
    """(body, link path, link title) for the chat widget, in the customer's language."""
    path = reverse("feedback:survey", kwargs={"token": token})
    with translation.override(invitation.language or "vi"):
        _subject, intro = _intro(invitation)
        title = _("Tell us how we did")
        text = f"{intro} {_(QUESTIONS[SurveyKind(invitation.kind)])}"
    return f"{title}\n{text}\n{settings.SITE_URL}{path}", path, title


def send_invitation(*, invitation_id: int) -> str:
    """Sends one due invitation; returns its status afterwards. The row is locked and its status
    decides, so a second run (the sweep and the after-commit task racing) sends nothing twice.

    The route must be able to carry the message (channels.messaging.route_to_customer): the
    customer's open chat gets the link as a line in the widget, written here; any other route
    gets an outbound row written in this transaction, which the channel worker delivers after
    commit (no SMTP or HTTP here). A customer nothing can reach is skipped, never "sent"."""
    from channels.messaging import post_chat_notice, route_to_customer
    from channels.services import queue_outbound

    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .select_related("customer", "ticket")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None:
            return "missing"
        if invitation.status != InvitationStatus.SCHEDULED or invitation.due_at > timezone.now():
            return invitation.status
        reason = _skip_reason(invitation)
        route = (
            route_to_customer(
                customer=invitation.customer,
                came_from=invitation.channel,
                ticket=invitation.ticket,
            )
            if not reason
            else None
        )
        if not reason and route is None:
            reason = SkipReason.NO_ADDRESS
        if reason:
            invitation.status = InvitationStatus.SKIPPED
            invitation.skip_reason = reason
            invitation.save(update_fields=["status", "skip_reason"])
            return invitation.status
        assert route is not None  # noqa: S101 - narrowed above
        # 256 random bits; only the hash is stored, so a database leak opens no survey.
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        outbound = None
        if route.session is not None:
            body, path, title = _chat_line(invitation, token)
            post_chat_notice(session=route.session, body=body, link_url=path, link_title=title)
        else:
            subject, body = _message(invitation, token, route_kind=route.kind)
            outbound = queue_outbound(
                kind=route.kind,
                channel=route.channel,
                to_address=route.address,
                subject=subject,
                body=body,
                ticket=invitation.ticket,
            )
        invitation.token_hash = hash_token(token)
        invitation.status = InvitationStatus.SENT
        invitation.sent_at = now
        invitation.expires_at = now + timedelta(days=settings.CIM_SURVEY_LINK_DAYS)
        invitation.outbound = outbound
        invitation.save(update_fields=["token_hash", "status", "sent_at", "expires_at", "outbound"])
        return invitation.status


def reconcile_delivery() -> int:
    """An invitation whose message the outbox finally gave up on was never delivered: it leaves
    "sent" (and so the response rate's denominator and the quiet period) for "not delivered".
    One the staff got through later (retried from the admin) is sent again. Conditional
    updates, so two sweeps change each row once. Returns how many rows changed."""
    from channels.models import OutboundStatus

    # Only links still alive: the sweep's cost stays with the week's invitations, not all of
    # history (the metrics leave out an older failed one by its outbound status anyway).
    recent = SurveyInvitation.objects.filter(
        sent_at__gte=timezone.now() - timedelta(days=settings.CIM_SURVEY_LINK_DAYS)
    )
    changed = recent.filter(
        status=InvitationStatus.SENT, outbound__status=OutboundStatus.FAILED
    ).update(status=InvitationStatus.FAILED)
    changed += recent.filter(
        status=InvitationStatus.FAILED, outbound__status=OutboundStatus.SENT
    ).update(status=InvitationStatus.SENT)
    return changed


def due_invitation_ids(*, limit: int = 500) -> list[int]:
    return list(
        SurveyInvitation.objects.filter(
            status=InvitationStatus.SCHEDULED, due_at__lte=timezone.now()
        )
        .order_by("due_at")
        .values_list("id", flat=True)[:limit]
    )


# --- Answering -----------------------------------------------------------------------------------


def invitation_for_token(token: str) -> SurveyInvitation | None:
    """The invitation a link's token opens, or None for anything malformed or unknown."""
    if not isinstance(token, str) or not _TOKEN_SHAPE.match(token):
        return None
    return (
        SurveyInvitation.objects.select_related("ticket", "customer", "response")
        .filter(token_hash=hash_token(token))
        .first()
    )


def _clean_comment(comment: str) -> str:
    cleaned = (comment or "").replace("\x00", "").strip()
    limit = settings.CIM_SURVEY_COMMENT_MAX_CHARS
    if len(cleaned) > limit:
        raise FeedbackError(
            FeedbackErrorCode.COMMENT_TOO_LONG,
            _("Please keep your comment under %(max)d characters.") % {"max": limit},
            field="comment",
        )
    return cleaned


def check_score(kind: str, score: Any) -> int:
    low, high = SCALES[SurveyKind(kind)]
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        raise FeedbackError(
            FeedbackErrorCode.INVALID_SCORE,
            _("Choose a score from %(low)d to %(high)d.") % {"low": low, "high": high},
            field="score",
        )
    return score


@transaction.atomic
def submit_response(
    *, invitation: SurveyInvitation, score: Any, comment: str = ""
) -> SurveyResponse:
    """Records the customer's answer, once. A low CSAT reopens the ticket or alerts the queue
    lead, as the queue is set up; a comment is queued for sentiment analysis."""
    locked = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
    if (
        locked.status == InvitationStatus.RESPONDED
        or SurveyResponse.objects.filter(invitation=locked).exists()
    ):
        raise FeedbackError(
            FeedbackErrorCode.ALREADY_ANSWERED, _("You have already answered this survey.")
        )
    # "Not delivered" with the link in the customer's hands: it got there after all.
    if locked.status not in (InvitationStatus.SENT, InvitationStatus.FAILED):
        raise FeedbackError(FeedbackErrorCode.INVALID_LINK, _("This survey link is not valid."))
    if locked.expires_at is not None and locked.expires_at <= timezone.now():
        raise FeedbackError(FeedbackErrorCode.LINK_EXPIRED, _("This survey link has expired."))
    score = check_score(locked.kind, score)
    text = _clean_comment(comment)
    response = SurveyResponse.objects.create(
        invitation=locked, score=score, comment=text, sentiment_pending=bool(text)
    )
    locked.status = InvitationStatus.RESPONDED
    locked.save(update_fields=["status"])
    if locked.kind == SurveyKind.CSAT and locked.ticket_id:
        _act_on_low_score(locked, response)
    if text:
        from ..tasks import analyse_response_task

        enqueue_on_commit(analyse_response_task, response.pk)
    return response


def _act_on_low_score(invitation: SurveyInvitation, response: SurveyResponse) -> None:
    from tickets import services as ticket_services
    from tickets.errors import TicketError

    rules = settings_for_queue(invitation.queue_id)
    if response.score > rules.low_score_threshold or rules.low_score_action == LowScoreAction.NONE:
        return
    ticket = Ticket.objects.get(pk=invitation.ticket_id)
    note = _("Customer rated %(score)d/5 in the satisfaction survey.") % {"score": response.score}
    if response.comment:
        note += "\n" + response.comment
    if rules.low_score_action == LowScoreAction.REOPEN:
        try:
            # A savepoint: a ticket that cannot be reopened (closed) must not undo the answer.
            with transaction.atomic():
                ticket_services.reopen_ticket(ticket=ticket, by=None, note=note)
            response.action_taken = "reopened"
        except TicketError:
            alert_queue_lead(ticket=ticket, kind="low_csat", text=note)
            response.action_taken = "alerted"
    else:
        alert_queue_lead(ticket=ticket, kind="low_csat", text=note)
        response.action_taken = "alerted"
    response.save(update_fields=["action_taken"])


@transaction.atomic
def set_survey_opt_out(*, customer: Customer, opted_out: bool = True) -> SurveyPreference:
    preference, _created = SurveyPreference.objects.select_for_update().get_or_create(
        customer=customer
    )
    if preference.opted_out != opted_out:
        preference.opted_out = opted_out
        preference.changed_at = timezone.now()
        preference.save(update_fields=["opted_out", "changed_at"])
    return preference


# --- Relationship surveys (NPS) ------------------------------------------------------------------


def _campaign_customers(campaign: SurveyCampaign) -> Any:
    # Relationship surveys go by email: the customer may have no open conversation anywhere.
    customers = Customer.objects.exclude(Q(survey_preference__opted_out=True) | Q(email=""))
    if campaign.segment_id:
        customers = customers.filter(segment_id=campaign.segment_id)
    return customers.distinct()


@transaction.atomic
def run_campaign(*, campaign: SurveyCampaign, by: Any = None) -> int:
    """Schedules an invitation, due now, for every customer of the campaign's segment who has not
    opted out and has no survey scheduled or sent within the quiet period. The beat sweep sends
    them; returns how many were scheduled. Running twice schedules nobody twice."""
    campaign = SurveyCampaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.is_active:
        raise FeedbackError(FeedbackErrorCode.INVALID_CAMPAIGN, _("The campaign is not active."))
    now = timezone.now()
    since = now - timedelta(days=settings.CIM_SURVEY_QUIET_DAYS)
    recent = SurveyInvitation.objects.filter(
        Q(status=InvitationStatus.SCHEDULED)
        | Q(status__in=[InvitationStatus.SENT, InvitationStatus.RESPONDED], sent_at__gte=since),
        kind=campaign.kind,
    ).values("customer_id")
    rows = [
        SurveyInvitation(
            kind=campaign.kind,
            customer_id=customer_id,
            campaign=campaign,
            segment_id=segment_id,
            channel=ChannelKind.EMAIL,
            language=language,
            due_at=now,
        )
        for customer_id, segment_id, language in _campaign_customers(campaign)
        .exclude(pk__in=recent)
        .values_list("id", "segment_id", "language")
    ]
    SurveyInvitation.objects.bulk_create(rows, batch_size=1000)
    campaign.last_run_at = now
    fields = ["last_run_at"]
    if campaign.repeat_days:
        campaign.next_run_at = now + timedelta(days=campaign.repeat_days)
        fields.append("next_run_at")
    campaign.save(update_fields=fields)
    log.info("Campaign %s scheduled %d invitations (by %s)", campaign.pk, len(rows), by)
    return len(rows)


def run_due_campaigns() -> int:
    """Scheduled campaigns whose time has come. The conditional update claims each run, so two
    beat processes never run one twice."""
    now = timezone.now()
    total = 0
    for campaign in SurveyCampaign.objects.filter(is_active=True, next_run_at__lte=now):
        claimed = SurveyCampaign.objects.filter(
            pk=campaign.pk, next_run_at=campaign.next_run_at
        ).update(next_run_at=now + timedelta(days=campaign.repeat_days or 1))
        if claimed:
            total += run_campaign(campaign=campaign)
    return total


def send_invitation_now(*, invitation: SurveyInvitation, by: Any) -> str:
    """A lead sends a scheduled invitation before its time: it becomes due now and goes out
    through send_invitation, so opt-outs, quiet days and the single-send guard still apply.
    Returns the invitation's status afterwards ("sent", or why it was not)."""
    now = timezone.now()
    moved = SurveyInvitation.objects.filter(
        pk=invitation.pk, status=InvitationStatus.SCHEDULED, due_at__gt=now
    ).update(due_at=now)
    status = send_invitation(invitation_id=invitation.pk)
    if moved:
        log.info("Survey invitation %s sent ahead of time by %s: %s", invitation.pk, by, status)
    return status
