"""Read invoice line items from the tables on the page, instead of having a model write them.

A line-item table is found by its header: a line (or two stacked lines) whose cells are
column names from the lexicon in ``columns.yaml`` ("Beschreibung", "Qté", "Unit price",
"Importe", ...). The x-ranges of the header cells become the columns. The lines below are
read until the totals block, another table's header, or the end of the table's pages:

- a line's cells go to columns in left-to-right order at least cost (distance from the
  header, a figure under a text header, two figures under one header), so right-aligned
  figures under centred headers keep their columns; cells printed as one ("1 A-100",
  "2 pcs") are split where their words sit under different headers;
- once the rows are read, where each column's values really sit is learned from them and
  the lines are read again (a description starting far left of its centred header);
- a line with a figure in the amount column starts a row; lines between rows without one
  continue the description of the row they sit closest to, unless they are notes under it
  ("Serial no.: 4711"); sums, discounts and carried-forward lines are not rows;
- on a new page the table goes on under a repeated header, or with the same columns when
  rows simply continue;
- arithmetic is evidence: ``quantity x unit_price = amount`` (also per 100 or 1000 units and
  after a discount column) raises a row's confidence and picks the reading of an ambiguous
  number ("1.000"); rows whose figures disagree are still returned, with less confidence.

Nothing here invents a value: every field is text read from the page, normalised with
:func:`normalize_field`, with its page and box.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from docai.schemas.invoice import LINE_ITEM_FIELDS, ExtractedField, LineItem, Provenance
from docai.schemas.parsed import Word
from docai.services.extraction.layout import Layout, Line, fold, words_box
from docai.services.extraction.normalize import normalize_currency, normalize_field, parse_amount

__all__ = ["Lexicon", "load_lexicon", "read_line_items"]

# Kinds a LineItem carries; every other lexicon kind only claims its column.
OUTPUT_KINDS: tuple[str, ...] = LINE_ITEM_FIELDS
# Columns that hold figures: text assigned to them by position is moved to a text column.
_NUMERIC_KINDS = frozenset(
    {
        "quantity",
        "unit_price",
        "amount",
        "tax_rate",
        "position",
        "discount",
        "tax_amount",
        "amount_gross",
        "unit_price_gross",
    }
)
# The column whose number starts a row, in order of preference.
_ANCHOR_KINDS: tuple[str, ...] = ("amount", "amount_gross", "unit_price", "unit_price_gross", "quantity")
# Without a description column a header still counts when it names all three of these.
_FIGURE_KINDS = frozenset({"quantity", "unit_price", "amount"})
_HEADER_MIN_COVERAGE = 0.6  # share of a header line's cells that must be column names
_HEADER_MAX_WORDS = 24
_LOOKAHEAD_LINES = 40  # lines scanned on a new page for the rows to go on
# A space wider than this many character widths separates two cells (a word space is about
# half a character in proportional fonts and one in monospaced ones).
_WIDE_SPACE = 1.3
_TOKEN = re.compile(r"[^\W_°º]+|[#%/&+°º]")
# Words that join two names of one column: "Artikel / Leistung", "Hrs/Qty", "Product & service".
_JOINERS = frozenset({"/", "&", "+", "and", "or", "und", "oder", "et", "ou", "en", "of", "y", "o", "e"})
_DIGIT = re.compile(r"\d")
_BULLETS = frozenset("•·▪◦‣*►")
# A number followed by a short unit or percent sign: "20Stk", "5 kg", "2,5 h", "19 %".
_NUMBER_AND_UNIT = re.compile(r"^([-+\u2212]?\d(?:[\d.,'\u00a0\u202f ]*\d)?)\s*([^\W\d_][^\d]{0,11}|%)$")
_CODED_FIGURE = re.compile(r"^(.*\d)\s+[A-Z*]{1,2}$")
_FIRST_NUMBER = re.compile(r"[-\u2212]?\d(?:[\d.,'\u00a0\u202f]*\d)?")
# Separator then 1, 2 or 4+ digits at the end: that separator is the decimal mark.
_DECIMAL_MARK = re.compile(r"\d([.,])(\d{1,2}|\d{4,})(?!\d)")

_LEXICON_PATH = "columns.yaml"


# --- lexicon ----------------------------------------------------------------------------


def _tokens(text: str) -> tuple[str, ...]:
    """Folded word tokens: 'P.U. HT' -> ('p', 'u', 'ht'), 'Art.-Nr.' -> ('art', 'nr')."""
    return tuple(_TOKEN.findall(fold(text)))


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Column names, totals labels and the rules to read them, loaded from ``columns.yaml``.

    Attributes:
        phrases: Folded token sequence -> the kinds it may name (several when ambiguous).
        compounds: ``(ending, kind)`` pairs for compound words, longest ending first.
        fallbacks: Kind -> the kind it stands in for when that one has no column.
        totals: Labels that open the totals block.
        subtotals: Sum labels that may sit inside a table.
        skips: Labels of rows that are not line items (carried-forward sums, discounts).
        qualifiers: Words that make a tax name qualify the name before it ("excl. VAT").
    """

    phrases: dict[tuple[str, ...], tuple[str, ...]]
    compounds: tuple[tuple[str, str], ...]
    fallbacks: dict[str, str]
    totals: frozenset[tuple[str, ...]]
    subtotals: frozenset[tuple[str, ...]]
    skips: frozenset[tuple[str, ...]]
    qualifiers: frozenset[str] = frozenset()

    @property
    def longest(self) -> int:
        return _longest(self)

    def may_name(self, word: str) -> bool:
        """Whether a word can be part of a column name: a quick test before the full match."""
        tokens = _tokens(word)
        whole = word if len(tokens) == 1 else ""
        return any(token in _vocabulary(self) or self.kinds_of_word(token, whole) for token in tokens)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Lexicon:
        """Build from the parsed YAML (see the comments in ``columns.yaml``).

        Raises:
            TypeError: When a phrase is not a string (YAML reads a bare ``no`` as False).
        """
        _check_strings(data)
        phrases: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for kind, names in (data.get("columns") or {}).items():
            for name in names:
                key = _tokens(str(name))
                if key and kind not in phrases[key]:
                    phrases[key].append(kind)
        for name, kinds in (data.get("ambiguous") or {}).items():
            key = _tokens(str(name))
            phrases[key] = list(dict.fromkeys([*kinds, *phrases.get(key, [])]))
        compounds = sorted(
            (
                (fold(str(ending)), kind)
                for kind, endings in (data.get("compounds") or {}).items()
                for ending in endings
            ),
            key=lambda pair: -len(pair[0]),
        )

        def labels(key: str) -> frozenset[tuple[str, ...]]:
            return frozenset(t for t in (_tokens(str(x)) for x in data.get(key) or []) if t)

        return cls(
            phrases={key: tuple(kinds) for key, kinds in phrases.items()},
            compounds=tuple(compounds),
            fallbacks={str(k): str(v) for k, v in (data.get("fallbacks") or {}).items()},
            totals=labels("totals"),
            subtotals=labels("subtotals"),
            skips=labels("skips"),
            qualifiers=frozenset(t for x in data.get("qualifiers") or [] for t in _tokens(str(x))),
        )

    def kinds_of_word(self, token: str, text: str = "") -> list[tuple[str, ...]]:
        """Kinds named by one unmatched word: names run together, or a compound.

        A PDF may print adjacent header words without a space ("MengeEinheit"): the capital
        inside the word shows where each name starts. Otherwise a German or Dutch compound
        names what its ending names ("Stückpreis", "Stuksprijs", "Positionsbetrag").

        Args:
            token: The word's folded token.
            text: The word as printed, when the token is the whole word.
        """
        parts = _camel_parts(text) if text else []
        if len(parts) >= 2:
            kinds: list[tuple[str, ...]] = []
            for part in parts:
                key = _tokens(part)
                found = self.phrases.get(key) or (self._ending(key[0]) if len(key) == 1 else ())
                if not found:
                    break
                kinds.append(found)
            else:
                return kinds
        if len(token) < 5:
            return []
        ending = self._ending(token)
        return [ending] if ending else []

    def kinds_of_abbreviation(self, token: str) -> list[tuple[str, ...]]:
        """Kinds named by an abbreviated word ("Omschr.", "Beschr.", "Hoeveelh.").

        The abbreviation must be four letters or more and start only names of one kind.
        """
        if len(token) < 4:
            return []
        found = {kinds for name, kinds in self.phrases.items() if len(name) == 1 and name[0].startswith(token)}
        return [found.pop()] if len(found) == 1 else []

    def _ending(self, token: str) -> tuple[str, ...]:
        for ending, kind in self.compounds:
            if token.endswith(ending) and len(token) - len(ending) >= 2:
                return (kind,)
        return ()

    def starts_with(self, tokens: Sequence[str], labels: frozenset[tuple[str, ...]]) -> bool:
        """Whether the token sequence opens with one of the labels."""
        return any(tuple(tokens[:n]) in labels for n in range(1, min(len(tokens), 6) + 1))

    def mentions(self, tokens: Sequence[str], labels: frozenset[tuple[str, ...]]) -> bool:
        """Whether one of the labels occurs anywhere in the tokens ("Goods total", "Trade discount")."""
        return any(self.starts_with(tokens[at:], labels) for at in range(len(tokens)))


