"""Each column's format decided from all of its values: numbers, dates and rating scales, or a refusal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_layer.ingest.formats import FormatError, convert_dates, convert_numbers, convert_ratings


# ------------------------------------------------------------------------------ numbers
@pytest.mark.parametrize(("values", "expected"), [
    (["13884,00", "12,5"], ["13884.00", "12.5"]),                 # decimal comma, no grouping
    (["13.884,00", "1.000,50"], ["13884.00", "1000.50"]),         # European grouping
    (["$10,000.50", "$5"], ["10000.50", "5"]),                    # US with a currency sign
    (["1 234,5", "99"], ["1234.5", "99"]),                        # a space between thousands
    (["1,234", "5,000"], ["1234", "5000"]),                       # money has at most 2 decimals
    (["500000.0", "", "20000.0"], ["500000.0", "", "20000.0"]),   # a Salesforce export, one blank
    (["EUR 1.234,56", "12"], ["1234.56", "12"]),
])
def test_amounts_in_any_locale_are_read_exactly(values: list[str], expected: list[str]) -> None:
    assert convert_numbers("Amount", values, money=True).values == expected


def test_a_currency_written_with_the_amount_is_kept() -> None:
    done = convert_numbers("Amount", ["EUR 1.234,56", "£12", "7"], money=True)
    assert done.currency == ["EUR", "GBP", ""]


def test_decimal_comma_is_never_dropped() -> None:
    # The first version turned "13884,00" into 1,388,400 when a preset was used.
    assert Decimal(convert_numbers("Amount", ["13884,00"], money=True).values[0]) == Decimal("13884")


def test_a_number_column_that_fits_two_readings_is_refused_with_both() -> None:
    with pytest.raises(FormatError) as caught:
        convert_numbers("Score", ["1,234", "5,000"])
    text = str(caught.value)
    assert '"Score"' in text and "1.234 or as 1234" in text and "--column-format" in text


def test_the_chosen_number_format_settles_it() -> None:
    assert convert_numbers("Score", ["1,234", "5,000"], choice="1.234,56").values == ["1.234", "5.000"]


def test_a_value_unlike_the_rest_of_its_column_is_a_row_problem() -> None:
    done = convert_numbers("Amount", ["1.234,56", "banana", "12"], money=True)
    assert done.values == ["1234.56", "", "12"]
    assert list(done.bad) == [1] and "not a number" in done.bad[1]


# -------------------------------------------------------------------------------- dates
@pytest.mark.parametrize(("values", "expected"), [
    (["17-7-2018", "1-2-2018"], ["2018-07-17", "2018-02-01"]),           # day first: 17 > 12
    (["3/15/2026", "3/1/2026"], ["2026-03-15", "2026-03-01"]),           # month first: 15 > 12
    (["17.07.2018", "01.02.2018"], ["2018-07-17", "2018-02-01"]),        # German dots
    (["2006-06-15T20:47:07.000Z", "2005-11-09"], ["2006-06-15", "2005-11-09"]),
    (["3/13/20 23:44", "3/11/20 9:05"], ["2020-03-13", "2020-03-11"]),   # two-digit year, month first
    (["Mar 3, 2024", "3 March 2024"], ["2024-03-03", "2024-03-03"]),
])
def test_dates_are_read_in_the_order_their_column_shows(values: list[str], expected: list[str]) -> None:
    assert convert_dates("Close Date", values).values == expected


def test_times_with_or_without_seconds_offsets_and_am_pm_become_utc() -> None:
    done = convert_dates("Timestamp", ["2021/09/14 1:16:22 PM GMT+2", "3/13/2020 23:44",
                                       "Mon Sep 08 2025 13:58:23 GMT-0500 (Central Daylight Time)",
                                       "2015-06-10T15:31:41+01:00"], with_time=True)
    assert done.values == ["2021-09-14T11:16:22Z", "2020-03-13T23:44:00Z", "2025-09-08T18:58:23Z",
                           "2015-06-10T14:31:41Z"]


def test_two_digit_years_are_never_read_year_first() -> None:
    # "3/11/20 23:44" became the year 0003 in the first version.
    done = convert_dates("Created", ["3/11/20 23:44", "3/13/20 1:00"], with_time=True)
    assert done.values[0] == "2020-03-11T23:44:00Z"


def test_an_ambiguous_date_column_is_refused_naming_both_readings() -> None:
    with pytest.raises(FormatError) as caught:
        convert_dates("Close Date", ["02/03/24", "05/06/24"])
    text = str(caught.value)
    assert '"Close Date"' in text and "2 March 2024" in text and "3 February 2024" in text
    assert "--date-order DMY" in text and "--date-order MDY" in text


def test_the_chosen_date_order_settles_it() -> None:
    assert convert_dates("Close Date", ["02/03/24"], choice="DMY").values == ["2024-03-02"]
    assert convert_dates("Close Date", ["02/03/24"], choice="MDY").values == ["2024-02-03"]


def test_a_year_before_1900_is_never_accepted() -> None:
    done = convert_dates("Date", ["0003-11-20", "1899-12-31", "1900-01-01"])
    assert done.values == ["", "", "1900-01-01"]
    assert "before 1900" in done.bad[0] and "before 1900" in done.bad[1]


def test_a_day_that_does_not_exist_is_a_row_problem() -> None:
    done = convert_dates("Date", ["2/30/2024", "3/15/2024"])
    assert done.values == ["", "2024-03-15"] and 0 in done.bad


# ------------------------------------------------------------------------------ ratings
def test_a_1_to_5_answer_is_rescaled_to_0_100() -> None:
    assert convert_ratings("Q", ["1", "3", "5"]).values == ["0.0", "50.0", "100.0"]


def test_a_scale_the_answers_cannot_pin_is_refused() -> None:
    # A 6 from a 1-7 scale was stored as 6 on the 0-100 scale in the first version.
    with pytest.raises(FormatError, match="run from 1 to 6"):
        convert_ratings("Co-selling", ["1", "6", "3"])


def test_the_scale_in_the_header_wins_and_a_value_outside_it_is_refused() -> None:
    done = convert_ratings("Co-selling (1-7)", ["1", "6", "7"], header="Co-selling (1-7)")
    assert [round(float(v), 4) for v in done.values] == [0.0, 83.3333, 100.0]
    out = convert_ratings("Q (1-5)", ["2", "6"], header="Q (1-5)")
    assert out.values == ["25.0", ""] and "outside the scale 1-5" in out.bad[1]


def test_agreement_labels_are_a_scale() -> None:
    five = convert_ratings("Q", ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
                                 "Strongly agree"])
    assert five.values == ["0.0", "25.0", "50.0", "75.0", "100.0"]
    seven = convert_ratings("Q", ["Somewhat agree", "Strongly agree", "Strongly disagree"])
    assert [round(float(v), 2) for v in seven.values] == [66.67, 100.0, 0.0]
    with pytest.raises(FormatError, match="5 or 7 points"):
        convert_ratings("Q", ["Agree", "Strongly agree"])


# --------------------------------------------------------------------- property tests
LOCALES = {  # how people write 1234567.89 in the number formats we read
    "1,234.56": lambda i, f: f"{i:,}.{f:02d}",
    "1.234,56": lambda i, f: f"{i:,}".replace(",", ".") + f",{f:02d}",
    "1 234,56": lambda i, f: f"{i:,}".replace(",", " ") + f",{f:02d}",
    "1234.56": lambda i, f: f"{i}.{f:02d}",
    "1234,56": lambda i, f: f"{i},{f:02d}",
}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(LOCALES)), st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 99)),
                                                  min_size=1, max_size=8))
def test_a_number_written_in_any_locale_reads_back_as_itself(locale: str, numbers: list[tuple[int, int]]) -> None:
    written = [LOCALES[locale](i, f) for i, f in numbers]
    done = convert_numbers("Amount", written, money=True)  # two decimals always tell the separator
    for (i, f), value in zip(numbers, done.values, strict=True):
        assert Decimal(value) == Decimal(i) + Decimal(f) / 100


DATE_FORMATS = {
    "DMY": lambda d: f"{d.day}/{d.month}/{d.year}", "MDY": lambda d: f"{d.month}/{d.day}/{d.year}",
    "YMD": lambda d: d.isoformat(), "DMY.": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "MDY2": lambda d: f"{d.month}/{d.day}/{d.year % 100:02d}",
}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(DATE_FORMATS)), st.lists(st.dates(dt.date(1970, 1, 1), dt.date(2068, 12, 31)),
                                                       min_size=1, max_size=8))
def test_a_date_written_in_any_order_reads_back_as_itself_or_is_refused(form: str, days: list[dt.date]) -> None:
    written = [DATE_FORMATS[form](d) for d in days]
    try:
        done = convert_dates("When", written)
    except FormatError:
        # Only a column where every value has day and month both at most 12 may be ambiguous.
        assert form != "YMD" and all(d.day <= 12 for d in days)
        return
    assert done.values == [d.isoformat() for d in days]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(2000, 2030)).filter(
    lambda t: t[0] != t[1]), min_size=1, max_size=6))
def test_an_ambiguous_date_column_is_never_converted(parts: list[tuple[int, int, int]]) -> None:
    with pytest.raises(FormatError):
        convert_dates("When", [f"{a}/{b}/{y}" for a, b, y in parts])
