"""Staff UI of the feedback app: survey set-up, invitations and answers (read-only: they are
written by the survey flow), sentiment, alerts, QA scorecards and reviews, and a report page with
charts. Changes go through feedback.services."""

from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cim_site.permissions import TicketScopedAdminMixin, unticketed_invitations
from customers.admin import DomainErrorFormMixin, add_customer_inline, adopt
from customers.models import ChannelKind
from tickets.admin.ticket import add_ticket_page_context
from tickets.selectors import is_supervisor

from . import selectors, services
from .charts import bar_chart
from .errors import FeedbackError
from .models import (
    Alert,
    CESReason,
    InvitationStatus,
    MessageSentiment,
    QAReview,
    QAScore,
    QueueSurveySettings,
    Scorecard,
    ScorecardCriterion,
    SurveyCampaign,
    SurveyInvitation,
    SurveyKind,
    SurveyPreference,
    SurveyResponse,
)


class LeadsMayView:
    """Supervisors (team leads) read every feedback page, as they do in the feedback API
    (tickets.selectors.is_supervisor): the Supervisor group's model permissions cover the apps
    below feedback only, and a lead's work is the report, the alerts and the survey settings."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or is_supervisor(request.user)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or is_supervisor(request.user)  # type: ignore[misc]


class LeadsMayManage(LeadsMayView):
    """Settings a lead keeps: adding and changing them too (deleting stays with the model
    permission)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) or is_supervisor(request.user)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) or is_supervisor(request.user)  # type: ignore[misc]


class ReadOnlyAdmin(LeadsMayView, admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QueueSurveySettings)
class QueueSurveySettingsAdmin(LeadsMayManage, admin.ModelAdmin):
    list_display = (
        "queue",
        "csat_enabled",
        "delay_minutes",
        "quiet_days",
        "low_score_threshold",
        "low_score_action",
        "negative_threshold",
        "negative_action",
    )
    list_select_related = ("queue",)


@admin.register(CESReason)
class CESReasonAdmin(LeadsMayManage, admin.ModelAdmin):
    list_display = ("reason",)
    list_select_related = ("reason", "reason__parent")


