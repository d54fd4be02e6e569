"""The one error type for bad input, naming the file, row and column and saying what was expected.

Readers, importers and the API raise :class:`DataError`; the CLI prints it without a traceback and exits 2, and
the API turns it into an RFC 9457 problem with status 422.
"""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Bad input data.

    Parameters
    ----------
    message
        What is wrong, in words a planner understands.
    file
        The file (or upload name) that holds the bad data.
    row
        1-based data row (the header is row 0), when one row is at fault.
    column
        The column at fault, when one is.
    expected
        What a good value or file looks like.

    Examples
    --------
    >>> str(DataError("not a number", file="pop.csv", row=3, column="population", expected="a count"))
    "pop.csv, row 3, column 'population': not a number (expected a count)"
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.expected = expected
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.expected:
            text += f" (expected {self.expected})"
        return text

    def to_dict(self) -> dict:
        """Return the error as a plain dict (for JSON and problem+json answers)."""
        return {
            "message": self.message,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "expected": self.expected,
        }


class AreaError(DataError):
    """A study area that cannot be found or is empty."""


class PlanError(DataError):
    """A plan that does not fit its atlas (unknown, duplicate or missing LSOAs; bad parameters)."""
