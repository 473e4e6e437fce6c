"""The layering contract: data_layer (and so the CLI) never imports streamlit; doors only translate."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_no_data_layer_module_imports_streamlit() -> None:
    offenders = []
    for path in sorted((ROOT / "data_layer").rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_importing_the_whole_data_layer_and_cli_loads_no_streamlit() -> None:
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "data_layer").rglob("*.py"))
    assert "data_layer.analytics.engine" in modules and "data_layer.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "assert 'streamlit' not in sys.modules, 'streamlit was imported'\n"
        "print('clean')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "clean"


def test_pages_run_no_sql() -> None:
    """Pages lay out; every query lives in data_layer/ (no store reads and no SQL text in pages/)."""
    import re

    offenders = []
    reads = re.compile(r"\.(query|query_df|query_one|query_value|execute)\(")
    sql = re.compile(r"\b(SELECT .* FROM|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")
    for path in sorted((ROOT / "pages").glob("*.py")) + [ROOT / "streamlit_app.py"]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if reads.search(line) or sql.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_no_module_imports_another_modules_private_names() -> None:
    """A leading underscore means "this module's own": other modules use public names only."""
    offenders = []
    files = [*(ROOT / "data_layer").rglob("*.py"), *(ROOT / "dashboard").glob("*.py"), *(ROOT / "pages").glob("*.py"),
             ROOT / "streamlit_app.py"]
    for path in sorted(files):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(("data_layer", "dashboard")):
                private = [a.name for a in node.names if a.name.startswith("_")]
                if private:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {private}")
    assert offenders == []


# The layers of data_layer, highest first (as harlequin states its contracts for import-linter).
# A module may import modules of its own package and of any lower layer, never of a higher layer
# or of a sibling in its own layer; so the direction of every import is visible here.
LAYERS: list[tuple[str, ...]] = [
    ("data_layer.cli",),
    ("data_layer.remote",),      # the command line's way through a running server: calls operations there
    ("data_layer.operations",),  # one function per thing a person can do, for every door
    ("data_layer.digest",),  # sends through alerts' delivery
    ("data_layer.demo", "data_layer.directory", "data_layer.incidents", "data_layer.alerts", "data_layer.acting"),
    ("data_layer.analytics", "data_layer.book", "data_layer.ingest"),
    ("data_layer.access",),
    ("data_layer.db",),
    ("data_layer.domain",),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports (at any depth: inside functions too), as (line, dotted name)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]  # `from pkg import module`
    return out


def container(module: str) -> str:
    for layer in LAYERS:
        for top in layer:
            if module == top or module.startswith(top + "."):
                return top
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / "data_layer").rglob("*.py")) if module_name(p) != "data_layer"}


def test_every_data_layer_import_goes_down_the_layers() -> None:
    rank = {top: i for i, layer in enumerate(LAYERS) for top in layer}
    known = modules()
    offenders = []
    for name, path in known.items():
        own = container(name)
        for line, target in imports_of(path):
            if target not in known or container(target) == own:
                continue
            if rank[container(target)] <= rank[own]:
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert offenders == []


def test_there_are_no_import_circles() -> None:
    known = modules()
    graph = {name: {t for _, t in imports_of(path) if t in known and t != name} for name, path in known.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert len(graph) > 40


def test_pages_reach_the_data_layer_only_through_dashboard() -> None:
    """Pages import dashboard/ (dashboard/services.py is their door to the data layer) and, for
    types, constants and errors, data_layer.domain; nothing else of data_layer."""
    offenders = []
    for path in sorted((ROOT / "pages").glob("*.py")) + [ROOT / "streamlit_app.py"]:
        for line, target in imports_of(path):
            if target.startswith("data_layer") and not target.startswith("data_layer.domain"):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert offenders == []


def test_the_data_layer_never_imports_the_dashboard() -> None:
    offenders = [f"{p.relative_to(ROOT)}:{line}" for p in (ROOT / "data_layer").rglob("*.py")
                 for line, target in imports_of(p) if target.split(".")[0] in ("dashboard", "pages", "streamlit_app")]
    assert offenders == []


PRODUCTION = [*sorted((ROOT / "data_layer").rglob("*.py")), *sorted((ROOT / "dashboard").glob("*.py")),
              *sorted((ROOT / "pages").glob("*.py")), ROOT / "streamlit_app.py"]


def test_nothing_but_the_command_line_imports_the_command_line() -> None:
    """The API, the pages and the data layer call operations (data_layer/operations), never the CLI's code."""
    offenders = [f"{p.relative_to(ROOT)}:{line}" for p in PRODUCTION if p != ROOT / "data_layer" / "cli.py"
                 for line, target in imports_of(p) if target == "data_layer.cli" or target.startswith("data_layer.cli.")]
    assert offenders == []


