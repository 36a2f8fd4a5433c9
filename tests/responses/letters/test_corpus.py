"""The corpus of real reply letters: every letter, field by field, against what a clerk records.

The letters (tests/responses/letters/corpus/) are public reply letters from many provinces
and every level, kept as their web pages print them, with the source address and the
expected fields in manifest.json. bench/bench_letter_corpus.py reports the same comparison
as accuracy figures.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from bench.bench_letter_corpus import FIELDS, comparable
from responses.letters.parse import parse_letter
from responses.letters.text import LetterError

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
LETTERS = {entry["file"]: entry for entry in MANIFEST["letters"]}


@cache
def parsed(file: str) -> dict:
    return parse_letter((CORPUS / file).read_bytes(), file).as_dict()


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("file", sorted(LETTERS))
def test_letter_field(file: str, field: str) -> None:
    expected = LETTERS[file]["expected"][field]
    assert comparable(parsed(file)[field]) == comparable(expected), LETTERS[file]["notes"]


@pytest.mark.parametrize("entry", MANIFEST["cppcc"], ids=lambda entry: entry["file"])
def test_cppcc_proposal_replies_are_refused_with_the_reason(entry: dict) -> None:
    """A reply to a CPPCC member's proposal is not a deputy's suggestion: the import names why."""
    name = Path(entry["file"]).name
    with pytest.raises(LetterError, match=rf"^{name}: not a reply to a deputy's suggestion"):
        parse_letter((CORPUS / entry["file"]).read_bytes(), name)


def test_the_corpus_covers_provinces_and_levels() -> None:
    letters = MANIFEST["letters"]
    assert len(letters) >= 40
    assert len({entry["province"] for entry in letters}) >= 12
    assert {"province", "city", "district", "county"} <= {entry["level"] for entry in letters}
    for entry in letters + MANIFEST["cppcc"]:
        assert (CORPUS / entry["file"]).is_file(), entry["file"]
        assert entry["source"].startswith(("http://", "https://")), entry["file"]
        if "expected" in entry:
            assert set(entry["expected"]) == set(FIELDS), entry["file"]


def test_uncertain_fields_come_with_their_candidates() -> None:
    """Two numbers in one letter (第009号 in the heading, 第2019009号 in the text): the parser
    keeps the first and says it is unsure, listing both."""
    data = parsed("liaoning-district-1.txt")
    assert data["number"] == "009"
    assert "number" in data["uncertain"]
    assert data["candidates"]["number"] == ["009", "2019009"]
    # A clean letter has nothing to check.
    assert parsed("guangdong-province-1.txt")["uncertain"] == []
