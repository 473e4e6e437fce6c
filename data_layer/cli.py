"""`learning-culture`: the command-line door onto the same data_layer functions the pages use.

It must never import streamlit (a test checks), so it runs on servers without the UI.
"""

from __future__ import annotations

import argparse
import builtins
import contextvars
import datetime as dt
import getpass
import io
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from data_layer import alerts, digest, incidents, remote
from data_layer.access import auth, tokens
from data_layer.analytics.docs import render as metrics_reference
from data_layer.analytics.docs import table as metrics_table
from data_layer.analytics.report import build_report, render_markdown
from data_layer.book import experiments
from data_layer.db import files as db_files
from data_layer.db.audit import utc_now
from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.demo.generator import SCALES, generate_demo
from data_layer.directory import admin
from data_layer.domain.config import ENV_VAR, resolve_db_path
from data_layer.domain.errors import InvalidData, LearningCultureError
from data_layer.domain.filters import Filter
from data_layer.ingest import runs
from data_layer.ingest.bounded import check_path_size
from data_layer.ingest.csv_safety import safe_csv
from data_layer.ingest.export import export
from data_layer.ingest.importer import ImportResult, import_files, import_paths
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.pipeline import (
    Choices,
    SourceFile,
    import_sources,
    kind_of,
    preset_mapping,
    read_table,
)
from data_layer.ingest.presets import guess_entity
from data_layer.ingest.report import group_problems, problems_frame

# Where this command's output goes: the terminal, or (when the server runs a command for a CLI
# that found it, see data_layer/remote.py) buffers sent back to that CLI. Per thread/context,
# so the server's other work never lands in a reply.
_STREAMS: contextvars.ContextVar[tuple[io.TextIOBase, io.TextIOBase] | None] = contextvars.ContextVar(
    "cli_streams", default=None)


