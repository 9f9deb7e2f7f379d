"""The backward-compatibility checker finds every kind of break, and only breaks."""

from __future__ import annotations

from typing import Any

import pytest

from contracts import TOPICS, Envelope
from contracts.governance.compatibility import Break, BreakKind, breaking_changes


def obj(properties: dict[str, Any], required: tuple[str, ...] = (), **more: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), **more}


STRING = {"type": "string"}
NULLABLE_STRING = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}


def kinds(breaks: list[Break]) -> list[BreakKind]:
    return [found.kind for found in breaks]


def test_every_registered_schema_is_compatible_with_itself() -> None:
    # given every schema the models generate
    schemas = [Envelope.model_json_schema()] + [
        event.model_json_schema() for topic in TOPICS.values() for event in topic.events
    ]

    # when each is compared with itself / then nothing breaks
    assert [breaking_changes(schema, schema) for schema in schemas] == [[]] * len(schemas)


def test_adding_an_optional_field_is_compatible() -> None:
    old = obj({"id": STRING}, required=("id",))
    new = obj({"id": STRING, "note": NULLABLE_STRING}, required=("id",))

    assert breaking_changes(old, new) == []


def test_adding_an_enum_value_is_compatible() -> None:
    old = obj({"tier": {"type": "string", "enum": ["standard", "gold"]}})
    new = obj({"tier": {"type": "string", "enum": ["standard", "gold", "platinum"]}})

    assert breaking_changes(old, new) == []


