"""`learning-culture`: the command-line door onto the operations the pages and the API use.

It parses arguments, calls the operation (data_layer/operations) on the database file, or on the
running server that holds it (data_layer/remote.py), and prints the result; errors become a
sentence on stderr and an exit code (1: bad input or refused, 2: an incident). It never loads
Streamlit (a test checks), so it runs on servers without the UI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from data_layer import alerts, digest, incidents, remote
from data_layer.access import auth
from data_layer.analytics.docs import render as metrics_reference
from data_layer.analytics.docs import table as metrics_table
from data_layer.analytics.report import render_markdown
from data_layer.db.migrations import open_database
from data_layer.demo.generator import SCALES, generate_demo
from data_layer.domain.config import ENV_VAR, resolve_db_path
from data_layer.domain.errors import InvalidData, LearningCultureError
from data_layer.ingest.csv_safety import safe_csv
from data_layer.ingest.importer import import_paths
from data_layer.ingest.report import problems_frame
from data_layer.operations import accounts, database, imports, learning
from data_layer.operations.base import Door, NoParams, Operation, Params
from data_layer.operations.catalog import OPERATIONS


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return str(os.getuid())


# Whoever runs the command line can open the database file: an admin, recorded as cli:<OS user>.
CLI_ACTOR = auth.local_actor("cli", _os_user(), "command line")


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
    demo.add_argument("--months", type=int, default=18, help="months of history up to --today (6 to 60)")
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
    users = sub.add_parser("users", parents=[common],
                           help="manage accounts (as an admin recorded as cli:<your OS user name>)")
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


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in values:
        key, sep, value = text.rpartition("=")
        if not sep or not key.strip() or not value.strip():
            raise InvalidData([], f'{option} takes NAME=VALUE, such as {option} "Close Date=DMY" (got {text!r}).')
        out[key.strip()] = value.strip()
    return out


def _read_password(prompt: str) -> str:
    # A password never goes on the command line (shell history, ps): read it from the
    # terminal without echo, or as one line from stdin when piped.
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat it: ") != first:
            raise InvalidData([], "The two passwords differ; nothing was changed.")
        return first
    return sys.stdin.readline().rstrip("\n")


# ------------------------------------------------------------------ arguments -> an operation
Call = tuple[Operation, Params, list[Path], Path | None]  # the operation, its params, files it takes, files' folder


def _import_call(args: argparse.Namespace) -> Call:
    params = imports.ImportParams(
        dry_run=args.dry_run, mappings=[Path(m).read_text(encoding="utf-8") for m in args.mapping],
        preset=args.preset, date_order=args.date_order, formats=_pairs(args.column_format, "--column-format"),
        stages=_pairs(args.stage, "--stage"), verbs=_pairs(args.verb, "--verb"),
        people=_pairs(args.person, "--person"), currency=args.currency, skip_rows=args.skip_rows,
        win_reaction=args.win_reaction, frustration_reaction=args.frustration_reaction, with_text=args.with_text,
        read_as=args.read_as, columns=_pairs(args.column, "--column"), skip_placeholders=args.skip_placeholders,
        sum_line_items=args.sum_line_items)
    return imports.IMPORT, params, import_paths(args.paths), None


def _users_call(args: argparse.Namespace) -> Call:
    cmd, email = args.users_command, getattr(args, "email", "")
    made: dict[str, Callable[[], Params]] = {
        "list": NoParams,
        "add": lambda: accounts.AddParams(email=email, name=args.name, role=args.role, password=None
                                          if args.sso_only else _read_password(f"Password for {email}: ")),
        "set-role": lambda: accounts.SetRoleParams(email=email, role=args.role),
        "disable": lambda: accounts.DisableParams(email=email, enable=args.enable),
        "unlock": lambda: accounts.EmailParams(email=email),
        "reset-password": lambda: accounts.PasswordParams(
            email=email, password=_read_password(f"New password for {email}: ")),
    }
    return OPERATIONS[f"users {cmd}"], made[cmd](), [], None


def _tokens_call(args: argparse.Namespace) -> Call:
    cmd = args.tokens_command
    params: Params = (accounts.TokenParams(name=args.name, role=args.role) if cmd == "create"
                      else accounts.RevokeParams(name=args.name) if cmd == "revoke" else NoParams())
    return OPERATIONS[f"tokens {cmd}"], params, [], None


def _call(args: argparse.Namespace) -> Call:
    """The operation a command stands for, with its parameters (read and checked here, where it runs)."""
    cmd = args.command
    if cmd == "import":
        return _import_call(args)
    if cmd == "users":
        return _users_call(args)
    if cmd == "tokens":
        return _tokens_call(args)
    if cmd == "report":
        return database.REPORT, database.ReportParams(
            date_from=args.date_from, date_to=args.date_to, today=args.today, cohorts=args.cohort,
            teams=args.team, regions=args.region, roles=args.role), [], None
    if cmd == "export":
        return database.EXPORT, database.ExportParams(format=args.format), [], Path(args.folder)
    if cmd == "backup":
        return database.BACKUP, database.BackupParams(destination=args.destination), [], None
    if cmd == "digest":
        return learning.DIGEST, learning.DigestParams(since=args.since, today=args.today, post=args.post), [], None
    if cmd == "test-results":
        if not Path(args.file).is_file():
            raise InvalidData([], f"{args.file} does not exist (or is not a file).")
        return learning.TEST_RESULTS, NoParams(), [Path(args.file)], None
    if cmd == "purge-text":
        return database.PURGE, database.PurgeParams(before=args.before), [], None
    raise InvalidData([], f"{cmd} is not an operation.")


def _say(message: str) -> None:
    print(f"  {message}", flush=True)


# ------------------------------------------------------------------------- results -> text
def _print_import(args: argparse.Namespace, outcome: imports.ImportOutcome, db: Path, live: bool) -> None:
    if not live:  # through a server: its progress comes with the outcome
        for step in outcome.steps:
            _say(step)
    print("\n".join(imports.report_lines(outcome, db)))


def _print_users(outcome: Any) -> None:
    if isinstance(outcome, accounts.Accounts):
        for a in outcome.accounts:
            state = "disabled" if a.disabled else "active"
            login = "password" if a.has_password else "single sign-on"
            print(f"{a.email:<36} {a.role:<7} {state:<9} {login:<15} {a.name}")
        if not outcome.accounts:
            print("No accounts yet; the app opens on first-run setup.")
    else:
        print(outcome.message)


def _print_tokens(outcome: Any) -> None:
    if isinstance(outcome, accounts.NewToken):
        print(f"Token {outcome.name!r} ({outcome.role}); shown this once, keep it safe:\n{outcome.token}")
    elif isinstance(outcome, accounts.Tokens):
        if not outcome.tokens:
            print("No tokens yet: learning-culture tokens create --name NAME --role viewer|editor|admin")
        for t in outcome.tokens:
            used = "never used" if t.last_used_at is None else f"last used {t.last_used_at:%Y-%m-%d %H:%M}"
            print(f"{t.token_id}  {t.name:<32} {t.role:<7} {'revoked' if t.revoked else 'active':<8} {used}")
    else:
        print(f"Revoked {outcome.count} token{'s' if outcome.count != 1 else ''} named {outcome.name}.")


def _print_digest(args: argparse.Namespace, outcome: learning.DigestOutcome) -> None:
    if args.markdown:  # written here, where the command runs (never on a server)
        Path(args.markdown).write_text(outcome.text, encoding="utf-8")
        print(f"Wrote the digest to {args.markdown}")
    if outcome.posted is False:
        raise LearningCultureError(f"the digest was not posted: {outcome.problem}. It is kept in the database "
                                   f"(digest_posts); run the command again to retry.")
    if outcome.posted:
        print(f"Posted the digest to {args.post}")
    if not args.markdown and not args.post:
        print(outcome.text, end="")


def _print(args: argparse.Namespace, params: Params, outcome: Any, db: Path, live: bool) -> None:
    """An operation's result as the command prints it (the same locally and through a server)."""
    cmd = args.command
    if cmd == "import":
        _print_import(args, outcome, db, live)
    elif cmd == "users":
        _print_users(outcome)
    elif cmd == "tokens":
        _print_tokens(outcome)
    elif cmd == "report" and isinstance(params, database.ReportParams):
        if args.format == "markdown":
            print(render_markdown(outcome.values, params.filter()), end="")
        else:
            print(json.dumps(outcome.values, indent=2, default=str))
    elif cmd == "export":
        print(f"Exported {db} to {args.folder} ({args.format}):")
        for name, n in outcome.rows.items():
            print(f"  {name:<20} {n:>12,} rows")
    elif cmd == "backup":
        print(f"Backed up {db} to {outcome.path}: " + ", ".join(f"{n:,} {t}" for t, n in outcome.rows.items()))
    elif cmd == "digest":
        _print_digest(args, outcome)
    elif cmd == "test-results":
        for test in outcome.tests:
            print(f"  {test.name}: {test.outcome} ({test.lifts})")
        print(f"Imported {outcome.rows:,} variant row(s) of test results into {db}.")
    elif cmd == "purge-text":
        print(f"Deleted the words of {outcome.deleted:,} message(s)"
              + (f" before {outcome.before}" if outcome.before else "") + "; the events and every count are unchanged.")


