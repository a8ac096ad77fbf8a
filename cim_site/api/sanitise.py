"""One check for text and JSON that enters the system, used by the API's JSON parser, the webhooks
and the serializer JSONField.

Bad input is REFUSED with a field error, never stripped: a NUL byte or a lone surrogate is never
typed by a person, so it is a broken or hostile client, and silently changing what was sent (a
customer's message, a signed webhook body) would store something nobody wrote. PostgreSQL cannot
store NUL in text at all (DataError) and a lone surrogate cannot be encoded as UTF-8
(UnicodeEncodeError) — both were 500s.

Everything here is iterative: no input can make it recurse."""

import json
import math
import re
from typing import Any

from django import forms
from django.db import models
from django.forms.fields import InvalidJSONInput, JSONString
from django.utils.translation import gettext as _
from rest_framework import serializers

# Nesting deeper than this is refused before json.loads sees it (the C decoder recurses).
MAX_DEPTH = 32
# Integers beyond a signed 64-bit column are refused: no id or count in the project is larger.
MAX_INT = 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON string token, unrolled so it runs in linear time on long strings.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class BadInput(ValueError):
    """What was wrong and where: path is "" for the whole body, "field", "field.0.key"…"""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def text_problem(value: str) -> str | None:
    """The reason a string may not be stored, or None."""
    if "\x00" in value:
        return _("Null characters are not allowed.")
    if _SURROGATE.search(value):
        return _("Surrogate characters are not allowed.")
    return None


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuses text whose brackets nest deeper than max_depth, counting only brackets outside
    strings. Malformed text may be miscounted, but only upwards, and json.loads refuses it
    anyway."""
    if text.count("[") + text.count("{") <= max_depth:
        return
    depth = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > max_depth:
                raise BadInput(
                    _("The JSON is nested more than %(depth)d levels deep.") % {"depth": max_depth}
                )
        else:
            depth -= 1


def _parse_int(token: str) -> int:
    # Python refuses more than 4300 digits itself; anything over 19 digits overflows anyway.
    if len(token.lstrip("-")) > 19 or abs(value := int(token)) > MAX_INT:
        raise BadInput(_("Numbers may not exceed %(max)d.") % {"max": MAX_INT})
    return value


def _parse_float(token: str) -> float:
    value = float(token)
    if value in (float("inf"), float("-inf")):
        raise BadInput(_("Numbers may not exceed %(max)d.") % {"max": MAX_INT})
    return value


def _parse_constant(token: str) -> Any:
    raise BadInput(_("NaN and Infinity are not JSON numbers."))


def check_tree(data: Any) -> None:
    """Walks parsed JSON without recursion; the first bad key or string raises with its path."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            if problem := text_problem(node):
                raise BadInput(problem, path)
        elif isinstance(node, dict):
            for key, value in node.items():
                sub = f"{path}.{key}" if path else str(key)
                if problem := text_problem(key):
                    # The key itself cannot be echoed back safely as a field name.
                    raise BadInput(problem, path or "non_field_errors")
                stack.append((sub, value))
        elif isinstance(node, list):
            stack.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(node))
        elif isinstance(node, float) and node != node:
            raise BadInput(_("NaN and Infinity are not JSON numbers."), path)


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads with a nesting limit, no NaN/Infinity, no number beyond 64 bits, no NUL or lone
    surrogate in any key or string. Raises BadInput (a ValueError) for all of them."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInput(_("The body is not valid UTF-8.")) from exc
    check_depth(text, max_depth)
    try:
        data = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except BadInput:
        raise
    except (ValueError, RecursionError) as exc:
        # RecursionError cannot happen after check_depth; kept so no future limit change is a 500.
        raise BadInput(
            _("The body is not valid JSON: %(error)s") % {"error": str(exc)[:200]}
        ) from exc
    check_tree(data)
    return data


# --- fields: the same check for every serializer and form JSONField -----------------------------
# DRF's CharField already refuses NUL and surrogates (its ProhibitNull/SurrogateCharacters
# validators) and Django's forms.CharField refuses NUL (form-encoded input is decoded with
# errors="replace", so it cannot carry a lone surrogate). JSON fields are the gap: nested keys and
# strings go to the database unchecked, and forms.JSONField calls json.loads on the raw text.


def _field_errors(exc: BadInput) -> dict[str, list[str]] | list[str]:
    return {exc.path: [exc.message]} if exc.path else [exc.message]


class CleanJSONField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str | bytes) and (
            self.binary or getattr(data, "is_json_string", False)
        ):
            try:
                return loads(data)
            except BadInput as exc:
                raise serializers.ValidationError(_field_errors(exc)) from exc
        try:
            check_tree(data)
        except BadInput as exc:
            raise serializers.ValidationError(_field_errors(exc)) from exc
        return super().to_internal_value(data)


