"""Demo data: `seed_demo` builds the demo world; `seed_demo --tickets N` adds a large data set."""

import random
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import DateTimeField, Max, Model
from django.utils import timezone
from tqdm import tqdm

from cim_site.demo import World, demo_logins, seed_world
from customers.models import ChannelKind, Customer, CustomerIdentity, Organization, Segment
from tickets.models import (
    AgentProfile,
    AuthorType,
    InteractionReason,
    MessageKind,
    Priority,
    Queue,
    Tag,
    Ticket,
    TicketMessage,
    TicketStatus,
    new_reference,
)
from tickets.search import customer_search_text, fold

# Name parts and Vietnamese mobile prefixes (after +84) for made-up customers.
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ")
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hoàng", "Đức", "Thu", "Quốc", "Bảo", "Gia")
GIVEN = (
    *("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng"),
    *("Hương", "Khoa", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngân", "Nhung", "Phong"),
    *("Phương", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tú", "Vân", "Việt", "Yến"),
)
MOBILE_PREFIXES = (
    *("90", "91", "93", "94", "96", "97", "98", "32", "33", "34", "35", "36", "37", "38", "39"),
    *("70", "76", "77", "78", "79", "81", "82", "83", "84", "85", "86", "88", "89", "56", "58"),
)
BULK_TAGS = ("vip", "b2b", "doi-tra", "can-theo-doi", "tet", "hoan-tien", "lap-dat", "zalo-oa")

# Reason category → the queue that handles it.
CATEGORY_QUEUE = {
    "orders": "support",
    "billing": "support",
    "warranty": "warranty",
    "complaint": "complaints",
    "information": "sales",
}
BODIES = {
    "vi": {
        "orders": "Chào shop, nhờ kiểm tra giúp đơn {order} của tôi. Cảm ơn!",
        "billing": "Tôi có vấn đề về thanh toán cho đơn {order}, mong được hỗ trợ sớm.",
        "warranty": "Sản phẩm trong đơn {order} bị lỗi, tôi muốn được bảo hành.",
        "complaint": "Tôi không hài lòng với đơn {order} và muốn khiếu nại.",
        "information": "Cho tôi hỏi thêm thông tin về sản phẩm trong đơn {order}.",
        "": "Xin chào, tôi cần hỗ trợ về đơn {order}.",
    },
    "en": {
        "orders": "Hello, could you check my order {order}? Thanks!",
        "billing": "I have a payment problem with order {order}; please help.",
        "warranty": "The product from order {order} is faulty; I would like a warranty repair.",
        "complaint": "I am unhappy with order {order} and want to make a complaint.",
        "information": "I would like more information about the product in order {order}.",
        "": "Hello, I need help with order {order}.",
    },
}
CHANNEL_WEIGHTS = {
    ChannelKind.EMAIL: 25,
    ChannelKind.WEB_FORM: 15,
    ChannelKind.WEB_CHAT: 15,
    ChannelKind.PHONE: 15,
    ChannelKind.ZALO: 15,
    ChannelKind.FACEBOOK: 7,
    ChannelKind.CHATBOT: 5,
    ChannelKind.WALK_IN: 2,
    ChannelKind.API: 1,
}
PRIORITY_WEIGHTS = {Priority.LOW: 15, Priority.NORMAL: 60, Priority.HIGH: 20, Priority.URGENT: 5}
S = TicketStatus
# Recent tickets are mostly still being worked; old ones mostly finished.
RECENT_STATUS_WEIGHTS = {
    S.NEW: 25,
    S.OPEN: 30,
    S.PENDING: 15,
    S.ON_HOLD: 5,
    S.SOLVED: 20,
    S.CLOSED: 5,
}
OLD_STATUS_WEIGHTS = {S.NEW: 1, S.OPEN: 3, S.PENDING: 2, S.ON_HOLD: 1, S.SOLVED: 18, S.CLOSED: 75}


class Command(BaseCommand):
    help = (
        "Create the demo world (users, queues, reasons, channels, customers, KB, tickets). "
        "Idempotent. With --tickets N, also bulk-load N tickets for load tests."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any ticket exists."
        )
        parser.add_argument(
            "--tickets", type=int, default=0, help="Also bulk-create this many tickets."
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="Rows per bulk insert.")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        if options["if_empty"] and Ticket.objects.exists():
            if verbosity:
                self.stdout.write("Tickets exist already; demo data not seeded.")
            return
        started = time.perf_counter()
        world = seed_world()
        if verbosity:
            made = ", ".join(f"{n} {what}" for what, n in world.created.items()) or "nothing new"
            self.stdout.write(
                self.style.SUCCESS(f"Demo world ready in {time.perf_counter() - started:.1f}s: ")
                + made
            )
            self.stdout.write(
                "Logins: "
                + ", ".join(f"{name}/{name} ({role})" for name, role in demo_logins())
                + "."
            )
        if options["tickets"] > 0:
            started = time.perf_counter()
            customers, tickets = BulkLoader(
                world=world,
                batch_size=max(1, options["batch_size"]),
                progress=verbosity > 0,
            ).load(tickets=options["tickets"])
            if verbosity:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Bulk-loaded {tickets} tickets and {customers} customers in "
                        f"{time.perf_counter() - started:.1f}s."
                    )
                )


