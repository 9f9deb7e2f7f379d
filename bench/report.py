"""Figures, the table printed at the end, and the JSON file with everything."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO


class Progress:
    """One line per step on stderr, with the seconds since the run started."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[bench {elapsed:7.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Aim:
    text: str
    met: bool


def at_least(ratio: float | None, share: float) -> Aim | None:
    if ratio is None:
        return None
    return Aim(f">= {share:.0%} of ceiling", ratio >= share)


def below(value: float, limit: float, unit: str) -> Aim:
    return Aim(f"< {limit:g} {unit}", value < limit)


@dataclass
class Row:
    measure: str
    store: str
    figure: float
    unit: str
    ceiling: float | None = None
    aim: Aim | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.ceiling is None or self.ceiling == 0:
            return None
        return self.figure / self.ceiling

    def cells(self) -> list[str]:
        ratio = self.ratio
        aim = "-" if self.aim is None else f"{self.aim.text}: {'yes' if self.aim.met else 'NO'}"
        return [
            self.measure,
            self.store,
            _number(self.figure, self.unit),
            "-" if self.ceiling is None else _number(self.ceiling, self.unit),
            "-" if ratio is None else f"{ratio:.0%}",
            aim,
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "store": self.store,
            "figure": self.figure,
            "unit": self.unit,
            "ceiling": self.ceiling,
            "ratio": self.ratio,
            "aim": None if self.aim is None else self.aim.text,
            "aim_met": None if self.aim is None else self.aim.met,
            "details": self.details,
        }


def decoding_only(part: str, row: Row, seconds: float, messages: int, progress: Progress) -> Row:
    """The floor beside ``row``: plain aiokafka decoding every message against its
    contract and doing nothing else, in the same run. No consumer that checks its
    contracts passes this rate here, so its ratio bounds what ``row``'s aim can ask."""
    rate = messages / seconds
    share = f": {rate / row.ceiling:.0%} of the ceiling" if row.ceiling else ""
    progress(
        f"{part}/{row.store}: plain aiokafka decoding every message {rate:,.0f} msg/s "
        f"({seconds:.2f}s){share}"
    )
    return Row(
        f"{part}, decoding only",
        row.store,
        rate,
        row.unit,
        row.ceiling,
        None,
        {"messages": messages, "seconds": seconds},
    )


def _number(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:,.1f} {unit}"
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:,.1f} {unit}"


HEADERS = ["measure", "store", "figure", "ceiling", "ratio", "aim"]


@dataclass
class Report:
    parameters: dict[str, Any]
    environment: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    #: lines printed under the table (e.g. a curve), kept in the JSON too
    notes: list[str] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    def table(self) -> str:
        lines = [HEADERS, *(row.cells() for row in self.rows)]
        widths = [max(len(line[column]) for line in lines) for column in range(len(HEADERS))]
        numeric = {2, 3, 4}

        def render(cells: list[str]) -> str:
            return "  ".join(
                cell.rjust(width) if column in numeric else cell.ljust(width)
                for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()

        rule = "  ".join("-" * width for width in widths)
        return "\n".join([render(HEADERS), rule, *(render(cells) for cells in lines[1:])])

    def print(self, out: TextIO = sys.stdout) -> None:
        print(file=out)
        if self.parameters.get("quick"):
            print("QUICK RUN: small sizes, figures are not representative.", file=out)
        print(self.table(), file=out)
        if self.notes:
            print(file=out)
            for line in self.notes:
                print(line, file=out)
        for part, reason in self.failures.items():
            print(f"FAILED {part}: {reason}", file=out)
        out.flush()

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "started_at": self.started_at,
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "parameters": self.parameters,
            "environment": self.environment,
            "results": [row.as_json() for row in self.rows],
            "failures": self.failures,
            "notes": self.notes,
        }
        path.write_text(json.dumps(document, indent=2, default=str) + "\n")
