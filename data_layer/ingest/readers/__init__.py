"""The readers: one module per source format, each with the interface of `base.Reader`.

- `ours`    our own tables (DOMAIN.md's files), by header and name, and tables placed by synonyms
- `deals`   CRM deals (Salesforce, HubSpot, Pipedrive, Zoho, any deals table)
- `survey`  survey responses (Google Forms, Microsoft Forms, Qualtrics, Typeform, SurveyMonkey, any survey)
- `xapi`    xAPI statements as LRSs store them
- `slack`   Slack workspace exports

`readings` asks every reader how well it fits a file; `choose` takes the best reading when
it is good and clearly ahead, else refuses the file naming the closest readings and the
option that picks one (`--as KEY`).
"""

from __future__ import annotations

from data_layer.domain.errors import InvalidData, Problem
from data_layer.ingest.readers.base import CLEAR_LEAD, GOOD_FIT, Fit, Probe, Reader
from data_layer.ingest.readers.deals import DealsReader, finish_deals
from data_layer.ingest.readers.ours import OursReader
from data_layer.ingest.readers.slack import SlackReader
from data_layer.ingest.readers.survey import SurveyReader, finish_assessments
from data_layer.ingest.readers.table import Finish
from data_layer.ingest.readers.xapi import XapiReader

READERS: tuple[Reader, ...] = (OursReader(), DealsReader(), SurveyReader(), XapiReader(), SlackReader())
AS_KEYS: tuple[str, ...] = tuple(dict.fromkeys(k for r in READERS for k in r.keys))
ALIASES = {"assessments": "survey", "surveys": "survey", "deal": "deals", "activity.json": "xapi",
           "statements": "xapi"}
FINISH: dict[str, Finish] = {"deals.csv": finish_deals, "assessments.csv": finish_assessments}
AS_HINT = "--as KIND on the command line, or \"Read as\" on the Import page"


def as_key(text: str | None) -> str | None:
    """The reading `--as` names (aliases such as `assessments` for `survey`); None when nothing was chosen."""
    if not text:
        return None
    key = ALIASES.get(text.strip().lower(), text.strip().lower())
    if key not in AS_KEYS:
        raise InvalidData([Problem("--as", f"{text!r} is not a kind of file; use one of {', '.join(AS_KEYS)}")],
                          f"--as {text}: not a kind of file; use one of {', '.join(AS_KEYS)}.")
    return key


def _previewed(reader: Reader, probe: Probe, fits: list[Fit]) -> list[Fit]:
    for fit in fits:
        fit.reader = reader
        fit.preview = reader.preview(probe, fit) if fit.score > 0 else []
    return fits


def reader_for(entity: str) -> Reader:
    """The reader that converts a table into `entity` through a mapping the person gave."""
    return READERS[1] if entity == "deals.csv" else READERS[2] if entity == "assessments.csv" else READERS[0]


def readings(probe: Probe, chosen: str | None = None) -> list[Fit]:
    """Every reader's readings of the file, best first (only the chosen kind when `chosen` is given)."""
    fits = [fit for reader in READERS for fit in _previewed(reader, probe, reader.fit(probe, chosen))]
    if chosen:
        fits = [f for f in fits if f.key == chosen or (chosen == "survey" and f.key == "assessments")]
    return sorted(fits, key=lambda f: -f.score)


def choose(probe: Probe, chosen: str | None = None) -> Fit:
    """The reading to import the file with, or a refusal naming the two or three closest readings."""
    fits = readings(probe, chosen)
    if chosen:
        if not fits or fits[0].score <= 0:
            why = fits[0].why if fits else "it is not a file of that kind"
            raise InvalidData([Problem("(file)", f"cannot be read as {chosen}: {why}", file=probe.name)],
                              f"{probe.name} cannot be read as {chosen}: {why}.")
        return fits[0]
    best = fits[0] if fits else None
    # A rival is a reading into other data: our own assessments.csv and a survey reading of it are one kind.
    rival = next((f for f in fits[1:] if best is not None and _into(f) != _into(best)), None)
    if best is not None and best.score >= GOOD_FIT and (rival is None or best.score - rival.score >= CLEAR_LEAD):
        return best
    close = [f for f in fits if f.score > 0][:3]
    if close:
        listed = "; ".join(f"{f.label}: {f.why} (--as {f.key})" for f in close)
        sentence = (f"could not tell what this file holds, so it is not read by a guess. Closest readings: {listed}. "
                    f"Choose one with {AS_HINT}")
    else:
        # Nothing fits at all: no reading is offered, since choosing one would only fail again.
        listed = "; ".join(f"{f.label}: {f.why}" for f in fits[:3])
        sentence = ("holds none of the data we import (people, cohorts, activity, deals, survey answers ...)"
                    + (f": {listed}" if listed else "")
                    + ". If it does hold one of them, name its columns with --column FIELD=COLUMN and --as KIND "
                      "(Import page: Read as, then Columns)")
    raise InvalidData([Problem("(file)", sentence, file=probe.name)], f"{probe.name} {sentence}.")


def _into(fit: Fit) -> str:
    return fit.mapping.entity if fit.mapping is not None else fit.key