# ------------------------------------------------------------------------------ the commands
def _demo(path: Path, args: argparse.Namespace) -> None:
    """Demo data, built in a file beside the database and moved into place only when complete: an
    interrupted run leaves the database as it was (or none), never an empty one offering setup."""
    from data_layer.db import files as db_files
    from data_layer.demo.generator import has_data

    if args.if_missing and path.exists():
        with open_database(path) as store:
            if has_data(store):
                print(f"{path} already has data; leaving it as it is.")
                return
    started = time.perf_counter()
    today = args.today or dt.date.today()
    # The demo's alerts and digest write to a file beside the database (a Slack webhook in real use); the
    # enterprise scale is for measuring speed and gets none.
    outbox = f"file:{path.resolve()}.messages.jsonl" if args.scale == "demo" else None
    with db_files.built_in_place(path, start_from_current=True) as temp, open_database(temp) as store:
        counts = generate_demo(store, scale=args.scale, seed=args.seed, today=today, months=args.months,
                               outbox=outbox, replace=args.replace, progress=lambda m: print(f"  {m}", flush=True))
        if outbox is not None:  # the first check and the first digest: Alerts shows each state and a digest sent
            alerts.check(store, today)
            digest.send(store, digest.build(store, today), outbox)
    print(f"Demo data ({args.scale}, seed {args.seed}) written to {path} in {time.perf_counter() - started:.1f} s:")
    for table, n in counts.items():
        print(f"  {table:<18} {n:>12,}")


