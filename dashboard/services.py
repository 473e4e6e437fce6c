"""The data layer as pages see it: the one door from pages/ to data_layer/ (a test enforces it).

Pages import from here (and types, constants and errors from data_layer.domain) and nothing
else of data_layer: what a page may call is this list, and every call below checks the
actor's role in the data layer itself.
"""

from data_layer import alerts, digest, incidents
from data_layer.access import auth
from data_layer.access.auth import NotPermitted
from data_layer.analytics.catalog import FUNNEL_STAGES, REGISTRY
from data_layer.book import drafts, experiments, library, trend_notes
from data_layer.book import postmortems as book
from data_layer.book.library import escape_markdown
from data_layer.book.templates import template
from data_layer.db.audit import AuditQuery, history_of, read_trail
from data_layer.directory import admin, records
from data_layer.ingest import inbox, runs
from data_layer.ingest.csv_safety import safe_csv
from data_layer.ingest.export import export
from data_layer.ingest.importer import SCORE_PREFIX, SPEC_BY_NAME
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.pipeline import SourceFile, fit_of, import_sources, kind_of, read_source, safe_name
from data_layer.ingest.presets import guess_entity, guess_mapping
from data_layer.ingest.readers import AS_KEYS

__all__ = [  # noqa: RUF022 (alphabetical)
    'AS_KEYS',
    'AuditQuery',
    'REGISTRY',
    'FUNNEL_STAGES',
    'Mapping',
    'NotPermitted',
    'SCORE_PREFIX',
    'SPEC_BY_NAME',
    'SourceFile',
    'admin',
    'alerts',
    'digest',
    'trend_notes',
    'auth',
    'book',
    'drafts',
    'escape_markdown',
    'experiments',
    'export',
    'fit_of',
    'guess_entity',
    'guess_mapping',
    'history_of',
    'import_sources',
    'inbox',
    'incidents',
    'kind_of',
    'library',
    'read_source',
    'read_trail',
    'records',
    'runs',
    'safe_csv',
    'safe_name',
    'template',
]