@admin.register(SurveyPreference)
class SurveyPreferenceAdmin(LeadsMayView, admin.ModelAdmin):
    list_display = ("customer", "opted_out", "changed_at")
    list_filter = ("opted_out",)
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)
    search_fields = ("customer__email", "customer__name")
    readonly_fields = ("changed_at",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = services.set_survey_opt_out(customer=obj.customer, opted_out=obj.opted_out)
        adopt(obj, saved)


@admin.register(SurveyCampaign)
class SurveyCampaignAdmin(LeadsMayManage, admin.ModelAdmin):
    list_display = ("name", "kind", "segment", "repeat_days", "next_run_at", "last_run_at")
    list_select_related = ("segment",)
    readonly_fields = ("last_run_at", "created_by")
    actions = ("run_now",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Send the survey now"))
    def run_now(self, request: HttpRequest, queryset: QuerySet[SurveyCampaign]) -> None:
        for campaign in queryset:
            try:
                count = services.run_campaign(campaign=campaign, by=request.user)
            except FeedbackError as exc:
                self.message_user(request, f"{campaign}: {exc.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(campaign)s: %(count)d invitations scheduled.")
                    % {"campaign": campaign, "count": count},
                )


class ResponseInline(admin.StackedInline):
    model = SurveyResponse
    can_delete = False
    extra = 0
    fields = ("score", "comment", "sentiment", "sentiment_score", "action_taken", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(TicketScopedAdminMixin, ReadOnlyAdmin):
    ticket_path = "ticket"

    def own_rows_q(self, request: HttpRequest) -> Q | None:
        return unticketed_invitations()

    list_display = (
        "id",
        "kind",
        "customer",
        "ticket",
        "queue",
        "agent",
        "status",
        "skip_reason",
        "due_at",
        "sent_at",
    )
    list_filter = ("kind", "status", "skip_reason", "channel", "queue")
    list_select_related = ("customer", "ticket", "queue", "agent")
    search_fields = ("customer__email", "=ticket__reference")
    exclude = ("token_hash",)
    inlines = (ResponseInline,)
    actions = ("send_now",)

    def has_send_now_permission(self, request: HttpRequest) -> bool:
        return is_supervisor(request.user)

    @admin.action(description=_("Send the invitation now"), permissions=["send_now"])
    def send_now(self, request: HttpRequest, queryset: QuerySet[SurveyInvitation]) -> None:
        """Leads send a survey that is due later (e.g. after the queue's wait) right away."""
        sent = 0
        for invitation in queryset:
            status = invitation.status
            if status == InvitationStatus.SCHEDULED:
                status = services.send_invitation_now(invitation=invitation, by=request.user)
                if status == InvitationStatus.SENT:
                    sent += 1
                    continue
            invitation.refresh_from_db(fields=["status", "skip_reason"])
            self.message_user(
                request,
                _("%(invitation)s was not sent: %(status)s %(why)s")
                % {
                    "invitation": invitation,
                    "status": invitation.get_status_display(),
                    "why": invitation.get_skip_reason_display() if invitation.skip_reason else "",
                },
                messages.WARNING,
            )
        if sent:
            self.message_user(request, _("%(count)d invitations sent.") % {"count": sent})

    def get_queryset(self, request: HttpRequest) -> QuerySet[SurveyInvitation]:
        return self.scope(
            request,
            selectors.visible_invitations(request.user).select_related(
                "customer", "ticket", "queue", "agent"
            ),
        )

    def get_urls(self) -> list[URLPattern]:
        report = self.admin_site.admin_view(self.report_view)
        return [path("report/", report, name="feedback_report"), *super().get_urls()]

    def report_view(self, request: HttpRequest) -> HttpResponse:
        """CSAT, NPS, CES and response rate by a chosen dimension over the last N days."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        group_by = request.GET.get("group_by", "queue")
        if group_by not in selectors.DIMENSIONS:
            group_by = "queue"
        try:
            days = max(1, min(int(request.GET.get("days", "30")), 3650))
        except ValueError:
            days = 30
        rows = selectors.survey_metrics(
            user=request.user, group_by=group_by, since=timezone.now() - timedelta(days=days)
        )
        labels = [report_label(group_by, r) for r in rows]
        charts = [
            (
                _("CSAT % (answers of 4–5)"),
                bar_chart(list(zip(labels, [r["csat_percent"] for r in rows], strict=True))),
            ),
            (
                _("NPS"),
                bar_chart(list(zip(labels, [r["nps"] for r in rows], strict=True)), unit=""),
            ),
            (
                _("CES mean (1–7)"),
                bar_chart(
                    list(zip(labels, [r["ces_mean"] for r in rows], strict=True)),
                    maximum=7,
                    unit="",
                ),
            ),
            (
                _("Response rate %"),
                bar_chart(list(zip(labels, [r["response_rate"] for r in rows], strict=True))),
            ),
        ]
        qa_rows = selectors.qa_report(user=request.user, by="agent", period="month")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Customer feedback report"),
            "rows": list(zip(labels, rows, strict=True)),
            "charts": charts if rows else [],
            "group_by": group_by,
            "group_by_label": DIMENSION_LABELS.get(group_by, group_by),
            "dimensions": [(d, DIMENSION_LABELS.get(d, d)) for d in DIMENSION_ORDER],
            "days": days,
            "qa_chart": bar_chart(
                [
                    (f"{r['agent']} · {_local_month(r['period'])}", r["mean_percent"])
                    for r in qa_rows
                ]
            )
            if qa_rows
            else None,
            "opts": self.model._meta,
        }
        return render(request, "admin/feedback/report.html", context)


DIMENSION_LABELS = {
    "queue": _("queue"),
    "agent": _("agent"),
    "reason": _("reason"),
    "channel": _("channel"),
    "segment": _("segment"),
    "kind": _("survey"),
    "day": _("day"),
    "week": _("week"),
    "month": _("month"),
}
DIMENSION_ORDER = [d for d in DIMENSION_LABELS if d in selectors.DIMENSIONS] + sorted(
    set(selectors.DIMENSIONS) - set(DIMENSION_LABELS)
)


def _local(value: Any) -> Any:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return timezone.localtime(moment)


def _local_month(value: Any) -> str:
    return date_format(_local(value), "m/Y") if value else "—"


def report_label(group_by: str, row: dict[str, Any]) -> str:
    """What a person reads for a group: a local date for a period, the choice's label for a
    code, the name for a row of another table."""
    group = row["group"]
    if group is None or group == "":
        return "—"
    if group_by == "day":
        return date_format(_local(group), "SHORT_DATE_FORMAT")
    if group_by == "week":
        return str(_("week of %(date)s") % {"date": date_format(_local(group), "d/m/Y")})
    if group_by == "month":
        return _local_month(group)
    if group_by == "kind":
        return str(SurveyKind(group).label) if group in SurveyKind.values else str(group)
    if group_by == "channel":
        return str(ChannelKind(group).label) if group in ChannelKind.values else str(group)
    return str(row["label"] if row["label"] is not None else group)


@admin.register(SurveyResponse)
class SurveyResponseAdmin(TicketScopedAdminMixin, ReadOnlyAdmin):
    ticket_path = "invitation__ticket"

    def own_rows_q(self, request: HttpRequest) -> Q | None:
        return Q(invitation__ticket__isnull=True)

    list_display = (
        "invitation",
        "score",
        "short_comment",
        "sentiment",
        "action_taken",
        "created_at",
    )
    list_filter = ("invitation__kind", "score", "sentiment")
    list_select_related = ("invitation", "invitation__customer")

    @admin.display(description=_("comment"))
    def short_comment(self, obj: SurveyResponse) -> str:
        return obj.comment[:80]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SurveyResponse]:
        return self.scope(request, selectors.list_responses(user=request.user))


@admin.register(MessageSentiment)
class MessageSentimentAdmin(TicketScopedAdminMixin, ReadOnlyAdmin):
    ticket_path = "ticket"

    list_display = (
        "message_id",
        "ticket",
        "customer",
        "label",
        "score",
        "action_taken",
        "created_at",
    )
    list_filter = ("label", "pending", "action_taken", "analyser_version")
    list_select_related = ("ticket", "customer")


ALERT_KINDS = {
    "low_csat": _("Low satisfaction score"),
    "negative_sentiment": _("Very negative customer message"),
}


def alert_kind_label(kind: str) -> str:
    return str(ALERT_KINDS.get(kind, kind))


class AlertKindFilter(admin.SimpleListFilter):
    title = _("type")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(ALERT_KINDS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Alert]) -> QuerySet[Alert]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Alert)
class AlertAdmin(TicketScopedAdminMixin, ReadOnlyAdmin):
    ticket_path = "ticket"

    def own_rows_q(self, request: HttpRequest) -> Q | None:
        # An alert addressed to this user is theirs to read.
        return Q(recipient_id=request.user.pk)

    list_display = ("kind_label", "ticket", "recipient", "created_at", "emailed_at")
    list_filter = (AlertKindFilter,)
    list_select_related = ("ticket", "recipient")
    fields = ("kind_label", "ticket", "recipient", "text", "created_at", "emailed_at")
    readonly_fields = fields

    @admin.display(description=_("type"), ordering="kind")
    def kind_label(self, obj: Alert) -> str:
        return alert_kind_label(obj.kind)


class CriterionInline(admin.TabularInline):
    model = ScorecardCriterion
    extra = 1


@admin.register(Scorecard)
class ScorecardAdmin(LeadsMayManage, admin.ModelAdmin):
    list_display = ("name", "is_active")
    inlines = (CriterionInline,)


class ReviewForm(forms.ModelForm):
    """The review form: one points field per criterion of the chosen scorecard (choose the
    scorecard in the URL: ?scorecard=ID; the first active one otherwise)."""

    class Meta:
        model = QAReview
        fields = ("scorecard", "ticket", "interaction", "agent", "comment")


REVIEW_FIELDS = ("scorecard", "ticket", "interaction", "agent", "comment")


class QAScoreInline(admin.TabularInline):
    model = QAScore
    extra = 0
    fields = ("criterion", "points", "comment")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QAReview)
class QAReviewAdmin(TicketScopedAdminMixin, DomainErrorFormMixin, admin.ModelAdmin):
    ticket_path = ("ticket", "interaction__ticket")

    def own_rows_q(self, request: HttpRequest) -> Q | None:
        # The review of an agent's own work stays theirs to read after the ticket moves queue.
        return Q(agent_id=request.user.pk)

    domain_errors = (FeedbackError,)
    list_display = ("ticket", "agent", "reviewer", "scorecard", "total_percent", "created_at")
    list_filter = ("scorecard", ("agent", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("ticket", "agent", "reviewer", "scorecard")
    raw_id_fields = ("ticket", "interaction")
    inlines = (QAScoreInline,)
    form = ReviewForm

    # Agents open the reviews of their own work (cim_site/roles.py gives them the view right);
    # supervisors see all.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or is_supervisor(request.user) or obj.agent_id == request.user.pk

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_supervisor(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def get_queryset(self, request: HttpRequest) -> QuerySet[QAReview]:
        return self.scope(request, selectors.visible_reviews(request.user))

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list:
        # Scores are entered as fields of the add form and shown read-only afterwards.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        # The model fields only: the points fields are added below, not by the model form.
        kwargs["fields"] = list(REVIEW_FIELDS)
        base = super().get_form(request, obj, change, **kwargs)
        if obj is not None:
            return base
        scorecard = self._scorecard(request)
        criteria = list(scorecard.criteria.all()) if scorecard else []

        fields = {
            f"points_{c.pk}": forms.IntegerField(
                label=f"{c.name} (0–{c.max_points}, ×{c.weight})",
                min_value=0,
                max_value=c.max_points,
                help_text=c.description,
            )
            for c in criteria
        }
        form = type("ReviewFormWithScores", (base,), fields)
        if scorecard is not None:
            form.base_fields["scorecard"].initial = scorecard.pk
        return form

    def _scorecard(self, request: HttpRequest) -> Scorecard | None:
        raw = request.GET.get("scorecard") or request.POST.get("scorecard") or ""
        qs = Scorecard.objects.filter(is_active=True)
        if raw.isascii() and raw.isdigit() and len(raw) <= 18:
            return qs.filter(pk=int(raw)).first()
        return qs.first()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(REVIEW_FIELDS)
        scorecard = self._scorecard(request) if obj is None else None
        if scorecard is not None:
            fields += [f"points_{c.pk}" for c in scorecard.criteria.all()]
        return [(None, {"fields": fields})]

    def save_model(self, request: HttpRequest, obj: QAReview, form: Any, change: bool) -> None:
        data = form.cleaned_data
        scores = {
            int(name.removeprefix("points_")): value
            for name, value in data.items()
            if name.startswith("points_")
        }
        review = services.create_review(
            scorecard=data["scorecard"],
            ticket=data["ticket"],
            agent=data["agent"],
            reviewer=request.user,
            scores=scores,
            comment=data.get("comment", ""),
            interaction=data.get("interaction"),
        )
        adopt(obj, review)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The service wrote the scores; the read-only inline has nothing to save.
        return None


# --- sentiment on the ticket page and the customer page (hooks of the lower apps) -------------

SENTIMENT_MARK = {"negative": "☹", "neutral": "😐", "positive": "☺"}


def _ticket_page_sentiment(request: HttpRequest, ticket: Any) -> dict[str, Any]:
    from .selectors import sentiments_for_messages, ticket_sentiment_trend

    rows = sentiments_for_messages(ticket.messages.values_list("pk", flat=True))
    badges = {
        message_id: f"{SENTIMENT_MARK.get(row.label, '')} {row.get_label_display()} "
        f"({row.score:+.2f})"
        for message_id, row in rows.items()
        if not row.pending and row.label
    }
    return {"message_badges": badges, "sentiment_trend": ticket_sentiment_trend(ticket=ticket)}


class CustomerSentimentInline(TicketScopedAdminMixin, LeadsMayView, admin.TabularInline):
    ticket_path = "ticket"

    """The customer's analysed messages, newest first: how their mood has gone over time."""

    model = MessageSentiment
    fk_name = "customer"
    template = "admin/tickets/readonly_tabular.html"
    fields = ("created_at", "message_excerpt", "ticket_link", "mood", "score")
    readonly_fields = fields
    ordering = ("-created_at",)
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("sentiment of messages")

    def get_queryset(self, request: HttpRequest) -> QuerySet[MessageSentiment]:
        return (
            super().get_queryset(request).filter(pending=False).select_related("ticket", "message")
        )

    @admin.display(description=_("message"))
    def message_excerpt(self, obj: MessageSentiment) -> str:
        body = " ".join(obj.message.body.split())
        return body if len(body) <= 120 else body[:119] + "…"

    @admin.display(description=_("ticket"))
    def ticket_link(self, obj: MessageSentiment) -> str:
        url = reverse("admin:tickets_ticket_change", args=[obj.ticket_id])
        return format_html('<a href="{}">{}</a>', url, obj.ticket.reference)

    @admin.display(description=_("sentiment"))
    def mood(self, obj: MessageSentiment) -> str:
        return f"{SENTIMENT_MARK.get(obj.label, '')} {obj.get_label_display()}".strip()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


add_ticket_page_context(_ticket_page_sentiment)
add_customer_inline(CustomerSentimentInline)


# --- the report in the app list and the sidebar ------------------------------------------------


def _report_entry(request: HttpRequest) -> dict[str, Any] | None:
    invitations = admin.site._registry.get(SurveyInvitation)
    if invitations is None or not invitations.has_view_permission(request):
        return None
    return {
        "name": _("Customer feedback report"),
        "object_name": "FeedbackReport",
        "perms": {"add": False, "change": False, "delete": False, "view": True},
        "admin_url": reverse("admin:feedback_report"),
        "add_url": None,
        "view_only": True,
    }


def _with_report_link(get_app_list: Any) -> Any:
    """The report is a page, not a model, so the admin would list it nowhere; it goes first in
    the Feedback section of the app list and the sidebar for whoever may open it. Wrapping the
    site's method (instead of a custom AdminSite) leaves the site and its index page alone."""

    def get_app_list_with_report(request: HttpRequest, app_label: str | None = None) -> Any:
        app_list = get_app_list(request, app_label)
        for app in app_list:
            if app.get("app_label") == "feedback":
                entry = _report_entry(request)
                if entry is not None:
                    app["models"].insert(0, entry)
        return app_list

    return get_app_list_with_report


admin.site.get_app_list = _with_report_link(admin.site.get_app_list)  # type: ignore[method-assign]
