"""parse_pdf: cheap checks, sandbox limits on generated hostile PDFs, visible-text filtering."""

from __future__ import annotations

import asyncio
import io
import os
import struct
import time
import zlib
from collections.abc import Callable, Sequence

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from docai.schemas.parsed import ParsedDocument
from docai.services.common.errors import (
    DecompressionBombError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    MalformedDocumentError,
    NotAPdfError,
    ParseTimeoutError,
    TooManyGlyphsError,
    TooManyPagesError,
)
from docai.services.ingest.pdf_decoders import inflate
from docai.services.ingest.pdf_page import build_text
from docai.services.ingest.pdf_parse import ParseLimits, parse_pdf, shutdown_pdf_worker
from docai.services.ingest.visible_text import split_visible, to_rgb
from tests.raw_pdf import serialize

QUICK = 10.0  # seconds: every refusal must come back well within the default 15 s wall limit


# --- PDF builders -------------------------------------------------------------------------------


def hand_pdf(
    contents: Sequence[bytes],
    *,
    page_keys: str = "/MediaBox [0 0 612 792]",
    flate: bool = False,
    raw_streams: Sequence[bytes] | None = None,
) -> bytes:
    """A PDF written byte by byte: one page per content stream, Helvetica as /F1.

    ``raw_streams`` replaces the encoded content streams (for broken Flate data).
    """
    n = len(contents)
    font = 3 + 2 * n
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode()]
    for i, content in enumerate(contents):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R {page_keys} /Resources << /Font << /F1 {font} 0 R >> >>"
            f" /Contents {4 + 2 * i} 0 R >>".encode()
        )
        body = raw_streams[i] if raw_streams is not None else zlib.compress(content) if flate else content
        flt = b" /Filter /FlateDecode" if flate or raw_streams is not None else b""
        objects.append(b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(body), flt, body))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return serialize(objects)


def deflate_repeated(unit: bytes, times: int, *, head: bytes = b"", tail: bytes = b"") -> bytes:
    """A valid zlib stream of ``head + unit * times + tail``, compressing ``unit`` only once.

    Full flushes make each segment independent of what came before, so the compressed
    ``unit`` can be repeated; the checksum is then patched to match the whole output.
    """
    compressor = zlib.compressobj(9)
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    last = compressor.compress(tail) + compressor.flush()
    checksum = zlib.adler32(head)
    for _ in range(times):
        checksum = zlib.adler32(unit, checksum)
    checksum = zlib.adler32(tail, checksum)
    return first + block * times + last[:-4] + struct.pack(">I", checksum)


def reportlab_pdf(draw: Callable[[canvas.Canvas], None], *, encrypt: StandardEncryption | None = None) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595.0, 842.0), encrypt=encrypt)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def draw_invoice(c: canvas.Canvas) -> None:
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, 780, "INVOICE")
    c.setFont("Helvetica", 10)
    c.drawString(400, 780, "No. 2024-0042")
    for i in range(5):
        y = 700 - 14 * i
        c.drawString(72, y, f"Widget {i}")
        c.drawRightString(500, y, f"{(i + 1) * 9.5:.2f} EUR")


def timed(fn: Callable[[], object]) -> float:
    started = time.monotonic()
    fn()
    return time.monotonic() - started


@pytest.fixture(scope="module")
def invoice() -> bytes:
    return reportlab_pdf(draw_invoice)


# --- cheap checks in the calling process ---------------------------------------------------------


def test_empty_bytes_are_an_empty_document() -> None:
    with pytest.raises(EmptyDocumentError, match="empty") as exc_info:
        parse_pdf(b"")
    assert exc_info.value.reason == "EMPTY_DOCUMENT"


@pytest.mark.parametrize(
    "data",
    [
        b"<html><body>502 Bad Gateway</body></html>",
        b"PK\x03\x04" + b"\0" * 100,  # a ZIP / DOCX
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        b"\0" * 1100 + b"%PDF-1.4\n",  # header too far in
    ],
)
def test_non_pdf_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(NotAPdfError, match="not a PDF") as exc_info:
        parse_pdf(data)
    assert exc_info.value.reason == "NOT_A_PDF"


