"""The survey page a customer reaches from the invitation link. The token is the key: an unknown,
malformed or used-up link shows a plain page, never an error; one answer per invitation."""

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_ratelimit.decorators import ratelimit

from tickets.links import count_link_guess, link_guesses_exceeded

from .errors import FeedbackError, FeedbackErrorCode
from .models import SCALES, InvitationStatus, SurveyInvitation, SurveyKind
from .services import invitation_for_token, set_survey_opt_out, submit_response

QUESTIONS = {
    SurveyKind.CSAT: _("How satisfied are you with the help you received?"),
    SurveyKind.NPS: _("How likely are you to recommend us to a friend or colleague?"),
    SurveyKind.CES: _("How easy was it to get your issue handled?"),
}
# The words at both ends of each scale.
ENDS = {
    SurveyKind.CSAT: (_("Very dissatisfied"), _("Very satisfied")),
    SurveyKind.NPS: (_("Not at all likely"), _("Extremely likely")),
    SurveyKind.CES: (_("Very difficult"), _("Very easy")),
}


def survey_post_rate(group: str, request: HttpRequest) -> str:
    return settings.CIM_SURVEY_POST_RATE


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your score"), coerce=int, widget=forms.RadioSelect, choices=()
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, high = SCALES[SurveyKind(kind)]
        self.fields["score"].choices = [(n, str(n)) for n in range(low, high + 1)]
        self.fields["comment"].max_length = settings.CIM_SURVEY_COMMENT_MAX_CHARS
        self.fields["comment"].widget.attrs["maxlength"] = settings.CIM_SURVEY_COMMENT_MAX_CHARS


def _invalid(request: HttpRequest, *, expired: bool = False) -> HttpResponse:
    return render(request, "feedback/link_invalid.html", {"expired": expired}, status=404)


def _context(invitation: SurveyInvitation, form: SurveyForm | None) -> dict:
    kind = SurveyKind(invitation.kind)
    return {
        "invitation": invitation,
        "question": QUESTIONS[kind],
        "low_label": ENDS[kind][0],
        "high_label": ENDS[kind][1],
        "form": form,
        "response": getattr(invitation, "response", None)
        if invitation.status == InvitationStatus.RESPONDED
        else None,
    }


@never_cache
@csrf_protect
@ratelimit(group="survey", key="ip", rate=survey_post_rate, method="POST", block=False)
def survey(request: HttpRequest, token: str) -> HttpResponse:
    # The limits come before the token is looked up: a guesser meets 429, not a 404 per try.
    if link_guesses_exceeded(request) or (
        request.method == "POST" and getattr(request, "limited", False)
    ):
        return render(request, "429.html", status=429)
    invitation = invitation_for_token(token)
    if invitation is None:
        count_link_guess(request)
        return _invalid(request)
    if invitation.status not in (
        InvitationStatus.SENT,
        InvitationStatus.FAILED,  # marked undelivered, yet here is the customer with the link
        InvitationStatus.RESPONDED,
    ):
        return _invalid(request)
    if invitation.status == InvitationStatus.RESPONDED:
        # A second visit, or a second submit: the answer already given, nothing stored again.
        return render(request, "feedback/answered.html", _context(invitation, None))
    if invitation.expires_at and invitation.expires_at <= timezone.now():
        return _invalid(request, expired=True)
    if request.method == "POST":
        form = SurveyForm(request.POST, kind=invitation.kind)
        if form.is_valid():
            try:
                submit_response(
                    invitation=invitation,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except FeedbackError as exc:
                if exc.code in (FeedbackErrorCode.ALREADY_ANSWERED,):
                    return redirect("feedback:survey", token=token)
                if exc.code in (FeedbackErrorCode.LINK_EXPIRED, FeedbackErrorCode.INVALID_LINK):
                    return _invalid(request, expired=exc.code == FeedbackErrorCode.LINK_EXPIRED)
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("feedback:survey", token=token)
        chosen = None
    else:
        # A score link from the mail only ticks the score: mail scanners open links by
        # themselves, so nothing is recorded until the customer presses Send (a POST).
        chosen = _score_from_link(invitation.kind, request.GET.get("score"))
        form = SurveyForm(kind=invitation.kind, initial={"score": chosen})
    return render(request, "feedback/survey.html", {**_context(invitation, form), "chosen": chosen})


def _score_from_link(kind: str, value: str | None) -> int | None:
    low, high = SCALES[SurveyKind(kind)]
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 2:
        return None
    score = int(value)
    return score if low <= score <= high else None


@never_cache
@csrf_protect
@ratelimit(group="survey", key="ip", rate=survey_post_rate, method="POST", block=False)
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """ "Don't send me surveys": works from any invitation the customer got, answered or not."""
    if link_guesses_exceeded(request) or (
        request.method == "POST" and getattr(request, "limited", False)
    ):
        return render(request, "429.html", status=429)
    invitation = invitation_for_token(token)
    if invitation is None:
        count_link_guess(request)
        return _invalid(request)
    if request.method == "POST":
        set_survey_opt_out(customer=invitation.customer, opted_out=True)
        return render(request, "feedback/opted_out.html", {})
    return render(request, "feedback/opt_out.html", {"token": token})
