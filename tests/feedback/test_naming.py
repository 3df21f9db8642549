"""The pure check for mentors' names in a feedback document (revmentor.feedback.naming)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from revmentor.feedback import naming
from revmentor.feedback.naming import Kind, Mentor, describe, find_mentor_names, summary

HANNAH = Mentor(1, "Dr Hannah Hughes")
IMRAN = Mentor(2, "Dr Imran Iqbal")
DAVID = Mentor(3, "David Smith")
MENTEE = "Dr David Dunmore"


def section(text: str, domain: str = "strengths", label: str = "Strengths") -> dict[str, str]:
    return {"domain": domain, "label": label, "text": text}


def found_in(text: str, *mentors: Mentor, mentee: str = MENTEE) -> list[tuple[int, Kind, str]]:
    """(mentor id, kind, text as written) of every name found in one section."""
    return [
        (name.mentor.id, name.kind, name.text)
        for name in find_mentor_names([section(text)], mentors or (HANNAH, IMRAN), mentee)
    ]


def test_the_demo_text_names_both_mentors_with_and_without_their_title() -> None:
    found = find_mentor_names(
        [section("Hannah Hughes said he is a great teacher. Dr Imran Iqbal agreed.")],
        [HANNAH, IMRAN],
        MENTEE,
    )
    assert [(n.mentor, n.domain, n.label, n.kind, n.text) for n in found] == [
        (HANNAH, "strengths", "Strengths", Kind.FULL_NAME, "Hannah Hughes"),
        (IMRAN, "strengths", "Strengths", Kind.FULL_NAME, "Dr Imran Iqbal"),
    ]
    assert all(name.certain for name in found)
    assert summary(found) == "Strengths names Hannah Hughes and Dr Imran Iqbal"


@pytest.mark.parametrize(
    "text",
    [
        "HANNAH HUGHES said so",
        "hannah hughes said so",
        "Dr. Hannah Hughes said so",
        "Prof Hannah Hughes said so",
        "as Hannah\nHughes said",
        "Hannah  Hughes's idea",
        "(Hannah Hughes)",
    ],
)
def test_a_full_name_is_found_whatever_its_case_title_or_spacing(text: str) -> None:
    assert [(i, k) for i, k, _t in found_in(text)] == [(1, Kind.FULL_NAME)]


@pytest.mark.parametrize(
    "text",
    [
        "Hughes, Hannah said so",
        "HUGHES Hannah said so",
        "hughes,hannah said so",
        "Dr Hughes, Hannah said so",
        "as Hughes\nHannah said",
        "Dr Hughes said so",
        "dr. HUGHES said so",
        "Prof Hughes's idea",
        "Dr H Hughes said so",
        "Dr H. Hughes said so",
        "as H.Hughes said",
    ],
)
def test_a_full_name_surname_first_or_a_surname_after_a_title_names_the_mentor(
    text: str,
) -> None:
    found = find_mentor_names([section(text)], [HANNAH, IMRAN], MENTEE)
    assert [(n.mentor, n.kind, n.certain) for n in found] == [(HANNAH, Kind.FULL_NAME, True)]
    assert summary(found).startswith("Strengths names ")


def test_a_first_name_after_a_title_or_a_name_split_by_a_full_stop_stays_possible() -> None:
    assert found_in("Dr Hannah said so") == [(1, Kind.FIRST_NAME, "Hannah")]
    assert found_in("As Hughes. Hannah said") == [
        (1, Kind.SURNAME, "Hughes"),
        (1, Kind.FIRST_NAME, "Hannah"),
    ]
    assert found_in("Hughes and Hannah") == [
        (1, Kind.SURNAME, "Hughes"),
        (1, Kind.FIRST_NAME, "Hannah"),
    ]


def test_a_title_and_a_surname_someone_else_of_the_scheme_has_is_only_possible() -> None:
    # Another mentee is a Hughes too: "Dr Hughes" may be them.
    found = find_mentor_names(
        [section("Dr Hughes said so")], [HANNAH], MENTEE, others=[MENTEE, "Dr Alan Hughes"]
    )
    assert [(n.kind, n.text) for n in found] == [(Kind.SURNAME, "Hughes")]
    # The mentee's own surname after a title is the mentee.
    assert found_in("Dr Dunmore said so", Mentor(11, "Helen Dunmore")) == []


def test_middle_names_stored_may_be_left_out_in_either_order() -> None:
    mary = Mentor(12, "Dr Mary Ann Smith")
    for text in ("Mary Smith agreed", "Smith, Mary Ann agreed", "Smith, Mary agreed"):
        assert found_in(text, mary) == [(12, Kind.FULL_NAME, text.removesuffix(" agreed"))]


def test_someone_elses_full_name_surname_first_is_theirs() -> None:
    jones = Mentor(10, "David Jones")
    found = find_mentor_names(
        [section("Much like Dunmore, David")], [jones], "Dr Alan Ashworth", ["Dr David Dunmore"]
    )
    assert found == []


def test_a_name_stored_without_a_title_is_found_with_one() -> None:
    assert found_in("Dr David Smith agreed", DAVID) == [(3, Kind.FULL_NAME, "Dr David Smith")]


def test_names_are_found_on_word_boundaries_only() -> None:
    assert found_in("Hughesfield and Hannahs; hannahhughes; Iqbals") == []
    assert found_in("Hannah Hughesfield") == [(1, Kind.FIRST_NAME, "Hannah")]
    assert found_in("xHannah Hughes") == [(1, Kind.SURNAME, "Hughes")]


def test_a_first_name_or_surname_alone_is_a_possible_match() -> None:
    found = find_mentor_names(
        [section("Hannah was clear."), section("As hughes put it", "technology", "Technology")],
        [HANNAH, IMRAN],
        MENTEE,
    )
    assert [(n.label, n.kind, n.text, n.certain) for n in found] == [
        ("Strengths", Kind.FIRST_NAME, "Hannah", False),
        ("Technology", Kind.SURNAME, "hughes", False),
    ]
    assert [line.message for line in describe(found)] == [
        "Strengths has “Hannah”, the first name of a mentor (Dr Hannah Hughes)",
        "Technology has “hughes”, the surname of a mentor (Dr Hannah Hughes)",
    ]


def test_the_words_of_a_full_name_found_are_not_reported_again_alone() -> None:
    assert found_in("Hannah Hughes taught; Hannah Hughes again") == [
        (1, Kind.FULL_NAME, "Hannah Hughes")
    ]
    # Elsewhere in the section, the surname alone is still reported.
    assert found_in("Hannah Hughes taught. Hughes again") == [
        (1, Kind.FULL_NAME, "Hannah Hughes"),
        (1, Kind.SURNAME, "Hughes"),
    ]


def test_words_of_the_mentees_own_name_are_not_looked_for_alone() -> None:
    # The document is about Dr David Dunmore: "David" there is the mentee.
    assert found_in("David is a calm teacher", DAVID) == []
    assert found_in("Smith said David is calm", DAVID) == [(3, Kind.SURNAME, "Smith")]
    # The mentor's full name is still found.
    assert found_in("David Smith said so", DAVID) == [(3, Kind.FULL_NAME, "David Smith")]


def test_a_word_inside_the_full_name_of_someone_else_of_the_scheme_is_theirs() -> None:
    jones = Mentor(10, "David Jones")
    found = find_mentor_names(
        [section("Much like Dr David Dunmore; David Smith's view")],
        [jones],
        "Dr Alan Ashworth",
        others=["Dr David Dunmore", "Dr Alan Ashworth"],
    )
    assert [(n.kind, n.text) for n in found] == [(Kind.FIRST_NAME, "David")]
    assert summary(found) == "Strengths has “David”, the first name of a mentor (David Jones)"
    assert (
        find_mentor_names([section("Like Dr David Dunmore")], [jones], "", ["David Dunmore"]) == []
    )


def test_short_words_and_titles_are_not_looked_for_alone() -> None:
    li = Mentor(4, "Dr Li Wu")
    assert found_in("Li and Wu and Dr and Mr", li) == []
    assert found_in("Dr Li Wu agreed", li) == [(4, Kind.FULL_NAME, "Dr Li Wu")]


def test_a_one_word_name_is_a_full_match_only_with_a_title() -> None:
    okafor = Mentor(5, "Dr Okafor")
    assert found_in("as Okafor said", okafor) == [(5, Kind.SURNAME, "Okafor")]
    assert found_in("as Dr Okafor said", okafor) == [(5, Kind.FULL_NAME, "Dr Okafor")]


def test_mentors_sharing_a_word_are_named_together() -> None:
    anna, ben = Mentor(6, "Anna Jones"), Mentor(7, "Ben Jones")
    found = find_mentor_names([section("Jones said so")], [anna, ben], MENTEE)
    assert summary(found) == (
        "Strengths has “Jones”, the surname of mentors (Anna Jones and Ben Jones)"
    )


def test_nothing_is_found_in_empty_sections_or_without_mentors() -> None:
    assert find_mentor_names([section(""), section("  ")], [HANNAH], MENTEE) == []
    assert find_mentor_names([section("Hannah Hughes")], [], MENTEE) == []
    assert find_mentor_names([section("Hannah")], [Mentor(8, "  "), Mentor(9, "Dr")], "") == []


def test_names_are_reported_in_the_order_of_the_sections_and_the_text() -> None:
    found = find_mentor_names(
        [
            section("Iqbal and then Hannah", "technology", "Technology"),
            section("Dr Imran Iqbal"),
        ],
        [HANNAH, IMRAN],
        MENTEE,
    )
    assert [(n.label, n.text) for n in found] == [
        ("Technology", "Iqbal"),
        ("Technology", "Hannah"),
        ("Strengths", "Dr Imran Iqbal"),
    ]


def test_the_check_imports_nothing_from_django() -> None:
    tree = ast.parse(Path(naming.__file__).read_text())
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert not [name for name in imported if name and name.startswith(("django", "revmentor"))]