def test_no_door_captures_printed_output() -> None:
    """Results are objects that each door formats: nobody shadows print or swaps stdout to build a reply."""
    offenders = []
    for path in PRODUCTION:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "print":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} defines print")
            elif isinstance(node, ast.Name | ast.Attribute) and \
                    (node.id if isinstance(node, ast.Name) else node.attr) in ("redirect_stdout", "redirect_stderr"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} redirects output")
            elif isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Attribute) and t.attr in ("stdout", "stderr") and \
                            isinstance(t.value, ast.Name) and t.value.id == "sys":
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} swaps sys.{t.attr}")
    assert offenders == []


def test_the_command_lines_actor_is_used_by_the_command_line_only() -> None:
    """Every other door acts for someone of its own (an account, a token, the drop folder), and is recorded as such."""
    files = [*PRODUCTION, *sorted((ROOT / "tests").rglob("*.py")), *sorted((ROOT / "benchmarks").rglob("*.py"))]
    offenders = [f"{p.relative_to(ROOT)}" for p in files if p != ROOT / "data_layer" / "cli.py" and p != Path(__file__)
                 and "CLI_ACTOR" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_input_is_never_checked_with_assert() -> None:
    """`assert` vanishes under `python -O`: production code says what is wrong in a sentence instead."""
    offenders = [f"{p.relative_to(ROOT)}:{node.lineno}" for p in PRODUCTION
                 for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))) if isinstance(node, ast.Assert)]
    assert offenders == []


# Over the limit while their rewrites are under way elsewhere (issue 26); nothing may join this list.
SPLIT_UNDER_WAY: set[str] = set()


def test_no_module_is_over_600_lines() -> None:
    """Small modules: split a module before it grows past 600 lines (the frozen migrations excepted)."""
    frozen = {ROOT / "data_layer" / "db" / "migrations.py"}
    offenders = [f"{p.relative_to(ROOT)}" for p in PRODUCTION if p.parent != ROOT / "pages" and p not in frozen
                 and len(p.read_text(encoding="utf-8").splitlines()) > 600]
    assert set(offenders) <= SPLIT_UNDER_WAY, offenders


def _words(files: list[Path]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in files:
        for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", path.read_text(encoding="utf-8")):
            counts[word] = counts.get(word, 0) + 1
    return counts


# Used only by tests while their owners' rewrites are under way (issue 26); nothing may join this list.
TEST_ONLY_UNDER_WAY: set[str] = set()


def test_no_production_name_is_used_only_by_tests() -> None:
    """A function, class, method or constant the app never uses is not kept for the tests' sake."""
    production, used = _words(PRODUCTION), _words(sorted((ROOT / "tests").rglob("*.py")))
    offenders = set()
    for path in PRODUCTION:
        if path.name == "migrations.py":  # frozen: every migration stays, named once in its list
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.append(node.name)
            if isinstance(node, ast.ClassDef):
                names += [n.name for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
            elif isinstance(node, ast.Assign):
                names += [t.id for t in node.targets if isinstance(t, ast.Name)]
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.append(node.target.id)
        # defined once and named nowhere else in production, yet named by the tests
        offenders |= {n for n in names if not n.startswith("__") and production.get(n, 0) <= 1 and used.get(n, 0)}
    assert offenders <= TEST_ONLY_UNDER_WAY, sorted(offenders - TEST_ONLY_UNDER_WAY)


def test_browser_tests_wait_for_states_never_for_fixed_times() -> None:
    """A fixed sleep in a browser test either wastes time or, on a busy machine, is too short: wait on what the page
    shows (Playwright's expect) or on a condition with a deadline instead."""
    tests = ROOT / "tests"
    browser_files = [p for p in sorted(tests.glob("*.py"))
                     if "sync_playwright" in p.read_text(encoding="utf-8") or p.name in ("browser.py", "conftest.py")
                     or p.name.startswith("test_browser_")]
    assert len(browser_files) > 10  # the browser tests are found (by their driver or their name)
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in browser_files
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"\bwait_for_timeout\(|\btime\.sleep\(", line)]
    assert offenders == []
