"""Results of the validation checks run on every extraction."""

from __future__ import annotations

from pydantic import BaseModel


class CheckResult(BaseModel):
    name: str
    passed: bool
    detail: str = ""
    fields: list[str] = []
