"""Vendor memory: where each field sat on a vendor's approved invoices, read first on the next one.

Invoices of one vendor come out of one template, so once a person has approved one of them the
reader knows, for every header field, which printed label it hangs off ("Rechnungsdatum:" with
the value one cell to the right, "IBAN:" with the value after it in the same cell, "Bill to"
with the name below) and what the value looks like (``99.99.9999``, comma decimals). The next
invoice of that vendor is read by finding the same label and taking the text at the same place;
the value's shape and :func:`~docai.services.extraction.normalize.normalize_field` guard against
a label that moved away from its value. A value is only ever taken from the page's own words,
so memory can make the reader faster and surer but never makes a value up.

The pure part (:func:`learn_template`, :func:`merge_templates`, :func:`apply_template`,
:func:`match_vendor`) knows nothing about storage; :class:`VendorMemoryStore` keeps one
template per (tenant, vendor key) in the ``vendor_templates`` table and merges every newly
approved invoice into it.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from difflib import SequenceMatcher
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docai.schemas.invoice import AMOUNT_FIELDS, DATE_FIELDS, HEADER_FIELDS, Extraction
from docai.schemas.parsed import ParsedDocument, Word
from docai.services.documents.bank import normalize_iban
from docai.services.extraction.candidates import Candidate
from docai.services.extraction.layout import Box, Cell, Layout, fold, words_box
from docai.services.extraction.normalize import (
    normalize_currency,
    normalize_field,
    normalize_tax_id,
    parse_amount,
    parse_date,
)
from docai.services.storage import tables
from docai.services.storage.database import Database

__all__ = [
    "FUZZY_MIN_RATIO",
    "FieldRule",
    "MemoryHit",
    "VendorMemoryStore",
    "VendorTemplate",
    "apply_template",
    "learn_template",
    "match_vendor",
    "merge_templates",
    "template_key",
    "update_template",
]

log = logging.getLogger("docai.extraction.vendor_memory")

TEMPLATE_VERSION = 1
Direction = Literal["same", "right", "below", "position"]
# An anchor printed slightly differently ("Rechnungs-Nr." / "Rechnungsnr.") still counts above this.
FUZZY_MIN_RATIO = 0.86
# Rules kept per field: the most frequent and most recent ways the field was found.
MAX_RULES_PER_FIELD = 6
# Shapes kept per rule (invoice numbers of credit notes look different, for instance).
MAX_SHAPES = 6
# How far (fractions of the page) a position-only value may drift between invoices.
POSITION_TOLERANCE_X = 0.05
POSITION_TOLERANCE_Y = 0.01
# How far up a "below" anchor may sit, in lines.
ABOVE_MAX_LINES = 3
# Lines joined with ", " when an address wraps over several printed lines.
ADDRESS_FIELDS = frozenset({"vendor_address", "customer_address"})
# Identifiers whose shape is the vendor's own and does not change between its invoices.
STRICT_SHAPE_FIELDS = frozenset({"invoice_number", "vendor_tax_id", "iban", "bic"}) | DATE_FIELDS
# Identifiers whose shape changes from invoice to invoice (each customer or order has its own).
LOOSE_ID_FIELDS = frozenset({"purchase_order", "customer_tax_id"})
# Fields whose reading is checked by its shape or type, so a reading may try other word cuts.
TYPED_FIELDS = STRICT_SHAPE_FIELDS | LOOSE_ID_FIELDS | AMOUNT_FIELDS | frozenset({"currency", "document_type"})
# Fields that print the same value wherever they appear on one invoice (learned at each place).
SAME_EVERYWHERE_FIELDS = frozenset({"vendor_name", "vendor_tax_id", "iban", "bic", "currency"})
MAX_OTHER_PLACES = 3
# A heading above a value has at most this many words ("Bill to", "Date of issue"); a label
# beside it or before it in its cell may be a short sentence ("Bitte überweisen Sie den
# Betrag bis zum", "VAT 19 % on 1,234.00").
HEADING_MAX_WORDS = 5
SENTENCE_MAX_WORDS = 10
# A value runs over at most this many words of one cell (IBANs in groups of four).
MAX_VALUE_WORDS = 9
_PREFERENCE: dict[str, int] = {"same": 0, "right": 1, "below": 2, "position": 3}
_DIGITS = re.compile(r"\d[\d.,'\u00a0\u202f\u2009 ]*")
_AMOUNT_TAIL = re.compile(r"\d([.,])\d{2}(?!\d)")


@dataclass(frozen=True, slots=True)
class MemoryHit:
    """One field read at the place the vendor's template says; ``raw_text`` is printed on ``page``.

    ``value`` is ``normalize_field(field, raw_text)``; ``how`` says which rule read it, e.g.
    ``"right of 'rechnungsdatum:'"`` or ``"position"``.
    """

    field: str
    raw_text: str
    page: int
    box: Box
    how: str
    value: str


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One way a field was found: an anchor, a direction from it, and what the value looked like.

    Attributes:
        anchor: The anchor's folded text ('' for a position-only rule).
        direction: "same" (the anchor opens the value's cell), "right" (``steps`` cells to the
            right on the anchor's line), "below" (the value's top ``dy`` points under the
            anchor's, ``dx`` to its right) or "position" (where the value sat on the page).
        anchor_words: Words of the anchor (for "same": the words of the cell before the value).
        steps: Cells from the anchor to the value on the same line ("right").
        dx, dy: The value box's (x0, top) minus the anchor box's (x0, top), in points.
        anchor_at: The anchor's (x0, top) as fractions of its page, to choose among repeats.
        head: Words of the value's first cell before the value.
        tail: Words of the value's last cell after the value ("EUR" after an amount).
        lines: Printed lines the value spans (addresses wrap).
        shapes: The value's shapes seen (digits → 9, letters → a, runs collapsed).
        decimal: The decimal separator of amounts ("," or "."), '' where none.
        page: The value's page number.
        rel: The value's box as fractions of its page (x0, top, x1, bottom).
        count: Approved invoices on which the field was found this way.
        misses: Approved invoices on which this rule read a value other than the approved one.
        last_seen: The template's invoice count when this rule was last confirmed.
        trusted: For a position rule: usable before a second invoice confirmed the place
            (only where no label led to the value).
        main: Learned from the printing the approved value was boxed at, not from another
            printing of the same value (the vendor's name in the footer).
        label: For a position rule: the folded label the value had (before it in its cell, or
            the cell to its left); a value read by place must have a related label.
        repeats: How often the anchor was printed on the invoice it was learned from; printed
            more often on a new one (two tax lines where there was one), its readings must agree.
    """

    anchor: str
    direction: Direction
    anchor_words: int = 0
    steps: int = 0
    dx: float = 0.0
    dy: float = 0.0
    anchor_at: tuple[float, float] = (0.0, 0.0)
    head: int = 0
    tail: int = 0
    lines: int = 1
    shapes: tuple[str, ...] = ()
    decimal: str = ""
    page: int = 1
    rel: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    count: int = 1
    misses: int = 0
    last_seen: int = 1
    trusted: bool = True
    main: bool = True
    label: str = ""
    repeats: int = 1

    @property
    def identity(self) -> tuple[str, str, int]:
        """Rules with one identity are the same way of finding a field, seen again."""
        return (self.direction, _key(self.anchor), self.steps)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["anchor_at"], data["rel"], data["shapes"] = (
            list(self.anchor_at),
            list(self.rel),
            list(self.shapes),
        )
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FieldRule:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["anchor_at"] = tuple(known.get("anchor_at", (0.0, 0.0)))
        known["rel"] = tuple(known.get("rel", (0.0, 0.0, 0.0, 0.0)))
        known["shapes"] = tuple(known.get("shapes", ()))
        return cls(**known)


