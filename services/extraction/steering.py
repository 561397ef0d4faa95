"""Documents that try to steer what reads them: flags that keep such an invoice from auto-approval.

Each flag is a failed check whose ``reason`` becomes the review reason
(:func:`docai.services.routing.decision.decide`); a check is added only when its flag is raised.

* ``HIDDEN_TEXT``: a page with visible text on which the sandbox left out at least
  :data:`HIDDEN_TEXT_MIN_CHARS` characters a reader cannot see (white on white, sub-point,
  off the page, render mode 3, transparent, or covered by an opaque shape or image painted over
  them). Format characters and faint watermarks do not count.
* ``DOCUMENT_MODIFIED``: the PDF has incremental updates (more than one revision).
  ``BANK_DETAILS_MODIFIED``: the IBANs its first revision shows are not those its last shows.
* ``LOOKALIKE_CHARACTERS``: a vendor name, IBAN or id spelt with Cyrillic or Greek letters that
  look Latin (or mixed digits), on the page or in what was read.
* ``INSTRUCTION_LIKE_TEXT``: visible text addressed to a model or a machine
  (``instructions.yaml``); what is printed inside it is not read at all (:func:`prepare`).
* ``BANK_DETAILS_UNREADABLE``: the page prints an IBAN-shaped string that fails validation,
  or the IBAN read fails mod-97: it cannot be compared with the account on file.

Text is read normalised (NFKC, zero-width characters removed: :func:`prepare`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from docai.schemas.checks import CheckResult
from docai.schemas.invoice import Extraction
from docai.schemas.parsed import Page, ParsedDocument, Word
from docai.services.documents.bank import (
    iban_is_strictly_valid,
    iban_is_valid,
    iban_length,
    valid_iban_prefix,
)
from docai.services.extraction.layout import Layout, _group_lines, fold
from docai.services.extraction.lookalikes import IbanLike, clean_text, iban_like, lookalike_words, skeleton

__all__ = [
    "FLAG_CHECKS",
    "HIDDEN_TEXT_MIN_CHARS",
    "Guard",
    "Region",
    "flag_checks",
    "instruction_regions",
    "prepare",
]

# The checks this module adds, each with the review reason its failure gives.
FLAG_CHECKS = {
    "hidden_text": "HIDDEN_TEXT",
    "document_modified": "DOCUMENT_MODIFIED",
    "bank_details_modified": "BANK_DETAILS_MODIFIED",
    "lookalike_characters": "LOOKALIKE_CHARACTERS",
    "instruction_like_text": "INSTRUCTION_LIKE_TEXT",
    "bank_details_unreadable": "BANK_DETAILS_UNREADABLE",
}
HIDDEN_TEXT_MIN_CHARS = 10
"""Hidden characters on one page from which it is flagged. Calibrated on the generated invoices
(400 seeds, no hidden text asked for: at most 3 per page, footer digits a little off the page
edge) and the 61 dev and 61 e-invoice PDFs (at most 5: a faint "Trial" watermark, which
counts as a watermark anyway): twice the largest stray count seen. Anything worth hiding
to steer a reader is longer: an IBAN has 15 to 34 characters, a sentence more."""
IGNORED_HIDDEN_KINDS = frozenset({"format", "watermark"})
"""Hidden characters that do not count towards HIDDEN_TEXT: format characters (zero-width
marks that generators write into text) and faint text at watermark size."""
LOOKALIKE_FIELDS = (
    "vendor_name",
    "customer_name",
    "iban",
    "bic",
    "invoice_number",
    "vendor_tax_id",
    "customer_tax_id",
    "purchase_order",
)
PARAGRAPH_LINES = 6
"""How many lines above and below an instruction its paragraph may reach (all unread)."""
PARAGRAPH_GAP = 0.8
"""Lines belong to one paragraph when the gap between them is at most this many line heights."""
JSON_LINES = 20
"""How many lines after its "{" a JSON payload may run when no "}" closes it."""


@dataclass(frozen=True, slots=True)
class Region:
    """Instruction-like text on a page: the lines it spans (indices into the Layout), and what was found."""

    page: int
    lines: tuple[int, ...]
    found: str  # the phrase or JSON key matched, folded


@dataclass(frozen=True)
class Guard:
    """What :func:`prepare` found before reading.

    Attributes:
        document: The document as uploaded (parser output).
        cleaned: Its text normalised (NFKC, no zero-width characters); what the flags inspect.
        reading: ``cleaned`` without the words of instruction-like text: what is read.
        layout: The layout of ``reading``.
        regions: The instruction-like text found (on ``cleaned``).
    """

    document: ParsedDocument
    cleaned: ParsedDocument
    reading: ParsedDocument
    layout: Layout
    regions: list[Region] = field(default_factory=list)


def prepare(document: ParsedDocument) -> Guard:
    """Normalises the document's text and takes instruction-like text out of what is read."""
    cleaned = clean_document(document)
    layout = Layout(cleaned)
    regions = instruction_regions(layout)
    if not regions:
        return Guard(document, cleaned, cleaned, layout, regions)
    unread = {
        id(word)
        for region in regions
        for line in region.lines
        for cell in layout.lines[line].cells
        for word in cell.words
    }
    reading = cleaned.model_copy(update={"pages": [_without(page, unread) for page in cleaned.pages]})
    return Guard(document, cleaned, reading, Layout(reading), regions)


