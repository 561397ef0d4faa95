"""The label lexicon (labels.yaml) compiled into one matcher: which words on a page name which field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from docai.services.extraction.layout import fold

STRONG, WEAK = 1.0, 0.5


@dataclass(frozen=True, slots=True)
class LabelHit:
    """A label found in a cell's folded text: [start, end) and the fields it may name with a strength each."""

    start: int
    end: int
    phrase: str
    fields: dict[str, float]


class Lexicon:
    """Every phrase of a lexicon file in one regular expression, longest phrases first."""

    def __init__(self, entries: dict[str, dict[str, float]]) -> None:
        self.fields_of = entries
        phrases = sorted(entries, key=len, reverse=True)
        self._index = {f"p{i}": phrase for i, phrase in enumerate(phrases)}
        parts = [f"(?P<p{i}>{_pattern(phrase)})" for i, phrase in enumerate(phrases)]
        self._regex = re.compile("|".join(parts))

    def find(self, text: str) -> list[LabelHit]:
        """Labels in `text` (already folded), left to right, not overlapping, the longest at each place."""
        hits = []
        for match in self._regex.finditer(text):
            group = match.lastgroup
            if group is None:
                continue
            phrase = self._index[group]
            hits.append(LabelHit(match.start(), match.end(), phrase, self.fields_of[phrase]))
        return hits


def _pattern(phrase: str) -> str:
    suffix = phrase.startswith("~")  # a compound's last part: "~rechnung" finds "Handelsrechnung"
    phrase = phrase.lstrip("~")
    pieces = []
    for piece in phrase.split(" ... "):
        # Spaces and punctuation between a phrase's words may be printed differently:
        # "ust-idnr" finds "USt.-IdNr.".
        parts = re.split(r"([\s\-_.:/]+)", piece)
        pieces.append("".join(r"[\s\-_.:/]+" if i % 2 else re.escape(part) for i, part in enumerate(parts)))
    body = r".{0,20}?".join(pieces)
    start = "" if suffix else r"(?<![a-z0-9])"
    end = r"(?![a-z0-9])" if phrase[-1].isalnum() else ""
    return start + body + end


@cache
def lexicon() -> Lexicon:
    """The shipped lexicon: field labels, party-section labels and table-independent words."""
    raw: dict[str, Any] = yaml.safe_load(
        resources.files("docai.services.extraction").joinpath("labels.yaml").read_text("utf-8")
    )
    entries: dict[str, dict[str, float]] = {}
    for field, strengths in raw.items():
        for strength, languages in strengths.items():
            weight = STRONG if strength == "strong" else WEAK
            for phrases in languages.values():
                for phrase in phrases:
                    if not isinstance(phrase, str):  # YAML reads a bare `no` as False: quote such words
                        raise ValueError(f"labels.yaml: {field} has a label that is not text: {phrase!r}")  # noqa: TRY004 (bad data, not a bad argument)
                    key = fold(phrase).strip()
                    fields = entries.setdefault(key, {})
                    fields[field] = max(fields.get(field, 0.0), weight)
    return Lexicon(entries)
