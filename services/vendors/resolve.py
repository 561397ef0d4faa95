"""Which vendor of the tenant's vendor master an invoice is from: the one place that decides it.

An invoice is resolved, in this order, by

1. its **tax id** (VAT id, compared compact; printed without its country prefix it matches the
   number of any country, when only one vendor has it),
2. its **IBAN** (compact, and only when it passes python-stdnum's check:
   ``docai.services.documents.bank.checked_iban``),
3. its **vendor name**, against every vendor's name and aliases, both normalised by
   :func:`name_key`: case and accents folded (ä → ae, ß → ss), punctuation dropped (``S.A.R.L.`` →
   ``sarl``), legal forms at either end dropped (GmbH, GmbH & Co. KG, Ltd, SARL, B.V., S.p.A., ...),
   ``&``/``and``/``und`` ignored. A vendor whose tax id differs from the invoice's is never a name
   match: it is another legal entity.
4. a **fuzzy name** match, only above a conservative similarity (``FUZZY_THRESHOLD`` = 0.92, on
   names of at least ``FUZZY_MIN_LENGTH`` letters), with the same digits in both names, and
   only when no second vendor comes close (``FUZZY_MARGIN``): "Bakker Electronica" finds
   "Bakker Elektronica B.V.", "Acne Trading" does not find "Acme Trading".

When several records match (an ERP may keep one vendor under two keys, say for two accounts),
the one whose IBAN is the invoice's wins, then one whose name matches, then an active one, then
the lowest key. Inactive vendors are matched too: the decision reviews their invoices
(``VENDOR_INACTIVE``) rather than calling them unknown.

The pipeline then judges the invoice's IBAN against the matched record's
(docai.services.routing.decision), reviews a vendor the master does not know (``VENDOR_UNKNOWN``,
only for tenants with a master) and fills an uncovered route from the record's default route
(:func:`master_route`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from docai.schemas.invoice import Extraction
from docai.schemas.routing import Route
from docai.services.documents.bank import checked_iban
from docai.services.storage import tables
from docai.services.storage.database import Database
from docai.services.vendors.master import VendorRecord, has_master, records, tax_number

FUZZY_THRESHOLD = 0.92
FUZZY_MIN_LENGTH = 8
FUZZY_MARGIN = 0.03
# A default route from the vendor master is as sure as a vendor rule of the policy.
MASTER_ROUTE_CONFIDENCE = 0.95

# Legal forms dropped at either end of a name, as token sequences after punctuation is dropped
# ("S.A.R.L." → "sarl", "Sp. z o.o." → "sp z oo", "A/S" → "a s").
_LEGAL_FORMS: tuple[tuple[str, ...], ...] = tuple(
    tuple(form.split())
    for form in (
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "kgaa",
        "ohg",
        "gbr",
        "ug",
        "haftungsbeschrankt",
        "ek",
        "e k",
        "ev",
        "e v",
        "se",
        "co",
        "company",
        "ltd",
        "limited",
        "llc",
        "llp",
        "lp",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "plc",
        "pty",
        "sarl",
        "sa",
        "s a",
        "sas",
        "sasu",
        "eurl",
        "snc",
        "sci",
        "srl",
        "s r l",
        "spa",
        "s p a",
        "sl",
        "s l",
        "slu",
        "sau",
        "bv",
        "b v",
        "nv",
        "n v",
        "vof",
        "cv",
        "oy",
        "oyj",
        "ab",
        "as",
        "a s",
        "asa",
        "aps",
        "kft",
        "zrt",
        "nyrt",
        "sro",
        "s r o",
        "as",
        "sp z oo",
        "spzoo",
        "doo",
        "d o o",
        "ad",
        "bvba",
        "sprl",
        "scrl",
        "cvba",
        "lda",
        "sgps",
        "ltda",
        "vzw",
    )
)
_CONNECTORS = frozenset({"and", "und", "et", "en"})
_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"})


@dataclass(frozen=True)
class VendorMatch:
    """Which vendor of the master an invoice is from.

    Attributes:
        vendor: The master record; None when the invoice's vendor is not in the master.
        matched_by: ``tax_id``, ``iban``, ``name``, ``fuzzy_name``; "" when not found.
        master_exists: Whether the tenant has a master at all (at least one vendor imported).
    """

    vendor: VendorRecord | None = None
    matched_by: str = ""
    master_exists: bool = False

    @property
    def unknown(self) -> bool:
        """The tenant has a master and the invoice's vendor is not in it."""
        return self.master_exists and self.vendor is None