def _camel_parts(text: str) -> list[str]:
    """'MengeEinheit' -> ['Menge', 'Einheit']; a word without an inner capital stays whole."""
    parts = [""]
    for previous, char in zip(" " + text, text, strict=False):
        if previous.islower() and char.isupper():
            parts.append("")
        parts[-1] += char
    return parts


@lru_cache(maxsize=8)
def _vocabulary(lexicon: Lexicon) -> frozenset[str]:
    return frozenset(token for phrase in lexicon.phrases for token in phrase)


@lru_cache(maxsize=8)
def _longest(lexicon: Lexicon) -> int:
    return max((len(p) for p in lexicon.phrases), default=1)


def _check_strings(node: object, where: str = "columns.yaml") -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: key {key!r} is not a string; quote it")
            _check_strings(value, f"{where}/{key}")
    elif isinstance(node, list):
        for value in node:
            _check_strings(value, where)
    elif not isinstance(node, str):
        raise TypeError(f"{where}: {node!r} is not a string; quote it")


@lru_cache(maxsize=4)
def load_lexicon(path: Path | None = None) -> Lexicon:
    """Load the column lexicon (the packaged ``columns.yaml`` unless ``path`` is given).

    Args:
        path: Another lexicon file in the same format, e.g. a tenant's additions.

    Returns:
        The lexicon, cached per path.
    """
    if path is None:
        text = resources.files("docai.services.extraction").joinpath(_LEXICON_PATH).read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return Lexicon.from_mapping(yaml.safe_load(text) or {})


# --- headers ----------------------------------------------------------------------------


@dataclass
class _Column:
    kinds: tuple[str, ...]  # the kinds the header may name; resolved to ``kind`` per table
    x0: float
    x1: float
    named: bool = True  # False for a header cell that is no known column name
    kind: str = ""
    data: tuple[float, float] | None = None  # where the column's values sit, once learned

    def overlap(self, x0: float, x1: float) -> float:
        return min(self.x1, x1) - max(self.x0, x0)

    def distance(self, x0: float, x1: float) -> float:
        return max(0.0, self.x0 - x1, x0 - self.x1)

    def spans(self) -> list[tuple[float, float]]:
        return [(self.x0, self.x1), *([self.data] if self.data else [])]

    @property
    def numeric(self) -> bool:
        return all(kind in _NUMERIC_KINDS for kind in self.kinds)

    @property
    def textual(self) -> bool:
        return any(kind not in _NUMERIC_KINDS for kind in self.kinds) or not self.named


