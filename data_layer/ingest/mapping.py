"""A mapping: how one source file becomes one of our files, saved as TOML and shown on the Import page.

Besides the column of each field, a mapping keeps what the person decided about the file:
the format of a column the values could not settle (`formats`), what the file's own stage
names mean (`stages`), which of our verbs an xAPI verb IRI stands for (`verbs`), and who a
source's people are when they cannot be matched by email, id or name (`people`).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field

from data_layer.domain.errors import InvalidData, Problem

ENTITIES = ("people.csv", "cohorts.csv", "memberships.csv", "activity.csv", "assessments.csv", "deals.csv",
            "sections.csv", "plans.csv", "lessons.csv", "actions.csv")
PRESETS = ("crm_opportunities", "survey_assessments", "salesforce_report", "salesforce_export", "hubspot_deals",
           "pipedrive_deals", "google_forms", "qualtrics", "typeform", "surveymonkey")
TABLES = ("columns", "options", "formats", "stages", "verbs", "people")


@dataclass
class Mapping:
    """How one source file becomes one of our files: field -> source column, and the choices made about it."""

    entity: str
    columns: dict[str, str] = field(default_factory=dict)
    preset: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)
    verbs: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)

    def to_toml(self) -> str:
        """The mapping as TOML (for `import --mapping FILE.toml` and saved mappings)."""
        def q(v: str) -> str:
            return json.dumps(v, ensure_ascii=False)  # a JSON string is a valid TOML basic string
        lines = [f"entity = {q(self.entity)}"]
        if self.preset:
            lines.append(f"preset = {q(self.preset)}")
        for name in TABLES:
            table: dict[str, str] = getattr(self, name)
            if table or name == "columns":
                lines.append(f"\n[{name}]")
                lines += [f"{q(k)} = {q(v)}" for k, v in table.items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str) -> Mapping:
        """Read a mapping written by `to_toml` (or by hand); a bad one gets a sentence."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidData([Problem("mapping", f"is not valid TOML: {exc}")],
                              f"The mapping is not valid TOML: {exc}") from None
        entity = str(data.get("entity", ""))
        if entity not in ENTITIES:
            raise InvalidData([Problem("entity", f"must be one of {', '.join(ENTITIES)}")],
                              f"The mapping's entity must be one of {', '.join(ENTITIES)}.")
        preset = data.get("preset")
        if preset is not None and preset not in PRESETS:
            raise InvalidData([Problem("preset", f"must be one of {', '.join(PRESETS)}")],
                              f"Unknown preset {preset!r}; use one of {', '.join(PRESETS)}.")
        tables: dict[str, dict[str, str]] = {}
        for name in TABLES:
            raw = data.get(name, {})
            if not isinstance(raw, dict):
                raise InvalidData([Problem(name, "must be a table of names and values")],
                                  f"The mapping's [{name}] must be a table of names and values.")
            tables[name] = {str(k): str(v) for k, v in raw.items()}
        return cls(entity=entity, preset=preset, **tables)
