"""The corpus of real public exports (tests/data/real): every file imported with no options.

Each file either imports with exactly its own values, compared here with a reading of the
file written with the standard library only (json, csv), or is refused with the sentence
this test expects. Known people are set up first, as a company's database would hold them;
nothing else is chosen. docs/import.md's corpus table names every file with its outcome.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData
from data_layer.ingest.pipeline import Choices, SourceFile, import_sources
from tests.test_real_exports import add_people

REAL = Path(__file__).parent / "data" / "real"
DOCS = Path(__file__).parent.parent / "docs" / "import.md"
EDX_LEARNER = "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"  # the account name Open edX writes for the test learner

# Which of our verbs each verb IRI of these files becomes, as docs/import.md's verb table says (written out here,
# not taken from the code): None means the statement is left out (a session verb, or not one of ours).
VERBS = {
    "http://adlnet.gov/expapi/verbs/completed": "tutorial_completed",
    "http://adlnet.gov/expapi/verbs/passed": "assessed",
    "https://w3id.org/xapi/acrossx/verbs/posted": "posted",
    "http://id.tincanapi.com/verb/viewed": "resource_subscribed",
    "http://adlnet.gov/expapi/verbs/registered": "invited",
    "http://adlnet.gov/expapi/verbs/attempted": "tool_used",
    "http://adlnet.gov/expapi/verbs/asked": "posted",
    "http://adlnet.gov/expapi/verbs/progressed": None,
    "http://adlnet.gov/expapi/verbs/initialized": None,
    "https://w3id.org/xapi/video/verbs/paused": None,
}
OPEN_EDX = sorted(p.name for p in (REAL / "openedx_xapi").glob("*.json"))


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC).replace(tzinfo=None)


def source(relative: str) -> SourceFile:
    path = REAL / relative
    return SourceFile(path.name, path.read_bytes())


def events(store: Store) -> list[tuple[object, ...]]:
    return store.query("SELECT event_id, person_id, verb, object, occurred_at, source FROM events ORDER BY 1")


@pytest.mark.parametrize("name", OPEN_EDX)
def test_an_open_edx_statement_imports_with_its_own_values(store: Store, tmp_path: Path, name: str) -> None:
    add_people(store, tmp_path, [(EDX_LEARNER, "Open edX Learner", "learner@example.com")])
    statement = json.loads((REAL / "openedx_xapi" / name).read_text(encoding="utf-8"))
    ours = VERBS[statement["verb"]["id"]]
    done = import_sources(store, [source(f"openedx_xapi/{name}")], tmp_path / "w")
    if ours is None:
        assert events(store) == []
        assert any(statement["verb"]["id"] in n and "left out" in n for n in done.notes)
    else:
        assert statement["actor"]["account"]["name"] == EDX_LEARNER
        assert events(store) == [(statement["id"], EDX_LEARNER, ours, statement["object"]["id"],
                                  utc(statement["timestamp"]), "lms")]


def test_the_open_edx_statements_together_one_id_given_twice_is_one_event(store: Store, tmp_path: Path) -> None:
    add_people(store, tmp_path, [(EDX_LEARNER, "Open edX Learner", "learner@example.com")])
    statements = [json.loads((REAL / "openedx_xapi" / n).read_text(encoding="utf-8")) for n in OPEN_EDX]
    body = json.dumps(statements + statements[:3]).encode()  # an LRS export that repeats three statements
    done = import_sources(store, [SourceFile("openedx.json", body)], tmp_path / "w")
    expected = sorted((s["id"], EDX_LEARNER, VERBS[s["verb"]["id"]], s["object"]["id"], utc(s["timestamp"]), "lms")
                      for s in statements if VERBS[s["verb"]["id"]])
    assert events(store) == expected
    assert any("3 statement(s) given again with the same id and content were read once" in n for n in done.notes)


@pytest.mark.parametrize(("relative", "sentence"), [
    ("moodle_xapi/book_chapter_viewed.json", "statement 1: timestamp: has neither timestamp nor stored"),
    ("moodle_xapi/glossary_comment_created.json", "statement 1: timestamp: has neither timestamp nor stored"),
    ("yet_xapi_schema/completion.json", "statement 1: timestamp: has neither timestamp nor stored"),
    ("yet_xapi_schema/simple.json", "is not valid JSON"),
])
def test_statements_we_cannot_place_in_time_or_read_are_refused_with_a_sentence(
        store: Store, tmp_path: Path, relative: str, sentence: str) -> None:
    add_people(store, tmp_path, [("1", "test_fullname", "t1@example.com"),
                                 ("learner", "Example Learner", "example.learner@adlnet.gov")])
    with pytest.raises(InvalidData) as caught:
        import_sources(store, [source(relative)], tmp_path / "w")
    assert any(sentence in str(p) for p in caught.value.problems), caught.value.problems
    assert store.query_value("SELECT count(*) FROM events") == 0


@pytest.mark.parametrize(("relative", "iri", "said"), [
    ("yet_xapi_schema/void.json", "http://adlnet.gov/expapi/verbs/voided", "set to skip"),
    ("moodle_xapi/questionnaire_attempt_submitted.json", "http://activitystrea.ms/submit", "not among ours"),
])
def test_statements_whose_verbs_are_not_ours_import_nothing_and_say_so(
        store: Store, tmp_path: Path, relative: str, iri: str, said: str) -> None:
    add_people(store, tmp_path, [("1", "test_fullname", "t1@example.com")])
    done = import_sources(store, [source(relative)], tmp_path / "w")
    assert events(store) == []
    assert any(iri in n and said in n for n in done.notes)


def test_the_moodle_questionnaire_submission_imports_once_its_verb_is_mapped(store: Store, tmp_path: Path) -> None:
    add_people(store, tmp_path, [("1", "test_fullname", "t1@example.com")])
    (statement,) = json.loads((REAL / "moodle_xapi/questionnaire_attempt_submitted.json").read_text())
    with pytest.raises(InvalidData) as caught:  # mapped, it is read, and its missing time is said
        import_sources(store, [source("moodle_xapi/questionnaire_attempt_submitted.json")], tmp_path / "w",
                       choices=Choices(verbs={"http://activitystrea.ms/submit": "assessed"}))
    assert "timestamp" not in statement and "stored" not in statement
    assert any("has neither timestamp nor stored" in p.message for p in caught.value.problems)


@pytest.mark.parametrize("name", ["accounts.csv", "products.csv", "sales_teams.csv", "data_dictionary.csv"])
def test_crm_tables_that_are_not_ours_are_refused_naming_what_is_missing(store: Store, tmp_path: Path,
                                                                        name: str) -> None:
    with pytest.raises(InvalidData) as caught:
        import_sources(store, [source(f"maven_crm/{name}")], tmp_path / "w")
    (problem,) = caught.value.problems
    assert problem.message.startswith("holds none of the data we import")
    assert "people (people.csv): no column for person_id" in problem.message
    assert store.query_value("SELECT count(*) FROM people") == 0


def corpus_files() -> list[str]:
    out = []
    for path in sorted(REAL.rglob("*")):
        if path.is_file() and path.name != "SOURCE":
            rel = path.relative_to(REAL)
            out.append(rel.parts[0] + "/" if rel.parts[0] == "slack_export" else rel.as_posix())
    return sorted(set(out))


def test_every_corpus_file_has_a_source_note_and_a_row_in_the_docs_table() -> None:
    table = DOCS.read_text(encoding="utf-8").split("## The corpus of real exports", 1)[1]
    files = corpus_files()
    assert len(files) >= 30
    missing = [f for f in files if f"`{f}`" not in table]
    assert not missing, f"docs/import.md's corpus table lacks {missing}"
    for folder in {f.split("/")[0] for f in files}:
        note = (REAL / folder / "SOURCE").read_text(encoding="utf-8")
        assert "Repository:" in note and "Commit:" in note, folder


def test_the_avt_projects_answer_imports_and_its_broken_attempt_is_refused(store: Store, tmp_path: Path) -> None:
    pupil = "76a7a061-3c55-430d-8ee0-6f82ec42501f"
    add_people(store, tmp_path, [(pupil, "AVT Pupil", "pupil@example.com")])
    statement = json.loads((REAL / "avt_xapi/question-minimal-repr.json").read_text(encoding="utf-8"))
    import_sources(store, [source("avt_xapi/question-minimal-repr.json")], tmp_path / "w")
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"  # answered -> assessed (the docs)
    assert events(store) == [(statement["id"], pupil, "assessed", statement["object"]["id"],
                              utc(statement["timestamp"]), "lms")]
    with pytest.raises(InvalidData) as caught:
        import_sources(store, [source("avt_xapi/assessment-minimal-repr.json")], tmp_path / "w2")
    assert any("is not valid JSON" in p.message for p in caught.value.problems)
    assert len(events(store)) == 1