@dataclass
class _Header:
    columns: list[_Column]
    first: int  # line indices the header spans
    last: int
    items: bool  # a line-item header, not just some other table's (tax summary, payments)
    height: float  # of its text: the unit for gaps
    fit: int
    bounds: tuple[float, float]


def _spaced(words: list[Word]) -> list[list[Word]]:
    """A cell's words split where the space between them is wider than a word space.

    Narrow columns can be printed closer than the layout's cell gap ("BTW  Bedrag (EUR)"),
    but still further apart than the words of one name or value.
    """
    sized = [w for w in words if len(w.text) >= 2] or words
    char = statistics.median((w.x1 - w.x0) / max(len(w.text), 1) for w in sized)
    runs = [[words[0]]]
    for previous, word in itertools.pairwise(words):
        if word.x0 - previous.x1 > _WIDE_SPACE * char:
            runs.append([word])
        else:
            runs[-1].append(word)
    return runs


def _group_words(lines: Sequence[Line]) -> list[list[Word]]:
    """Cells of one line, or cells of stacked lines merged where they overlap in x."""
    if len(lines) == 1:
        return [run for cell in lines[0].cells for run in _spaced(cell.words)]
    groups: list[tuple[float, float, list[tuple[int, Word]]]] = []
    for depth, line in enumerate(lines):
        for run in (run for cell in line.cells for run in _spaced(cell.words)):
            box = words_box(run)
            hits = [g for g in groups if g[0] < box.x1 and box.x0 < g[1]]
            words = [(depth, w) for w in run]
            for hit in hits:
                groups.remove(hit)
                words.extend(hit[2])
            x0 = min([box.x0, *(h[0] for h in hits)])
            x1 = max([box.x1, *(h[1] for h in hits)])
            groups.append((x0, x1, words))
    groups.sort(key=lambda g: g[0])
    return [[w for _, w in sorted(g[2], key=lambda dw: (dw[0], dw[1].x0))] for g in groups]


@dataclass
class _Naming:
    """What a header candidate's cells name: columns, and how well the names fit."""

    columns: list[_Column]
    named: int  # cell groups that hold a column name
    groups: int  # cell groups between the first and last name
    fit: int  # tokens matched minus tokens left over: which reading of stacked lines is best
    # Text beside the names on the header line (a sidebar): cells from there on are not the table's.
    bounds: tuple[float, float]


def _header_columns(groups: list[list[Word]], lexicon: Lexicon) -> _Naming:
    """Columns named by a header's cell groups."""
    columns: list[_Column] = []
    named_groups = 0
    fit = 0
    longest = lexicon.longest
    for words in groups:
        tokens = [(tok, i) for i, w in enumerate(words) for tok in _tokens(w.text)]
        matches: list[tuple[tuple[str, ...], set[int]]] = []
        loose: list[tuple[int, set[int]]] = []  # unmatched word indices, placed after match n
        named_tokens: list[str] = []
        at = 0
        last_matched = -1
        while at < len(tokens):
            for size in range(min(longest, len(tokens) - at), 0, -1):
                key = tuple(tok for tok, _ in tokens[at : at + size])
                if key in lexicon.phrases:
                    kinds = lexicon.phrases[key]
                    idx = {i for _, i in tokens[at : at + size]}
                    before = tokens[at - 1][0] if at > 0 else ""
                    joined = before in _JOINERS and last_matched == at - 2
                    shared = tuple(k for k in matches[-1][0] if k in kinds) if matches else ()
                    if shared and (joined or matches[-1][0] == kinds != ("position",)):
                        # "Hrs/Qty", "Artikel / Leistung": two names of one column.
                        matches[-1] = (shared, matches[-1][1] | idx)
                    elif matches and before in lexicon.qualifiers and "tax_rate" in kinds:
                        # "Amount excl. VAT", "Prix TTC": the tax qualifies the name before it.
                        matches[-1][1].update(idx | {tokens[at - 1][1]})
                        loose = [entry for entry in loose if entry[1] != {tokens[at - 1][1]}]
                    else:
                        matches.append((kinds, idx))
                    named_tokens.extend(key)
                    last_matched = at + size - 1
                    at += size
                    break
            else:
                token, index = tokens[at]
                whole = words[index].text if len(_tokens(words[index].text)) == 1 else ""
                parts = lexicon.kinds_of_word(token, whole)
                if not parts and words[index].text.rstrip(")").endswith("."):
                    parts = lexicon.kinds_of_abbreviation(token)
                for kinds in parts:
                    matches.append((kinds, {index}))
                if parts:
                    named_tokens.append(token)
                else:
                    loose.append((len(matches), {index}))
                at += 1
        # Units of a name ("%", "(EUR)") neither count for nor against it. Other words may
        # qualify a name ("Prijs p/st", "Descrizione beni/servizi"), but a name of one or two
        # letters among other words is a coincidence ("Noordzee Logistics N.V.").
        strays = sum(1 for _, idx in loose for i in idx if not _is_unit_mark(words[i].text))
        weak = all(len(token) < 3 for token in named_tokens)
        labelled = any(w.text.endswith(":") for w in words)  # "Product origin:" labels a value
        if not matches or labelled or strays > 3 * len(named_tokens) or (weak and strays):
            # No name, a label, or a name among more other words: no column.
            box = words_box(words)
            columns.append(_Column(kinds=("other",), x0=box.x0, x1=box.x1, named=False))
            continue
        named_groups += 1
        fit += len(tokens) - len(loose) - strays
        for position, idx in loose:  # "(EUR)", "netto": part of the name before them
            matches[max(position - 1, 0)][1].update(idx)
        for kinds, idx in matches:
            box = words_box([words[i] for i in sorted(idx)])
            columns.append(_Column(kinds=kinds, x0=box.x0, x1=box.x1))
    columns.sort(key=lambda c: (c.x0, c.x1))
    # Unnamed cells left or right of all named ones are beside the table (a sidebar), not in it.
    named_at = [i for i, c in enumerate(columns) if c.named]
    left, right = -float("inf"), float("inf")
    if named_at:
        if named_at[0] > 0:
            left = max(c.x1 for c in columns[: named_at[0]])
        if named_at[-1] < len(columns) - 1:
            right = min(c.x0 for c in columns[named_at[-1] + 1 :])
        columns = columns[named_at[0] : named_at[-1] + 1]
    groups_inside = len(columns) - sum(1 for c in columns if c.named) + named_groups
    return _Naming(columns, named_groups, groups_inside, fit, (left, right))


