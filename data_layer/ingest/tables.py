"""A delimited or Excel file as found: its encoding, delimiter and header rows, as text cells.

Nothing is converted here: every cell stays the text the file holds (blank as ''), and
each row keeps the line of the file it came from, so problems point at the person's own
file. Survey tools that write extra header rows (Qualtrics: question texts and ImportId
rows; SurveyMonkey: a row of answer labels) are recognised and those rows set aside.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
import pandas as pd

from data_layer.domain.errors import InvalidData, Problem

# Control characters other than tab, line feed and carriage return (models.CONTROL, repeated here to
# keep this module free of pydantic).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


@dataclass
class Table:
    """A file's rows as text, the source line of each row, and what was learnt reading it."""

    name: str
    frame: pd.DataFrame
    lines: list[int]
    delimiter: str = ","
    notes: list[str] = field(default_factory=list)
    tool_rows: str | None = None  # "qualtrics" | "qualtrics_legacy" | "surveymonkey" when their header rows were read
    header_text: dict[str, str] = field(default_factory=dict)  # column -> question text from an extra header row

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]


def _refuse(name: str, message: str, line: int | None = None) -> InvalidData:
    return InvalidData([Problem("(file)", message, file=name, line=line)], f"{name} {message}.")


# The single-byte encodings spreadsheet programs write for Western languages ("CSV" in Excel on Windows).
_WESTERN = ("cp1252", "latin_1")
# What UTF-8 text looks like after being decoded as Windows-1252 once (é as "Ã©", ’ as "â€™").
MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf\u2018-\u203a\u20ac\u0152\u0153\u0160\u0161\u0178"
                      "\u017d\u017e\u0192\u02c6\u02dc\u2122]|\u00e2\u20ac")
# Western text read as Windows-1252 holds a few accented letters among plain ones; another alphabet read so
# shows runs of them ("Èâàí" for Cyrillic, "Ìá½»" for Chinese) or control codes 0x80-0x9F.
_ALIEN_WORD = re.compile(r"[\u00a1-\u00ff]{3,}|[\u0080-\u009f]")
SAVE_AS = 'save it as UTF-8 CSV (Excel: "CSV UTF-8"; any UTF-8 export works)'


def decode_noted(name: str, data: bytes) -> tuple[str, str | None]:
    """The file's text and, when it was not UTF-8, a note naming the encoding read.

    UTF-8 (with or without BOM) and UTF-16 (with a BOM, or detected) are read as they are;
    another encoding is detected by charset-normalizer and read only when it is Windows-1252
    or Latin-1. Text that was already mis-decoded once (mojibake such as "Ã©") is refused:
    storing it would store the wrong letters.
    """
    note = None
    wide = None if data.startswith((b"\xff\xfe", b"\xfe\xff")) else _utf16_without_bom(data)
    if wide is not None:
        try:
            text, note = data.decode(wide), f"{name}: read as UTF-16 text (no byte-order mark)."
        except UnicodeDecodeError:
            raise _refuse(name, f"is not valid UTF-16 text; {SAVE_AS}") from None
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _refuse(name, f"is not valid UTF-16 text; {SAVE_AS}") from None
        note = f"{name}: read as UTF-16 text."
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text, note = _detected(name, data, data[: exc.start].count(b"\n") + 1)
    bad = MOJIBAKE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise _refuse(name, f'holds "{text[bad.start():bad.start() + 2]}" where a letter such as "é" belongs: the '
                            f"text was converted with the wrong encoding before it reached us. Export it again from "
                            f"the tool and {SAVE_AS}", line)
    return text, note


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when every other byte of the start is NUL (UTF-16 text of Latin letters)."""
    head = data[:4096]
    if len(head) < 4:
        return None
    odd, even = head[1::2], head[0::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _detected(name: str, data: bytes, line: int) -> tuple[str, str]:
    # charset-normalizer weighs the Western code pages against the bytes; anything else (Cyrillic, Chinese ...) is
    # refused rather than read as the wrong letters.
    best = charset_normalizer.from_bytes(data, cp_isolation=list(_WESTERN)).best()
    if best is not None and best.chaos < 0.2:
        try:
            text, label = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:  # bytes Windows-1252 leaves undefined: Latin-1 has them all
            text, label = data.decode("latin_1"), "Latin-1 (ISO-8859-1)"
        letters = sum(c.isalpha() for c in text)
        accented = sum(1 for c in text if "\u00a1" <= c <= "\u00ff")
        if not _ALIEN_WORD.search(text) and accented <= 0.2 * max(letters, 1):
            return text, (f"{name}: not UTF-8; read as {label} (detected by charset-normalizer). If letters look "
                          f"wrong, {SAVE_AS} and import it again.")
    raise _refuse(name, f"is not UTF-8 text, nor Windows-1252 or UTF-16; {SAVE_AS}", line)


def decode(name: str, data: bytes) -> str:
    """The file's text (see `decode_noted`)."""
    return decode_noted(name, data)[0]


