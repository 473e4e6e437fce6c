"""What the README names exists: files and folders, functions, `make` targets, CLI commands.

A newcomer follows the README; a renamed file or a removed function must fail here, not in
their first hour.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CODE = sorted(set(re.findall(r"`([^`\n]+)`", README)))
# Files the README tells people to create, or that the app writes, never kept in the repository.
MADE_BY_PEOPLE_OR_THE_APP = {".streamlit/secrets.toml", "data/enterprise.duckdb", "data/learning_culture.duckdb",
                             "tests/artifacts/", "benchmarks/results-pages.json", "backups/", "inbox/",
                             "inbox/done/", "inbox/rejected/"}


FILE_EXTENSIONS = {"log", "py", "md", "csv", "json", "toml", "duckdb", "zip", "parquet", "xlsx"}


def paths() -> list[str]:
    out = []
    for text in CODE:
        if " " in text or "/" not in text or text.startswith(("/", "?", "http", ".venv")) or "…" in text:
            continue
        if re.fullmatch(r"[\w.\-/]+", text) and re.search(r"[A-Za-z]", text):
            out.append(text)
    return out


def module_for(name: str) -> str | None:
    """`library` or `data_layer.book.library` -> the dotted module it names in our code, if any."""
    if name.startswith(("data_layer.", "dashboard.")):
        return name if (ROOT / (name.replace(".", "/") + ".py")).exists() else None
    found = sorted((ROOT / "data_layer").rglob(f"{name}.py")) or sorted((ROOT / "dashboard").glob(f"{name}.py"))
    if len(found) != 1:
        return None
    return ".".join(found[0].relative_to(ROOT).with_suffix("").parts)


def dotted_names() -> list[str]:
    """`module.function` and `package.module.function` references to our code."""
    out = []
    for text in CODE:
        match = re.fullmatch(r"((?:(?:dashboard|data_layer)\.)?(?:[a-z_]+\.)*[a-z_]+)\.([A-Za-z_]+)(\(.*\))?", text)
        if not match or match.group(2) in FILE_EXTENSIONS:  # a file name (incidents.log), not a function
            continue
        module = module_for(match.group(1))
        if module is not None:
            out.append(f"{module}.{match.group(2)}")
    return out


def test_the_readme_names_things_at_all() -> None:
    # The collectors below find what they should (a README without backticks would pass vacuously).
    assert {"dashboard/routes.py", "data_layer/access/sessions.py", "tests/oracle/"} <= set(paths())
    assert "data_layer.book.library.escape_markdown" in dotted_names()


@pytest.mark.parametrize("path", paths())
def test_every_file_and_folder_it_names_exists(path: str) -> None:
    if path in MADE_BY_PEOPLE_OR_THE_APP:
        return
    assert (ROOT / path).exists(), f"README names {path}, which is not in the repository"


@pytest.mark.parametrize("name", dotted_names())
def test_every_function_it_names_exists(name: str) -> None:
    module, attribute = name.rsplit(".", 1)
    if module.startswith("dashboard."):  # Streamlit modules: read the source instead of importing them
        source = (ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
        assert re.search(rf"^(def|class) {attribute}\b|^{attribute}\s*=", source, re.M), name
    else:
        assert hasattr(importlib.import_module(module), attribute), name


def test_every_make_target_it_names_exists() -> None:
    targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))
    named = {text.split()[1] for text in CODE if re.match(r"make [a-z]", text)}
    assert named and named <= targets, named - targets


def test_every_command_it_names_exists() -> None:
    commands = {tuple(text.split()[1:3]) for text in CODE if text.startswith("learning-culture ")}
    commands |= {("users", text.split()[1]) for text in CODE if re.fullmatch(r"users [a-z-]+", text)}
    assert commands
    for words in commands:
        words = tuple(w for w in words if re.fullmatch(r"[a-z][a-z-]*", w))
        run = subprocess.run([sys.executable, "-m", "data_layer.cli", *words, "--help"], cwd=ROOT,
                             capture_output=True, text=True)
        assert run.returncode == 0, (words, run.stderr)


def layout_entries() -> list[str]:
    """Paths of the "Project layout" tree: top-level entries, entries indented under a folder, and
    the files a sub-folder's description names ("access/  auth.py (...), sessions.py (...)")."""
    block = README.split("## Project layout", 1)[1].split("```", 2)[1]
    out, folder, sub = [], "", ""
    for line in block.splitlines():
        # An entry is followed by two spaces (the description column) or ends the line; names
        # inside a description ("tables.py (encoding, ...") are not entries.
        match = re.match(r"^(\s*)([\w.\-/]+\.(?:py|md|toml)|[\w.\-]+/[\w.\-/]*)(?:\s{2,}|$)", line)
        if match:
            indent, name = match.groups()
            if not indent:
                folder, sub = (name if name.endswith("/") else ""), ""
                out.append(name)
                continue
            if folder:
                sub = name if name.endswith("/") else ""
                out.append(folder + name)
        if sub:  # the files a sub-folder's description (and its continuation lines) names
            out += [folder + sub + f for f in re.findall(r"\b([a-z_]+\.py)\b", line)]
    return out


def test_every_entry_of_the_project_layout_exists() -> None:
    entries = layout_entries()
    assert "data_layer/access/sessions.py" in entries and "streamlit_app.py" in entries
    assert "data_layer/analytics/catalog.py" in entries
    missing = [e for e in entries if not (ROOT / e).exists()]
    assert not missing, f"the README's project layout names {missing}"
