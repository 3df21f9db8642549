"""Mentors' names in a feedback document (pure: nothing from Django).

A feedback document is the group's feedback, unattributed: it must never name the
mentors who gave it (docs/data-protection.md). :func:`find_mentor_names` looks for them in
a version's sections; :func:`describe` words what it found for a page or an error.

- A mentor's **full name**, in either order, with or without a title ("Hannah Hughes",
  "Dr Hannah Hughes", "dr. hannah hughes", "Hughes, Hannah", "HUGHES Hannah"), is a
  certain match: the version names them. So is their **surname after a title or their
  first name's initial** ("Dr Hughes", "H. Hughes", "Dr H Hughes"), unless another person
  of the scheme has that surname (then it may be them: a possible match). Middle names
  stored may be left out ("Mary Smith" for "Mary Ann Smith").
- Their **first name** or **surname** alone is a possible match: "Will" or "Grant" may be
  a name or an ordinary word, and a person has to judge. So is a title and first name
  ("Dr Hannah").
- Matching ignores case and finds whole words only ("Hughes's" names Hughes; "Hughesfield"
  does not). Any run of spaces or a line break may separate the words of a full name,
  and a comma may follow the surname written first.
- A name word that is also part of the mentee's own name is not looked for alone (the
  document is about the mentee, so "David" there is the mentee), nor a word of fewer
  than three letters, nor a title ("Dr"); nor is a word inside the full name of someone
  else of the scheme written there ("much like Dr Mentee One": that person's "One").
- A mentor stored with a one-word name is matched in full only with a title ("Dr
  Okafor"); the word alone is a possible match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

TITLES = frozenset(
    {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame", "rev", "revd"}
)
MIN_LETTERS = 3  # shorter words ("Al", "Li") are too often parts of ordinary text
_TITLE = r"(?:" + "|".join(sorted(TITLES, key=len, reverse=True)) + r")\.?\s+"


class Kind(StrEnum):
    """How much of a mentor's name was found."""

    FULL_NAME = "full name"
    FIRST_NAME = "first name"
    SURNAME = "surname"


@dataclass(frozen=True)
class Mentor:
    """A mentor of the scheme: their participant id and their name as stored."""

    id: int
    name: str


@dataclass(frozen=True)
class NameFound:
    """A mentor's name (or part of it) in one section, as written there."""

    mentor: Mentor
    domain: str
    label: str
    kind: Kind
    text: str

    @property
    def certain(self) -> bool:
        """True for a full name: the section names the mentor."""
        return self.kind is Kind.FULL_NAME


@dataclass(frozen=True)
class Finding:
    """One line to show: a section and the name (or word) found in it."""

    domain: str
    label: str
    certain: bool
    message: str


def _words(name: str) -> list[str]:
    """The words of a name without titles or the punctuation around them."""
    words = (word.strip(".,;:()\"'") for word in name.split())
    return [word for word in words if word and word.casefold().rstrip(".") not in TITLES]


def _letters(word: str) -> int:
    return sum(character.isalpha() for character in word)