def test_oversized_upload_is_refused_before_parsing(invoice: bytes) -> None:
    with pytest.raises(DocumentTooLargeError, match="larger than 1000 bytes") as exc_info:
        parse_pdf(invoice, limits=ParseLimits(max_bytes=1000))
    assert exc_info.value.reason == "DOCUMENT_TOO_LARGE"
    assert exc_info.value.metadata == {"max_bytes": "1000"}


def test_junk_before_the_header_is_tolerated(invoice: bytes) -> None:
    doc = parse_pdf(b"Content-Type: application/pdf\r\n\r\n" + invoice)
    assert doc.pages[0].text.startswith("INVOICE")


# --- parsing ---------------------------------------------------------------------------------------


def test_invoice_parses_to_lines_and_word_boxes(invoice: bytes) -> None:
    doc = parse_pdf(invoice)
    assert isinstance(doc, ParsedDocument)
    (page,) = doc.pages
    assert (page.number, page.width, page.height) == (1, 595.0, 842.0)
    lines = page.text.splitlines()
    assert lines[0].startswith("INVOICE") and lines[0].endswith("No. 2024-0042")
    assert "   " in lines[0]  # a wide gap stays wider than one space
    assert lines[1:] == [f"Widget {i}" + lines[1 + i][len(f"Widget {i}") :] for i in range(5)]
    assert lines[5].endswith("47.50 EUR")
    title = page.words[0]
    assert title.text == "INVOICE"
    # y=780 baseline on an 842 pt page, top-left origin: the box sits about 62 pt from the top.
    assert title.x0 == pytest.approx(72.0) and 45 < title.top < 62 < title.bottom < 66
    assert doc.hidden_chars_dropped == 0


def test_scanned_page_without_text_is_not_an_error() -> None:
    doc = parse_pdf(hand_pdf([b"0 0 1 rg 10 10 100 100 re f"]))
    assert [page.words for page in doc.pages] == [[]]
    assert doc.text == ""


def test_zero_pages_is_an_empty_document() -> None:
    with pytest.raises(EmptyDocumentError, match="no pages"):
        parse_pdf(hand_pdf([]))


