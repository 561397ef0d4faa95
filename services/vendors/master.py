"""A tenant's vendor master: the vendors its ERP knows, imported over the API or from a CSV file.

Each vendor is kept under the ERP's own key (``vendor_id``) with its legal name, the other names
its invoices may print (aliases), its VAT id, IBAN and BIC (checked with python-stdnum and
stored compact), a default route (department, cost centre, approver) and an active flag. An
import is a batch upsert in one transaction: every vendor is checked first, and one bad vendor
imports nothing (INVALID_ARGUMENT naming the vendor, and the CSV line). With ``sync`` the batch is
the whole master and vendors absent from it are deactivated, never deleted: an invoice of a
deactivated vendor is still recognised, and reviewed.

How invoices are matched against the master is :mod:`docai.services.vendors.resolve`.

CSV files (``docai vendors import FILE.csv``): a header row, then one vendor per row; comma,
semicolon or tab separated (detected), UTF-8 with or without a byte-order mark. Columns, in any
order (only ``vendor_id`` and ``name`` are required; a column not listed here is refused):

=============  ================================================================================
vendor_id      the ERP's key: 1-100 letters, digits and ``._~-``
name           the legal name
aliases        other names, separated by ``|``
tax_id         VAT id with its country prefix (``DE129273398``); ``vat_id`` is accepted too
iban           IBAN (spaces allowed)
bic            BIC, 8 or 11 characters
department     default route: department (used when the routing policy covers no rule)
cost_centre    default route: cost centre; ``cost_center`` is accepted too
approver       default route: approver
active         ``true``/``false`` (also yes/no, 1/0); empty means true
=============  ================================================================================
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from stdnum import vatin as stdnum_vatin
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from docai.services.common.errors import InvalidArgumentError, NotFoundError
from docai.services.documents.bank import validate_bic, validate_iban
from docai.services.storage import tables
from docai.services.storage.database import Database

_VENDOR_ID = re.compile(r"^[A-Za-z0-9._~-]{1,100}$")
MAX_ALIASES = 50
_LIMITS = {"name": 300, "department": 100, "cost_centre": 100, "approver": 200}

COLUMNS: tuple[str, ...] = (
    "vendor_id",
    "name",
    "aliases",
    "tax_id",
    "iban",
    "bic",
    "department",
    "cost_centre",
    "approver",
    "active",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("vendor_id", "name")
_COLUMN_SYNONYMS = {"cost_center": "cost_centre", "vat_id": "tax_id", "vendor_name": "name"}
_TRUE = {"", "true", "yes", "y", "1", "active"}
_FALSE = {"false", "no", "n", "0", "inactive"}


@dataclass(frozen=True)
class VendorRecord:
    """One vendor of the master.

    Attributes:
        vendor_id: The ERP's key.
        name: The legal name.
        aliases: Other names the vendor's invoices may print.
        tax_id: VAT id, compact with its country prefix (``DE129273398``); "" when not known.
        iban: IBAN, compact; "" when not known.
        bic: BIC, compact; "" when not known.
        department: Default route's department; "" when none.
        cost_centre: Default route's cost centre.
        approver: Default route's approver.
        active: False once the ERP deactivated it (or a sync import left it out).
        update_time: When it last changed (None before it is stored).
    """

    vendor_id: str
    name: str
    aliases: tuple[str, ...] = ()
    tax_id: str = ""
    iban: str = ""
    bic: str = ""
    department: str = ""
    cost_centre: str = ""
    approver: str = ""
    active: bool = True
    update_time: dt.datetime | None = field(default=None, compare=False)

    @property
    def has_default_route(self) -> bool:
        return bool(self.department)


class ImportResult(NamedTuple):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0


# ---------------------------------------------------------------------------------------
# Checking one vendor
# ---------------------------------------------------------------------------------------

_WHY = {
    InvalidChecksum: ("checksum", "its check digits are wrong"),
    InvalidLength: ("length", "it has the wrong length"),
    InvalidFormat: ("format", "it is not in the expected format"),
    InvalidComponent: ("component", "a part of it (such as the country code) is unknown"),
}


def _why(exc: ValidationError) -> tuple[str, str]:
    for kind, answer in _WHY.items():
        if isinstance(exc, kind):
            return answer
    return "invalid", "it does not validate"


def _where(where: dict[str, Any]) -> str:
    return (
        f"line {where['line']}: " if "line" in where else (f"vendors[{where['index']}]: " if "index" in where else "")
    )


def tax_number(tax_id: str) -> str:
    """A compact VAT id without its country prefix (``DE129273398`` → ``129273398``)."""
    return tax_id[2:] if len(tax_id) > 2 and tax_id[:2].isalpha() else tax_id


def check_vendor(vendor: VendorRecord, **where: Any) -> VendorRecord:
    """The vendor checked and normalised: stripped text, compact tax id, IBAN and BIC.

    Args:
        vendor: The vendor as the ERP sent it.
        where: ``line=N`` (a CSV line) or ``index=N`` (a batch position): named in errors.

    Raises:
        InvalidArgumentError: ``INVALID_VENDOR_ID``, ``MISSING_FIELD`` (no name), ``FIELD_TOO_LONG``,
            ``TOO_MANY_ALIASES``, ``INVALID_TAX_ID``, ``INVALID_IBAN`` or ``INVALID_BIC``; the
            metadata names the ``vendor_id``, the ``field``, ``check`` (checksum, length, format,
            component) for the numbers, and the ``line`` or ``index``.
    """
    prefix = _where(where)
    meta = {key: str(value) for key, value in where.items()}
    vendor_id = vendor.vendor_id.strip()
    if not _VENDOR_ID.match(vendor_id):
        raise InvalidArgumentError(
            f"{prefix}vendor_id {vendor_id!r} must be 1-100 letters, digits and . _ ~ -",
            reason="INVALID_VENDOR_ID",
            field="vendor_id",
            vendor_id=vendor_id,
            **meta,
        )
    who = f"{prefix}vendor {vendor_id}: "
    meta["vendor_id"] = vendor_id
    name = " ".join(vendor.name.split())
    if not name:
        raise InvalidArgumentError(f"{who}a name is required", reason="MISSING_FIELD", field="name", **meta)
    texts = {"name": name} | {
        key: " ".join(getattr(vendor, key).split()) for key in ("department", "cost_centre", "approver")
    }
    for key, limit in _LIMITS.items():
        if len(texts[key]) > limit:
            raise InvalidArgumentError(
                f"{who}{key} is longer than {limit} characters", reason="FIELD_TOO_LONG", field=key, **meta
            )
    aliases = tuple(dict.fromkeys(a for a in (" ".join(alias.split()) for alias in vendor.aliases) if a and a != name))
    if len(aliases) > MAX_ALIASES:
        raise InvalidArgumentError(
            f"{who}at most {MAX_ALIASES} aliases", reason="TOO_MANY_ALIASES", field="aliases", **meta
        )
    if any(len(alias) > _LIMITS["name"] for alias in aliases):
        raise InvalidArgumentError(
            f"{who}an alias is longer than {_LIMITS['name']} characters",
            reason="FIELD_TOO_LONG",
            field="aliases",
            **meta,
        )
    tax_id = _checked(
        vendor.tax_id,
        stdnum_vatin.validate,
        who=who,
        what="tax id",
        reason="INVALID_TAX_ID",
        name="tax_id",
        hint=" (a VAT id with its country prefix, such as DE129273398)",
        meta=meta,
    )
    iban = _checked(
        vendor.iban, validate_iban, who=who, what="IBAN", reason="INVALID_IBAN", name="iban", hint="", meta=meta
    )
    bic = _checked(vendor.bic, validate_bic, who=who, what="BIC", reason="INVALID_BIC", name="bic", hint="", meta=meta)
    return replace(
        vendor,
        vendor_id=vendor_id,
        aliases=aliases,
        tax_id=tax_id,
        iban=iban,
        bic=bic,
        name=texts["name"],
        department=texts["department"],
        cost_centre=texts["cost_centre"],
        approver=texts["approver"],
    )


def _checked(
    value: str, validate: Any, *, who: str, what: str, reason: str, name: str, hint: str, meta: dict[str, str]
) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        return str(validate(value))
    except ValidationError as exc:
        check, why = _why(exc)
        raise InvalidArgumentError(
            f"{who}the {what} {value!r} is not valid: {why}{hint}", reason=reason, field=name, check=check, **meta
        ) from None


def check_batch(vendors: Sequence[VendorRecord], *, lines: Sequence[int] | None = None) -> list[VendorRecord]:
    """Every vendor checked (:func:`check_vendor`), each ``vendor_id`` at most once.

    Args:
        vendors: The batch.
        lines: The CSV line of each vendor, named in errors instead of its index.

    Raises:
        InvalidArgumentError: the first bad vendor's error (the message says how many more are bad),
            or ``DUPLICATE_VENDOR_ID`` naming both places.
    """
    checked: list[VendorRecord] = []
    errors: list[InvalidArgumentError] = []
    seen: dict[str, int] = {}
    for index, vendor in enumerate(vendors):
        where = {"line": lines[index]} if lines is not None else {"index": index}
        try:
            good = check_vendor(vendor, **where)
        except InvalidArgumentError as exc:
            errors.append(exc)
            continue
        if good.vendor_id in seen:
            first = seen[good.vendor_id]
            earlier = f"line {lines[first]}" if lines is not None else f"vendors[{first}]"
            errors.append(
                InvalidArgumentError(
                    f"{_where(where)}vendor {good.vendor_id} appears twice (also {earlier})",
                    reason="DUPLICATE_VENDOR_ID",
                    field="vendor_id",
                    vendor_id=good.vendor_id,
                    **{key: str(value) for key, value in where.items()},
                )
            )
            continue
        seen[good.vendor_id] = index
        checked.append(good)
    if errors:
        worst = errors[0]
        if len(errors) > 1:
            more = len(errors) - 1
            worst.message = f"{worst.message} (and {more} more bad vendor{'s' if more > 1 else ''})"
            worst.args = (worst.message,)
        raise worst
    return checked


# ---------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------


def _active(text: str, *, line: int, vendor_id: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidArgumentError(
        f"line {line}: vendor {vendor_id}: active must be true or false, not {text!r}",
        reason="INVALID_FIELD",
        field="active",
        line=str(line),
        vendor_id=vendor_id,
    )


def parse_csv(text: str) -> list[VendorRecord]:
    """The vendors of a CSV file (columns: see the module docstring), checked.

    Raises:
        InvalidArgumentError: ``EMPTY_FILE``, ``MISSING_COLUMN`` or ``UNKNOWN_COLUMN`` (line 1),
            ``INVALID_FIELD`` (a malformed row or ``active`` value) or any error of
            :func:`check_batch`; the message starts with the line (``line 7: vendor V-7: ...``)
            and the ErrorInfo metadata has ``line``.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InvalidArgumentError("line 1: the file is empty (a header row is needed)", reason="EMPTY_FILE", line="1")
    first_line = text.splitlines()[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [cell.strip().lower().replace(" ", "_").replace("-", "_") for cell in next(reader)]
    header = [_COLUMN_SYNONYMS.get(cell, cell) for cell in header]
    unknown = [cell for cell in header if cell not in COLUMNS]
    if unknown:
        raise InvalidArgumentError(
            f"line 1: unknown column {unknown[0]!r}; the columns are {', '.join(COLUMNS)}",
            reason="UNKNOWN_COLUMN",
            line="1",
            column=unknown[0],
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise InvalidArgumentError(
            f"line 1: the column {missing[0]!r} is missing (required: {', '.join(REQUIRED_COLUMNS)})",
            reason="MISSING_COLUMN",
            line="1",
            column=missing[0],
        )
    repeated = [cell for index, cell in enumerate(header) if cell in header[:index]]
    if repeated:
        raise InvalidArgumentError(
            f"line 1: the column {repeated[0]!r} appears twice", reason="DUPLICATE_COLUMN", line="1", column=repeated[0]
        )
    vendors: list[VendorRecord] = []
    lines: list[int] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                raise InvalidArgumentError(
                    f"line {line}: {len(row)} cells but the header has {len(header)} columns "
                    "(a separator inside an unquoted value?)",
                    reason="INVALID_FIELD",
                    line=str(line),
                )
            cells = dict(zip(header, row, strict=False))
            vendor_id = cells.get("vendor_id", "").strip()
            vendors.append(
                VendorRecord(
                    vendor_id=vendor_id,
                    name=cells.get("name", ""),
                    aliases=tuple(cells.get("aliases", "").split("|")),
                    tax_id=cells.get("tax_id", ""),
                    iban=cells.get("iban", ""),
                    bic=cells.get("bic", ""),
                    department=cells.get("department", ""),
                    cost_centre=cells.get("cost_centre", ""),
                    approver=cells.get("approver", ""),
                    active=_active(cells.get("active", ""), line=line, vendor_id=vendor_id),
                )
            )
            lines.append(line)
    except csv.Error as exc:
        raise InvalidArgumentError(
            f"line {reader.line_num}: the CSV does not parse ({exc})", reason="INVALID_FIELD", line=str(reader.line_num)
        ) from None
    return check_batch(vendors, lines=lines)


# ---------------------------------------------------------------------------------------
# Storage
# ---------------------------------------------------------------------------------------


def _record(row: tables.Vendor) -> VendorRecord:
    return VendorRecord(
        vendor_id=row.vendor_id,
        name=row.name,
        aliases=tuple(row.aliases or ()),
        tax_id=row.tax_id,
        iban=row.iban,
        bic=row.bic,
        department=row.department,
        cost_centre=row.cost_centre,
        approver=row.approver,
        active=bool(row.active),
        update_time=_aware(row.update_time),
    )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def _name_keys(vendor: VendorRecord) -> list[str]:
    from docai.services.vendors.resolve import name_keys

    return list(dict.fromkeys(key for n in (vendor.name, *vendor.aliases) for key in name_keys(n)))


def _write(row: tables.Vendor, vendor: VendorRecord) -> None:
    row.name, row.aliases = vendor.name, list(vendor.aliases)
    row.tax_id, row.tax_number = vendor.tax_id, tax_number(vendor.tax_id)
    row.iban, row.bic = vendor.iban, vendor.bic
    row.department, row.cost_centre, row.approver = vendor.department, vendor.cost_centre, vendor.approver
    row.active = vendor.active


def import_vendors(
    db: Database, *, tenant_id: str, vendors: Sequence[VendorRecord], sync: bool = False
) -> ImportResult:
    """Inserts or updates the vendors by ``vendor_id``, in one transaction.

    Args:
        db: The suite's database.
        tenant_id: Whose master.
        vendors: The batch, checked by :func:`check_batch` (or :func:`parse_csv`).
        sync: The batch is the whole master: deactivate the tenant's vendors not in it.

    Raises:
        NotFoundError: ``TENANT_NOT_FOUND``.
        InvalidArgumentError: ``DUPLICATE_VENDOR_ID`` (and any other of :func:`check_batch`).
    """
    vendors = check_batch(vendors)  # idempotent for a checked batch; refuses an unchecked one
    now = tables.utcnow()
    created = updated = unchanged = deactivated = 0
    with db.transaction() as session:
        # Imports of one tenant take turns (on PostgreSQL; SQLite has one writer anyway).
        tenant = session.get(tables.Tenant, tenant_id, with_for_update=not db.is_sqlite)
        if tenant is None:
            raise NotFoundError(f"no tenant {tenant_id}", reason="TENANT_NOT_FOUND", tenant=tenant_id)
        existing = {
            row.vendor_id: row
            for row in session.scalars(select(tables.Vendor).where(tables.Vendor.tenant_id == tenant_id))
        }
        renamed: list[tuple[tables.Vendor, VendorRecord]] = []
        for vendor in vendors:
            row = existing.get(vendor.vendor_id)
            if row is None:
                row = tables.Vendor(tenant_id=tenant_id, vendor_id=vendor.vendor_id, create_time=now, update_time=now)
                _write(row, vendor)
                session.add(row)
                renamed.append((row, vendor))
                created += 1
                continue
            if _record(row) == vendor:
                unchanged += 1
                continue
            names_changed = (row.name, tuple(row.aliases or ())) != (vendor.name, vendor.aliases)
            _write(row, vendor)
            row.update_time = now
            updated += 1
            if names_changed:
                renamed.append((row, vendor))
        if sync:
            batch = {vendor.vendor_id for vendor in vendors}
            for vendor_id, row in existing.items():
                if vendor_id not in batch and row.active:
                    row.active, row.update_time = False, now
                    deactivated += 1
        session.flush()  # the new rows' ids
        stale = [row.id for row, _ in renamed if row.id is not None]
        if stale:
            session.execute(delete(tables.VendorName).where(tables.VendorName.vendor.in_(stale)))
        for row, vendor in renamed:
            session.add_all(
                tables.VendorName(tenant_id=tenant_id, vendor=row.id, name_key=key[:300]) for key in _name_keys(vendor)
            )
    return ImportResult(created, updated, unchanged, deactivated)


def has_master(session: Session, tenant_id: str) -> bool:
    """Whether the tenant imported at least one vendor (active or not)."""
    return session.scalar(select(tables.Vendor.id).where(tables.Vendor.tenant_id == tenant_id).limit(1)) is not None


def get_vendor(db: Database, *, tenant_id: str, vendor_id: str) -> VendorRecord:
    """Raises NotFoundError ``VENDOR_NOT_FOUND`` when the tenant has no such vendor."""
    with db.transaction() as session:
        row = session.scalar(
            select(tables.Vendor).where(tables.Vendor.tenant_id == tenant_id, tables.Vendor.vendor_id == vendor_id)
        )
        if row is None:
            raise NotFoundError(f"vendors/{vendor_id} not found", reason="VENDOR_NOT_FOUND", vendor_id=vendor_id)
        return _record(row)


def records(session: Session, ids: Iterable[int]) -> dict[int, VendorRecord]:
    """Vendor rows by primary key, as records."""
    wanted = list(ids)
    if not wanted:
        return {}
    return {row.id: _record(row) for row in session.scalars(select(tables.Vendor).where(tables.Vendor.id.in_(wanted)))}


def list_vendors(
    db: Database,
    *,
    tenant_id: str,
    name_contains: str = "",
    tax_id: str = "",
    active_only: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[VendorRecord], int]:
    """A page of the tenant's vendors by ``vendor_id``, and how many match in all.

    Args:
        name_contains: Only vendors whose name or an alias contains it, compared normalised (case,
            accents, punctuation and legal forms ignored: "muller" and "Mueller" find "Müller GmbH").
        tax_id: Only vendors with this VAT id, compared compact; without a country prefix, any country.
        active_only: Only active vendors.
    """
    from docai.services.vendors.resolve import compact_tax_id, name_key, simplified

    query = select(tables.Vendor).where(tables.Vendor.tenant_id == tenant_id)
    if active_only:
        query = query.where(tables.Vendor.active.is_(True))
    if tax_id.strip():
        wanted = compact_tax_id(tax_id)
        column = tables.Vendor.tax_id if tax_number(wanted) != wanted else tables.Vendor.tax_number
        query = query.where(column == wanted)
    if name_contains.strip():
        needle = name_key(name_contains) or simplified(name_contains)
        named = select(tables.VendorName.vendor).where(
            tables.VendorName.tenant_id == tenant_id, tables.VendorName.name_key.contains(needle, autoescape=True)
        )
        query = query.where(tables.Vendor.id.in_(named))
    with db.transaction() as session:
        total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
        rows = session.scalars(query.order_by(tables.Vendor.vendor_id).offset(offset).limit(limit))
        return [_record(row) for row in rows], total
