"""Import problems people can act on: grouped by file, column and reason, with counts and examples.

A thousand rows with the same wrong date are one thing to fix, not a thousand: the report
leads with one line per (file, column, reason) and its count and first three lines, then
the full list for whoever wants to go row by row (the CLI's `--report FILE.csv`, the
Import page's download).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from data_layer.domain.errors import Problem


@dataclass
class ProblemGroup:
    """Problems of one file and column that share a reason."""

    file: str
    column: str
    reason: str
    rows: int = 0
    lines: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        """The group in one line: where, why, how many and three examples."""
        where = " · ".join(x for x in (self.file, self.column if self.column not in ("(file)", "(row)") else "")
                           if x)
        count = f"{self.rows:,} row{'s' if self.rows != 1 else ''}" if self.lines or self.rows > 1 else ""
        examples = []
        if self.lines:
            examples.append("line" + ("s " if len(self.lines) > 1 else " ") + ", ".join(map(str, self.lines[:3])))
        if self.values:
            examples.append(", ".join(repr(v) for v in self.values[:3]))
        tail = f" ({count}{'; e.g. ' if examples and count else ''}{'; '.join(examples)})" if count or examples else ""
        return f"{where}: {self.reason}{tail}"


def group_problems(problems: Sequence[Problem]) -> list[ProblemGroup]:
    """One group per (file, column, reason), most rows first."""
    groups: dict[tuple[str, str, str], ProblemGroup] = {}
    for p in problems:
        key = (p.file or "", p.field, p.message)
        g = groups.setdefault(key, ProblemGroup(*key))
        g.rows += p.rows
        if p.line is not None and len(g.lines) < 3:
            g.lines.append(p.line)
        if p.value not in (None, "") and len(g.values) < 3 and p.value not in g.values:
            g.values.append(str(p.value))
    return sorted(groups.values(), key=lambda g: (-g.rows, g.file, g.column))


def problems_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """Every problem as a row (file, line, column, value, reason, rows), for a CSV download."""
    return pd.DataFrame([{"file": p.file, "line": p.line, "column": p.field, "value": p.value, "reason": p.message,
                          "rows": p.rows} for p in problems],
                        columns=["file", "line", "column", "value", "reason", "rows"])


def groups_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """The grouped report as a table (file, column, reason, rows, example lines, example values)."""
    return pd.DataFrame([{"file": g.file, "column": g.column, "reason": g.reason, "rows": g.rows,
                          "example lines": ", ".join(map(str, g.lines)), "example values": ", ".join(g.values)}
                         for g in group_problems(problems)],
                        columns=["file", "column", "reason", "rows", "example lines", "example values"])
