"""Each column's format decided once, from all of its values, then converted exactly or refused.

A value is never guessed one row at a time: "02/03/24" alone could be the 2nd of March or
February 3rd, so the whole column decides. When every value of the column fits two
readings that give different results, the column is refused with a sentence naming both
readings and how to choose (a `formats` entry of the mapping). A value that does not fit
the reading the rest of its column uses is a problem on its own line, never converted.

- Numbers: decimal separator and thousands grouping ("13.884,00", "13884,00",
  "$10,000.50", "1 234,5"), currency symbols or codes before or after. For money, a group
  of exactly three digits after the only separator reads as thousands, since amounts have
  at most two decimals.
- Dates and times: day first, month first or year first; years of two or four digits (two
  digits: 00-68 are 2000-2068, 69-99 are 1969-1999); times with or without seconds, AM/PM,
  a UTC offset ("Z", "+01:00", "GMT-0500"); English month names. No year before 1900.
- Ratings: the scale comes from the header ("(1-7)", "0 to 10"), from agreement labels
  ("Strongly disagree" ... "Strongly agree"), or from the values (the scale whose top is the
  highest answer); it is rescaled to 0-100, and a value outside the scale is refused.

Everything here works on distinct values (or their shapes), so a column of a million
rows costs a handful of regular-expression matches per distinct value.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from data_layer.domain.errors import LearningCultureError


class FormatError(LearningCultureError):
    """A whole column cannot be read safely; the message names it and says what to do."""

    def __init__(self, column: str, message: str) -> None:
        self.column = column
        super().__init__(message)


@dataclass
class Converted:
    """A converted column: canonical text per row ('' where blank), rows that did not fit, the format chosen."""

    values: list[str]
    bad: dict[int, str] = field(default_factory=dict)
    described: str = ""
    currency: list[str] = field(default_factory=list)


def _blank(value: str) -> bool:
    return value.strip() == ""


# ------------------------------------------------------------------------------ numbers
# (decimal separator, grouping separator or None); ' ' stands for every kind of space.
Reading = tuple[str, str | None]
NUMBER_CHOICES: dict[str, Reading] = {
    "1,234.56": (".", ","), "1.234,56": (",", "."), "1 234,56": (",", " "), "1 234.56": (".", " "),
    "1'234.56": (".", "'"), "1234.56": (".", None), "1234,56": (",", None),
}
_READINGS: tuple[Reading, ...] = tuple(NUMBER_CHOICES.values())
_SYMBOLS = {"$": "", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "R$": "BRL", "CHF": "CHF"}
_NUMBER = re.compile(
    r"^(?P<neg1>[-−])?\s*(?P<pre>US\$|R\$|[$€£¥₹]|[A-Z]{3}(?=[\s\d]))?\s*(?P<neg2>[-−])?\s*"
    r"(?P<body>\d(?:[\d.,' ]*\d)?)\s*(?P<post>[$€£¥₹]|[A-Z]{3})?$")
_SPACES = re.compile(r"[\u00a0\u202f\u2009 ]")


def _describe_reading(reading: Reading) -> str:
    return next(k for k, v in NUMBER_CHOICES.items() if v == reading)


def _shape_fits(shape: str, reading: Reading) -> int | None:
    """Decimals of `shape` (digits as 9) under `reading`, or None when it does not fit."""
    dec, grp = reading
    parts = shape.split(dec)
    if len(parts) > 2:
        return None
    whole, frac = parts[0], (parts[1] if len(parts) == 2 else None)
    if frac is not None and (frac == "" or set(frac) != {"9"}):
        return None
    if grp is not None and grp in whole:
        if not re.fullmatch(r"9{1,3}(?:" + re.escape(grp) + r"999)+", whole):
            return None
    elif whole == "" or set(whole) != {"9"}:
        return None
    return len(frac) if frac is not None else 0


def convert_numbers(column: str, values: Sequence[str], *, money: bool = False,
                    choice: str | None = None) -> Converted:
    """Numbers written in any common locale, as plain decimal text ("13884.00")."""
    if choice is not None and choice not in NUMBER_CHOICES:
        raise FormatError(column, f'Column "{column}": unknown number format "{choice}"; use one of '
                                  f'{", ".join(NUMBER_CHOICES)}.')
    parsed: dict[str, tuple[bool, str, str] | None] = {}  # value -> (negative, shape body, currency)
    for raw in set(values):
        if _blank(raw):
            continue
        text = _SPACES.sub(" ", raw.strip())
        m = _NUMBER.match(text)
        if m is None:
            parsed[raw] = None
            continue
        pre, post = m.group("pre") or "", m.group("post") or ""
        if pre and post:
            parsed[raw] = None
            continue
        mark = pre or post
        currency = _SYMBOLS.get(mark, mark)
        parsed[raw] = (bool(m.group("neg1") or m.group("neg2")), m.group("body"), currency)
    shapes = {p[1]: re.sub(r"\d", "9", p[1]) for p in parsed.values() if p is not None}
    fits: dict[Reading, dict[str, int]] = {r: {} for r in _READINGS}
    for body, shape in shapes.items():
        for r in _READINGS:
            decimals = _shape_fits(shape, r)
            if decimals is not None:
                fits[r][body] = decimals
    candidates = [NUMBER_CHOICES[choice]] if choice else list(_READINGS)
    best = max((len(fits[r]) for r in candidates), default=0)
    candidates = [r for r in candidates if len(fits[r]) == best and best > 0]
    if money and len(candidates) > 1:
        # Amounts have at most two decimals: "1,234" is one thousand two hundred and thirty-four.
        kept = [r for r in candidates if all(d <= 2 for d in fits[r].values())]
        candidates = kept or candidates

    def canonical(body: str, reading: Reading) -> str:
        dec, grp = reading
        text = body if grp is None else body.replace(grp, "")
        return text.replace(dec, ".")

    if len(candidates) > 1:
        for body in sorted(fits[candidates[0]]):
            results = {Decimal(canonical(body, r)) for r in candidates if body in fits[r]}
            if len(results) > 1:
                a, b = sorted(results)
                raise FormatError(column, (
                    f'Column "{column}": "{body}" reads as {_plain(a)} or as {_plain(b)}, and nothing else in '
                    f'the column tells which. Choose the number format ("1,234.56" or "1.234,56") in the mapping\'s '
                    f'formats (Import page: Formats; command line: --column-format "{column}=1,234.56").'))
    reading = candidates[0] if candidates else (".", None)
    out: list[str] = []
    bad: dict[int, str] = {}
    currencies: list[str] = []
    example = "1,234.56" if reading == (".", ",") else _describe_reading(reading)
    for i, raw in enumerate(values):
        if _blank(raw):
            out.append("")
            currencies.append("")
            continue
        p = parsed.get(raw)
        if p is None or p[1] not in fits[reading]:
            bad[i] = f"is not a number written like the rest of this column (such as {example})"
            out.append("")
            currencies.append("")
            continue
        negative, body, currency = p
        out.append(("-" if negative else "") + canonical(body, reading))
        currencies.append(currency)
    return Converted(out, bad, f"numbers like {example}", currencies)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


# -------------------------------------------------------------------------------- dates
DATE_CHOICES: dict[str, str] = {"DMY": "day first", "MDY": "month first", "YMD": "year first"}
_ORDER_EXAMPLE = {"DMY": "D/M/YYYY", "MDY": "M/D/YYYY", "YMD": "YYYY-MM-DD"}
_MONTHS = {name: i for i, names in enumerate([
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")], start=1) for name in names}
_TIME = (r"(?:(?:[T ]|,?\s+(?:at\s+)?)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
         r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
         r"\s*(?P<tz>Z|UTC|GMT|(?:UTC|GMT)?\s*[+-]\d{1,2}(?::?\d{2})?)?(?:\s*\([^)]*\))?")
_NUMERIC_DATE = re.compile(r"^(?P<a>\d{1,4})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})" + _TIME + "$")
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_NAMED_DATE = re.compile(
    "^" + _WEEKDAY + r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?[\s\-/.]+(?P<m1>[a-z]{3,9})\.?|(?P<m2>[a-z]{3,9})\.?[\s\-/.]+"
    r"(?P<d2>\d{1,2})(?:st|nd|rd|th)?)[,\s\-/.]+(?P<y>\d{4}|\d{2})" + _TIME + "$", re.IGNORECASE)


@dataclass(frozen=True)
class _Parts:
    a: str
    b: str
    c: str
    named: tuple[int, int, int] | None  # (year, month, day) when the month was written as a word
    time: tuple[int, int, int, int] | None  # hour, minute, second, microsecond
    offset: dt.timedelta | None
    time_error: str | None


def _year(text: str) -> int:
    y = int(text)
    if len(text) <= 2:
        return 2000 + y if y <= 68 else 1900 + y
    return y


def _split(value: str) -> _Parts | None:
    text = value.strip()
    m = _NUMERIC_DATE.match(text)
    named = None
    if m is None:
        m = _NAMED_DATE.match(text)
        if m is None:
            return None
        month = _MONTHS.get((m.group("m1") or m.group("m2") or "").lower())
        if month is None:
            return None
        named = (_year(m.group("y")), month, int(m.group("d1") or m.group("d2")))
    time = None
    time_error = None
    if m.group("h") is not None:
        h, mi, s = int(m.group("h")), int(m.group("mi")), int(m.group("s") or 0)
        frac = (m.group("f") or "")[:6].ljust(6, "0")
        ampm = (m.group("ampm") or "").replace(".", "").lower()
        if ampm:
            if not 1 <= h <= 12:
                time_error = f"has the hour {h} with {ampm.upper()}"
            h = (0 if h == 12 else h) + (12 if ampm == "pm" else 0)
        if h > 23 or mi > 59 or s > 59:
            time_error = time_error or "has a time that does not exist"
        time = (h, mi, s, int(frac))
    offset = None
    tz = (m.group("tz") or "").replace(" ", "").upper()
    if tz:
        found = re.search(r"([+-])(\d{1,2}):?(\d{2})?$", tz)
        if found:
            minutes = int(found.group(2)) * 60 + int(found.group(3) or 0)
            offset = dt.timedelta(minutes=minutes if found.group(1) == "+" else -minutes)
        else:
            offset = dt.timedelta(0)
    if named:
        return _Parts("", "", "", named, time, offset, time_error)
    return _Parts(m.group("a"), m.group("b"), m.group("c"), None, time, offset, time_error)


def _ymd(parts: _Parts, order: str) -> tuple[int, int, int] | None:
    """(year, month, day) of `parts` read in `order`, or None when that reading does not fit."""
    if parts.named:
        return parts.named
    a, b, c = parts.a, parts.b, parts.c
    if order == "YMD":
        if len(a) != 4 or len(c) > 2:
            return None
        return int(a), int(b), int(c)
    if len(a) > 2 or len(c) not in (2, 4):
        return None
    if order == "DMY":
        return _year(c), int(b), int(a)
    return _year(c), int(a), int(b)


def _valid(ymd: tuple[int, int, int] | None) -> dt.date | None:
    if ymd is None:
        return None
    try:
        return dt.date(*ymd)
    except ValueError:
        return None


def date_order_shown(values: Sequence[str]) -> str | None:
    """DMY or MDY when the values with the year last can only be read one way; None when they do not say."""
    year_last = [p for p in (_split(v) for v in set(values) if not _blank(v))
                 if p is not None and p.named is None and len(p.a) != 4]
    fits = [o for o in ("DMY", "MDY") if year_last and all(_valid(_ymd(p, o)) for p in year_last)]
    return fits[0] if len(fits) == 1 else None


def convert_dates(column: str, values: Sequence[str], *, with_time: bool = False,
                  choice: str | None = None) -> Converted:
    """Dates (or timestamps, `with_time`) in any common order, as ISO text; UTC for timestamps."""
    if choice is not None and choice not in DATE_CHOICES:
        raise FormatError(column, f'Column "{column}": unknown date order "{choice}"; use DMY, MDY or YMD.')
    parts = {raw: _split(raw) for raw in set(values) if not _blank(raw)}
    # A value with a four-digit year first is read year first whatever the column does; the column
    # decides only between day first and month first, from its values with the year last.
    year_last = {raw: p for raw, p in parts.items() if p is not None and p.named is None and len(p.a) != 4}
    orders = [choice] if choice else ["DMY", "MDY"]
    fit = {o: sum(1 for p in year_last.values() if _valid(_ymd(p, o)) is not None) for o in orders}
    best = max(fit.values(), default=0)
    candidates = [o for o in orders if fit[o] == best]
    if len(candidates) > 1 and year_last:
        for raw, p in sorted(year_last.items()):
            readings = {o: _valid(_ymd(p, o)) for o in candidates}
            found = [(o, d) for o, d in readings.items() if d is not None]
            if len({d for _o, d in found}) > 1:
                (o1, d1), (o2, d2) = found[:2]
                raise FormatError(column, (
                    f'Column "{column}": dates such as "{raw.strip()}" fit two readings, {DATE_CHOICES[o1]} '
                    f'({d1.day} {d1:%B %Y}) and {DATE_CHOICES[o2]} ({d2.day} {d2:%B %Y}), and no value in the '
                    f'column tells which. Choose the date order in the mapping\'s formats (Import page: Formats; '
                    f'command line: --date-order {o1} or --date-order {o2}).'))
    order = candidates[0] if candidates and year_last else (choice or "YMD")
    out: list[str] = []
    bad: dict[int, str] = {}
    cache: dict[str, tuple[str, str | None]] = {}
    for raw, parsed in parts.items():
        year_first = parsed is not None and parsed.named is None and len(parsed.a) == 4
        cache[raw] = _render(parsed, "YMD" if year_first else order, with_time)
    for i, raw in enumerate(values):
        if _blank(raw):
            out.append("")
            continue
        text, problem = cache[raw]
        if problem:
            bad[i] = problem
            out.append("")
        else:
            out.append(text)
    kind = "date and time" if with_time else "date"
    return Converted(out, bad, f"{kind}, {DATE_CHOICES[order]} ({_ORDER_EXAMPLE[order]})")


def _render(p: _Parts | None, order: str, with_time: bool) -> tuple[str, str | None]:
    if p is None:
        return "", "is not a date in a format we can read (for example 2026-03-01 or 3/1/2026)"
    ymd = _ymd(p, order)
    day = _valid(ymd)
    if day is None:
        if ymd is not None and ymd[0] < 1900:
            return "", f"has the year {ymd[0]:04d}, before 1900"
        return "", f"is not a date written like the rest of this column ({_ORDER_EXAMPLE[order]})"
    if day.year < 1900:
        return "", f"has the year {day.year:04d}, before 1900"
    if p.time_error:
        return "", p.time_error
    if not with_time:
        return day.isoformat(), None
    h, mi, s, us = p.time or (0, 0, 0, 0)
    moment = dt.datetime(day.year, day.month, day.day, h, mi, s, us)
    if p.offset:
        moment -= p.offset  # to UTC; times without an offset are UTC already
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{moment.microsecond:06d}" if moment.microsecond else "") + "Z"
    return text, None


# ------------------------------------------------------------------------------ ratings
SCALE_CHOICES: dict[str, tuple[float, float]] = {
    "1-5": (1, 5), "1-7": (1, 7), "0-10": (0, 10), "1-10": (1, 10), "0-100": (0, 100),
    "agree-5": (1, 5), "agree-7": (1, 7),
}
AGREE_5 = {"strongly disagree": 1, "disagree": 2, "neither agree nor disagree": 3, "neutral": 3, "agree": 4,
           "strongly agree": 5}
AGREE_7 = {"strongly disagree": 1, "disagree": 2, "somewhat disagree": 3, "neither agree nor disagree": 4,
           "neutral": 4, "somewhat agree": 5, "agree": 6, "strongly agree": 7}
_HEADER_SCALE = re.compile(r"(?<![\d.])(0|1)\s*(?:-|–|—|to)\s*(5|7|10|100)(?![\d.])")


def _label(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"^\s*\d+\s*[-=:.)]\s*", "", plain)  # "5 - Strongly agree" -> "strongly agree"
    return re.sub(r"\s+", " ", plain).strip(" .")


def scale_from_header(header: str) -> tuple[float, float] | None:
    """The scale a question's header states ("(1-7)", "0 to 10"), if any."""
    m = _HEADER_SCALE.search(header)
    return (float(m.group(1)), float(m.group(2))) if m else None


