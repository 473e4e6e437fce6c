"""CRM deals (Salesforce, HubSpot, Pipedrive, Zoho and any deals table): one reader.

Fits a table from its headers (a known export's, or a stage, owner and id column placed by
synonyms) and its values (stage names that say won or lost). Nothing is taken by default:
a stage name that does not say open, won or lost is asked about, listing every stage name
with its rows; where two columns could feed the stage, amount, owner or a date, the one
read is said in the report with the option that changes it. A report of product lines
(the same deal on several rows that differ only in product columns) is recognised as such.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation

import pandas as pd

from data_layer.domain.errors import Problem
from data_layer.ingest.formats import FormatError, convert_dates
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.people import PeopleIndex
from data_layer.ingest.presets import SYNONYMS, TOOLS, guess_mapping, norm, recognise
from data_layer.ingest.readers.base import Fit, Probe
from data_layer.ingest.readers.table import Conversion, ProblemFn, TableConversion

KEY = "deals"
LABEL = "deals (a CRM export)"
_WON = {"closedwon", "won", "dealwon", "closedwin", "wonclosed"}
_LOST = {"closedlost", "lost", "deallost", "closedlosttocompetition", "lostclosed"}
# Stage names that CRMs ship as their default open stages (Salesforce, HubSpot, Pipedrive, Zoho, Dynamics).
_OPEN = {"open", "prospecting", "prospect", "qualification", "qualify", "qualified", "needsanalysis",
         "valueproposition", "iddecisionmakers", "identifydecisionmakers", "perceptionanalysis",
         "proposalpricequote", "proposal", "negotiationreview", "negotiation", "appointmentscheduled",
         "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "engaging",
         "discovery", "develop", "propose", "leadin", "contactmade", "demoscheduled",
         "proposalmade", "negotiationsstarted", "inprogress"}
_TRUE = {"true", "1", "yes", "y", "x", "t", "checked"}
_FALSE = {"false", "0", "no", "n", "", "f", "unchecked"}
# Columns of a report of product lines: the only ones that differ between the rows of one deal.
_PRODUCT_WORDS = ("product", "item", "sku", "quantity", "qty", "unitprice", "listprice", "salesprice",
                  "totalprice", "discount", "family", "line", "subtotal", "description", "servicedate", "cost")
STAGE_HINT = ('--stage "NAME=won" (or lost, open; repeat for each), on the Import page under Stages, or '
              "in a mapping file's [stages]")


def stage_status(name: str, chosen: dict[str, str]) -> str | None:
    """open | won | lost for a stage name; None when the name does not say (it is asked, never defaulted)."""
    if name in chosen:
        return chosen[name]
    key = norm(name)
    bare = re.sub(r"^(stage)?\d+", "", key)  # "Stage 6: Closed Won", "6 - Closed Won"
    for k in dict.fromkeys((key, bare)):
        if k in _WON or k.startswith("closedwon"):
            return "won"
        if k in _LOST or k.startswith("closedlost"):
            return "lost"
        if k in _OPEN:
            return "open"
    return None


def _statuses_from_stages(mapping: Mapping, out: dict[str, list[str]], conv: Conversion, problem: ProblemFn) -> None:
    src = mapping.columns["status"]
    unknown: Counter[str] = Counter()
    mapped: list[str] = []
    for name_ in out["status"]:
        decided = stage_status(name_, mapping.stages) if name_ else None
        if decided is None and name_:
            unknown[name_] += 1
        mapped.append(decided or "")
        conv.stages[name_] = (decided or "?", conv.stages.get(name_, ("", 0))[1] + 1)
    if unknown:
        every = "; ".join(f'"{k}" {n:,} row{"s" if n != 1 else ""} ({conv.stages[k][0]})'
                          for k, (_s, n) in sorted(((k, v) for k, v in conv.stages.items() if k),
                                                   key=lambda kv: -kv[1][1]))
        problem("status", src, f"{len(unknown)} stage name(s) do not say whether the deal is open, won or lost, "
                               f"so they are not guessed: {', '.join(repr(k) for k in sorted(unknown))}. Every "
                               f"stage in the file (rows, read as): {every}. Say what each means with {STAGE_HINT}",
                rows=sum(unknown.values()))
    out["status"] = mapped


def _involvement(text: str) -> str | None:
    key = norm(text)
    if key in ("", "none", "no", "nopartner", "direct"):
        return "none"
    if key.startswith("sourc") or key in ("partnersourced", "referral", "partnerreferral"):
        return "sourced"
    if key.startswith("influenc") or key in ("partnerinfluenced", "cosell", "coselling", "assisted", "partner"):
        return "influenced"
    return None


def _decided_share(frame: pd.DataFrame, column: str) -> float:
    values = [str(v).strip() for v in frame[column].tolist() if str(v).strip()]
    return sum(stage_status(v, {}) is not None for v in values) / len(values) if values else 0.0


def _says_closed(frame: pd.DataFrame, column: str) -> bool:
    """True when some of the column's names say won or lost (a column of open stages alone cannot be the status)."""
    return any(stage_status(str(v).strip(), {}) in ("won", "lost") for v in frame[column].tolist())