def _is_unit_mark(text: str) -> bool:
    """A currency or percent sign in a header ("Price (EUR)", "VAT %", "in €")."""
    core = text.strip("()[]/:.")
    return core in ("%", "#") or normalize_currency(core) is not None


def _header_at(lines: Sequence[Line], at: int, lexicon: Lexicon) -> _Header | None:
    """The header starting at line ``at``, over one line or two stacked ones."""
    single = _evaluate_header(lines, at, at, lexicon)
    if at + 1 < len(lines) and _stacked(lines[at], lines[at + 1]):
        double = _evaluate_header(lines, at, at + 1, lexicon)
        below = _evaluate_header(lines, at + 1, at + 1, lexicon)
        best_single = max((h.fit for h in (single, below) if h is not None), default=-1)
        if double is not None and double.items and double.fit > best_single:
            return double
    return single


def _stacked(upper: Line, lower: Line) -> bool:
    """Two lines close enough to be one header printed in two rows, neither with figures."""
    if upper.page != lower.page or any(_DIGIT.search(line.text) for line in (upper, lower)):
        return False
    a, b = upper.box, lower.box
    return b.top - a.bottom < 0.8 * max(a.bottom - a.top, 1.0)


def _evaluate_header(lines: Sequence[Line], first: int, last: int, lexicon: Lexicon) -> _Header | None:
    chosen = lines[first : last + 1]
    words = [w for line in chosen for c in line.cells for w in c.words]
    if len(words) > _HEADER_MAX_WORDS or sum(1 for w in words if lexicon.may_name(w.text)) < 2:
        return None
    naming = _header_columns(_group_words(chosen), lexicon)
    columns = naming.columns
    if naming.named < 2 or naming.named < _HEADER_MIN_COVERAGE * naming.groups:
        return None
    left = columns[0].x0
    for line in chosen:
        for cell in line.cells:
            for word in cell.words:
                # Figures among or after the names: a data row ("4 | Consulting hours | 7 hrs",
                # "GTIN01234"). Left of the table they may belong to a sidebar ("IBAN: DE66 ...").
                if word.x0 >= left and _DIGIT.search(word.text):
                    return None
    kinds = {kind for c in columns if c.named for kind in c.kinds}
    plain = {c.kinds[0] for c in columns if c.named and len(c.kinds) == 1}
    numbers = {"amount", "amount_gross", "unit_price", "unit_price_gross", "quantity"}
    items = ("description" in kinds and bool(plain & numbers)) or _FIGURE_KINDS <= plain
    height = statistics.median(w.bottom - w.top for line in chosen for c in line.cells for w in c.words)
    return _Header(
        columns=columns,
        first=first,
        last=last,
        items=items,
        height=max(height, 4.0),
        fit=naming.fit,
        bounds=naming.bounds,
    )


# --- reading a table ----------------------------------------------------------------------


def _numberish(text: str) -> bool:
    """A figure, possibly with a unit or percent sign ("12,50", "20Stk", "19 %", "-€2.00")."""
    text = text.strip()
    return bool(text) and (parse_amount(text) is not None or _NUMBER_AND_UNIT.match(text) is not None)


@dataclass
class _Entry:
    """One read line of a table: a row (with a figure in the anchor column) or text."""

    line: int
    page: int
    top: float
    bottom: float
    cells: dict[int, list[Word]]
    row: bool


