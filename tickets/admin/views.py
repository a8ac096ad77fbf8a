"""Saved views in the ticket list: the `?view=<id>` filter, the sidebar with live counts, and
the queue/assignee filters narrowed to what the agent may act on."""

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import saved_views
from ..models import (
    AuthorType,
    InteractionReason,
    MessageKind,
    Priority,
    Queue,
    SavedView,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from ..selectors import is_supervisor, visible_queues


class SavedViewFilter(admin.SimpleListFilter):
    """Applies a saved view. It draws nothing in the filter panel (the views have their own
    section with counts, see sidebar_context); it only takes the `view` parameter."""

    title = "view"
    parameter_name = "view"
    # The changelist drops (and never applies) a filter without output, so it has output, drawn
    # by an empty template.
    template = "admin/tickets/ticket/no_filter_output.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return []

    def has_output(self) -> bool:
        return True

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value() is None:
            return queryset
        view = saved_views.get_view(user=request.user, view_id=self.value())
        if view is None:
            # Another agent's personal view, a queue view of another queue, or no such view:
            # "not found", as for another queue's ticket.
            raise Http404("unknown view")
        return saved_views.view_tickets(user=request.user, view=view, base=queryset)


class MyQueuesFilter(RelatedFieldListFilter):
    """Only the queues the user sees tickets of."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        return [(q.pk, q.name) for q in visible_queues(request.user).only("pk", "name")]


class MyAgentsFilter(RelatedFieldListFilter):
    """Only agents of the user's queues — read from the agent profiles (a few rows), not from a
    DISTINCT over the assignee column of every ticket."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        agents = saved_views.agents_for(request.user).only(
            "pk", "username", "first_name", "last_name"
        )
        return [(a.pk, a.get_full_name() or a.get_username()) for a in agents]


def sidebar_context(request: HttpRequest) -> dict[str, Any]:
    """The views section of the ticket list: each view with its count, in a constant number of
    queries (the views, then one statement for every count)."""
    url = reverse("admin:tickets_ticket_changelist")
    current = request.GET.get("view", "")
    rows = [
        {
            "id": view.pk,
            "label": view.label,
            "count": saved_views.display_count(count),
            "url": f"{url}?view={view.pk}",
            "selected": str(view.pk) == current,
            "shared": view.owner_id is None or view.owner_id != request.user.pk,
        }
        for view, count in saved_views.views_with_counts(user=request.user)
    ]
    return {"cim_saved_views": rows, "cim_saved_view_active": bool(current)}