def print(*values: object, file: object = None, **kwargs: object) -> None:  # noqa: A001 - see _STREAMS
    streams = _STREAMS.get()
    if streams is not None and file in (None, sys.stdout, sys.stderr):
        file = streams[1] if file is sys.stderr else streams[0]
    builtins.print(*values, file=file, **kwargs)  # type: ignore[call-overload]


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date such as 2026-03-01") from None


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help=f"database file (default: ${ENV_VAR}, else data/learning_culture.duckdb)")
    common.add_argument("--server", help="a running dashboard's address: the command goes through it "
                        "(default: the server that holds --db, if one runs on this machine)")
    common.add_argument("--token", help=f"API token for --server (default: ${remote.TOKEN_VAR})")
    parser = argparse.ArgumentParser(
        prog="learning-culture", description="Learning Culture Dashboard: data commands."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", parents=[common], help="create the database, or upgrade its schema")
    demo = sub.add_parser("demo", parents=[common], help="fill the database with demo data")
    demo.add_argument("--scale", choices=sorted(SCALES), default="demo")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--today", type=_iso_date, help="the day the story ends (default: today)")
    demo.add_argument("--replace", action="store_true", help="overwrite a database that already has data")
    demo.add_argument("--if-missing", action="store_true",
                      help="do nothing when the database already has data (used by `make run`)")
    imp = sub.add_parser("import", parents=[common], help="import CSV files (all or nothing)")
    imp.add_argument("paths", nargs="+", metavar="PATH", help="folders (their known files) and/or CSV files")
    imp.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    imp.add_argument("--mapping", action="append", default=[], metavar="FILE.toml",
                     help="column mapping for files not in our format (repeat for several)")
    imp.add_argument("--preset", choices=["crm_opportunities", "survey_assessments"],
                     help="a ready-made mapping for the first version's sample layouts (common exports are "
                          "recognised from their headers without it)")
    imp.add_argument("--date-order", choices=["DMY", "MDY", "YMD"],
                     help="how to read dates such as 02/03/24 when a column's values cannot tell")
    imp.add_argument("--column-format", action="append", default=[], metavar='"COLUMN=FORMAT"',
                     help='a column\'s format: a date order (DMY, MDY), a number format ("1,234.56", '
                          '"1.234,56") or a rating scale (1-5, 1-7, 0-10, 1-10, agree-5, agree-7); repeat')
    imp.add_argument("--stage", action="append", default=[], metavar='"STAGE=won|lost|open"',
                     help="what one of the file's own deal stages means; repeat")
    imp.add_argument("--verb", action="append", default=[], metavar='"IRI=VERB"',
                     help="which of our verbs (or skip) an xAPI verb IRI stands for; repeat")
    imp.add_argument("--person", action="append", default=[], metavar='"NAME=PERSON_ID"',
                     help="who a name, email or Slack user id in the files is; repeat")
    imp.add_argument("--as", dest="read_as", metavar="KIND",
                     help="what a file holds when it cannot be told: deals, survey, xapi, slack, people, cohorts, "
                          "memberships, activity, objects, sections, plans, lessons, actions")
    imp.add_argument("--column", action="append", default=[], metavar='"FIELD=COLUMN"',
                     help='which of the file\'s columns feeds one of our fields ("status=Opportunity Stage"); repeat')
    imp.add_argument("--skip-placeholders", action="store_true",
                     help='leave out rows whose person is a placeholder ("Unassigned", "Inactive User", "No owner")')
    imp.add_argument("--sum-line-items", action="store_true",
                     help="read a report of product lines as one deal per id, adding up the lines' amounts")
    imp.add_argument("--currency", help="the currency of amounts when the file has no currency column")
    imp.add_argument("--skip-rows", type=int, default=0, metavar="N",
                     help="lines above the header row to set aside (report titles, export notes)")
    imp.add_argument("--report", metavar="FILE.csv", help="write every problem found to this CSV file")
    imp.add_argument("--win-reaction", default="trophy", help="Slack reaction that marks a win (default trophy)")
    imp.add_argument("--frustration-reaction", default="warning",
                     help="Slack reaction that marks a frustration (default warning)")
    imp.add_argument("--with-text", action="store_true",
                     help="also store the words of messages (Slack text, activity's text column); an admin "
                          "can purge them later with `purge-text`")
    users = sub.add_parser("users", parents=[common], help="manage accounts (acts as an admin named 'cli')")
    usub = users.add_subparsers(dest="users_command", required=True)
    u_add = usub.add_parser("add", parents=[common], help="add an account")
    u_add.add_argument("email")
    u_add.add_argument("--name", required=True)
    u_add.add_argument("--role", choices=["viewer", "editor", "admin"], required=True)
    u_add.add_argument("--sso-only", action="store_true", help="no password: sign in with single sign-on only")
    u_role = usub.add_parser("set-role", parents=[common], help="change an account's role")
    u_role.add_argument("email")
    u_role.add_argument("role", choices=["viewer", "editor", "admin"])
    u_dis = usub.add_parser("disable", parents=[common], help="disable an account")
    u_dis.add_argument("email")
    u_dis.add_argument("--enable", action="store_true", help="re-enable instead")
    usub.add_parser("list", parents=[common], help="list accounts")
    u_reset = usub.add_parser("reset-password", parents=[common], help="set a new password")
    u_reset.add_argument("email")
    u_unlock = usub.add_parser("unlock", parents=[common], help="clear an account's sign-in lock-out")
    u_unlock.add_argument("email")
    exp = sub.add_parser("export", parents=[common], help="write the data as the files `import` reads")
    exp.add_argument("folder")
    exp.add_argument("--format", choices=["csv", "parquet", "spreadsheet"], default="csv",
                     help="csv and parquet round-trip exactly; spreadsheet neutralises formula-like cells")
    toks = sub.add_parser("tokens", parents=[common], help="API tokens for scripts and other machines")
    tsub = toks.add_subparsers(dest="tokens_command", required=True)
    t_new = tsub.add_parser("create", parents=[common], help="make a token (shown once)")
    t_new.add_argument("--name", required=True)
    t_new.add_argument("--role", required=True, choices=["viewer", "editor", "admin"])
    tsub.add_parser("list", parents=[common], help="list tokens (never their secrets)")
    t_rev = tsub.add_parser("revoke", parents=[common], help="revoke a token by name or id")
    t_rev.add_argument("name")
    back = sub.add_parser("backup", parents=[common], help="a consistent copy of the database, made while it is in use")
    back.add_argument("destination", help="a new file, or a folder (the copy is named after the database and the time)")
    rest = sub.add_parser("restore", parents=[common],
                          help="check a backup and make it the database (stop the dashboard first)")
    rest.add_argument("source")
    sub.add_parser("setup-code", parents=[common],
                   help="print a new one-time code for the first administrator (empty databases only)")
    dig = sub.add_parser("digest", parents=[common],
                         help="lessons published, flops, overdue post-mortems, actions due and the numbers, "
                              "to post in a chat channel")
    dig.add_argument("--since", type=_iso_date, help="the first day it covers (default: a week before --today)")
    dig.add_argument("--today", type=_iso_date, help="the day treated as today (default: the real date)")
    dig.add_argument("--post", metavar="URL", help="send it to a Slack incoming webhook (retried; a failure exits 1)")
    dig.add_argument("--markdown", metavar="FILE", help="write it as Markdown to FILE")
    tres = sub.add_parser("test-results", parents=[common],
                          help="import tests' results (CSV, one row per variant: plan_id, variant, n, and "
                               "conversions or mean and sd); all or nothing")
    tres.add_argument("file", metavar="FILE.csv")
    purge = sub.add_parser("purge-text", parents=[common],
                           help="delete the stored words of messages (the events and every count stay)")
    purge.add_argument("--before", type=_iso_date, help="only the words of events before this day")
    mets = sub.add_parser("metrics", parents=[common], help="list every metric: name, label, unit, definition")
    mets.add_argument("--markdown", action="store_true", help="the whole reference (docs/metrics.md) with SQL")
    rep = sub.add_parser("report", parents=[common], help="every metric for one filter")
    fmt = rep.add_mutually_exclusive_group()
    fmt.add_argument("--json", dest="format", action="store_const", const="json", help="JSON (default)")
    fmt.add_argument("--markdown", dest="format", action="store_const", const="markdown",
                     help="a digest to paste into a chat channel")
    rep.add_argument("--from", dest="date_from", type=_iso_date, help="window start (default: 90 days before --to)")
    rep.add_argument("--to", dest="date_to", type=_iso_date, help="window end, inclusive (default: --today)")
    rep.add_argument("--today", type=_iso_date, help="the day treated as today (default: the real date)")
    rep.add_argument("--cohort", action="append", default=[], help="a cohort id; repeat for several")
    rep.add_argument("--team", action="append", default=[])
    rep.add_argument("--region", action="append", default=[])
    rep.add_argument("--role", action="append", default=[])
    return parser


def _report_filter(args: argparse.Namespace) -> Filter:
    today = args.today or dt.date.today()
    date_to = args.date_to or today
    date_from = args.date_from or (date_to - dt.timedelta(days=89))
    if date_from > date_to:
        raise InvalidData([], "--from must be on or before --to.")
    return Filter(date_from=date_from, date_to=date_to, today=today, cohorts=tuple(args.cohort),
                  teams=tuple(args.team), regions=tuple(args.region), roles=tuple(args.role))


def _head(path: Path) -> bytes:
    """A file's first 64 KB (enough for its header line)."""
    with path.open("rb") as handle:
        return handle.read(65_536)


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in values:
        key, sep, value = text.rpartition("=")
        if not sep or not key.strip() or not value.strip():
            raise InvalidData([], f'{option} takes NAME=VALUE, such as {option} "Close Date=DMY" (got {text!r}).')
        out[key.strip()] = value.strip()
    return out


def _choices(args: argparse.Namespace) -> Choices:
    options = {k: v for k, v in (("date_order", args.date_order), ("currency", args.currency),
                                 ("skip_rows", str(args.skip_rows) if args.skip_rows else ""),
                                 ("skip_placeholders", "yes" if args.skip_placeholders else ""),
                                 ("sum_line_items", "yes" if args.sum_line_items else "")) if v}
    return Choices(formats=_pairs(args.column_format, "--column-format"), stages=_pairs(args.stage, "--stage"),
                   verbs=_pairs(args.verb, "--verb"), people=_pairs(args.person, "--person"), options=options,
                   columns=_pairs(args.column, "--column"), read_as=args.read_as)


def _print_problems(exc: InvalidData, report: str | None) -> None:
    """The problems grouped by file, column and reason; every one of them when there are few."""
    print(str(exc), file=sys.stderr)
    groups = group_problems(exc.problems)
    if len(exc.problems) > 50 or len(groups) < len(exc.problems):
        print("By column and reason:", file=sys.stderr)
        for g in groups[:40]:
            print(f"  {g.sentence()}", file=sys.stderr)
    if len(exc.problems) <= 50:
        print("Every problem:", file=sys.stderr)
        for p in exc.problems:
            print(f"  {p}", file=sys.stderr)
    if report:
        Path(report).write_bytes(safe_csv(problems_frame(exc.problems)))
        print(f"The full list ({len(exc.problems):,} problems) is in {report}.", file=sys.stderr)
    elif len(exc.problems) > 50:
        print(f"{len(exc.problems):,} problems in all: add --report FILE.csv to get every one.", file=sys.stderr)


def _import_sources(store: Store, files: list[Path], args: argparse.Namespace,
                    say: Callable[[str], None]) -> tuple[ImportResult, list[str]]:
    """Files in other formats: map them (given mappings, a preset, or guesses), then import."""
    mappings = [Mapping.from_toml(Path(m).read_text(encoding="utf-8")) for m in args.mapping]
    if args.preset:
        mappings.append(preset_mapping(args.preset))
    sources = []
    for f in files:
        mapping = None
        if kind_of(f.name, _head(f)) == "table":
            if len(mappings) == 1:
                mapping = mappings[0]
            else:
                head = read_table(f, nrows=5)
                entity = guess_entity(f.name, head.columns)
                mapping = next((m for m in mappings if m.entity == entity), None)
        check_path_size(f)  # before reading it into memory
        sources.append(SourceFile(f.name, f.read_bytes(), mapping))
    with tempfile.TemporaryDirectory() as work:
        done = import_sources(store, sources, Path(work), dry_run=args.dry_run, progress=say,
                              win_reaction=args.win_reaction, frustration_reaction=args.frustration_reaction,
                              choices=_choices(args), with_text=args.with_text)
    return ImportResult(rows=done.rows, warnings=done.warnings, dry_run=done.dry_run), done.notes


def _read_password(prompt: str) -> str:
    # A password never goes on the command line (shell history, ps): read it from the
    # terminal without echo, or as one line from stdin when piped.
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat it: ") != first:
            raise InvalidData([], "The two passwords differ; nothing was changed.")
        return first
    return sys.stdin.readline().rstrip("\n")


def _users(store: Store, args: argparse.Namespace) -> None:
    cmd = args.users_command
    if cmd == "list":
        frame = auth.list_users(store, auth.CLI_ACTOR)
        for row in frame.itertuples():
            state = "disabled" if row.disabled else "active"
            login = "password" if row.has_password else "single sign-on"
            print(f"{row.email:<36} {row.role:<7} {state:<9} {login:<15} {row.name}")
        if frame.empty:
            print("No accounts yet; the app opens on first-run setup.")
    elif cmd == "add":
        password = None if args.sso_only else _read_password(f"Password for {args.email}: ")
        auth.add_user(store, auth.CLI_ACTOR, args.email, args.name, args.role, password)
        print(f"Added {args.email} ({args.role}).")
    elif cmd == "set-role":
        auth.set_role(store, auth.CLI_ACTOR, args.email, args.role)
        print(f"{args.email} is now {args.role}.")
    elif cmd == "disable":
        auth.set_disabled(store, auth.CLI_ACTOR, args.email, not args.enable)
        print(f"{args.email} {'enabled' if args.enable else 'disabled'}.")
    elif cmd == "unlock":
        auth.unlock(store, auth.CLI_ACTOR, args.email)
        print(f"{args.email} can sign in again.")
    elif cmd == "reset-password":
        auth.reset_password(store, auth.CLI_ACTOR, args.email, _read_password(f"New password for {args.email}: "))
        print(f"Password of {args.email} reset.")


def _demo(path: Path, args: argparse.Namespace) -> int:
    """Demo data, built in a file beside the database and moved into place only when complete: an
    interrupted run leaves the database as it was (or none), never an empty one offering setup."""
    from data_layer.demo.generator import has_data

    if args.if_missing and path.exists():
        with open_database(path) as store:
            if has_data(store):
                print(f"{path} already has data; leaving it as it is.")
                return 0
    started = time.perf_counter()
    with db_files.built_in_place(path, start_from_current=True) as temp, open_database(temp) as store:
        counts = generate_demo(store, scale=args.scale, seed=args.seed, today=args.today, replace=args.replace,
                               progress=lambda m: print(f"  {m}", flush=True))
    print(f"Demo data ({args.scale}, seed {args.seed}) written to {path} in {time.perf_counter() - started:.1f} s:")
    for table, n in counts.items():
        print(f"  {table:<18} {n:>12,}")
    return 0


def _tokens(store: Store, args: argparse.Namespace) -> None:
    if args.tokens_command == "create":
        token = tokens.create(store, auth.CLI_ACTOR, args.name, args.role)
        print(f"Token {args.name!r} ({args.role}); shown this once, keep it safe:\n{token}")
    elif args.tokens_command == "list":
        frame = tokens.list_tokens(store, auth.CLI_ACTOR)
        if frame.empty:
            print("No tokens yet: learning-culture tokens create --name NAME --role viewer|editor|admin")
        for record in frame.to_dict("records"):
            state = "active" if pd.isna(record["revoked_at"]) else "revoked"
            used = "never used" if pd.isna(record["last_used_at"]) \
                else f"last used {pd.Timestamp(record['last_used_at']):%Y-%m-%d %H:%M}"
            print(f"{record['token_id']}  {str(record['name']):<32} {str(record['role']):<7} {state:<8} {used}")
    elif args.tokens_command == "revoke":
        n = tokens.revoke(store, auth.CLI_ACTOR, args.name)
        print(f"Revoked {n} token{'s' if n != 1 else ''} named {args.name}.")


def _run(store: Store, args: argparse.Namespace, path: Path, who: str = "command line", via: str = "cli") -> None:
    """One command against an open database (the command line's own, or the server's for a CLI that found it)."""
    if args.command == "init":
        print(f"Database ready at {path}")
    elif args.command == "backup":
        summary = db_files.backup(store, args.destination)
        print(f"Backed up {path} to {summary.path}: " + ", ".join(f"{n:,} {t}" for t, n in summary.rows.items()))
    elif args.command == "setup-code":
        code = auth.issue_setup_code(store)
        print(f"First run: the setup code is {code} (enter it on the dashboard's setup page)." if code
              else "Setup is finished: this database has accounts. Sign in, or ask an admin.")
    elif args.command == "users":
        _users(store, args)
    elif args.command == "tokens":
        _tokens(store, args)
    elif args.command == "report":
        filt = _report_filter(args)
        report = build_report(store, filt)
        if args.format == "markdown":
            print(render_markdown(report, filt), end="")
        else:
            print(json.dumps(report, indent=2, default=str))
    elif args.command == "export":
        counts = export(store, args.folder, args.format)
        print(f"Exported {path} to {args.folder} ({args.format}):")
        for name, n in counts.items():
            print(f"  {name:<20} {n:>12,} rows")
    elif args.command == "import":
        _import(store, args, path, who, via)
    elif args.command == "digest":
        _digest(store, args)
    elif args.command == "test-results":
        check_path_size(Path(args.file))
        n = experiments.import_results(store, auth.CLI_ACTOR, Path(args.file).read_bytes())
        for t in experiments.results(store):
            if t.lifts:
                print(f"  {t.name}: {t.outcome}")
        print(f"Imported {n:,} variant row(s) of test results into {path}.")
    elif args.command == "purge-text":
        n = admin.purge_texts(store, auth.CLI_ACTOR, args.before)
        print(f"Deleted the words of {n:,} message(s)" + (f" before {args.before}" if args.before else "")
              + "; the events and every count are unchanged.")


def _digest(store: Store, args: argparse.Namespace) -> None:
    if args.post and not args.post.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        # a webhook only: never a file or another plain-http address (the server may run this for a token)
        raise InvalidData([], "--post takes a Slack incoming-webhook URL (https://...).")
    d = digest.build(store, args.today or _today(), args.since)
    if args.markdown:
        Path(args.markdown).write_text(digest.render(d), encoding="utf-8")
        print(f"Wrote the digest to {args.markdown}")
    if args.post:
        sent = digest.send(store, d, args.post)
        if not sent.delivered:
            raise LearningCultureError(f"the digest was not posted: {sent.problem}. It is kept in the database "
                                       f"(digest_posts); run the command again to retry.")
        print(f"Posted the digest to {args.post}")
    if not args.markdown and not args.post:
        print(digest.render(d), end="")


def _today() -> dt.date:
    """The day treated as today: $LEARNING_CULTURE_TODAY (as the dashboard), else the real date."""
    text = os.environ.get("LEARNING_CULTURE_TODAY")
    try:
        return dt.date.fromisoformat(text) if text else dt.date.today()
    except ValueError:
        return dt.date.today()


def _import(store: Store, args: argparse.Namespace, path: Path, who: str, via: str) -> None:
    started, clock = utc_now(), time.perf_counter()
    names = [Path(p).name for p in args.paths]
    try:
        files = import_paths(args.paths)
        names = [f.name for f in files]
        say = lambda m: print(f"  {m}", flush=True)  # noqa: E731
        if all(kind_of(f.name, _head(f)) == "canonical" for f in files) and not args.mapping \
                and not args.preset and not args.read_as:
            result = import_files(store, files, dry_run=args.dry_run, progress=say, with_text=args.with_text)
            notes: list[str] = []
        else:
            result, notes = _import_sources(store, files, args, say)
    except InvalidData as exc:
        if not args.dry_run:  # the log keeps refused runs too, with their first problems
            runs.record(store, who=who, via=via, files=names, rows={}, outcome="rejected",
                        seconds=time.perf_counter() - clock, message=exc.report()[:2000], started=started)
        raise
    if not args.dry_run:
        runs.record(store, who=who, via=via, files=names, rows=result.rows, outcome="imported",
                    seconds=time.perf_counter() - clock, started=started)
        for notice in alerts.check(store, _today()):  # an import may move a number across its line
            print(f"alert {notice.event}: {notice.message}" + ("" if notice.delivered else f" (NOT SENT: {notice.problem})"))
    for warning in result.warnings:
        print(f"warning: {warning}")
    for note in notes:
        print(f"note: {note}")
    verb = "Checked (dry run, nothing written)" if args.dry_run else "Imported into"
    print(f"{verb} {path}" + (f" in {result.seconds:.1f} s:" if result.seconds else ":"))
    for table, n in result.rows.items():
        print(f"  {table:<18} {n:>12,} rows")


def _guarded(args: argparse.Namespace, path: Path, work: Callable[[], int | None]) -> int:
    """Run `work`; errors become a sentence on stderr and an exit code (1: bad input, 2: an incident)."""
    try:
        return work() or 0
    except InvalidData as exc:
        if args.command == "import":
            _print_problems(exc, getattr(args, "report", None))
        else:
            print(exc.report(), file=sys.stderr)
        return 1
    except LearningCultureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a sentence and an incident id; the traceback goes to a file
        log = path.parent / "incidents.log"
        print(f"error: {incidents.sentence(incidents.record(exc, log), str(log))}", file=sys.stderr)
        return 2


def run_with_store(store: Store, argv: Sequence[str], path: Path, who: str = "server",
                   via: str = "api") -> tuple[int, str, str]:
    """The server's side of a CLI that found it: run `argv` against the server's open database and
    return (exit code, stdout, stderr): exactly what the command prints alone."""
    out, err = io.StringIO(), io.StringIO()
    token = _STREAMS.set((out, err))
    try:
        try:
            args = _parser().parse_args(list(argv))
        except SystemExit as exc:
            return int(exc.code or 0), out.getvalue(), err.getvalue() or "error: the command is not valid\n"
        code = _guarded(args, path, lambda: _run(store, args, path, who, via))
    finally:
        _STREAMS.reset(token)
    return code, out.getvalue(), err.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    args = _parser().parse_args(argv)
    if args.command == "metrics":  # the declarations alone: no database needed
        print(metrics_reference() if args.markdown else metrics_table(), end="")
        return 0
    path = resolve_db_path(args.db)
    if args.command in remote.SERVED:
        server = remote.find(path, getattr(args, "server", None), getattr(args, "token", None))
        if server is not None:  # a running dashboard holds this database: go through it
            return remote.run(server, args, list(sys.argv[1:] if argv is None else argv))

    def local() -> int | None:
        if args.command == "demo":
            return _demo(path, args)
        if args.command == "restore":
            summary = db_files.restore(args.source, path)
            print(f"Restored {path} from {summary.path} (schema {summary.last_migration}): "
                  + ", ".join(f"{n:,} {t}" for t, n in summary.rows.items()))
            return 0
        with open_database(path) as store:
            _run(store, args, path)
        return 0

    return _guarded(args, path, local)


if __name__ == "__main__":
    raise SystemExit(main())
