"""Three months of helpdesk life behind the story tickets: a few hundred past tickets across
every channel, reason, segment, priority and agent, with their messages, history rows, journey
records, SLA events and answered surveys, plus chatbot conversations and IVR calls that never
became tickets.

Written with bulk inserts, not through the services: going through them costs tens of queries
per ticket and minutes for the lot, and they stamp everything "now". The rows are the shape the
services leave (history rows per transition, a pending-free sentiment label on each customer
message, SLA clocks from the real policies and calendars), in the past."""

from __future__ import annotations

import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings

from channels.models import Interaction
from customers.models import ChannelKind, Customer
from feedback.models import (
    InvitationStatus,
    MessageSentiment,
    SkipReason,
    SurveyCampaign,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)
from feedback.sentiment import get_analyser
from tickets import sla
from tickets.business_time import add_business_time
from tickets.models import (
    AgentProfile,
    AuthorType,
    MessageKind,
    Priority,
    SLAEvent,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from tickets.search import ticket_search_text

from .journeys import MARKER, write_contacts_without_tickets, write_ticket_journeys
from .operations import CES_REASONS, QUIET_DAYS, SURVEY_RULES
from .texts import ANSWERS, ASKS, COMMENTS, FOLLOW_UPS
from .timeline import Clocks, HistoricalTicket, settle_sla

if TYPE_CHECKING:
    from . import World

S = TicketStatus
HISTORY_TICKETS = 260
HISTORY_DAYS = 90

CATEGORY_QUEUE = {
    "orders": "support",
    "billing": "support",
    "warranty": "warranty",
    "complaint": "complaints",
    "information": "sales",
}
# Persona → channels they reach for, most used first (DESIGN.md §1.13).
PERSONA_CHANNELS = {
    "prefers-hybrid": (
        (ChannelKind.CHATBOT, 4),
        (ChannelKind.WEB_FORM, 3),
        (ChannelKind.EMAIL, 3),
        (ChannelKind.WEB_CHAT, 2),
        (ChannelKind.PHONE, 2),
    ),
    "prefers-people": (
        (ChannelKind.PHONE, 6),
        (ChannelKind.WALK_IN, 3),
        (ChannelKind.WEB_CHAT, 2),
        (ChannelKind.EMAIL, 1),
    ),
    "digital-first": (
        (ChannelKind.ZALO, 4),
        (ChannelKind.WEB_CHAT, 3),
        (ChannelKind.CHATBOT, 3),
        (ChannelKind.FACEBOOK, 3),
        (ChannelKind.WEB_FORM, 2),
    ),
}
LOYAL_CHANNELS = (ChannelKind.EMAIL, ChannelKind.ZALO, ChannelKind.PHONE, ChannelKind.FACEBOOK)
PRIORITY_WEIGHTS = {Priority.LOW: 15, Priority.NORMAL: 60, Priority.HIGH: 20, Priority.URGENT: 5}


@dataclass
class Plan:
    """One past ticket before it is written: its final row and what happened when."""

    ticket: Ticket
    order: str
    category: str
    # (when, status after, change reason, by user id) for the history rows
    steps: list[tuple[datetime, str, str, Any]] = field(default_factory=list)
    # (when, author type, text, agent user id or None for the customer)
    messages: list[tuple[datetime, str, str, int | None]] = field(default_factory=list)
    waiting_since: datetime | None = None
    paused_since: datetime | None = None
    reopened: bool = False


def seed_history(
    world: World, *, now: datetime, clocks: Clocks, quiet_customers: frozenset[int] = frozenset()
) -> None:
    """quiet_customers: no survey went to them lately (a story has one due for them now)."""
    if Interaction.objects.filter(external_id__startswith=MARKER).exists():
        return
    History(world, now=now, clocks=clocks, quiet_customers=quiet_customers).run()


class History:
    def __init__(
        self, world: World, *, now: datetime, clocks: Clocks, quiet_customers: frozenset[int]
    ) -> None:
        self.quiet_customers = quiet_customers
        self.world = world
        self.now = now
        self.rng = random.Random(20260901)  # noqa: S311 - demo data, not secrets
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.clocks = clocks
        self.reasons = [
            reason
            for reason in world.reasons.values()
            if reason.parent_id is not None and reason.parent.code in CATEGORY_QUEUE
        ]
        self.agents_by_queue: dict[int, list[int]] = defaultdict(list)
        for user_id, queue_id in AgentProfile.queues.through.objects.values_list(
            "agentprofile__user_id", "queue_id"
        ):
            self.agents_by_queue[queue_id].append(user_id)
        self.segment_codes = {s.pk: code for code, s in world.segments.items()}
        self.analyser = get_analyser()
        self.plans: list[Plan] = []
        self.abandons: list[tuple[Customer, datetime]] = []

    # -- choosing --------------------------------------------------------------------------

    def _channel(self, customer: Customer, index: int) -> str:
        persona = self.segment_codes.get(customer.segment_id or 0, "prefers-hybrid")
        if persona == "channel-loyal":
            return LOYAL_CHANNELS[index % len(LOYAL_CHANNELS)]
        kinds, weights = zip(*PERSONA_CHANNELS[persona], strict=True)
        return self.rng.choices(kinds, weights)[0]

    def _moment(self, days_ago: float) -> datetime:
        """A moment about `days_ago` back, at a time of day people write to a helpdesk."""
        day = (self.now - timedelta(days=days_ago)).astimezone(self.zone).date()
        hour = self.rng.choices(range(7, 23), (2, 6, 9, 9, 8, 5, 6, 8, 8, 7, 5, 4, 5, 5, 3, 2))[0]
        moment = datetime.combine(day, time(hour, self.rng.randrange(60)), self.zone)
        return min(moment, self.now - timedelta(minutes=20))

    def _after(self, start: datetime, minutes: float, calendar_id: int | None) -> datetime:
        if calendar_id is None:
            return start + timedelta(minutes=minutes)
        schedule = self.clocks.schedules.get(calendar_id)
        return add_business_time(start, timedelta(minutes=minutes), schedule)

    # -- planning --------------------------------------------------------------------------

    def run(self) -> None:
        customers = self.world.customers
        for i in range(HISTORY_TICKETS):
            # The first tickets fill the last days densely, so the queues are busy now.
            days_ago = self.rng.uniform(0.05, 4) if i < 45 else self.rng.uniform(1, HISTORY_DAYS)
            self._plan(i, customers[i % len(customers)], days_ago=days_ago)
        for i, minutes_ago in enumerate((6, 14, 22, 35)):
            customer = customers[(i * 7) % len(customers)]
            self._plan_urgent_now(HISTORY_TICKETS + i, customer, minutes_ago)
        self._plan_comebacks(start=HISTORY_TICKETS + 10)
        self._write()
        made = write_contacts_without_tickets(
            self.world,
            rng=self.rng,
            moment=self._moment,
            abandons=self.abandons,
            days=HISTORY_DAYS,
        )
        self.world.count("contacts without a ticket", True, made)

    def _plan_comebacks(self, *, start: int) -> None:
        """Callers who hung up waiting in the IVR queue and came back on another channel within
        a week: the customers a person on the phone would have kept."""
        rng, customers = self.rng, self.world.customers
        for n in range(8):
            customer = customers[(n * 3 + 1) % len(customers)]
            called = self._moment(rng.uniform(3, 80))
            self.abandons.append((customer, called))
            back = min(called + timedelta(days=rng.uniform(0.1, 6)), self.now - timedelta(hours=1))
            kind = rng.choice((ChannelKind.ZALO, ChannelKind.WEB_CHAT, ChannelKind.EMAIL))
            self._plan(start + n, customer, created_at=back, channel=kind)

    def _plan(
        self,
        index: int,
        customer: Customer,
        *,
        days_ago: float = 1.0,
        created_at: datetime | None = None,
        channel: str | None = None,
    ) -> None:
        rng = self.rng
        reason = rng.choice(self.reasons)
        category = reason.parent.code
        queue = self.world.queues[CATEGORY_QUEUE[category]]
        priority = rng.choices(list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values()))[0]
        if category == "complaint" and priority < Priority.HIGH and rng.random() < 0.5:
            priority = Priority.HIGH
        language = customer.language if customer.language in ASKS else "vi"
        order = f"DH{20000 + index * 37 % 79000}"
        ticket = Ticket(
            subject=f"{reason.name_en if language == 'en' else reason.name_vi} – {order}",
            customer=customer,
            queue=queue,
            priority=priority,
            reason=reason,
            channel=channel or self._channel(customer, index),
            language=language,
            created_at=created_at or self._moment(days_ago),
        )
        plan = Plan(ticket=ticket, order=order, category=category)
        self._live(plan, rng.choice(self.agents_by_queue[queue.pk]))
        self.plans.append(plan)

    def _plan_urgent_now(self, index: int, customer: Customer, minutes_ago: int) -> None:
        """Urgent tickets that just came in: their first response is due within the hour, on
        the around-the-clock policy, whatever the time the demo starts."""
        queue = self.world.queues["support"]
        reason = self.world.reasons["payment-double-charge"]
        order = f"DH{30000 + index}"
        ticket = Ticket(
            subject=f"{reason.name_vi} – {order}",
            customer=customer,
            queue=queue,
            priority=Priority.URGENT,
            reason=reason,
            channel=ChannelKind.WEB_CHAT if index % 2 else ChannelKind.PHONE,
            language="vi",
            created_at=self.now - timedelta(minutes=minutes_ago),
            status=S.NEW,
        )
        plan = Plan(ticket=ticket, order=order, category="billing")
        self._customer_says(plan, ticket.created_at, self._ask(plan))
        plan.steps.append((ticket.created_at, S.NEW, "", None))
        self.plans.append(plan)

    def _targets(self, ticket: Ticket) -> tuple[int | None, int, int]:
        """The calendar and first-response and resolution minutes the ticket's SLA policy sets
        (the policy is looked up once per kind of ticket; settle_sla applies it for real)."""
        if not self.clocks.start(ticket):
            return None, 240, 1440
        targets = ticket.sla_targets
        return targets["calendar"], targets["first_response"], targets["resolution"]

    def _ask(self, plan: Plan) -> str:
        return self.rng.choice(ASKS[plan.ticket.language][plan.category]).format(order=plan.order)

    def _customer_says(self, plan: Plan, at: datetime, text: str) -> None:
        plan.messages.append((at, AuthorType.CUSTOMER, text, None))

    def _live(self, plan: Plan, agent_id: int) -> None:
        """What happened to the ticket from its creation until now, at believable times."""
        rng, ticket, now = self.rng, plan.ticket, self.now
        created = ticket.created_at
        calendar_id, first_target, fix_target = self._targets(ticket)
        self._customer_says(plan, created, self._ask(plan))
        plan.steps.append((created, S.NEW, "", None))
        # Most first replies are well inside the target; about one in six is late.
        factor = rng.uniform(1.1, 3.0) if rng.random() < 0.17 else rng.uniform(0.05, 0.9)
        first = self._after(created, first_target * factor, calendar_id)
        if first > now:
            return  # still waiting for its first answer
        ticket.assignee_id = agent_id
        ticket.status = S.OPEN
        ticket.first_responded_at = first
        answer = rng.choice(ANSWERS[ticket.language]).format(order=plan.order)
        plan.messages.append((first, AuthorType.AGENT, answer, agent_id))
        plan.steps.append((first, S.OPEN, "Reply", agent_id))
        factor = rng.uniform(1.05, 2.0) if rng.random() < 0.12 else rng.uniform(0.1, 0.85)
        solved = max(
            first + timedelta(minutes=5), self._after(created, fix_target * factor, calendar_id)
        )
        if solved > now:
            # Still being worked: waiting on the customer, or the customer wrote again.
            if rng.random() < 0.5:
                ticket.status = S.PENDING
                plan.paused_since = first
            elif rng.random() < 0.5:
                again = first + (now - first) * rng.uniform(0.2, 0.9)
                self._customer_says(plan, again, FOLLOW_UPS[ticket.language][0])
                plan.waiting_since = again
            return
        self._solve(plan, solved, agent_id)
        if rng.random() < 0.09:
            # The fix did not hold: the customer wrote back, the ticket reopened.
            back = solved + timedelta(hours=rng.uniform(2, 40))
            if back < now - timedelta(hours=1):
                plan.reopened = True
                self._customer_says(plan, back, FOLLOW_UPS[ticket.language][0])
                ticket.status = S.OPEN
                ticket.solved_at = None
                plan.steps.append((back, S.OPEN, "Customer wrote again", None))
                again = self._after(back, first_target * rng.uniform(0.2, 1.0), calendar_id)
                if again > now:
                    plan.waiting_since = back
                    return
                answer = rng.choice(ANSWERS[ticket.language]).format(order=plan.order)
                plan.messages.append((again, AuthorType.AGENT, answer, agent_id))
                plan.steps.append((again, S.OPEN, "Reply", agent_id))
                solved = again + timedelta(minutes=rng.uniform(5, 180))
                if solved > now:
                    return
                self._solve(plan, solved, agent_id)
        closed = solved + timedelta(days=4)
        if closed < now:
            ticket.status = S.CLOSED
            ticket.closed_at = closed
            plan.steps.append((closed, S.CLOSED, "Closed after 4 days solved", None))

    def _solve(self, plan: Plan, at: datetime, agent_id: int) -> None:
        ticket = plan.ticket
        ticket.status = S.SOLVED
        ticket.solved_at = at
        plan.paused_since = at
        plan.waiting_since = None
        plan.steps.append((at, S.SOLVED, "Solved", agent_id))
        if self.rng.random() < 0.4:
            self._customer_says(plan, at + timedelta(minutes=3), FOLLOW_UPS[ticket.language][1])

    # -- writing ---------------------------------------------------------------------------

    def _write(self) -> None:
        world, now = self.world, self.now
        for plan in self.plans:
            ticket = plan.ticket
            ticket.updated_at = max(step[0] for step in plan.steps)
        for plan in self.plans:
            plan.ticket.search_text = ticket_search_text(
                reference=plan.ticket.reference,
                subject=plan.ticket.subject,
                customer=plan.ticket.customer,
            )
        tickets = Ticket.objects.bulk_create([plan.ticket for plan in self.plans])
        # bulk_create stamps auto_now fields with the real time; put the story's back.
        for plan in self.plans:
            plan.ticket.updated_at = max(step[0] for step in plan.steps)
        events: list[SLAEvent] = []
        for plan in self.plans:
            events += settle_sla(
                plan.ticket,
                now=now,
                clocks=self.clocks,
                waiting_since=plan.waiting_since,
                paused_since=plan.paused_since,
            )
        Ticket.objects.bulk_update(
            tickets, ["updated_at", *(f for f in sla.SLA_FIELDS)], batch_size=200
        )
        SLAEvent.objects.bulk_create(events, ignore_conflicts=True)
        world.count("past tickets", True, len(tickets))
        world.count("SLA events", True, len(events))
        self._history_rows()
        self._messages()
        made = write_ticket_journeys([plan.ticket for plan in self.plans], world.channels)
        world.count("past interactions", True, made)
        self._surveys()

    def _history_rows(self) -> None:
        tracked = {f.attname for f in HistoricalTicket._meta.concrete_fields}
        names = [f.attname for f in Ticket._meta.concrete_fields if f.attname in tracked]
        rows = []
        for plan in self.plans:
            ticket = plan.ticket
            values = {name: getattr(ticket, name) for name in names}
            for n, (at, status, why, by) in enumerate(plan.steps):
                snapshot = dict(values)
                snapshot.update(
                    status=status,
                    updated_at=at,
                    assignee_id=ticket.assignee_id if n else None,
                    first_responded_at=(
                        ticket.first_responded_at
                        if ticket.first_responded_at and ticket.first_responded_at <= at
                        else None
                    ),
                    solved_at=at if status == S.SOLVED else None,
                    closed_at=at if status == S.CLOSED else None,
                )
                rows.append(
                    HistoricalTicket(
                        **snapshot,
                        history_date=at,
                        history_type="+" if n == 0 else "~",
                        history_user_id=by,
                        history_change_reason=why or None,
                    )
                )
        HistoricalTicket.objects.bulk_create(rows, batch_size=500)

    def _messages(self) -> None:
        rows = []
        for plan in self.plans:
            ticket = plan.ticket
            for at, author, body, user_id in plan.messages:
                rows.append(
                    TicketMessage(
                        ticket=ticket,
                        kind=MessageKind.PUBLIC,
                        author_type=author,
                        author_user_id=user_id,
                        author_customer_id=ticket.customer_id if user_id is None else None,
                        body=body,
                        channel=ticket.channel,
                        created_at=at,
                    )
                )
        messages = TicketMessage.objects.bulk_create(rows, batch_size=500)
        labels = []
        for message in messages:
            if message.author_type != AuthorType.CUSTOMER:
                continue
            result = self.analyser.analyse(message.body)
            labels.append(
                MessageSentiment(
                    message=message,
                    ticket_id=message.ticket_id,
                    customer_id=message.author_customer_id,
                    pending=False,
                    label=result.label,
                    score=result.score,
                    analyser_version=result.version,
                    created_at=message.created_at,
                    analysed_at=message.created_at + timedelta(seconds=30),
                )
            )
        MessageSentiment.objects.bulk_create(labels, batch_size=500)
        self.world.count("past messages", True, len(messages))

    def _surveys(self) -> None:
        """Solved tickets were surveyed after the queue's wait, at most one survey per customer
        in QUIET_DAYS (the others were skipped, as the product does); many customers answered."""
        rng, now = self.rng, self.now
        invitations: list[SurveyInvitation] = []
        answers: list[tuple[int, int, str, datetime]] = []
        segment_of = {c.pk: c.segment_id for c in self.world.customers}
        ces_reasons = {self.world.reasons[code].pk for code in CES_REASONS}
        delay = {self.world.queues[code].pk: rules[0] for code, rules in SURVEY_RULES.items()}
        quiet = timedelta(days=QUIET_DAYS)
        campaign = self._nps_campaign()
        sent_at: dict[int, list[datetime]] = defaultdict(list)
        for invitation in campaign:
            sent_at[invitation.customer.pk].append(invitation.sent_at)
        solved = [plan for plan in self.plans if plan.ticket.solved_at is not None]
        for plan in sorted(solved, key=lambda plan: plan.ticket.solved_at):
            ticket = plan.ticket
            if plan.reopened and rng.random() < 0.5:
                continue
            due = ticket.solved_at + timedelta(minutes=delay.get(ticket.queue_id, 5))
            if due > now or (ticket.customer_id in self.quiet_customers and due > now - quiet):
                continue
            kind = SurveyKind.CES if ticket.reason_id in ces_reasons else SurveyKind.CSAT
            if any(due - quiet <= moment <= due for moment in sent_at[ticket.customer_id]):
                invitations.append(
                    SurveyInvitation(
                        kind=kind,
                        customer_id=ticket.customer_id,
                        ticket=ticket,
                        queue_id=ticket.queue_id,
                        agent_id=ticket.assignee_id,
                        reason_id=ticket.reason_id,
                        segment_id=segment_of.get(ticket.customer_id),
                        channel=ticket.channel,
                        language=ticket.language,
                        status=InvitationStatus.SKIPPED,
                        skip_reason=SkipReason.RECENT,
                        due_at=due,
                        created_at=ticket.solved_at,
                    )
                )
                continue
            sent_at[ticket.customer_id].append(due)
            invitations.append(
                SurveyInvitation(
                    kind=kind,
                    customer_id=ticket.customer_id,
                    ticket=ticket,
                    queue_id=ticket.queue_id,
                    agent_id=ticket.assignee_id,
                    reason_id=ticket.reason_id,
                    segment_id=segment_of.get(ticket.customer_id),
                    channel=ticket.channel,
                    language=ticket.language,
                    status=InvitationStatus.SENT,
                    due_at=due,
                    sent_at=due,
                    expires_at=due + timedelta(days=settings.CIM_SURVEY_LINK_DAYS),
                    # The link went out in a message long gone; no token opens these.
                    token_hash=secrets.token_hex(32),
                    created_at=ticket.solved_at,
                )
            )
            if rng.random() < 0.55:
                answered = due + timedelta(minutes=rng.uniform(3, 600))
                if answered < now:
                    answers.append((len(invitations) - 1, *self._score(kind, ticket), answered))
        invitations += campaign
        invitations = SurveyInvitation.objects.bulk_create(invitations, batch_size=500)
        for invitation in invitations:
            if invitation.campaign_id and rng.random() < 0.6:
                answers.append(
                    (
                        invitations.index(invitation),
                        *self._score(SurveyKind.NPS, None),
                        invitation.sent_at + timedelta(hours=rng.uniform(1, 30)),
                    )
                )
        responses = []
        for i, score, comment, at in answers:
            invitation = invitations[i]
            invitation.status = InvitationStatus.RESPONDED
            result = self.analyser.analyse(comment) if comment else None
            responses.append(
                SurveyResponse(
                    invitation=invitation,
                    score=score,
                    comment=comment,
                    created_at=at,
                    sentiment=result.label if result else "",
                    sentiment_score=result.score if result else None,
                    sentiment_version=result.version if result else "",
                )
            )
        SurveyInvitation.objects.bulk_update(invitations, ["status"], batch_size=500)
        SurveyResponse.objects.bulk_create(responses, batch_size=500)
        self.world.count("past surveys", True, len(invitations))
        self.world.count("survey answers", True, len(responses))

    def _score(self, kind: str, ticket: Ticket | None) -> tuple[int, str]:
        rng = self.rng
        late = bool(ticket and ticket.sla_breached)
        mood = rng.choices(("good", "middling", "bad"), (3, 3, 4) if late else (8, 3, 1))[0]
        language = ticket.language if ticket else "vi"
        comment = rng.choice(COMMENTS[language][mood])
        if kind == SurveyKind.CSAT:
            score = {"good": rng.choice((4, 5, 5)), "middling": 3, "bad": rng.choice((1, 2))}
        elif kind == SurveyKind.CES:
            score = {"good": rng.choice((6, 7)), "middling": 4, "bad": rng.choice((1, 2, 3))}
        else:
            score = {
                "good": rng.choice((9, 10)),
                "middling": rng.choice((7, 8)),
                "bad": rng.randrange(0, 7),
            }
        return score[mood], comment

    def _nps_campaign(self) -> list[SurveyInvitation]:
        """A relationship survey (NPS) sent to every demo customer two months ago."""
        sent = self.now - timedelta(days=60)
        campaign, _created = SurveyCampaign.objects.get_or_create(
            name="NPS quý · Quarterly NPS",
            defaults={"kind": SurveyKind.NPS, "last_run_at": sent, "repeat_days": 90},
        )
        return [
            SurveyInvitation(
                kind=SurveyKind.NPS,
                customer=customer,
                campaign=campaign,
                segment_id=customer.segment_id,
                channel=ChannelKind.EMAIL,
                language=customer.language,
                status=InvitationStatus.SENT,
                due_at=sent,
                sent_at=sent,
                expires_at=sent + timedelta(days=settings.CIM_SURVEY_LINK_DAYS),
                token_hash=secrets.token_hex(32),
                created_at=sent,
            )
            for customer in self.world.customers
        ]
