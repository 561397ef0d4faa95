"""One page of a PDF, read inside the sandbox child: from pdfminer's drawing to visible words and lines.

A page device (:class:`_Device`, driven by :class:`_Interpreter`) caps the glyphs per page and
stamps every glyph, filled shape and image with its draw order and paint state (render mode,
fill alpha, blending, soft mask: what pdfminer drops). :func:`read_page` turns the layout into
glyph and shape dicts, keeps what :mod:`visible_text` says a reader sees, clips to the visible
page box and groups words; :func:`build_text` rebuilds the page's lines in reading order.
:func:`open_document` and :func:`page_list` open the document and cap its pages.
"""

from __future__ import annotations

import io
import itertools
import math
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage, LTPage, LTRect
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFStream
from pdfminer.psparser import PSLiteral, literal_name
from pdfplumber.utils.text import extract_words

from docai.services.ingest.pdf_decoders import Refused, resolve
from docai.services.ingest.pdf_limits import ParseLimits
from docai.services.ingest.visible_text import sort_glyphs

_US_LETTER = (0.0, 0.0, 612.0, 792.0)


class _Device(PDFPageAggregator):
    """Page device that caps glyphs and stamps each object with its draw order and paint state.

    pdfminer keeps the text render mode (``Tr``) only in its text state and ignores the fill
    alpha, blend mode and soft mask that ``gs`` sets; the visibility filter needs them per
    glyph, shape and image, and the draw order to know which filled shape lies behind a glyph
    and which opaque shape or image is painted over it. ``_Interpreter`` keeps the transparency
    state here, saved and restored with ``q``/``Q`` and around form XObjects.
    """

    def __init__(
        self, rsrcmgr: PDFResourceManager, *, pageno: int, max_glyphs: int, deadline: float | None = None
    ) -> None:
        super().__init__(rsrcmgr, pageno=pageno, laparams=None)
        self.page_ctm: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        self._max_glyphs = max_glyphs
        self._deadline = deadline
        self._glyphs = 0
        self._seq = 0
        self._render_mode = 0
        self.fill_alpha = 1.0
        self.blend_normal = True
        self.soft_masked = False
        self._saved: list[tuple[float, bool, bool]] = []

    @property
    def composited(self) -> bool:
        """A blend mode other than Normal, or a soft mask: what is painted may not cover."""
        return not self.blend_normal or self.soft_masked

    def save_paint(self) -> int:
        """Saves the transparency state (``q``); returns the depth to restore to."""
        if len(self._saved) < _MAX_SAVED_STATES:
            self._saved.append((self.fill_alpha, self.blend_normal, self.soft_masked))
        return len(self._saved) - 1

    def restore_paint(self, depth: int | None = None) -> None:
        """Restores the last saved state (``Q``), or the one saved at ``depth`` (after a form
        XObject, whatever its own ``q``/``Q`` left unbalanced)."""
        if depth is not None:
            del self._saved[depth + 1 :]
        if self._saved:
            self.fill_alpha, self.blend_normal, self.soft_masked = self._saved.pop()

    def begin_page(self, page: PDFPage, ctm: Any) -> None:
        self.page_ctm = tuple(ctm)  # not self.ctm: PDFDevice tracks the current one there
        super().begin_page(page, ctm)

    def render_string(self, textstate: Any, seq: Any, ncs: Any, graphicstate: Any) -> None:
        self._render_mode = textstate.render
        super().render_string(textstate, seq, ncs, graphicstate)

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        self._glyphs += 1
        if self._glyphs > self._max_glyphs:
            raise Refused("TooManyGlyphsError", page=self.pageno, max_glyphs_per_page=self._max_glyphs)
        if self._deadline is not None and self._glyphs % 512 == 0 and time.monotonic() > self._deadline:
            raise Refused("ParseTimeoutError")
        adv: float = super().render_char(*args, **kwargs)
        self._stamp(render_mode=self._render_mode)
        return adv

    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        before = len(self.cur_item._objs)
        super().paint_path(*args, **kwargs)
        if len(self.cur_item._objs) > before:
            self._stamp(render_mode=None)

    def render_image(self, name: str, stream: PDFStream) -> None:
        before = len(self.cur_item._objs)
        super().render_image(name, stream)
        if len(self.cur_item._objs) > before:
            self._stamp(render_mode=None)

    def handle_undefined_char(self, font: Any, cid: int) -> str:
        return "\ufffd"  # pdfminer's "(cid:7)" would read as text to the model

    def _stamp(self, *, render_mode: int | None) -> None:
        obj = self.cur_item._objs[-1]
        obj.seq = self._seq  # type: ignore[attr-defined]
        obj.render_mode = render_mode  # type: ignore[attr-defined]
        obj.fill_alpha = self.fill_alpha  # type: ignore[attr-defined]
        obj.composited = self.composited  # type: ignore[attr-defined]
        self._seq += 1


