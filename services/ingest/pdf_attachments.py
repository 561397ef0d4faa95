"""The e-invoice XML a PDF carries as an attachment (Factur-X, ZUGFeRD, XRechnung), found inside the sandbox child.

:func:`embedded_einvoice` ranks the PDF's ``*.xml`` file specifications (associated files
first, the standards' names first among them), decodes them on a budget of their own and
parses them with ``safe_xml``; a broken or hostile attachment comes back as an error with its
name, never as a failure of the pages. :func:`einvoice_text` is the same hardened parse for an
XML uploaded on its own (``pdf_extract.extract_xml``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdftypes import PDFStream
from pdfminer.utils import decode_text

from docai.services.common.errors import DocAIError, DocumentTooLargeError, NotAnEInvoiceError
from docai.services.einvoice.safe_xml import MAX_XML_BYTES, parse_xml, to_text
from docai.services.ingest.pdf_decoders import BUDGET, Refused, resolve
from docai.services.ingest.pdf_limits import looks_like_xml

EINVOICE_ROOTS = frozenset({"CrossIndustryInvoice", "CrossIndustryDocument", "Invoice", "CreditNote"})
"""Local names of the root element of CII (ZUGFeRD 1 and 2, Factur-X) and UBL invoices."""
EINVOICE_NAMES = frozenset({"factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml"})
"""What the standards name the embedded XML, case-folded."""
ATTACHMENT_NOT_XML = "ATTACHMENT_NOT_XML"
ATTACHMENT_UNREADABLE = "ATTACHMENT_UNREADABLE"
_MAX_CANDIDATES = 8  # attachments tried, best first, before the best one's error is reported
_ATTACHMENTS_DECODE_BYTES = 4 * MAX_XML_BYTES  # all of them together, object streams included
_MAX_NAME_TREE_NODES = 256
_MAX_ATTACHMENT_ENTRIES = 4096
_MAX_FILENAME = 255
_UTF8_BOM = b"\xef\xbb\xbf"


class _Unusable(Exception):
    """An attachment that is not an XML file, or cannot be read at all."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def einvoice_text(data: bytes) -> str:
    root = parse_xml(data)
    if etree.QName(root).localname not in EINVOICE_ROOTS:
        raise NotAnEInvoiceError("the XML is not a CII or UBL invoice")
    return to_text(root)


def embedded_einvoice(document: PDFDocument) -> dict[str, str] | None:
    """The PDF's e-invoice attachment as result JSON, or None when it attaches no XML.

    Candidates are tried best first; the first that is an e-invoice wins, else the best one's
    error is returned with its name. Nothing here raises: a broken or hostile attachment must
    never fail the pages, so its error travels with them. Its decoding has a budget of its
    own, so running out there does not turn the whole document into a bomb either.
    """
    best: dict[str, str] | None = None
    with BUDGET.limited(_ATTACHMENTS_DECODE_BYTES):
        for name, spec in _xml_attachments(document)[:_MAX_CANDIDATES]:
            found = _read_attachment(name, spec)
            if "error" not in found:
                return found
            best = best or found
    return best


def _xml_attachments(document: PDFDocument) -> list[tuple[str, dict[str, Any]]]:
    """File specifications named ``*.xml``, best first.

    First the associated files (catalog ``/AF``: PDF/A-3, how Factur-X and ZUGFeRD 2 attach
    the XML), whatever else their name, the standards' names first among them; then the
    standards' names in ``/Names /EmbeddedFiles`` (ZUGFeRD 1 has no ``/AF``); then the rest.
    """
    catalog = document.catalog if isinstance(document.catalog, dict) else {}
    associated = resolve(catalog.get("AF"))
    entries: list[tuple[bool, object, object]] = [
        (True, None, spec) for spec in (associated if isinstance(associated, list) else [])[:_MAX_ATTACHMENT_ENTRIES]
    ]
    names = resolve(catalog.get("Names"))
    if isinstance(names, dict):
        entries += [(False, key, spec) for key, spec in _name_tree(names.get("EmbeddedFiles"))]
    seen: set[int] = set()  # /AF and the name tree usually list the same file specification
    ranked: list[tuple[tuple[bool, bool, int], str, dict[str, Any]]] = []
    for index, (is_associated, key, spec_ref) in enumerate(entries):
        spec = resolve(spec_ref)
        if not isinstance(spec, dict) or id(spec) in seen:
            continue
        seen.add(id(spec))
        name = _filename(spec, key)
        if name.casefold().endswith(".xml"):
            ranked.append(((not is_associated, name.casefold() not in EINVOICE_NAMES, index), name, spec))
    ranked.sort(key=lambda entry: entry[0])
    return [(name, spec) for _, name, spec in ranked]


