"""Every number the dashboard shows, declared once and computed by one engine.

- sql.py: the vocabulary (windows, member set, cohort-tag rule, scope) and the parameters.
- facts.py: the named CTEs numbers are aggregated from, each keyed by window.
- units.py: how each kind of value reads on every surface.
- registry.py: what a declaration is; the lists derived from all of them.
- catalog.py: the declarations themselves (DOMAIN.md's metrics and the pages' breakdowns).
- engine.py: statements for any set of metrics, over one window or several.
- metrics.py: each metric as a standalone function `metrics.<name>(store, filter)`.
- docs.py: docs/metrics.md, generated from the declarations.
"""
