"""Create a virtual environment, even where Debian's python3-venv (ensurepip) is missing.

Falls back to `venv --without-pip` plus the pip wheel fetched from PyPI, so a fresh
machine with only python3 and make can still install the project.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
import venv
from pathlib import Path


def main(target: str) -> int:
    path = Path(target)
    try:
        venv.create(path, with_pip=True, clear=False)
        return 0
    except Exception as exc:  # ensurepip missing (Debian without python3-venv)
        print(f"venv with pip failed ({exc}); fetching pip from PyPI instead", file=sys.stderr)
    venv.create(path, with_pip=False, clear=True)
    with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as resp:
        info = json.load(resp)
    wheel = next(u for u in info["urls"] if u["filename"].endswith(".whl"))
    with tempfile.TemporaryDirectory() as tmp:
        whl = Path(tmp) / wheel["filename"]
        urllib.request.urlretrieve(wheel["url"], whl)
        python = path / "bin" / "python"
        subprocess.run([str(python), f"{whl}/pip", "install", "--quiet", str(whl)], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else ".venv"))
