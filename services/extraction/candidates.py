"""Typed candidates for every field: each value a field could take, where it sits, and why.

Candidates come from labels (the value after a label in the same cell, in the cell to the
right, or in the cell below) and from patterns anywhere on the page (every date, amount,
IBAN and tax id). Each carries a score of its own evidence; `totals`, `parties` and the
chooser weigh candidates against each other.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from docai.schemas.parsed import Word
from docai.services.extraction import values
from docai.services.extraction.labels import LabelHit, lexicon
from docai.services.extraction.layout import Box, Cell, Layout, fold, words_box
from docai.services.extraction.values import Span

# How much a value's position relative to its label says: in the same cell after it, in
# the next cell to the right, in the cell below.
PLACE_WEIGHT = {"same": 1.0, "right": 0.95, "below": 0.8}
PATTERN_SCORE = 0.25  # a value of the right type with no label of its own
CLAIMED_PENALTY = 0.6  # the value sits after a label of another field
SECTIONS = frozenset({"seller", "buyer", "ship_to"})
TEXT_FIELDS = frozenset({"payment_terms"})
AMOUNT_FIELDS = frozenset({"total_net", "total_tax", "total_gross", "amount_due"})
TAX_ID_FIELDS = frozenset({"vendor_tax_id", "customer_tax_id"})


@dataclass(eq=False, slots=True)
class Candidate:
    """One value a field could take, with its place on the page and its evidence."""

    field: str
    value: str  # canonical: ISO dates, '1234.56' amounts, compact ids
    raw: str  # as printed
    page: int
    box: Box
    score: float
    how: str  # "label:same" | "label:right" | "label:below" | "pattern" | "section" | ... | "memory"
    label: str = ""
    valid: bool = True  # its checksum holds (IBAN, VAT) or it has none
    notes: list[str] = dataclasses.field(default_factory=list)  # `field` is a member name here

    @property
    def anchored(self) -> bool:
        """Read after a label, or where the vendor's approved invoices had it: more than a bare pattern."""
        return self.how.startswith("label") or self.how == "memory"


class Run:
    """A sequence of words as one string, able to map a character span back to its words' box."""

    def __init__(self, words: Sequence[Word]) -> None:
        self.words = list(words)
        self.starts: list[int] = []
        parts: list[str] = []
        offset = 0
        for word in self.words:
            self.starts.append(offset)
            parts.append(word.text)
            offset += len(word.text) + 1
        self.text = " ".join(parts)

    def box(self, start: int, end: int) -> Box:
        hit = [w for w, s in zip(self.words, self.starts, strict=True) if s < end and s + len(w.text) > start]
        return words_box(hit or self.words)


@dataclass(slots=True)
class _LabelledCell:
    cell: Cell
    folded: str
    hits: list[LabelHit]
    word_of_char: list[int]  # folded char index -> word index


def _index(cell: Cell) -> _LabelledCell:
    folded_words = [fold(w.text) for w in cell.words]
    word_of_char: list[int] = []
    for i, text in enumerate(folded_words):
        word_of_char.extend([i] * len(text))
        word_of_char.append(i + 1)  # the space belongs to what follows
    folded = " ".join(folded_words)
    return _LabelledCell(cell, folded, lexicon().find(folded), word_of_char)


def _after(labelled: _LabelledCell, hit: LabelHit, until: int) -> Run | None:
    """The words of the cell after the label (up to the next label), as printed."""
    words = labelled.cell.words
    if hit.end >= len(labelled.folded):
        return None
    first = labelled.word_of_char[hit.end] if hit.end < len(labelled.word_of_char) else len(words)
    last = labelled.word_of_char[until - 1] + 1 if until < len(labelled.folded) and until > 0 else len(words)
    tail: list[Word] = []
    if first < len(words) and hit.end > 0 and labelled.word_of_char[hit.end - 1] == first:
        # The label ends inside a word ("Nr.:4711"): keep the rest of that word.
        word = words[first]
        start = hit.end - labelled.folded.rfind(" ", 0, hit.end) - 1
        if len(fold(word.text)) == len(word.text) and start < len(word.text):
            rest = word.text[start:].lstrip(":.#-–= ")
            if rest:
                tail.append(word.model_copy(update={"text": rest}))
        first += 1
    tail.extend(words[first:last])
    return Run(tail) if tail else None


# Reads the values of a field's type in a text after its label, in order. Amounts keep them all:
# "VAT 19 % on 1,234.00   234.46" holds two, and the totals' arithmetic picks between them.
Reader = Callable[[str, str | None], list[Span]]


def _first(spans: Iterator[Span]) -> list[Span]:
    first = next(spans, None)
    return [first] if first is not None else []


def _identifier(text: str, decimal: str | None) -> list[Span]:
    found = values.identifier(text)
    return [found] if found is not None else []


