"""OpenAPI helpers. One choice set (ChannelKind, Priority) appears under several field names
("channel", "kind", "default_priority"); drf-spectacular would name each occurrence from the
field and warn. EnumField documents a choice set once, as a named component, wherever it is used.
"""

from typing import Any

from django.db.models import Choices
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_field
from rest_framework import serializers


class EnumField(serializers.ChoiceField):
    """ChoiceField over a Django Choices class, documented as the component `<Class>Enum`."""

    def __init__(
        self, choices_class: type[Choices], *, enum_name: str | None = None, **kwargs: Any
    ) -> None:
        self.enum_name = enum_name or f"{choices_class.__name__}Enum"
        kwargs.setdefault("choices", choices_class.choices)
        super().__init__(**kwargs)


class EnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = EnumField
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        field: EnumField = self.target
        schema = build_choice_field(field)
        schema.pop("x-spec-enum-id", None)
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema=schema,
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (see cim_site.api.errors)."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
