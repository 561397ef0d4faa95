"""Find where on the pages an extracted value was printed.

The review page highlights each field where it was read, and a value that cannot be found
on the page at all is a sign the model made it up. Matching runs in stages, the first hit
wins:

1. the model's raw text, as a run of consecutive words on one line, compared
   case-insensitively with whitespace removed and punctuation trimmed from the ends
   (``"DE89 3704 ..."`` matches six words, ``"1.234,56"`` matches ``"1.234,56€"``);
2. the normalised value against normalised word spans: ``"1234.56"`` matches the printed
   ``"1.234,56"``, ``"2025-04-03"`` matches ``"3 April 2025"`` spread over three words,
   an IBAN matches its groups of four;
3. for text and identifiers (not numbers or dates), a single word that contains the raw
   text or value (a label glued to it, as in ``"Nr.:RE-1001"``).

Spans are at most :data:`MAX_SPAN_WORDS` words on one line. Names, addresses and
line-item descriptions wrap inside their table cell or address block, so text matches for
those may continue on the next line at the word left-aligned with the span's first word
(the cell's left edge), skipping the other columns of the row. For totals the last
match in reading order wins (the totals block follows the line items, which may print the
same number); for everything else the first.

Build one :class:`DocumentLocator` per document when locating many fields; :func:`locate`
builds a fresh one on every call.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from docai.schemas.invoice import AMOUNT_FIELDS, DATE_FIELDS, Provenance
from docai.schemas.parsed import ParsedDocument, Word
from docai.services.extraction.normalize import (
    normalize_currency,
    normalize_document_type,
    normalize_field,
    parse_date,
)

__all__ = ["MAX_SPAN_WORDS", "DocumentLocator", "grounded", "locate"]

MAX_SPAN_WORDS = 6
# Free-text fields wrap onto following lines; such a span may hold this many words.
_WRAPPED_MAX_WORDS = 80
# A continuation line starts within this many points of the span's or its cell's left edge...
_ALIGN_TOLERANCE = 3.0
# ...where a cell is a run of words with gaps under this many line heights between them...
_CELL_GAP = 1.5
# ...and at most this many line heights below the previous one.
_MAX_LINE_GAP = 2.5
# IBANs are printed in groups of four: up to eight groups (Malta, 31 characters) plus a label.
_KEYED_FIELDS = frozenset({"iban", "bic", "vendor_tax_id", "customer_tax_id"})
_KEYED_MAX_WORDS = 9
_NUMERIC_FIELDS = AMOUNT_FIELDS | {"amount", "base", "unit_price", "quantity", "tax_rate", "rate"}
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_RIGHT_PUNCT = re.compile(r"[\W_]+$")
_LEFT_PUNCT = re.compile(r"^[\W_]+")
_DIGIT_GROUP = re.compile(r"\d+")
# A word shorter than this is too common to be found inside a longer word (stage 3).
_MIN_CONTAINED_CHARS = 4


def _key(text: str) -> str:
    """Case-folded, whitespace-free form used for comparing printed text."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _sig(digits: str) -> str:
    """Digits without leading or trailing zeros: ``1.234,00`` and ``1234`` agree."""
    return digits.lstrip("0").rstrip("0")


@dataclass(frozen=True, slots=True)
class _Token:
    word: Word
    page: int
    line: int
    key: str
    digits: str
    numbers: frozenset[int]


class _Page:
    """Words of one page grouped into lines, in reading order."""

    def __init__(self, number: int, words: Sequence[Word]) -> None:
        self.number = number
        self.lines: list[list[_Token]] = []
        for line_no, line in enumerate(_group_lines(words)):
            tokens = []
            for word in line:
                digits = "".join(ch for ch in word.text if ch in "0123456789")
                numbers = frozenset(int(g) for g in _DIGIT_GROUP.findall(word.text) if len(g) <= 9)
                tokens.append(_Token(word, number, line_no, _key(word.text), digits, numbers))
            self.lines.append(tokens)
        self.flat: list[_Token] = [token for line in self.lines for token in line]


