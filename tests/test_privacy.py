"""The privacy guard: what it finds, what it must not mistake for identifying details, and where it applies."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest

from helpers.data import loaders as data
from helpers.data import privacy, schema
from helpers.data.errors import DataError


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to jane.doe@example.org", "an e-mail address"),
        ("call 07700 900123", "a phone number"),
        ("or (0161) 496 0000", "a phone number"),
        ("ring +44 20 7946 0958", "a phone number"),
        ("US +1 415 555 0100", "a phone number"),
        ("https://www.reddit.com/user/abc/", "a link to a user profile"),
        ("reddit.com/u/someone", "a link to a user profile"),
        ("https://www.facebook.com/jane.doe", "a link to a user profile"),
        ("x.com/somebody", "a link to a user profile"),
        ("https://www.tiktok.com/@somebody", "a link to a user profile"),
        ("https://forum.example.org/members/bluebird.123/", "a link to a user profile"),
        ("https://community.example.com/profile/55", "a link to a user profile"),
        ("thanks @sadgirl99", "an @handle"),
        ("[Jenny_004]", "a participant id that is not a study pseudonym"),
        ("Pigeon_001 said", "a participant id that is not a study pseudonym"),
        # obfuscated, folded and spelled forms
        ("jane [at] example [dot] org", "an e-mail address"),
        ("jane (at) example (dot) co (dot) uk", "an e-mail address"),
        ("jane dot doe at example dot com", "an e-mail address"),
        ("jane\uff20example.org", "an e-mail address"),
        ("07700\u2011900\u2011123", "a phone number"),
        ("\uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13", "a phone number"),
        ("zero seven seven zero zero nine zero zero one two three", "a phone number"),
        ("0 7 7 0 0 9 0 0 1 2 3", "a phone number"),
        ("(01) 234 5678", "a phone number"),
        ("(02) 9876 5432", "a phone number"),
        ("030 901820 0", "a phone number"),
        ("(415) 555-0100", "a phone number"),
        ("+49 30 901820", "a phone number"),
        ("u/sad_throwaway99", "a username"),
        ("bluebird#1234", "a username"),
        ("username: moonchild77", "a username"),
        ("https://t.me/somebody", "a username"),
        ("Sarah Jones was diagnosed with bipolar disorder", privacy.NAME_NEAR_CONDITION),
        ("Mr Jones, who lives with depression", privacy.NAME_NEAR_CONDITION),
        ("DOB 12/03/1990", "a date of birth"),
        ("born on 3 March 1990", "a date of birth"),
        ("SW1A 1AA", "a postcode"),
        ("zip code 94103", "a postcode"),
    ],
)
def test_finds_identifying_details(text, kind):
    assert kind in [found for found, _ in privacy.findings(text)]


@pytest.mark.parametrize(
    "text",
    [
        "95% CI 0.12-0.45, n=1,234, N=80,915 (76,265 cases), p<.001",
        "published 2012-2015; years 2019 2020 2021 2022",
        "doi 10.2196/79289, pages 643-653, ISBN 0-19-852663-6",
        "Magpie_100, Sparrow2_003, Chaffinch_001, Jay_009, Starling_002, Magpie\\_32, Dunnock, Robin (n=12)",
        "subredditstats.com/r/depression; Table_1; CMO_2024; e25.sample.survey.wave1.n",
        "https://www.jmir.org/2025/1/e79289",
        "ISBN 978-0-19-852663-6; doi:10.1016/j.chb.2012.01.004; pages 1041-1050; 2019-2020",
        "published 12 March 2020; accessed 2024-05-01; look at the table. Results follow",
        "Robin and Jay forums; users with depression on Magpie; Mental Health Forum (MHF) members",
        "Beck Depression Inventory; Patient Health Questionnaire (PHQ-9); 7 of 42 sources",
    ],
)
def test_no_false_alarm_on_numbers_references_and_pseudonyms(text):
    assert list(privacy.findings(text)) == []


def test_a_curators_review_silences_only_names_next_to_conditions(monkeypatch):
    """A row whose privacy_reviewed cell is a review note may name a person next to a condition; nothing else."""
    table = pa.DataFrameSchema({"note": schema._text(), privacy.REVIEW_COLUMN: schema._text(required=False)}, name="notes")
    monkeypatch.setitem(schema.SCHEMAS, "notes", table)
    named = "Sarah Jones was diagnosed with bipolar disorder"
    note = "reviewed by A. Curator on 2026-01-05: the author of the cited memoir, named in its title"
    frame = pd.DataFrame({"note": [named, named, named + "; 07700 900123"], privacy.REVIEW_COLUMN: [note, "", note]})
    with pytest.raises(DataError) as error:
        data.check_table(frame, "notes", "data/notes.csv")
    found = [(p.row, p.message.split(" (")[0]) for p in error.value.problems]
    assert found == [(3, f"holds {privacy.NAME_NEAR_CONDITION}"), (4, "holds a phone number")]


def test_findings_are_masked():
    shown = " ".join(masked for _, masked in privacy.findings("jane.doe@example.org 07700 900123 @sadgirl99 [Jenny_004]"))
    for secret in ("jane.doe", "900123", "sadgirl", "Jenny"):
        assert secret not in shown


# Columns of published bibliographic records (authors, titles, venues of the screening log): guarded for everything
# but names next to conditions, since authorship is public.
PUBLIC_AUTHORSHIP_COLUMNS = {("screening", "title"), ("screening", "authors"), ("screening", "venue")}


def test_every_text_column_of_every_table_is_guarded():
    for name, table in schema.SCHEMAS.items():
        for column, declared in table.columns.items():
            expected = privacy.PUBLIC_AUTHORSHIP if (name, column) in PUBLIC_AUTHORSHIP_COLUMNS else privacy.FREE_TEXT
            assert declared.metadata.get(privacy.PRIVACY_KEY) == expected, (name, column)


def test_a_participant_id_column_accepts_only_study_pseudonyms(monkeypatch):
    """A column declared PARTICIPANT_ID_COLUMN (quote attributions, when quotes are added) takes only pseudonyms."""
    quotes = pa.DataFrameSchema(
        {
            "participant_id": schema._text(privacy=privacy.PARTICIPANT_ID_COLUMN),
            "quote": schema._text(),
        },
        name="quotes",
    )
    monkeypatch.setitem(schema.SCHEMAS, "quotes", quotes)
    good = pd.DataFrame({"participant_id": ["Magpie_100", "Sparrow2_003"], "quote": ["I don't feel alone", "it helped"]})
    assert len(data.check_table(good, "quotes", "data/quotes.csv")) == 2
    bad = pd.DataFrame({"participant_id": ["Magpie_100", "John_Smith", "Pigeon_001"], "quote": ["a", "b", "c"]})
    with pytest.raises(DataError) as error:
        data.check_table(bad, "quotes", "data/quotes.csv")
    assert [(p.row, p.column) for p in error.value.problems] == [(3, "participant_id"), (4, "participant_id")]
    assert all("not a study pseudonym" in p.message and "Smith" not in p.message for p in error.value.problems)


def test_the_shipped_data_hold_nothing_identifying(repo):
    """Validation passes on the shipped data, so every guarded cell is free of findings; checked directly too,
    over every text cell of every table and every BibTeX field the guard scans (numbers, DOIs, ISBNs, dates
    of publication and the bird pseudonyms among them)."""
    from helpers.data import bib

    loaders = [data.load_sources, data.load_cmos, data.load_reported_values, data.load_reference_map]
    loaders += [data.load_design_implications, data.load_value_relations, data.load_cross_checks]
    cells = [cell for load in loaders for table in [load()] for column in table.columns for cell in table[column]]
    cells = [cell for cell in cells if isinstance(cell, str)]
    assert len(cells) > 1000  # the scan really reads the tables' text (pandas 3 keeps text as str, not object)
    found = [(cell[:40], kind) for cell in cells for kind, _ in privacy.findings(cell)]
    assert found == []
    library = (repo / "bib" / "references.bib").read_text(encoding="utf-8")
    import bibtexparser

    fields = [str(f.value) for e in bibtexparser.parse_string(library).entries for f in e.fields if f.key in bib.FREE_TEXT_FIELDS]
    assert fields and [kind for text in fields for kind, _ in privacy.findings(text)] == []