def candidates(columns: list[str], field: str) -> list[str]:
    """Columns of a file that could feed `field` (its name, a synonym, or a stage-like header)."""
    names = {norm(field), *SYNONYMS.get(field, ())}
    out = [c for c in columns if norm(c) in names]
    if field == "status":
        out += [c for c in columns if "stage" in norm(c) and c not in out and not norm(c).endswith(("date", "id"))]
    return out


def settle_columns(mapping: Mapping, frame: pd.DataFrame) -> dict[str, str]:
    """Where several columns could be the stage, amount, owner or a date: pick (stage: the one whose names say
    the most) and say which, with the option that changes it (field -> sentence)."""
    notes: dict[str, str] = {}
    columns = [str(c) for c in frame.columns]
    for field in ("status", "amount", "owner_id", "created_on", "closed_on"):
        options = candidates(columns, field)
        chosen = mapping.columns.get(field)
        if field == "status" and len(options) > 1 and "won_column" not in mapping.options:
            best = max(options, key=lambda c: (_says_closed(frame, c), _decided_share(frame, c), c == chosen))
            if best != chosen and best not in mapping.columns.values():
                mapping.columns[field] = chosen = best
        others = [c for c in options if c != chosen]
        if chosen and others:
            alt = others[0]
            notes[field] = (f'{field} read from "{chosen}"; {", ".join(repr(o) for o in others)} could also be it: '
                            f'choose with --column "{field}={alt}" (Import page: Columns)')
    return notes


def _line_items(mapping: Mapping, frame: pd.DataFrame, out: dict[str, list[str]], conv: Conversion,
                problem: ProblemFn) -> None:
    """The same deal id on several rows that differ only in product columns: a report of product lines."""
    ids = out.get("deal_id")
    if not ids:
        return
    rows: defaultdict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(ids):
        if v:
            rows[v].append(i)
    repeated = {k: v for k, v in rows.items() if len(v) > 1}
    if not repeated:
        return
    differ: set[str] = set()
    for idx in repeated.values():
        part = frame.iloc[idx]
        differ |= {str(c) for c in frame.columns if part[c].astype(str).str.strip().nunique() > 1}
    productish = bool(differ) and all(any(w in norm(c) for w in _PRODUCT_WORDS) or
                                      c == mapping.columns.get("amount") for c in differ) and \
        any(any(w in norm(c) for w in _PRODUCT_WORDS) for c in differ)
    if not productish:
        return  # ordinary duplicate ids: the importer names every one
    id_col = mapping.columns["deal_id"]
    if mapping.options.get("sum_line_items") != "yes":
        problem("deal_id", id_col,
                f"this is a report of product lines, not of deals: {len(repeated):,} deal id(s) appear on several "
                f"rows that differ only in product columns ({', '.join(sorted(differ))}). Export the deals with one "
                f"row per deal (in Salesforce an Opportunities report rather than Opportunities with Products; in "
                f"HubSpot the deals view, not line items), or add their lines up per deal with --sum-line-items "
                f"(Import page: Add up product lines per deal)", rows=sum(len(v) - 1 for v in repeated.values()))
        return
    amount = out.get("amount")
    keep = [True] * len(ids)
    for idx in repeated.values():
        for j in idx[1:]:
            keep[j] = False
        if amount is not None and mapping.columns.get("amount") in differ:
            try:
                total = sum((Decimal(amount[j]) for j in idx if amount[j]), Decimal(0))
            except InvalidOperation:
                continue
            amount[idx[0]] = str(total)
    conv.keep = [a and b for a, b in zip(conv.keep or [True] * len(ids), keep, strict=True)]
    conv.notes.append(f"{len(repeated):,} deal(s) given on several product lines were read as one deal each"
                      + (", their line amounts added up" if mapping.columns.get("amount") in differ else ""))


