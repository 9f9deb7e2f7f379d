"""Is a new JSON Schema of an event backward compatible with the committed one?

Topics keep their events forever (``retention.ms=-1``) and read models are rebuilt
by replaying them from the start, so a new schema of an existing event version is
compatible only when:

- every message valid under the old schema is still valid under the new one:
  consumers upgraded to the new model can still read every event already on the
  topic (no narrowed type, no new required field, no tighter constraint); and
- every field the old schema declared is still declared, and still required where
  it was: consumers still on the old model keep getting what they read (a rename
  is a removal).

Adding an optional field, widening a type or adding an enum value is compatible.
Anything else needs a new version of the event (see :mod:`.schemas`).

Only local references (``#/$defs/...``) are followed; a changed keyword this
checker does not understand is reported as a break rather than waved through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from contracts.governance.schema_nodes import (
    ANNOTATIONS,
    ANY,
    JsonSchema,
    Node,
    accepts_anything,
    allowed_values,
    branches,
    kind_of,
    resolve,
)


class BreakKind(StrEnum):
    FIELD_REMOVED = "field removed"
    REQUIRED_FIELD_ADDED = "required field added"
    FIELD_MADE_OPTIONAL = "field made optional"
    TYPE_NARROWED = "type narrowed"
    CONSTRAINT_TIGHTENED = "constraint tightened"
    ADDITIONAL_PROPERTIES_TIGHTENED = "additionalProperties tightened"
    UNVERIFIABLE = "unverifiable change"


@dataclass(frozen=True)
class Break:
    """One backward-incompatible difference, at a field path like ``lines[].quantity``."""

    kind: BreakKind
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.detail}"


def breaking_changes(old: JsonSchema, new: JsonSchema) -> list[Break]:
    """Every backward-incompatible difference from *old* to *new*; empty when compatible."""
    return _Comparison(old, new).schemas(old, new, "")


# Keywords this module compares; any other keyword that changed is unverifiable.
_COMPARED = frozenset(
    {
        "$ref",
        "additionalProperties",
        "allOf",
        "anyOf",
        "const",
        "enum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "format",
        "items",
        "maxItems",
        "maxLength",
        "maxProperties",
        "maximum",
        "minItems",
        "minLength",
        "minProperties",
        "minimum",
        "multipleOf",
        "oneOf",
        "pattern",
        "properties",
        "required",
        "type",
        "uniqueItems",
    }
)


class _Comparison:
    """Walks an old and a new schema side by side, each resolving its own ``$ref``s."""

    def __init__(self, old_root: JsonSchema, new_root: JsonSchema) -> None:
        self._old_root = old_root
        self._new_root = new_root
        self._in_progress: set[tuple[str, str]] = set()

    def schemas(self, old: JsonSchema, new: JsonSchema, path: str) -> list[Break]:
        if old is False:
            return []
        if new is False:
            return [Break(BreakKind.TYPE_NARROWED, path, "no longer accepts any value")]
        old_node, old_ref = resolve(self._old_root, old)
        new_node, new_ref = resolve(self._new_root, new)
        if old_ref is None or new_ref is None:
            return self._nodes(old_node, new_node, path)
        pair = (old_ref, new_ref)
        if pair in self._in_progress:  # a recursive model: already being compared
            return []
        self._in_progress.add(pair)
        try:
            return self._nodes(old_node, new_node, path)
        finally:
            self._in_progress.discard(pair)

    def _nodes(self, old: Node, new: Node, path: str) -> list[Break]:
        combined = _unmergeable_all_of(old, new, path)
        if combined is not None:
            return combined
        old_branches = list(branches(self._old_root, old))
        new_branches = list(branches(self._new_root, new))
        breaks: list[Break] = []
        for old_branch in old_branches:
            breaks.extend(self._covered(old_branch, old_branches, new_branches, path))
        return breaks

    def _covered(
        self, old: Node, old_union: Sequence[Node], new_union: Sequence[Node], path: str
    ) -> list[Break]:
        """The breaks of the new branch that best accepts what the *old* branch accepted."""
        kind = kind_of(old)
        candidates = [branch for branch in new_union if _covers(kind_of(branch), kind)]
        if not candidates:
            return [_lost_type(kind, len(old_union), [kind_of(b) for b in new_union], path)]
        attempts = [self._branch(old, candidate, path) for candidate in candidates]
        return min(attempts, key=len)

    def _branch(self, old: Node, new: Node, path: str) -> list[Break]:
        kind = kind_of(old)
        breaks = _allowed_values(old, new, path)
        if kind == "string":
            breaks += _string_constraints(old, new, path)
        elif kind in ("integer", "number"):
            breaks += _numeric_bounds(old, new, path, integral=kind == "integer")
        elif kind == "object":
            breaks += self._objects(old, new, path)
        elif kind == "array":
            breaks += self._arrays(old, new, path)
        return breaks + _unverifiable(old, new, path)

    def _objects(self, old: Node, new: Node, path: str) -> list[Break]:
        old_fields: Mapping[str, JsonSchema] = old.get("properties", {})
        new_fields: Mapping[str, JsonSchema] = new.get("properties", {})
        breaks: list[Break] = []
        for name, old_field in old_fields.items():
            if name in new_fields:
                breaks += self.schemas(old_field, new_fields[name], _field_path(path, name))
            else:
                breaks.append(_removed(name, path))
        breaks += _required_changes(old, new, old_fields, new_fields, path)
        breaks += _size_limits(old, new, path, "minProperties", "maxProperties")
        return breaks + self._additional_properties(old, new, path)

    def _additional_properties(self, old: Node, new: Node, path: str) -> list[Break]:
        old_extra: JsonSchema = old.get("additionalProperties", True)
        new_extra: JsonSchema = new.get("additionalProperties", True)
        if old_extra is False or accepts_anything(new_extra):
            return []
        if new_extra is False or accepts_anything(old_extra):
            return [
                Break(
                    BreakKind.ADDITIONAL_PROPERTIES_TIGHTENED,
                    path,
                    "additionalProperties tightened: fields not declared are "
                    + ("now rejected" if new_extra is False else "now constrained"),
                )
            ]
        return self.schemas(old_extra, new_extra, _field_path(path, "*"))

    def _arrays(self, old: Node, new: Node, path: str) -> list[Break]:
        breaks = _size_limits(old, new, path, "minItems", "maxItems")
        if new.get("uniqueItems") is True and old.get("uniqueItems") is not True:
            breaks.append(_tightened(path, "items must now be unique"))
        old_items: JsonSchema = old.get("items", True)
        new_items: JsonSchema = new.get("items", True)
        if not accepts_anything(new_items):
            breaks += self.schemas(old_items, new_items, f"{path}[]")
        return breaks


# --- the individual rules ------------------------------------------------------------------


def _covers(new_kind: str, old_kind: str) -> bool:
    return new_kind in (old_kind, ANY) or (new_kind, old_kind) == ("number", "integer")


def _lost_type(kind: str, old_members: int, new_kinds: list[str], path: str) -> Break:
    narrower = [new for new in new_kinds if _covers(kind, new)]
    if kind == "null":
        detail = "no longer accepts null (it was nullable)"
    elif narrower:
        detail = f"type narrowed from {_describe_kind(kind)} to {' | '.join(narrower)}"
    elif old_members > 1:
        detail = f"no longer accepts {_describe_kind(kind)} (the union lost a member)"
    else:
        detail = f"type changed from {_describe_kind(kind)} to {' | '.join(new_kinds) or 'nothing'}"
    return Break(BreakKind.TYPE_NARROWED, path, detail)


def _describe_kind(kind: str) -> str:
    return "any value" if kind == ANY else kind


def _removed(name: str, path: str) -> Break:
    return Break(
        BreakKind.FIELD_REMOVED,
        _field_path(path, name),
        "field removed (a rename is a removal: keep the old field)",
    )


def _required_changes(
    old: Node,
    new: Node,
    old_fields: Mapping[str, JsonSchema],
    new_fields: Mapping[str, JsonSchema],
    path: str,
) -> list[Break]:
    old_required = set(old.get("required", ()))
    new_required = set(new.get("required", ()))
    breaks = []
    for name in sorted(new_required - old_required):
        detail = (
            "field became required"
            if name in old_fields
            else "required field added (give it a default to make it optional)"
        )
        breaks.append(Break(BreakKind.REQUIRED_FIELD_ADDED, _field_path(path, name), detail))
    for name in sorted((old_required - new_required) & set(new_fields)):
        breaks.append(
            Break(
                BreakKind.FIELD_MADE_OPTIONAL,
                _field_path(path, name),
                "field no longer required (consumers of this version rely on it)",
            )
        )
    return breaks


def _allowed_values(old: Node, new: Node, path: str) -> list[Break]:
    new_values = allowed_values(new)
    if new_values is None:
        return []
    old_values = allowed_values(old)
    if old_values is None:
        return [_tightened(path, f"now restricted to the values {_listing(new_values)}")]
    kept = {_canonical(value) for value in new_values}
    lost = [value for value in old_values if _canonical(value) not in kept]
    return [_tightened(path, f"values no longer allowed: {_listing(lost)}")] if lost else []


def _string_constraints(old: Node, new: Node, path: str) -> list[Break]:
    breaks = _size_limits(old, new, path, "minLength", "maxLength")
    for keyword in ("pattern", "format"):
        old_value, new_value = old.get(keyword), new.get(keyword)
        if new_value is None or new_value == old_value:
            continue
        if old_value is None:
            breaks.append(_tightened(path, f"gained a {keyword} {new_value!r}"))
        else:
            change = f"{keyword} changed from {old_value!r} to {new_value!r}"
            breaks.append(_tightened(path, change))
    return breaks


def _size_limits(old: Node, new: Node, path: str, low: str, high: str) -> list[Break]:
    breaks = []
    old_min, new_min = old.get(low, 0), new.get(low, 0)
    if new_min > old_min:
        breaks.append(_tightened(path, f"{low} grew from {old_min} to {new_min}"))
    old_max, new_max = old.get(high), new.get(high)
    if new_max is not None and old_max is None:
        breaks.append(_tightened(path, f"gained a {high} of {new_max}"))
    elif new_max is not None and new_max < old_max:
        breaks.append(_tightened(path, f"{high} shrank from {old_max} to {new_max}"))
    return breaks


@dataclass(frozen=True)
class _Bound:
    value: float
    exclusive: bool

    upper: bool = False

    def __str__(self) -> str:
        return f"{'<' if self.upper else '>'}{'' if self.exclusive else '='} {self.value}"


def _numeric_bounds(old: Node, new: Node, path: str, *, integral: bool) -> list[Break]:
    breaks = []
    old_low = _lower_bound(old, integral)
    new_low = _lower_bound(new, integral)
    if _stricter_lower(new_low, old_low):
        breaks.append(_tightened(path, _bound_change("lower", old_low, new_low)))
    old_high = _upper_bound(old, integral)
    new_high = _upper_bound(new, integral)
    if _stricter_upper(new_high, old_high):
        breaks.append(_tightened(path, _bound_change("upper", old_high, new_high)))
    old_step, new_step = old.get("multipleOf"), new.get("multipleOf")
    if new_step is not None and (old_step is None or old_step % new_step != 0):
        breaks.append(_tightened(path, f"must now be a multiple of {new_step}"))
    return breaks


def _lower_bound(node: Node, integral: bool) -> _Bound | None:
    bounds = [_Bound(value, exclusive) for value, exclusive in _limits(node, "minimum")]
    if integral:  # x > 0 is x >= 1 for integers
        bounds = [_Bound(b.value + 1, False) if b.exclusive else b for b in bounds]
    return max(bounds, key=lambda b: (b.value, b.exclusive), default=None)


def _upper_bound(node: Node, integral: bool) -> _Bound | None:
    bounds = [_Bound(value, exclusive, upper=True) for value, exclusive in _limits(node, "maximum")]
    if integral:
        bounds = [_Bound(b.value - 1, False, upper=True) if b.exclusive else b for b in bounds]
    return min(bounds, key=lambda b: (b.value, not b.exclusive), default=None)


def _bound_change(side: str, old: _Bound | None, new: _Bound | None) -> str:
    if old is None:
        return f"gained a {side} bound {new}"
    return f"{side} bound tightened from {old} to {new}"


def _limits(node: Node, keyword: str) -> Iterator[tuple[float, bool]]:
    """``minimum`` and the numeric ``exclusiveMinimum`` of 2020-12 (or their maximum twins)."""
    for key, exclusive in ((keyword, False), (f"exclusive{keyword.title()}", True)):
        value = node.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield value, exclusive


def _stricter_lower(new: _Bound | None, old: _Bound | None) -> bool:
    if new is None:
        return False
    if old is None:
        return True
    return new.value > old.value or (new.value == old.value and new.exclusive > old.exclusive)


def _stricter_upper(new: _Bound | None, old: _Bound | None) -> bool:
    if new is None:
        return False
    if old is None:
        return True
    return new.value < old.value or (new.value == old.value and new.exclusive > old.exclusive)


def _unverifiable(old: Node, new: Node, path: str) -> list[Break]:
    keywords = (set(old) | set(new)) - ANNOTATIONS - _COMPARED
    return [
        Break(
            BreakKind.UNVERIFIABLE,
            path,
            f"keyword {keyword!r} changed; this checker cannot prove that compatible",
        )
        for keyword in sorted(keywords)
        if not keyword.startswith("x-") and old.get(keyword) != new.get(keyword)
    ]


def _unmergeable_all_of(old: Node, new: Node, path: str) -> list[Break] | None:
    """``allOf`` with several members is compared as a whole: equal, or unverifiable."""
    if "allOf" not in old and "allOf" not in new:
        return None
    if old.get("allOf") == new.get("allOf"):
        return None
    return [
        Break(
            BreakKind.UNVERIFIABLE,
            path,
            "keyword 'allOf' changed; this checker cannot prove that compatible",
        )
    ]


def _tightened(path: str, detail: str) -> Break:
    return Break(BreakKind.CONSTRAINT_TIGHTENED, path, detail)


def _field_path(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _listing(values: Sequence[Any]) -> str:
    return ", ".join(json.dumps(value) for value in values)
