"""What the interchange modules (FHIR, REDCap) share: errors in plain words, the scale shape.

Pure: nothing here imports Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from revmentor.instruments import LIKERT_VALUES, DefinitionError


class InterchangeProblem(ValueError):
    """An instrument or response cannot be converted; ``problems`` lists each reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class ImportProblem(InterchangeProblem):
    """A FHIR Questionnaire or REDCap data dictionary cannot be imported as it is.

    Each problem names the linkId (FHIR) or the row and variable (REDCap) and says what
    to change.
    """


class ExportProblem(InterchangeProblem):
    """An instrument or its answers cannot be written in the target format."""


_WHERE = re.compile(r"^definition\.sections\[(\d+)\]\.items\[(\d+)\](\S*): (.*)$")


def explain_definition_error(
    error: DefinitionError,
    data: Mapping[str, Any],
    describe: Callable[[str], str],
) -> ImportProblem:
    """Return an ImportProblem restating ``error`` in the source's terms.

    ``data`` is the definition that failed; a schema problem located at an item is
    restated as ``"<describe(item name)><rest of the path>: <message>"`` so the reader
    sees the linkId or REDCap row rather than a position in our own format. Problems
    that name no item are kept as they are.
    """
    problems: list[str] = []
    for problem in error.problems:
        match = _WHERE.match(problem)
        if match is None:
            problems.append(problem)
            continue
        section, index, rest, message = match.groups()
        try:
            name = str(data["sections"][int(section)]["items"][int(index)]["name"])
        except (KeyError, IndexError, TypeError):
            problems.append(problem)
            continue
        field = f" ({rest.lstrip('.')})" if rest else ""
        problems.append(f"{describe(name)}{field}: {message}")
    return ImportProblem(problems)


def likert_ends(options: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """Return ``(low, high)`` if ``options`` are our five-point scale, else None.

    The scale is exactly the codes ``1``..``5`` in order, labelled ``1 – <low>``,
    ``2``, ``3``, ``4``, ``5 – <high>`` (an en dash or a hyphen, as REDCap writes them).
    """
    if tuple(code for code, _ in options) != LIKERT_VALUES:
        return None
    labels = [label.strip() for _, label in options]
    if labels[1:4] != ["2", "3", "4"]:
        return None
    ends = []
    for code, label in ((1, labels[0]), (5, labels[4])):
        match = re.match(rf"^{code}\s*[–-]\s*(\S.*)$", label)
        if match is None:
            return None
        ends.append(match.group(1).strip())
    return ends[0], ends[1]
