"""Parse untrusted XML with nothing resolved, fetched or expanded.

An e-invoice never needs a DTD: EN 16931 XML is described by XML Schemas. So a document that
declares one is refused outright, which closes XXE (external entities), billion laughs
(nested internal entities) and DTD fetching at once, before any entity could be expanded.
libxml2 is told the same on its own (no entity resolution, no network, no huge trees), so a
DTD that slipped past the check would still resolve nothing. Size and depth are capped.

Imports only lxml: the PDF sandbox child calls it on embedded attachments.
"""

from __future__ import annotations

from lxml import etree

from docai.services.common.errors import DocumentTooLargeError, MalformedXmlError

MAX_XML_BYTES = 10 * 1024 * 1024
"""Largest e-invoice XML accepted; real ones are kilobytes, a few MB with embedded attachments."""
MAX_DEPTH = 64
"""Deepest element nesting accepted; CII and UBL nest about 10 levels."""

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def parse_xml(data: bytes | str, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parses untrusted XML into its root element.

    Args:
        data: The XML, as bytes (its declared encoding is honoured) or text without a declaration.
        max_bytes: Larger input is refused before parsing.

    Raises:
        DocumentTooLargeError: Over ``max_bytes``.
        MalformedXmlError: Not well-formed (``MALFORMED_XML``), declares a DTD
            (``XML_DTD_FORBIDDEN``) or nests deeper than ``MAX_DEPTH`` (``XML_TOO_DEEP``).
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise DocumentTooLargeError(f"the XML is larger than {max_bytes} bytes", max_bytes=str(max_bytes))
    if isinstance(data, str):
        # Text is already decoded: an encoding declaration would contradict it.
        raw = _without_declaration(data).encode("utf-8")
    try:
        root = etree.fromstring(raw, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError:
        if b"<!DOCTYPE" in raw[:4096] or b"<!ENTITY" in raw:
            raise MalformedXmlError(
                "the XML declares a DTD, which e-invoices never need", reason="XML_DTD_FORBIDDEN"
            ) from None
        raise MalformedXmlError("the XML is not well-formed") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise MalformedXmlError("the XML declares a DTD, which e-invoices never need", reason="XML_DTD_FORBIDDEN")
    if _depth(root) > MAX_DEPTH:
        raise MalformedXmlError(f"the XML nests deeper than {MAX_DEPTH} levels", reason="XML_TOO_DEEP")
    return root


def to_text(root: etree._Element) -> str:
    """The element re-serialised as text (no declaration): what the sandbox hands back."""
    text: str = etree.tostring(root, encoding="unicode")
    return text


def _without_declaration(text: str) -> str:
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<?xml"):
        end = stripped.find("?>")
        return stripped[end + 2 :] if end >= 0 else stripped
    return stripped


def _depth(root: etree._Element) -> int:
    deepest = 0
    for element in root.iter():
        depth = 0
        node = element
        while node is not None and depth <= MAX_DEPTH + 1:
            node = node.getparent()
            depth += 1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
    return deepest