NO_MASTER = VendorMatch()


def simplified(text: str, *, transliterate: bool = True) -> str:
    """Folded (case, accents; ä → ae unless not ``transliterate``: ä → a), punctuation dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if transliterate:
        text = text.translate(_TRANSLITERATE)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = re.sub(r"['’`´.]", "", text)  # S.A.R.L. → sarl, McDonald's → mcdonalds
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def name_key(name: str, *, transliterate: bool = True) -> str:
    """A vendor name as names are matched: :func:`simplified`, without connectors (``&``, and, und)
    and without legal forms at either end (``"Müller & Söhne GmbH & Co. KG"`` → ``"mueller soehne"``);
    "" for an empty name."""
    tokens = [token for token in simplified(name, transliterate=transliterate).split() if token not in _CONNECTORS]
    stripped = _strip_legal(tokens)
    return " ".join(stripped or tokens)


def name_keys(name: str) -> list[str]:
    """The keys a name is stored and looked up under: umlauts written out (``mueller``) and, when
    that differs, dropped (``muller``), so that either spelling on an invoice finds the other."""
    return list(dict.fromkeys(key for key in (name_key(name), name_key(name, transliterate=False)) if key))


def _strip_legal(tokens: list[str]) -> list[str]:
    changed = True
    while changed and tokens:
        changed = False
        for form in _LEGAL_FORMS:
            n = len(form)
            if len(tokens) > n and tuple(tokens[-n:]) == form:
                tokens, changed = tokens[:-n], True
            elif len(tokens) > n and tuple(tokens[:n]) == form:
                tokens, changed = tokens[n:], True
    return tokens


def compact_tax_id(text: str) -> str:
    """A tax id as printed, compact: labels, spaces and punctuation dropped, upper case."""
    from docai.services.extraction.normalize import normalize_tax_id

    return re.sub(r"[^0-9A-Z]", "", normalize_tax_id(text or "").upper())


def similarity(a: str, b: str) -> float:
    """How alike two name keys are, in [0, 1] (spaces ignored)."""
    return SequenceMatcher(None, a.replace(" ", ""), b.replace(" ", ""), autojunk=False).ratio()


def _digits(key: str) -> list[str]:
    return re.findall(r"\d+", key)


def resolve(session: Session, tenant_id: str, *, name: str = "", tax_id: str = "", iban: str = "") -> VendorMatch:
    """The vendor of the tenant's master an invoice with these vendor details is from (see the module docstring)."""
    if not has_master(session, tenant_id):
        return NO_MASTER
    tax, account, keys = compact_tax_id(tax_id), checked_iban(iban), name_keys(name)
    vendors = tables.Vendor
    if len(tax) >= 5:
        column = vendors.tax_id if tax_number(tax) != tax else vendors.tax_number
        found = _pick(session, select(vendors.id).where(vendors.tenant_id == tenant_id, column == tax), account, keys)
        if found is not None:
            return VendorMatch(found, "tax_id", True)
    if account:
        found = _pick(
            session, select(vendors.id).where(vendors.tenant_id == tenant_id, vendors.iban == account), "", keys
        )
        if found is not None:
            return VendorMatch(found, "iban", True)
    if not keys:
        return VendorMatch(None, "", True)
    named = select(tables.VendorName.vendor).where(
        tables.VendorName.tenant_id == tenant_id, tables.VendorName.name_key.in_(keys)
    )
    found = _pick(session, named, account, keys, tax=tax)
    if found is not None:
        return VendorMatch(found, "name", True)
    found = _fuzzy(session, tenant_id, keys[0], tax)
    return VendorMatch(found, "fuzzy_name" if found is not None else "", True)


def _conflicts(vendor: VendorRecord, tax: str) -> bool:
    """Both the invoice and the record have a tax id, and they differ: another legal entity."""
    if len(tax) < 5 or not vendor.tax_id:
        return False
    return tax not in (vendor.tax_id, tax_number(vendor.tax_id))


def _pick(session: Session, ids: Select[int], account: str, keys: list[str], *, tax: str = "") -> VendorRecord | None:
    candidates = [v for v in records(session, session.scalars(ids)).values() if not _conflicts(v, tax)]
    return _best(candidates, account, keys)