def sniff_delimiter(text: str) -> str:
    """The delimiter whose cell counts are most consistent over the first lines (comma when unsure)."""
    sample = "\n".join(text.splitlines()[:50])
    best, best_score = ",", (-1.0, 0)
    for delim in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delim) if r]
        except csv.Error:
            continue
        if not rows:
            continue
        counts = Counter(len(r) for r in rows)
        width, seen = counts.most_common(1)[0]
        if width < 2:
            continue
        score = (seen / len(rows), width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _unique(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: Counter[str] = Counter()
    for i, raw in enumerate(names, start=1):
        name = raw.strip() or f"(column {i})"
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


_IMPORT_ID = re.compile(r'^\{\s*"ImportId"\s*:')


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _header_rows(rows: list[list[str]]) -> tuple[int, list[str], str | None, dict[str, str], int]:
    """(index of the header row, names, tool, question texts, rows to skip after the header)."""
    first = {_norm(c) for c in rows[0]} if rows else set()
    if len(rows) >= 2 and {"v1", "v2"} <= first and "responseid" in {_norm(c) for c in rows[1]}:
        return 1, rows[1], "qualtrics_legacy", {}, 0  # legacy Qualtrics: V1, V2 ... then the real names
    if {"startdate", "enddate"} <= first and ("responseid" in first or "status" in first):
        skip = 0
        texts: dict[str, str] = {}
        for extra in rows[1:3]:
            if extra and all(_IMPORT_ID.match(c) or not c.strip() for c in extra):
                skip += 1
            elif extra and skip == 0 and not any(re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", c) for c in extra):
                texts = {rows[0][i]: c for i, c in enumerate(extra) if i < len(rows[0])}
                skip += 1
        return 0, rows[0], "qualtrics" if skip else None, texts, skip
    if {"respondentid", "collectorid"} <= first and len(rows) >= 2:
        # SurveyMonkey: a second header row labels each answer column ("Response", an option, ...).
        names, last = [], ""
        for i, top in enumerate(rows[0]):
            sub = rows[1][i].strip() if i < len(rows[1]) else ""
            last = top.strip() or last
            if top.strip() and sub in ("", "Response", "Open-Ended Response"):
                names.append(top.strip())
            else:
                names.append(f"{last} - {sub}" if sub else last)
        return 0, names, "surveymonkey", {}, 1
    return 0, rows[0] if rows else [], None, {}, 0


def _without_footer(rows: list[list[str]], starts: list[int]) -> tuple[list[list[str]], list[int], list[int]]:
    """Rows without a report's closing notes, and the lines of those notes.

    Salesforce and other report exports end with a blank line and a few one-cell lines
    ("Copyright (c) ... salesforce.com", "Confidential Information", "Generated By: ...").
    Only such a block, after a blank line at the end of the file, is set aside.
    """
    if len(rows) < 3:
        return rows, starts, []
    width = max((len(r) for r in rows[:50]), default=0)
    end = len(rows)
    while end > 0 and not any(c.strip() for c in rows[end - 1]):
        end -= 1
    at = end
    while at > 0 and sum(1 for c in rows[at - 1] if c.strip()) == 1 and len(rows[at - 1]) < width:
        at -= 1
    if at == end or at == 0 or any(c.strip() for c in rows[at - 1]):
        return rows, starts, []  # no notes block, or it does not follow a blank line
    return rows[:at], starts[:at], starts[at:end]


def read_delimited(name: str, data: bytes, skip_rows: int = 0) -> Table:
    """A CSV (comma, semicolon, tab or bar separated, sniffed) as text cells with their source lines.

    `skip_rows` lines above the header (a report title, export notes) are set aside when asked.
    """
    text, encoding_note = decode_noted(name, data)
    if not text.strip():
        raise _refuse(name, "is empty; it needs a header row")
    hidden = CONTROL.search(text)
    if hidden:
        raise _refuse(name, "contains a control character (such as NUL) that text never holds; remove it",
                      text.count("\n", 0, hidden.start()) + 1)
    delim = sniff_delimiter(text)
    rows: list[list[str]] = []
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    previous = 0
    try:
        for row in reader:
            starts.append(previous + 1)
            previous = reader.line_num
            rows.append(row)
    except csv.Error:
        raise _refuse(name, "has a quoted cell that is not closed, or text after its closing quote", previous + 1) \
            from None
    rows, starts, footer = _without_footer(rows, starts)
    keep = [(r, s) for r, s in zip(rows, starts, strict=True) if any(c.strip() for c in r)]
    if not keep:
        raise _refuse(name, "is empty; it needs a header row")
    rows, starts = [r for r, _s in keep], [s for _r, s in keep]
    if skip_rows:
        rows, starts = rows[skip_rows:], starts[skip_rows:]
        if not rows:
            raise _refuse(name, f"has nothing left after setting aside {skip_rows} line(s) above the header")
    at, header, tool, texts, skip = _header_rows(rows)
    named = [h for h in header if h.strip()]
    if tool is None and len(named) * 2 < len(header):
        # Most of the "header" is blank: a report title or export notes sit above the real header.
        later = next((i for i, r in enumerate(rows[1:10], start=1) if r and all(c.strip() for c in r)
                      and len(r) > len(named)), None)
        hint = (f"; line {starts[later]} looks like the header, so set aside the {later} line(s) above it "
                f"(Import page: Lines above the header; command line: --skip-rows {later + skip_rows})"
                if later else "; delete the lines above the header")
        raise _refuse(name, f"does not start with a header row ({len(header) - len(named)} of its {len(header)} "
                            f"column names are empty){hint}", starts[0])
    names = _unique(header)
    body = rows[at + 1 + skip:]
    lines = starts[at + 1 + skip:]
    problems = []
    width = len(names)
    for row, line in zip(body, lines, strict=True):
        if len(row) != width and not (len(row) > width and not any(c.strip() for c in row[width:])):
            problems.append(Problem("(row)", f"has {len(row)} cells but the header has {width} columns", file=name,
                                    line=line))
    if problems:
        raise InvalidData(problems[:1000], f"{name}: {len(problems)} row(s) have a different number of cells than "
                                           "the header; check the quotes and the separator.")
    frame = pd.DataFrame([(r + [""] * width)[:width] for r in body], columns=names, dtype=str)
    notes = [encoding_note] if encoding_note else []
    if footer:
        notes.append(f"{name}: set aside {len(footer)} line(s) of report notes after the data (from line "
                     f"{footer[0]}).")
    if delim != ",":
        notes.append(f"{name}: read as {DELIMITERS[delim]}-separated.")
    if tool in ("qualtrics", "surveymonkey") and skip:
        notes.append(f"{name}: set aside {skip} extra header row(s) written by "
                     f"{'Qualtrics' if tool == 'qualtrics' else 'SurveyMonkey'}.")
    if tool == "qualtrics_legacy":
        notes.append(f"{name}: read the second row as the header (legacy Qualtrics export).")
    blank_names = [n for n, raw in zip(names, header, strict=False) if not raw.strip()]
    empty_named = [n for n in blank_names if not frame[n].str.strip().any()]
    if empty_named:
        frame = frame.drop(columns=empty_named)
    return Table(name, frame, lines, delim, notes, tool, texts)


def read_excel(name: str, path: Path) -> Table:
    """The first sheet of an XLSX workbook as text cells (row 1 is the header)."""
    try:
        frame = pd.read_excel(path, dtype=str, engine="openpyxl")
    except Exception as exc:
        raise _refuse(name, f"is not a readable Excel workbook ({type(exc).__name__})") from None
    frame = frame.fillna("")
    frame.columns = _unique([str(c) if not str(c).startswith("Unnamed:") else "" for c in frame.columns])
    return Table(name, frame.astype(str), [i + 2 for i in range(len(frame))])


def read_any(name: str, path: Path) -> Table:
    """A CSV or XLSX source file."""
    if name.lower().endswith(".xlsx"):
        return read_excel(name, path)
    return read_delimited(name, path.read_bytes())
