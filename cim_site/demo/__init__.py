"""The demo world that `manage.py seed_demo` builds: staff, queues, reasons, channels, customers,
knowledge base articles and a couple of dozen tickets with their journeys.

Reference data (queues, reasons, channels, KB) has no workflow and is written with get_or_create
on its natural key. Tickets and their conversations go through the services, as a real contact
would, so the demo shows what the product really records (history rows, first response times,
outbound messages). Every step is keyed so that running the seed twice changes nothing.

The texts are written for this project (no third-party content).
"""

import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from channels.models import ActionKind, Channel, Interaction, Outcome
from channels.services import record_action, record_event, record_interaction
from customers.models import ChannelKind, Customer, Language, Organization, Segment
from customers.services import create_customer
from knowledge_base.models import Article, ArticleStatus, Category
from tickets import services as ticket_services
from tickets.models import (
    AgentProfile,
    AuthorType,
    InteractionReason,
    Priority,
    Queue,
    Skill,
    Ticket,
)
from tickets.selectors import AGENT_GROUP, REASON_MANAGER_GROUP, SUPERVISOR_GROUP

from .history import seed_history
from .journeys import ACTION_FOR_CHANNEL
from .operations import put_agents_online, seed_sla, seed_survey_rules
from .timeline import (
    Clocks,
    Recording,
    mark_history_sent,
    retime_story,
    settle_story_sla,
    settle_story_surveys,
    story_starts,
)

# The design's example (DESIGN.md §1.12): one call = 3 IVR key presses + a talk with an agent.
PHONE_EXAMPLE_CALL_ID = "demo-call-0001"

GROUPS = (AGENT_GROUP, SUPERVISOR_GROUP, REASON_MANAGER_GROUP)

SKILLS = (
    ("orders", "Đơn hàng · Orders"),
    ("billing", "Thanh toán · Billing"),
    ("repair", "Sửa chữa, bảo hành · Repair and warranty"),
    ("complaints", "Xử lý khiếu nại · Complaint handling"),
    ("b2b", "Khách doanh nghiệp · Business customers"),
    ("english", "Tiếng Anh · English"),
)

QUEUES: tuple[dict[str, Any], ...] = (
    {
        "code": "support",
        "name": "Hỗ trợ chung · General support",
        "description": "Câu hỏi về đơn hàng, giao hàng và thanh toán.\n"
        "Questions about orders, delivery and payment.",
        "default_priority": Priority.NORMAL,
        "skills": ("orders", "billing"),
    },
    {
        "code": "sales",
        "name": "Bán hàng · Sales",
        "description": "Tư vấn sản phẩm, báo giá, khách doanh nghiệp.\n"
        "Product advice, quotes and business customers.",
        "default_priority": Priority.NORMAL,
        "skills": ("b2b",),
    },
    {
        "code": "complaints",
        "name": "Khiếu nại · Complaints",
        "description": "Khiếu nại về sản phẩm, giao hàng, nhân viên; xử lý trong 24 giờ.\n"
        "Complaints about products, delivery or staff; handled within 24 hours.",
        "default_priority": Priority.HIGH,
        "skills": ("complaints",),
    },
    {
        "code": "warranty",
        "name": "Bảo hành · Warranty",
        "description": "Yêu cầu bảo hành, lịch sửa chữa, tình trạng máy gửi bảo hành.\n"
        "Warranty claims, repair appointments, status of items in repair.",
        "default_priority": Priority.NORMAL,
        "skills": ("repair",),
    },
)

# username → (flags, groups, agent profile or None). The password of each demo user is its name.
USERS: tuple[dict[str, Any], ...] = (
    {"username": "admin", "superuser": True, "groups": (), "first": "Quản trị", "last": ""},
    {"username": "lead", "groups": (SUPERVISOR_GROUP,), "first": "Thảo", "last": "Nguyễn"},
    {
        "username": "agent",
        "groups": (AGENT_GROUP,),
        "first": "Minh",
        "last": "Trần",
        "profile": {
            "queues": ("support", "complaints"),
            "skills": ("orders", "billing", "complaints", "english"),
            "languages": ["vi", "en"],
        },
    },
    {
        "username": "agent2",
        "groups": (AGENT_GROUP,),
        "first": "Hương",
        "last": "Lê",
        "profile": {
            "queues": ("sales", "warranty"),
            "skills": ("b2b", "repair"),
            "languages": ["vi"],
        },
    },
    {
        "username": "agent3",
        "groups": (AGENT_GROUP,),
        "first": "Khoa",
        "last": "Đỗ",
        "profile": {
            "queues": ("complaints", "warranty", "support"),
            "skills": ("complaints", "repair", "orders"),
            "languages": ["vi"],
        },
    },
    {"username": "reasons", "groups": (REASON_MANAGER_GROUP,), "first": "Quân", "last": "Phạm"},
)

# Category (code, vi, en) → reasons (code, vi, en, skills).
REASONS: tuple[
    tuple[tuple[str, str, str], tuple[tuple[str, str, str, tuple[str, ...]], ...]], ...
] = (
    (
        ("orders", "Đơn hàng", "Orders"),
        (
            ("order-tracking", "Theo dõi đơn hàng", "Order tracking", ("orders",)),
            ("order-cancel", "Hủy đơn", "Cancel order", ("orders",)),
            ("order-change-address", "Đổi địa chỉ giao hàng", "Change delivery address", ()),
            ("order-return", "Đổi trả hàng", "Return or exchange", ("orders",)),
        ),
    ),
    (
        ("warranty", "Bảo hành", "Warranty"),
        (
            ("warranty-claim", "Yêu cầu bảo hành", "Warranty claim", ("repair",)),
            ("warranty-status", "Tình trạng bảo hành", "Warranty status", ()),
            ("repair-appointment", "Hẹn lịch sửa chữa", "Repair appointment", ("repair",)),
        ),
    ),
    (
        ("billing", "Thanh toán", "Billing"),
        (
            ("payment-failed", "Thanh toán không thành công", "Payment failed", ("billing",)),
            ("payment-double-charge", "Bị trừ tiền hai lần", "Charged twice", ("billing",)),
            ("refund-request", "Yêu cầu hoàn tiền", "Refund request", ("billing",)),
            ("invoice-request", "Xuất hóa đơn VAT", "VAT invoice", ()),
            ("payment-methods", "Hình thức thanh toán", "Payment methods", ()),
        ),
    ),
    (
        ("complaint", "Khiếu nại", "Complaint"),
        (
            ("complaint-late-delivery", "Giao hàng chậm", "Late delivery", ("complaints",)),
            ("complaint-staff", "Thái độ nhân viên", "Staff attitude", ("complaints",)),
            ("complaint-product-quality", "Chất lượng sản phẩm", "Product quality", ()),
            ("complaint-wrong-item", "Giao sai hàng", "Wrong item delivered", ()),
        ),
    ),
    (
        ("information", "Thông tin", "Information"),
        (
            ("product-info", "Thông tin sản phẩm", "Product information", ()),
            ("store-hours", "Giờ mở cửa, địa chỉ cửa hàng", "Opening hours and stores", ()),
        ),
    ),
)

