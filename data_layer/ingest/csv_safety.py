"""CSV for spreadsheets: neutralise cells a spreadsheet would run as a formula."""

from __future__ import annotations

import pandas as pd

# A cell starting with one of these is treated as a formula by Excel, LibreOffice and Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a text cell that would start a formula with an apostrophe; leave others alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV (with BOM, for Excel) with formula-like text cells neutralised."""
    clean = frame.copy()
    for column in clean.columns:
        if clean[column].dtype == object or pd.api.types.is_string_dtype(clean[column]):
            clean[column] = clean[column].map(neutralise)
    clean.columns = [str(neutralise(str(c))) for c in clean.columns]
    return clean.to_csv(index=False).encode("utf-8-sig")
