"""The layering contract: data_layer (and so the CLI) never imports streamlit."""

from __future__ import annotations

import ast
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
    modules = sorted(p.stem for p in (ROOT / "data_layer").glob("*.py") if p.stem != "__init__")
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module('data_layer.' + m)\n"
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