def clean_document(document: ParsedDocument) -> ParsedDocument:
    """The document with every word's text NFKC-normalised and rid of zero-width characters
    (a word left empty is dropped); the same object when nothing changes."""
    pages: list[Page] = []
    changed = False
    for page in document.pages:
        words: list[Word] = []
        page_changed = False
        for word in page.words:
            text = clean_text(word.text)
            if text == word.text:
                words.append(word)
                continue
            page_changed = True
            if text.strip():
                words.append(word.model_copy(update={"text": text}))
        if page_changed or not page.text.isascii():
            text = clean_text(page.text)
            if page_changed or text != page.text:
                page = page.model_copy(update={"words": words, "text": text})
                changed = True
        pages.append(page)
    return document.model_copy(update={"pages": pages}) if changed else document


def _without(page: Page, unread: set[int]) -> Page:
    kept = [word for word in page.words if id(word) not in unread]
    if len(kept) == len(page.words):
        return page
    return page.model_copy(update={"words": kept, "text": _text_of(kept)})


def _text_of(words: Sequence[Word]) -> str:
    """Lines of words in reading order, as the layout groups them."""
    return "\n".join(" ".join(word.text for word in line) for line in _group_lines(words))


# -- instruction-like text -------------------------------------------------------------------


@dataclass(frozen=True)
class _Patterns:
    phrases: re.Pattern[str]
    json: re.Pattern[str]


def _phrase_pattern(phrase: str) -> str:
    """A phrase as a regular expression over folded text: any run of spaces, punctuation or line
    breaks between its words (an apostrophe too: "qu'ia" finds "qu’ia"), up to 40 characters
    for " ... ", whole words at both ends."""
    pieces = []
    for piece in fold(phrase).strip().split(" ... "):
        words = re.split(r"[\s\-'\u2019]+", piece.strip())
        pieces.append(r"[\W_]+".join(re.escape(word) for word in words if word))
    return r"(?<!\w)" + r"[\W_]+(?:.{0,40}?[\W_])?".join(pieces) + r"(?!\w)"


@cache
def _patterns() -> _Patterns:
    raw: dict[str, Any] = yaml.safe_load(
        resources.files("docai.services.extraction").joinpath("instructions.yaml").read_text("utf-8")
    )
    phrases = [phrase for language in raw["phrases"].values() for phrase in language]
    for phrase in phrases:
        if not isinstance(phrase, str):
            raise TypeError(f"instructions.yaml: a phrase that is not text: {phrase!r}")
    phrase_re = "|".join(f"(?:{_phrase_pattern(p)})" for p in sorted(phrases, key=len, reverse=True))
    keys = "|".join(r"[_\-\s]?".join(re.escape(part) for part in str(key).split("_")) for key in raw["json_keys"])
    quote = "[\"'\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb]"
    json_re = rf"\{{[^{{}}]{{0,400}}?{quote}\s*(?:{keys})\s*{quote}\s*:"
    return _Patterns(re.compile(phrase_re, re.DOTALL), re.compile(json_re, re.DOTALL))


def instruction_regions(layout: Layout) -> list[Region]:
    """Text addressed to a model or a machine, with the paragraph around each phrase and the
    whole of each JSON payload (from its "{" to its "}")."""
    patterns = _patterns()
    regions: list[Region] = []
    for page, indices in _pages(layout):
        folded = [fold(layout.lines[i].text) for i in indices]
        starts: list[int] = []
        offset = 0
        for text in folded:
            starts.append(offset)
            offset += len(text) + 1
        text = "\n".join(folded)
        seen: set[int] = set()
        for match in patterns.phrases.finditer(text):
            first, last = (
                _line_at(starts, match.start()),
                _line_at(starts, max(match.end() - 1, match.start())),
            )
            lines = _paragraph(layout, indices, first, last)
            if not lines <= seen:
                seen |= lines
                regions.append(Region(page, tuple(sorted(lines)), match.group(0)))
        for match in patterns.json.finditer(text):
            first = _line_at(starts, match.start())
            close = text.find("}", match.end())
            last = _line_at(starts, close) if close >= 0 else len(indices) - 1
            last = min(last, first + JSON_LINES)
            lines = {indices[k] for k in range(first, last + 1)}
            if not lines <= seen:
                seen |= lines
                regions.append(Region(page, tuple(sorted(lines)), " ".join(match.group(0).split())[-40:]))
    return regions


