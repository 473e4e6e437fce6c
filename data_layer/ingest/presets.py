"""The exports people really have, recognised from their headers with no option.

CRM deals: Salesforce opportunity reports (labels such as "Opportunity Owner", "Close
Date"), Salesforce data exports (API names such as StageName, CloseDate, IsWon), HubSpot
and Pipedrive deal exports, and any deals table whose columns the synonyms place.
Surveys: Google Forms, Qualtrics, Typeform and SurveyMonkey. Each gives a `Mapping`; a
column a preset can use but the file lacks (currency, segment, partner) is simply left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from data_layer.domain.vocabulary import DIMENSIONS
from data_layer.ingest.importer import SCORE_PREFIX, SPEC_BY_NAME, SPECS
from data_layer.ingest.mapping import Mapping

# Other names people's exports use for our fields (normalised: lower case, letters and digits).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "person_id": ("personid", "userid", "employeeid", "sellerid", "id"),
    "name": ("fullname", "employeename", "sellername", "displayname"),
    "email": ("emailaddress", "mail", "workemail"),
    "role": ("jobtitle", "title", "position"),
    "team": ("department", "group"),
    "region": ("geo", "territory", "area"),
    "manager_id": ("manager", "managerid", "reportsto", "manageremail"),
    "cohort_id": ("cohort", "cohortid", "groupid"),
    "joined_on": ("joined", "joindate", "startdate", "enrolled", "enrolledon"),
    "left_on": ("left", "leftdate", "enddate"),
    "event_id": ("eventid", "activityid", "statementid"),
    "occurred_at": ("timestamp", "time", "date", "occurred", "createdat"),
    "verb": ("action", "activity", "eventtype", "type"),
    "object": ("objectid", "item", "target"),
    "source": ("system", "origin"),
    "deal_id": ("opportunityid", "dealid", "oppid", "recordid", "opportunityid18", "dealpipedrivesystemid",
                "dealid"),
    "owner_id": ("opportunityowner", "owner", "ownerid", "opportunityowneremail", "owneremail", "dealowner",
                 "salesagent", "salesrep", "accountexecutive", "hubspotowner", "dealownerid"),
    "created_on": ("createddate", "created", "createdon", "createdate", "engagedate", "creationdate",
                   "dealcreationdate", "dealcreated", "opportunitycreateddate", "createdtime", "dealcreatedtime"),
    "closed_on": ("closedate", "closeddate", "closed", "dealclosedon", "opportunityclosedate", "closingdate",
                  "closedon", "dateclosed", "actualclosedate"),
    "status": ("stage", "state", "dealstage", "stagename", "dealstatus", "opportunitystage"),
    "amount": ("value", "dealvalue", "amountusd", "closevalue", "dealamount", "opportunityamount"),
    "currency": ("amountcurrency", "currencyisocode", "opportunitycurrency", "dealcurrencyofvalue",
                 "dealcurrency", "dealcurrencycode", "currencycode"),
    "partner_name": ("partneraccount", "partner", "primarypartner", "partnername", "partneraccountname"),
    "partner_involvement": ("partnerinvolvement", "partnerrole", "partnertype"),
    "segment": ("marketsegment", "customersegment"),
    "assessment_id": ("responseid", "submissionid", "respondentid"),
    "taken_at": ("submittedat", "completedat", "takenat", "submitdateutc", "recordeddate"),
    "barriers": ("barrier", "blockers", "whatholdsyouback"),
    "barrier_notes": ("notes", "comments", "anythingelse"),
}

TOOLS = {
    "salesforce_report": "Salesforce opportunity report", "salesforce_export": "Salesforce data export",
    "hubspot_deals": "HubSpot deals export", "pipedrive_deals": "Pipedrive deals export",
    "crm_opportunities": "CRM opportunity report", "google_forms": "Google Forms responses",
    "qualtrics": "Qualtrics survey export", "typeform": "Typeform responses", "surveymonkey": "SurveyMonkey export",
    "survey_assessments": "Readiness survey export",
}
SURVEYS = ("google_forms", "qualtrics", "typeform", "surveymonkey", "survey_assessments")
DIMENSION_WORDS: dict[str, tuple[str, ...]] = {
    "partner_knowledge": ("partnerknowledge", "knowledgeofpartners", "knowourpartners", "partnerecosystemknowledge"),
    "co_selling_confidence": ("cosellingconfidence", "cosellconfidence", "confidencecoselling",
                              "confidentcoselling", "confidenceincoselling"),
    "solution_selling": ("solutionselling",),
    "tool_fluency": ("toolfluency", "fluencywithtools", "toolsfluency"),
}


def norm(text: str) -> str:
    """A header compared without case, spaces or punctuation."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def guess_entity(filename: str, columns: Iterable[str]) -> str | None:
    """Which of DOMAIN.md's files a source most likely is: by its name, else by its columns."""
    stem = norm(PurePosixPath(filename).stem)
    for spec in SPECS:
        if norm(spec.filename[:-4]) == stem or norm(spec.table) == stem:
            return spec.filename
    cols = {norm(c) for c in columns}
    best, best_score = None, 0
    for spec in SPECS:
        score = sum(1 for f in spec.columns if norm(f) in cols or cols & set(SYNONYMS.get(f, ())))
        required = [c.name for c in spec.cols if c.required]
        score += sum(1 for f in required if norm(f) in cols)
        if score > best_score:
            best, best_score = spec.filename, score
    return best if best_score >= 2 else None


