"""The page as a reader sees it: lines of cells, with what lies right of and below each cell.

A *cell* is a run of words on one line with no wide gap inside (a table cell, a label, a
value, a sentence). Label–value pairs and tables are read from cells: a value sits in the
same cell after its label, in the next cell to the right, or in the cell below.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from docai.schemas.parsed import ParsedDocument, Word
from docai.services.extraction.normalize import fold

__all__ = ["Box", "Cell", "Layout", "Line", "fold", "words_box"]

# Words further apart than this many character widths start a new cell ("Total    €12.00").
CELL_GAP_CHARS = 1.8


@dataclass(frozen=True, slots=True)
class Box:
    x0: float
    top: float
    x1: float
    bottom: float

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x0, other.x0), min(self.top, other.top), max(self.x1, other.x1), max(self.bottom, other.bottom)
        )

    def overlaps_x(self, other: Box, *, slack: float = 0.0) -> bool:
        return self.x0 - slack < other.x1 and other.x0 - slack < self.x1

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (round(self.x0, 2), round(self.top, 2), round(self.x1, 2), round(self.bottom, 2))


@dataclass(eq=False, slots=True)
class Cell:
    """Words on one line with no wide gap between them."""

    words: list[Word]
    page: int
    line: int  # index into Layout.lines
    index: int  # position in its line, left to right

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> Box:
        return words_box(self.words)


@dataclass(eq=False, slots=True)
class Line:
    page: int
    cells: list[Cell] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "  ".join(c.text for c in self.cells)

    @property
    def box(self) -> Box:
        return words_box([w for c in self.cells for w in c.words])


def words_box(words: Sequence[Word]) -> Box:
    return Box(
        min(w.x0 for w in words), min(w.top for w in words), max(w.x1 for w in words), max(w.bottom for w in words)
    )


class Layout:
    """Every page's lines and cells in reading order (pages in turn, top to bottom, left to right)."""

    def __init__(self, document: ParsedDocument) -> None:
        self.lines: list[Line] = []
        self.page_size: dict[int, tuple[float, float]] = {}
        for page in document.pages:
            self.page_size[page.number] = (page.width or 595.0, page.height or 842.0)
            for words in _group_lines(page.words):
                line = Line(page=page.number)
                for cell_words in _split_cells(words):
                    line.cells.append(
                        Cell(words=cell_words, page=page.number, line=len(self.lines), index=len(line.cells))
                    )
                self.lines.append(line)

    def cells(self) -> Iterator[Cell]:
        for line in self.lines:
            yield from line.cells

    def right_of(self, cell: Cell) -> Cell | None:
        cells = self.lines[cell.line].cells
        return cells[cell.index + 1] if cell.index + 1 < len(cells) else None

    def below(self, cell: Cell, *, max_lines: int = 1) -> Cell | None:
        """The nearest cell on the next lines of the same page that shares the column."""
        box = cell.box
        for offset in range(1, max_lines + 1):
            at = cell.line + offset
            if at >= len(self.lines) or self.lines[at].page != cell.page:
                return None
            for candidate in self.lines[at].cells:
                if candidate.box.overlaps_x(box, slack=2.0):
                    return candidate
        return None

    def above(self, cell: Cell) -> Cell | None:
        """The cell on the line just above `cell`, on its page, that shares its column."""
        if cell.line == 0 or self.lines[cell.line - 1].page != cell.page:
            return None
        hits = [c for c in self.lines[cell.line - 1].cells if c.box.overlaps_x(cell.box, slack=2.0)]
        return min(hits, key=lambda c: abs(c.box.x0 - cell.box.x0)) if hits else None

    def column_below(self, cell: Cell, *, max_lines: int = 8) -> list[Cell]:
        """The cells stacked under `cell` in its column until a gap wider than two lines or a page end."""
        out: list[Cell] = []
        box, bottom = cell.box, cell.box.bottom
        height = max(box.bottom - box.top, 4.0)
        for at in range(cell.line + 1, min(len(self.lines), cell.line + 1 + max_lines)):
            line = self.lines[at]
            if line.page != cell.page or line.box.top - bottom > 2.2 * height:
                break
            hit = next(
                (
                    c
                    for c in line.cells
                    if abs(c.box.x0 - box.x0) < 12 or c.box.overlaps_x(box) and c.box.x0 >= box.x0 - 12
                ),
                None,
            )
            if hit is None:
                continue
            out.append(hit)
            bottom = hit.box.bottom
        return out

    def relative(self, cell: Cell) -> tuple[float, float]:
        """The cell's (x, y) as fractions of its page."""
        width, height = self.page_size.get(cell.page, (595.0, 842.0))
        box = cell.box
        return box.x0 / width, box.top / height


def _group_lines(words: Sequence[Word]) -> list[list[Word]]:
    # The same rule as the parser's text: words whose centres lie within half a line height join it.
    lines: list[list[Word]] = []
    centre = height = 0.0
    for word in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        word_centre, word_height = (word.top + word.bottom) / 2, max(word.bottom - word.top, 0.1)
        if lines and abs(word_centre - centre) <= 0.5 * max(height, word_height):
            lines[-1].append(word)
            centre += (word_centre - centre) / len(lines[-1])
            height = max(height, word_height)
        else:
            lines.append([word])
            centre, height = word_centre, word_height
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def _split_cells(words: list[Word]) -> list[list[Word]]:
    widths = [(w.x1 - w.x0) / len(w.text) for w in words if w.text and w.x1 > w.x0]
    char_width = max(statistics.median(widths), 1.0) if widths else 5.0
    cells = [[words[0]]]
    for previous, word in itertools.pairwise(words):
        if word.x0 - previous.x1 > CELL_GAP_CHARS * char_width:
            cells.append([word])
        else:
            cells[-1].append(word)
    return cells