SEGMENTS = (
    ("prefers-hybrid", "Thích kết hợp · Prefers hybrid", "Tự phục vụ trước, gặp người khi cần."),
    ("prefers-people", "Thích gặp người · Prefers people", "Muốn nói chuyện với nhân viên."),
    ("digital-first", "Ưu tiên số · Digital-first", "Chat, Zalo, tự tra cứu; ít gọi điện."),
    ("channel-loyal", "Trung thành một kênh · Loyal to one channel", "Luôn dùng cùng một kênh."),
)

ORGANIZATIONS = (
    ("Công ty TNHH Thương mại Sao Mai", "saomai.example.vn"),
    ("Công ty CP Nội thất Hòa Bình", "hoabinh.example.vn"),
    ("Chuỗi cà phê Phố Cổ", "phoco.example.vn"),
)

# (name, phone as people write it, language, segment, organization index or None)
CUSTOMERS: tuple[tuple[str, str, str, str, int | None], ...] = (
    ("Nguyễn Thị Lan", "0912 345 678", "vi", "prefers-hybrid", None),
    ("Trần Văn Minh", "0903 112 233", "vi", "prefers-people", None),
    ("Lê Hoàng Anh", "+84 983 456 120", "vi", "digital-first", None),
    ("Phạm Thu Hà", "0977.210.455", "vi", "digital-first", None),
    ("Hoàng Đức Thắng", "84938765432", "vi", "channel-loyal", None),
    ("Vũ Ngọc Mai", "0968 001 234", "vi", "prefers-people", None),
    ("Đặng Quốc Bảo", "0355 667 788", "vi", "prefers-people", None),
    ("Bùi Thị Hồng", "0862 345 901", "vi", "channel-loyal", None),
    ("Đỗ Minh Tuấn", "0707 888 123", "vi", "digital-first", None),
    ("Hồ Thanh Tâm", "0789 654 321", "vi", "prefers-hybrid", None),
    ("Ngô Gia Huy", "0834 222 555", "vi", "digital-first", None),
    ("Dương Thùy Linh", "0944 121 314", "vi", "prefers-hybrid", None),
    ("Lý Văn Phúc", "0325 909 808", "vi", "prefers-people", None),
    ("Trịnh Khánh Vy", "0886 414 141", "vi", "digital-first", None),
    ("Phan Thành Nam", "0899 303 202", "vi", "prefers-hybrid", None),
    ("Võ Thị Thu Trang", "0936 777 012", "vi", "channel-loyal", 0),
    ("Đinh Công Sơn", "0388 246 810", "vi", "prefers-people", None),
    ("Tạ Minh Châu", "0763 135 791", "vi", "digital-first", None),
    ("Lương Bích Ngọc", "0819 864 200", "vi", "prefers-hybrid", None),
    ("Mai Xuân Trường", "0915 303 404", "vi", "prefers-people", 1),
    ("Cao Thị Yến", "0978 515 626", "vi", "channel-loyal", None),
    ("Chu Đức Long", "0904 737 848", "vi", "prefers-people", 1),
    ("Kiều Phương Thảo", "0333 959 060", "vi", "digital-first", None),
    ("Lâm Tuấn Kiệt", "0587 171 282", "vi", "digital-first", None),
    ("Quách Hải Yến", "0845 393 404", "vi", "prefers-hybrid", 2),
    ("Tô Hữu Nghĩa", "0979 515 626", "vi", "channel-loyal", None),
    ("Hà Mỹ Duyên", "0377 737 848", "vi", "digital-first", None),
    ("Triệu Văn Hải", "0853 959 060", "vi", "prefers-people", 2),
    ("Emily Carter", "0908 246 135", "en", "digital-first", None),
    ("David Nguyen", "+84 912 468 024", "en", "prefers-hybrid", None),
)

# kind → (name, default queue, address)
CHANNELS: dict[str, tuple[str, str, str]] = {
    ChannelKind.EMAIL: ("Email hỗ trợ · Support mailbox", "support", "support@cim.example.vn"),
    ChannelKind.WEB_CHAT: ("Chat trên web · Web chat", "support", ""),
    ChannelKind.CHATBOT: ("Trợ lý ảo · Chatbot", "support", ""),
    ChannelKind.PHONE: ("Tổng đài · Hotline", "support", "+842873001234"),
    ChannelKind.ZALO: ("Zalo OA", "sales", "cim-demo-oa"),
    ChannelKind.FACEBOOK: ("Facebook Messenger", "sales", "cim-demo-page"),
    ChannelKind.WEB_FORM: ("Biểu mẫu liên hệ · Contact form", "support", "/help/contact/"),
    ChannelKind.WALK_IN: ("Tại cửa hàng · Walk-in", "warranty", "12 Lý Tự Trọng, Q.1, TP.HCM"),
    ChannelKind.API: ("API", "support", ""),
}


def demo_logins() -> list[tuple[str, str]]:
    """(user name = password, role) of every demo user, for the login page and `make run`."""
    roles = {
        AGENT_GROUP: _("agent"),
        SUPERVISOR_GROUP: _("supervisor (lead)"),
        REASON_MANAGER_GROUP: _("reason manager"),
    }
    logins = []
    for spec in USERS:
        role = ", ".join(str(roles[g]) for g in spec["groups"])
        logins.append((spec["username"], str(_("superuser")) if spec.get("superuser") else role))
    return logins


def channel_code(kind: str) -> str:
    return kind.replace("_", "-")


def customer_email(name: str) -> str:
    ascii_name = slugify(name.replace("Đ", "D").replace("đ", "d"))
    return f"{ascii_name.replace('-', '.')}@example.vn"


Log = Callable[[str], None]


class World:
    """What the seed made or found, by natural key, and how many rows it created."""

    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.users: dict[str, Any] = {}
        self.queues: dict[str, Queue] = {}
        self.skills: dict[str, Skill] = {}
        self.reasons: dict[str, InteractionReason] = {}
        self.segments: dict[str, Segment] = {}
        self.channels: dict[str, Channel] = {}
        self.customers: list[Customer] = []
        # Story tickets made in this run, with when each of their steps began (real time).
        self.recordings: list[Recording] = []

    def count(self, what: str, created: bool, n: int = 1) -> None:
        if created and n:
            self.created[what] += n


# Stories that happened in the last hour: the walk-in warranty case was solved minutes ago, so
# its survey (warranty waits two hours) is still due later: the one a lead can "send now".
HAPPENING_NOW = frozenset({"yen-headphones"})

