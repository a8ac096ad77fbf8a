"""Saved views: named filters of the agent's work list, with live counts.

A view stores a small spec (validated by `clean_spec`), never SQL or a query string. One
selector, `view_tickets`, turns a spec into a queryset and always starts from what the user may
see (tickets.selectors.visible_tickets), so a view shared with everyone never shows an agent a
ticket outside their queues. `views_with_counts` counts every view in ONE query, each count over
a LIMITed subquery so a view of a million tickets costs no more than CAP rows."""

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    OPEN_STATUSES,
    AgentProfile,
    Priority,
    Queue,
    SavedView,
    Ticket,
    TicketStatus,
    ViewVisibility,
)
from .selectors import is_supervisor, queue_ids_for, sla_due_within, visible_tickets

# Counts above CAP show as "CAP+": counting stops there, so no view ever counts the whole table.
CAP = 999
MAX_MINUTES = 7 * 24 * 60
MAX_DAYS = 365
MAX_HOURS = 24 * 31

SPEC_KEYS = {
    "statuses",
    "assignee",
    "queues",
    "priorities",
    "sla_due_within",
    "sla_breached",
    "waiting_days",
    "sentiment",
    "sentiment_since",
    "tags",
    "reason",
}
SENTIMENT_LABELS = ("negative", "neutral", "positive")


def _int(value: Any, *, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            _("%(key)s must be a whole number from %(low)d to %(high)d.")
            % {"key": key, "low": low, "high": high}
        )
    return value


def _list(value: Any, *, key: str) -> list[Any]:
    if not isinstance(value, list) or not value or len(value) > 50:
        raise ValidationError(_("%(key)s must be a list of 1 to 50 items.") % {"key": key})
    return value


def clean_spec(spec: Any) -> dict[str, Any]:
    """Returns the spec normalised, or raises ValidationError naming what is wrong."""
    if not isinstance(spec, dict):
        raise ValidationError(_("A view's filter must be an object."))
    unknown = sorted(set(spec) - SPEC_KEYS)
    if unknown:
        raise ValidationError(_("Unknown filter keys: %(keys)s.") % {"keys": ", ".join(unknown)})
    out: dict[str, Any] = {}
    if "statuses" in spec:
        statuses = _list(spec["statuses"], key="statuses")
        if any(s not in TicketStatus.values for s in statuses):
            raise ValidationError(
                _("statuses must be among: %(values)s.")
                % {"values": ", ".join(TicketStatus.values)}
            )
        out["statuses"] = sorted(set(statuses))
    if "assignee" in spec:
        if spec["assignee"] not in ("me", "none", "any"):
            raise ValidationError(_("assignee must be me, none or any."))
        out["assignee"] = spec["assignee"]
    if "queues" in spec:
        queues = spec["queues"]
        if queues not in ("mine", "any"):
            queues = _list(queues, key="queues")
            queues = sorted({_int(q, key="queues", low=1, high=2**31 - 1) for q in queues})
        out["queues"] = queues
    if "priorities" in spec:
        priorities = _list(spec["priorities"], key="priorities")
        if any(p not in Priority.values or isinstance(p, bool) for p in priorities):
            raise ValidationError(
                _("priorities must be among: %(values)s.")
                % {"values": ", ".join(map(str, Priority.values))}
            )
        out["priorities"] = sorted(set(priorities))
    if "sla_due_within" in spec:
        out["sla_due_within"] = _int(
            spec["sla_due_within"], key="sla_due_within", low=0, high=MAX_MINUTES
        )
    if "sla_breached" in spec:
        if not isinstance(spec["sla_breached"], bool):
            raise ValidationError(_("sla_breached must be true or false."))
        out["sla_breached"] = spec["sla_breached"]
    if "waiting_days" in spec:
        out["waiting_days"] = _int(spec["waiting_days"], key="waiting_days", low=1, high=MAX_DAYS)
    if "sentiment" in spec:
        if spec["sentiment"] not in SENTIMENT_LABELS:
            raise ValidationError(
                _("sentiment must be one of: %(values)s.") % {"values": ", ".join(SENTIMENT_LABELS)}
            )
        out["sentiment"] = spec["sentiment"]
        since = spec.get("sentiment_since", "today")
        if since != "today":
            since = _int(since, key="sentiment_since", low=1, high=MAX_HOURS)
        out["sentiment_since"] = since
    elif "sentiment_since" in spec:
        raise ValidationError(_("sentiment_since needs sentiment."))
    if "tags" in spec:
        tags = _list(spec["tags"], key="tags")
        if any(not isinstance(t, str) or not t.strip() or len(t) > 50 for t in tags):
            raise ValidationError(_("tags must be tag names."))
        out["tags"] = sorted({t.strip() for t in tags})
    if "reason" in spec:
        out["reason"] = _int(spec["reason"], key="reason", low=1, high=2**31 - 1)
    return out


# --- reads ----------------------------------------------------------------------------------


