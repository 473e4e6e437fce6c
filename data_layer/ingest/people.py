"""People matched the way companies name them: by person id, email, or full name.

A full name matches when it is the same name with case, accents and spacing ignored
("José  Núñez" is "jose nunez"); a name that fits two people is refused as ambiguous,
never given to one of them. Who could not be matched is collected once per value, with
the number of rows and the first lines that name them, so a report lists each stranger
once and the Import page can offer to add them as people in one step.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from data_layer.db.store import Store

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# An email inside a decorated cell: "lenny@x.com (Deactivated User)", "Lenny <lenny@x.com>".
EMAIL_INSIDE = re.compile(r"[^@\s<>()\[\]\"',;]+@[^@\s<>()\[\]\"',;]+\.[A-Za-z]{2,}")
# What CRMs and survey tools write where a row has no real person (normalised: letters only, lower case).
PLACEHOLDERS = {"unassigned", "inactiveuser", "noowner", "none", "noone", "nobody", "deleteduser", "unknown",
                "unknownuser", "deactivateduser", "notassigned", "anonymous", "na", "null"}


def placeholder(text: str) -> bool:
    """True for "Unassigned", "Inactive User", "(No owner)", "anonymous" and the like."""
    return re.sub(r"[^a-z]", "", text.lower()) in PLACEHOLDERS


def name_key(text: str) -> str:
    """A full name compared without case, accents, punctuation spacing or order of whitespace."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", plain).strip().casefold()


@dataclass
class Stranger:
    """A value naming someone who is not (unambiguously) a known person."""

    value: str
    rows: int = 0
    lines: list[int] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)  # person ids when the name fits several people
    display: str = ""  # how the source shows them (a Slack display name, an xAPI actor name)
    column: str = ""  # the source column (or part of the file) that names them

    @property
    def email(self) -> str:
        if EMAIL.match(self.value):
            return self.value.lower()
        inside = {m.lower() for m in EMAIL_INSIDE.findall(self.value)}
        return inside.pop() if len(inside) == 1 else ""


@dataclass
class PeopleIndex:
    """Known people by id, email and full name: the database plus people arriving in the same run."""

    ids: set[str] = field(default_factory=set)
    emails: dict[str, str] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)
    explicit: dict[str, str] = field(default_factory=dict)  # a mapping's own matches (source value -> person id)

    @classmethod
    def load(cls, store: Store, arriving: Sequence[tuple[str, str, str]] = (),
             explicit: dict[str, str] | None = None) -> PeopleIndex:
        """The index over the people table and `arriving` (person_id, email, name) rows of the same run."""
        index = cls(explicit=dict(explicit or {}))
        rows = [(str(p), str(e or ""), str(n or "")) for p, e, n in
                store.query("SELECT person_id, email, name FROM people")]
        for pid, email, name in [*rows, *arriving]:
            index.add(pid, email, name)
        return index

    def add(self, pid: str, email: str, name: str) -> None:
        """Know one more person."""
        if not pid:
            return
        self.ids.add(pid)
        if email:
            self.emails[email.strip().lower()] = pid
        if name.strip():
            owners = self.names.setdefault(name_key(name), [])
            if pid not in owners:
                owners.append(pid)

    def match(self, value: str) -> tuple[str | None, list[str]]:
        """(person id, []) when `value` names exactly one person; (None, candidates) otherwise."""
        text = value.strip()
        if not text:
            return None, []
        if text in self.explicit:
            return self.explicit[text], []
        if text in self.ids:
            return text, []
        lowered = text.lower()
        if lowered.startswith("mailto:"):
            lowered = lowered[7:]
        if lowered in self.emails:
            return self.emails[lowered], []
        owners = self.names.get(name_key(text), [])
        if len(owners) == 1:
            return owners[0], []
        if not owners:
            # A CRM decorates people it no longer knows: "x@y.com (Deactivated User)". The email inside
            # matches when it is the only one; a name with a trailing "(...)" matches by the name alone.
            inside = {m.lower().removeprefix("mailto:") for m in EMAIL_INSIDE.findall(text)}
            if len(inside) == 1 and next(iter(inside)) not in (lowered, text.lower()):
                return self.match(next(iter(inside)))
            bare = re.sub(r"\s*[(\[][^()\[\]]*[)\]]\s*$", "", text)
            if bare and bare != text:
                return self.match(bare)
        return None, sorted(owners)


def resolve(index: PeopleIndex, values: Sequence[str], lines: Sequence[int],
            strangers: dict[str, Stranger],
            placeholders: dict[str, list[int]] | None = None) -> tuple[list[str], dict[int, str]]:
    """Person ids for `values` ('' where blank or unknown); row problems for ambiguous names; strangers collected.

    A placeholder ("Unassigned" ...) that is not someone's id or name is collected in `placeholders` (value -> row
    indexes) rather than as a stranger, so the report names it for what it is."""
    cache: dict[str, tuple[str | None, list[str]]] = {}
    out: list[str] = []
    bad: dict[int, str] = {}
    for i, raw in enumerate(values):
        text = raw.strip()
        if not text:
            out.append("")
            continue
        if text not in cache:
            cache[text] = index.match(text)
        pid, candidates = cache[text]
        if pid is not None:
            out.append(pid)
            continue
        out.append("")
        if placeholders is not None and placeholder(text):
            placeholders.setdefault(text, []).append(i)
            continue
        if len(candidates) > 1:
            bad[i] = f"names {len(candidates)} people ({', '.join(candidates)}); use their email or person id"
            continue
        who = strangers.setdefault(text, Stranger(text))
        who.rows += 1
        if len(who.lines) < 3:
            who.lines.append(lines[i])
    return out, bad


def suggested_person(stranger: Stranger) -> dict[str, str]:
    """A new person's row prefilled from how a file names them (the rest is for the admin to complete)."""
    email = stranger.email
    name = stranger.display if stranger.display and not EMAIL.match(stranger.display) else ""
    if not name and not email and " " in stranger.value.strip():
        name = stranger.value.strip()
    if email:
        pid = email
    elif re.fullmatch(r"[A-Za-z0-9_.:-]+", stranger.value.strip()):
        pid = stranger.value.strip()  # an id the file uses (a CRM user id, a Slack user id)
    else:
        pid = re.sub(r"[^a-z0-9]+", "-", name_key(name or stranger.value)).strip("-")
    return {"person_id": pid, "name": name or (email.split("@")[0] if email else stranger.value.strip()),
            "email": email, "role": "", "team": "", "region": ""}
