"""The one small interface every reader has: how well it fits a file, a preview, a conversion.

A `Probe` is what the pipeline learnt about a file before any reader looks at it (its
name, bytes, and, for a table, its decoded rows). Each reader scores the probe from 0 to
1 (`Fit`), saying why; the pipeline takes the best fit when it is good and clearly ahead,
and otherwise refuses the file naming the closest readings and the option that picks one
(`--as KEY`). A reader never scores a file against an entity whose required columns the
file lacks: it returns 0 with the reason instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from data_layer.db.store import Store
from data_layer.domain.errors import Problem
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.people import PeopleIndex, Stranger
from data_layer.ingest.tables import Table

GOOD_FIT = 0.6  # below this a file is not read without `--as`
CLEAR_LEAD = 0.15  # the best fit must lead the next reading of another kind by this much


@dataclass
class Probe:
    """A file as the readers see it: its name, bytes and (for CSV/TSV/XLSX) its rows as text."""

    name: str
    data: bytes
    table: Table | None = None

    @property
    def suffix(self) -> str:
        return self.name.lower().rsplit(".", 1)[-1] if "." in self.name else ""


@dataclass
class Fit:
    """How well one reader fits a file: a score 0..1, why, and (for tables) the mapping it would use."""

    key: str  # what `--as` takes: deals, survey, people, xapi, slack ...
    label: str  # how a sentence names it: "deals (a CRM export)"
    score: float
    why: str
    mapping: Mapping | None = None
    tool: str | None = None
    columns_said: dict[str, str] = field(default_factory=dict)  # field -> which column was read, and the others
    preview: list[str] = field(default_factory=list)  # how the file would be read, in a few lines (the chosen fit)
    reader: Any = None  # the Reader that offered this reading (set by `readers.readings`)


@dataclass
class Context:
    """What a conversion needs besides the file: the database, its people, and the person's choices."""

    store: Store
    index: PeopleIndex
    verbs: dict[str, str] = field(default_factory=dict)
    win: str = "trophy"
    frustration: str = "warning"


@dataclass
class Converted:
    """A file converted to one of our files: its rows, where each came from, and what was found on the way."""

    entity: str
    frame: pd.DataFrame
    back: dict[str, str] = field(default_factory=dict)  # our column -> the file's column
    lines: list[int] | None = None  # each row's line in the file (None: JSON, placed by statement number)
    problems: list[Problem] = field(default_factory=list)
    strangers: list[Stranger] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Reader(Protocol):
    """A source format: its keys for `--as`, how well it fits a probe, and a preview of what it reads."""

    keys: tuple[str, ...]

    def fit(self, probe: Probe, as_key: str | None = None) -> list[Fit]:
        """Every reading this reader offers for the file (one per entity it can read), scored."""
        ...

    def preview(self, probe: Probe, fit: Fit) -> list[str]:
        """A few sentences saying how the file would be read (the Import page shows them)."""
        ...

    def convert(self, ctx: Context, probe: Probe, fit: Fit) -> Converted:
        """The file as one of our files, each row keeping its place in the person's file."""
        ...