def _name_tree(root: object) -> Iterator[tuple[object, object]]:
    """The (key, value) pairs of a name tree, bounded: a hostile tree may loop or be huge."""
    stack: list[object] = [root]
    visited: set[int] = set()
    entries = 0
    while stack and len(visited) < _MAX_NAME_TREE_NODES:
        node = resolve(stack.pop())
        if not isinstance(node, dict) or id(node) in visited:
            continue
        visited.add(id(node))
        pairs = resolve(node.get("Names"))
        if isinstance(pairs, list):
            for key, value in zip(pairs[::2], pairs[1::2], strict=False):
                entries += 1
                if entries > _MAX_ATTACHMENT_ENTRIES:
                    return
                yield key, value
        kids = resolve(node.get("Kids"))
        if isinstance(kids, list):
            stack.extend(reversed(kids[:_MAX_NAME_TREE_NODES]))


def _filename(spec: dict[str, Any], key: object) -> str:
    """``/UF``, else ``/F``, else the name-tree key: its last path component, printable only."""
    for raw in (spec.get("UF"), spec.get("F"), key):
        raw = resolve(raw)
        if not isinstance(raw, bytes):
            continue
        text = raw[3:].decode("utf-8", "replace") if raw.startswith(_UTF8_BOM) else decode_text(raw)
        name = "".join(ch for ch in text.replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable())
        if name.strip():
            return name.strip()[:_MAX_FILENAME]
    return ""


def _read_attachment(name: str, spec: dict[str, Any]) -> dict[str, str]:
    try:
        return {"filename": name, "xml": einvoice_text(_attachment_bytes(spec))}
    except DocAIError as exc:  # safe_xml's refusals, and not an e-invoice
        reason = exc.reason
    except _Unusable as exc:
        reason = exc.reason
    except (Refused, MemoryError):
        # Out of decode budget or memory on this attachment: the pages are done, keep them.
        reason = DocumentTooLargeError.reason
    except Exception:  # noqa: BLE001 - whatever pdfminer raises on a broken stream
        reason = ATTACHMENT_UNREADABLE
    return {"filename": name, "xml": "", "error": reason}


def _attachment_bytes(spec: dict[str, Any]) -> bytes:
    """The embedded file, decoded; refused over ``MAX_XML_BYTES`` by its declared and its real size."""
    files = resolve(spec.get("EF"))
    streams = [resolve(files.get(key)) for key in ("F", "UF")] if isinstance(files, dict) else []
    stream = next((s for s in streams if isinstance(s, PDFStream)), None)
    if stream is None:
        raise _Unusable(ATTACHMENT_UNREADABLE)
    params = resolve(stream.get("Params"))
    size = resolve(params.get("Size")) if isinstance(params, dict) else None
    if isinstance(size, int) and size > MAX_XML_BYTES:
        raise DocumentTooLargeError("the attachment declares more than MAX_XML_BYTES")
    with BUDGET.limited(MAX_XML_BYTES + 1):
        data = stream.get_data()
    if len(data) > MAX_XML_BYTES:
        raise DocumentTooLargeError("the attachment is larger than MAX_XML_BYTES")
    if not looks_like_xml(data):
        raise _Unusable(ATTACHMENT_NOT_XML)
    return data