SeedStep = Callable[[World], None]


# Steps run after the demo world and its history exist, in the same transaction: other parts
# of the product add theirs here (e.g. after-contact work records, then a rebuild of report
# rollups), each keyed so a second run adds nothing.
def _work_log_and_report_facts(world: World) -> None:
    """After-contact work on past interactions, then the analytics facts and rollups, so the
    dashboard is full on the first page load (the beat task keeps them current afterwards)."""
    from cim_site.analytics.demo import rebuild_all, seed_demo_activities
    from tickets.models_activity import Activity

    if not Activity.objects.exists():
        made = seed_demo_activities(random.Random(11))  # noqa: S311 - demo data
        world.count("activities", True, made)
    rebuild_all()


EXTRA_SEED_STEPS: list[SeedStep] = [_work_log_and_report_facts]


def seed_world() -> World:
    """Builds (or completes) the demo world. Safe to run any number of times."""
    world = World()
    with transaction.atomic():
        _groups(world)
        _skills(world)
        _queues(world)
        _users(world)
        _reasons(world)
        _segments_and_customers(world)
        _channels(world)
        _knowledge_base(world)
        seed_sla(world)
        seed_survey_rules(world)
        _stories(world)
        _phone_example(world)
        _place_in_time(world)
        for step in EXTRA_SEED_STEPS:
            step(world)
        put_agents_online(world)
    return world


def _place_in_time(world: World) -> None:
    """The stories happened over the last twelve days, the rest of the history over three
    months; everything the seed queued for sending is history, already sent."""
    now = timezone.now()
    rng = random.Random(len(world.recordings))  # noqa: S311 - demo timing, not secrets
    clocks = Clocks()
    for n, recording in enumerate(world.recordings):
        # Older stories first; the phone call (last) happened this morning.
        days_ago = 12 - 11.5 * n / max(1, len(world.recordings) - 1)
        begin = now - timedelta(days=days_ago, minutes=rng.uniform(0, 180))
        latest = min(now - timedelta(minutes=10), begin + timedelta(days=3))
        if recording.key in HAPPENING_NOW:
            begin, latest = now - timedelta(minutes=75), now - timedelta(minutes=15)
        starts = story_starts(rng, begin=begin, steps=len(recording.marks) - 1, latest=latest)
        retime_story(recording, starts)
    ids = [r.ticket_id for r in world.recordings]
    world.count("SLA events", True, settle_story_sla(ids, now=now, clocks=clocks))
    quiet = frozenset(
        Ticket.objects.filter(
            pk__in=[r.ticket_id for r in world.recordings if r.key in HAPPENING_NOW]
        ).values_list("customer_id", flat=True)
    )
    seed_history(world, now=now, clocks=clocks, quiet_customers=quiet)
    world.count("story surveys sent", True, settle_story_surveys(ids, now=now))
    world.count("outbound marked sent", True, mark_history_sent(ids))


def _groups(world: World) -> None:
    for name in GROUPS:
        _group, created = Group.objects.get_or_create(name=name)
        world.count("groups", created)


def _skills(world: World) -> None:
    for code, name in SKILLS:
        skill, created = Skill.objects.get_or_create(code=code, defaults={"name": name})
        world.skills[code] = skill
        world.count("skills", created)


def _queues(world: World) -> None:
    for spec in QUEUES:
        queue, created = Queue.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "default_priority": spec["default_priority"],
            },
        )
        if created:
            queue.required_skills.set([world.skills[c] for c in spec["skills"]])
        world.queues[spec["code"]] = queue
        world.count("queues", created)


def _users(world: World) -> None:
    user_model = get_user_model()
    for spec in USERS:
        username = spec["username"]
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model(
                username=username,
                email=f"{username}@cim.example.vn",
                first_name=spec["first"],
                last_name=spec["last"],
                is_staff=True,
                is_superuser=spec.get("superuser", False),
            )
            # Demo logins only: each demo user's password is its user name (see `make run`).
            user.set_password(username)
            user.save()
            world.count("users", True)
        for name in spec["groups"]:
            user.groups.add(Group.objects.get(name=name))
        profile_spec = spec.get("profile")
        if profile_spec:
            profile, created = AgentProfile.objects.get_or_create(
                user=user, defaults={"languages": profile_spec["languages"]}
            )
            if created:
                profile.queues.set([world.queues[c] for c in profile_spec["queues"]])
                profile.skills.set([world.skills[c] for c in profile_spec["skills"]])
            world.count("agent profiles", created)
        world.users[username] = user
    for queue in world.queues.values():
        if queue.lead_id is None:
            queue.lead = world.users["lead"]
            queue.save(update_fields=["lead"])


def _reasons(world: World) -> None:
    for position, ((code, name_vi, name_en), children) in enumerate(REASONS):
        category, created = InteractionReason.objects.get_or_create(
            code=code, defaults={"name_vi": name_vi, "name_en": name_en, "position": position}
        )
        world.count("reason categories", created)
        world.reasons[code] = category
        for child_position, (child_code, child_vi, child_en, skills) in enumerate(children):
            reason, created = InteractionReason.objects.get_or_create(
                code=child_code,
                defaults={
                    "parent": category,
                    "name_vi": child_vi,
                    "name_en": child_en,
                    "position": child_position,
                },
            )
            if created and skills:
                reason.required_skills.set([world.skills[c] for c in skills])
            world.reasons[child_code] = reason
            world.count("reasons", created)


def _segments_and_customers(world: World) -> None:
    for code, name, description in SEGMENTS:
        segment, created = Segment.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
        world.segments[code] = segment
        world.count("segments", created)
    organizations = []
    for name, domain in ORGANIZATIONS:
        organization, created = Organization.objects.get_or_create(
            name=name, defaults={"domain": domain}
        )
        organizations.append(organization)
        world.count("organizations", created)
    for name, phone, language, segment, org_index in CUSTOMERS:
        email = customer_email(name)
        customer = Customer.objects.filter(email=email).first()
        if customer is None:
            # Through the service: phones are normalised to E.164 and identities are recorded,
            # so the channel adapters find these customers again.
            customer = create_customer(
                name=name,
                email=email,
                phone=phone,
                language=language,
                segment=world.segments[segment],
                organization=organizations[org_index] if org_index is not None else None,
                by=world.users["admin"],
            )
            world.count("customers", True)
        world.customers.append(customer)


def _channels(world: World) -> None:
    for kind, (name, queue_code, address) in CHANNELS.items():
        channel, created = Channel.objects.get_or_create(
            code=channel_code(kind),
            defaults={
                "name": name,
                "kind": kind,
                "default_queue": world.queues[queue_code],
                "address": address,
            },
        )
        world.channels[kind] = channel
        world.count("channels", created)


