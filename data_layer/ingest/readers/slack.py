"""Slack workspace exports (the zip an admin downloads): one reader.

Each channel matched to a cohort's channel; messages become `posted` events of their
sender, thread replies `replied`; chosen reactions mark wins and frustrations. Senders who
match no one are listed once and left out; system and bot messages are skipped and counted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData, Problem
from data_layer.ingest.bounded import BoundedZip, load_json
from data_layer.ingest.people import PeopleIndex, Stranger
from data_layer.ingest.readers.base import Context, Converted, Fit, Probe

KEY = "slack"
LABEL = "a Slack workspace export (activity)"


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_SYSTEM = {"channel_join": "joins and leaves", "channel_leave": "joins and leaves", "group_join": "joins and leaves",
           "group_leave": "joins and leaves", "bot_message": "bot messages", "tombstone": "deleted messages",
           "message_deleted": "deleted messages", "channel_topic": "channel changes",
           "channel_purpose": "channel changes", "channel_name": "channel changes", "channel_archive": "channel changes",
           "channel_unarchive": "channel changes", "pinned_item": "channel changes", "unpinned_item": "channel changes",
           "reminder_add": "channel changes", "huddle_thread": "channel changes"}
_KEEP = {"", "thread_broadcast", "file_share", "me_message"}
_ONE = {"joins and leaves": "join or leave", "bot messages": "bot message", "deleted messages": "deleted message",
        "channel changes": "channel change", "other system messages": "other system message"}


def _slack_time(ts: str) -> dt.datetime | None:
    """A Slack `ts` ("1736554819.539739") as UTC, to the microsecond (a float would lose the last digit)."""
    m = re.fullmatch(r"(\d{1,11})(?:\.(\d{1,6})\d*)?", ts.strip())
    if m is None:
        return None
    micro = int((m.group(2) or "").ljust(6, "0"))
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(m.group(1)), microseconds=micro)


@dataclass
class SlackResult:
    """The activity rows made from a Slack export, and what was left out and why."""

    activity: pd.DataFrame
    unknown_senders: list[str]
    channels_without_cohort: list[str]
    strangers: dict[str, Stranger] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    outside_dates: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def slack_to_activity(store: Store, data: bytes, win: str = "trophy", frustration: str = "warning",
                      extra_people: dict[str, str] | None = None, index: PeopleIndex | None = None,
                      filename: str = "export.zip") -> SlackResult:
    """A Slack workspace export (zip): messages in cohort channels become activity events."""
    archive = BoundedZip(filename, data)
    names = archive.names
    index = index or PeopleIndex.load(store, [(p, e, "") for e, p in (extra_people or {}).items()])

    def load(name: str, required: bool = True) -> list[Any]:
        if name not in names:
            if not required:
                return []
            raise InvalidData([Problem("(file)", f"has no {name}; it is not a Slack workspace export", file=filename)],
                              f"The Slack export has no {name}.")
        try:
            value = load_json(f"{filename}: {name}", archive.read(name))
        except InvalidData as exc:
            raise InvalidData([Problem("(file)", f"{name}: {exc.problems[0].message}", file=filename)],
                              f"The Slack export's {name} cannot be read: it {exc.problems[0].message}.") from None
        if not isinstance(value, list):
            raise InvalidData([Problem("(file)", f"{name} must hold a JSON list", file=filename)],
                              f"The Slack export's {name} must hold a JSON list.")
        return value

    users: dict[str, dict[str, Any]] = {}
    for u in load("users.json"):
        if isinstance(u, dict) and u.get("id"):
            profile = _d(u.get("profile"))
            users[str(u["id"])] = {
                "email": str(profile.get("email") or "").strip().lower(),
                "display": str(profile.get("display_name") or u.get("real_name") or profile.get("real_name")
                               or u.get("name") or u["id"]).strip(),
                "real": str(u.get("real_name") or profile.get("real_name") or "").strip(),
                "bot": bool(u.get("is_bot")) or str(u["id"]) == "USLACKBOT"}
    channels: dict[str, str] = {}
    for c in load("channels.json") + load("groups.json", required=False):
        if isinstance(c, dict) and c.get("name"):
            channels[str(c["name"])] = str(c.get("id") or "")
    cohort_rows = store.query("SELECT cohort_id, channel, start_date, end_date FROM cohorts")
    by_channel: dict[str, tuple[str, Any, Any]] = {}
    for cid, ch, start, end in cohort_rows:
        if ch:
            by_channel[str(ch).lstrip("#").lower()] = (str(cid), start, end)
    result = SlackResult(pd.DataFrame(), [], [])
    rows: list[dict[str, str]] = []
    win, frustration = win.strip(":"), frustration.strip(":")
    for channel, channel_id in channels.items():
        hit = by_channel.get(channel.lower()) or by_channel.get(channel_id.lower())
        if hit is None:
            result.channels_without_cohort.append(channel)
            continue
        cohort, start, end = hit
        for name in sorted(n for n in names if n.startswith(f"{channel}/") and n.endswith(".json")):
            for msg in load(name):
                if not isinstance(msg, dict):
                    result.problems.append(Problem("(message)", "is not a JSON object", file=f"{filename}: {name}"))
                    continue
                subtype = str(msg.get("subtype") or "")
                uid = str(msg.get("user") or "")
                if subtype not in _KEEP or msg.get("hidden"):
                    result.skipped[_SYSTEM.get(subtype, "other system messages")] += 1
                    continue
                if msg.get("bot_id") or users.get(uid, {}).get("bot"):
                    result.skipped["bot messages"] += 1
                    continue
                ts = str(msg.get("ts") or "")
                when = _slack_time(ts)
                if when is None:
                    result.problems.append(Problem("ts", "is not a Slack timestamp (seconds since 1970)",
                                                   file=f"{filename}: {name}", value=ts[:40]))
                    continue
                user = users.get(uid, {"email": "", "display": uid or "unknown", "real": ""})
                person = ""
                for cand in (uid, user["email"], user["display"], user["real"]):
                    pid, _many = index.match(cand) if cand else (None, [])
                    if pid:
                        person = pid
                        break
                if not person:
                    key = user["email"] or uid or "unknown"
                    who = result.strangers.setdefault(key, Stranger(key, display=user["display"]))
                    who.rows += 1
                    continue
                day = when.date()
                if (start is not None and day < start) or (end is not None and day > end):
                    result.outside_dates[channel] = result.outside_dates.get(channel, 0) + 1
                is_reply = msg.get("thread_ts") and msg.get("thread_ts") != ts
                base = f"slack-{channel}-{ts}"
                stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                words = str(msg.get("text") or "")
                rows.append({"event_id": base, "occurred_at": stamp, "person_id": person,
                             "verb": "replied" if is_reply else "posted", "object": "", "cohort_id": cohort,
                             "source": "slack", "text": words})
                reactions = msg.get("reactions")
                names_ = {str(_d(r).get("name")) for r in reactions} if isinstance(reactions, list) else set()
                for reaction, verb in ((win, "shared_win"), (frustration, "shared_frustration")):
                    if reaction in names_:
                        rows.append({"event_id": f"{base}-{verb}", "occurred_at": stamp, "person_id": person,
                                     "verb": verb, "object": "", "cohort_id": cohort, "source": "slack",
                                     "text": words})
    result.activity = pd.DataFrame(rows, columns=["event_id", "occurred_at", "person_id", "verb", "object",
                                                  "cohort_id", "source", "text"])
    result.unknown_senders = sorted(result.strangers)
    result.channels_without_cohort.sort()
    return result



class SlackReader:
    """A zip: a Slack workspace export (users.json, channels.json, a folder of messages per channel)."""

    keys: tuple[str, ...] = (KEY,)

    def fit(self, probe: Probe, as_key: str | None = None) -> list[Fit]:
        if probe.suffix != "zip":
            return []
        # The only reader of zips: one that is no Slack export is refused by the conversion, naming what it lacks.
        return [Fit(KEY, LABEL, 0.95, "a zip file")]

    def preview(self, probe: Probe, fit: Fit) -> list[str]:
        """What the file is read as."""
        return ["messages in cohort channels become posted and replied events"]

    def convert(self, ctx: Context, probe: Probe, fit: Fit) -> Converted:
        """Messages of cohort channels as activity rows; senders not matched, skipped messages said in notes."""
        res = slack_to_activity(ctx.store, probe.data, ctx.win, ctx.frustration, index=ctx.index,
                                filename=probe.name)
        notes = []
        if res.strangers:
            listed = "; ".join(f"{_who(s)} ({s.rows:,} message{'s' if s.rows != 1 else ''})"
                               for s in sorted(res.strangers.values(), key=lambda s: -s.rows)[:30])
            notes.append(f"{len(res.strangers)} sender(s) are not known people and their messages were left out: "
                         f"{listed}. Match them in the mapping's people, or import them as people and import again.")
        for what, n in sorted(res.skipped.items()):
            notes.append(f"skipped {n:,} {what if n != 1 else _ONE.get(what, what)}.")
        for channel, n in sorted(res.outside_dates.items()):
            notes.append(f"{n:,} message(s) in #{channel} fall outside the cohort's dates.")
        if res.channels_without_cohort:
            notes.append(f"channels that are no cohort's channel were skipped: "
                         f"{', '.join(res.channels_without_cohort[:20])}")
        return Converted("activity.csv", res.activity, {}, None, res.problems, [], notes)


def _who(s: Stranger) -> str:
    """How to name a stranger in a sentence: their display name and, when known, their email."""
    if s.display and s.email and s.display.lower() != s.email:
        return f"{s.display} <{s.email}>"
    return s.display or s.value