def _group_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Cluster words whose vertical centres are within half a word height of each other."""
    ordered = sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0))
    lines: list[list[Word]] = []
    centre = height = 0.0
    for word in ordered:
        mid, size = (word.top + word.bottom) / 2, max(word.bottom - word.top, 1.0)
        if lines and abs(mid - centre) <= 0.5 * min(height, size):
            lines[-1].append(word)
        else:
            lines.append([word])
            centre, height = mid, size
    return [sorted(line, key=lambda w: w.x0) for line in lines]


# A span matcher: (tokens so far) -> (matched, keep extending).
_Matcher = Callable[[Sequence[_Token]], tuple[bool, bool]]


def _text_matcher(target: str) -> _Matcher | None:
    """Consecutive words whose joined keys, ends trimmed, equal the trimmed target."""
    wanted = _EDGE_PUNCT.sub("", _key(target))
    if not wanted:
        return None

    def match(span: Sequence[_Token]) -> tuple[bool, bool]:
        joined = _LEFT_PUNCT.sub("", span[0].key) + "".join(token.key for token in span[1:])
        trimmed = _RIGHT_PUNCT.sub("", joined)
        if not trimmed:
            return False, False
        if trimmed == wanted:
            return True, False
        return False, wanted.startswith(trimmed) and len(trimmed) < len(wanted)

    return match


def _numeric_matcher(field: str, value: str) -> _Matcher | None:
    """Spans that normalise to the same number (absolute value: credit notes print '-')."""
    canonical = normalize_field(field, value, decimal=".")
    if canonical is None:
        return None
    wanted = canonical.lstrip("-")
    wanted_digits = "".join(ch for ch in wanted if ch.isdigit()).lstrip("0")
    wanted_sig = _sig(wanted_digits)

    def match(span: Sequence[_Token]) -> tuple[bool, bool]:
        if not span[0].digits:
            return False, False
        digits = "".join(token.digits for token in span).lstrip("0")
        # Cheap digit test first; only plausible spans are parsed.
        if _sig(digits) == wanted_sig:
            text = " ".join(token.word.text for token in span)
            # Any locale's reading will do: "1,500" kg is 1.5 on a German page.
            for decimal in (None, ",", "."):
                found = normalize_field(field, text, decimal=decimal)
                if found is not None and found.lstrip("-") == wanted:
                    return True, False
        return False, wanted_digits.startswith(digits)

    return match


def _date_matcher(value: str) -> _Matcher | None:
    """Spans that read as the same date, day first or month first."""
    wanted = parse_date(value)
    if wanted is None:
        return None
    years = {wanted.year, wanted.year % 100}

    def reads_as(text: str) -> bool:
        return wanted in (parse_date(text), parse_date(text, prefer_day_first=False))

    def match(span: Sequence[_Token]) -> tuple[bool, bool]:
        numbers = frozenset[int]().union(*(token.numbers for token in span))
        plausible = wanted.day in numbers and bool(numbers & years)
        if plausible and reads_as(" ".join(token.word.text for token in span)):
            return True, False
        return False, True

    return match


def _word_matcher(accept: Callable[[str], bool], max_words: int) -> _Matcher:
    """Spans of up to ``max_words`` whose text ``accept`` takes (currency, document type)."""

    def match(span: Sequence[_Token]) -> tuple[bool, bool]:
        if accept(" ".join(token.word.text for token in span)):
            return True, False
        return False, len(span) < max_words

    return match


def _contained_matcher(target: str) -> _Matcher | None:
    """One word that contains the target ("Nr.:RE-1001" for "RE-1001")."""
    wanted = _EDGE_PUNCT.sub("", _key(target))
    if len(wanted) < _MIN_CONTAINED_CHARS:
        return None

    def match(span: Sequence[_Token]) -> tuple[bool, bool]:
        return wanted in span[0].key, False

    return match


class DocumentLocator:
    """Locates values on one parsed document; build once, call :meth:`locate` per field.

    Example:
        >>> locator = DocumentLocator(document)  # doctest: +SKIP
        >>> locator.locate("1234.56", "1.234,56", field="total_gross")  # doctest: +SKIP
        Provenance(page=1, bbox=(400.0, 700.0, 440.0, 710.0), source_text='1.234,56', ...)
    """

    def __init__(self, document: ParsedDocument) -> None:
        self._pages = [_Page(page.number, page.words) for page in document.pages]

    def locate(self, value: str, raw: str | None = None, *, field: str) -> Provenance | None:
        """Find where ``value`` (read from ``raw``) was printed.

        Args:
            value: The normalised value (``"1234.56"``, ``"2025-04-03"``).
            raw: The text the model copied from the page, when it gave one.
            field: The canonical field name; it selects how values are compared.

        Returns:
            The page, the union box of the matched words and their text, or None when the
            value is not on any page.
        """
        typed = field in _NUMERIC_FIELDS or field in DATE_FIELDS or field in _KEYED_FIELDS
        multiline = not typed and field not in ("currency", "document_type")
        text_words = _WRAPPED_MAX_WORDS if multiline else MAX_SPAN_WORDS
        if field in _KEYED_FIELDS:
            text_words = _KEYED_MAX_WORDS
        prefer_last = field in AMOUNT_FIELDS
        stages: list[tuple[_Matcher | None, int, bool]] = []
        if raw and raw.strip():
            stages.append((_text_matcher(raw), text_words, multiline))
        stages.extend(self._value_stages(value, field=field, text_words=text_words, multiline=multiline))
        if field not in _NUMERIC_FIELDS and field not in DATE_FIELDS:
            # Never for numbers and dates: "12.50" is inside "112.50" but not printed.
            if raw and raw.strip():
                stages.append((_contained_matcher(raw), 1, False))
            stages.append((_contained_matcher(value), 1, False))
        for matcher, max_words, cross_lines in stages:
            if matcher is None:
                continue
            span = self._search(matcher, max_words=max_words, cross_lines=cross_lines, last=prefer_last)
            if span:
                return _provenance(span)
        return None

    def _value_stages(
        self, value: str, *, field: str, text_words: int, multiline: bool
    ) -> list[tuple[_Matcher | None, int, bool]]:
        if field in _NUMERIC_FIELDS:
            return [(_numeric_matcher(field, value), MAX_SPAN_WORDS, False)]
        if field in DATE_FIELDS:
            return [(_date_matcher(value), MAX_SPAN_WORDS, False)]
        if field == "currency":
            code = normalize_currency(value)
            if code is None:
                return []
            return [(_word_matcher(lambda text: normalize_currency(text) == code, 2), 2, False)]
        if field == "document_type":
            kind = normalize_document_type(value)
            if kind is None:
                return []
            return [(_word_matcher(lambda text: normalize_document_type(text) == kind, 3), 3, False)]
        return [(_text_matcher(value), text_words, multiline)]

    def _search(self, matcher: _Matcher, *, max_words: int, cross_lines: bool, last: bool) -> list[_Token] | None:
        found: list[_Token] | None = None
        for page in self._pages:
            for line_no, line in enumerate(page.lines):
                for start in range(len(line)):
                    if cross_lines:
                        span = _match_wrapped(page, line_no, start, matcher, max_words)
                    else:
                        span = _match_from(line, start, matcher, max_words)
                    if span is not None:
                        if not last:
                            return span
                        found = span
        return found


def _match_from(run: list[_Token], start: int, matcher: _Matcher, max_words: int) -> list[_Token] | None:
    """The shortest span of one line from ``start`` that the matcher accepts."""
    end = min(len(run), start + max_words)
    for stop in range(start + 1, end + 1):
        span = run[start:stop]
        matched, more = matcher(span)
        if matched:
            return span
        if not more:
            return None
    return None


def _match_wrapped(page: _Page, line_no: int, start: int, matcher: _Matcher, max_words: int) -> list[_Token] | None:
    """Like :func:`_match_from`, but the span may wrap to the next line of its column.

    At each word the span goes on with the next word of the same line or, failing that,
    with the word of a following line that is left-aligned with the span's first word or
    with the left edge of the cell holding it ("GG-BRKT-05 - Standard Mounting" wraps to
    "Brackets" under the product code).
    The matcher prunes every branch whose text is no longer a prefix of the target.
    """
    first = page.lines[line_no][start]
    anchors = (first.word.x0, _cell_left(page.lines[line_no], start))

    def extend(span: list[_Token], li: int, ti: int) -> list[_Token] | None:
        matched, more = matcher(span)
        if matched:
            return span
        if not more or len(span) >= max_words:
            return None
        line = page.lines[li]
        if ti + 1 < len(line):
            found = extend([*span, line[ti + 1]], li, ti + 1)
            if found is not None:
                return found
        wrapped = _continuation(page, li, anchors)
        if wrapped is not None:
            return extend([*span, page.lines[wrapped[0]][wrapped[1]]], *wrapped)
        return None

    return extend([first], line_no, start)


def _cell_left(line: list[_Token], index: int) -> float:
    """Left edge of the run of closely spaced words that holds ``line[index]``."""
    height = max(line[index].word.bottom - line[index].word.top, 1.0)
    while index > 0 and line[index].word.x0 - line[index - 1].word.x1 < _CELL_GAP * height:
        index -= 1
    return line[index].word.x0


def _continuation(page: _Page, line_no: int, anchors: tuple[float, float]) -> tuple[int, int] | None:
    """The word left-aligned with an anchor on one of the next two lines, if close below."""
    previous = page.lines[line_no][0].word
    height = max(previous.bottom - previous.top, 1.0)
    for li in range(line_no + 1, min(line_no + 3, len(page.lines))):
        line = page.lines[li]
        if line[0].word.top - previous.bottom > _MAX_LINE_GAP * height:
            return None
        # The span's own left edge first: a cell may hold a label column of its own.
        for anchor in anchors:
            for ti, token in enumerate(line):
                if abs(token.word.x0 - anchor) <= _ALIGN_TOLERANCE:
                    return li, ti
    return None


def _provenance(span: Sequence[_Token]) -> Provenance:
    words = [token.word for token in span]
    bbox = (
        min(w.x0 for w in words),
        min(w.top for w in words),
        max(w.x1 for w in words),
        max(w.bottom for w in words),
    )
    return Provenance(page=span[0].page, bbox=bbox, source_text=" ".join(w.text for w in words), derived="")


def locate(value: str, raw: str | None, document: ParsedDocument, *, field: str) -> Provenance | None:
    """Find where a value was printed on the document.

    Args:
        value: The normalised value.
        raw: The model's raw text for the value, or None.
        document: The parsed pages.
        field: The canonical field name.

    Returns:
        The provenance (page, bbox, source text), or None when the value is not printed.

    Example:
        >>> locate("2025-04-03", "3 April 2025", document, field="invoice_date")  # doctest: +SKIP
        Provenance(page=1, bbox=(...), source_text='3 April 2025', derived='')
    """
    return DocumentLocator(document).locate(value, raw, field=field)


def grounded(value: str, document: ParsedDocument, *, field: str, raw: str | None = None) -> bool:
    """Whether the value is printed somewhere on the document (see :func:`locate`).

    Args:
        value: The normalised value.
        document: The parsed pages.
        field: The canonical field name.
        raw: The model's raw text, when known.

    Returns:
        True when :func:`locate` finds it.
    """
    return locate(value, raw, document, field=field) is not None