def _local(args: argparse.Namespace, path: Path) -> None:
    """Commands that need the database file itself (no server can do them for us)."""
    if args.command == "demo":
        _demo(path, args)
    elif args.command == "restore":
        done = database.restore(CLI_ACTOR, Path(args.source), path)
        print(f"Restored {path} from {done.path} (schema {done.schema}): "
              + ", ".join(f"{n:,} {t}" for t, n in done.rows.items()))
    else:
        with open_database(path) as store:
            if args.command == "init":
                print(f"Database ready at {path}")
            elif args.command == "setup-code":
                code = auth.issue_setup_code(store)
                print(f"First run: the setup code is {code} (enter it on the dashboard's setup page)." if code
                      else "Setup is finished: this database has accounts. Sign in, or ask an admin.")


def _operation(args: argparse.Namespace, path: Path) -> None:
    """An operation: through the running server that holds the database, or on the file itself."""
    operation, params, files, folder = _call(args)
    server = remote.find(path, args.server, args.token)
    if server is not None:  # a running dashboard holds this database: go through it
        outcome = remote.call(server, operation, params, files, into=folder)
        _print(args, params, outcome, path, live=False)
        return
    with open_database(path) as store:
        outcome = operation.run(store, CLI_ACTOR, params, Door("cli", tuple(files), folder, _say))
    _print(args, params, outcome, path, live=True)


def _print_problems(exc: InvalidData, report: str | None) -> None:
    """An import's problems on stderr; the whole list in a CSV file when asked."""
    for line in imports.problem_lines(exc):
        print(line, file=sys.stderr)
    if report:
        Path(report).write_bytes(safe_csv(problems_frame(exc.problems)))
        print(f"The full list ({len(exc.problems):,} problems) is in {report}.", file=sys.stderr)
    elif len(exc.problems) > 50:
        print(f"{len(exc.problems):,} problems in all: add --report FILE.csv to get every one.", file=sys.stderr)


def _guarded(args: argparse.Namespace, path: Path, work: Callable[[], None]) -> int:
    """Run `work`; errors become a sentence on stderr and an exit code (1: bad input, 2: an incident)."""
    try:
        work()
        return 0
    except InvalidData as exc:
        if args.command == "import":
            _print_problems(exc, getattr(args, "report", None))
        else:
            print(exc.report(), file=sys.stderr)
        return 1
    except remote.ServerIncident as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except LearningCultureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - a sentence and an incident id; the traceback goes to a file
        log = path.parent / "incidents.log"
        print(f"error: {incidents.sentence(incidents.record(exc, log), str(log))}", file=sys.stderr)
        return 2


LOCAL_COMMANDS = ("init", "demo", "restore", "setup-code")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the process exit code."""
    args = _parser().parse_args(argv)
    if args.command == "metrics":  # the declarations alone: no database needed
        print(metrics_reference() if args.markdown else metrics_table(), end="")
        return 0
    path = resolve_db_path(args.db)
    if args.command in LOCAL_COMMANDS:
        return _guarded(args, path, lambda: _local(args, path))
    return _guarded(args, path, lambda: _operation(args, path))


if __name__ == "__main__":
    raise SystemExit(main())