def _best(candidates: Iterable[VendorRecord], account: str, keys: list[str]) -> VendorRecord | None:
    def rank(vendor: VendorRecord) -> tuple[bool, bool, bool, str]:
        names = {key for n in (vendor.name, *vendor.aliases) for key in name_keys(n)}
        named = any(key in names for key in keys)
        return (not (account and vendor.iban == account), not named, not vendor.active, vendor.vendor_id)

    ordered = sorted(candidates, key=rank)
    return ordered[0] if ordered else None


def _fuzzy(session: Session, tenant_id: str, key: str, tax: str) -> VendorRecord | None:
    compact = key.replace(" ", "")
    if len(compact) < FUZZY_MIN_LENGTH:
        return None
    scores: dict[int, float] = {}
    rows = session.execute(
        select(tables.VendorName.vendor, tables.VendorName.name_key).where(tables.VendorName.tenant_id == tenant_id)
    )
    for vendor_pk, other in rows:
        other_compact = other.replace(" ", "")
        shorter, longer = sorted((len(compact), len(other_compact)))
        if shorter < FUZZY_MIN_LENGTH or 2 * shorter / (shorter + longer) < FUZZY_THRESHOLD - FUZZY_MARGIN:
            continue  # the ratio cannot come close: skip the comparison
        matcher = SequenceMatcher(None, compact, other_compact, autojunk=False)
        if matcher.quick_ratio() < FUZZY_THRESHOLD - FUZZY_MARGIN:
            continue
        score = matcher.ratio()
        if score >= FUZZY_THRESHOLD - FUZZY_MARGIN and _digits(key) == _digits(other):
            scores[vendor_pk] = max(score, scores.get(vendor_pk, 0.0))
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    best_pk, best = ranked[0]
    if best < FUZZY_THRESHOLD or (len(ranked) > 1 and best - ranked[1][1] < FUZZY_MARGIN):
        return None  # not alike enough, or two vendors come close: no guess
    vendor = records(session, [best_pk]).get(best_pk)
    return None if vendor is None or _conflicts(vendor, tax) else vendor


def resolve_extraction(db: Database, tenant_id: str, extraction: Extraction) -> VendorMatch:
    """:func:`resolve` with an extraction's vendor name, vendor tax id and IBAN."""
    with db.transaction() as session:
        return resolve(
            session,
            tenant_id,
            name=extraction.value("vendor_name") or "",
            tax_id=extraction.value("vendor_tax_id") or "",
            iban=extraction.value("iban") or "",
        )


def master_route(route: Route, match: VendorMatch, *, policy: object, extraction: Extraction) -> Route:
    """The route, filled from the vendor master's default route when the policy covers no rule.

    The record's department is needed; its cost centre and approver are used when it has them,
    else the policy's for that department (the department's cost centre, the approval tier for the
    invoice's gross). A record without a department, or one whose approver cannot be found, leaves
    the route uncovered (the decision says why: :func:`route_gap`).
    """
    vendor = match.vendor
    if route.covered or vendor is None or not vendor.department:
        return route
    department = vendor.department
    known = getattr(policy, "departments", {}) or {}
    cost_centre = vendor.cost_centre or (known[department].cost_centre if department in known else "")
    approver, reasons = vendor.approver, [f"vendor-master:{vendor.vendor_id}"]
    if not approver and department in known:
        tier = policy.approver_tier(  # type: ignore[attr-defined]
            department, gross=extraction.value("total_gross"), currency=extraction.value("currency")
        )
        approver = tier.approver
        reasons.append(tier.id)
    if not approver:
        return route
    return Route(
        department=department,
        cost_centre=cost_centre,
        approver=approver,
        confidence=MASTER_ROUTE_CONFIDENCE,
        reasons=reasons,
        covered=True,
    )


def route_gap(match: VendorMatch) -> str:
    """Why the vendor master did not fill an uncovered route, for the reviewer ("" when it has no say)."""
    vendor = match.vendor
    if vendor is None:
        return ""
    if not vendor.department:
        return f"the vendor master record {vendor.vendor_id} has no default route"
    return (
        f"the vendor master record {vendor.vendor_id} routes to {vendor.department} but names no approver, "
        "and the policy has no approval tiers for that department"
    )


def mask_iban(iban: str) -> str:
    """An IBAN with all but its last 4 characters masked, in groups of 4 from the end:
    ``DE89370400440532013000`` → ``•• •••• •••• •••• •••• 3000``."""
    if not iban:
        return ""
    masked = "•" * max(len(iban) - 4, 0) + iban[-4:]
    groups = [masked[max(end - 4, 0) : end] for end in range(len(masked), 0, -4)]
    return " ".join(reversed(groups))