def convert_ratings(column: str, values: Sequence[str], *, header: str | None = None,
                    choice: str | None = None) -> Converted:
    """Answers on a rating scale rescaled to 0-100 (the scale's bottom is 0, its top 100)."""
    if choice is not None and choice not in SCALE_CHOICES:
        raise FormatError(column, f'Column "{column}": unknown scale "{choice}"; use one of {", ".join(SCALE_CHOICES)}.')
    distinct = {raw.strip() for raw in values if not _blank(raw)}
    numbers: dict[str, float] = {}
    labels: dict[str, str] = {}
    for raw in distinct:
        try:
            number = float(Decimal(raw.replace(",", ".")))
        except (InvalidOperation, ValueError):
            labels[raw] = _label(raw)
            continue
        numbers[raw] = number
    how = ""
    scale: tuple[float, float] | None = None
    label_values: dict[str, int] = {}
    if labels:
        named = set(labels.values())
        unknown = sorted(v for v in named if v not in AGREE_7 and v not in AGREE_5)
        if unknown and not numbers:
            raise FormatError(column, (
                f'Column "{column}": answers such as "{unknown[0]}" are not numbers or agreement labels '
                f'(Strongly disagree ... Strongly agree); map another column or leave this one out.'))
        seven = choice == "agree-7" or any(v.startswith("somewhat") for v in named) or \
            (scale_from_header(header or "") or (0, 0))[1] == 7
        if choice == "agree-5" or (choice is None and not seven and set(AGREE_5.values()) <=
                                   {AGREE_5[v] for v in named if v in AGREE_5}):
            label_values, scale, how = AGREE_5, (1, 5), "agreement labels on a 5-point scale"
        elif seven:
            label_values, scale, how = AGREE_7, (1, 7), "agreement labels on a 7-point scale"
        else:
            raise FormatError(column, (
                f'Column "{column}": its agreement labels do not show whether the scale has 5 or 7 points. '
                f'Choose the scale in the mapping\'s formats (Import page: Formats; command line: '
                f'--column-format "{column}=agree-5" or "{column}=agree-7").'))
    elif choice:
        scale, how = SCALE_CHOICES[choice], f"a {choice} scale"
    elif header and scale_from_header(header):
        scale = scale_from_header(header)
        how = f"a {int(scale[0])}-{int(scale[1])} scale (from the header)" if scale else ""
    elif numbers:
        low, high = min(numbers.values()), max(numbers.values())
        if high in (5, 7) and low >= 1:
            scale = (1, high)
        elif high == 10 and low == 0:
            scale = (0, 10)
        if scale is None:
            raise FormatError(column, (
                f'Column "{column}": the answers run from {_num(low)} to {_num(high)} and the scale is not stated, '
                f'so they cannot be put on 0-100 without a guess. Say the scale in the mapping\'s formats (Import '
                f'page: Formats; command line: --column-format "{column}=1-5", 1-7, 0-10 or 1-10).'))
        how = f"a {int(scale[0])}-{int(scale[1])} scale (from the answers)"
    lo, hi = scale or (0.0, 100.0)
    out: list[str] = []
    bad: dict[int, str] = {}
    for i, raw in enumerate(values):
        text = raw.strip()
        if not text:
            out.append("")
            continue
        if text in numbers:
            number = numbers[text]
        elif text in labels and labels[text] in label_values:
            number = float(label_values[labels[text]])
        else:
            bad[i] = "is not an answer on this column's scale"
            out.append("")
            continue
        if not lo <= number <= hi:
            bad[i] = f"is outside the scale {_num(lo)}-{_num(hi)}"
            out.append("")
            continue
        out.append(repr((number - lo) / (hi - lo) * 100))
    return Converted(out, bad, how)


def _num(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)
