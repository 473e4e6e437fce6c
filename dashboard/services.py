"""The data layer as pages see it: the one door from pages/ to data_layer/ (a test enforces it).

Pages import from here (and types, constants and errors from data_layer.domain) and nothing
else of data_layer: what a page may call is this list, and every call below checks the
actor's role in the data layer itself.
"""

from dashboard.loaders import clear_analytics
from data_layer import alerts, digest, incidents
from data_layer.access import auth
from data_layer.access.auth import NotPermitted
from data_layer.acting import answers, goals, instrument, outreach, rounds
from data_layer.analytics.catalog import FUNNEL_STAGES, REGISTRY
from data_layer.book import drafts, experiments, library, postmortems, trend_notes
from data_layer.book.library import escape_markdown
from data_layer.book.templates import template
from data_layer.db.audit import AuditQuery, history_of, read_trail
from data_layer.directory import admin, records
from data_layer.ingest import inbox, runs
from data_layer.ingest.csv_safety import safe_csv
from data_layer.ingest.importer import SCORE_PREFIX, SPEC_BY_NAME
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.pipeline import SourceFile, fit_of, kind_of, read_source, safe_name
from data_layer.ingest.presets import guess_entity, guess_mapping
from data_layer.ingest.readers import AS_KEYS
from data_layer.operations import accounts, database, imports, learning
from data_layer.operations.base import Door, Operation
from data_layer.operations.catalog import OPERATIONS

# After an import through any door of this process (a page, the API, the drop folder) the pages read the new data.
imports.on_import(clear_analytics)

__all__ = [  # noqa: RUF022 (alphabetical)
    'AS_KEYS',
    'AuditQuery',
    'Door',
    'OPERATIONS',
    'Operation',
    'accounts',
    'database',
    'imports',
    'learning',
    'REGISTRY',
    'FUNNEL_STAGES',
    'Mapping',
    'NotPermitted',
    'SCORE_PREFIX',
    'SPEC_BY_NAME',
    'SourceFile',
    'admin',
    'alerts',
    'answers',
    'goals',
    'instrument',
    'outreach',
    'rounds',
    'digest',
    'trend_notes',
    'auth',
    'postmortems',
    'drafts',
    'escape_markdown',
    'experiments',
    'fit_of',
    'guess_entity',
    'guess_mapping',
    'history_of',
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