class CleanJSONFormField(forms.JSONField):
    def to_python(self, value: Any) -> Any:
        if self.disabled or value in self.empty_values or not isinstance(value, str):
            if isinstance(value, dict | list):
                try:
                    check_tree(value)
                except BadInput as exc:
                    raise forms.ValidationError(exc.message, code="invalid") from exc
            return super().to_python(value)
        try:
            converted = loads(value)
        except BadInput as exc:
            raise forms.ValidationError(exc.message, code="invalid") from exc
        return JSONString(converted) if isinstance(converted, str) else converted

    def bound_data(self, data: Any, initial: Any) -> Any:
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return loads(data)
        except BadInput:
            return InvalidJSONInput(data)


def _out_of_range(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return not math.isfinite(value) or abs(value) > MAX_INT
    return isinstance(value, int) and abs(value) > MAX_INT


def _refuse_overflow(field_class: type[serializers.Field]) -> None:
    """DRF's IntegerField accepts any Python int and PrimaryKeyRelatedField catches TypeError and
    ValueError but not the OverflowError of `pk=inf` or `pk=10**30` (SQLite, psycopg): both are
    refused here, for declared fields as well as generated ones."""
    original = field_class.to_internal_value
    if getattr(original, "_cim_clean", False):
        return

    def to_internal_value(self: serializers.Field, data: Any) -> Any:
        message = _("Numbers may not exceed %(max)d.") % {"max": MAX_INT}
        if _out_of_range(data):
            raise serializers.ValidationError(message, code="max_value")
        try:
            value = original(self, data)
        except OverflowError as exc:
            raise serializers.ValidationError(message, code="max_value") from exc
        if _out_of_range(value):
            raise serializers.ValidationError(message, code="max_value")
        return value

    to_internal_value._cim_clean = True  # type: ignore[attr-defined]
    field_class.to_internal_value = to_internal_value  # type: ignore[method-assign]


def _refuse_bad_text_input() -> None:
    """Every serializer field refuses a NUL or lone surrogate string before its own code runs:
    SlugRelatedField and the project's own lookup fields (tickets' QueueField…) query the database
    with the text before any validator, a DataError on PostgreSQL — reachable with a form-encoded
    body, which the JSON parser never sees. Field.run_validation is where every field starts
    (CharField and RelatedField call it through super())."""
    original = serializers.Field.run_validation
    if getattr(original, "_cim_clean", False):
        return

    def run_validation(self: serializers.Field, data: Any = serializers.empty) -> Any:
        if isinstance(data, str) and (problem := text_problem(data)):
            raise serializers.ValidationError(problem, code="invalid")
        return original(self, data)

    run_validation._cim_clean = True  # type: ignore[attr-defined]
    serializers.Field.run_validation = run_validation  # type: ignore[method-assign]


def _refuse_form_overflow() -> None:
    """forms.IntegerField has no bounds of its own (a model field's form gets the column's, a
    hand-declared one none): a form field never yields an integer beyond 64 bits."""
    original = forms.IntegerField.to_python
    if getattr(original, "_cim_clean", False):
        return

    def to_python(self: forms.IntegerField, value: Any) -> Any:
        result = original(self, value)
        if _out_of_range(result):
            raise forms.ValidationError(
                _("Numbers may not exceed %(max)d.") % {"max": MAX_INT}, code="max_value"
            )
        return result

    to_python._cim_clean = True  # type: ignore[attr-defined]
    forms.IntegerField.to_python = to_python  # type: ignore[method-assign]


def install() -> None:
    """Makes every serializer refuse integers beyond 64 bits, and every ModelSerializer and
    ModelForm (the admin's included) use the clean JSON fields for models.JSONField. Called once
    from CimSiteConfig.ready(). DRF and Django offer no setting for these, hence the patching;
    it is idempotent and covers fields declared by hand, which a base class would miss."""
    _refuse_overflow(serializers.IntegerField)
    _refuse_overflow(serializers.PrimaryKeyRelatedField)
    _refuse_bad_text_input()
    _refuse_form_overflow()
    serializers.ModelSerializer.serializer_field_mapping[models.JSONField] = CleanJSONField
    if getattr(models.JSONField.formfield, "_cim_clean", False):
        return
    original = models.JSONField.formfield

    def formfield(self: models.JSONField, **kwargs: Any) -> Any:
        if kwargs.get("form_class") in (None, forms.JSONField):
            kwargs["form_class"] = CleanJSONFormField
        return original(self, **kwargs)

    formfield._cim_clean = True  # type: ignore[attr-defined]
    models.JSONField.formfield = formfield  # type: ignore[method-assign]