def finish_deals(mapping: Mapping, frame: pd.DataFrame, out: dict[str, list[str]], conv: Conversion,
                 index: PeopleIndex, problem: ProblemFn) -> None:
    """Status from the CRM's flags or its stage names (asked when a name does not say), dates, currency, partner."""
    n = len(frame)
    won_col, closed_col = mapping.options.get("won_column"), mapping.options.get("closed_column")
    if won_col in frame.columns and closed_col in frame.columns:
        # The CRM's own flags decide (Salesforce IsClosed / IsWon): no stage name is interpreted.
        status: list[str] = []
        for i, (w, c) in enumerate(zip(frame[won_col].astype(str), frame[closed_col].astype(str), strict=True)):
            wk, ck = w.strip().lower(), c.strip().lower()
            if wk not in _TRUE | _FALSE or ck not in _TRUE | _FALSE:
                problem("status", f"{closed_col}/{won_col}", "must be true or false", i, f"{c}/{w}")
                status.append("")
            else:
                status.append(("won" if wk in _TRUE else "lost") if ck in _TRUE else "open")
        out["status"] = status
        stage_col = mapping.columns.get("status")
        if stage_col:
            for name_, st in zip(frame[stage_col].astype(str), status, strict=True):
                prev = conv.stages.get(name_.strip(), (st, 0))
                conv.stages[name_.strip()] = (prev[0], prev[1] + 1)
        conv.back["status"] = f"{closed_col}, {won_col}"
    elif "status" in out:
        _statuses_from_stages(mapping, out, conv, problem)
    won_at, lost_at = mapping.options.get("won_date_column"), mapping.options.get("lost_date_column")
    if won_at in frame.columns and lost_at in frame.columns and "status" in out:
        picked = [w if s == "won" else lo if s == "lost" else "" for s, w, lo in
                  zip(out["status"], frame[won_at].astype(str), frame[lost_at].astype(str), strict=True)]
        try:
            done = convert_dates(f"{won_at} / {lost_at}", picked, choice=mapping.options.get("date_order"))
        except FormatError as exc:
            problem("closed_on", f"{won_at} / {lost_at}", str(exc))
        else:
            for i, message in done.bad.items():
                problem("closed_on", f"{won_at} / {lost_at}", message, i, picked[i])
            out["closed_on"] = done.values
            conv.back["closed_on"] = f"{won_at} / {lost_at}"
    if "closed_on" in out and "status" in out:
        # An open deal's close date is a forecast, not a close.
        out["closed_on"] = [c if s in ("won", "lost") else "" for c, s in zip(out["closed_on"], out["status"],
                                                                             strict=True)]
    currency_marks = out.pop("_amount_currency", [""] * n)
    if "currency" not in out:
        default = mapping.options.get("currency", "")
        if any(currency_marks) or default:
            out["currency"] = [m or default for m in currency_marks]
        if not default and not all(currency_marks) and "amount" in out:
            conv.notes.append("no currency column: amounts without a currency sign are taken as USD (set the "
                              "currency option, or --currency on the command line, to say otherwise)")
    else:
        out["currency"] = [c.strip().upper() or m for c, m in zip(out["currency"], currency_marks, strict=True)]
    if "partner_involvement" in out:
        src = mapping.columns["partner_involvement"]
        values = []
        for i, v in enumerate(out["partner_involvement"]):
            got = _involvement(v)
            if got is None:
                problem("partner_involvement", src, "must say sourced, influenced or none", i, v)
            values.append(got or "")
        out["partner_involvement"] = values
    else:
        partner = out.get("partner_name", [""] * n)
        role_col = mapping.options.get("partner_role_column")
        if role_col and role_col in frame.columns:
            roles = frame[role_col].astype(str).str.strip().str.lower().tolist()
            out["partner_involvement"] = [("sourced" if r.startswith("sourc") else "influenced") if p else "none"
                                          for p, r in zip(partner, roles, strict=True)]
        else:
            out["partner_involvement"] = ["influenced" if p else "none" for p in partner]
    _line_items(mapping, frame, out, conv, problem)
    closed = sum(st in ("won", "lost") for st in out.get("status", []))
    for field, what in (("closed_on", "close date"), ("amount", "amount"), ("created_on", "created date")):
        if closed and field not in mapping.columns and not (field == "closed_on" and "closed_on" in out):
            # Said once for the file, with the option that names the column, before the importer's row rules.
            conv.problems.append(Problem("(file)", f"has no column read as the {what}, which won and lost deals need "
                                                   f"({closed:,} here); if the file has one, name it with --column "
                                                   f'"{field}=THE COLUMN" (Import page: Columns)', file=conv.name))