@dataclass
class _Table:
    columns: list[_Column]
    anchor: int
    height: float
    bounds: tuple[float, float]
    entries: list[_Entry] = field(default_factory=list)

    # -- assigning words to columns -------------------------------------------------------

    def assign(self, line: Line) -> dict[int, list[Word]]:
        """The line's words by column; cells beside the table (a sidebar) are left out.

        Cells are first split at wide spaces. Beside the table is where the header line had
        text that names no column, and left of the first column on a line whose first column
        is filled: a description under a centred header may start far left of it, but not
        left of another first-column value.
        """
        left, right = self.bounds
        runs = [(run, words_box(run)) for cell in line.cells for run in _spaced(cell.words)]
        inside = [(run, box) for run, box in runs if left <= box.x0 and box.x1 <= right]
        first = self.columns[0]
        edge = min(first.x0, first.data[0]) if first.data else first.x0
        edge -= 2 * self.height
        zone_end = (first.x1 + self.columns[1].x0) / 2 if len(self.columns) > 1 else first.x1
        if any(edge <= box.x0 <= zone_end for _, box in inside):
            inside = [(run, box) for run, box in inside if box.x1 >= edge]
        pieces = [piece for run, _ in inside for piece in self._under_headers(run)]
        out: dict[int, list[Word]] = defaultdict(list)
        for index, words in zip(self._align(pieces), pieces, strict=True):
            out[index].extend(words)
        return dict(out)

    def _under_headers(self, words: list[Word]) -> list[list[Word]]:
        """A run of words whole, or split where its words sit under different headers.

        Narrow columns may be printed one space apart ("1 A-100", "2 pcs"). A split there
        needs every part under a header of its own and figures only under figure headers: a
        description running on under a quantity's header stays whole.
        """
        runs: list[tuple[int | None, list[Word]]] = []
        for word in words:
            owner = self._overlapping(word)
            if runs and (owner is None or owner == runs[-1][0]):
                runs[-1][1].append(word)
            elif runs and runs[-1][0] is None:
                runs[-1] = (owner, [*runs[-1][1], word])
            else:
                runs.append((owner, [word]))
        if len(runs) < 2:
            return [words]
        for owner, run in runs:
            if owner is None or self.columns[owner].numeric and not _numberish(" ".join(w.text for w in run)):
                return [words]
        return [run for _, run in runs]

    def _overlapping(self, word: Word) -> int | None:
        best, best_overlap = None, 0.0
        for index, column in enumerate(self.columns):
            overlap = column.overlap(word.x0, word.x1)
            if overlap > best_overlap:
                best, best_overlap = index, overlap
        return best

    def _align(self, pieces: list[list[Word]]) -> list[int]:
        """Columns for a line's pieces, left to right in the columns' order, at least cost.

        Order is the strongest evidence a row gives: when headers are centred and figures
        right-aligned, a figure may sit nearer the next column's header than its own, but
        three figures under three figure headers still go one to each, in order. The cost of
        a piece in a column is its distance from the header, plus a penalty for a figure under
        a text header, text under a figure header, and two figures under one header.
        """
        if not pieces:
            return []
        columns, scale = self.columns, self.height
        numeric = [_numberish(" ".join(w.text for w in piece)) for piece in pieces]

        boxes = [words_box(piece) for piece in pieces]

        def cost(p: int, c: int) -> float:
            box, column = boxes[p], columns[c]
            near = min(max(0.0, x0 - box.x1, box.x0 - x1) for x0, x1 in column.spans())
            aligned = min(
                min(abs(box.x0 - x0), abs(box.x1 - x1), abs(box.x0 + box.x1 - x0 - x1) / 2) for x0, x1 in column.spans()
            )
            penalty = 0.0
            if numeric[p] and not column.numeric:
                if column.kinds == ("unit",):
                    penalty = 4.0  # a unit is never a figure
                elif {"product_code", "position"} & set(column.kinds) or not column.named:
                    penalty = 1.0  # codes and item numbers often are
                else:
                    penalty = 2.5
            elif not numeric[p] and column.numeric:
                penalty = 4.0
            return (near + 0.05 * aligned) / scale + penalty

        count = len(columns)
        inf = float("inf")
        best = [[inf] * count for _ in pieces]
        back = [[0] * count for _ in pieces]
        for c in range(count):
            best[0][c] = cost(0, c)
        for p in range(1, len(pieces)):
            for c in range(count):
                here = cost(p, c)
                for prior in range(c + 1):
                    # Two figures under one figure header: more likely one belongs elsewhere.
                    # Two pieces of a code or unit too; only descriptions spread over gaps.
                    shared = 0.0
                    if prior == c and columns[c].numeric and numeric[p] and numeric[p - 1]:
                        shared = 8.0
                    elif prior == c and "description" not in columns[c].kinds and columns[c].named:
                        shared = 3.0
                    total = best[p - 1][prior] + here + shared
                    if total < best[p][c]:
                        best[p][c], back[p][c] = total, prior
        path = [min(range(count), key=lambda c: best[-1][c])]
        for p in range(len(pieces) - 1, 0, -1):
            path.append(back[p][path[-1]])
        return path[::-1]

    def learn(self, lines: Sequence[Line]) -> None:
        """Learn where each column's values sit from the rows, then read every line again.

        A centred header over right-aligned figures, or a description column whose header sits
        mid-column, puts values away from their header; the rows show where they really are.
        """
        rows = [e for e in self.entries if e.row]
        if len(rows) < 2:
            return
        for index, column in enumerate(self.columns):
            boxes = [words_box(e.cells[index]) for e in rows if index in e.cells]
            if len(boxes) >= max(2, len(rows) // 2):
                column.data = (statistics.median(b.x0 for b in boxes), statistics.median(b.x1 for b in boxes))
        for entry in self.entries:
            cells = self.assign(lines[entry.line])
            if not entry.row or self.anchor_value(cells) is not None:
                entry.cells = cells

    # -- what a line is ---------------------------------------------------------------------

    def figure(self, cells: dict[int, list[Word]], index: int | None) -> str:
        if index is None or index not in cells:
            return ""
        return " ".join(w.text for w in cells[index])

    def anchor_value(self, cells: dict[int, list[Word]]) -> Decimal | None:
        """The figure in the anchor column, also when a tax code follows it ("198,00 A")."""
        text = self.figure(cells, self.anchor)
        if not text:
            return None
        value = parse_amount(text)
        if value is None and (coded := _CODED_FIGURE.match(text)):
            value = parse_amount(coded.group(1))
        return value

    def label(self, cells: dict[int, list[Word]]) -> tuple[str, ...]:
        words = sorted((w for i, ws in cells.items() if i != self.anchor for w in ws), key=lambda w: w.x0)
        return _tokens(" ".join(w.text for w in words))


def _make_table(header: _Header) -> _Table | None:
    columns = header.columns
    for kind in _ANCHOR_KINDS:
        found = [i for i, c in enumerate(columns) if c.kinds == (kind,)]
        if found:
            return _Table(columns=columns, anchor=found[-1], height=header.height, bounds=header.bounds)
    return None


def _read_table(layout: Layout, header: _Header, lexicon: Lexicon) -> tuple[_Table | None, int]:
    """Read the lines under a header; returns the table and the line to go on scanning from.

    The table ends at its totals block, at another table's header, or when a new page shows
    no rows in its first lines. A wide gap ends the table's part of a page (what follows is a
    footer or an unnamed totals block), but its rows may go on on the next page.
    """
    lines = layout.lines
    table = _make_table(header)
    if table is None:
        return None, header.last + 1
    page = lines[header.first].page
    previous_bottom = lines[header.last].box.bottom
    first_gap: float | None = None
    looking = 0  # > 0 while looking for the rows to go on at the top of a new page
    parked = False  # the rest of this page lies below the table
    after_subtotal = False
    at = header.last + 1
    while at < len(lines):
        line = lines[at]
        if line.page != page:
            page, looking, parked = line.page, _LOOKAHEAD_LINES, False
        found = _header_at(lines, at, lexicon)
        if found is not None:
            if found.items and looking and _same_columns(table.columns, found.columns):
                # The header repeated on a new page: the table goes on under it.
                table.columns, table.bounds = found.columns, found.bounds
                previous_bottom, looking, first_gap = lines[found.last].box.bottom, 0, None
                at = found.last + 1
                continue
            if found.items or _is_other_table(found):
                break  # another table: the caller reads it
        if parked:
            at += 1
            continue
        cells = table.assign(line)
        value = table.anchor_value(cells)
        label = table.label(cells)
        figures = _has_figures(table, cells)
        subtotal = value is not None and not figures and lexicon.mentions(label, lexicon.subtotals)
        if value is not None and not figures and not subtotal and lexicon.mentions(label, lexicon.totals):
            break
        if value is None and not looking and _DIGIT.search(line.text) and lexicon.starts_with(label, lexicon.totals):
            break
        if looking:
            # Page headers and footers until the first row; none in the first lines: done.
            looking -= 1
            if value is not None and _is_row(table, cells) and (figures or _has_text(table, cells)):
                looking = 0
            elif looking == 0:
                break
            else:
                at += 1
                continue
        else:
            gap = line.box.top - previous_bottom
            limit = max(4.0 * table.height, 2.5 * first_gap) if first_gap is not None else 6.0 * table.height
            if table.entries and gap > limit:
                parked = True
                at += 1
                continue
            if first_gap is None and value is not None:
                first_gap = max(gap, table.height)
        previous_bottom = line.box.bottom
        if subtotal:
            after_subtotal = True
        elif value is not None and not figures and lexicon.mentions(label, lexicon.skips):
            pass  # a carried-forward sum or a discount line
        elif value is not None and _is_row(table, cells):
            if not figures and _table_has_figures(table) and (after_subtotal or not _in_description(table, cells)):
                break  # a sum under the table ("Gesamt netto ... 62'209.77"), not an item
            after_subtotal = False
            table.entries.append(_Entry(at, line.page, line.box.top, line.box.bottom, cells, row=True))
        elif value is None:
            table.entries.append(_Entry(at, line.page, line.box.top, line.box.bottom, cells, row=False))
        at += 1
    return table, at


def _same_columns(old: list[_Column], new: list[_Column]) -> bool:
    return [c.kinds for c in old] == [c.kinds for c in new]


def _is_other_table(header: _Header) -> bool:
    """A header of some other table (tax summary, payment plan): it ends this one."""
    return sum(1 for c in header.columns if c.named) >= 2


def _has_figures(table: _Table, cells: dict[int, list[Word]]) -> bool:
    """Whether the line shows a quantity or unit price, as line items do and totals don't."""
    for index in cells:
        column = table.columns[index]
        named = column.kinds[0] in ("quantity", "unit_price", "unit_price_gross")
        if index != table.anchor and named and _numberish(table.figure(cells, index)):
            return True
    return False


def _table_has_figures(table: _Table) -> bool:
    return any(e.row and _has_figures(table, e.cells) for e in table.entries)


def _has_text(table: _Table, cells: dict[int, list[Word]]) -> bool:
    return any(
        table.columns[i].textual and any(ch.isalpha() for w in ws for ch in w.text)
        for i, ws in cells.items()
        if i != table.anchor
    )


def _in_description(table: _Table, cells: dict[int, list[Word]]) -> bool:
    """Whether the line has words under a description header (or the table names none)."""
    described = [i for i, c in enumerate(table.columns) if "description" in c.kinds]
    return not described or any(i in cells for i in described)


def _is_row(table: _Table, cells: dict[int, list[Word]]) -> bool:
    """A figure in the anchor column and something else beside it (a lone number is no item)."""
    return any(i != table.anchor and ws for i, ws in cells.items())


# --- resolving columns ------------------------------------------------------------------


def _resolve(table: _Table, lexicon: Lexicon) -> None:
    """Give each column one kind: ambiguous names by their values, fallbacks, duplicates."""
    rows = [e for e in table.entries if e.row]

    def values(index: int) -> list[str]:
        return [" ".join(w.text for w in e.cells[index]) for e in rows if index in e.cells]

    plain = {c.kinds[0] for c in table.columns if c.named and len(c.kinds) == 1}
    for index, column in enumerate(table.columns):
        if not column.named:
            column.kind = "other"
        elif len(column.kinds) == 1:
            column.kind = column.kinds[0]
        else:
            column.kind = _by_values(column.kinds, values(index), taken=plain)
    kinds = {c.kind for c in table.columns}
    for stand_in, kind in lexicon.fallbacks.items():
        if kind not in kinds:
            for column in table.columns:
                if column.kind == stand_in:
                    column.kind = kind
            kinds = {c.kind for c in table.columns}
    if "description" not in kinds:
        # No column is named for the text: the wordiest text column is the description.
        best, best_score = None, 0.0
        for index, column in enumerate(table.columns):
            if column.kind in ("position", "product_code", "other", "unit") or not column.named:
                score = _wordiness(values(index))
                if score > best_score:
                    best, best_score = index, score
        if best is not None and best_score >= 2.0:
            table.columns[best].kind = "description"
    for kind in OUTPUT_KINDS:
        same = [i for i, c in enumerate(table.columns) if c.kind == kind]
        if len(same) > 1:
            if kind == "description":
                keep = max(same, key=lambda i: _wordiness(values(i)))
            elif kind in ("amount", "unit_price"):
                keep = table.anchor if table.anchor in same else same[-1]
            else:
                keep = same[0]
            for i in same:
                if i != keep:
                    table.columns[i].kind = "other"


def _by_values(kinds: tuple[str, ...], values: list[str], *, taken: set[str]) -> str:
    open_kinds = [k for k in kinds if k not in taken] or list(kinds)
    if len(open_kinds) == 1:
        return open_kinds[0]
    filled = [v for v in values if v.strip()]
    small_ints = sum(1 for v in filled if re.fullmatch(r"\d{1,4}(?:\.\d{1,3})*\.?", v.strip()))
    if "position" in open_kinds and filled and small_ints >= 0.7 * len(filled):
        return "position"
    if "quantity" in open_kinds:  # "Units": counts, or the units themselves
        figures = sum(1 for v in filled if _FIRST_NUMBER.match(v.strip()))
        return "quantity" if filled and figures >= 0.7 * len(filled) else "unit"
    if "description" in open_kinds and _wordiness(values) >= 2.0:
        return "description"
    if "product_code" in open_kinds:
        return "product_code"
    return open_kinds[0]


def _wordiness(values: list[str]) -> float:
    """Mean count of letter-bearing words: high for descriptions, low for codes and numbers."""
    filled = [v for v in values if v.strip()]
    if not filled:
        return 0.0
    return sum(sum(1 for t in v.split() if sum(ch.isalpha() for ch in t) >= 2) for v in filled) / len(filled)


# --- building items ---------------------------------------------------------------------


def _attach_text(table: _Table) -> dict[int, list[_Entry]]:
    """Which row each text line continues: the one it sits closest to (ties: the row above).

    When text sits between the header and the first row, descriptions start above their
    figures (figures printed on a row's last line or centred), so ties go to the row below.
    """
    desc = next((i for i, c in enumerate(table.columns) if c.kind == "description"), None)
    rows = [i for i, e in enumerate(table.entries) if e.row]
    attached: dict[int, list[_Entry]] = defaultdict(list)
    if not rows:
        return attached
    limit = 1.6 * table.height
    leads = table.entries[: rows[0]]
    upward = desc is not None and any(desc in e.cells for e in leads)
    for position, entry in enumerate(table.entries):
        if entry.row or not entry.cells:
            continue
        before = next((r for r in reversed(rows) if r < position), None)
        after = next((r for r in rows if r > position), None)
        candidates = []
        for r in (before, after):
            if r is None or table.entries[r].page != entry.page:
                continue
            # Distance to the row's block: the row line and text already between them.
            span = table.entries[min(r, position) : max(r, position) + 1]
            gaps = [b.top - a.bottom for a, b in itertools.pairwise(span)]
            nearest = gaps[-1] if r < position else gaps[0]
            if max(gaps) <= limit:
                candidates.append((nearest, 0 if (r == after) == upward else 1, r))
        if candidates:
            _, _, row = min(candidates)
            attached[row].append(entry)
    return attached


def _description_words(row: _Entry, extra: list[_Entry], column: _Column, index: int, height: float) -> list[Word]:
    """The row's description: its own words plus wrapped lines, not the notes printed under it.

    Wrapped lines start where the description starts (a little indent allowed); text further
    right is something else under the table. A line opening with a bullet or with ``Label:``
    ("Serial no.: 4711", "• Note: ...") is an attribute of the item, not more of its name;
    lines after such a note are notes too.
    """
    own = row.cells.get(index, [])
    starts = [column.x0, *([column.data[0]] if column.data else []), *([own[0].x0] if own else [])]
    words: list[Word] = []
    noted = False
    for entry in sorted([row, *extra], key=lambda e: (e.page, e.top)):
        part = entry.cells.get(index, [])
        if entry is not row and part:
            if not any(-2 * height <= part[0].x0 - x <= 4 * height for x in starts):
                continue
            noted = noted or (entry.top > row.top and _is_note(part))
            if noted or _is_note(part):
                continue
        words.extend(part)
    return words


def _is_note(words: list[Word]) -> bool:
    if words[0].text[:1] in _BULLETS:
        return True
    return any(":" in w.text for w in words[:4])


def _infer_decimal(table: _Table) -> str | None:
    """The decimal mark most figures in the table use: ',' or '.' (None when they don't say)."""
    votes = {",": 0, ".": 0}
    for entry in table.entries:
        if not entry.row:
            continue
        for index, words in entry.cells.items():
            if table.columns[index].kind in ("quantity", "unit_price", "amount", "tax_rate"):
                for mark in _DECIMAL_MARK.findall(" ".join(w.text for w in words)):
                    votes[mark[0]] += 1
    if votes[","] == votes["."]:
        return None
    return "," if votes[","] > votes["."] else "."


def _readings(raw: str, decimal: str | None) -> list[tuple[Decimal, str | None]]:
    """The values a printed number may have, the document's reading first."""
    out: list[tuple[Decimal, str | None]] = []
    for mark in dict.fromkeys([decimal, "," if decimal == "." else ".", None]):
        value = parse_amount(raw, decimal=mark)
        if value is not None and all(value != v for v, _ in out):
            out.append((value, mark))
    return out


def _number_text(raw: str) -> str:
    """The figure in a cell that may carry more ("9,90 €/Stk", "19 % S")."""
    if parse_amount(raw) is not None:
        return raw
    match = _FIRST_NUMBER.search(raw)
    return match.group(0) if match else raw


@dataclass
class _Check:
    """How a row's figures agree: the readings to use and the confidence they earn."""

    marks: dict[str, str | None]
    confidence: float


def _price_bases(rebate: Decimal) -> list[tuple[int, Decimal, float]]:
    """(price basis, factor, confidence): per unit; per 100 or 1000 units; after the discount."""
    bases = [(1, Decimal(1), 0.95), (100, Decimal(1), 0.85), (1000, Decimal(1), 0.85)]
    return [*bases, (1, rebate, 0.85)] if rebate != 1 else bases


def _arithmetic(raw: dict[str, str], decimal: str | None, discount: str | None) -> _Check:
    """Check quantity x unit_price = amount, choosing the readings that agree.

    Every reading of each figure is tried ("1.000" is 1 or 1000), the document's first;
    the price may be per 100 or 1000 units, or before the row's discount percentage.
    """
    default = {name: decimal for name in raw}
    if not {"quantity", "unit_price", "amount"} <= raw.keys():
        return _Check(default, 0.75 if "amount" in raw else 0.6)
    rebate = Decimal(1)
    if discount is not None:
        rate = parse_amount(discount.replace("%", ""), decimal=decimal)
        if rate is not None and 0 < abs(rate) < 100:
            rebate = 1 - abs(rate) / 100
    best: tuple[float, int] | None = None
    marks: dict[str, str | None] = default
    for q, qm in _readings(raw["quantity"], decimal):
        for p, pm in _readings(raw["unit_price"], decimal):
            for a, am in _readings(raw["amount"], decimal):
                usual = sum(m == decimal for m in (qm, pm, am))
                for basis, factor, score in _price_bases(rebate):
                    expected = abs(q * p * factor / basis)
                    # The price may be rounded to the cent: allow half a cent per unit.
                    tolerance = Decimal("0.011") + Decimal("0.005") * abs(q) / basis + abs(a) * Decimal("0.0005")
                    if abs(expected - abs(a)) <= tolerance and (best is None or (score, usual) > best):
                        best = (score, usual)
                        marks = {**default, "quantity": qm, "unit_price": pm, "amount": am}
    if best is None:
        return _Check(default, 0.45)
    return _Check(marks, best[0])


def _items(table: _Table, decimal: str | None) -> list[LineItem]:
    columns = table.columns
    index_of = {c.kind: i for i, c in enumerate(columns) if c.kind in (*OUTPUT_KINDS, "discount")}
    attached = _attach_text(table)
    mark = decimal or _infer_decimal(table)
    items: list[LineItem] = []
    for position, entry in enumerate(table.entries):
        if not entry.row:
            continue
        raw: dict[str, str] = {}
        boxes: dict[str, list[Word]] = {}
        for kind, index in index_of.items():
            words = entry.cells.get(index)
            if words:
                raw[kind], boxes[kind] = " ".join(w.text for w in words), list(words)
        if "product_code" in raw and ":" in raw["product_code"]:
            # "Art-Nr-Kunde: 4711": the code, not its label; a label alone is no code.
            raw["product_code"] = raw["product_code"].rsplit(":", 1)[1].strip()
            if not raw["product_code"]:
                del raw["product_code"]
        if "description" in index_of:
            desc = index_of["description"]
            words = _description_words(entry, attached.get(position, []), columns[desc], desc, table.height)
            if not words and "product_code" not in raw:
                continue  # figures without a name under a named table: a tax or sum line
            if words:
                raw["description"], boxes["description"] = " ".join(w.text for w in words), words
        if "quantity" in raw:
            match = _NUMBER_AND_UNIT.match(raw["quantity"].strip())
            if match and match.group(2) != "%" and parse_amount(raw["quantity"]) is None:
                if "unit" not in raw:
                    raw["unit"], boxes["unit"] = match.group(2), boxes["quantity"]
                raw["quantity"] = match.group(1)
        for kind in ("unit_price", "amount", "tax_rate"):
            if kind in raw:
                raw[kind] = _number_text(raw[kind])
        if "unit" in raw and (_DIGIT.search(raw["unit"]) or len(raw["unit"]) > 15):
            del raw["unit"]
        discount = raw.pop("discount", None)
        figures = {k: v for k, v in raw.items() if k in ("quantity", "unit_price", "amount")}
        check = _arithmetic(figures, mark, discount)
        if check.confidence < 0.9 and "unit_price" in index_of:
            # A net price printed under the list price ("€20.00 / - €2.00 / = €18.00"): the
            # one that makes quantity x price = amount is the row's unit price.
            for extra in attached.get(position, []):
                words = extra.cells.get(index_of["unit_price"])
                if not words:
                    continue
                text = _number_text(" ".join(w.text for w in words).lstrip("=").strip())
                trial = _arithmetic({**figures, "unit_price": text}, mark, None)
                if trial.confidence >= 0.9:
                    raw["unit_price"], boxes["unit_price"], check = text, list(words), trial
                    break
        fields: dict[str, ExtractedField] = {}
        for kind in OUTPUT_KINDS:
            if kind not in raw:
                continue
            value = normalize_field(kind, raw[kind], decimal=check.marks.get(kind, mark))
            if value is None:
                continue
            box = words_box(boxes[kind])
            fields[kind] = ExtractedField(
                value=value,
                confidence=check.confidence,
                provenance=Provenance(page=entry.page, bbox=box.as_tuple(), source_text=raw[kind]),
            )
        if "amount" in fields or "description" in fields:
            items.append(LineItem(fields=fields))
    return items


# --- entry point ------------------------------------------------------------------------


def read_line_items(layout: Layout, *, decimal: str | None = None) -> list[LineItem]:
    """Read the line items of every item table in the document.

    Args:
        layout: The document's lines and cells.
        decimal: The decimal mark of the document's numbers when known (``","`` or ``"."``);
            otherwise each table's figures decide.

    Returns:
        The items in reading order; each field normalised, with a confidence in [0, 1] and
        the page, box and text it was read from. Empty when no item table is found.

    Example:
        >>> from docai.schemas.parsed import ParsedDocument, Page, Word
        >>> def w(text, x0, top):
        ...     return Word(text=text, x0=x0, top=top, x1=x0 + 6 * len(text), bottom=top + 9)
        >>> header = [w("Description", 50, 100), w("Qty", 300, 100), w("Amount", 460, 100)]
        >>> row = [w("Desk", 50, 115), w("lamp", 80, 115), w("2", 312, 115), w("40.00", 466, 115)]
        >>> page = Page(number=1, width=595, height=842, words=header + row)
        >>> [item.fields["amount"].value for item in read_line_items(Layout(ParsedDocument(pages=[page])))]
        ['40.00']
    """
    lexicon = load_lexicon()
    items: list[LineItem] = []
    at = 0
    while at < len(layout.lines):
        header = _header_at(layout.lines, at, lexicon)
        if header is None or not header.items:
            at += 1
            continue
        table, at = _read_table(layout, header, lexicon)
        if table is not None:
            table.learn(layout.lines)
            _resolve(table, lexicon)
            items.extend(_items(table, decimal))
    return items