def guess_mapping(columns: Iterable[str], entity: str) -> dict[str, str]:
    """Field -> source column, guessed from names (exact, then known synonyms)."""
    spec = SPEC_BY_NAME[entity]
    names = list(columns)
    by_norm: dict[str, str] = {}
    for c in names:
        by_norm.setdefault(norm(c), c)
    out: dict[str, str] = {}
    for f in spec.columns:
        if norm(f) in by_norm and by_norm[norm(f)] not in out.values():
            out[f] = by_norm[norm(f)]
            continue
        for syn in SYNONYMS.get(f, ()):
            if syn in by_norm and by_norm[syn] not in out.values():
                out[f] = by_norm[syn]
                break
    # Who a row is about is often given by email or name rather than an id (surveys, CRM owners).
    person_field = {"assessments.csv": "person_id", "activity.csv": "person_id", "memberships.csv": "person_id",
                    "deals.csv": "owner_id"}.get(entity)
    if person_field and person_field not in out:
        for cand in ("email", "emailaddress", "respondentemail", "recipientemail", "workemail", "fullname", "name"):
            if cand in by_norm and by_norm[cand] not in out.values():
                out[person_field] = by_norm[cand]
                break
    if entity == "assessments.csv":
        out.update({k: v for k, v in dimension_columns(names).items() if v not in out.values()})
    return out


def dimension_columns(columns: Iterable[str]) -> dict[str, str]:
    """score_<dimension> -> the column asking about it (by its key, label or a known wording)."""
    out: dict[str, str] = {}
    for dim, label in DIMENSIONS.items():
        words = (norm(dim), norm(label), norm(SCORE_PREFIX + dim), *DIMENSION_WORDS.get(dim, ()))
        for c in columns:
            if any(w in norm(c) for w in words) and c not in out.values():
                out[SCORE_PREFIX + dim] = c
                break
    return out


def _first(columns: list[str], *candidates: str) -> str | None:
    by_norm = {norm(c): c for c in reversed(columns)}
    for cand in candidates:
        if norm(cand) in by_norm:
            return by_norm[norm(cand)]
    return None


def _contains(columns: list[str], *words: str) -> str | None:
    for c in columns:
        if any(w in norm(c) for w in words):
            return c
    return None


def _put(mapping: Mapping, field_name: str, column: str | None) -> None:
    if column and column not in mapping.columns.values():
        mapping.columns[field_name] = column


def _deal_extras(mapping: Mapping, columns: list[str]) -> None:
    """Currency, segment and partner columns, wherever a CRM keeps them."""
    _put(mapping, "currency", _first(columns, *SYNONYMS["currency"], "currency"))
    _put(mapping, "segment", _first(columns, "segment", *SYNONYMS["segment"]))
    involvement = _first(columns, *SYNONYMS["partner_involvement"])
    _put(mapping, "partner_involvement", involvement)
    partner = _first(columns, *SYNONYMS["partner_name"]) or next(
        (c for c in columns if "partner" in norm(c) and c != involvement and "id" != norm(c)[-2:]), None)
    _put(mapping, "partner_name", partner)