def _amounts(text: str, decimal: str | None) -> list[Span]:
    return list(values.amounts(text, decimal=decimal))


READERS: dict[str, Reader] = {
    **{name: _amounts for name in ("total_net", "total_tax", "total_gross", "amount_due")},
    "invoice_date": lambda text, decimal: _first(values.dates(text)),
    "due_date": lambda text, decimal: _first(values.dates(text)),
    "invoice_number": _identifier,
    "purchase_order": _identifier,
    "vendor_tax_id": lambda text, decimal: _first(values.tax_ids(text)),
    "customer_tax_id": lambda text, decimal: _first(values.tax_ids(text)),
    "iban": lambda text, decimal: _first(values.ibans(text)),
    "bic": lambda text, decimal: _first(values.bics(text)),
    "currency": lambda text, decimal: _first(values.currencies(text)),
}


def _text_span(text: str) -> Span | None:
    stripped = text.strip(" :.-")
    if len(stripped) < 3 or not re.search(r"[A-Za-zÀ-ÿ]", stripped):
        return None
    start = text.find(stripped)
    return Span(start, start + len(stripped), stripped, " ".join(stripped.split()))


class Candidates:
    """Every candidate of every field on one document."""

    def __init__(self, layout: Layout, *, decimal: str | None) -> None:
        self.layout = layout
        self.decimal = decimal
        self.by_field: dict[str, list[Candidate]] = {}
        self.labelled = {id(cell): _index(cell) for cell in layout.cells()}
        self.claimed: list[tuple[int, Box, str]] = []  # values read after labels: (page, box, field)
        self._from_labels()
        self._from_patterns()

    def of(self, name: str) -> list[Candidate]:
        return sorted(self.by_field.get(name, []), key=lambda c: -c.score)

    def add(self, candidate: Candidate) -> None:
        existing = self.by_field.setdefault(candidate.field, [])
        for other in existing:
            if other.value == candidate.value and other.page == candidate.page and other.box == candidate.box:
                if candidate.score > other.score:
                    existing.remove(other)
                    break
                return
        existing.append(candidate)

    def label_hits(self, cell: Cell) -> list[LabelHit]:
        return self.labelled[id(cell)].hits

    def starts_with_label(self, cell: Cell) -> bool:
        """The cell opens with a label; a section word counts only as the whole cell
        ("Van" in "Van Dijk BV" does not)."""
        labelled = self.labelled[id(cell)]
        if not labelled.hits or labelled.hits[0].start != 0:
            return False
        first = labelled.hits[0]
        return not set(first.fields) <= SECTIONS or first.end >= len(labelled.folded.rstrip(" :")) - 1

    # -- from labels ------------------------------------------------------------------

    def _from_labels(self) -> None:
        for labelled in self.labelled.values():
            hits = labelled.hits
            for i, hit in enumerate(hits):
                until = _value_end(labelled.folded, hits, i)
                for name, strength in hit.fields.items():
                    if name in SECTIONS or name == "other":
                        continue
                    self._read_after_label(labelled, hit, until, name, strength)
                if "other" in hit.fields:
                    self._claim_after(labelled, hit, until, "other")

    def _sources(self, labelled: _LabelledCell, hit: LabelHit, until: int) -> Iterator[tuple[str, Run]]:
        same = _after(labelled, hit, until)
        if same is not None:
            yield "same", same
        if until < len(labelled.folded):
            return  # another label follows in the cell: the value, if any, was between them
        for place, neighbour in (
            ("right", self.layout.right_of(labelled.cell)),
            ("below", self.layout.below(labelled.cell)),
        ):
            if neighbour is not None and not self.starts_with_label(neighbour):
                yield place, Run(neighbour.words)

    def _read_after_label(self, labelled: _LabelledCell, hit: LabelHit, until: int, name: str, strength: float) -> None:
        if name in TEXT_FIELDS:
            self._read_text(labelled, hit, name, strength)
            return
        reader = READERS.get(name)
        if reader is None:
            return
        strength += self._context_bonus(labelled, hit, name, strength)
        for place, run in self._sources(labelled, hit, until):
            spans = reader(run.text, self.decimal)
            for rank, span in enumerate(reversed(spans) if place == "same" else spans):
                # Only a value close to its label's end belongs to it ("Invoice No 123", not a number 40 characters on).
                if place == "same" and span.start > 24 and name not in AMOUNT_FIELDS:
                    continue
                box = run.box(span.start, span.end)
                score = PLACE_WEIGHT[place] * strength - 0.1 * rank + _validity_bonus(name, span)
                self.add(
                    Candidate(
                        name,
                        span.value,
                        span.raw,
                        labelled.cell.page,
                        box,
                        score,
                        f"label:{place}",
                        hit.phrase,
                        span.valid,
                    )
                )
                self.claimed.append((labelled.cell.page, box, name))
            if spans and name not in AMOUNT_FIELDS:
                return  # the nearest place with a value of the right type holds it

    def _read_text(self, labelled: _LabelledCell, hit: LabelHit, name: str, strength: float) -> None:
        """Free text (payment terms): the rest of the cell, or the whole cell when the label opens a sentence."""
        cell = labelled.cell
        rest = labelled.folded[hit.end :]
        whole = hit.start == 0 and not rest.lstrip().startswith(":") and len(rest.strip()) > 3
        run = Run(cell.words) if whole else _after(labelled, hit, len(labelled.folded))
        if run is None:
            right = self.layout.right_of(cell) or self.layout.below(cell)
            run = Run(right.words) if right is not None else None
        span = _text_span(run.text) if run is not None else None
        if run is not None and span is not None:
            self.add(
                Candidate(
                    name,
                    span.value,
                    span.raw,
                    cell.page,
                    run.box(span.start, span.end),
                    strength,
                    "label:same",
                    hit.phrase,
                )
            )

    def _context_bonus(self, labelled: _LabelledCell, hit: LabelHit, name: str, strength: float) -> float:
        """A weak label ("vom", "date") in the cell that names the invoice number: "Invoice No. 7 dated 3 May"."""
        if strength >= 1.0 or name == "invoice_number":
            return 0.0
        return (
            0.3
            if any(
                "invoice_number" in other.fields and other.fields["invoice_number"] >= 1.0 for other in labelled.hits
            )
            else 0.0
        )

    def _claim_after(self, labelled: _LabelledCell, hit: LabelHit, until: int, name: str) -> None:
        """Marks the value after a label of no field ("Delivery date") so no field takes it as a bare pattern."""
        for _place, run in self._sources(labelled, hit, until):
            spans = (
                _first(values.dates(run.text))
                or _first(values.amounts(run.text, decimal=self.decimal))
                or _identifier(run.text, None)
            )
            if spans:
                self.claimed.append((labelled.cell.page, run.box(spans[0].start, spans[0].end), name))
                return

    # -- from patterns ----------------------------------------------------------------

    def _from_patterns(self) -> None:
        for cell in self.layout.cells():
            run = Run(cell.words)
            for span in values.dates(run.text):
                for name in ("invoice_date", "due_date"):
                    self._pattern(name, span, run, cell)
            for span in values.amounts(run.text, decimal=self.decimal):
                for name in ("total_net", "total_tax", "total_gross", "amount_due"):
                    self._pattern(name, span, run, cell)
            for span in values.ibans(run.text):
                self._pattern("iban", span, run, cell, bonus=0.5 if span.valid else 0.0)
            for span in values.tax_ids(run.text):
                if span.valid:
                    self._pattern("vendor_tax_id", span, run, cell, bonus=0.3)
                    self._pattern("customer_tax_id", span, run, cell, bonus=0.1)
                elif span.value[:2].isalpha():  # a VAT number's shape, checksum unknown or failing
                    self._pattern("vendor_tax_id", span, run, cell, bonus=0.1)
            for span in values.currencies(run.text):
                self._pattern("currency", span, run, cell)

    def _pattern(self, name: str, span: Span, run: Run, cell: Cell, *, bonus: float = 0.0) -> None:
        box = run.box(span.start, span.end)
        score = PATTERN_SCORE + bonus
        if any(
            page == cell.page and other != name and _same_box(box, claimed) for page, claimed, other in self.claimed
        ):
            score -= CLAIMED_PENALTY
        self.add(Candidate(name, span.value, span.raw, cell.page, box, score, "pattern", valid=span.valid))


def _value_end(folded: str, hits: list[LabelHit], i: int) -> int:
    """Where the value after label `i` must end: at the next label, unless that one only completes
    this one ("Your order" + "no.") with nothing between them."""
    for nxt in hits[i + 1 :]:
        if set(nxt.fields) <= SECTIONS:
            continue  # "BTW 21 % van 1.880,00": a section word inside a value's text ends nothing
        between = folded[hits[i].end : nxt.start]
        if any(ch.isalnum() for ch in between) or max(nxt.fields.values()) >= 1.0:
            return nxt.start
    return len(folded)


def _validity_bonus(name: str, span: Span) -> float:
    """A checksum that holds is evidence; so is a VAT number's country prefix beside a national tax number."""
    bonus = 0.3 if span.valid and (name == "iban" or name in TAX_ID_FIELDS) else 0.0
    if name in TAX_ID_FIELDS and span.value[:2].isalpha():
        bonus += 0.2
    return bonus


def _same_box(a: Box, b: Box) -> bool:
    return abs(a.x0 - b.x0) < 1 and abs(a.top - b.top) < 1