@dataclass(slots=True)
class VendorTemplate:
    """What one vendor's approved invoices taught: per field, the rules to try, best first."""

    vendor_key: str
    fields: dict[str, list[FieldRule]] = field(default_factory=dict)
    learned: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "version": TEMPLATE_VERSION,
            "vendor_key": self.vendor_key,
            "learned": self.learned,
            "fields": {name: [rule.to_json() for rule in rules] for name, rules in self.fields.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VendorTemplate:
        return cls(
            vendor_key=str(data.get("vendor_key", "")),
            learned=int(data.get("learned", 1)),
            fields={
                str(name): [FieldRule.from_json(rule) for rule in rules]
                for name, rules in (data.get("fields") or {}).items()
            },
        )


# ---------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------


def _key(text: str) -> str:
    """An anchor's comparable form: folded, numbers masked.

    'zzgl. 19 % USt. auf 1.234,00' and 'zzgl. 7 % USt. auf 88,00' are one label.
    """
    masked = _DIGITS.sub("# ", fold(text))
    return " ".join(masked.split())


def _shape(text: str) -> str:
    """Digits → 9, letters → a, runs collapsed: 'RE-2023-0042' → 'a-9-9', '3. März 2025' → '9. a 9'."""
    out: list[str] = []
    for ch in " ".join(text.split()):
        kind = "9" if ch.isdigit() else "a" if ch.isalpha() else ch
        if not out or out[-1] != kind or kind not in "9a":
            out.append(kind)
    return "".join(out)


def _decimal(text: str) -> str:
    """The decimal separator of a printed amount ('1.234,56 €' → ','), '' when it has none."""
    found = _AMOUNT_TAIL.findall(text)
    return found[-1] if found else ""


def _label_like(text: str, *, max_words: int = SENTENCE_MAX_WORDS) -> bool:
    """Whether a text can anchor a value: a few words (a label, a heading), not a value itself.

    Numbers inside a label are masked when matching ("VAT 19 % on 1,234.00"), so they may
    be there; an amount, a date or an identifier ("RE-2024-0042") cannot anchor anything,
    nor can a line of running text (an address line, a contact line) that merely sits nearby.
    """
    tokens = text.split()
    if len(tokens) > max_words or len(text) > 80:
        return False
    if parse_amount(text) is not None or parse_date(text) is not None:
        return False
    if normalize_currency(text) is not None and len(text) <= 6:  # "EUR", "€" open amounts, not labels
        return False
    if not re.search(r"[^\W\d_]{2,}", text):  # "PO #:" and "Nr.:" are labels; "€" and "1." are not
        return False
    return sum(any(ch.isdigit() for ch in t) for t in tokens) <= len(tokens) // 2


def _join(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words)


# ---------------------------------------------------------------------------------------
# Vendor keys
# ---------------------------------------------------------------------------------------


def template_key(extraction: Extraction, *, exclude: Collection[str] = ()) -> str:
    """The vendor key of an approved invoice: its vendor tax id, else its IBAN, else its name.

    Prefixed with the kind ("tax:DE123456789", "iban:DE89...", "name:acme gmbh"), '' when the
    invoice names none of them. Fields in `exclude` (an IBAN awaiting a second person) are
    not used.
    """

    def value(name: str) -> str:
        return "" if name in exclude else extraction.value(name) or ""

    tax = normalize_tax_id(value("vendor_tax_id"))
    if len(tax) >= 5:
        return f"tax:{tax}"
    iban = normalize_iban(value("iban"))
    if len(iban) >= 12:
        return f"iban:{iban}"
    name = " ".join(fold(value("vendor_name")).split())
    return f"name:{name}" if len(name) >= 3 else ""


class _PageText:
    """A document's text in the two forms vendor keys are searched in."""

    def __init__(self, layout: Layout) -> None:
        text = " ".join(line.text for line in layout.lines)
        self.spaced = " " + " ".join(fold(text).split()) + " "
        self.compact = "".join(self.spaced.split())

    def shows(self, key: str) -> bool:
        kind, _, value = key.partition(":")
        if not value:
            return False
        if kind in ("tax", "iban"):
            return "".join(fold(value).split()) in self.compact
        pattern = r"(?<![\w])" + re.escape(" ".join(fold(value).split())) + r"(?![\w])"
        return re.search(pattern, self.spaced) is not None


_KEY_RANK = {"tax": 0, "iban": 1, "name": 2}


def match_vendor(templates: Iterable[VendorTemplate], layout: Layout) -> VendorTemplate | None:
    """The stored template whose vendor key (tax id, IBAN or name) is printed on the page.

    Spaces and case are ignored; a tax id beats an IBAN beats a name, and among equals the
    template learned from more invoices wins. None when no vendor key is printed.
    """
    page = _PageText(layout)
    found = [t for t in templates if t.vendor_key and page.shows(t.vendor_key)]
    if not found:
        return None
    return min(
        found,
        key=lambda t: (_KEY_RANK.get(t.vendor_key.partition(":")[0], 3), -t.learned, -len(t.vendor_key)),
    )


# ---------------------------------------------------------------------------------------
# Learning
# ---------------------------------------------------------------------------------------


class _Pages:
    """Cells and word → cell lookups of one layout."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.cell_of: dict[int, Cell] = {}
        self.by_page: dict[int, list[Cell]] = {}
        for cell in layout.cells():
            self.by_page.setdefault(cell.page, []).append(cell)
            for word in cell.words:
                self.cell_of[id(word)] = cell

    def size(self, page: int) -> tuple[float, float]:
        return self.layout.page_size.get(page, (595.0, 842.0))

    def rel(self, page: int, box: Box) -> tuple[float, float, float, float]:
        width, height = self.size(page)
        return (box.x0 / width, box.top / height, box.x1 / width, box.bottom / height)

    def at(self, cell: Cell) -> tuple[float, float]:
        x0, top, _, _ = self.rel(cell.page, cell.box)
        return (round(x0, 4), round(top, 4))

    def words_in(self, page: int, bbox: tuple[float, float, float, float]) -> list[Word]:
        """The words whose centres lie in the box, in reading order."""
        x0, top, x1, bottom = bbox
        out = []
        for cell in self.by_page.get(page, []):
            for word in cell.words:
                cx, cy = (word.x0 + word.x1) / 2, (word.top + word.bottom) / 2
                if x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1:
                    out.append(word)
        return out

    def above(self, cell: Cell) -> Cell | None:
        """The nearest cell above `cell` on its page that shares its column."""
        box = cell.box
        for at in range(cell.line - 1, max(cell.line - 1 - ABOVE_MAX_LINES, -1), -1):
            line = self.layout.lines[at]
            if line.page != cell.page:
                return None
            hits = [c for c in line.cells if c.box.overlaps_x(box, slack=2.0)]
            if hits:
                return min(hits, key=lambda c: abs(c.box.x0 - box.x0))
        return None


def learn_template(layout: Layout, extraction: Extraction, *, exclude: Collection[str] = ()) -> VendorTemplate:
    """Learns where each header field of an approved invoice was printed.

    Args:
        layout: The approved invoice's pages.
        extraction: Its approved fields; a field without a box (derived, typed by a person
            where the page does not show it) teaches nothing and is skipped.
        exclude: Fields not to learn (bank details awaiting a second person's confirmation).

    Returns:
        A template from one invoice, keyed by :func:`template_key` ('' when the invoice names
        no vendor); fold it into the stored one with :func:`update_template`.
    """
    pages = _Pages(layout)
    template = VendorTemplate(vendor_key=template_key(extraction, exclude=exclude))
    located: dict[str, tuple[int, list[Word]]] = {}
    for name, extracted in extraction.fields.items():
        if name not in HEADER_FIELDS or name in exclude:
            continue
        provenance = extracted.provenance
        if provenance.bbox is None or provenance.page is None:
            continue
        words = pages.words_in(provenance.page, provenance.bbox)
        if words:
            located[name] = (provenance.page, words)
    _separate_shared_boxes(pages, extraction, located)
    for name in HEADER_FIELDS:
        if name not in located:
            continue
        page, words = located[name]
        rules: list[FieldRule] = []
        if name in AMOUNT_FIELDS and _incidental(pages, words):
            # "VAT 8.1 % on 33'335.00" prints the net total, but "Net total  33'335.00" is its line.
            value = extraction.fields[name].value
            own = next((o for o in _occurrences(pages, name, value) if not _incidental(pages, o)), None)
            if own is not None:
                rules = [
                    replace(r, main=False) for r in _rules_for(pages, name, page, words) if r.direction != "position"
                ]
                words = own
        rules = _rules_for(pages, name, page, words) + rules
        if name in SAME_EVERYWHERE_FIELDS:
            # The vendor's name, ids and currency are printed in several places: remember each,
            # so an invoice that leaves one of them out is still read.
            value = extraction.fields[name].value
            others = [occ for occ in _occurrences(pages, name, value) if {id(w) for w in occ} != {id(w) for w in words}]
            for occurrence in others[:MAX_OTHER_PLACES]:
                rules.extend(
                    replace(r, main=False)
                    for r in _rules_for(pages, name, page, occurrence)
                    if r.direction in ("same", "right")  # a label on the line, not whatever is above
                )
        if rules:
            template.fields[name] = rules
    anchors = _Anchors(pages)
    for name, rules in template.fields.items():
        template.fields[name] = [
            r if r.direction == "position" else replace(r, repeats=max(1, len(anchors.find(r, fuzzy=False))))
            for r in rules
        ]
    return template


def _separate_shared_boxes(pages: _Pages, extraction: Extraction, located: dict[str, tuple[int, list[Word]]]) -> None:
    """Gives fields that were boxed on one printed value their own printing of it.

    When the gross total equals the amount due (no prepayment) or the due date equals the
    invoice date, the approved extraction may point both fields at one place; learning that
    would read the amount due as the gross total on the next invoice. Where the value is
    printed as often as there are such fields, they take the printings in reading order, in
    the canonical field order (net, tax, gross, due; invoice date before due date), starting
    from the shared place.
    """
    groups: dict[tuple[int, frozenset[int]], list[str]] = {}
    for name, (page, words) in located.items():
        groups.setdefault((page, frozenset(id(w) for w in words)), []).append(name)
    for (_, shared), names in groups.items():
        if len(names) < 2:
            continue
        names.sort(key=HEADER_FIELDS.index)
        value = extraction.fields[names[0]].value
        if any(not _same_value(n, extraction.fields[n].value, value) for n in names):
            continue
        found = _occurrences(pages, names[0], value)
        at = next((i for i, occ in enumerate(found) if shared & {id(w) for w in occ}), None)
        if at is None or len(found) < len(names):
            continue
        window = found[-len(names) :] if at == len(found) - 1 else found[at : at + len(names)]
        if len(window) < len(names):
            window = found[-len(names) :]
        for name, occurrence in zip(names, window, strict=True):
            located[name] = (pages.cell_of[id(occurrence[0])].page, occurrence)


def _occurrences(pages: _Pages, name: str, value: str) -> list[list[Word]]:
    """Every shortest run of words within one cell that reads as `value`, in reading order."""
    found: list[list[Word]] = []
    for line in pages.layout.lines:
        for cell in line.cells:
            spans = []
            for start in range(len(cell.words)):
                for stop in range(start + 1, min(len(cell.words), start + MAX_VALUE_WORDS) + 1):
                    read = normalize_field(name, _join(cell.words[start:stop]))
                    if read is not None and _same_value(name, read, value):
                        spans.append((start, stop))
                        break
            # Keep the runs that hold no shorter run ("EUR" rather than "12,50 EUR").
            for start, stop in spans:
                if not any(s >= start and e <= stop and (s, e) != (start, stop) for s, e in spans):
                    found.append(cell.words[start:stop])
    return found


def _incidental(pages: _Pages, words: list[Word]) -> bool:
    """Whether an amount is printed in passing rather than as a labelled total.

    "VAT 19 % on 100.00" (inside a label with other numbers) and a tax table's base column
    (no label on its line) print the net total in passing; "Net total  100.00" is its line.
    """
    cell = pages.cell_of[id(words[0])]
    head = next(i for i, w in enumerate(cell.words) if w is words[0])
    if head > 0:
        prefix = _join(cell.words[:head])
        return "#" in _key(prefix) or not _label_like(prefix)
    if cell.index == 0:
        return True
    left = pages.layout.lines[cell.line].cells[cell.index - 1]
    return not _label_like(left.text) or "#" in _key(left.text)


def _same_value(name: str, a: str, b: str) -> bool:
    """Whether two canonical values of a field agree (credit notes print amounts negative)."""
    if name in AMOUNT_FIELDS:
        return a.lstrip("-") == b.lstrip("-")
    if name in ADDRESS_FIELDS:
        return [t for t in re.split(r"\W+", fold(a)) if t] == [t for t in re.split(r"\W+", fold(b)) if t]
    return " ".join(fold(a).split()) == " ".join(fold(b).split())


def _rules_for(pages: _Pages, name: str, page: int, words: list[Word]) -> list[FieldRule]:
    """The ways to find one printing of a field: by the label before, beside or above it; by its place."""
    cells: list[Cell] = []
    for word in words:
        cell = pages.cell_of[id(word)]
        if cell not in cells:
            cells.append(cell)
    cells.sort(key=lambda c: (c.line, c.index))
    first, last = cells[0], cells[-1]
    page = first.page
    inside = {id(w) for w in words}
    head = next(i for i, w in enumerate(first.words) if id(w) in inside)
    tail = next(i for i, w in enumerate(reversed(last.words)) if id(w) in inside)
    lines = len({c.line for c in cells})
    value_words = [w for c in cells for w in c.words if id(w) in inside]
    raw = _join(value_words)
    value_box = words_box(value_words)
    base = FieldRule(
        anchor="",
        direction="position",
        head=head,
        tail=tail,
        lines=lines,
        shapes=(_shape(raw),),
        decimal=_decimal(raw) if name in AMOUNT_FIELDS else "",
        page=page,
        rel=tuple(round(v, 4) for v in pages.rel(page, value_box)),  # type: ignore[arg-type]
    )
    rules: list[FieldRule] = []
    value_at = words_box(first.words[head:])
    # Same cell: the words before the value ("IBAN: DE89 ...", "Payable by 3 May 2025").
    if head > 0:
        prefix = first.words[:head]
        text = _join(prefix)
        if _label_like(text):
            box = words_box(prefix)
            rules.append(
                replace(
                    base,
                    anchor=fold(text),
                    direction="same",
                    anchor_words=head,
                    anchor_at=pages.at(first),
                    dx=value_at.x0 - box.x0,
                    dy=value_at.top - box.top,
                )
            )
    # The cell to the left on the same line ("Rechnungsdatum:  03.04.2025"); and the cell
    # above in the same column ("Bill to" over the customer's name). Only for a value that
    # opens its cell, unless what opens it is no label ("12,50 EUR" for the currency).
    beside = not rules
    if beside and first.index > 0:
        left = pages.layout.lines[first.line].cells[first.index - 1]
        if _label_like(left.text):
            rules.append(
                replace(
                    base,
                    anchor=fold(left.text),
                    direction="right",
                    anchor_words=len(left.words),
                    steps=1,
                    anchor_at=pages.at(left),
                    dx=value_at.x0 - left.box.x0,
                    dy=value_at.top - left.box.top,
                )
            )
    above = pages.above(first) if beside else None
    if above is not None and _label_like(above.text, max_words=HEADING_MAX_WORDS):
        rules.append(
            replace(
                base,
                anchor=fold(above.text),
                direction="below",
                anchor_words=len(above.words),
                anchor_at=pages.at(above),
                dx=first.box.x0 - above.box.x0,
                dy=first.box.top - above.box.top,
            )
        )
    # Where it sat: trusted at once only for a field no label leads to (the vendor's name, the title).
    label = next((r.anchor for r in rules if r.direction in ("same", "right")), "")
    # Totals move with the number of lines above them, so their place alone is never trusted.
    rules.append(replace(base, trusted=not rules and name not in AMOUNT_FIELDS, label=label))
    return rules


def _same_rule(a: FieldRule, b: FieldRule) -> bool:
    if a.identity != b.identity:
        return False
    if a.direction != "position":
        return True
    return (
        a.page == b.page
        and abs(a.rel[1] - b.rel[1]) <= POSITION_TOLERANCE_Y
        and min(abs(a.rel[0] - b.rel[0]), abs(a.rel[2] - b.rel[2])) <= POSITION_TOLERANCE_X
    )


def merge_templates(stored: VendorTemplate | None, new: VendorTemplate) -> VendorTemplate:
    """Adds the rules learned from one more approved invoice to a vendor's template.

    A rule seen again counts one more invoice and takes the newest geometry; rules are ordered
    by how often they held (less twice the times they read a wrong value), then how recently,
    so one odd invoice does not displace what the vendor usually prints, while a changed layout
    takes over once it has been approved more often than the old one. Prefer
    :func:`update_template`, which also checks the stored rules against the invoice.
    """
    if stored is None:
        fields = {
            name: _ordered([replace(r, count=1, last_seen=1) for r in rules]) for name, rules in new.fields.items()
        }
        return VendorTemplate(vendor_key=new.vendor_key, fields=fields, learned=1)
    return _merge(stored, new, confirmed={})


def _merge(stored: VendorTemplate, new: VendorTemplate, *, confirmed: dict[str, set[int]]) -> VendorTemplate:
    seq = stored.learned + 1
    fields = {name: list(rules) for name, rules in stored.fields.items()}
    for name, rules in new.fields.items():
        merged = fields.setdefault(name, [])
        held = confirmed.get(name, set())
        for rule in rules:
            at = next((i for i, old in enumerate(merged) if _same_rule(old, rule)), None)
            if at is None:
                merged.append(replace(rule, count=1, last_seen=seq))
                continue
            old = merged[at]
            shapes = tuple(dict.fromkeys((*rule.shapes, *old.shapes)))[:MAX_SHAPES]
            count = old.count if at in held else old.count + 1  # already counted when it read the value
            merged[at] = replace(
                rule,
                shapes=shapes,
                count=count,
                misses=old.misses,
                last_seen=seq,
                trusted=old.trusted or rule.trusted,
                main=old.main or rule.main,
            )
            held.add(at)
    for name, rules in fields.items():
        kept = [r for r in rules if r.count >= 2 * r.misses]
        fields[name] = _ordered(kept)[:MAX_RULES_PER_FIELD]
    return VendorTemplate(
        vendor_key=stored.vendor_key or new.vendor_key,
        fields={k: v for k, v in fields.items() if v},
        learned=seq,
    )


def update_template(
    stored: VendorTemplate | None, layout: Layout, extraction: Extraction, *, exclude: Collection[str] = ()
) -> VendorTemplate:
    """Folds one more approved invoice into a vendor's template: checks, then learns.

    Every stored rule is first tried on the approved invoice: a rule that reads the approved
    value gains, one that reads a different value loses (and goes once it has been wrong
    half as often as right). Then the places where this invoice printed its fields are merged
    in (:func:`merge_templates`).
    """
    new = learn_template(layout, extraction, exclude=exclude)
    if stored is None:
        return merge_templates(None, new)
    seq = stored.learned + 1
    pages = _Pages(layout)
    anchors = _Anchors(pages)
    checked: dict[str, list[FieldRule]] = {}
    confirmed: dict[str, set[int]] = {}
    for name, rules in stored.fields.items():
        approved = None if name in exclude else extraction.value(name)
        taken = _taken(stored, name)
        out: list[FieldRule] = []
        for index, rule in enumerate(rules):
            hit = _read_any(pages, anchors, name, rule, taken=taken) if approved else None
            if hit is not None and approved is not None:
                if _same_value(name, hit.value, approved):
                    rule = replace(rule, count=rule.count + 1, last_seen=seq)
                    confirmed.setdefault(name, set()).add(index)
                else:
                    rule = replace(rule, misses=rule.misses + 1)
            out.append(rule)
        checked[name] = out
    return _merge(
        VendorTemplate(vendor_key=stored.vendor_key, fields=checked, learned=stored.learned),
        new,
        confirmed=confirmed,
    )


def _ordered(rules: list[FieldRule]) -> list[FieldRule]:
    # Position-only rules come last: a label found says more than a place on the page.
    return sorted(
        rules,
        key=lambda r: (
            r.direction == "position",
            -(r.count - 2 * r.misses),
            r.misses,
            -r.last_seen,
            not r.main,
            _PREFERENCE[r.direction],
        ),
    )


# ---------------------------------------------------------------------------------------
# Applying
# ---------------------------------------------------------------------------------------


class _Anchors:
    """Finds an anchor's cells on a new document: the exact (folded, numbers masked) text first."""

    def __init__(self, pages: _Pages) -> None:
        self.pages = pages
        self.whole: dict[str, list[Cell]] = {}
        self.cells = list(pages.layout.cells())
        for cell in self.cells:
            self.whole.setdefault(_key(cell.text), []).append(cell)
        self._prefix: dict[int, dict[str, list[Cell]]] = {}

    def _prefixes(self, words: int) -> dict[str, list[Cell]]:
        if words not in self._prefix:
            index: dict[str, list[Cell]] = {}
            for cell in self.cells:
                if len(cell.words) > words:
                    index.setdefault(_key(_join(cell.words[:words])), []).append(cell)
            self._prefix[words] = index
        return self._prefix[words]

    def find(self, rule: FieldRule, *, fuzzy: bool, taken: Collection[str] = ()) -> list[Cell]:
        """The cells carrying the rule's anchor: exactly, or (`fuzzy`) only nearly.

        A near match never takes a label that is another field's own ("Total excl. VAT" is not
        a misprint of "Total incl. VAT" when the template reads the net total there).
        """
        key = _key(rule.anchor)
        index = self._prefixes(rule.anchor_words) if rule.direction == "same" else self.whole
        if not fuzzy:
            return index.get(key, [])
        return [c for k, cells in index.items() if k != key and k not in taken and _similar(k, key) for c in cells]


def _similar(found: str, wanted: str) -> bool:
    """Whether a printed text is nearly the remembered anchor: a typo or spelling apart, or the
    anchor's words with a few more ("Montant de l'avoir TTC" for "Montant TTC" on a credit note)."""
    if not found or not wanted:
        return False
    close_length = abs(len(found) - len(wanted)) <= max(3, len(wanted) // 4)
    if close_length and SequenceMatcher(None, found, wanted, autojunk=False).ratio() >= FUZZY_MIN_RATIO:
        return True
    tokens, have = wanted.split(), found.split()
    return len(tokens) >= 2 and len(have) <= len(tokens) + 3 and all(t in have for t in tokens)


def apply_template(template: VendorTemplate, layout: Layout) -> dict[str, MemoryHit]:
    """Reads every remembered field of a vendor's new invoice where the template says it sits.

    For each field the rules are tried best first; a rule reads the text at its place from its
    anchor, and the first reading that has the remembered shape and normalises wins. Fields
    that no rule can read are left out: memory returns only what the page prints.

    Args:
        template: The vendor's template (see :func:`match_vendor`).
        layout: The new invoice's pages.

    Returns:
        field name → hit.
    """
    pages = _Pages(layout)
    anchors = _Anchors(pages)
    hits: dict[str, MemoryHit] = {}
    for name, rules in template.fields.items():
        taken = _taken(template, name)
        # Every rule's exact anchor before any rule's near one, and a bare place last.
        for tier in ("exact", "fuzzy", "position"):
            hit = next(
                (
                    h
                    for rule in rules
                    if _usable(rule, tier, rules) and (h := _read(pages, anchors, name, rule, tier=tier, taken=taken))
                ),
                None,
            )
            if hit is not None:
                hits[name] = hit
                break
    return hits


def _taken(template: VendorTemplate, name: str) -> set[str]:
    """The anchors other fields of the template are read by."""
    return {
        _key(rule.anchor)
        for other, rules in template.fields.items()
        if other != name
        for rule in rules
        if rule.anchor and rule.main
    }


def _usable(rule: FieldRule, tier: str, rules: Sequence[FieldRule]) -> bool:
    if rule.direction != "position":
        return tier != "position"
    if tier != "position":
        return False
    # A place alone, where a label used to lead, is trusted once the value sat there on every
    # approved invoice its label was found on (at least two), and it never read a wrong value.
    labelled = max((r.count for r in rules if r.direction != "position"), default=0)
    return rule.trusted or (rule.count >= max(2, labelled) and rule.misses == 0)


def _read_any(
    pages: _Pages, anchors: _Anchors, name: str, rule: FieldRule, *, taken: Collection[str]
) -> MemoryHit | None:
    """What one rule reads, by its exact anchor, else a near one (for checking rules)."""
    if rule.direction == "position":
        return _read(pages, anchors, name, rule, tier="position")
    return _read(pages, anchors, name, rule, tier="exact") or _read(
        pages, anchors, name, rule, tier="fuzzy", taken=taken
    )


def _read(
    pages: _Pages, anchors: _Anchors, name: str, rule: FieldRule, *, tier: str, taken: Collection[str] = ()
) -> MemoryHit | None:
    readings: list[tuple[float, MemoryHit]] = []
    if rule.direction == "position":
        for distance, cell in _near_position(pages, rule):
            # The label before a value may be longer this time ("Credit note no.:" for "Invoice no.:").
            heads = [rule.head]
            if name in TYPED_FIELDS and rule.head:
                heads += sorted((h for h in range(len(cell.words)) if h != rule.head), key=lambda h: abs(h - rule.head))
            hit = next(
                (
                    h
                    for head in heads
                    if _related_label(pages, rule, cell, head)
                    and (h := _reading(pages, name, rule, cell, head=head, how="position"))
                ),
                None,
            )
            if hit is not None:
                readings.append((distance, hit))
    else:
        found = anchors.find(rule, fuzzy=tier == "fuzzy", taken=taken)
        how = f"{rule.direction} of {rule.anchor!r}" + (" (fuzzy)" if tier == "fuzzy" else "")
        for anchor in found:
            target = _target(pages, rule, anchor)
            if target is None:
                continue
            head = rule.anchor_words if rule.direction == "same" else rule.head
            hit = _reading(pages, name, rule, target, head=head, how=how)
            if hit is None:
                continue
            x, y = pages.at(anchor)
            distance = abs(x - rule.anchor_at[0]) + abs(y - rule.anchor_at[1]) + 0.5 * abs(anchor.page - rule.page)
            readings.append((distance, hit))
        # An anchor printed more often than when learned (a second tax line), or only nearly
        # matched in several places, reads nothing unless every printing says the same.
        if (len(found) > rule.repeats or tier == "fuzzy") and len({hit.value for _, hit in readings}) > 1:
            return None
    if not readings:
        return None
    return min(readings, key=lambda pair: pair[0])[1]


def _related_label(pages: _Pages, rule: FieldRule, cell: Cell, head: int) -> bool:
    """Whether the label of a value found by place shares a word with the one it had.

    "Credit Note No.:" stands where "Invoice No.:" stood. A value that had a label and now
    has none, or one with no word in common, is not read by place: a remembered place alone
    must not read what another label introduces.
    """
    if not rule.label:
        return True
    if head > 0:
        text = _join(cell.words[:head])
    else:
        line = pages.layout.lines[cell.line].cells
        text = line[cell.index - 1].text if cell.index > 0 else ""
    return bool(_label_words(text) & _label_words(rule.label))


def _label_words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]{2,}", fold(text)))


def _target(pages: _Pages, rule: FieldRule, anchor: Cell) -> Cell | None:
    """The cell the value starts in, seen from one anchor cell."""
    if rule.direction == "same":
        return anchor
    if rule.direction == "right":
        cells = pages.layout.lines[anchor.line].cells
        at = anchor.index + rule.steps
        return cells[at] if at < len(cells) else None
    # below: the cell whose top is nearest to where the value's top should be, in the column.
    box = anchor.box
    want_x, want_top = box.x0 + rule.dx, box.top + rule.dy
    height = max(box.bottom - box.top, 4.0)
    best: tuple[float, Cell] | None = None
    for at in range(anchor.line + 1, min(len(pages.layout.lines), anchor.line + 2 + ABOVE_MAX_LINES)):
        line = pages.layout.lines[at]
        if line.page != anchor.page:
            break
        for cell in line.cells:
            cbox = cell.box
            if not (cbox.overlaps_x(box, slack=2.0) or abs(cbox.x0 - want_x) <= height):
                continue
            off = abs(cbox.top - want_top)
            if off > max(0.8 * height, 4.0):
                continue
            score = off + 0.2 * abs(cbox.x0 - want_x)
            if best is None or score < best[0]:
                best = (score, cell)
    return best[1] if best else None


def _near_position(pages: _Pages, rule: FieldRule) -> list[tuple[float, Cell]]:
    """Cells of the rule's page near where the value sat, with their distance."""
    out = []
    x0, top, x1, _ = rule.rel
    for cell in pages.by_page.get(rule.page, []):
        cx0, ctop, cx1, _ = pages.rel(cell.page, cell.box)
        dx = min(abs(cx0 - x0), abs(cx1 - x1))  # left- or right-aligned
        dy = abs(ctop - top)
        if dx <= POSITION_TOLERANCE_X and dy <= POSITION_TOLERANCE_Y:
            out.append((dx + dy, cell))
    return out


def _reading(pages: _Pages, name: str, rule: FieldRule, first: Cell, *, head: int, how: str) -> MemoryHit | None:
    """The value read from `first` on (and the lines below it), checked against the rule.

    The words after the value ("EUR") are dropped as remembered; where the cell holds more
    or fewer of them this time (two cells run together), a typed value tries the other cuts
    and keeps the first that has its shape.
    """
    lines: list[list[Word]] = [first.words[head:]]
    if rule.lines > 1:
        lines.extend(c.words for c in pages.layout.column_below(first, max_lines=rule.lines + 1)[: rule.lines - 1])
    last = len(lines[-1])
    tails = [rule.tail] if name not in TYPED_FIELDS else [rule.tail, *(t for t in range(last) if t != rule.tail)]
    for tail in tails:
        if tail >= last and len(lines) == 1:
            continue
        parts = [*lines[:-1], lines[-1][: last - min(tail, last)]]
        parts = [p for p in parts if p]
        if not parts:
            continue
        separator = ", " if name in ADDRESS_FIELDS else " "
        raw = separator.join(_join(p) for p in parts)
        if not _fits(name, rule, raw, by_place=how == "position"):
            continue
        value = normalize_field(name, raw)
        if value is None:
            continue
        words = [w for p in parts for w in p]
        return MemoryHit(field=name, raw_text=raw, page=first.page, box=words_box(words), how=how, value=value)
    return None


def _fits(name: str, rule: FieldRule, raw: str, *, by_place: bool = False) -> bool:
    """Whether a reading looks like the values this rule read before (exactly, when read by place)."""
    if name in AMOUNT_FIELDS:
        return not rule.decimal or _decimal(raw) == rule.decimal
    if name in STRICT_SHAPE_FIELDS:
        return _shape(raw) in rule.shapes
    if name in LOOSE_ID_FIELDS:
        if _shape(raw) in rule.shapes:
            return True
        return not by_place and any(ch.isdigit() for ch in raw) and len(raw.split()) <= 3 and parse_date(raw) is None
    return True


# ---------------------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------------------


# How many of a tenant's latest approved invoices say who the tenant is, and for how long that answer holds.
OWN_NAME_WINDOW = 200
OWN_NAME_TTL_S = 60.0


class VendorMemoryStore:
    """Vendor templates per tenant in the database; a tenant only ever reads its own."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._own_names: dict[str, tuple[float, list[str]]] = {}  # tenant -> (read at, names)

    def learn(
        self,
        session: Session,
        *,
        tenant_id: str,
        parsed: ParsedDocument,
        extraction: Extraction,
        exclude: Collection[str] = (),
    ) -> VendorTemplate | None:
        """Merges an approved invoice into its vendor's template, inside the caller's transaction.

        Args:
            session: The approval's session, so the template changes with the approval or not at all.
            tenant_id: The invoice's tenant.
            parsed: The invoice's pages.
            extraction: The approved values (corrections applied), with their provenance.
            exclude: Fields not to learn (bank details awaiting a second person).

        Returns:
            The stored template, or None when the invoice names no vendor or shows no field.
        """
        try:
            layout = Layout(parsed)
            key = template_key(extraction, exclude=exclude)[:200]
        except Exception:  # a reader bug must not block a person's approval
            log.exception("reading an approved invoice for vendor memory failed")
            return None
        if not key:
            return None
        query = select(tables.VendorTemplateRecord).where(
            tables.VendorTemplateRecord.tenant_id == tenant_id, tables.VendorTemplateRecord.vendor_key == key
        )
        row = session.scalar(query.with_for_update())
        template = self._updated(row, layout, extraction, exclude)
        if template is None:
            return None
        if row is None:
            try:
                with session.begin_nested():
                    session.add(self._record(tenant_id, key, template))
                return template
            except IntegrityError:  # another approval of this vendor stored it first: merge into that
                row = session.scalar(query.with_for_update())
                template = self._updated(row, layout, extraction, exclude) if row is not None else None
                if row is None or template is None:
                    return None
        row.template = template.to_json()
        row.invoice_count = template.learned
        row.update_time = tables.utcnow()
        return template

    @staticmethod
    def _updated(
        row: tables.VendorTemplateRecord | None,
        layout: Layout,
        extraction: Extraction,
        exclude: Collection[str],
    ) -> VendorTemplate | None:
        stored = VendorTemplate.from_json(row.template) if row is not None else None
        try:
            template = update_template(stored, layout, extraction, exclude=exclude)
        except Exception:  # a reader bug must not block a person's approval
            log.exception("learning a vendor template failed")
            return None
        return template if template.fields else None

    @staticmethod
    def _record(tenant_id: str, key: str, template: VendorTemplate) -> tables.VendorTemplateRecord:
        return tables.VendorTemplateRecord(
            tenant_id=tenant_id,
            vendor_key=key,
            template=template.to_json(),
            invoice_count=template.learned,
            update_time=tables.utcnow(),
        )

    def template_for(self, *, tenant_id: str, layout: Layout) -> VendorTemplate | None:
        """The tenant's template of the vendor whose key the page prints, if any."""
        with self.db.transaction() as session:
            rows = session.execute(
                select(
                    tables.VendorTemplateRecord.id,
                    tables.VendorTemplateRecord.vendor_key,
                    tables.VendorTemplateRecord.invoice_count,
                ).where(tables.VendorTemplateRecord.tenant_id == tenant_id)
            ).all()
            keys = [VendorTemplate(vendor_key=key, learned=count) for _, key, count in rows]
            chosen = match_vendor(keys, layout)
            if chosen is None:
                return None
            row_id = next(row_id for row_id, key, _ in rows if key == chosen.vendor_key)
            record = session.get(tables.VendorTemplateRecord, row_id)
            return VendorTemplate.from_json(record.template) if record is not None else None

    def recall(self, *, tenant_id: str, parsed: ParsedDocument, layout: Layout | None = None) -> dict[str, MemoryHit]:
        """Reads a new invoice with its vendor's template; empty when the vendor is unknown.

        Args:
            tenant_id: The invoice's tenant; only its templates are considered.
            parsed: The invoice's pages.
            layout: Its layout when the caller has built it already.
        """
        layout = layout if layout is not None else Layout(parsed)
        template = self.template_for(tenant_id=tenant_id, layout=layout)
        return apply_template(template, layout) if template is not None else {}

    def own_names(self, *, tenant_id: str, recent: int = OWN_NAME_WINDOW) -> list[str]:
        """The tenant's own company as its approved invoices name the customer.

        A customer name on at least two and at least half of the tenant's recent approved
        invoices is the tenant itself: on its next invoices that name is never the vendor.
        Read at most once a minute per tenant: it changes slowly, and extraction asks per invoice.
        """
        now = time.monotonic()
        cached = self._own_names.get(tenant_id)
        if cached is not None and now - cached[0] < OWN_NAME_TTL_S:
            return cached[1]
        with self.db.transaction() as session:
            rows = session.scalars(
                select(tables.ApprovedExample.extraction)
                .where(tables.ApprovedExample.tenant_id == tenant_id)
                .order_by(tables.ApprovedExample.id.desc())
                .limit(recent)
            ).all()
        names = [Extraction.model_validate(row).value("customer_name") for row in rows]
        counts = Counter(fold(name).strip() for name in names if name)
        own = [name for name, count in counts.items() if count >= 2 and count * 2 >= len(rows)]
        self._own_names[tenant_id] = (now, own)
        return own


# A place this vendor's approved invoices confirmed outweighs a label read for the first time.
MEMORY_SCORE = 1.6


def memory_candidates(hits: Mapping[str, MemoryHit]) -> list[Candidate]:
    """The memory's reads as candidates for the reader to weigh (never as answers on their own)."""
    return [
        Candidate(hit.field, hit.value, hit.raw_text, hit.page, hit.box, MEMORY_SCORE, "memory", notes=[hit.how])
        for hit in hits.values()
    ]
