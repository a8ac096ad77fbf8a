"""Property: for EVERY serializer in the project (found by walking Serializer subclasses once the
API's URLconf has imported them all), any payload built from hostile values — NUL bytes, lone
surrogates, huge or infinite numbers, numeric strings with exponents, deep nesting, wrong types —
either validates or raises ValidationError (or a domain error the API renders as a 4xx), and what
validates carries no NUL, no surrogate and no integer beyond 64 bits to the database."""

import importlib
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from cim_site.api.errors import DOMAIN_ERRORS
from cim_site.api.sanitise import MAX_INT, text_problem

importlib.import_module("cim_site.api.urls")


def _project_serializers() -> list[type[serializers.BaseSerializer]]:
    seen: set[type] = set()
    stack: list[type] = [serializers.BaseSerializer]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    mine = [c for c in seen if not c.__module__.startswith(("rest_framework", "drf_spectacular"))]
    return sorted(mine, key=lambda c: f"{c.__module__}.{c.__name__}")


SERIALIZERS = _project_serializers()

bad_text = st.builds(
    lambda a, bad, b: a + bad + b,
    st.text(max_size=5),
    st.sampled_from(["\x00", "\ud800", "\udfff", "\udc00x", "\x00\x00"]),
    st.text(max_size=5),
)
huge = st.one_of(
    st.integers(min_value=2**63, max_value=10**40),
    st.integers(max_value=-(2**63) - 1, min_value=-(10**40)),
    st.just(float("inf")),
    st.just(float("-inf")),
    st.just(float("nan")),
    st.sampled_from(["1e400", "-1e400", "9" * 25, "NaN", "Infinity", "0x10", "１２"]),
)
scalar = st.one_of(
    bad_text,
    huge,
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=5),
    st.text(max_size=10),
)
hostile = st.recursive(
    scalar,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=4), bad_text), children, max_size=3),
    ),
    max_leaves=12,
)


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value] if depth % 2 else {"k": value}
    return value


def _clean(value: Any) -> None:
    """What validated must be storable."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            assert text_problem(node) is None, repr(node)
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int):
            assert abs(node) <= MAX_INT, node
        elif isinstance(node, float):
            assert math.isfinite(node), node
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)


@pytest.fixture
def context(supervisor):
    request = APIRequestFactory().post("/api/v1/")
    request.user = supervisor
    return {"request": request}


def _fields(cls: type[serializers.BaseSerializer], context: dict) -> list[str]:
    try:
        return list(cls(context=context).fields)
    except Exception:  # a serializer without .fields (a plain BaseSerializer) gets junk keys
        return ["value"]


def _check(cls, context, payload) -> None:
    serializer = cls(data=payload, context=context)
    try:
        valid = serializer.is_valid()
    except DOMAIN_ERRORS:
        return
    if valid:
        _clean(serializer.validated_data)


@pytest.mark.django_db
@pytest.mark.parametrize("cls", SERIALIZERS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_serializer_refuses_hostile_input_with_a_validation_error(cls, context):
    names = _fields(cls, context)

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(names, hostile)))
    def run(payload):
        _check(cls, context, payload)

    run()
    # Deep nesting in every field, and payloads that are not objects at all.
    for name in names:
        _check(cls, context, {name: _deep(200)})
    for payload in (_deep(200), "\x00", 10**30, None, []):
        _check(cls, context, payload)


def test_every_serializer_was_found():
    assert len(SERIALIZERS) >= 60
