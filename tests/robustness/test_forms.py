"""Every form in the project (public pages and admin) takes hostile input as a form error: NUL
bytes (Django's CharField refuses them), JSON text nested beyond the limit or carrying NUL/lone
surrogates (CleanJSONFormField, installed for every models.JSONField), numbers beyond 64 bits.
Form-encoded bodies cannot carry a lone surrogate at all: Django decodes them with
errors="replace" — tested below — so forms need no surrogate check of their own."""

import importlib
import inspect

import pytest
from django import forms
from django.contrib import admin

from cim_site.api.sanitise import CleanJSONFormField
from tests.robustness.test_serializers_property import _clean

pytestmark = pytest.mark.django_db

importlib.import_module("cim_site.urls")
admin.autodiscover()

PROJECT_APPS = ("channels", "knowledge_base", "feedback", "tickets", "customers", "cim_site")


def _project_forms() -> list[type[forms.BaseForm]]:
    seen: set[type] = set()
    stack: list[type] = [forms.BaseForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    mine = [
        c
        for c in seen
        if c.__module__.startswith(PROJECT_APPS)
        and not inspect.isabstract(c)
        # ModelForms are exercised as their admin builds them (test_every_admin_form_…)
        and not issubclass(c, forms.BaseModelForm)
    ]
    return sorted(mine, key=lambda c: f"{c.__module__}.{c.__name__}")


FORMS = _project_forms()
DEEP_JSON = "[" * 5000 + "]" * 5000
HOSTILE = [
    "a\x00b",
    DEEP_JSON,
    '{"k": "\\u0000"}',
    '{"k\\ud800": 1}',
    "1e400",
    "9" * 30,
    "-" + "9" * 25,
]


def _model_admin_forms(user) -> list[tuple[str, type[forms.BaseForm]]]:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    out = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        form = model_admin.get_form(request, None)
        out.append((f"{model._meta.label}", form))
    return out


def test_forms_were_found():
    assert len(FORMS) >= 5


@pytest.fixture
def admin_forms(admin_user):
    admin_user.is_staff = True
    admin_user.save()
    return _model_admin_forms(admin_user)


def _base(form_class):
    # An admin may hand out its form bound to the request (functools.partial(Form, request=…)).
    return getattr(form_class, "func", form_class)


def _exercise(form_class) -> None:
    try:
        fields = list(_base(form_class).base_fields)
    except AttributeError:
        return
    for value in HOSTILE:
        data = dict.fromkeys(fields, value)
        try:
            form = form_class(data=data)
        except TypeError:  # a form that needs constructor arguments (request, ticket…)
            return
        if form.is_valid():
            _clean(form.cleaned_data)
        else:
            form.errors.as_json()  # rendering the errors must not fail either
        for name in fields:
            str(form[name].value())  # bound_data re-parses JSON text when the form is re-shown


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_project_form_refuses_hostile_input(form_class):
    _exercise(form_class)


def test_every_admin_form_refuses_hostile_input(admin_forms):
    assert len(admin_forms) >= 15
    json_fields = 0
    for _label, form_class in admin_forms:
        json_fields += sum(
            isinstance(f, CleanJSONFormField) for f in _base(form_class).base_fields.values()
        )
        _exercise(form_class)
    assert json_fields >= 3


def test_form_encoding_cannot_carry_a_lone_surrogate(rf):
    request = rf.post("/", data="q=a%ED%A0%80b", content_type="application/x-www-form-urlencoded")
    assert request.POST["q"] == "a\ufffd\ufffd\ufffdb"


@pytest.mark.parametrize("value", ["a\x00b", "9" * 30, DEEP_JSON])
def test_public_pages_answer_hostile_form_input_without_a_500(client, value):
    assert client.get("/help/search/", {"q": value}).status_code in (200, 400)
    assert client.get("/help/search/suggest/", {"q": value}).status_code in (200, 400)
    response = client.post(
        "/help/contact/", {"name": value, "email": value, "subject": value, "message": value}
    )
    assert response.status_code in (200, 400, 429)