class WorkListChangeList(ChangeList):
    """Marks, for the page shown only, the tickets whose newest public message is the
    customer's: one query over the page's ids (message_ticket_time index), whatever the
    table's size."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        ids = [t.pk for t in self.result_list]
        if not ids:
            return
        newest = (
            TicketMessage.objects.filter(ticket_id=OuterRef("pk"), kind=MessageKind.PUBLIC)
            .order_by("-created_at", "-id")
            .values("author_type")[:1]
        )
        authors = dict(
            Ticket.objects.filter(pk__in=ids)
            .annotate(newest_author=Subquery(newest))
            .values_list("pk", "newest_author")
        )
        for ticket in self.result_list:
            ticket.cim_customer_waiting = authors.get(ticket.pk) == AuthorType.CUSTOMER


# --- the views themselves: agents keep their own, supervisors and queue leads share ----------


class SavedViewForm(forms.ModelForm):
    """The filter spec as form fields; clean() turns them into the spec the selector reads."""

    statuses = forms.MultipleChoiceField(
        label=_("Statuses"),
        choices=TicketStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    assignee = forms.ChoiceField(
        label=_("Assignee"),
        choices=[("any", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))],
        initial="any",
    )
    queues_mode = forms.ChoiceField(
        label=_("Queues"),
        choices=[
            ("any", _("All I can see")),
            ("mine", _("The queues I work")),
            ("specific", _("These queues")),
        ],
        initial="any",
    )
    queues = forms.ModelMultipleChoiceField(
        label=_("These queues"), queryset=Queue.objects.none(), required=False
    )
    priorities = forms.TypedMultipleChoiceField(
        label=_("Priorities"),
        choices=Priority.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sla_due_within = forms.IntegerField(
        label=_("SLA due within (minutes)"),
        min_value=0,
        max_value=saved_views.MAX_MINUTES,
        required=False,
    )
    sla_breached = forms.BooleanField(label=_("SLA breached"), required=False)
    waiting_days = forms.IntegerField(
        label=_("Waiting on the customer for more than (days)"),
        min_value=1,
        max_value=saved_views.MAX_DAYS,
        required=False,
    )
    sentiment = forms.ChoiceField(
        label=_("Sentiment of a customer message"),
        choices=[("", "—"), *[(s, s) for s in saved_views.SENTIMENT_LABELS]],
        required=False,
    )
    sentiment_hours = forms.IntegerField(
        label=_("…in the last (hours)"),
        help_text=_("Empty: since midnight today."),
        min_value=1,
        max_value=saved_views.MAX_HOURS,
        required=False,
    )
    tags = forms.CharField(
        label=_("Any of these tags"),
        help_text=_("Tag names separated by commas."),
        required=False,
    )
    reason = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=InteractionReason.objects.select_related("parent"),
        required=False,
    )

    class Meta:
        model = SavedView
        fields = ("name", "name_en", "visibility", "queue", "position")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk is None:
            self.instance.owner = user
        self.fields["queues"].queryset = visible_queues(user)
        self.fields["queue"].queryset = visible_queues(user)
        spec = self.instance.spec or {}
        initial = {
            "statuses": spec.get("statuses", []),
            "assignee": spec.get("assignee", "any"),
            "priorities": spec.get("priorities", []),
            "sla_due_within": spec.get("sla_due_within"),
            "sla_breached": spec.get("sla_breached", False),
            "waiting_days": spec.get("waiting_days"),
            "sentiment": spec.get("sentiment", ""),
            "tags": ", ".join(spec.get("tags", [])),
            "reason": spec.get("reason"),
        }
        queues = spec.get("queues", "any")
        initial["queues_mode"] = queues if isinstance(queues, str) else "specific"
        initial["queues"] = [] if isinstance(queues, str) else queues
        since = spec.get("sentiment_since")
        initial["sentiment_hours"] = since if isinstance(since, int) else None
        for name, value in initial.items():
            self.initial.setdefault(name, value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        spec: dict[str, Any] = {}
        if data.get("statuses"):
            spec["statuses"] = data["statuses"]
        if data.get("assignee") not in (None, "any"):
            spec["assignee"] = data["assignee"]
        mode = data.get("queues_mode")
        if mode == "mine":
            spec["queues"] = "mine"
        elif mode == "specific":
            if not data.get("queues"):
                self.add_error("queues", _("Pick at least one queue."))
            else:
                spec["queues"] = [q.pk for q in data["queues"]]
        if data.get("priorities"):
            spec["priorities"] = data["priorities"]
        for key in ("sla_due_within", "waiting_days"):
            if data.get(key) is not None:
                spec[key] = data[key]
        if data.get("sla_breached"):
            spec["sla_breached"] = True
        if data.get("sentiment"):
            spec["sentiment"] = data["sentiment"]
            spec["sentiment_since"] = data.get("sentiment_hours") or "today"
        tags = [t.strip() for t in (data.get("tags") or "").split(",") if t.strip()]
        if tags:
            spec["tags"] = tags
        if data.get("reason"):
            spec["reason"] = data["reason"].pk
        try:
            self.instance.spec = saved_views.clean_spec(spec)
        except ValidationError as exc:
            self.add_error(None, exc)
        if not saved_views.may_share(
            self.user, visibility=data.get("visibility", ""), queue=data.get("queue")
        ):
            self.add_error("visibility", _("Only a supervisor or the queue's lead may share."))
        return data


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    form = SavedViewForm
    list_display = ("label_column", "visibility", "queue", "owner", "position")
    list_select_related = ("queue", "owner")
    fieldsets = (
        (None, {"fields": ("name", "name_en", ("visibility", "queue"), "position")}),
        (
            _("Filter"),
            {
                "fields": (
                    "statuses",
                    "assignee",
                    ("queues_mode", "queues"),
                    "priorities",
                    ("sla_due_within", "sla_breached"),
                    "waiting_days",
                    ("sentiment", "sentiment_hours"),
                    "tags",
                    "reason",
                )
            },
        ),
    )

    @admin.display(description=_("name"), ordering="name")
    def label_column(self, view: SavedView) -> str:
        return view.label

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any):
        form = super().get_form(request, obj, change, **kw)
        return partial(form, user=request.user)  # type: ignore[return-value]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SavedView]:
        # What the user may edit: their own views, views shared with a queue they lead; all for
        # a supervisor. (Using a view is wider: tickets.saved_views.visible_views.)
        qs = super().get_queryset(request)
        if is_supervisor(request.user):
            return qs
        return qs.filter(Q(owner_id=request.user.pk) | Q(queue__lead_id=request.user.pk))

    def save_model(self, request: HttpRequest, obj: SavedView, form: Any, change: bool) -> None:
        if not change:
            obj.owner = request.user
        saved_views.save_view(view=obj, by=request.user)