def test_page_without_mediabox_gets_us_letter() -> None:
    doc = parse_pdf(hand_pdf([b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET"], page_keys=""))
    assert (doc.pages[0].width, doc.pages[0].height) == (612.0, 792.0)
    assert doc.pages[0].text == "Hello"


def test_boxes_are_relative_to_the_visible_page() -> None:
    # Inverted corners and an origin away from 0,0 both occur in the wild.
    content = b"BT /F1 12 Tf 150 800 Td (Inside) Tj ET"
    doc = parse_pdf(hand_pdf([content], page_keys="/MediaBox [712 892 100 100]"))
    (word,) = doc.pages[0].words
    assert (doc.pages[0].width, doc.pages[0].height) == (612.0, 792.0)
    assert word.x0 == pytest.approx(50.0) and 80 < word.top < 92 < word.bottom < 96


@pytest.mark.parametrize(
    ("page_keys", "size", "box"),
    [
        ("/MediaBox [0 0 612 792] /CropBox [100 100 512 692]", (412.0, 592.0), (50.0, 82.48)),
        ("/MediaBox [0 0 612 792] /CropBox [100 100 512 692] /Rotate 90", (592.0, 412.0), (497.52, 50.0)),
        ("/MediaBox [0 0 612 792] /Rotate 270", (792.0, 612.0), (182.48, 429.98)),
    ],
)
def test_crop_and_rotation_map_words_onto_the_displayed_page(
    page_keys: str, size: tuple[float, float], box: tuple[float, float]
) -> None:
    doc = parse_pdf(hand_pdf([b"BT /F1 12 Tf 150 600 Td (Inside) Tj ET"], page_keys=page_keys))
    (word,) = doc.pages[0].words
    assert word.text == "Inside"  # rotated text still reads forwards
    assert (doc.pages[0].width, doc.pages[0].height) == size
    assert (word.x0, word.top) == pytest.approx(box)


def test_text_outside_the_crop_box_is_hidden() -> None:
    content = b"BT /F1 12 Tf 150 600 Td (In) Tj ET BT /F1 12 Tf 150 720 Td (Out) Tj ET"
    doc = parse_pdf(hand_pdf([content], page_keys="/MediaBox [0 0 612 792] /CropBox [100 100 512 692]"))
    assert doc.text == "In" and doc.hidden_chars_dropped == 3


def test_too_many_pages_is_refused() -> None:
    data = hand_pdf([b"BT /F1 12 Tf 72 700 Td (p) Tj ET"] * 4)
    assert len(parse_pdf(data, limits=ParseLimits(max_pages=4)).pages) == 4
    with pytest.raises(TooManyPagesError, match="too many pages") as exc_info:
        parse_pdf(data, limits=ParseLimits(max_pages=3))
    assert exc_info.value.reason == "TOO_MANY_PAGES"
    assert exc_info.value.metadata == {"max_pages": "3"}


def test_truncated_file_is_malformed(invoice: bytes) -> None:
    with pytest.raises(MalformedDocumentError, match="damaged") as exc_info:
        parse_pdf(invoice[: len(invoice) // 2])
    assert exc_info.value.reason == "MALFORMED_DOCUMENT"


def test_password_protected_pdf_is_refused() -> None:
    encrypt = StandardEncryption("s3cret", ownerPassword="owner", strength=128)
    data = reportlab_pdf(draw_invoice, encrypt=encrypt)
    with pytest.raises(EncryptedDocumentError, match="password") as exc_info:
        parse_pdf(data)
    assert exc_info.value.reason == "ENCRYPTED_DOCUMENT"


def test_pdf_encrypted_with_an_empty_user_password_is_read() -> None:
    data = reportlab_pdf(draw_invoice, encrypt=StandardEncryption("", ownerPassword="owner", strength=128))
    assert parse_pdf(data).pages[0].text.startswith("INVOICE")


# --- hostile streams ---------------------------------------------------------------------------------


def test_flate_bomb_is_refused_quickly() -> None:
    bomb = deflate_repeated(bytes(1 << 24), 18)  # 300 MB of zeros
    assert len(bomb) < 400_000
    data = hand_pdf([b""], raw_streams=[bomb])
    with pytest.raises(DecompressionBombError, match="expands") as exc_info:
        assert timed(lambda: parse_pdf(data)) < QUICK
    assert exc_info.value.reason == "DECOMPRESSION_BOMB"
    assert exc_info.value.metadata == {"max_decompressed_bytes": str(200 * 1024 * 1024)}


def test_decompressed_cap_counts_the_whole_document() -> None:
    # Three 1 MB streams: each is small, together they pass a 2 MB cap.
    page = b"BT /F1 12 Tf 72 700 Td (p) Tj ET\n%" + b"x" * (1 << 20) + b"\n"
    data = hand_pdf([page] * 3, flate=True)
    assert len(parse_pdf(data, limits=ParseLimits(max_decompressed_bytes=4 << 20)).pages) == 3
    with pytest.raises(DecompressionBombError):
        parse_pdf(data, limits=ParseLimits(max_decompressed_bytes=2 << 20))


def _content_with_noise(size: int) -> bytes:
    noise = b"".join(b"%" + os.urandom(32).hex().encode() + b"\n" for _ in range(size // 66))
    return b"BT /F1 12 Tf 72 700 Td (Hello truncated) Tj ET\n" + noise


def test_truncated_flate_stream_is_read_in_linear_time() -> None:
    # pdfminer's own repair feeds one byte at a time into a growing bytes: hours for this.
    content = _content_with_noise(2 << 20)
    truncated = zlib.compress(content, 0)[: len(content) // 2]
    started = time.monotonic()
    doc = parse_pdf(hand_pdf([b""], raw_streams=[truncated]))
    assert time.monotonic() - started < QUICK
    assert doc.pages[0].text == "Hello truncated"


def test_corrupt_flate_stream_keeps_what_precedes_the_damage() -> None:
    content = _content_with_noise(1 << 20)
    damaged = bytearray(zlib.compress(content))
    damaged[len(damaged) // 2 : len(damaged) // 2 + 64] = b"\xff" * 64
    doc = parse_pdf(hand_pdf([b""], raw_streams=[bytes(damaged)]))
    assert doc.pages[0].text == "Hello truncated"


def test_inflate_returns_the_prefix_of_damaged_data() -> None:
    from docai.services.ingest import pdf_decoders

    pdf_decoders.BUDGET.reset(1 << 30)
    payload = b"".join(b"%d widgets at %d EUR\n" % (i, i * 7) for i in range(100_000))
    packed = zlib.compress(payload)
    assert inflate(packed) == payload
    truncated = inflate(packed[: len(packed) // 2])
    assert payload.startswith(truncated) and len(truncated) > len(payload) // 3
    cut = len(packed) // 2
    before_damage = zlib.decompressobj().decompress(packed[:cut])
    broken = inflate(packed[:cut] + b"\xff" * 64 + packed[cut + 64 :])
    assert broken.startswith(before_damage) and len(before_damage) > len(payload) // 3


def test_page_with_too_many_glyphs_is_refused() -> None:
    line = b"(" + b"x" * 400 + b") '\n"
    content = b"BT /F1 1.6 Tf 1.8 TL 10 780 Td " + line * 500 + b"ET"  # 200,000 glyphs
    with pytest.raises(TooManyGlyphsError, match="too many characters") as exc_info:
        assert timed(lambda: parse_pdf(hand_pdf([content], flate=True))) < QUICK
    assert exc_info.value.reason == "TOO_MANY_GLYPHS"
    assert exc_info.value.metadata == {"page": "1", "max_glyphs_per_page": "50000"}


def _dense_pdf(pages: int) -> bytes:
    line = b"(" + b"word " * 25 + b") '\n"
    return hand_pdf([b"BT /F1 8 Tf 10 TL 20 780 Td " + line * 75 + b"ET"] * pages, flate=True)


def test_wall_clock_limit_kills_the_parse() -> None:
    with pytest.raises(ParseTimeoutError, match="too long") as exc_info:
        assert timed(lambda: parse_pdf(_dense_pdf(10), limits=ParseLimits(wall_seconds=0.5))) < 3
    assert exc_info.value.reason == "PARSE_TIMEOUT"


def test_cpu_limit_kills_the_parse() -> None:
    # 40 dense pages need several CPU seconds; 10 took about one, too close to the limit to be sure.
    with pytest.raises(ParseTimeoutError):
        parse_pdf(_dense_pdf(40), limits=ParseLimits(cpu_seconds=1, wall_seconds=30))


def test_memory_limit_is_reported_as_a_bomb() -> None:
    # 64 MB of content cannot be inflated and joined in a 100 MB address space.
    huge = deflate_repeated(b"A" * (4 << 20), 16, head=b"BT /F1 12 Tf 72 700 Td (x) Tj ET\n%", tail=b"\n")
    with pytest.raises(DecompressionBombError):
        parse_pdf(hand_pdf([b""], raw_streams=[huge]), limits=ParseLimits(memory_bytes=100 << 20))


# --- visible text only ---------------------------------------------------------------------------------


def draw_hidden_tricks(c: canvas.Canvas) -> None:
    c.setFont("Helvetica", 10)
    c.drawString(72, 780, "Total 100.00 EUR")
    c.setFillColorRGB(1, 1, 1)
    c.drawString(72, 760, "WHITE")  # 5
    c.setFillColorCMYK(0, 0, 0, 0)
    c.drawString(72, 750, "CMYKWHITE")  # 9
    c.setFillGray(0.97)
    c.drawString(72, 740, "NEARWHITE")  # 9
    c.setFillGray(0)
    c.setFont("Helvetica", 1)
    c.drawString(72, 730, "TINY")  # 4
    c.setFont("Helvetica", 10)
    c.drawString(-400, 720, "OFFPAGE")  # 7
    c.drawString(72, 900, "ABOVE")  # 5
    c.saveState()
    text = c.beginText(72, 700)
    text.setTextRenderMode(3)
    text.textLine("INVISIBLE")  # 9
    c.drawText(text)
    c.restoreState()
    c.setFillColorRGB(0.1, 0.1, 0.4)
    c.rect(60, 600, 300, 20, fill=1, stroke=0)
    c.setFillColorRGB(1, 1, 1)
    c.drawString(72, 606, "Description Qty Price")  # white on a dark bar: visible
    c.setFillGray(0)
    c.rect(60, 560, 300, 20, fill=1, stroke=0)
    c.drawString(72, 566, "BLACKONBLACK")  # 12
    c.drawString(72, 540, "Due 2024-12-31")


HIDDEN = ["WHITE", "CMYKWHITE", "NEARWHITE", "TINY", "OFFPAGE", "ABOVE", "INVISIBLE", "BLACKONBLACK"]


def test_text_a_reader_cannot_see_is_dropped_and_counted() -> None:
    doc = parse_pdf(reportlab_pdf(draw_hidden_tricks))
    assert doc.text.splitlines() == ["Total 100.00 EUR", "Description Qty Price", "Due 2024-12-31"]
    words = {word.text for word in doc.pages[0].words}
    assert not words & set(HIDDEN)
    assert doc.hidden_chars_dropped == sum(len(word) for word in HIDDEN)


def test_render_mode_is_tracked_through_the_graphics_state() -> None:
    content = b"BT /F1 12 Tf 3 Tr 72 700 Td (ghost) Tj ET BT /F1 12 Tf 72 680 Td (still) Tj ET"
    content += b" q BT 0 Tr /F1 12 Tf 72 660 Td (seen) Tj ET Q BT /F1 12 Tf 72 640 Td (gone) Tj ET"
    doc = parse_pdf(hand_pdf([content]))
    assert doc.text == "seen"  # Tr persists across BT/ET until changed or restored by Q
    assert doc.hidden_chars_dropped == len("ghoststillgone")


def _char(text: str, **overrides: object) -> dict[str, object]:
    char: dict[str, object] = {"text": text, "x0": 100.0, "x1": 106.0, "top": 100.0, "bottom": 110.0}
    char |= {"size": 10.0, "ncs": "DeviceGray", "non_stroking_color": (0.0,), "stroking_color": (0.0,)}
    char |= {"render_mode": 0, "seq": 5}
    return char | overrides


def test_split_visible_drops_zero_width_and_stroke_only_white_glyphs() -> None:
    chars = [
        _char("a"),
        _char("\u200b"),  # zero-width space
        _char("\u202e"),  # right-to-left override
        _char("b", render_mode=1, stroking_color=(1.0,)),  # outlined in white
        _char("c", render_mode=1, stroking_color=(0.0,), non_stroking_color=(1.0,)),  # outlined in black
        _char(" ", non_stroking_color=(1.0,)),  # blank: hidden but not counted
    ]
    visible, hidden = split_visible(chars, [], (0.0, 0.0, 612.0, 792.0))
    assert [char["text"] for char in visible] == ["a", "c"]
    assert hidden == 3


def test_background_is_the_topmost_shape_drawn_before_the_glyph() -> None:
    bar = {"fill": True, "x0": 90.0, "top": 95.0, "x1": 300.0, "bottom": 115.0, "non_stroking_color": (0.0,)}
    white = _char("w", non_stroking_color=(1.0,))
    black = _char("k")
    assert split_visible([white, black], [bar | {"seq": 1}], (0.0, 0.0, 612.0, 792.0)) == ([white], 1)
    # The same bar painted after the glyphs is not their background.
    assert split_visible([white, black], [bar | {"seq": 9}], (0.0, 0.0, 612.0, 792.0)) == ([black], 1)


def test_glyphs_without_a_known_encoding_become_replacement_characters() -> None:
    doc = parse_pdf(hand_pdf([b"BT /F1 12 Tf 72 700 Td (pay\x07me) Tj ET"]))
    assert doc.text == "pay\ufffdme"  # not pdfminer's "(cid:7)", which the model would read as text


@pytest.mark.parametrize(
    ("color", "space", "expected"),
    [
        ((1.0,), "DeviceGray", (1.0, 1.0, 1.0)),
        (0.5, None, (0.5, 0.5, 0.5)),
        ((0.0, 0.5, 1.0), "DeviceRGB", (0.0, 0.5, 1.0)),
        ((0.0, 0.0, 0.0, 0.0), "DeviceCMYK", (1.0, 1.0, 1.0)),
        ((0.0, 0.0, 0.0, 1.0), "DeviceCMYK", (0.0, 0.0, 0.0)),
        ((0.0,), "Separation", (1.0, 1.0, 1.0)),  # tint 0: no ink
        ((2.0, -1.0, 0.5), None, (1.0, 0.0, 0.5)),  # out of range is clamped
        (None, None, None),
        (("P1",), "Pattern", None),
        ((3,), "Indexed", None),
        ((float("nan"),), None, None),
        ((0.1, 0.2), None, None),
    ],
)
def test_to_rgb(color: object, space: str | None, expected: tuple[float, float, float] | None) -> None:
    assert to_rgb(color, space) == expected


# --- line building ---------------------------------------------------------------------------------------


def test_build_text_orders_lines_and_spreads_columns() -> None:
    words = [
        ["Qty", 300.0, 100.0, 318.0, 110.0],
        ["Widget", 72.0, 100.5, 108.0, 110.5],  # baseline jitter, same line
        ["2", 300.0, 114.0, 306.0, 124.0],
        ["Bolt", 72.0, 114.0, 96.0, 124.0],
        ["Header", 72.0, 80.0, 108.0, 90.0],
        ["A4", 111.0, 80.0, 123.0, 90.0],
    ]
    assert build_text(words) == "Header A4\nWidget" + " " * 8 + "Qty\nBolt" + " " * 8 + "2"
    assert build_text([]) == ""


def test_build_text_gap_spaces_scale_with_distance() -> None:
    words = [["a", 0.0, 0.0, 6.0, 10.0], ["b", 24.0, 0.0, 30.0, 10.0]]  # 18 pt gap, 6 pt chars
    assert build_text(words) == "a   b"


# --- concurrency and lifecycle ---------------------------------------------------------------------------


def test_concurrent_calls_from_threads_are_isolated(invoice: bytes) -> None:
    bomb = hand_pdf([b"BT /F1 12 Tf 72 700 Td (p) Tj ET\n%" + b"x" * (3 << 20)], flate=True)
    small = ParseLimits(max_decompressed_bytes=1 << 20)

    async def run() -> list[object]:
        calls = [asyncio.to_thread(parse_pdf, invoice) for _ in range(6)]
        calls.append(asyncio.to_thread(parse_pdf, bomb, limits=small))
        return await asyncio.gather(*calls, return_exceptions=True)

    results = asyncio.run(run())
    texts = {result.text for result in results[:6] if isinstance(result, ParsedDocument)}
    assert len(texts) == 1 and next(iter(texts)).startswith("INVOICE")
    assert isinstance(results[6], DecompressionBombError)


def test_worker_restarts_after_shutdown(invoice: bytes) -> None:
    parse_pdf(invoice)
    shutdown_pdf_worker()
    assert parse_pdf(invoice).pages[0].text.startswith("INVOICE")