def _pages(layout: Layout) -> Iterable[tuple[int, list[int]]]:
    by_page: dict[int, list[int]] = {}
    for index, line in enumerate(layout.lines):
        by_page.setdefault(line.page, []).append(index)
    return by_page.items()


def _line_at(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset) - 1


def _paragraph(layout: Layout, indices: list[int], first: int, last: int) -> set[int]:
    """The lines from ``first`` to ``last`` (positions in ``indices``) and the lines of their paragraph."""
    lines = set(indices[first : last + 1])
    low = first
    while low > 0 and first - low < PARAGRAPH_LINES and _joined(layout, indices[low - 1], indices[low]):
        low -= 1
        lines.add(indices[low])
    high = last
    while (
        high + 1 < len(indices) and high - last < PARAGRAPH_LINES and _joined(layout, indices[high], indices[high + 1])
    ):
        high += 1
        lines.add(indices[high])
    return lines


def _joined(layout: Layout, upper: int, lower: int) -> bool:
    a, b = layout.lines[upper].box, layout.lines[lower].box
    height = max(a.bottom - a.top, b.bottom - b.top, 1.0)
    return b.top - a.bottom <= PARAGRAPH_GAP * height and a.overlaps_x(b)


# -- the flags -------------------------------------------------------------------------------


def flag_checks(guard: Guard, extraction: Extraction) -> list[CheckResult]:
    """The flags raised on this document and what was read from it (an empty list when none is)."""
    checks = [
        _hidden_text(guard.document),
        *_modified(guard),
        _lookalikes(guard, extraction),
        _instructions(guard),
        _bank_unreadable(guard, extraction),
    ]
    return [check for check in checks if check is not None]


def _flag(name: str, detail: str, fields: Sequence[str] = ()) -> CheckResult:
    return CheckResult(name=name, passed=False, detail=detail, fields=list(fields), reason=FLAG_CHECKS[name])


def _hidden_text(document: ParsedDocument) -> CheckResult | None:
    found: list[str] = []
    by_page = [page.hidden_chars_by_kind for page in document.pages]
    if not any(by_page) and document.hidden_chars_dropped >= HIDDEN_TEXT_MIN_CHARS:
        # Parsed before the counts were kept per page: the document's total is all there is.
        found.append(f"{document.hidden_chars_dropped} characters in all")
    for page in document.pages:
        counts = {
            kind: n for kind, n in page.hidden_chars_by_kind.items() if kind not in IGNORED_HIDDEN_KINDS and n > 0
        }
        total = sum(counts.values())
        # A page without any visible text is a scan (its text layer under the image): nothing on it is read.
        if total >= HIDDEN_TEXT_MIN_CHARS and page.words:
            kinds = ", ".join(
                f"{_KIND_WORDS.get(kind, kind)}: {n}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1])
            )
            found.append(f"page {page.number}: {total} ({kinds})")
    if not found:
        return None
    return _flag(
        "hidden_text",
        "the document draws text a reader cannot see, which was left out: "
        + "; ".join(found)
        + ". Hidden text is how a document says one thing to a person and another to a machine",
    )


_KIND_WORDS = {
    "render_mode": "invisible render mode",
    "tiny": "below 1.5 pt",
    "off_page": "off the page",
    "transparent": "transparent",
    "covered": "painted over by a shape or image",
    "low_contrast": "same color as the background",
}


def _modified(guard: Guard) -> list[CheckResult]:
    document = guard.document
    if document.revisions <= 1:
        return []
    checks = [
        _flag(
            "document_modified",
            f"the PDF was changed after it was first saved: {document.revisions - 1} incremental "
            f"update{'s' if document.revisions > 2 else ''} appended to it",
        )
    ]
    if document.first_revision_ibans is None:
        checks[0] = checks[0].model_copy(
            update={"detail": checks[0].detail + "; its first revision could not be read to compare the bank details"}
        )
        return checks
    first = {_as_read(clean_text(value)) for value in document.first_revision_ibans}
    last = {_as_read(found.raw) for found in _page_ibans(guard.cleaned)}
    first = {value for value in first if _plausible(skeleton(value), labelled=False)}
    last = {value for value in last if _plausible(skeleton(value), labelled=False)}
    if first != last:
        checks.append(
            _flag(
                "bank_details_modified",
                f"the first revision of the PDF shows {_accounts(first)}, the last shows {_accounts(last)}",
                ["iban"],
            )
        )
    return checks