def _my_queue_ids(user: Any) -> list[int] | None:
    """The queues the user works (their agent profile); None = all, for a supervisor who works
    none in particular."""
    if not is_supervisor(user):
        return queue_ids_for(user) or []
    cached = getattr(user, "_cim_agent_queue_ids", None)
    if cached is None:
        cached = list(Queue.objects.filter(agents__user=user).values_list("id", flat=True))
        user._cim_agent_queue_ids = cached
    return list(cached) or None


def view_tickets(
    *, user: Any, view: SavedView, base: QuerySet[Ticket] | None = None, now: Any = None
) -> QuerySet[Ticket]:
    """The tickets of a view as this user sees them: the spec on top of the user's queues."""
    spec = view.spec or {}
    now = now or timezone.now()
    qs = visible_tickets(user, base)
    if "statuses" in spec:
        qs = qs.filter(status__in=spec["statuses"])
    assignee = spec.get("assignee", "any")
    if assignee == "me":
        qs = qs.filter(assignee_id=user.pk)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    queues = spec.get("queues", "any")
    if queues == "mine":
        mine = _my_queue_ids(user)
        if mine is not None:
            qs = qs.filter(queue_id__in=mine)
    elif queues != "any":
        qs = qs.filter(queue_id__in=queues)
    if "priorities" in spec:
        qs = qs.filter(priority__in=spec["priorities"])
    if "sla_due_within" in spec:
        qs = sla_due_within(qs, minutes=spec["sla_due_within"], now=now)
    if spec.get("sla_breached"):
        qs = qs.filter(sla_breached=True)
    if "waiting_days" in spec:
        # Pending (waiting on the customer) and untouched since: any change to the ticket —
        # a reply, a note, a new message — moves updated_at.
        qs = qs.filter(
            status=TicketStatus.PENDING,
            updated_at__lte=now - timedelta(days=spec["waiting_days"]),
        )
    if "sentiment" in spec:
        # feedback sits above tickets; it is looked up by name so tickets does not import it.
        sentiment_model = apps.get_model("feedback", "MessageSentiment")
        since = spec.get("sentiment_since", "today")
        if since == "today":
            start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        else:
            start = now - timedelta(hours=since)
        qs = qs.filter(
            Exists(
                sentiment_model.objects.filter(
                    ticket_id=OuterRef("pk"), label=spec["sentiment"], created_at__gte=start
                )
            )
        )
    if "tags" in spec:
        through = Ticket.tags.through
        qs = qs.filter(
            Exists(through.objects.filter(ticket_id=OuterRef("pk"), tag__name__in=spec["tags"]))
        )
    if "reason" in spec:
        qs = qs.filter(Q(reason_id=spec["reason"]) | Q(reason__parent_id=spec["reason"]))
    return qs


def visible_views(user: Any) -> QuerySet[SavedView]:
    """Views the user may open: their own, those shared with everyone, and those shared with a
    queue they see."""
    shared = Q(visibility=ViewVisibility.EVERYONE)
    queue_ids = queue_ids_for(user)
    if queue_ids is None:
        shared |= Q(visibility=ViewVisibility.QUEUE)
    else:
        shared |= Q(visibility=ViewVisibility.QUEUE, queue_id__in=queue_ids)
    return SavedView.objects.filter(
        Q(owner_id=user.pk, visibility=ViewVisibility.PERSONAL) | shared
    )


def get_view(*, user: Any, view_id: Any) -> SavedView | None:
    """The view if the user may open it; None otherwise (render as "not found")."""
    try:
        pk = int(view_id)
    except (TypeError, ValueError):
        return None
    return visible_views(user).filter(pk=pk).first()


def list_views(user: Any) -> list[SavedView]:
    views = list(visible_views(user))
    if not any(v.key for v in views) and not SavedView.objects.filter(key__isnull=False).exists():
        # A fresh database (or one flushed by tests): the shipped views are made on first use.
        ensure_default_views()
        views = list(visible_views(user))
    return views


