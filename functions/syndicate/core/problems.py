"""The one shape of every complaint about a posting: a validation error or a channel problem."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    pointer: str  # JSON pointer into the canonical posting, "" for the whole posting
    code: str  # stable machine code: a JSON Schema keyword or a semantic code
    message: str  # a sentence a recruiter understands

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message} [{self.code}]"
