"""Altair at a server's pace: the same chart specs with less work per page run.

Measured on the Adoption page's two charts (benchmarks/load.py, profiled): building and converting
them cost about 60 ms of CPU per run, most of it Altair re-deriving constant things. Three changes,
none of which alters a spec (tests/test_chart_speed.py compares every chart's dict with and without):

- Altair's `_FromDict` hashes the JSON schema of every wrapper class (about 570 json.dumps) each
  time one encoding channel is built from a dict; the table depends only on the classes, so it is
  computed once per set of classes and kept.
- Altair validates every schema object against the Vega-Lite JSON schema as it is made ("debug
  mode"): useful while writing a chart, pure cost on a server. Our charts are fixed code, each
  checked by its test through a validating `to_dict()`.
- `unvalidated(chart)` makes Streamlit's conversion skip the final whole-spec validation for the
  charts the analytics pages draw.
"""

from __future__ import annotations

import functools
import threading
from collections import defaultdict
from typing import Any, TypeVar

from altair.utils import schemapi

_lock = threading.Lock()
_tables: dict[tuple[type, ...], Any] = {}
_original_init = schemapi._FromDict.__init__
Chart = TypeVar("Chart")


def _memoised_init(self: Any, wrapper_classes: Any, /) -> None:
    key = tuple(wrapper_classes)
    table = _tables.get(key)
    if table is None:
        _original_init(self, key)
        with _lock:
            _tables[key] = {k: list(v) for k, v in self.class_dict.items()}
        return
    # Each instance gets its own copy: looking a schema up in a defaultdict adds an empty entry.
    self.class_dict = defaultdict(list, {k: list(v) for k, v in table.items()})


def install() -> None:
    """Memoise Altair's schema table and stop validating at construction (once per process)."""
    if schemapi._FromDict.__init__ is not _memoised_init:
        schemapi._FromDict.__init__ = _memoised_init  # type: ignore[method-assign]
    schemapi.disable_debug_mode()


def unvalidated(chart: Chart) -> Chart:
    """The chart, converted to its spec without the whole-spec schema validation (same spec)."""
    object.__setattr__(chart, "to_dict", functools.partial(type(chart).to_dict, chart, validate=False))  # type: ignore[attr-defined]
    return chart