def recognise(columns: list[str]) -> tuple[str, Mapping] | None:
    """(preset, mapping) for a well-known export, told apart by its headers; None when it is none of them."""
    cols = {norm(c) for c in columns}

    def has(*names: str) -> bool:
        return _has(cols, *names)

    if has("StageName") and (has("CloseDate") or has("IsClosed")) and (has("Id") or has("OpportunityId")):
        m = Mapping("deals.csv", preset="salesforce_export")
        _put(m, "deal_id", _first(columns, "Id", "OpportunityId"))
        _put(m, "owner_id", _first(columns, "Owner.Email", "OwnerEmail", "OwnerId", "Owner.Name", "OwnerName"))
        _put(m, "created_on", _first(columns, "CreatedDate"))
        _put(m, "closed_on", _first(columns, "CloseDate"))
        _put(m, "status", _first(columns, "StageName"))
        _put(m, "amount", _first(columns, "Amount"))
        won, closed = _first(columns, "IsWon"), _first(columns, "IsClosed")
        if won and closed:
            m.options.update({"won_column": won, "closed_column": closed})
        _deal_extras(m, columns)
        return "salesforce_export", m
    if (has("Opportunity Owner") or has("Opportunity Owner Email") or has("Opportunity Name")) and has("Stage") \
            and has("Close Date"):
        m = Mapping("deals.csv", preset="salesforce_report")
        _put(m, "deal_id", _first(columns, "Opportunity ID", "Opportunity ID (18)", "Opportunity Id"))
        _put(m, "owner_id", _first(columns, "Opportunity Owner Email", "Opportunity Owner (email)", "Owner Email",
                                   "Opportunity Owner", "Owner", "Owner Name", "Opportunity Owner: Full Name"))
        _put(m, "created_on", _first(columns, "Created Date", "Opportunity Created Date", "Create Date"))
        _put(m, "closed_on", _first(columns, "Close Date"))
        _put(m, "status", _first(columns, "Stage"))
        _put(m, "amount", _first(columns, "Amount", "Amount (converted)", "Total Amount"))
        won, closed = _first(columns, "Won"), _first(columns, "Closed")
        if won and closed:
            m.options.update({"won_column": won, "closed_column": closed})
        _deal_extras(m, columns)
        return "salesforce_report", m
    if has("Deal Stage") and (has("Deal Name") or has("Record ID")):
        m = Mapping("deals.csv", preset="hubspot_deals")
        _put(m, "deal_id", _first(columns, "Record ID", "Deal ID", "Object ID"))
        _put(m, "owner_id", _first(columns, "Deal owner email", "Deal Owner", "HubSpot Owner", "Deal owner"))
        _put(m, "created_on", _first(columns, "Create Date", "Created Date", "Deal create date"))
        _put(m, "closed_on", _first(columns, "Close Date", "Closed Date"))
        _put(m, "status", _first(columns, "Deal Stage"))
        _put(m, "amount", _first(columns, "Amount", "Amount in company currency"))
        _deal_extras(m, columns)
        return "hubspot_deals", m
    if any(c.startswith("deal") for c in cols) and (has("Deal - Title") or has("Deal - Status") or has("Deal - Value")):
        m = Mapping("deals.csv", preset="pipedrive_deals")
        _put(m, "deal_id", _first(columns, "Deal - ID", "Deal - Pipedrive System ID", "ID"))
        _put(m, "owner_id", _first(columns, "Deal - Owner", "Deal - Owner email", "Owner"))
        _put(m, "created_on", _first(columns, "Deal - Deal created", "Deal - Creation date", "Deal - Add time"))
        _put(m, "closed_on", _first(columns, "Deal - Closed on", "Deal - Close time"))
        _put(m, "status", _first(columns, "Deal - Status"))
        _put(m, "amount", _first(columns, "Deal - Value"))
        _put(m, "currency", _first(columns, "Deal - Currency of value", "Deal - Currency"))
        won_at, lost_at = _first(columns, "Deal - Won time"), _first(columns, "Deal - Lost time")
        if "closed_on" not in m.columns and won_at and lost_at:
            m.options.update({"won_date_column": won_at, "lost_date_column": lost_at})
        _deal_extras(m, columns)
        return "pipedrive_deals", m
    survey = _recognise_survey(columns)
    if survey:
        return survey
    return None


