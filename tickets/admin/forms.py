"""Forms of the ticket admin. They validate input only; the admin hands the result to services."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import ChannelKind

from ..errors import TicketError
from ..models import InteractionReason, MessageKind, Priority, Queue, Ticket
from ..services import can_transition, validate_attachment


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the pattern from Django's file-upload docs)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data if item]
        cleaned = single_clean(data, initial)
        return [cleaned] if cleaned else []


def _reason_queryset(current_id: int | None) -> Any:
    # Only reasons (not categories) may be put on a ticket; an inactive reason the ticket already
    # has stays selectable so an unrelated edit does not fail on it.
    keep = Q(pk=current_id) if current_id else Q(pk__in=[])
    return InteractionReason.objects.filter(
        Q(parent__isnull=False, is_active=True) | keep
    ).select_related("parent")


def _queue_queryset(current_id: int | None) -> Any:
    keep = Q(pk=current_id) if current_id else Q(pk__in=[])
    return Queue.objects.filter(Q(is_active=True) | keep)


def _assignee_queryset(queue_id: int | None, current_id: int | None) -> Any:
    # The people who work the ticket's queue: assign_ticket accepts no one else. To hand a
    # ticket to another team, move it to their queue first.
    keep = Q(pk=current_id) if current_id else Q(pk__in=[])
    works_queue = Q(is_staff=True, is_active=True, agent_profile__queues=queue_id)
    return get_user_model().objects.filter(works_queue | keep).distinct().order_by("username")


class TicketChangeForm(forms.ModelForm):
    """The ticket's handling fields plus a reply box, submitted together with one Save."""

    reply_kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (MessageKind.PUBLIC, _("Public reply (sent to the customer)")),
            (MessageKind.INTERNAL, _("Internal note (staff only)")),
        ],
        initial=MessageKind.PUBLIC,
        required=False,
    )
    reply_body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        required=False,
        max_length=settings.CIM_MESSAGE_MAX_CHARS,
        help_text=_(
            "With a public reply, the status above is the status the ticket moves to "
            "(e.g. Pending while you wait on the customer)."
        ),
    )
    reply_attachments = MultipleFileField(label=_("Attachments"), required=False)

    class Meta:
        model = Ticket
        fields = ("status", "priority", "queue", "assignee", "reason", "tags")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if "reason" in self.fields:
            self.fields["reason"].queryset = _reason_queryset(instance.reason_id)
        if "queue" in self.fields:
            self.fields["queue"].queryset = _queue_queryset(instance.queue_id)
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = _assignee_queryset(
                instance.queue_id, instance.assignee_id
            )

    def clean_status(self) -> str:
        new = self.cleaned_data["status"]
        old = self.initial.get("status")
        # The workflow table of the service decides; this only turns its answer into a field
        # error instead of a message after the fact.
        if old and new != old and not can_transition(old, new):
            raise forms.ValidationError(
                _("A ticket cannot go from %(old)s to %(new)s.")
                % {
                    "old": dict(self.fields["status"].choices).get(old, old),
                    "new": dict(self.fields["status"].choices).get(new, new),
                }
            )
        return new

    def clean_reply_attachments(self) -> list[Any]:
        files = self.cleaned_data.get("reply_attachments") or []
        for upload in files:
            try:
                validate_attachment(upload)
            except TicketError as exc:
                raise forms.ValidationError(exc.message) from None
        return files

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("reply_attachments") and not cleaned.get("reply_body"):
            self.add_error("reply_body", _("Write a message to go with the attachments."))
        if not cleaned.get("reply_kind"):
            cleaned["reply_kind"] = MessageKind.PUBLIC
        return cleaned


class TicketAddForm(forms.ModelForm):
    """A ticket taken down by staff (a call, a walk-in): what the customer asked, in their name."""

    body = forms.CharField(
        label=_("First message"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        max_length=settings.CIM_MESSAGE_MAX_CHARS,
        help_text=_("What the customer asked, in their words."),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", _("Queue default")), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Ticket
        fields = ("customer", "queue", "subject", "channel", "priority", "reason")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "reason" in self.fields:
            self.fields["reason"].queryset = _reason_queryset(None)
        if "queue" in self.fields:
            self.fields["queue"].queryset = _queue_queryset(None)
        if "channel" in self.fields:
            self.fields["channel"].initial = ChannelKind.PHONE
