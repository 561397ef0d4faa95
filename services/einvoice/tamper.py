"""Tampered copies of an e-invoice: one value changed in the embedded XML only, the page untouched.

This is the fraud the cross-check exists for (an XML that pays another account or bills
another total than the page a person reads). The benchmark and the tests make such copies of
real e-invoices and expect every one to be caught.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pypdf
from lxml import etree
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from docai.services.common.errors import DocAIError
from docai.services.einvoice.safe_xml import parse_xml

# A valid IBAN (checksum holds) that no test invoice uses.
FOREIGN_IBAN = "GB33BUKB20201555555555"

# The element holding each tamperable value, by local name, CII then UBL (first match wins).
_PATHS: dict[str, tuple[str, ...]] = {
    "iban": (
        "//*[local-name()='PayeePartyCreditorFinancialAccount']/*[local-name()='IBANID']",
        "//*[local-name()='PayeeFinancialAccount']/*[local-name()='ID']",
    ),
    "total_gross": ("//*[local-name()='GrandTotalAmount']", "//*[local-name()='TaxInclusiveAmount']"),
    "invoice_number": (
        "/*/*[local-name()='ExchangedDocument' or local-name()='HeaderExchangedDocument']/*[local-name()='ID']",
        "/*/*[local-name()='ID']",
    ),
}
TAMPERABLE: tuple[str, ...] = tuple(_PATHS)


def tamper_xml(xml: bytes, field: str) -> bytes | None:
    """The XML with `field` changed (None when it does not state that field)."""
    root = parse_xml(xml)
    for path in _PATHS[field]:
        found = root.xpath(path)
        if found:
            element = found[0]
            element.text = _changed(field, (element.text or "").strip())
            changed: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            return changed
    return None


def tamper_pdf(pdf: bytes, field: str) -> bytes | None:
    """The PDF with `field` changed in its embedded XML only (None: no XML, or no such field)."""
    return _rewrite_attachment(pdf, lambda xml: tamper_xml(xml, field))


def _changed(field: str, value: str) -> str:
    if field == "iban":
        return FOREIGN_IBAN if value.replace(" ", "") != FOREIGN_IBAN else "DE89370400440532013000"
    if field == "total_gross":
        return f"{float(value) + 1000:.2f}"
    return value + "9"


def _rewrite_attachment(pdf: bytes, edit: Callable[[bytes], bytes | None]) -> bytes | None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    changed = False
    replaced: set[int] = set()  # file specifications may share their /EF dictionary: edit each stream once
    for spec in _file_specs(writer):  # every XML attachment: a reader may take any of them
        name = str(spec.get("/UF") or spec.get("/F") or "")
        if not name.lower().endswith(".xml") or "/EF" not in spec:
            continue
        embedded: Any = spec["/EF"]  # a DictionaryObject; pypdf types its values as PdfObject
        if getattr(embedded.raw_get("/F"), "idnum", None) in replaced:
            continue
        stream = embedded["/F"].get_object()
        try:
            new = edit(stream.get_data())
        except DocAIError:  # an attachment that is not (well-formed) XML is left as it is
            continue
        if new is None:
            continue
        replacement = StreamObject()
        replacement.set_data(new)
        for key in ("/Type", "/Subtype"):
            if key in stream:
                replacement[NameObject(key)] = stream[key]
        params = DictionaryObject(stream.get("/Params") or {})
        params.pop(NameObject("/CheckSum"), None)
        params[NameObject("/Size")] = pypdf.generic.NumberObject(len(new))
        replacement[NameObject("/Params")] = params
        ref = writer._add_object(replacement)
        replaced.add(ref.idnum)
        for key in list(embedded):  # /F and /UF name the same stream
            embedded[NameObject(key)] = ref
        changed = True
    if not changed:
        return None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _file_specs(writer: pypdf.PdfWriter) -> list[DictionaryObject]:
    root = writer._root_object
    specs = [ref.get_object() for ref in root.get("/AF") or []]
    names = root.get("/Names", {}).get("/EmbeddedFiles", {}).get("/Names") or []
    specs += [ref.get_object() for ref in names[1::2]]
    return specs
