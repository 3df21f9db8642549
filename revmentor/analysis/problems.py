"""Problems found in a study data folder, each tied to a file, row and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input.

    ``row`` is the line number a spreadsheet shows (the header is row 1, the first answer
    row 2); ``None`` when the problem concerns the whole file. ``column`` is ``None`` when
    the problem concerns a whole row or file.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        """Return ``file, row N, column C: message``, leaving out what is unknown."""
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class StudyDataError(Exception):
    """The study data folder cannot be analysed; ``problems`` says why, one per problem.

    ``more`` counts problems left out of ``problems`` so that a badly broken file of
    millions of rows does not produce millions of messages.
    """

    def __init__(self, problems: list[Problem], more: int = 0) -> None:
        self.problems = problems
        self.more = more
        super().__init__(self.describe())

    def describe(self) -> str:
        """Return every problem on its own line, plus a count of those left out."""
        lines = [str(p) for p in self.problems]
        if self.more:
            lines.append(f"... and {self.more} more problems of the same kinds")
        return "\n".join(lines)


class ProblemLog:
    """Collects problems, keeping at most ``limit`` of each kind in each file."""

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self.problems: list[Problem] = []
        self.more = 0
        self._per_kind: dict[tuple[str, str], int] = {}

    def add(self, file: str, row: int | None, column: str | None, message: str, kind: str) -> None:
        """Record one problem, or only count it once its kind has reached the limit."""
        key = (file, kind)
        seen = self._per_kind.get(key, 0)
        self._per_kind[key] = seen + 1
        if seen < self.limit:
            self.problems.append(Problem(file, row, column, message))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        """Raise :class:`StudyDataError` if any problem was recorded; otherwise do nothing."""
        if self.problems:
            raise StudyDataError(self.problems, self.more)