def _knowledge_base(world: World) -> None:
    categories: dict[str, Category] = {}
    for position, (slug, name_vi, name_en, desc_vi, desc_en) in enumerate(KB_CATEGORIES):
        category, created = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name_vi": name_vi,
                "name_en": name_en,
                "description_vi": desc_vi,
                "description_en": desc_en,
                "position": position,
            },
        )
        categories[slug] = category
        world.count("KB categories", created)
    now = timezone.now()
    for position, spec in enumerate(KB_ARTICLES):
        status = spec.get("status", ArticleStatus.PUBLISHED)
        original = None
        for language in (Language.VI, Language.EN):
            text = spec.get(language)
            if text is None:
                continue
            article, created = Article.objects.get_or_create(
                language=language,
                slug=text["slug"],
                defaults={
                    "category": categories[spec["category"]],
                    "translation_of": original,
                    "title": text["title"],
                    "body": text["body"].strip(),
                    "status": status,
                    "position": position,
                    "published_at": now if status == ArticleStatus.PUBLISHED else None,
                },
            )
            world.count("KB articles", created)
            if original is None:
                original = article


def _customer(world: World, index: int) -> Customer:
    return world.customers[index]


def _stories(world: World) -> None:
    """Tickets through the services, with a short journey record per contact."""
    for story in STORIES:
        customer = _customer(world, story["customer"])
        if Ticket.objects.filter(customer=customer, subject=story["subject"]).exists():
            continue
        kind = story["channel"]
        channel = world.channels[kind]
        queue = world.queues[story.get("queue") or channel.default_queue.code]
        by = world.users[story["by"]] if story.get("by") else None
        began = timezone.now()
        ticket = ticket_services.create_ticket(
            customer=customer,
            subject=story["subject"],
            body=story["body"],
            queue=queue,
            channel=kind,
            priority=story.get("priority"),
            reason=world.reasons[story["reason"]] if story.get("reason") else None,
            tags=story.get("tags", ()),
            by=by,
            author_type=AuthorType.AGENT if by else AuthorType.CUSTOMER,
        )
        world.count("tickets", True)
        recording = Recording(ticket_id=ticket.pk, marks=[began], key=story["key"])
        world.recordings.append(recording)
        for step in story.get("steps", ()):
            recording.mark(timezone.now())
            _apply_step(world, ticket, step)
        # The services saved their own locked copies; read back what they left.
        ticket.refresh_from_db()
        _record_contact(world, ticket, channel, story)


def _apply_step(world: World, ticket: Ticket, step: tuple[str, ...]) -> None:
    action, *args = step
    if action == "customer":
        ticket_services.add_customer_message(ticket=ticket, body=args[0])
        return
    by = world.users[args[0]]
    if action == "reply":
        status = args[2] if len(args) > 2 else None
        ticket_services.reply(ticket=ticket, by=by, body=args[1], status=status)
    elif action == "note":
        ticket_services.add_internal_note(ticket=ticket, by=by, body=args[1])
    elif action == "status":
        ticket_services.change_status(ticket=ticket, to=args[1], by=by)
    elif action == "assign":
        ticket_services.assign_ticket(ticket=ticket, agent=world.users[args[1]], by=by)
    elif action == "reason":
        ticket_services.set_reason(ticket=ticket, reason=world.reasons[args[1]], by=by)
    elif action == "tag":
        ticket_services.add_tag(ticket=ticket, name=args[1], by=by)
    else:  # pragma: no cover - a typo in the story table
        raise ValueError(f"Unknown demo step {action!r}")


def _record_contact(world: World, ticket: Ticket, channel: Channel, story: dict[str, Any]) -> None:
    """One interaction per story contact: one action, one event per message of the first contact.
    A chatbot contact that is handed over gets a second action with the agent."""
    interaction, created = record_interaction(
        customer=ticket.customer,
        channel=channel,
        ticket=ticket,
        external_id=f"demo-{story['key']}",
        reason=ticket.reason,
        outcome=story.get("outcome", Outcome.TICKET_OPENED),
        started_at=ticket.created_at,
    )
    if not created:
        return
    world.count("interactions", True)
    first = ticket.messages.order_by("created_at", "id").first()
    start = ticket.created_at
    action = record_action(
        interaction=interaction,
        kind=ACTION_FOR_CHANNEL[channel.kind],
        started_at=start,
        ended_at=start + timedelta(minutes=4),
    )
    record_event(action=action, kind="message_received", message=first, occurred_at=start)
    counts = {"actions": 1, "events": 1}
    if channel.kind == ChannelKind.CHATBOT:
        record_event(
            action=action,
            kind="bot_answer",
            data={"article": "theo-doi-don-hang"},
            occurred_at=start + timedelta(seconds=20),
        )
        record_event(
            action=action, kind="handover_requested", occurred_at=start + timedelta(minutes=1)
        )
        agent_action = record_action(
            interaction=interaction,
            kind=ActionKind.AGENT,
            agent=ticket.assignee,
            started_at=start + timedelta(minutes=2),
            ended_at=start + timedelta(minutes=9),
        )
        record_event(action=agent_action, kind="agent_joined", occurred_at=agent_action.started_at)
        counts = {"actions": 2, "events": 4}
    for what, n in counts.items():
        world.count(what, True, n)