def count_views(*, user: Any, views: list[SavedView], now: Any = None) -> dict[int, int]:
    """{view id: count, at most CAP + 1} for all views in one statement."""
    if not views:
        return {}
    now = now or timezone.now()
    parts, params = [], []
    db = Ticket.objects.db
    connection = connections[db]
    for index, view in enumerate(views):
        qs = view_tickets(user=user, view=view, now=now).order_by().values("pk")[: CAP + 1]
        try:
            sql, sub_params = qs.query.get_compiler(using=db).as_sql()
        except EmptyResultSet:
            # e.g. a user who works no queue: nothing to count, and no SQL to count it with.
            parts.append("0")
            continue
        # The SQL is the ORM's own compilation with every value left as a parameter; only the
        # alias is ours, an integer.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS cim_v{index})")  # noqa: S608
        params.extend(sub_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {view.pk: int(n) for view, n in zip(views, row, strict=True)}


def views_with_counts(*, user: Any, use_cache: bool = True) -> list[tuple[SavedView, int]]:
    """The user's views with their counts, reused CIM_VIEW_COUNT_CACHE_SECONDS per user."""
    views = list_views(user)
    # The views and their specs are in the key, so an edited view is counted afresh.
    digest = hashlib.sha256(
        json.dumps([[v.pk, v.spec] for v in views], sort_keys=True).encode()
    ).hexdigest()[:16]
    key = f"cim:viewcounts:{user.pk}:{digest}"
    seconds = settings.CIM_VIEW_COUNT_CACHE_SECONDS if use_cache else 0
    counts = cache.get(key) if seconds else None
    if counts is None:
        counts = count_views(user=user, views=views)
        if seconds:
            cache.set(key, counts, seconds)
    return [(view, counts.get(view.pk, 0)) for view in views]


def display_count(count: int) -> str:
    return f"{CAP}+" if count > CAP else str(count)


# --- writes ---------------------------------------------------------------------------------


def may_share(user: Any, *, visibility: str, queue: Queue | None) -> bool:
    """Supervisors share with everyone; a queue's lead shares with that queue."""
    if visibility == ViewVisibility.PERSONAL:
        return True
    if is_supervisor(user):
        return True
    return visibility == ViewVisibility.QUEUE and queue is not None and queue.lead_id == user.pk


@transaction.atomic
def create_view(
    *,
    by: Any,
    name: str,
    spec: Any,
    visibility: str = ViewVisibility.PERSONAL,
    queue: Queue | None = None,
    name_en: str = "",
) -> SavedView:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError({"name": _("Give the view a name of at most 80 characters.")})
    if visibility not in ViewVisibility.values:
        raise ValidationError({"visibility": _("Unknown sharing.")})
    if not may_share(by, visibility=visibility, queue=queue):
        raise ValidationError({"visibility": _("Only a supervisor or the queue's lead may share.")})
    cleaned = clean_spec(spec)
    specific = cleaned.get("queues")
    if isinstance(specific, list):
        allowed = queue_ids_for(by)
        if allowed is not None and set(specific) - set(allowed):
            raise ValidationError({"spec": _("A view may only name queues you work.")})
    view = SavedView(
        name=name,
        name_en=(name_en or "").strip()[:80],
        owner=by,
        visibility=visibility,
        queue=queue if visibility == ViewVisibility.QUEUE else None,
        spec=cleaned,
    )
    return save_view(view=view, by=by)


@transaction.atomic
def save_view(*, view: SavedView, by: Any) -> SavedView:
    """Saves a new or edited view after the same checks as create_view."""
    if not may_share(by, visibility=view.visibility, queue=view.queue):
        raise ValidationError({"visibility": _("Only a supervisor or the queue's lead may share.")})
    if view.visibility != ViewVisibility.QUEUE:
        view.queue = None
    view.full_clean()
    view.save()
    return view


_OPEN = [str(s) for s in OPEN_STATUSES]

# (key, Vietnamese name, English name, spec)
DEFAULT_VIEWS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("my-open", "Ticket đang mở của tôi", "My open tickets", {"statuses": _OPEN, "assignee": "me"}),
    (
        "unassigned-mine",
        "Chưa phân công trong hàng đợi của tôi",
        "Unassigned in my queues",
        {"statuses": _OPEN, "assignee": "none", "queues": "mine"},
    ),
    (
        "breaching-1h",
        "Sắp vi phạm SLA trong 1 giờ",
        "Breaching within 1 hour",
        {"statuses": _OPEN, "sla_due_within": 60},
    ),
    (
        "waiting-3d",
        "Chờ khách hàng hơn 3 ngày",
        "Waiting on customer > 3 days",
        {"statuses": [str(TicketStatus.PENDING)], "waiting_days": 3},
    ),
    (
        "negative-today",
        "Cảm xúc tiêu cực hôm nay",
        "Negative sentiment today",
        {"statuses": _OPEN, "sentiment": "negative", "sentiment_since": "today"},
    ),
]


def ensure_default_views(model: Any = SavedView) -> None:
    """Creates the shipped views that are missing; an administrator's edits to them stay."""
    existing = set(model.objects.filter(key__isnull=False).values_list("key", flat=True))
    for position, (key, name, name_en, spec) in enumerate(DEFAULT_VIEWS):
        if key in existing:
            continue
        model.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "name_en": name_en,
                "visibility": ViewVisibility.EVERYONE,
                "spec": clean_spec(spec),
                "position": position,
            },
        )


def agents_for(user: Any) -> QuerySet[Any]:
    """Staff the user may hand tickets to: active agents of the queues the user sees."""
    from django.contrib.auth import get_user_model

    profiles = AgentProfile.objects.all()
    queue_ids = queue_ids_for(user)
    if queue_ids is not None:
        profiles = profiles.filter(queues__id__in=queue_ids)
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, pk__in=profiles.values("user_id"))
        .order_by("first_name", "last_name", "username")
    )