def test_widening_a_type_or_relaxing_a_constraint_is_compatible() -> None:
    old = obj(
        {
            "count": {"type": "integer", "minimum": 1, "maximum": 10},
            "code": {"type": "string", "pattern": "^[A-Z]{3}$", "maxLength": 3},
            "tags": {"type": "array", "items": STRING, "minItems": 1},
        }
    )
    new = obj(
        {
            "count": {"anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}]},
            "code": {"type": "string", "maxLength": 10},
            "tags": {"type": "array", "items": STRING},
        }
    )

    assert breaking_changes(old, new) == []


def test_a_changed_title_or_description_is_not_a_break() -> None:
    old = obj({"id": {"type": "string", "title": "Id"}}, description="old words")
    new = obj({"id": {"type": "string", "title": "Identifier", "description": "new"}})

    assert breaking_changes(old, new) == []


def test_a_removed_field_is_a_break() -> None:
    old = obj({"id": STRING, "email": NULLABLE_STRING}, required=("id",))
    new = obj({"id": STRING}, required=("id",))

    breaks = breaking_changes(old, new)

    assert kinds(breaks) == [BreakKind.FIELD_REMOVED]
    assert breaks[0].path == "email"
    assert "removed" in str(breaks[0])


def test_a_renamed_field_is_a_removal_and_a_new_required_field() -> None:
    old = obj({"customer_id": STRING}, required=("customer_id",))
    new = obj({"client_id": STRING}, required=("client_id",))

    breaks = breaking_changes(old, new)

    assert {(found.kind, found.path) for found in breaks} == {
        (BreakKind.FIELD_REMOVED, "customer_id"),
        (BreakKind.REQUIRED_FIELD_ADDED, "client_id"),
    }


def test_a_new_field_without_a_default_is_a_break() -> None:
    old = obj({"id": STRING}, required=("id",))
    new = obj({"id": STRING, "channel": STRING}, required=("id", "channel"))

    breaks = breaking_changes(old, new)

    assert kinds(breaks) == [BreakKind.REQUIRED_FIELD_ADDED]
    assert str(breaks[0]).startswith("channel: required field added")


def test_an_optional_field_becoming_required_is_a_break() -> None:
    old = obj({"id": STRING, "note": STRING}, required=("id",))
    new = obj({"id": STRING, "note": STRING}, required=("id", "note"))

    assert kinds(breaking_changes(old, new)) == [BreakKind.REQUIRED_FIELD_ADDED]


def test_a_required_field_becoming_optional_is_a_break_for_its_readers() -> None:
    old = obj({"reason": STRING}, required=("reason",))
    new = obj({"reason": STRING})

    assert kinds(breaking_changes(old, new)) == [BreakKind.FIELD_MADE_OPTIONAL]


def test_number_narrowed_to_integer_is_a_break() -> None:
    old = obj({"amount": {"type": "number"}})
    new = obj({"amount": {"type": "integer"}})

    breaks = breaking_changes(old, new)

    assert kinds(breaks) == [BreakKind.TYPE_NARROWED]
    assert str(breaks[0]) == "amount: type narrowed from number to integer"


def test_a_changed_type_is_a_break() -> None:
    old = obj({"quantity": {"type": "integer"}})
    new = obj({"quantity": {"type": "string"}})

    breaks = breaking_changes(old, new)

    assert [str(found) for found in breaks] == ["quantity: type changed from integer to string"]


def test_a_union_losing_a_member_is_a_break() -> None:
    # given a pydantic Decimal (a number or a string) that becomes a float
    old = obj({"price": {"anyOf": [{"type": "number"}, {"type": "string"}]}})
    new = obj({"price": {"type": "number"}})

    breaks = breaking_changes(old, new)

    assert kinds(breaks) == [BreakKind.TYPE_NARROWED]
    assert "no longer accepts string" in str(breaks[0])


def test_nullable_becoming_non_null_is_a_break() -> None:
    old = obj({"email": NULLABLE_STRING})
    new = obj({"email": STRING})

    breaks = breaking_changes(old, new)

    assert kinds(breaks) == [BreakKind.TYPE_NARROWED]
    assert "no longer accepts null" in str(breaks[0])


@pytest.mark.parametrize(
    ("old_field", "new_field", "expected"),
    [
        (STRING, {"type": "string", "pattern": "^[A-Z]{3}$"}, "gained a pattern"),
        (
            {"type": "string", "pattern": "^[A-Z]{3}$"},
            {"type": "string", "pattern": "^[A-Z]{2}$"},
            "pattern changed",
        ),
        (STRING, {"type": "string", "format": "email"}, "gained a format 'email'"),
        (STRING, {"type": "string", "enum": ["a", "b"]}, "now restricted to the values"),
        (
            {"type": "string", "enum": ["web", "store", "phone"]},
            {"type": "string", "enum": ["web", "store"]},
            'values no longer allowed: "phone"',
        ),
        ({"type": "string", "const": "1.0"}, {"type": "string", "const": "2.0"}, '"1.0"'),
        ({"type": "string", "maxLength": 10}, {"type": "string", "maxLength": 5}, "shrank"),
        (STRING, {"type": "string", "maxLength": 5}, "gained a maxLength of 5"),
        ({"type": "string", "minLength": 1}, {"type": "string", "minLength": 2}, "grew"),
        ({"type": "integer"}, {"type": "integer", "minimum": 0}, "gained a lower bound >= 0"),
        (
            {"type": "number", "minimum": 0},
            {"type": "number", "exclusiveMinimum": 0},
            "from >= 0 to > 0",
        ),
        ({"type": "number", "maximum": 100}, {"type": "number", "maximum": 99}, "upper bound"),
        ({"type": "integer"}, {"type": "integer", "multipleOf": 5}, "multiple of 5"),
        (
            {"type": "array", "items": STRING},
            {"type": "array", "items": STRING, "minItems": 1},
            "minItems grew from 0 to 1",
        ),
        (
            {"type": "array", "items": STRING},
            {"type": "array", "items": STRING, "uniqueItems": True},
            "unique",
        ),
    ],
)
def test_a_tightened_constraint_is_a_break(
    old_field: dict[str, Any], new_field: dict[str, Any], expected: str
) -> None:
    old = obj({"field": old_field})
    new = obj({"field": new_field})

    breaks = breaking_changes(old, new)

    assert kinds(breaks) == [BreakKind.CONSTRAINT_TIGHTENED]
    assert breaks[0].path == "field"
    assert expected in breaks[0].detail


def test_an_exclusive_integer_bound_equal_to_an_inclusive_one_is_compatible() -> None:
    # given pydantic's gt=0 on an int and the same rule written as ge=1
    old = obj({"points": {"type": "integer", "exclusiveMinimum": 0}})
    new = obj({"points": {"type": "integer", "minimum": 1}})

    assert breaking_changes(old, new) == []


@pytest.mark.parametrize("new_extra", [False, {"type": "string"}])
def test_tightening_additional_properties_is_a_break(new_extra: Any) -> None:
    old = obj({"id": STRING})
    new = obj({"id": STRING}, additionalProperties=new_extra)

    assert kinds(breaking_changes(old, new)) == [BreakKind.ADDITIONAL_PROPERTIES_TIGHTENED]


def test_a_narrowed_additional_properties_schema_is_a_break_and_a_widened_one_is_not() -> None:
    numbers = obj({}, additionalProperties={"type": "number"})
    integers = obj({}, additionalProperties={"type": "integer"})

    assert [str(found) for found in breaking_changes(numbers, integers)] == [
        "*: type narrowed from number to integer"
    ]
    assert breaking_changes(integers, numbers) == []
    assert breaking_changes(obj({}, additionalProperties=False), obj({})) == []


def test_breaks_inside_nested_objects_and_array_items_name_their_path() -> None:
    # given an order whose lines are a $defs model reached through $ref
    line = obj({"sku": STRING, "quantity": {"type": "integer"}}, required=("sku", "quantity"))
    old = {
        "$defs": {"Line": line, "Address": obj({"city": STRING})},
        **obj(
            {
                "lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}},
                "ship_to": {"$ref": "#/$defs/Address"},
            }
        ),
    }
    new_line = obj({"sku": STRING, "quantity": {"type": "string"}}, required=("sku", "quantity"))
    new = {
        "$defs": {"OrderLine": new_line, "Address": obj({})},
        **obj(
            {
                "lines": {"type": "array", "items": {"$ref": "#/$defs/OrderLine"}},
                "ship_to": {"$ref": "#/$defs/Address"},
            }
        ),
    }

    # when
    breaks = breaking_changes(old, new)

    # then
    assert [(found.kind, found.path) for found in breaks] == [
        (BreakKind.TYPE_NARROWED, "lines[].quantity"),
        (BreakKind.FIELD_REMOVED, "ship_to.city"),
    ]


def test_a_recursive_model_is_compared_without_endless_recursion() -> None:
    node = {
        "$defs": {
            "Node": obj(
                {"name": STRING, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}
            )
        },
        "$ref": "#/$defs/Node",
    }
    narrowed = {
        "$defs": {
            "Node": obj(
                {
                    "name": {"type": "string", "minLength": 1},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                }
            )
        },
        "$ref": "#/$defs/Node",
    }

    assert breaking_changes(node, node) == []
    assert [found.path for found in breaking_changes(node, narrowed)] == ["name"]


def test_a_changed_keyword_the_checker_does_not_understand_is_reported_not_ignored() -> None:
    old = obj({"id": STRING})
    new = obj({"id": STRING}, propertyNames={"pattern": "^[a-z_]+$"})

    breaks = breaking_changes(old, new)

    assert kinds(breaks) == [BreakKind.UNVERIFIABLE]
    assert "propertyNames" in breaks[0].detail


def test_a_schema_that_accepted_anything_cannot_become_typed() -> None:
    breaks = breaking_changes(obj({"payload": {}}), obj({"payload": {"type": "object"}}))

    assert [str(found) for found in breaks] == ["payload: type narrowed from any value to object"]