def _phone_example(world: World) -> None:
    """The design's example: a customer calls to cancel an order, presses three keys in the IVR
    (language, orders, talk to a person), talks to an agent and decides to keep the order.
    3 events, 2 actions, 1 interaction; the experience is one ticket."""
    channel = world.channels[ChannelKind.PHONE]
    if Interaction.objects.filter(channel=channel, external_id=PHONE_EXAMPLE_CALL_ID).exists():
        return
    customer = _customer(world, 5)  # Vũ Ngọc Mai, prefers people
    agent = world.users["agent"]
    began = timezone.now()
    ticket = ticket_services.create_ticket(
        customer=customer,
        subject="Gọi điện muốn hủy đơn DH10377",
        body=(
            "Khách gọi tổng đài muốn hủy đơn DH10377 (nồi chiên không dầu) vì thấy giao lâu. "
            "Đã giải thích đơn sẽ giao trong ngày mai và tặng mã miễn phí giao hàng; "
            "khách đồng ý giữ đơn."
        ),
        queue=world.queues["support"],
        channel=ChannelKind.PHONE,
        reason=world.reasons["order-cancel"],
        by=agent,
        author_type=AuthorType.AGENT,
        tags=("giu-chan-khach",),
    )
    recording = Recording(ticket_id=ticket.pk, marks=[began])
    world.recordings.append(recording)
    ticket_services.assign_ticket(ticket=ticket, agent=agent, by=agent)
    recording.mark(timezone.now())
    ticket_services.add_internal_note(
        ticket=ticket, by=agent, body="Đã gửi mã FREESHIP cho khách qua SMS."
    )
    recording.mark(timezone.now())
    ticket_services.solve_ticket(ticket=ticket, by=agent)
    world.count("tickets", True)
    # The call began a few minutes before the agent wrote the ticket up.
    start = ticket.created_at - timedelta(minutes=7)
    interaction, _created = record_interaction(
        customer=customer,
        channel=channel,
        ticket=ticket,
        external_id=PHONE_EXAMPLE_CALL_ID,
        agent=agent,
        reason=world.reasons["order-cancel"],
        outcome=Outcome.RETAINED,
        started_at=start,
        note="Khách muốn hủy đơn, sau khi nói chuyện với nhân viên thì giữ đơn.",
    )
    ivr = record_action(
        interaction=interaction,
        kind=ActionKind.IVR,
        outcome=Outcome.TRANSFERRED,
        started_at=start,
        ended_at=start + timedelta(seconds=40),
    )
    for seconds, (key, meaning) in zip(
        (8, 20, 33), (("1", "tiếng Việt"), ("2", "đơn hàng"), ("0", "gặp nhân viên")), strict=True
    ):
        record_event(
            action=ivr,
            kind="ivr_key_press",
            data={"key": key, "menu": meaning},
            occurred_at=start + timedelta(seconds=seconds),
        )
    record_action(
        interaction=interaction,
        kind=ActionKind.AGENT,
        agent=agent,
        outcome=Outcome.RETAINED,
        started_at=start + timedelta(seconds=55),
        ended_at=start + timedelta(minutes=6),
    )
    world.count("interactions", True)
    world.count("actions", True, 2)
    world.count("events", True, 3)


# --- Knowledge base -------------------------------------------------------------------------

# (slug, name vi, name en, description vi, description en)
KB_CATEGORIES = (
    ("don-hang", "Đơn hàng", "Orders", "Đặt, theo dõi, thay đổi đơn.", "Place, track, change."),
    ("giao-hang", "Giao hàng", "Delivery", "Thời gian và phí giao.", "Delivery times and fees."),
    ("bao-hanh", "Bảo hành", "Warranty", "Bảo hành và sửa chữa.", "Warranty and repairs."),
    ("thanh-toan", "Thanh toán", "Payment", "Cách trả tiền, hóa đơn.", "Paying and invoices."),
    ("doi-tra", "Đổi trả", "Returns", "Đổi hàng, trả hàng, hoàn tiền.", "Exchanges and refunds."),
)

# One entry per article; "en" is the translation of "vi". status defaults to published.
KB_ARTICLES: tuple[dict[str, Any], ...] = (
    {
        "category": "don-hang",
        "vi": {
            "slug": "theo-doi-don-hang",
            "title": "Cách theo dõi đơn hàng",
            "body": """
Sau khi đặt hàng, bạn nhận được **mã đơn** dạng `DH12345` qua email hoặc tin nhắn Zalo.

1. Mở trang *Tra cứu yêu cầu* hoặc nhắn mã đơn cho trợ lý ảo.
2. Trạng thái đơn được cập nhật ở mỗi bước: đã xác nhận, đang đóng gói, đang giao, đã giao.
3. Khi đơn đã rời kho, bạn nhận thêm mã vận đơn để theo dõi với đơn vị giao hàng.

Nếu đơn không thay đổi trạng thái sau 3 ngày làm việc, hãy gửi yêu cầu hỗ trợ kèm mã đơn.
""",
        },
        "en": {
            "slug": "track-your-order",
            "title": "How to track your order",
            "body": """
After you order, you receive an **order number** such as `DH12345` by email or Zalo message.

1. Open the *Request status* page, or send the order number to the virtual assistant.
2. The status follows each step: confirmed, packing, out for delivery, delivered.
3. Once the parcel leaves the warehouse you also get a tracking code from the courier.

If the status has not moved for 3 working days, send us a request with the order number.
""",
        },
    },
    {
        "category": "don-hang",
        "vi": {
            "slug": "huy-hoac-doi-don-hang",
            "title": "Hủy hoặc thay đổi đơn hàng",
            "body": """
Bạn có thể **hủy hoặc đổi** đơn (địa chỉ, màu, số lượng) miễn phí khi đơn chưa rời kho.

- Nhắn mã đơn và điều cần đổi qua chat, Zalo hoặc biểu mẫu liên hệ.
- Đơn đã giao cho đơn vị vận chuyển không thể hủy; bạn có thể từ chối nhận hoặc đổi trả sau.
- Tiền đã thanh toán trực tuyến được hoàn trong 3–7 ngày làm việc.
""",
        },
        "en": {
            "slug": "cancel-or-change-an-order",
            "title": "Cancel or change an order",
            "body": """
You can **cancel or change** an order (address, colour, quantity) free of charge until it leaves
the warehouse.

- Send the order number and the change through chat, Zalo or the contact form.
- An order already handed to the courier cannot be cancelled; refuse it or return it later.
- Online payments are refunded within 3–7 working days.
""",
        },
    },
    {
        "category": "giao-hang",
        "vi": {
            "slug": "thoi-gian-va-phi-giao-hang",
            "title": "Thời gian và phí giao hàng",
            "body": """
| Khu vực | Thời gian | Phí |
| --- | --- | --- |
| Nội thành TP.HCM, Hà Nội | 1–2 ngày | 20.000đ |
| Tỉnh thành khác | 3–5 ngày | 35.000đ |

Đơn từ 500.000đ được **miễn phí giao hàng**. Dịp Tết Nguyên Đán, thời gian giao có thể kéo dài
thêm 2–3 ngày.
""",
        },
        "en": {
            "slug": "delivery-times-and-fees",
            "title": "Delivery times and fees",
            "body": """
| Area | Time | Fee |
| --- | --- | --- |
| Inner Ho Chi Minh City, Hanoi | 1–2 days | 20,000 VND |
| Other provinces | 3–5 days | 35,000 VND |

Orders from 500,000 VND ship **free**. Around Lunar New Year (Tết) delivery may take 2–3 days
longer.
""",
        },
    },
    {
        "category": "bao-hanh",
        "vi": {
            "slug": "chinh-sach-bao-hanh",
            "title": "Chính sách bảo hành",
            "body": """
Sản phẩm điện máy được bảo hành **12 tháng** kể từ ngày nhận hàng; pin và phụ kiện 6 tháng.

**Cần mang theo:** sản phẩm, phiếu bảo hành hoặc mã đơn hàng.

Không bảo hành lỗi do rơi vỡ, vào nước hoặc tự ý sửa chữa. Bạn có thể theo dõi máy đang bảo hành
bằng mã phiếu (ví dụ `BH-1234`).
""",
        },
        "en": {
            "slug": "warranty-policy",
            "title": "Warranty policy",
            "body": """
Appliances carry a **12-month** warranty from delivery; batteries and accessories 6 months.

**Bring:** the product and the warranty card or the order number.

Drops, water damage and third-party repairs are not covered. Follow an item in repair with its
ticket number (e.g. `BH-1234`).
""",
        },
    },
    {
        "category": "thanh-toan",
        "vi": {
            "slug": "hinh-thuc-thanh-toan",
            "title": "Các hình thức thanh toán",
            "body": """
- Tiền mặt khi nhận hàng (COD).
- Thẻ ATM nội địa, thẻ Visa/Mastercard.
- Ví điện tử và chuyển khoản qua mã QR.
- Trả góp 0% qua thẻ tín dụng cho đơn từ 3.000.000đ.

Cần **hóa đơn VAT**? Ghi tên công ty và mã số thuế khi đặt hàng, hoặc gửi yêu cầu trong 7 ngày.
""",
        },
        "en": {
            "slug": "payment-methods",
            "title": "Payment methods",
            "body": """
- Cash on delivery.
- Domestic ATM cards, Visa and Mastercard.
- E-wallets and bank transfer by QR code.
- 0% instalments by credit card for orders from 3,000,000 VND.

Need a **VAT invoice**? Give the company name and tax code when ordering, or ask within 7 days.
""",
        },
    },
    {
        "category": "doi-tra",
        "vi": {
            "slug": "doi-tra-trong-7-ngay",
            "title": "Đổi trả hàng trong 7 ngày",
            "body": """
Bạn được **đổi hoặc trả** sản phẩm trong 7 ngày kể từ khi nhận, nếu sản phẩm còn nguyên tem
và hộp.

1. Gửi yêu cầu kèm mã đơn và ảnh sản phẩm.
2. Đơn vị vận chuyển đến lấy hàng miễn phí khi lỗi do nhà sản xuất hoặc giao sai.
3. Tiền hoàn về phương thức bạn đã thanh toán trong 3–7 ngày làm việc sau khi kho nhận hàng.
""",
        },
        "en": {
            "slug": "returns-within-7-days",
            "title": "Returns within 7 days",
            "body": """
You may **exchange or return** a product within 7 days of delivery if seals and box are intact.

1. Send a request with the order number and a photo of the item.
2. Pick-up is free when the fault is the manufacturer's or we sent the wrong item.
3. The refund goes back to your payment method within 3–7 working days after we receive it.
""",
        },
    },
    {
        "category": "giao-hang",
        "status": ArticleStatus.DRAFT,
        "vi": {
            "slug": "giao-hang-dip-tet",
            "title": "Lịch giao hàng dịp Tết Nguyên Đán (bản nháp)",
            "body": """
Kho nghỉ từ 28 tháng Chạp đến mùng 5 Tết. Đơn đặt trong thời gian này được giao từ mùng 6.
""",
        },
    },
    {
        "category": "doi-tra",
        "status": ArticleStatus.INTERNAL,
        "vi": {
            "slug": "quy-trinh-xu-ly-khieu-nai",
            "title": "Quy trình xử lý khiếu nại (nội bộ)",
            "body": """
1. Phản hồi khách trong **2 giờ làm việc**, xin lỗi trước, giải thích sau.
2. Gắn lý do thuộc nhóm *Khiếu nại* và thẻ `can-theo-doi`.
3. Khiếu nại về nhân viên giao hàng: báo trưởng nhóm, yêu cầu đối tác giải trình trong 24 giờ.
4. Chỉ đóng yêu cầu khi khách đã xác nhận hài lòng hoặc sau 3 ngày không phản hồi.
""",
        },
    },
)

