"""The visible-text filter: which glyphs of a page a reader can actually see, and why not the rest.

Pure functions over glyph and shape dicts (pdfplumber's keys, plus the draw order ``seq``,
render mode and fill alpha that ``pdf_page``'s device stamps on them); no PDF library here.
A glyph is hidden when its render mode draws nothing, it is too small, off the visible page,
a format character, transparent, painted over by a later opaque shape or image, or too close
in color to what lies behind it (faint large text counts as a watermark). Hidden text is how
a PDF says one thing to a reader and another to a parser, so it is dropped before extraction
and counted by why (:data:`HIDDEN_KINDS`) for the steering checks.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Any

MIN_FONT_SIZE = 1.5
"""Glyphs smaller than this (in points) are unreadable and treated as hidden."""
MIN_CONTRAST = 0.1
"""Largest per-channel RGB difference between glyph and background that still counts as hidden."""
_INVISIBLE_RENDER_MODES = {3, 7}  # Tr 3: neither fill nor stroke; Tr 7: clip only
_STROKE_ONLY_RENDER_MODES = {1, 5}
_WHITE = (1.0, 1.0, 1.0)
_BAND = 32.0  # points; the background lookup indexes filled shapes by horizontal bands

RGB = tuple[float, float, float]


def to_rgb(color: object, space: str | None = None) -> RGB | None:
    """Converts a pdfminer color to RGB in 0..1.

    Args:
        color: Gray, RGB or CMYK components (a tuple, or a bare number for gray).
        space: The color space name when known (``Separation`` tints run the other way).

    Returns:
        The RGB triple, or None when the color cannot be judged (patterns, indexed, unknown).
    """
    if color is None:
        return None
    components = color if isinstance(color, tuple | list) else (color,)
    if not components or not all(
        isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in components
    ):
        return None
    if space is not None and ("Pattern" in space or "Indexed" in space):
        return None
    values = [min(1.0, max(0.0, float(c))) for c in components]
    if len(values) == 1:
        gray = values[0]
        if space is not None and ("Separation" in space or "DeviceN" in space):
            gray = 1.0 - gray  # a tint is ink coverage: 0 is no ink
        return (gray, gray, gray)
    if len(values) == 3:
        return (values[0], values[1], values[2])
    if len(values) == 4:
        c, m, y, k = values
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


class _Backgrounds:
    """Filled shapes of a page, to find the color behind a glyph and what is painted over it."""

    def __init__(self, shapes: Sequence[dict[str, Any]]) -> None:
        self._bands: dict[int, list[tuple[int, float, float, float, float, RGB | None]]] = {}
        self._covers: dict[int, list[tuple[int, float, float, float, float, Sequence[tuple[float, float]] | None]]] = {}
        for shape in shapes:
            x0, top, x1, bottom = (float(shape[k]) for k in ("x0", "top", "x1", "bottom"))
            if not all(math.isfinite(v) for v in (x0, top, x1, bottom)) or x1 - x0 < 2 or bottom - top < 2:
                continue  # rules and hairlines are neither backgrounds nor covers
            seq = int(shape.get("seq") or 0)
            # Clamped: a shape a billion points tall must not become a billion bands.
            bands = range(max(int(top // _BAND), -1), min(int(bottom // _BAND), 1000) + 1)
            if shape.get("fill"):
                entry = (seq, x0, top, x1, bottom, to_rgb(shape.get("non_stroking_color")))
                for band in bands:
                    self._bands.setdefault(band, []).append(entry)
            if shape.get("opaque"):
                outline = shape.get("outline")
                cover = (seq, x0, top, x1, bottom, outline if outline is not None else None)
                for band in bands:
                    self._covers.setdefault(band, []).append(cover)
        for entries in self._bands.values():
            entries.sort(key=lambda entry: -entry[0])

    def behind(self, x: float, y: float, seq: int) -> RGB | None:
        """The color of the topmost filled shape drawn before ``seq`` under (x, y); white if none."""
        for shape_seq, x0, top, x1, bottom, rgb in self._bands.get(int(y // _BAND), ()):
            if shape_seq < seq and x0 <= x <= x1 and top <= y <= bottom:
                return rgb
        return _WHITE

    def covered(self, char: dict[str, Any], seq: int) -> bool:
        """Whether an opaque shape or image painted after ``seq`` hides the glyph's ink.

        The ink is taken as the glyph box less :data:`COVER_MARGIN_X` of its width and
        :data:`COVER_MARGIN_Y` of its height on each side (the box holds the font's whole
        ascent and descent); a covering path that is not a rectangle must hold the ink's
        corners and centre inside its outline.
        """
        x0, x1, top, bottom = char["x0"], char["x1"], char["top"], char["bottom"]
        dx, dy = (x1 - x0) * COVER_MARGIN_X, (bottom - top) * COVER_MARGIN_Y
        ink = (x0 + dx, top + dy, x1 - dx, bottom - dy)
        if not all(math.isfinite(v) for v in ink):
            return False
        for shape_seq, sx0, stop, sx1, sbottom, outline in self._covers.get(int(((top + bottom) / 2) // _BAND), ()):
            if shape_seq <= seq or not (sx0 <= ink[0] and ink[2] <= sx1 and stop <= ink[1] and ink[3] <= sbottom):
                continue
            if outline is None:
                return True
            corners = ((ink[0], ink[1]), (ink[2], ink[1]), (ink[0], ink[3]), (ink[2], ink[3]))
            centre = ((ink[0] + ink[2]) / 2, (ink[1] + ink[3]) / 2)
            if all(_inside(point, outline) for point in (*corners, centre)):
                return True
        return False


COVER_MARGIN_X = 0.2
"""Share of a glyph box's width on each side that a covering shape may leave uncovered."""
COVER_MARGIN_Y = 0.25
"""Share of a glyph box's height on each side (ascent and descent) a covering shape may leave uncovered."""
MIN_ALPHA = 0.1
"""Fill alpha below which a filled glyph is transparent, hence hidden."""
WATERMARK_SIZE = 36.0
"""Font size (points) from which a glyph too faint to read is counted as a watermark..."""
WATERMARK_CONTRAST = 0.03
"""... as long as it differs from its background this much: faint, not invisible (white on white)."""
_FILL_RENDER_MODES = {0, 2, 4, 6}


