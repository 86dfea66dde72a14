"""Errors that reach a user: each carries a message that says what is wrong and how to fix it.

The CLI prints ``str(error)`` (never a traceback) and exits with ``error.exit_code``:

* 1 — the input was read but is invalid (a registry or scenario that breaks a rule);
* 2 — the input could not be used at all (missing file, bad argument, bad date, unknown unit);
* 3 — an output could not be written (folder holds foreign files, disk error).
"""

from __future__ import annotations

import pandas as pd

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3


class OrgmodelError(Exception):
    """A problem with what the user gave us; the message is for the user."""

    exit_code = EXIT_USAGE


class InputError(OrgmodelError):
    """Input that cannot be used: missing file, unknown unit, bad date or argument."""

    exit_code = EXIT_USAGE


class OutputError(OrgmodelError):
    """An output that cannot be written safely."""

    exit_code = EXIT_OUTPUT


class ValidationError(OrgmodelError):
    """Input that was read but breaks rules; ``problems`` holds every failure as a table.

    ``problems`` columns: severity, file, line, id, column, value, message (sorted most important
    first). ``str()`` renders one line per problem as ``file:line: message``.
    """

    exit_code = EXIT_INVALID

    def __init__(self, problems: pd.DataFrame, header: str | None = None):
        self.problems = problems
        self.header = header
        super().__init__(self.render())

    def __reduce__(self):  # pickled whole (a report's solving process sends it to the command)
        return (self.__class__, (self.problems, self.header))

    def render(self) -> str:
        lines = [self.header] if self.header else []
        for row in self.problems.itertuples(index=False):
            where = f"{row.file}" if row.line is None or pd.isna(row.line) or row.line == "" else f"{row.file}:{row.line}"
            lines.append(f"{where}: {row.message}")
        return "\n".join(lines)