def _accounts(values: Iterable[str]) -> str:
    masked = sorted(f"...{value[-4:]}" for value in values)
    return "the IBAN" + ("s " if len(masked) > 1 else " ") + ", ".join(masked) if masked else "no IBAN"


def _lookalikes(guard: Guard, extraction: Extraction) -> CheckResult | None:
    found: list[str] = []
    fields: list[str] = []
    for iban, labelled in _page_ibans_with_label(guard.cleaned):
        if iban.lookalike and _plausible(iban.value, labelled=labelled):
            found.append(
                f"an IBAN ...{iban.value[-4:]} printed with characters that only look like its letters or digits"
            )
            fields.append("iban")
    words_by_page = {page.number: page.words for page in guard.cleaned.pages}
    for name in LOOKALIKE_FIELDS:
        value = extraction.fields.get(name)
        if value is None:
            continue
        texts = [value.value]
        if value.provenance.page is not None and value.provenance.bbox is not None:
            x0, top, x1, bottom = value.provenance.bbox
            texts += [
                w.text
                for w in words_by_page.get(value.provenance.page, ())
                if w.x0 < x1 and x0 < w.x1 and w.top < bottom and top < w.bottom
            ]
        words = list(dict.fromkeys(word for text in texts for word in lookalike_words(text)))
        if words:
            found.append(f"{name} spelt with look-alike letters ({', '.join(_show(w) for w in words[:3])})")
            fields.append(name)
    if not found:
        return None
    return _flag("lookalike_characters", "; ".join(dict.fromkeys(found)), list(dict.fromkeys(fields)))


def _show(word: str) -> str:
    """The word with each non-ASCII letter named by its code point: "DЕ89" → "D[U+0415]89"."""
    return "".join(ch if ch.isascii() else f"[U+{ord(ch):04X}]" for ch in word[:40])


def _instructions(guard: Guard) -> CheckResult | None:
    if not guard.regions:
        return None
    shown = "; ".join(f'page {r.page}: "{r.found}"' for r in guard.regions[:5])
    return _flag(
        "instruction_like_text",
        f"the page prints text addressed to a model or a machine ({shown}); nothing printed in it was read",
    )


def _bank_unreadable(guard: Guard, extraction: Extraction) -> CheckResult | None:
    found: list[str] = []
    for iban, labelled in _page_ibans_with_label(guard.cleaned):
        if _plausible(iban.value, labelled=labelled) and not iban_is_strictly_valid(_as_read(iban.raw)):
            found.append(f"the page prints an IBAN ...{iban.value[-4:]} that fails validation")
    read = extraction.value("iban")
    if read and not iban_is_valid(read):
        found.append(f"the IBAN read, ...{read.replace(' ', '')[-4:]}, fails the length or mod-97 check")
    if not found:
        return None
    return _flag(
        "bank_details_unreadable",
        "; ".join(dict.fromkeys(found)) + ": the bank details cannot be compared with the account on file",
        ["iban"],
    )


def _page_ibans(document: ParsedDocument) -> list[IbanLike]:
    return [iban for iban, _ in _page_ibans_with_label(document)]


_IBAN_LABEL = re.compile(r"iban[^a-z0-9]{0,10}$")


def _page_ibans_with_label(document: ParsedDocument) -> list[tuple[IbanLike, bool]]:
    """Every IBAN-shaped string the pages print, and whether an "IBAN" label stands right before it."""
    out: list[tuple[IbanLike, bool]] = []
    for page in document.pages:
        for line in page.text.split("\n"):
            for iban in iban_like(line):
                out.append((iban, bool(_IBAN_LABEL.search(fold(line[max(0, iban.start - 24) : iban.start])))))
    return out


def _as_read(compact: str) -> str:
    """The IBAN in an IBAN-shaped string: itself, or its valid prefix when the pattern took in
    what follows it ("AT39…5462" and the "FN" of the company register number after it)."""
    end = valid_iban_prefix(compact)
    return compact[:end] if end else compact


def _plausible(value: str, *, labelled: bool) -> bool:
    """An IBAN-shaped string that is meant as an IBAN: its country has IBANs, and it has that
    country's length or an "IBAN" label before it (a VAT number like NL123456789B01 has the
    shape, neither the length nor the label)."""
    length = iban_length(value[:2])
    return length is not None and (len(value) == length or labelled)