_MAX_SAVED_STATES = 4096  # q nesting kept for the transparency state; deeper saves are not tracked


class _Interpreter(PDFPageInterpreter):
    """pdfminer's interpreter, plus what ``gs`` says about transparency (pdfminer ignores ``gs``)."""

    device: _Device

    def do_q(self) -> None:
        super().do_q()
        self.device.save_paint()

    def do_Q(self) -> None:
        super().do_Q()
        self.device.restore_paint()

    def do_Do(self, xobjid_arg: Any) -> None:
        mark = self.device.save_paint()  # a form XObject runs inside an implicit q/Q
        try:
            super().do_Do(xobjid_arg)
        finally:
            self.device.restore_paint(mark)

    def do_gs(self, name: Any) -> None:
        states = resolve(self.resources.get("ExtGState")) if isinstance(self.resources, dict) else None
        key = literal_name(name) if isinstance(name, PSLiteral) else name
        params = resolve(states.get(key)) if isinstance(states, dict) and isinstance(key, str) else None
        if not isinstance(params, dict):
            return
        alpha = resolve(params.get("ca"))
        if isinstance(alpha, int | float) and not isinstance(alpha, bool) and math.isfinite(alpha):
            self.device.fill_alpha = min(1.0, max(0.0, float(alpha)))
        if "BM" in params:
            blend = resolve(params.get("BM"))
            if isinstance(blend, list):
                blend = resolve(blend[0]) if blend else None
            self.device.blend_normal = isinstance(blend, PSLiteral) and literal_name(blend) in (
                "Normal",
                "Compatible",
            )
        if "SMask" in params:
            mask = resolve(params.get("SMask"))
            self.device.soft_masked = not (isinstance(mask, PSLiteral) and literal_name(mask) == "None")


class OpenFailed(Exception):
    """Wraps whatever PDFDocument raised while reading the trailer and security handler."""


def open_document(data: bytes) -> PDFDocument:
    try:
        return PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except Exception as exc:
        raise OpenFailed() from exc


def page_list(document: PDFDocument, limits: ParseLimits) -> list[PDFPage]:
    page_objs: list[PDFPage] = []
    for page_obj in PDFPage.create_pages(document):
        if len(page_objs) == limits.max_pages:
            raise Refused("TooManyPagesError", max_pages=limits.max_pages)
        page_objs.append(page_obj)
    if not page_objs:
        raise Refused("EmptyDocumentError")
    return page_objs


def read_page(
    rsrcmgr: PDFResourceManager,
    page_obj: PDFPage,
    number: int,
    limits: ParseLimits,
    *,
    deadline: float | None = None,
) -> tuple[list[list[Any]], tuple[float, float, float, float], Counter[str]]:
    """One page's visible words (boxes relative to the visible area), that area, and the
    non-blank glyphs left out, by why (:func:`hidden_kind`)."""
    _normalize_boxes(page_obj)
    device = _Device(rsrcmgr, pageno=number, max_glyphs=limits.max_glyphs_per_page, deadline=deadline)
    _Interpreter(rsrcmgr, device).process_page(page_obj)
    layout = device.get_result()
    chars, shapes = _page_objects(layout)
    box = _visible_box(page_obj, device.page_ctm, layout.width, layout.height)
    visible, hidden = sort_glyphs(chars, shapes, box)
    # Boxes relative to the visible area's top-left corner: what a viewer shows as the page.
    left, top = box[0], box[1]
    words = [
        [
            w["text"],
            round(w["x0"] - left, 2),
            round(w["top"] - top, 2),
            round(w["x1"] - left, 2),
            round(w["bottom"] - top, 2),
        ]
        for w in _words(visible)
    ]
    return words, box, hidden


