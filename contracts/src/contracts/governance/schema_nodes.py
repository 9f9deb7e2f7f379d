"""Walking JSON Schemas: following local ``$ref``s and splitting values into alternatives.

A schema accepts a value when one of its *branches* does: a member of its
``anyOf``/``oneOf``, or one of the types its ``type`` lists. Each branch has one
*kind* (a JSON type, or ``any``), so two schemas can be compared branch by branch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

JsonSchema = Mapping[str, Any] | bool
Node = Mapping[str, Any]

# Keywords that only annotate: a change to them never breaks a reader.
ANNOTATIONS = frozenset(
    {
        "$comment",
        "$defs",
        "$id",
        "$schema",
        "contentEncoding",
        "contentMediaType",
        "default",
        "definitions",
        "deprecated",
        "description",
        "discriminator",
        "examples",
        "readOnly",
        "title",
        "writeOnly",
    }
)
ANY = "any"
_STRING_KEYWORDS = ("pattern", "format", "minLength", "maxLength")
_NUMBER_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_OBJECT_KEYWORDS = ("properties", "required", "additionalProperties")
_ARRAY_KEYWORDS = ("items", "prefixItems", "minItems", "maxItems", "uniqueItems")


def resolve(root: JsonSchema, schema: JsonSchema) -> tuple[Node, str | None]:
    """The schema with its ``$ref`` (and a single-member ``allOf``) followed, and the ref."""
    node = _as_node(schema)
    first_ref: str | None = None
    for _ in range(64):
        ref = node.get("$ref")
        all_of = node.get("allOf")
        if isinstance(ref, str):
            first_ref = first_ref or ref
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            node = {**_as_node(_pointer(root, ref)), **siblings}
        elif isinstance(all_of, list) and len(all_of) == 1:
            siblings = {key: value for key, value in node.items() if key != "allOf"}
            node = {**_as_node(all_of[0]), **siblings}
        else:
            return node, first_ref
    raise ValueError(f"$ref chain too long or circular at {first_ref}")


def _pointer(root: JsonSchema, ref: str) -> JsonSchema:
    if not ref.startswith("#"):
        raise ValueError(f"only local references are supported, not {ref!r}")
    target: Any = root
    for token in filter(None, ref[1:].split("/")):
        key = token.replace("~1", "/").replace("~0", "~")
        target = target[int(key)] if isinstance(target, list) else target[key]
    if not isinstance(target, Mapping | bool):
        raise ValueError(f"{ref} does not point at a schema")
    return target


def _as_node(schema: JsonSchema) -> Node:
    if isinstance(schema, bool):
        return {} if schema else {"not": {}}
    return schema


def branches(root: JsonSchema, node: Node) -> Iterator[Node]:
    """The alternatives a value may match: union members, and one per ``type`` listed."""
    union = node.get("anyOf", node.get("oneOf"))
    if isinstance(union, list):
        shared = {key: value for key, value in node.items() if key not in ("anyOf", "oneOf")}
        for member in union:
            resolved, _ = resolve(root, member)
            yield from branches(root, {**shared, **resolved})
        return
    for kind in _kinds(node):
        yield {**node, "type": kind} if kind != ANY else node


def _kinds(node: Node) -> list[str]:
    declared = node.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return list(declared)
    values = allowed_values(node)
    if values is not None:
        return sorted({_json_type(value) for value in values})
    for keywords, kind in (
        (_OBJECT_KEYWORDS, "object"),
        (_ARRAY_KEYWORDS, "array"),
        (_STRING_KEYWORDS, "string"),
        (_NUMBER_KEYWORDS, "number"),
    ):
        if any(keyword in node for keyword in keywords):
            return [kind]
    return [ANY]


def kind_of(node: Node) -> str:
    declared = node.get("type", ANY)
    return declared if isinstance(declared, str) else ANY


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def accepts_anything(schema: JsonSchema) -> bool:
    if isinstance(schema, bool):
        return schema
    return not (set(schema) - ANNOTATIONS)


def allowed_values(node: Node) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    enum = node.get("enum")
    return list(enum) if isinstance(enum, list) else None
