"""Errors a source raises for bad input. The CLI prints them as one line and exits 2 (RL001)."""

from __future__ import annotations


class InputError(Exception):
    """Input that cannot be read: names the file, the line (when known), the resource/field and the reason.

    Attributes:
        file: path as the user gave it.
        line: 1-based line, or None.
        reason: one sentence.
    """

    def __init__(self, file: str, reason: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.reason = reason
        super().__init__(self.message())

    def message(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.reason}"
