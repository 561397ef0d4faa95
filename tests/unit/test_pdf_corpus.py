"""Every file of the shared PDF robustness corpus gets a document or a domain error, in time.

The corpus (148 broken and hostile PDFs from the test suites of qpdf, pdf.js, pypdf,
pdfminer.six, pdfplumber and SafeDocs) lives in ``shared/`` beside the repository; CI copies
it to ``../shared``. The test is skipped where it is missing. It takes about 10 s on 2 cores.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from docai.schemas.parsed import ParsedDocument
from docai.services.common.errors import (
    DocAIError,
    EmptyDocumentError,
    EncryptedDocumentError,
    InvalidArgumentError,
    NotAPdfError,
    ResourceExhaustedError,
    TooManyPagesError,
)
from docai.services.ingest.pdf_parse import ParseLimits, parse_pdf

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "pdf-robustness"
LIMITS = ParseLimits()


def _manifest() -> list[dict[str, Any]]:
    path = CORPUS / "manifest.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ROWS = _manifest()

# What a category must come to; categories not listed may get a document or any domain error.
EXPECTED_BY_CATEGORY: dict[str, tuple[type[Any], ...]] = {
    "not-pdf": (NotAPdfError, EmptyDocumentError),
    "encrypted-user-password": (EncryptedDocumentError,),
    "zero-pages": (EmptyDocumentError,),
    "heavy-valid": (TooManyPagesError,),  # 352 pages against the default cap of 50
    "control-valid": (ParsedDocument,),
}
# Files whose outcome is known and worth pinning beyond their category.
EXPECTED_BY_FILE: dict[str, type[Any]] = {
    "pypdf__r2-empty-password.pdf": ParsedDocument,  # RC4-40, empty user password
    "pypdf__r6-empty-password.pdf": ParsedDocument,  # AES-256, empty user password
    "pypdf__r4-owner-password.pdf": ParsedDocument,  # owner password only
    "pypdf__r6-user-password.pdf": ParsedDocument,  # empty owner password opens it
    "qpdf__leading-junk.pdf": ParsedDocument,
    "pdfplumber__malformed-from-issue-932.pdf": ParsedDocument,  # inverted /MediaBox corners
    "pdfminer__zen_of_python_corrupted.pdf": ParsedDocument,  # corrupt Flate, repaired
}


def _outcome(data: bytes) -> ParsedDocument | DocAIError:
    try:
        return parse_pdf(data, limits=LIMITS)
    except DocAIError as exc:
        return exc


@pytest.mark.skipif(not ROWS, reason=f"PDF robustness corpus not found at {CORPUS}")
@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_corpus_file_gets_a_mapped_answer_in_time(row: dict[str, Any]) -> None:
    data = (CORPUS / row["file"]).read_bytes()
    started = time.monotonic()
    outcome = _outcome(data)  # anything but a ParsedDocument or a DocAIError fails the test here
    elapsed = time.monotonic() - started

    assert elapsed < LIMITS.wall_seconds + 5.0
    if isinstance(outcome, DocAIError):
        # A document problem, never the sandbox's own failure or the bare "internal" error.
        assert isinstance(outcome, InvalidArgumentError | ResourceExhaustedError), repr(outcome)
        assert outcome.reason != "INVALID_ARGUMENT" and outcome.message
    expected = EXPECTED_BY_CATEGORY.get(row["category"], (ParsedDocument, DocAIError))
    assert isinstance(outcome, expected), f"{row['note']}: got {outcome!r}"
    if row["file"] in EXPECTED_BY_FILE:
        assert isinstance(outcome, EXPECTED_BY_FILE[row["file"]]), f"{row['note']}: got {outcome!r}"
    if isinstance(outcome, ParsedDocument):
        assert outcome.pages and all(page.width > 0 and page.height > 0 for page in outcome.pages)
        if row["category"] == "control-valid":
            assert outcome.text.strip()


@pytest.mark.skipif(not ROWS, reason=f"PDF robustness corpus not found at {CORPUS}")
def test_parser_still_serves_after_the_corpus() -> None:
    doc = parse_pdf((CORPUS / "pdfminer__simple1.pdf").read_bytes())
    assert doc.pages[0].words