def _words(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # pdfplumber reads every rotated glyph top to bottom; text turned the other way (its
    # advance points up the page) would come out reversed, so it gets its own pass.
    upward = [char for char in chars if char["direction"] == "btt"]
    rest = [char for char in chars if char["direction"] != "btt"]
    words = extract_words(rest, keep_blank_chars=False, use_text_flow=False)
    if upward:
        words += extract_words(
            upward,
            keep_blank_chars=False,
            use_text_flow=False,
            char_dir_rotated="btt",
            line_dir_rotated="ltr",
        )
    return words


def _page_objects(layout: LTPage) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Glyphs, filled shapes and images of a page as dicts in top-left coordinates (pdfplumber's keys).

    A shape or image is ``opaque`` when whatever it is painted over cannot show through: full
    fill alpha, normal blending, no soft mask, and for an image no mask of its own.
    """
    height = layout.height
    chars: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    stack: list[Any] = [layout]
    while stack:
        for obj in stack.pop():
            if isinstance(obj, LTChar):
                text = obj.get_text()
                if not text.isascii():
                    text = unicodedata.normalize("NFKC", text)  # ligatures, full-width digits
                state = obj.graphicstate
                top = height - obj.y1
                chars.append(
                    {
                        "text": text,
                        "x0": obj.x0,
                        "x1": obj.x1,
                        "top": top,
                        "doctop": top,
                        "bottom": height - obj.y0,
                        "width": obj.width,
                        "height": obj.height,
                        "upright": obj.upright,
                        "direction": "btt" if not obj.upright and obj.matrix[1] > 0 else "",
                        "size": obj.size,
                        "non_stroking_color": state.ncolor,
                        "stroking_color": state.scolor,
                        "ncs": getattr(obj.ncs, "name", None),
                        "render_mode": getattr(obj, "render_mode", 0),
                        "seq": getattr(obj, "seq", 0),
                        "fill_alpha": getattr(obj, "fill_alpha", 1.0),
                        "composited": getattr(obj, "composited", False),
                    }
                )
            elif isinstance(obj, LTCurve):
                if obj.fill:
                    shape = {
                        "fill": True,
                        "x0": obj.x0,
                        "x1": obj.x1,
                        "top": height - obj.y1,
                        "bottom": height - obj.y0,
                        "non_stroking_color": obj.non_stroking_color,
                        "seq": getattr(obj, "seq", 0),
                        "opaque": _paints_opaque(obj),
                    }
                    if not isinstance(obj, LTRect):
                        points = obj.pts if len(obj.pts) <= _MAX_OUTLINE_POINTS else []
                        shape["outline"] = [(x, height - y) for x, y in points]
                    shapes.append(shape)
            elif isinstance(obj, LTImage):
                shapes.append(
                    {
                        "fill": False,  # its colors are unknown: never a background for the contrast test
                        "x0": obj.x0,
                        "x1": obj.x1,
                        "top": height - obj.y1,
                        "bottom": height - obj.y0,
                        "seq": getattr(obj, "seq", 0),
                        "opaque": _paints_opaque(obj) and not _image_masked(obj),
                    }
                )
            elif isinstance(obj, LTContainer):
                stack.append(obj)  # form XObjects and images arrive as LTFigure
    return chars, shapes


_MAX_OUTLINE_POINTS = 256  # a filled path with more points (a logo, a glyph drawn as a path) covers nothing
OPAQUE_ALPHA = 0.9
"""Fill alpha from which a shape or image hides what it is painted over."""


def _paints_opaque(obj: Any) -> bool:
    alpha = getattr(obj, "fill_alpha", 1.0)
    return not getattr(obj, "composited", False) and isinstance(alpha, float | int) and alpha >= OPAQUE_ALPHA


def _image_masked(image: LTImage) -> bool:
    """Whether parts of the image are transparent: a soft mask, a mask, or a stencil mask."""
    stream = image.stream
    try:
        return bool(
            resolve(stream.get("SMask")) is not None
            or resolve(stream.get("Mask")) is not None
            or resolve(stream.get_any(("IM", "ImageMask")))
        )
    except Exception:  # noqa: BLE001 - a damaged image dictionary: assume it lets text show through
        return True


def _normalize_boxes(page_obj: PDFPage) -> None:
    # Corners may come in any order (PDF 32000 7.9.5) but pdfminer's page transform assumes
    # lower-left first; a missing or degenerate box becomes US Letter, as in readers.
    media = _normalized(page_obj.mediabox) or _US_LETTER
    page_obj.mediabox = media
    page_obj.cropbox = _normalized(page_obj.cropbox) or media


def _normalized(box: object) -> tuple[float, float, float, float] | None:
    if not isinstance(box, tuple | list) or len(box) != 4:
        return None
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in box):
        return None
    x0, x1 = sorted((float(box[0]), float(box[2])))
    y0, y1 = sorted((float(box[1]), float(box[3])))
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return (x0, y0, x1, y1)


def _visible_box(
    page_obj: PDFPage, ctm: Sequence[float], width: float, height: float
) -> tuple[float, float, float, float]:
    """The CropBox clipped to the MediaBox, in the layout's top-left coordinates."""
    cx0, cy0, cx1, cy1 = page_obj.cropbox
    a, b, c, d, e, f = ctm
    corners = [(a * x + c * y + e, b * x + d * y + f) for x, y in ((cx0, cy0), (cx1, cy1))]
    x0, x1 = sorted(max(0.0, min(width, x)) for x, _ in corners)
    y0, y1 = sorted(max(0.0, min(height, y)) for _, y in corners)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return (0.0, 0.0, width, height)  # a CropBox outside the MediaBox is ignored
    return (x0, height - y1, x1, height - y0)


# ---------------------------------------------------------------------------------------------
# Page text.
# ---------------------------------------------------------------------------------------------


MAX_GAP_SPACES = 8
"""Most spaces a horizontal gap becomes; wide gaps keep table columns apart without flooding."""


def build_text(words: Sequence[Sequence[Any]]) -> str:
    """Rebuilds page text as lines in reading order.

    Words whose vertical centres lie within half a line height of a line's centre join that
    line; lines run top to bottom, words left to right, joined by one space or, across a
    gap wider than two average characters, by about one space per character width.

    Args:
        words: ``[text, x0, top, x1, bottom]`` rows.

    Returns:
        The lines joined by newlines.
    """
    lines: list[list[Sequence[Any]]] = []
    centre = height = 0.0
    for word in sorted(words, key=lambda w: ((w[2] + w[4]) / 2, w[1])):
        word_centre, word_height = (word[2] + word[4]) / 2, max(word[4] - word[2], 0.1)
        if lines and abs(word_centre - centre) <= 0.5 * max(height, word_height):
            line = lines[-1]
            line.append(word)
            centre += (word_centre - centre) / len(line)
            height = max(height, word_height)
        else:
            lines.append([word])
            centre, height = word_centre, word_height
    return "\n".join(_render_line(sorted(line, key=lambda w: w[1])) for line in lines)


def _render_line(line: Sequence[Sequence[Any]]) -> str:
    widths = [(w[3] - w[1]) / len(w[0]) for w in line if w[0] and w[3] > w[1]]
    char_width = max(statistics.median(widths), 1.0) if widths else 5.0
    parts = [line[0][0]]
    for previous, word in itertools.pairwise(line):
        gap = word[1] - previous[3]
        spaces = 1 if gap < 2 * char_width else min(MAX_GAP_SPACES, max(2, round(gap / char_width)))
        parts.append(" " * spaces)
        parts.append(word[0])
    return "".join(parts)