def _has(cols: set[str], *names: str) -> bool:
    return all(norm(n) in cols for n in names)


def _recognise_survey(columns: list[str]) -> tuple[str, Mapping] | None:
    cols = [norm(c) for c in columns]
    present = set(cols)

    def h(*names: str) -> bool:
        return _has(present, *names)

    preset: str | None = None
    if h("StartDate", "EndDate") and (h("ResponseId") or h("ResponseID")):
        preset = "qualtrics"
    elif h("Respondent ID", "Collector ID"):
        preset = "surveymonkey"
    elif (h("#") or h("Network ID") or h("Token")) and (h("Submit Date (UTC)") or h("Submitted At")):
        preset = "typeform"
    elif cols and cols[0] == "timestamp":
        preset = "google_forms"
    if preset is None:
        return None
    m = Mapping("assessments.csv", preset=preset, options={"instrument": TOOLS[preset].replace(" export", "")
                                                            .replace(" responses", "")})
    if preset == "qualtrics":
        _put(m, "assessment_id", _first(columns, "ResponseId", "ResponseID"))
        _put(m, "taken_at", _first(columns, "RecordedDate", "EndDate"))
        _put(m, "person_id", _first(columns, "RecipientEmail", "EmailAddress", "Email", "ExternalReference",
                                    "ExternalDataReference"))
        if h("RecipientFirstName", "RecipientLastName"):
            m.options.update({"first_name_column": _first(columns, "RecipientFirstName") or "",
                              "last_name_column": _first(columns, "RecipientLastName") or ""})
    elif preset == "surveymonkey":
        _put(m, "assessment_id", _first(columns, "Respondent ID"))
        _put(m, "taken_at", _first(columns, "End Date", "Start Date"))
        _put(m, "person_id", _first(columns, "Email Address", "Email"))
        if h("First Name", "Last Name"):
            m.options.update({"first_name_column": _first(columns, "First Name") or "",
                              "last_name_column": _first(columns, "Last Name") or ""})
    elif preset == "typeform":
        _put(m, "assessment_id", _first(columns, "#", "Response ID", "Token"))
        _put(m, "taken_at", _first(columns, "Submit Date (UTC)", "Submitted At"))
        _put(m, "person_id", _first(columns, "Email", "Email address", "Work email", "What is your email?")
             or _contains(columns, "email"))
    else:  # Google Forms: no response id in the file; one is made from the time and the respondent
        _put(m, "taken_at", columns[0])
        _put(m, "person_id", _first(columns, "Email Address", "Email address", "Email", "Username")
             or _contains(columns, "email"))
        if "person_id" not in m.columns:
            _put(m, "person_id", _first(columns, "Full Name", "Name", "Your name", "Full name"))
        m.options["derive_id"] = "gf"
    m.columns.update({k: v for k, v in dimension_columns(columns).items() if v not in m.columns.values()})
    _put(m, "barriers", _first(columns, *SYNONYMS["barriers"], "barriers") or
         _contains(columns, "barrier", "holdsyouback", "blocker", "obstacle"))
    _put(m, "barrier_notes", _first(columns, "barrier_notes", "barriernotes", "anythingelse", "comments", "notes"))
    _put(m, "kind", _first(columns, "Kind", "Survey type", "Wave"))
    return preset, m


def legacy_preset(preset: str) -> Mapping:
    """The fixed mappings of the first version's two presets (their sample layouts)."""
    if preset == "crm_opportunities":
        return Mapping("deals.csv", {
            "deal_id": "Opportunity ID", "owner_id": "Opportunity Owner (email)", "created_on": "Created Date",
            "closed_on": "Close Date", "status": "Stage", "amount": "Amount", "partner_name": "Partner Account",
            "currency": "Currency", "segment": "Segment"}, preset)
    if preset == "survey_assessments":
        cols = {"assessment_id": "Response ID", "person_id": "Email", "taken_at": "Submitted At",
                "barriers": "What holds you back?", "barrier_notes": "Anything else?", "kind": "Kind"}
        for dim, label in DIMENSIONS.items():
            cols[SCORE_PREFIX + dim] = f"{label} (1-5)"
        return Mapping("assessments.csv", cols, preset, {"instrument": "Readiness survey"})
    raise ValueError(f"unknown preset {preset}")