def _whole(body: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class _Patterns:
    mentor: Mentor
    full: re.Pattern[str] | None
    parts: tuple[tuple[Kind, re.Pattern[str]], ...]


def _full(words: Sequence[str], *, titled_surname: bool = False) -> re.Pattern[str] | None:
    """A full name in either order, with or without a title, its middle names optional
    ("Hannah Hughes", "Dr Hughes, Hannah"); with ``titled_surname`` also the surname
    after a title or the first name's initial ("Dr Hughes", "H. Hughes"). A one-word
    name only with a title (alone it is too often an ordinary word)."""
    if not words:
        return None
    escaped = [re.escape(word) for word in words]
    if len(escaped) == 1:
        return _whole(f"{_TITLE}{escaped[0]}")
    first, *middle, last = escaped
    middles = "".join(rf"(?:\s+{word})?" for word in middle)
    # The surname first may be followed by a comma: "Hughes, Hannah" as in a list.
    either = rf"{first}{middles}\s+{last}|{last}(?:\s*,\s*|\s+){first}{middles}"
    body = f"(?:{_TITLE})?(?:{either})"
    if not titled_surname:
        return _whole(body)
    # A surname nobody else has, after a title or the first name's initial: "Dr Hughes",
    # "H Hughes", "Dr H. Hughes".
    initial = re.escape(words[0][0])
    return _whole(rf"{body}|{_TITLE}{last}|(?:{_TITLE})?{initial}(?:\.\s*|\s+){last}")


def _patterns(mentor: Mentor, mentee_words: frozenset[str], surnames: frozenset[str]) -> _Patterns:
    """What to look for of ``mentor``'s name. ``surnames``: the surnames of the scheme's
    other people; "Dr Hughes" is certain only if none of them (nor the mentee) is a
    Hughes."""
    words = _words(mentor.name)
    parts: list[tuple[Kind, re.Pattern[str]]] = []
    named = [(Kind.FIRST_NAME, words[0]), (Kind.SURNAME, words[-1])] if len(words) > 1 else []
    for kind, word in named or [(Kind.SURNAME, word) for word in words]:
        if _letters(word) >= MIN_LETTERS and word.casefold() not in mentee_words:
            parts.append((kind, _whole(re.escape(word))))
    titled = bool(words) and words[-1].casefold() not in mentee_words | surnames
    return _Patterns(mentor, _full(words, titled_surname=titled), tuple(parts))


def find_mentor_names(
    sections: Iterable[Mapping[str, str]],
    mentors: Iterable[Mentor],
    mentee_name: str,
    others: Iterable[str] = (),
) -> list[NameFound]:
    """Every mentor's name found in ``sections`` (``{"domain", "label", "text"}`` each).

    Returns one :class:`NameFound` per section, mentor and kind of match (the first
    occurrence's text), in the order of the sections and, within one, of the text.
    A first name or surname inside a full name found there is not reported alone: not
    inside a mentor's (even for another mentor sharing it), nor inside one of
    ``others``, the full names of the scheme's other people ("Like Dr David Dunmore"
    names the mentee David Dunmore, not the mentor David Smith). Empty sections and an
    empty list of mentors give [].
    """
    mentee_words = frozenset(word.casefold() for word in _words(mentee_name))
    others_words = [words for words in (_words(name) for name in others) if words]
    surnames = frozenset(words[-1].casefold() for words in others_words)
    patterns = [_patterns(mentor, mentee_words, surnames) for mentor in mentors]
    if not patterns:
        return []
    people = [pattern for pattern in (_full(words) for words in others_words) if pattern]
    found: list[tuple[int, NameFound]] = []
    for section in sections:
        text = section.get("text", "")
        if not text.strip():
            continue
        domain, label = section.get("domain", ""), section.get("label", "")
        in_section: list[tuple[int, NameFound]] = []
        spans = [match.span() for person in people for match in person.finditer(text)]
        for each in patterns:
            matches = list(each.full.finditer(text)) if each.full else []
            if matches:
                spans += [match.span() for match in matches]
                first = NameFound(each.mentor, domain, label, Kind.FULL_NAME, matches[0][0])
                in_section.append((matches[0].start(), first))
        for each in patterns:
            for kind, pattern in each.parts:
                alone = next(
                    (
                        m
                        for m in pattern.finditer(text)
                        if not any(start <= m.start() < end for start, end in spans)
                    ),
                    None,
                )
                if alone is not None:
                    in_section.append(
                        (alone.start(), NameFound(each.mentor, domain, label, kind, alone[0]))
                    )
        in_section.sort(key=lambda pair: pair[0])
        found += in_section
    return [name for _start, name in found]


def checked_key(name: NameFound) -> tuple[str, str, int, str]:
    """What a person checked when they said a possible match does not name a mentor: the
    section, the kind of match, the mentor and the word (lower case). Another word, or
    the same word of another mentor, is not covered by it."""
    return (name.domain, str(name.kind), name.mentor.id, name.text.casefold())


def joined(items: Sequence[str]) -> str:
    """The items as a list in a sentence: A; A and B; A, B and C ("" for none)."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def describe(found: Iterable[NameFound]) -> list[Finding]:
    """What to tell a person, a line per section (full names) or per section and word
    (possible names), in the order found: "Strengths names Hannah Hughes", "Strengths
    has “Hannah”, the first name of a mentor (Dr Hannah Hughes)"."""
    # Keyed so that insertion order is the order of first appearance.
    groups: dict[tuple[str, str, str], list[NameFound]] = {}
    for name in found:
        key = (
            (name.domain, "", "")
            if name.certain
            else (name.domain, name.text.casefold(), name.kind)
        )
        groups.setdefault(key, []).append(name)
    lines: list[Finding] = []
    for names in groups.values():
        first = names[0]
        if first.certain:
            texts = joined(list(dict.fromkeys(name.text for name in names)))
            lines.append(Finding(first.domain, first.label, True, f"{first.label} names {texts}"))
            continue
        whose = joined(list(dict.fromkeys(name.mentor.name for name in names)))
        mentors = "a mentor" if len(names) == 1 else "mentors"
        message = f"{first.label} has “{first.text}”, the {first.kind} of {mentors} ({whose})"
        lines.append(Finding(first.domain, first.label, False, message))
    return lines


def summary(found: Sequence[NameFound]) -> str:
    """The findings as one sentence-ready list: "Strengths names Hannah Hughes; …"."""
    return "; ".join(line.message for line in describe(found))