def _inside(point: tuple[float, float], outline: Sequence[tuple[float, float]]) -> bool:
    """Even-odd test of a point against a closed polygon."""
    x, y = point
    inside = False
    n = len(outline)
    for i in range(n):
        (ax, ay), (bx, by) = outline[i], outline[(i + 1) % n]
        if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
            inside = not inside
    return inside


HIDDEN_KINDS = (
    "render_mode",
    "tiny",
    "off_page",
    "format",
    "transparent",
    "covered",
    "low_contrast",
    "watermark",
)
"""Why a glyph is hidden, as :func:`hidden_kind` names it; ``format`` characters (zero-width
marks, direction overrides) are part of the text a generator writes, not drawn text."""


def hidden_kind(char: dict[str, Any], box: tuple[float, float, float, float], backgrounds: _Backgrounds) -> str | None:
    """Why a reader cannot see this glyph, or None when it can.

    ``render_mode``: render mode 3 or 7. ``tiny``: smaller than :data:`MIN_FONT_SIZE`.
    ``off_page``: centre outside the visible page box. ``format``: a control or format
    character (zero-width tricks). ``transparent``: filled with an alpha below
    :data:`MIN_ALPHA`. ``covered``: an opaque filled shape or image is painted over it later.
    ``low_contrast``: a color within :data:`MIN_CONTRAST` of what lies behind it (white on
    white, black on a black box); ``watermark`` when such a glyph is at least
    :data:`WATERMARK_SIZE` tall and not quite invisible (a faint "DRAFT" or "Trial" across the page).
    """
    mode = char.get("render_mode") or 0
    if mode in _INVISIBLE_RENDER_MODES:
        return "render_mode"
    size = char.get("size")
    if not isinstance(size, int | float) or not size >= MIN_FONT_SIZE:
        return "tiny"
    x = (char["x0"] + char["x1"]) / 2
    y = (char["top"] + char["bottom"]) / 2
    if not (box[0] <= x <= box[2] and box[1] <= y <= box[3]):  # also false for NaN
        return "off_page"
    text = char.get("text") or ""
    if all(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        return "format"
    alpha = char.get("fill_alpha", 1.0)
    if mode in _FILL_RENDER_MODES and isinstance(alpha, int | float) and alpha < MIN_ALPHA:
        return "transparent"
    seq = int(char.get("seq") or 0)
    if backgrounds.covered(char, seq):
        return "covered"
    if mode in _STROKE_ONLY_RENDER_MODES:
        color = to_rgb(char.get("stroking_color"))
    else:
        color = to_rgb(char.get("non_stroking_color"), char.get("ncs"))
    if color is None:
        return None  # patterns and exotic spaces: assume the reader sees it
    background = backgrounds.behind(x, y, seq)
    if background is None:
        return None
    contrast = max(abs(a - b) for a, b in zip(color, background, strict=True))
    if contrast < MIN_CONTRAST:
        return "watermark" if size >= WATERMARK_SIZE and contrast >= WATERMARK_CONTRAST else "low_contrast"
    return None


def is_hidden(char: dict[str, Any], box: tuple[float, float, float, float], backgrounds: _Backgrounds) -> bool:
    """Whether a reader cannot see this glyph (:func:`hidden_kind` names why)."""
    return hidden_kind(char, box, backgrounds) is not None


def sort_glyphs(
    chars: Sequence[dict[str, Any]],
    shapes: Sequence[dict[str, Any]],
    box: tuple[float, float, float, float],
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Separates the glyphs a reader sees from the rest, counting the rest by why.

    Args:
        chars: Glyph dicts (text, box, size, colors, ``seq``, ``render_mode``, ``fill_alpha``).
        shapes: Filled shapes (box, ``non_stroking_color``, ``seq``; ``opaque`` and, for a path
            that is no rectangle, ``outline``) and images (``fill`` false), for background
            colors and for what covers a glyph.
        box: The visible page area (x0, top, x1, bottom), top-left origin.

    Returns:
        The visible chars, and how many non-blank chars were hidden, by :data:`HIDDEN_KINDS`.
    """
    backgrounds = _Backgrounds(shapes)
    visible: list[dict[str, Any]] = []
    hidden: Counter[str] = Counter()
    for char in chars:
        kind = hidden_kind(char, box, backgrounds)
        if kind is None:
            visible.append(char)
        elif (char.get("text") or "").strip():
            hidden[kind] += 1
    return visible, hidden


def split_visible(
    chars: Sequence[dict[str, Any]],
    shapes: Sequence[dict[str, Any]],
    box: tuple[float, float, float, float],
) -> tuple[list[dict[str, Any]], int]:
    """:func:`sort_glyphs` with one count: the visible chars, and how many non-blank chars were hidden."""
    visible, hidden = sort_glyphs(chars, shapes, box)
    return visible, sum(hidden.values())
