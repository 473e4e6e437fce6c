"""Ordered, named schema migrations, recorded in `schema_migrations` (as sqlite-utils does them).

Each migration is a function named after it (`m0008_event_summaries` records
"0008_event_summaries") whose DDL and backfill are frozen in its own text: it imports nothing
that may change later. Opening a database (`Store(path)`) and migrating it (`migrate(store)`)
are separate steps; `open_database(path)` does both. `migrate` applies only the migrations
the database has not recorded, each in its own transaction, so a failure leaves the database
at the last good version. Never edit a migration that has shipped: add a new one.

No foreign keys: DuckDB implements UPDATE as delete + insert, which trips FK checks
on upserts; referential integrity is checked by the importer and the write functions.
No primary key on `events`: a 10-million-row ART index costs memory and slows bulk
loads; event ids are de-duplicated by the importer instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from data_layer.db.files import keep_before_migrating
from data_layer.db.store import Store, Transaction
from data_layer.domain.errors import MigrationError

Migration = Callable[[Transaction], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    """Register a migration; its name (the function's, without the leading m) is what the database records."""
    MIGRATIONS.append(fn)
    return fn


def name_of(fn: Migration) -> str:
    return fn.__name__.removeprefix("m")


def run(tx: Transaction, sql: str) -> None:
    """Run a migration's statements (separated by `;`) in its transaction."""
    for statement in _split(sql):
        tx.execute(statement)


@migration
def m0001_core_entities(tx: Transaction) -> None:
    run(tx, """
        CREATE TABLE people (
            person_id  VARCHAR PRIMARY KEY,
            name       VARCHAR NOT NULL,
            email      VARCHAR NOT NULL,
            role       VARCHAR NOT NULL,
            team       VARCHAR,
            region     VARCHAR,
            manager_id VARCHAR
        );
        CREATE TABLE cohorts (
            cohort_id      VARCHAR PRIMARY KEY,
            name           VARCHAR NOT NULL,
            program        VARCHAR NOT NULL,
            start_date     DATE NOT NULL,
            end_date       DATE,
            facilitator_id VARCHAR,
            channel        VARCHAR
        );
        CREATE TABLE memberships (
            cohort_id VARCHAR NOT NULL,
            person_id VARCHAR NOT NULL,
            joined_on DATE NOT NULL,
            left_on   DATE,
            PRIMARY KEY (cohort_id, person_id)
        );
        CREATE TABLE events (
            event_id    VARCHAR NOT NULL,
            occurred_at TIMESTAMP NOT NULL,  -- UTC
            person_id   VARCHAR NOT NULL,
            verb        VARCHAR NOT NULL,
            object      VARCHAR,
            cohort_id   VARCHAR,
            source      VARCHAR NOT NULL
        );
        CREATE TABLE barrier_codes (code VARCHAR PRIMARY KEY, label VARCHAR NOT NULL);
        CREATE TABLE dimensions (dimension VARCHAR PRIMARY KEY, label VARCHAR NOT NULL);
        CREATE TABLE assessments (
            assessment_id VARCHAR PRIMARY KEY,
            person_id     VARCHAR NOT NULL,
            taken_at      TIMESTAMP NOT NULL,  -- UTC
            instrument    VARCHAR NOT NULL,
            kind          VARCHAR NOT NULL,    -- baseline | follow_up
            barriers      VARCHAR[] NOT NULL,  -- barrier codes cited
            barrier_notes VARCHAR
        );
        -- One row per dimension so new dimensions need no schema change.
        CREATE TABLE assessment_scores (
            assessment_id VARCHAR NOT NULL,
            dimension     VARCHAR NOT NULL,
            score         DOUBLE NOT NULL,
            PRIMARY KEY (assessment_id, dimension)
        );
        CREATE TABLE deals (
            deal_id             VARCHAR PRIMARY KEY,
            owner_id            VARCHAR NOT NULL,
            created_on          DATE NOT NULL,
            closed_on           DATE,
            status              VARCHAR NOT NULL,  -- open | won | lost
            amount              DECIMAL(18, 2) NOT NULL,
            currency            VARCHAR NOT NULL,
            partner_involvement VARCHAR NOT NULL,  -- none | sourced | influenced
            partner_name        VARCHAR,
            segment             VARCHAR
        );
    """)


@migration
def m0002_book_of_learning(tx: Transaction) -> None:
    run(tx, """
        CREATE TABLE sections (
            section_id VARCHAR PRIMARY KEY,
            label      VARCHAR NOT NULL,
            owner_id   VARCHAR
        );
        CREATE TABLE plans (
            plan_id       VARCHAR PRIMARY KEY,
            name          VARCHAR NOT NULL,
            section       VARCHAR NOT NULL,
            owner_id      VARCHAR NOT NULL,
            starts_on     DATE NOT NULL,
            ends_on       DATE NOT NULL,
            learning_goal VARCHAR NOT NULL,
            cohort_id     VARCHAR
        );
        CREATE TABLE lessons (
            lesson_id       VARCHAR PRIMARY KEY,
            title           VARCHAR NOT NULL,
            plan_id         VARCHAR,
            section         VARCHAR NOT NULL,
            occurred_on     DATE NOT NULL,
            learning_goal   VARCHAR,
            what_happened   VARCHAR,
            outcome         VARCHAR,           -- worked | flopped | mixed | inconclusive
            lessons         VARCHAR,
            recommendations VARCHAR,
            tags            VARCHAR[] NOT NULL,
            author_id       VARCHAR NOT NULL,
            cohort_id       VARCHAR,
            status          VARCHAR NOT NULL,  -- draft | in_review | published
            created_at      TIMESTAMP NOT NULL,
            updated_at      TIMESTAMP NOT NULL,
            published_at    TIMESTAMP
        );
        CREATE TABLE actions (
            action_id   VARCHAR PRIMARY KEY,
            lesson_id   VARCHAR NOT NULL,
            description VARCHAR NOT NULL,
            owner_id    VARCHAR NOT NULL,
            due_on      DATE NOT NULL,
            done_on     DATE
        );
    """)


@migration
def m0003_users_and_audit(tx: Transaction) -> None:
    run(tx, """
        CREATE TABLE users (
            email         VARCHAR PRIMARY KEY,
            name          VARCHAR NOT NULL,
            role          VARCHAR NOT NULL,   -- viewer | editor | admin
            password_hash VARCHAR,            -- NULL for single-sign-on accounts
            disabled      BOOLEAN NOT NULL DEFAULT FALSE,
            person_id     VARCHAR,
            created_at    TIMESTAMP NOT NULL
        );
        CREATE SEQUENCE audit_seq;
        CREATE TABLE audit_log (
            audit_id  BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
            occurred_at TIMESTAMP NOT NULL,
            actor     VARCHAR NOT NULL,
            entity    VARCHAR NOT NULL,
            entity_id VARCHAR,
            action    VARCHAR NOT NULL,
            summary   VARCHAR
        );
        CREATE TABLE app_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
    """)


@migration
def m0004_reference_rows(tx: Transaction) -> None:
    """The reference rows of the vocabulary as shipped (frozen: later vocabulary changes need a migration)."""
    run(tx, """
    INSERT INTO barrier_codes (code, label) VALUES ('dont_know_partners', 'Don''t know the partners'),
('no_time', 'No time'),
('comp_not_aligned', 'Compensation not aligned'),
('fear_losing_control', 'Fear of losing control of the deal'),
('unclear_process', 'Unclear process'),
('tool_friction', 'Tool friction'),
('no_manager_support', 'No manager support'),
('partner_quality', 'Partner quality'),
('other', 'Other');
    INSERT INTO dimensions (dimension, label) VALUES ('partner_knowledge', 'Partner knowledge'),
('co_selling_confidence', 'Co-selling confidence'),
('solution_selling', 'Solution selling'),
('tool_fluency', 'Tool fluency');
    INSERT INTO sections (section_id, label, owner_id) VALUES ('seo', 'SEO & keyphrases', NULL),
('offers', 'Offers & promotions', NULL),
('campaigns', 'Campaigns', NULL),
('analyst_relations', 'Analyst & influencer relations', NULL),
('multivariate_tests', 'Multivariate tests', NULL),
('landing_pages', 'Landing pages', NULL),
('email', 'Email', NULL),
('social_media', 'Social media', NULL),
('partnerships', 'Partnerships & ecosystem', NULL),
('sales_plays', 'Sales plays', NULL),
('enablement', 'Enablement & tools', NULL);
    """)


@migration
def m0005_sign_in_attempts(tx: Transaction) -> None:
    run(tx, """
        -- Failed sign-ins per email (known or not, so the lock-out reveals nothing).
        CREATE TABLE login_attempts (
            email          VARCHAR PRIMARY KEY,
            failures       INTEGER NOT NULL,
            last_failed_at TIMESTAMP NOT NULL,
            locked_until   TIMESTAMP
        );
        CREATE INDEX audit_entity ON audit_log (entity, entity_id);
    """)


@migration
def m0006_book_of_learning_forms(tx: Transaction) -> None:
    run(tx, """
        -- What a person is typing, saved as they write, offered back after a refresh or sign-in.
        CREATE TABLE form_drafts (
            owner_email VARCHAR NOT NULL,
            form_key    VARCHAR NOT NULL,   -- 'new', 'plan:<id>' or 'lesson:<id>'
            payload     JSON NOT NULL,
            saved_at    TIMESTAMP NOT NULL,
            PRIMARY KEY (owner_email, form_key)
        );
        -- One row per submitted form instance: a double click or a resubmit creates one lesson.
        CREATE TABLE form_submissions (
            token      VARCHAR PRIMARY KEY,
            entity_id  VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        );
        -- "I applied this": who reused a lesson.
        CREATE TABLE lesson_applications (
            lesson_id  VARCHAR NOT NULL,
            email      VARCHAR NOT NULL,
            applied_at TIMESTAMP NOT NULL,
            PRIMARY KEY (lesson_id, email)
        );
    """)


@migration
def m0007_import_mappings(tx: Transaction) -> None:
    run(tx, """
        -- Named column mappings, saved from the Import page for next time (TOML text).
        CREATE TABLE import_mappings (
            name     VARCHAR PRIMARY KEY,
            mapping  VARCHAR NOT NULL,
            saved_by VARCHAR NOT NULL,
            saved_at TIMESTAMP NOT NULL
        );
    """)


@migration
def m0008_event_summaries(tx: Transaction) -> None:
    """Summary tables of events (summaries.py keeps them current), built from what is there. DDL and backfill frozen as shipped: summaries.py may change, a shipped migration must not."""
    run(tx, """
        CREATE TABLE IF NOT EXISTS event_firsts (
            person_id VARCHAR NOT NULL, cohort_id VARCHAR, verb VARCHAR NOT NULL, first_at TIMESTAMP NOT NULL
        );
        CREATE TABLE IF NOT EXISTS outreach_events (
            person_id VARCHAR NOT NULL, cohort_id VARCHAR, occurred_at TIMESTAMP NOT NULL
        );
        CREATE TABLE IF NOT EXISTS activity_days (
            day DATE NOT NULL, person_id VARCHAR NOT NULL, cohort_id VARCHAR, active BOOLEAN NOT NULL,
            shared_win BOOLEAN NOT NULL
        );
        INSERT INTO event_firsts SELECT person_id, cohort_id, verb, min(occurred_at) FROM events
            GROUP BY person_id, cohort_id, verb;
        INSERT INTO outreach_events SELECT person_id, cohort_id, occurred_at FROM events
            WHERE verb = 'outreach_received' ORDER BY occurred_at;
        INSERT INTO activity_days SELECT CAST(occurred_at AS DATE) AS day, person_id, cohort_id,
            bool_or(verb NOT IN ('invited', 'outreach_received')), bool_or(verb = 'shared_win') FROM events
            GROUP BY ALL ORDER BY day
    """)


@migration
def m0009_assessment_facts(tx: Transaction) -> None:
    """One row per assessment with its readiness and place in the person's history. DDL and backfill frozen as shipped: summaries.py may change, a shipped migration must not."""
    run(tx, """
        CREATE TABLE IF NOT EXISTS assessment_facts (
            person_id VARCHAR NOT NULL, seq INTEGER NOT NULL, assessment_id VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            taken_at TIMESTAMP NOT NULL, taken_on DATE NOT NULL, readiness DOUBLE, barriers VARCHAR[] NOT NULL,
            scores STRUCT(dimension VARCHAR, score DOUBLE)[] NOT NULL
        );
        INSERT INTO assessment_facts
        SELECT a.person_id,
               row_number() OVER (PARTITION BY a.person_id ORDER BY a.taken_at, a.assessment_id),
               a.assessment_id, a.kind, a.taken_at, CAST(a.taken_at AS DATE), r.readiness, a.barriers,
               coalesce(r.scores, [])
        FROM assessments a
        LEFT JOIN (SELECT assessment_id, avg(score) AS readiness,
                          list({'dimension': dimension, 'score': score} ORDER BY dimension) AS scores
                   FROM assessment_scores GROUP BY assessment_id) r
          USING (assessment_id)
        ORDER BY a.person_id, 2
    """)


@migration
def m0010_closed_deals(tx: Transaction) -> None:
    """The won and lost deals with boolean flags, in closing order. DDL and backfill frozen as shipped: summaries.py may change, a shipped migration must not."""
    run(tx, """
        CREATE TABLE IF NOT EXISTS closed_deals (
            owner_id VARCHAR NOT NULL, created_on DATE NOT NULL, closed_on DATE NOT NULL, won BOOLEAN NOT NULL,
            partner_involvement VARCHAR NOT NULL, with_partner BOOLEAN NOT NULL, amount DECIMAL(18, 2) NOT NULL
        );
        INSERT INTO closed_deals
        SELECT owner_id, created_on, closed_on, status = 'won', partner_involvement, partner_involvement <> 'none',
               amount
        FROM deals WHERE status IN ('won', 'lost') AND closed_on IS NOT NULL
        ORDER BY closed_on
    """)


@migration
def m0011_open_deals_may_lack_amount_and_created_on(tx: Transaction) -> None:
    """Real CRM exports hold open deals without an amount or a created date (issue: real exports in)."""
    run(tx, """
        ALTER TABLE deals ALTER COLUMN amount DROP NOT NULL;
        ALTER TABLE deals ALTER COLUMN created_on DROP NOT NULL
    """)


@migration
def m0012_sign_in_limits(tx: Transaction) -> None:
    """Sign-in limits per account and address, per address, per account (auth.LIMITS)."""
    run(tx, """
        CREATE TABLE sign_in_limits (
            key            VARCHAR PRIMARY KEY,
            failures       INTEGER NOT NULL,
            last_failed_at TIMESTAMP NOT NULL,
            locked_until   TIMESTAMP
        );
        DROP TABLE login_attempts
    """)


@migration
def m0013_sessions(tx: Transaction) -> None:
    """Cookie sessions and the one-time tickets traded for them (sessions.py); hashes only."""
    run(tx, """
        CREATE TABLE sessions (
            token_hash   VARCHAR PRIMARY KEY,
            email        VARCHAR NOT NULL,
            kind         VARCHAR NOT NULL,  -- ticket | session
            origin       VARCHAR,           -- a session: the hash of the ticket it was traded for
            created_at   TIMESTAMP NOT NULL,
            last_used_at TIMESTAMP NOT NULL,
            expires_at   TIMESTAMP NOT NULL
        );
        CREATE INDEX sessions_email ON sessions (email)
    """)


@migration
def m0014_drafts_per_form(tx: Transaction) -> None:
    """A form's content by its lesson id (drafts.py): one form, one lesson; versions for conflicts."""
    run(tx, """
        CREATE TABLE drafts (
            form_key    VARCHAR PRIMARY KEY,  -- the lesson id the form writes to
            owner_email VARCHAR NOT NULL,     -- who started it (their "My drafts")
            payload     JSON NOT NULL,
            version     INTEGER NOT NULL,
            saved_at    TIMESTAMP NOT NULL,
            saved_by    VARCHAR NOT NULL
        );
        INSERT INTO drafts
            SELECT CASE WHEN starts_with(form_key, 'lesson:') THEN substr(form_key, 8)
                        ELSE 'L-' || substr(md5(owner_email || form_key), 1, 10) END,
                   owner_email, payload, 1, saved_at, owner_email
            FROM form_drafts
            QUALIFY row_number() OVER (PARTITION BY CASE WHEN starts_with(form_key, 'lesson:')
                                       THEN substr(form_key, 8) ELSE owner_email || form_key END
                                       ORDER BY saved_at DESC) = 1;
        DROP TABLE form_drafts
    """)


@migration
def m0015_setup_codes(tx: Transaction) -> None:
    """The one-time code the first administrator must give (issue: run it for real), stored hashed."""
    run(tx, """
        CREATE TABLE setup_codes (
            code_hash  VARCHAR NOT NULL,
            issued_at  TIMESTAMP NOT NULL
        )
    """)


@migration
def m0016_api_tokens(tx: Transaction) -> None:
    """API tokens for the server's /api/v1 routes (issue: run it for real): stored hashed, revocable."""
    run(tx, """
        CREATE TABLE api_tokens (
            token_id     VARCHAR PRIMARY KEY,
            name         VARCHAR NOT NULL,
            role         VARCHAR NOT NULL,
            token_hash   VARCHAR NOT NULL,
            created_by   VARCHAR NOT NULL,
            created_at   TIMESTAMP NOT NULL,
            last_used_at TIMESTAMP,
            revoked_at   TIMESTAMP
        )
    """)


@migration
def m0017_import_runs(tx: Transaction) -> None:
    """Every import, whoever ran it (page, CLI, API, drop folder), with its files, rows, outcome and duration."""
    run(tx, """
        CREATE TABLE import_runs (
            run_id      VARCHAR PRIMARY KEY,
            started_at  TIMESTAMP NOT NULL,
            seconds     DOUBLE NOT NULL,
            who         VARCHAR NOT NULL,
            via         VARCHAR NOT NULL,
            files       VARCHAR[] NOT NULL,
            sources     VARCHAR[] NOT NULL,
            source_rows INTEGER[] NOT NULL,
            rows        INTEGER NOT NULL,
            outcome     VARCHAR NOT NULL,
            message     VARCHAR
        )
    """)


@migration
def m0018_alerts(tx: Transaction) -> None:
    """Alerts on a headline metric and filter (issue: evidence an executive can defend), and what they sent."""
    run(tx, """
        CREATE TABLE alerts (
            alert_id      VARCHAR PRIMARY KEY,
            name          VARCHAR NOT NULL,
            metric        VARCHAR NOT NULL,
            cohorts       VARCHAR[] NOT NULL,
            window_days   INTEGER NOT NULL,
            rule          VARCHAR NOT NULL,     -- below | above | change
            threshold     DOUBLE NOT NULL,
            min_sample    INTEGER NOT NULL,
            destination   VARCHAR NOT NULL,     -- an https:// incoming webhook, or file:/path
            created_by    VARCHAR NOT NULL,
            created_at    TIMESTAMP NOT NULL,
            state         VARCHAR NOT NULL,     -- unknown | ok | firing | silent
            last_value    DOUBLE,
            last_sample   INTEGER,
            last_checked  TIMESTAMP
        );
        CREATE TABLE alert_events (
            alert_id   VARCHAR NOT NULL,
            sent_at    TIMESTAMP NOT NULL,
            event      VARCHAR NOT NULL,       -- fired | recovered
            value      DOUBLE,
            message    VARCHAR NOT NULL,
            delivered  BOOLEAN NOT NULL,
            problem    VARCHAR
        )
    """)


@migration
def m0019_annotations(tx: Transaction) -> None:
    """Notes editors put on the trend charts: a day and a label."""
    run(tx, """
        CREATE TABLE annotations (
            annotation_id VARCHAR PRIMARY KEY,
            day           DATE NOT NULL,
            label         VARCHAR NOT NULL,
            created_by    VARCHAR NOT NULL,
            created_at    TIMESTAMP NOT NULL
        )
    """)


@migration
def m0020_tests_and_experiments(tx: Transaction) -> None:
    """A test plan's protocol (locked once the plan starts) and its results per variant."""
    run(tx, """
        CREATE TABLE test_protocols (
            plan_id        VARCHAR PRIMARY KEY,
            hypothesis     VARCHAR NOT NULL,
            primary_metric VARCHAR NOT NULL,
            measure        VARCHAR NOT NULL,   -- conversion | mean
            variants       VARCHAR[] NOT NULL, -- the first is the control
            worked_above   DOUBLE NOT NULL,    -- worked: the whole interval of the lift above this
            flopped_below  DOUBLE NOT NULL,    -- flopped: the whole interval below this
            saved_by       VARCHAR NOT NULL,
            saved_at       TIMESTAMP NOT NULL
        );
        CREATE TABLE test_results (
            plan_id     VARCHAR NOT NULL,
            variant     VARCHAR NOT NULL,
            n           INTEGER NOT NULL,
            conversions INTEGER,
            mean        DOUBLE,
            sd          DOUBLE,
            saved_by    VARCHAR NOT NULL,
            saved_at    TIMESTAMP NOT NULL,
            PRIMARY KEY (plan_id, variant)
        )
    """)


@migration
def m0021_learning_loop(tx: Transaction) -> None:
    """Tools and resources by name, message text (opt-in per import, purgeable), the digest's posts."""
    run(tx, """
        -- What an event's `object` names: a tool, tutorial, resource or post (objects.csv).
        CREATE TABLE objects (
            object_id   VARCHAR PRIMARY KEY,
            kind        VARCHAR NOT NULL,    -- tool | tutorial | resource | post
            name        VARCHAR NOT NULL,
            launched_on DATE
        );
        -- The words of an event (a Slack message, a text column), kept apart so an admin can purge them.
        CREATE TABLE event_texts (
            event_id VARCHAR PRIMARY KEY,
            text     VARCHAR NOT NULL
        );
        -- Every digest the CLI or the server's schedule sent, and whether it arrived.
        CREATE TABLE digest_posts (
            sent_at     TIMESTAMP NOT NULL,
            since       DATE NOT NULL,
            destination VARCHAR NOT NULL,
            delivered   BOOLEAN NOT NULL,
            problem     VARCHAR,
            text        VARCHAR NOT NULL
        )
    """)


@migration
def m0022_object_firsts(tx: Transaction) -> None:
    """The first time each person did each thing with each tool, tutorial or resource (summaries.py keeps it)."""
    run(tx, """
        CREATE TABLE object_firsts (
            person_id VARCHAR NOT NULL, cohort_id VARCHAR, object VARCHAR NOT NULL, verb VARCHAR NOT NULL,
            first_at TIMESTAMP NOT NULL
        );
        INSERT INTO object_firsts SELECT person_id, cohort_id, object, verb, min(occurred_at) FROM events
        WHERE object IS NOT NULL GROUP BY person_id, cohort_id, object, verb
    """)


@migration
def m0024_draft_fields_by_their_lesson_names(tx: Transaction) -> None:
    """Drafts' payloads use the lesson's field names (the form once said goal, happened, recs ...).

    Action rows name their owner by id (owner_id) where the form once kept "Name (id)" labels.
    A draft keeps the text a window could not write during a conflict (`pending`) until it is resolved.
    """
    import json

    run(tx, "ALTER TABLE drafts ADD COLUMN pending JSON")

    renamed = {"plan": "plan_id", "date": "occurred_on", "goal": "learning_goal", "happened": "what_happened",
               "recs": "recommendations", "cohort": "cohort_id"}
    for form_key, payload in tx.query("SELECT form_key, payload FROM drafts"):
        old = json.loads(payload)
        new = {renamed.get(name, name): value for name, value in old.items()}
        if isinstance(new.get("actions"), list):
            new["actions"] = [
                {**{k: v for k, v in row.items() if k != "owner"},
                 "owner_id": str(row.get("owner") or "").rsplit("(", 1)[-1].rstrip(")") if row.get("owner") else ""}
                if isinstance(row, dict) and "owner" in row else row
                for row in new["actions"]]
        if new != old:
            tx.execute("UPDATE drafts SET payload = ? WHERE form_key = ?", [json.dumps(new), form_key])



@migration
def m0028_assessments_in_the_product(tx: Transaction) -> None:
    """Assessment rounds, each member's personal link (hashes only) and answers, and the outreach queue's state."""
    run(tx, """
        CREATE TABLE assessment_rounds (
            round_id   VARCHAR PRIMARY KEY,
            name       VARCHAR NOT NULL,
            kind       VARCHAR NOT NULL,    -- baseline | follow_up
            cohorts    VARCHAR[] NOT NULL,
            questions  JSON NOT NULL,       -- [{"dimension": ..., "text": ...}, ...] in the order asked
            barriers   VARCHAR[] NOT NULL,  -- the barrier codes offered
            closes_on  DATE NOT NULL,       -- links expire at the end of this day (UTC)
            created_by VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            closed_at  TIMESTAMP            -- closed early by an editor
        );
        CREATE TABLE assessment_links (
            link_id       VARCHAR PRIMARY KEY,
            round_id      VARCHAR NOT NULL,
            person_id     VARCHAR NOT NULL,
            cohort_id     VARCHAR NOT NULL,
            token_hash    VARCHAR NOT NULL,  -- SHA-256 of the token (the token itself is never stored)
            created_at    TIMESTAMP NOT NULL,
            revoked_at    TIMESTAMP,
            answers       JSON,              -- saved as the person goes
            saved_at      TIMESTAMP,
            submitted_at  TIMESTAMP,
            assessment_id VARCHAR
        );
        CREATE UNIQUE INDEX assessment_links_token ON assessment_links (token_hash);
        CREATE TABLE outreach_tasks (
            assessment_id VARCHAR PRIMARY KEY,
            person_id     VARCHAR NOT NULL,
            cohort_id     VARCHAR,
            owner_email   VARCHAR,           -- who of the team has it
            status        VARCHAR NOT NULL,  -- open | snoozed | not_needed | reached
            snoozed_until TIMESTAMP,
            reason        VARCHAR,
            channel       VARCHAR,
            note          VARCHAR,
            closed_at     TIMESTAMP,         -- reached out, or marked not needed
            updated_by    VARCHAR,
            updated_at    TIMESTAMP
        )
    """)


@migration
def m0029_goals(tx: Transaction) -> None:
    """Goals on a single metric for all or some cohorts, with the value they start from."""
    run(tx, """
        CREATE TABLE goals (
            goal_id     VARCHAR PRIMARY KEY,
            metric      VARCHAR NOT NULL,
            target      DOUBLE NOT NULL,     -- rates as fractions
            direction   VARCHAR NOT NULL,    -- at_least | at_most
            starts_on   DATE NOT NULL,
            due_on      DATE NOT NULL,
            start_value DOUBLE,              -- the metric on starts_on (null: no data then)
            cohorts     VARCHAR[] NOT NULL,  -- empty: all cohorts
            program     VARCHAR,             -- set when the cohorts are a program's
            window_days INTEGER NOT NULL,    -- the metric is read over the days ending each day
            created_by  VARCHAR NOT NULL,
            created_at  TIMESTAMP NOT NULL,
            retired_at  TIMESTAMP
        )
    """)

def migrate(store: Store) -> list[str]:
    """Apply the migrations the database lacks, in order, each in its own transaction; return their names."""
    store.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    done = {row[0] for row in store.query("SELECT name FROM schema_migrations")}
    applied: list[str] = []
    for step in MIGRATIONS:
        name = name_of(step)
        if name in done:
            continue
        try:
            with store.transaction() as tx:
                step(tx)
                tx.execute("INSERT INTO schema_migrations (name) VALUES (?)", [name])
        except Exception as exc:
            raise MigrationError(f"Could not upgrade the database (migration {name}).") from exc
        applied.append(name)
    return applied


def pending(store: Store) -> list[str]:
    """The names of the migrations the database has not recorded (without applying them)."""
    exists = store.query_value("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'")
    done = {row[0] for row in store.query("SELECT name FROM schema_migrations")} if exists else set()
    return [name_of(step) for step in MIGRATIONS if name_of(step) not in done]


def open_database(path: str | Path = ":memory:") -> Store:
    """Open a database and bring its schema up to date: what the app, the CLI and the tests use.
    `Store(path)` alone opens without migrating."""
    store = Store(path)
    try:
        keep_before_migrating(store, pending(store))  # a database made by an older version is kept first
        migrate(store)
    except BaseException:
        store.close()  # release the file so it can be reopened
        raise
    return store


def _split(sql: str) -> list[str]:
    # Our migrations contain no semicolons inside literals except via labels, which
    # never contain ';' (checked in tests); so a plain split is safe.
    return [s.strip() for s in sql.split(";") if s.strip()]