class DealsReader(TableConversion):
    """CRM deals: a known export's headers, or an id, owner and stage column placed by synonyms."""

    keys: tuple[str, ...] = (KEY,)
    finish = staticmethod(finish_deals)

    def fit(self, probe: Probe, as_key: str | None = None) -> list[Fit]:
        table = probe.table
        if table is None:
            return []
        found = recognise(table.columns)
        if found and found[1].entity == "deals.csv":
            preset, mapping = found
            return [Fit(KEY, LABEL, 0.95, f"the headers of a {TOOLS[preset]}", mapping, TOOLS[preset],
                        settle_columns(mapping, table.frame))]
        mapping = Mapping("deals.csv", guess_mapping(table.columns, "deals.csv"))
        lacking = [f for f in ("deal_id", "owner_id", "status") if f not in mapping.columns]
        said = settle_columns(mapping, table.frame)
        if as_key == KEY:
            return [Fit(KEY, LABEL, 1.0, "chosen", mapping, columns_said=said)]
        if lacking:
            # A stage column whose names say won or lost is still the closest reading, offered, never taken.
            stage = "status" in mapping.columns and _says_closed(table.frame, mapping.columns["status"])
            why = f"no column for {', '.join(lacking)}" + (f" (a stage column: {mapping.columns['status']})"
                                                          if stage else "")
            return [Fit(KEY, LABEL, 0.3 if stage else 0.0, why, mapping, columns_said=said)]
        score = 0.55 + 0.1 * sum(f in mapping.columns for f in ("closed_on", "amount", "created_on"))
        share = _decided_share(table.frame, mapping.columns["status"])
        score = min(score + (0.1 if share > 0 else -0.2), 0.9)
        why = f"an id, owner and stage column ({', '.join(mapping.columns[f] for f in ('deal_id', 'owner_id', 'status'))})"
        return [Fit(KEY, LABEL, round(score, 2), why, mapping, columns_said=said)]

    def preview(self, probe: Probe, fit: Fit) -> list[str]:
        """Which column feeds each field, and how every stage name of the file is read."""
        out = [f"{k} ← {v}" for k, v in (fit.mapping.columns.items() if fit.mapping else ())]
        table = probe.table
        if table is not None and fit.mapping and fit.mapping.columns.get("status") in table.frame.columns:
            names = Counter(str(v).strip() for v in table.frame[fit.mapping.columns["status"]])
            out += [f'stage "{k}" ({n} row{"s" if n != 1 else ""}): {stage_status(k, fit.mapping.stages) or "asked"}'
                    for k, n in names.most_common()]
        return out
