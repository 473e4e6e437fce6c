"""Our own tables (DOMAIN.md's CSV files) and other tables placed by their columns: one reader.

A file is ours when its header holds every required column of one of our files: named
like it (case ignored: `Deals.csv` is deals.csv) or not. A table whose columns the
synonyms place (`Opportunity ID`, `sales_agent`, `engage_date` ...) is offered as that
entity too. A file is never judged against an entity whose required columns it lacks:
that reading scores 0 and says which columns are missing.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from data_layer.ingest.importer import SPECS, FileSpec
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.presets import guess_mapping, norm
from data_layer.ingest.readers.base import Fit, Probe
from data_layer.ingest.readers.table import TableConversion

# What `--as` takes for each of our files (deals and assessments have readers of their own for exports).
KEYS = {spec.filename: spec.filename[:-4] for spec in SPECS}


def our_entity(name: str) -> str | None:
    """Our file's name for a file named like it, case ignored (`Deals.csv`, `PEOPLE.CSV`)."""
    lower = PurePosixPath(name).name.lower()
    return lower if lower in KEYS else None


def _required(spec: FileSpec) -> list[str]:
    return [c.name for c in spec.cols if c.required]


def header_is_ours(spec: FileSpec, columns: list[str]) -> bool:
    """True when the header has every required column of `spec` under its own name."""
    have = {c.strip() for c in columns}
    return all(r in have for r in _required(spec))


class OursReader(TableConversion):
    """DOMAIN.md's files by their header (and name), and other tables whose columns the synonyms place."""

    keys: tuple[str, ...] = tuple(KEYS.values())

    def fit(self, probe: Probe, as_key: str | None = None) -> list[Fit]:
        table = probe.table
        if table is None:
            return []
        named = our_entity(probe.name)
        out = []
        for spec in SPECS:
            key = KEYS[spec.filename]
            label = f"{key} ({spec.filename})"
            if header_is_ours(spec, table.columns):
                why = "our own columns" + (" and file name" if named == spec.filename else "")
                out.append(Fit(key, label, 1.0 if named == spec.filename else 0.9, why,
                               Mapping(spec.filename, {c: c for c in spec.columns if c in table.columns})))
                continue
            if spec.filename in ("deals.csv", "assessments.csv"):
                continue  # exports of deals and surveys have readers of their own
            mapping = Mapping(spec.filename, guess_mapping(table.columns, spec.filename))
            lacking = [r for r in _required(spec) if r not in mapping.columns]
            if as_key == key:
                out.append(Fit(key, label, 1.0, "chosen", mapping))
            elif lacking:
                out.append(Fit(key, label, 0.0, f"no column for {', '.join(lacking)}", mapping))
            else:
                exact = sum(norm(f) == norm(c) for f, c in mapping.columns.items()) / max(len(mapping.columns), 1)
                score = min(0.65 + 0.2 * exact + (0.2 if named == spec.filename else 0.0), 0.95)
                out.append(Fit(key, label, round(score, 2), "columns placed by their names: " + ", ".join(
                    f"{c} as {f}" for f, c in list(mapping.columns.items())[:6]), mapping))
        return out

    def preview(self, probe: Probe, fit: Fit) -> list[str]:
        """Which column feeds each field."""
        return [f"{k} ← {v}" for k, v in (fit.mapping.columns.items() if fit.mapping else ())]
