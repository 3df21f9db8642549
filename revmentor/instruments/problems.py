"""Errors shared by the interchange modules (FHIR, REDCap): every problem in plain words.

Pure: nothing here imports Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from revmentor.instruments import DefinitionError


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