# --- Tickets ------------------------------------------------------------------------------

# customer: index into CUSTOMERS. by: a staff user who opened the ticket for the customer (phone,
# walk-in); without it the customer wrote it. steps: (action, user, args…) applied in order.
STORIES: tuple[dict[str, Any], ...] = (
    {
        "key": "lan-order-late",
        "customer": 0,
        "channel": ChannelKind.EMAIL,
        "reason": "order-tracking",
        "subject": "Đơn hàng DH10234 chưa được giao",
        "body": "Chào shop, em đặt đơn DH10234 từ thứ Hai mà đến giờ vẫn chưa nhận được hàng. "
        "Nhờ shop kiểm tra giúp em với.",
        "steps": (
            (
                "reply",
                "agent",
                "Chào chị Lan, đơn DH10234 đang ở kho Bình Dương và sẽ được giao trong ngày mai. "
                "Mã vận đơn để chị theo dõi: GHN-58213.",
                "pending",
            ),
            ("customer", "Em nhận được hàng rồi, cảm ơn shop nhiều."),
            ("status", "agent", "solved"),
        ),
    },
    {
        "key": "minh-address",
        "customer": 1,
        "channel": ChannelKind.WEB_FORM,
        "reason": "order-change-address",
        "subject": "Muốn đổi địa chỉ giao hàng",
        "body": "Tôi vừa chuyển nhà, nhờ đổi địa chỉ giao đơn DH10301 sang 45 Nguyễn Trãi, Quận 5.",
        "steps": (
            (
                "reply",
                "agent",
                "Dạ em đã cập nhật địa chỉ mới cho đơn DH10301. Đơn sẽ giao trong 2 ngày tới ạ.",
            ),
            ("status", "agent", "solved"),
            ("status", "agent", "closed"),
        ),
    },
    {
        "key": "ha-price",
        "customer": 3,
        "channel": ChannelKind.ZALO,
        "reason": "product-info",
        "tags": ("b2b",),
        "subject": "Hỏi giá máy lọc nước cho văn phòng",
        "body": "Văn phòng mình khoảng 30 người, shop tư vấn giúp loại máy lọc nước phù hợp và "
        "báo giá nhé.",
        "steps": (
            (
                "reply",
                "agent2",
                "Chào chị Hà, với 30 người bên em gợi ý dòng RO 20 lít/giờ. Em gửi báo giá chi "
                "tiết qua email trong hôm nay ạ.",
            ),
        ),
    },
    {
        "key": "thang-installment",
        "customer": 4,
        "channel": ChannelKind.FACEBOOK,
        "reason": "payment-methods",
        "subject": "Có mua trả góp được không?",
        "body": "Mình muốn mua tủ lạnh 9 triệu, có trả góp 0% qua thẻ tín dụng không shop?",
        "steps": (
            (
                "reply",
                "agent2",
                "Dạ có ạ, bên em hỗ trợ trả góp 0% kỳ hạn 6 hoặc 12 tháng. Anh cho em biết anh "
                "dùng thẻ của ngân hàng nào nhé.",
                "pending",
            ),
        ),
    },
    {
        "key": "bao-blender",
        "customer": 6,
        "channel": ChannelKind.WALK_IN,
        "by": "agent2",
        "reason": "warranty-claim",
        "subject": "Máy xay sinh tố không chạy",
        "body": "Khách mang máy xay sinh tố đến cửa hàng: bấm nút không chạy, mua được 5 tháng.",
        "steps": (
            ("assign", "lead", "agent2"),
            ("note", "agent2", "Đã nhận máy, phiếu bảo hành BH-2231. Chuyển trung tâm kỹ thuật."),
            ("status", "agent2", "on_hold"),
        ),
    },
    {
        "key": "hong-staff",
        "customer": 7,
        "channel": ChannelKind.EMAIL,
        "queue": "complaints",
        "reason": "complaint-staff",
        "priority": Priority.HIGH,
        "subject": "Nhân viên giao hàng thái độ không tốt",
        "body": "Hôm qua nhân viên giao hàng nói chuyện rất khó chịu và để gói hàng ngoài cổng "
        "dưới trời mưa. Tôi mong công ty xem lại.",
        "steps": (
            ("note", "lead", "Đã báo đơn vị vận chuyển, yêu cầu giải trình trong 24 giờ."),
            (
                "reply",
                "agent",
                "Chào chị Hồng, chúng tôi thành thật xin lỗi. Công ty đã làm việc với đơn vị giao "
                "hàng và sẽ phản hồi chị trong vòng 24 giờ.",
            ),
            ("tag", "agent", "can-theo-doi"),
            ("status", "agent", "solved"),
        ),
    },
    {
        "key": "tuan-double-charge",
        "customer": 8,
        "channel": ChannelKind.WEB_CHAT,
        "reason": "payment-double-charge",
        "priority": Priority.URGENT,
        "subject": "Thanh toán thẻ bị trừ tiền hai lần",
        "body": "Mình thanh toán đơn DH10555 bằng thẻ, tài khoản bị trừ 2 lần 1.250.000đ. "
        "Giúp mình với!",
        "steps": (
            (
                "reply",
                "agent",
                "Anh Tuấn ơi, em thấy hai giao dịch. Giao dịch thứ hai sẽ được hoàn về thẻ trong "
                "3–7 ngày làm việc; em đã gửi yêu cầu sang ngân hàng.",
            ),
            ("note", "agent", "Mã yêu cầu hoàn tiền ngân hàng: RF-88421."),
            ("status", "agent", "on_hold"),
        ),
    },
    {
        "key": "tam-chatbot",
        "customer": 9,
        "channel": ChannelKind.CHATBOT,
        "queue": "warranty",
        "reason": "warranty-status",
        "outcome": Outcome.RESOLVED,
        "subject": "Tra cứu tình trạng bảo hành",
        "body": "Tôi gửi bảo hành nồi cơm điện tuần trước, mã phiếu BH-2190. Bao giờ có?",
        "steps": (
            (
                "reply",
                "agent2",
                "Dạ nồi cơm của anh đã sửa xong, anh nhận tại cửa hàng Quận 1 từ ngày mai ạ.",
            ),
            ("status", "agent2", "solved"),
            ("status", "agent2", "closed"),
        ),
    },
    {
        "key": "emily-wrong-item",
        "customer": 28,
        "channel": ChannelKind.EMAIL,
        "queue": "complaints",
        "reason": "complaint-wrong-item",
        "subject": "Wrong item delivered",
        "body": "Hello, I ordered a black kettle (order DH10620) but received a white toaster. "
        "Could you send the right item?",
        "steps": (
            (
                "reply",
                "agent",
                "Hi Emily, sorry for the mix-up. A courier will collect the toaster and bring the "
                "black kettle within two days; you do not need to do anything.",
                "pending",
            ),
        ),
    },
    {
        "key": "david-invoice",
        "customer": 29,
        "channel": ChannelKind.WEB_FORM,
        "reason": "invoice-request",
        "subject": "Invoice for a company purchase",
        "body": "Please issue a VAT invoice for order DH10644 to Nguyen Trading Co., "
        "tax code 0312345678.",
        "steps": (
            ("reply", "agent", "Hi David, the VAT invoice is issued and on its way by email."),
            ("status", "agent", "solved"),
        ),
    },
    {
        "key": "huy-cancel",
        "customer": 10,
        "channel": ChannelKind.ZALO,
        "queue": "support",
        "reason": "order-cancel",
        "subject": "Hủy đơn vì đặt nhầm màu",
        "body": "Em đặt nhầm màu đỏ, muốn hủy đơn DH10702 để đặt lại màu xanh.",
        "steps": (
            (
                "reply",
                "agent",
                "Em đã hủy đơn DH10702 cho anh. Tiền đã thanh toán sẽ được hoàn trong 3 ngày ạ.",
            ),
            ("status", "agent", "solved"),
        ),
    },
    {
        "key": "linh-refund",
        "customer": 11,
        "channel": ChannelKind.EMAIL,
        "reason": "refund-request",
        "subject": "Yêu cầu hoàn tiền đơn hàng đã trả lại",
        "body": "Tôi đã gửi trả máy sấy tóc hôm 10/3 nhưng chưa nhận được tiền hoàn.",
        "steps": (
            ("assign", "lead", "agent"),
            ("note", "agent", "Kho đã nhận hàng trả ngày 12/3, chờ kế toán duyệt."),
            ("status", "agent", "open"),
        ),
    },
    {
        "key": "phuc-repair",
        "customer": 12,
        "channel": ChannelKind.PHONE,
        "queue": "warranty",
        "by": "agent2",
        "reason": "repair-appointment",
        "subject": "Hẹn lịch kỹ thuật đến sửa điều hòa",
        "body": "Khách gọi báo điều hòa chảy nước, muốn hẹn kỹ thuật đến nhà sáng thứ Bảy.",
        "steps": (
            ("assign", "agent2", "agent2"),
            (
                "reply",
                "agent2",
                "Chào anh Phúc, kỹ thuật viên sẽ đến nhà anh lúc 9 giờ sáng thứ Bảy. Anh xác nhận "
                "giúp em nhé.",
                "pending",
            ),
        ),
    },
    {
        "key": "vy-scratch",
        "customer": 13,
        "channel": ChannelKind.FACEBOOK,
        "queue": "complaints",
        "reason": "complaint-product-quality",
        "priority": Priority.HIGH,
        "tags": ("doi-tra",),
        "subject": "Sản phẩm bị trầy xước khi nhận",
        "body": "Bàn học mình nhận hôm nay bị trầy một mảng lớn ở mặt bàn.",
        "steps": (
            (
                "reply",
                "agent",
                "Chào bạn Vy, bên mình xin lỗi. Bạn muốn đổi bàn mới hay hoàn tiền? Bên mình sẽ "
                "đến lấy hàng miễn phí.",
            ),
        ),
    },
    {
        "key": "nam-otp",
        "customer": 14,
        "channel": ChannelKind.WEB_FORM,
        "reason": "payment-failed",
        "subject": "Không nhận được mã OTP khi thanh toán",
        "body": "Tôi thanh toán bằng thẻ ATM nhưng không nhận được mã OTP, đã thử 3 lần.",
    },
    {
        "key": "trang-vat",
        "customer": 15,
        "channel": ChannelKind.EMAIL,
        "reason": "invoice-request",
        "subject": "Xin hóa đơn VAT cho đơn hàng tháng 3",
        "body": "Công ty Sao Mai cần hóa đơn VAT cho 3 đơn tháng 3: DH10411, DH10412, DH10455.",
    },
    {
        "key": "son-late",
        "customer": 16,
        "channel": ChannelKind.WEB_CHAT,
        "queue": "complaints",
        "reason": "complaint-late-delivery",
        "subject": "Giao hàng chậm 5 ngày",
        "body": "Đơn của tôi hẹn giao thứ Hai mà đến thứ Bảy vẫn chưa thấy. Tôi rất không vui.",
        "steps": (
            (
                "reply",
                "agent",
                "Chào anh Sơn, em rất xin lỗi. Đơn bị kẹt ở kho trung chuyển, em đã yêu cầu giao "
                "hỏa tốc trong hôm nay.",
                "pending",
            ),
            ("customer", "Đến tối rồi vẫn chưa thấy ai gọi cả."),
        ),
    },
    {
        "key": "chau-tracking",
        "customer": 17,
        "channel": ChannelKind.ZALO,
        "reason": "order-tracking",
        "outcome": Outcome.RESOLVED,
        "subject": "Kiểm tra đơn hàng DH10988",
        "body": "Shop ơi đơn DH10988 của mình đang ở đâu rồi?",
        "steps": (
            ("reply", "agent2", "Đơn của chị đang được giao, shipper sẽ gọi chị trước 17 giờ ạ."),
            ("status", "agent2", "solved"),
            ("status", "agent2", "closed"),
        ),
    },
    {
        "key": "ngoc-exchange",
        "customer": 18,
        "channel": ChannelKind.EMAIL,
        "reason": "order-return",
        "tags": ("doi-tra",),
        "subject": "Đổi giày sang size lớn hơn",
        "body": "Đôi giày size 38 hơi chật, em muốn đổi sang size 39. Hộp và tem vẫn còn nguyên.",
    },
    {
        "key": "truong-quote",
        "customer": 19,
        "channel": ChannelKind.PHONE,
        "queue": "sales",
        "by": "agent2",
        "reason": "product-info",
        "subject": "Báo giá lắp đặt cho cửa hàng",
        "body": "Anh Trường (Nội thất Hòa Bình) gọi hỏi báo giá 12 bộ đèn trưng bày và chi phí "
        "lắp đặt tại Đà Nẵng.",
        "steps": (
            ("assign", "agent2", "agent2"),
            ("note", "agent2", "Cần xin giá vận chuyển ra Đà Nẵng từ kho."),
            (
                "reply",
                "agent2",
                "Chào anh Trường, em gửi báo giá sơ bộ qua email; phí lắp đặt em báo sau khi có "
                "giá vận chuyển.",
                "pending",
            ),
        ),
    },
    {
        "key": "yen-headphones",
        "customer": 20,
        "channel": ChannelKind.WALK_IN,
        "by": "agent2",
        "reason": "warranty-claim",
        "subject": "Bảo hành tai nghe lần hai",
        "body": "Khách mang tai nghe không dây đến, bên trái mất tiếng; đã bảo hành một lần vào "
        "tháng 1.",
        "steps": (
            (
                "reply",
                "agent2",
                "Chị Yến ơi, vì lỗi lặp lại nên bên em đổi cho chị tai nghe mới cùng loại ạ.",
            ),
            ("status", "agent2", "solved"),
        ),
    },
    {
        "key": "long-bulk",
        "customer": 21,
        "channel": ChannelKind.EMAIL,
        "queue": "sales",
        "reason": "product-info",
        "priority": Priority.HIGH,
        "tags": ("b2b",),
        "subject": "Hợp đồng mua số lượng lớn",
        "body": "Chúng tôi muốn mua 50 ghế văn phòng cho chi nhánh mới, xin báo giá và điều khoản "
        "hợp đồng.",
    },
    {
        "key": "david-address",
        "customer": 29,
        "channel": ChannelKind.WEB_CHAT,
        "reason": "order-change-address",
        "subject": "Change delivery address",
        "body": "Can you deliver order DH10711 to my office at 20 Le Loi, District 1 instead?",
        "steps": (
            (
                "reply",
                "agent",
                "Done, David: order DH10711 will go to 20 Le Loi, District 1. The driver will "
                "call you on arrival.",
            ),
            ("status", "agent", "solved"),
        ),
    },
    {
        "key": "kiet-store-hours",
        "customer": 23,
        "channel": ChannelKind.CHATBOT,
        "reason": "store-hours",
        "outcome": Outcome.INFO_GIVEN,
        "subject": "Cửa hàng Thủ Đức mở cửa mấy giờ?",
        "body": "Cửa hàng ở Thủ Đức mở cửa đến mấy giờ vậy?",
        "steps": (
            ("reply", "agent", "Cửa hàng Thủ Đức mở cửa từ 8 giờ đến 21 giờ, cả Chủ nhật ạ."),
            ("status", "agent", "solved"),
            ("status", "agent", "closed"),
        ),
    },
    {
        "key": "duyen-ewallet",
        "customer": 26,
        "channel": ChannelKind.ZALO,
        "queue": "support",
        "reason": "payment-failed",
        "subject": "Thanh toán ví điện tử báo lỗi",
        "body": "Mình thanh toán bằng ví điện tử thì báo lỗi giao dịch, tiền chưa bị trừ. "
        "Mình nên làm gì?",
        "steps": (
            (
                "reply",
                "agent",
                "Chị thử lại sau 15 phút hoặc chọn thanh toán khi nhận hàng nhé. Nếu vẫn lỗi chị "
                "gửi em ảnh màn hình ạ.",
                "pending",
            ),
        ),
    },
    {
        "key": "nghia-failed-delivery",
        "customer": 25,
        "channel": ChannelKind.API,
        "reason": "order-tracking",
        "subject": "Đơn hàng DH10800 giao thất bại",
        "body": "Hệ thống vận chuyển báo giao thất bại lần 2 cho đơn DH10800 (khách không nghe "
        "máy).",
        "steps": (("note", "agent", "Gọi khách 2 lần không được, đã nhắn Zalo hẹn giao lại."),),
    },
)
