"""The server with every script run profiled (cProfile), for finding per-run Python work.

Run: .venv/bin/python benchmarks/profile_server.py OUT.pstats [serve arguments ...]
then drive it (benchmarks/load.py --server-port, or a browser); on SIGTERM or Ctrl-C the
profiles of all script runs are written to OUT.pstats (read with `python -m pstats OUT.pstats`).
cProfile slows Python code more than C code, so read shares, not seconds.
"""

from __future__ import annotations

import atexit
import cProfile
import pstats
import signal
import sys
import threading
from typing import Any

from streamlit.runtime.scriptrunner import script_runner

from dashboard import serve

_lock = threading.Lock()
_stats: list[pstats.Stats] = []
_original = script_runner.ScriptRunner._run_script


def _profiled(self: Any, rerun_data: Any) -> None:
    profile = cProfile.Profile()
    profile.enable()
    try:
        _original(self, rerun_data)
    finally:
        profile.disable()
        with _lock:
            _stats.append(pstats.Stats(profile))


def _dump(path: str) -> None:
    with _lock:
        if _stats:
            first = _stats[0]
            for other in _stats[1:]:
                first.add(other)
            first.dump_stats(path)
            print(f"{len(_stats)} script runs profiled into {path}", file=sys.stderr)


def main() -> None:
    out = sys.argv[1]
    script_runner.ScriptRunner._run_script = _profiled  # type: ignore[method-assign]
    atexit.register(_dump, out)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve.main(sys.argv[2:])


if __name__ == "__main__":
    main()
