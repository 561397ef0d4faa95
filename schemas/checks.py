"""Results of the validation checks run on every extraction."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CheckResult(BaseModel):
    name: str
    passed: bool
    detail: str = ""
    fields: list[str] = []
    reason: str = Field("", description="the review reason its failure gives; CHECK_FAILED when empty")
