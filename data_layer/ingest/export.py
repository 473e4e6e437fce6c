"""`learning-culture export DIR`: the database as the files `import` reads.

`csv` and `parquet` are exact: importing an export into an empty database reproduces its
data (a test proves the round trip). `spreadsheet` writes CSV for Excel and friends, with
cells that would start a formula neutralised; it is for reading, not for re-importing.
Accounts and the audit trail are not exported (they are not data to exchange).
"""

from __future__ import annotations

from pathlib import Path

from data_layer.db.store import Store
from data_layer.ingest.csv_safety import safe_csv
from data_layer.ingest.importer import SCORE_PREFIX, SPECS

FORMATS = ("csv", "parquet", "spreadsheet")
_TS = "strftime({c}, '%Y-%m-%dT%H:%M:%S.%fZ')"


def _select(store: Store, table: str) -> str:
    spec = next(s for s in SPECS if s.table == table)
    items = []
    for col in spec.cols:
        name = col.name
        if col.kind == "ts":
            items.append(f"{_TS.format(c=name)} AS {name}")
        elif col.kind in ("codes", "tags"):
            items.append(f"array_to_string({name}, ';') AS {name}")
        else:
            items.append(name)
    if table == "assessments":
        dims = [r[0] for r in store.query("SELECT dimension FROM dimensions ORDER BY dimension")]
        for dim in dims:
            # dimension names come from our own dimensions table (checked: identifiers only)
            if not dim.isidentifier():
                continue
            items.append(f"(SELECT s.score FROM assessment_scores s WHERE s.assessment_id = t.assessment_id "
                         f"AND s.dimension = '{dim}') AS {SCORE_PREFIX}{dim}")
    order = ", ".join(spec.key)
    return f"SELECT {', '.join(items)} FROM {table} t ORDER BY {order}"


def export(store: Store, folder: str | Path, fmt: str = "csv") -> dict[str, int]:
    """Write every table's file into `folder`; return rows per file."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for spec in SPECS:
        sql = _select(store, spec.table)
        name = spec.filename if fmt != "parquet" else spec.filename.replace(".csv", ".parquet")
        target = root / name
        if fmt == "spreadsheet":
            frame = store.query_df(sql)
            target.write_bytes(safe_csv(frame))
            counts[name] = len(frame)
            continue
        options = "(FORMAT parquet)" if fmt == "parquet" else "(FORMAT csv, HEADER true, DELIMITER ',')"
        with store.session() as session:
            session.execute(f"COPY ({sql}) TO $path {options}", {"path": str(target)})
        counts[name] = int(store.query_value(f"SELECT count(*) FROM {spec.table}"))
    return counts
