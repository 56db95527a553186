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
    ],
)
def test_no_false_alarm_on_numbers_references_and_pseudonyms(text):
    assert list(privacy.findings(text)) == []


def test_findings_are_masked():
    shown = " ".join(masked for _, masked in privacy.findings("jane.doe@example.org 07700 900123 @sadgirl99 [Jenny_004]"))
    for secret in ("jane.doe", "900123", "sadgirl", "Jenny"):
        assert secret not in shown


def test_every_text_column_of_every_table_is_guarded():
    for name, table in schema.SCHEMAS.items():
        for column, declared in table.columns.items():
            assert declared.metadata.get(privacy.PRIVACY_KEY) == privacy.FREE_TEXT, (name, column)


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
    """Validation passes on the shipped data, so every guarded cell is free of findings; checked directly too."""
    tables = [data.load_sources(), data.load_cmos(), data.load_reported_values(), data.load_reference_map()]
    found = [
        (column, kind)
        for table in tables
        for column in table.columns
        if table[column].dtype == object
        for cell in table[column]
        if isinstance(cell, str)
        for kind, _ in privacy.findings(cell)
    ]
    assert found == []
