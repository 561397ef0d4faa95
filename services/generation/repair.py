"""Grounded repair of a description: required facts the model dropped, appended from the product data.

A small model sometimes writes a good text that leaves out a required fact ("made in Portugal").
When missing required facts are the only errors of the scorecard, the service appends them, at
most :data:`MAX_APPENDED`, each as one short sentence in the brand's register built around the
attribute's value verbatim ("Made in Portugal." for a terse brand, "And it's made in Portugal."
for one that talks to "you"). Nothing is invented and nothing is hidden: the repaired text is
scored again and kept only if it passes, and its scorecard carries a ``missing_fact`` *warning*
naming the appended sentence.

A non-streamed text that stops mid-sentence ("It holds 300 ml, weighs just") may also be cut back
to its last full sentence first (a ``fluency`` warning names what was cut), unless the cut would
remove the only sentence that speaks to "you" of a brand that must (then it is left to the
retries); a streamed text cannot be taken back, so it only gets the appended sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docai.schemas.product import BrandGuide, Product, Scorecard, Violation
from docai.services.generation.scorecard import addresses_reader, missing_facts
from docai.services.generation.slips import indefinite_article

__all__ = ["MAX_APPENDED", "Repair", "fact_sentence", "plan_repair"]

# More missing facts than this and the text is not "good but for one fact": leave it to the retries.
MAX_APPENDED = 2
_SENTENCE_END = re.compile(r"[.!?…][\"'’”)]*(?=\s|$)")
_MADE = re.compile(r"^(?:hand[- ]?)?(?:made|crafted|built|designed|sewn|woven|forged)\b", re.IGNORECASE)
_PARTS = frozenset({"upper", "blade", "fabric", "body"})  # material aliases that name a part
_MEASURE_VERBS = {"capacity": "holds", "volume": "holds", "size": "measures", "weight": "weighs"}


@dataclass(frozen=True)
class Repair:
    """A repaired text and what was done to it.

    Attributes:
        text: The repaired text.
        appended: The sentences added at the end ("" when none), with their leading space.
        cut: The unfinished words removed from the end ("" when none).
        facts: The ``(fact, value)`` pairs the appended sentences state.
    """

    text: str
    appended: str
    cut: str
    facts: tuple[tuple[str, str], ...]

    def notes(self) -> list[Violation]:
        """Warnings for the scorecard: what the service changed and why."""
        notes: list[Violation] = []
        if self.cut:
            notes.append(
                Violation(
                    kind="fluency",
                    severity="warning",
                    span=self.cut,
                    start=len(self.text) - len(self.appended),
                    end=len(self.text) - len(self.appended),
                    detail=f"the model's text stopped mid-sentence; the service cut {self.cut!r}",
                )
            )
        if self.appended:
            start = len(self.text) - len(self.appended.lstrip())
            said = ", ".join(f"the {key} ({value!r})" for key, value in self.facts)
            notes.append(
                Violation(
                    kind="missing_fact",
                    severity="warning",
                    span=self.text[start:],
                    start=start,
                    end=len(self.text),
                    detail=f"the model left out {said}; the service appended it from the product data",
                )
            )
        return notes


def fact_sentence(key: str, value: str, brand: BrandGuide) -> str:
    """One short sentence stating ``key: value`` in ``brand``'s register, the value verbatim.

    Example:
        >>> (
        ...     fact_sentence("origin", "made in Portugal", nordkraft),
        ...     fact_sentence("origin", "made in Portugal", sunny_days),
        ... )
        ('Made in Portugal.', "And it's made in Portugal.")
    """
    key, value = key.strip().lower(), value.strip().rstrip(".")
    friendly = brand.second_person
    if key == "origin":
        place = value if _MADE.match(value) else f"made in {value}"
        return f"And it's {_lower_first(place)}." if friendly else f"{_cap(place)}."
    if key == "colour":
        return f"It comes in {value}." if friendly else f"{_cap(value)}."
    if key == "material":
        return f"It's made of {value}." if friendly else f"{_cap(value)}."
    if key in _PARTS:
        return f"It has {_a(value)} {key}." if friendly else f"{_cap(value)} {key}."
    if key in _MEASURE_VERBS:
        return f"It {_MEASURE_VERBS[key]} {value}." if friendly else f"{value}."
    if key == "sizes":
        # "EU 38-47" needs its noun: "Sizes EU 38-47." / "It comes in sizes EU 38-47."
        return f"It comes in sizes {value}." if friendly else f"Sizes {value}."
    if key == "height":
        return f"It stands {value} tall." if friendly else f"{value} high."
    if key == "blade length":
        return f"Its blade is {value} long." if friendly else f"{value} blade."
    return f"Its {key} is {value}." if friendly else f"{_cap(key)} {value}."


def plan_repair(text: str, card: Scorecard, product: Product, brand: BrandGuide, *, cut: bool = False) -> Repair | None:
    """The repair of ``text`` when its only errors are missing required facts (and, with ``cut``, an
    unfinished last sentence); None when it has other errors or nothing to repair.

    The caller must score the repaired text again and keep it only if it passes.
    """
    errors = card.errors()
    if not errors:
        return None
    kept, removed = text.rstrip(), ""
    if cut and any(_is_unfinished(v) for v in errors) and kept[-1:] in ",;:":
        # A list that stops after a whole item ("Glass, 350 ml,"): closed where it stops, not cut back.
        kept, removed = kept[:-1].rstrip() + ".", kept[-1]
    elif cut and any(_is_unfinished(v) for v in errors):
        ends = list(_SENTENCE_END.finditer(kept))
        if not ends or ends[-1].end() < len(kept) / 2:
            return None  # too little left to publish
        kept, removed = kept[: ends[-1].end()], kept[ends[-1].end() :].strip()
        if brand.second_person and addresses_reader(text) and not addresses_reader(kept):
            return None  # the cut would take the only "you" away: a retry, not a repair (round 4)
    # Every error must be a missing fact, or lie in the words that were cut.
    if any(v.kind != "missing_fact" and not (removed and (_is_unfinished(v) or v.start >= len(kept))) for v in errors):
        return None
    missing = missing_facts(kept, product, brand)
    if len(missing) > MAX_APPENDED or not (missing or removed):
        return None
    appended = "".join(" " + fact_sentence(_said_key(product, key, value), value, brand) for key, value in missing)
    return Repair(text=kept + appended, appended=appended, cut=removed, facts=tuple(missing))


def _is_unfinished(violation: Violation) -> bool:
    return violation.kind == "fluency" and "mid-sentence" in violation.detail


def _said_key(product: Product, key: str, value: str) -> str:
    # A required fact found under an alias ("upper: leather" for the material) is said with that
    # key: "Leather upper.", not "Leather." (which part is leather?).
    alias = next((a.key.strip().lower() for a in product.attributes if a.value.strip() == value), key)
    return alias if alias in _PARTS else key


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    first, _, rest = text.partition(" ")
    return (first.lower() + (" " + rest if rest else "")) if first.istitle() else text


def _a(phrase: str) -> str:
    return f"{indefinite_article(phrase)} {phrase}"