class BulkLoader:
    """Writes many tickets with bulk_create, for load tests and benchmarks.

    This is a data load, not a workflow: it deliberately bypasses the services (and so the
    history rows, signals, outbound messages and SLA bookkeeping they write) because going
    through them costs tens of queries per ticket. The rows it writes are the shape the services
    would leave: a reference from new_reference, the first customer message, timestamps that
    agree with the status, assignees who work the ticket's queue.
    """

    def __init__(self, *, world: World, batch_size: int, progress: bool) -> None:
        self.rng = random.Random()
        self.batch_size = batch_size
        self.progress = progress
        self.now = timezone.now()
        self.queues = {q.code: q.pk for q in Queue.objects.filter(is_active=True)}
        self.reasons = [
            (reason.pk, reason.parent.code, reason.name_vi, reason.name_en)
            for reason in InteractionReason.objects.filter(
                parent__isnull=False, is_active=True
            ).select_related("parent")
        ]
        self.agents_by_queue: dict[int, list[int]] = {}
        for user_id, queue_id in AgentProfile.queues.through.objects.filter(
            agentprofile__user__is_active=True
        ).values_list("agentprofile__user_id", "queue_id"):
            self.agents_by_queue.setdefault(queue_id, []).append(user_id)
        self.tag_ids = [Tag.objects.get_or_create(name=name)[0].pk for name in BULK_TAGS]
        self.tickets = RowInserter(Ticket, TICKET_COLUMNS)
        self.messages = RowInserter(
            TicketMessage,
            ("ticket_id", "author_customer_id", "body", "channel", "created_at"),
            kind=MessageKind.PUBLIC,
            author_type=AuthorType.CUSTOMER,
        )
        self.tag_links = RowInserter(Ticket.tags.through, ("ticket_id", "tag_id"))
        # The search column (tickets.search) is written here as Ticket.save would write it.
        self.customer_text: dict[int, str] = {}
        self.segment_ids = list(Segment.objects.values_list("pk", flat=True))
        self.organization_ids = list(Organization.objects.values_list("pk", flat=True))
        del world  # the world guarantees the rows read above exist

    def load(self, *, tickets: int) -> tuple[int, int]:
        customer_ids = self._customers(max(1, tickets // 10))
        references = set(Ticket.objects.values_list("reference", flat=True))
        channels, channel_weights = zip(*CHANNEL_WEIGHTS.items(), strict=True)
        priorities, priority_weights = zip(*PRIORITY_WEIGHTS.items(), strict=True)
        made = 0
        with tqdm(total=tickets, unit="ticket", disable=not self.progress, file=sys.stderr) as bar:
            while made < tickets:
                size = min(self.batch_size, tickets - made)
                batch = [
                    self._ticket(
                        customer_id=self.rng.choice(customer_ids),
                        channel=self.rng.choices(channels, channel_weights)[0],
                        priority=self.rng.choices(priorities, priority_weights)[0],
                        reference=self._reference(references),
                    )
                    for _ in range(size)
                ]
                self._write(batch)
                made += size
                bar.update(size)
        return len(customer_ids), made

    def _reference(self, taken: set[str]) -> str:
        reference = new_reference()
        while reference in taken:
            reference = new_reference()
        taken.add(reference)
        return reference

    def _customers(self, count: int) -> list[int]:
        rng = self.rng
        run = f"{rng.getrandbits(32):08x}"
        ids: list[int] = []
        for start in range(0, count, self.batch_size):
            rows = []
            for i in range(start, min(count, start + self.batch_size)):
                language = "en" if rng.random() < 0.1 else "vi"
                rows.append(
                    Customer(
                        name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                        email=f"kh{i}.{run}@example.vn",
                        # Already E.164, so customers.services.normalize_phone is not needed.
                        phone=f"+84{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}",
                        language=language,
                        segment_id=rng.choice(self.segment_ids) if self.segment_ids else None,
                        organization_id=(
                            rng.choice(self.organization_ids)
                            if self.organization_ids and rng.random() < 0.05
                            else None
                        ),
                    )
                )
            with transaction.atomic():
                created = Customer.objects.bulk_create(rows)
                CustomerIdentity.objects.bulk_create(
                    [
                        CustomerIdentity(customer_id=c.pk, kind=ChannelKind.EMAIL, address=c.email)
                        for c in created
                    ],
                    ignore_conflicts=True,
                )
            ids.extend(c.pk for c in created)
            self.customer_text.update((c.pk, customer_search_text(c)) for c in created)
        return ids

    def _ticket(
        self, *, customer_id: int, channel: str, priority: int, reference: str
    ) -> tuple[tuple[Any, ...], str]:
        """One ticket's values in TICKET_COLUMNS order, and the text of its first message."""
        rng = self.rng
        created_at = self.now - timedelta(seconds=rng.uniform(0, 365 * 24 * 3600))
        recent = self.now - created_at < timedelta(days=14)
        weights = RECENT_STATUS_WEIGHTS if recent else OLD_STATUS_WEIGHTS
        status = rng.choices(list(weights), list(weights.values()))[0]
        language = "en" if rng.random() < 0.12 else "vi"
        order = f"DH{rng.randrange(10000, 99999)}"
        if self.reasons and rng.random() < 0.75:
            reason_id, category, name_vi, name_en = rng.choice(self.reasons)
            queue_id = self.queues.get(CATEGORY_QUEUE.get(category, ""))
            subject = f"{name_en if language == 'en' else name_vi} – {order}"
        else:
            reason_id, category = None, ""
            queue_id = None
            subject = f"{'Need help' if language == 'en' else 'Cần hỗ trợ'} – {order}"
        if queue_id is None:
            queue_id = rng.choice(list(self.queues.values()))
        # Each stamp follows the one before and none is in the future; only the ones the status
        # has reached are kept.
        first_response = self._after(created_at, minutes=rng.uniform(2, 600))
        solved = self._after(first_response, minutes=rng.uniform(10, 4 * 24 * 60))
        closed = self._after(solved, minutes=rng.uniform(60, 7 * 24 * 60))
        agents = self.agents_by_queue.get(queue_id)
        assign = rng.random() < (0.1 if status == S.NEW else 0.8)
        values = (
            reference,
            subject,
            customer_id,
            queue_id,
            rng.choice(agents) if agents and assign else None,
            status,
            priority,
            reason_id,
            channel,
            language,
            created_at,
            first_response if status != S.NEW else None,
            solved if status in (S.SOLVED, S.CLOSED) else None,
            closed if status == S.CLOSED else None,
            f"{fold(f'{reference} {subject}')} | {self.customer_text.get(customer_id, '')}",
        )
        return values, BODIES[language][category].format(order=order)

    def _after(self, moment: datetime, *, minutes: float) -> datetime:
        return min(self.now, moment + timedelta(minutes=minutes))

    def _write(self, batch: list[tuple[tuple[Any, ...], str]]) -> None:
        rng = self.rng
        with transaction.atomic():
            before = Ticket.objects.aggregate(last=Max("pk"))["last"] or 0
            self.tickets.insert([values for values, _body in batch])
            # The new rows are the ones above the highest id seen before the insert (ids only
            # grow); matching on the reference ignores rows another process added meanwhile.
            ids = dict(
                Ticket.objects.filter(pk__gt=before).values_list("reference", "pk").iterator()
            )
            message_rows = []
            tag_rows = []
            for values, body in batch:
                ticket_id = ids[values[0]]
                # ticket, author customer, body, channel, created_at
                message_rows.append((ticket_id, values[2], body, values[8], values[10]))
                if rng.random() < 0.3:
                    for tag_id in rng.sample(self.tag_ids, k=rng.choice((1, 1, 2))):
                        tag_rows.append((ticket_id, tag_id))
            self.messages.insert(message_rows)
            self.tag_links.insert(tag_rows)


TICKET_COLUMNS = (
    "reference",
    "subject",
    "customer_id",
    "queue_id",
    "assignee_id",
    "status",
    "priority",
    "reason_id",
    "channel",
    "language",
    "created_at",
    "first_responded_at",
    "solved_at",
    "closed_at",
    "search_text",
)


class RowInserter:
    """INSERTs many rows of one model with a single executemany.

    bulk_create prepares every value of every row through the field machinery and compiles one
    statement per ~60 rows on SQLite (Django caps a statement at 999 parameters); at 100,000
    tickets that is most of a minute of CPU. Here the values that vary are given ready, the
    database adapts only the datetimes, and every other column gets its model default (or now for
    auto_now fields) prepared once, so fields other apps add to the model are still filled."""

    def __init__(self, model: type[Model], columns: Sequence[str], **constants: Any) -> None:
        now = timezone.now()
        fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
        self.datetime_positions = [
            i for i, name in enumerate(columns) if isinstance(fields[name], DateTimeField)
        ]
        fixed: list[Any] = []
        fixed_columns: list[str] = []
        for name, field in fields.items():
            if name in columns:
                continue
            if name in constants:
                value = constants[name]
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            elif field.has_default():
                value = field.get_default()
            elif field.null:
                value = None
            else:
                raise ValueError(f"{model.__name__}.{name} has no default; give it a value.")
            fixed.append(field.get_db_prep_save(value, connection))
            fixed_columns.append(field.column)
        self.fixed = tuple(fixed)
        names = [fields[name].column for name in columns] + fixed_columns
        quote = connection.ops.quote_name
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
            quote(model._meta.db_table),
            ", ".join(quote(name) for name in names),
            ", ".join(["%s"] * len(names)),
        )

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        adapt = connection.ops.adapt_datetimefield_value
        positions = self.datetime_positions
        prepared = []
        for row in rows:
            values = list(row)
            for i in positions:
                if values[i] is not None:
                    values[i] = adapt(values[i])
            prepared.append((*values, *self.fixed))
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, prepared)
