"""The brands descriptions can be written for: shipped style guides and each tenant's own.

The shipped brands live in ``services/generation/brand_books/*.yaml`` (one file per brand, see
``nordkraft.yaml``); a deployment may add a directory of its own. Every tenant sees them, as
read-only examples.

A tenant's own brands (CreateBrand, UpdateBrand, DeleteBrand) are rows of the ``tenant_brands``
table (:class:`TenantBrands`), seen and changed by that tenant only. Their ids never take a
shipped brand's, so ``brands/{brand}`` names one brand in each tenant's view.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from docai.schemas.product import BrandExample, BrandGuide, Product, ProductAttribute
from docai.services.common.errors import (
    AbortedError,
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)


def shipped_brands_dir() -> Path:
    """The directory of the brands shipped with docai (``services/generation/brand_books``)."""
    return Path(__file__).resolve().parent / "brand_books"


def product_from_mapping(data: dict[str, Any]) -> Product:
    """A product from YAML/JSON-like data whose ``attributes`` is a mapping or a list of pairs."""
    attributes = data.get("attributes") or {}
    pairs = attributes.items() if isinstance(attributes, dict) else [(a["key"], a["value"]) for a in attributes]
    return Product(
        **{k: v for k, v in data.items() if k != "attributes"},
        attributes=tuple(ProductAttribute(key=str(k), value=str(v)) for k, v in pairs),
    )


def load_brand(path: Path) -> BrandGuide:
    """Read one brand file.

    Raises:
        FailedPreconditionError: The file is not a valid brand (reason ``INVALID_BRAND``).
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        examples = tuple(
            BrandExample(product=product_from_mapping(e["product"]), description=" ".join(e["description"].split()))
            for e in data.pop("examples", None) or ()
        )
        return BrandGuide(**data, examples=examples)
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise FailedPreconditionError(f"brand file {Path(path).name} is invalid", reason="INVALID_BRAND") from exc


class BrandBook:
    """Brands by id. Read-only after construction, so safe to share between threads.

    Example:
        >>> book = BrandBook.load()
        >>> book.get("nordkraft").display_name
        'Nordkraft'
    """

    def __init__(self, brands: Iterable[BrandGuide]) -> None:
        self._brands = {brand.id: brand for brand in brands}

    @classmethod
    def load(cls, *directories: Path) -> BrandBook:
        """Load every ``*.yaml`` in the directories (default: the shipped brands); later files win."""
        found: list[BrandGuide] = []
        for directory in directories or (shipped_brands_dir(),):
            found += [load_brand(path) for path in sorted(Path(directory).glob("*.yaml"))]
        return cls(found)

    def get(self, brand_id: str) -> BrandGuide:
        """The brand ``brand_id``.

        Raises:
            NotFoundError: No such brand (reason ``BRAND_NOT_FOUND``).
        """
        brand = self._brands.get(brand_id)
        if brand is None:
            raise NotFoundError(f"brand {brand_id!r} does not exist", reason="BRAND_NOT_FOUND", brand=brand_id)
        return brand

    def list(self) -> list[BrandGuide]:
        """Every brand, ordered by id."""
        return [self._brands[k] for k in sorted(self._brands)]


# -- tenants' own brands -------------------------------------------------------------------

# 2 to 50 characters: the adapter task ``brand-<id>`` must stay a valid task name.
TENANT_BRAND_ID = re.compile(r"^[a-z][a-z0-9-]{0,48}[a-z0-9]$")
_FACT_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,59}$")
MAX_TARGET_WORDS = 400
# What a brand may hold: (most items, longest item in characters).
LIMITS: dict[str, tuple[int, int]] = {
    "display_name": (1, 100),
    "voice": (1, 2000),
    "rules": (20, 300),
    "banned_words": (200, 60),
    "banned_claims": (100, 200),
    "required_facts": (30, 60),
    "examples": (20, 2000),
}
# The fields UpdateBrand may change (its update_mask paths).
UPDATABLE = (
    "display_name",
    "voice",
    "rules",
    "banned_words",
    "banned_claims",
    "required_facts",
    "target_words",
    "max_exclamations",
    "min_exclamations",
    "second_person",
    "examples",
)


@dataclass(frozen=True, slots=True)
class StoredBrand:
    """A brand as a tenant sees it: the guide and, for a tenant's own, when and at which revision.

    Attributes:
        guide: The brand's voice and rules.
        tenant_id: The tenant that owns it; "" for a shipped (read-only) brand.
        revision: Bumped by every update (0 for shipped brands).
        create_time: When it was created (None for shipped brands).
        update_time: When it last changed.
    """

    guide: BrandGuide
    tenant_id: str = ""
    revision: int = 0
    create_time: dt.datetime | None = None
    update_time: dt.datetime | None = None

    @property
    def read_only(self) -> bool:
        return not self.tenant_id

    @property
    def etag(self) -> str:
        return f"r{self.revision}" if self.tenant_id else ""


def _invalid(message: str, reason: str, field: str) -> InvalidArgumentError:
    return InvalidArgumentError(message, reason=reason, field=field)


def _clean_items(values: Sequence[str], field: str) -> tuple[str, ...]:
    """Stripped, de-duplicated (case-insensitively), within :data:`LIMITS`."""
    most, longest = LIMITS[field]
    out: list[str] = []
    for index, value in enumerate(values):
        text = " ".join(str(value).split())
        if not text:
            raise _invalid(f"{field}[{index}] is empty", "EMPTY_ITEM", f"{field}[{index}]")
        if len(text) > longest:
            raise _invalid(
                f"{field}[{index}] is longer than {longest} characters", "FIELD_TOO_LONG", f"{field}[{index}]"
            )
        if text.lower() not in (o.lower() for o in out):
            out.append(text)
    if len(out) > most:
        raise _invalid(f"a brand has at most {most} {field}", "TOO_MANY_ITEMS", field)
    return tuple(out)


def _text(value: str, field: str) -> str:
    text = " ".join(str(value).split())
    if not text:
        raise _invalid(f"{field} is required", "MISSING_FIELD", field)
    if len(text) > LIMITS[field][1]:
        raise _invalid(f"{field} is longer than {LIMITS[field][1]} characters", "FIELD_TOO_LONG", field)
    return text


def _uses(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text, re.IGNORECASE) is not None


def validate_brand(brand_id: str, fields: dict[str, Any]) -> BrandGuide:
    """A tenant brand's guide from the caller's fields, or INVALID_ARGUMENT with the reason and field.

    Args:
        brand_id: The id (``brands/{brand_id}``).
        fields: The :data:`UPDATABLE` fields; ``examples`` as :class:`BrandExample` s.

    Raises:
        InvalidArgumentError: ``INVALID_BRAND_ID``, ``MISSING_FIELD``, ``FIELD_TOO_LONG``, ``EMPTY_ITEM``,
            ``TOO_MANY_ITEMS``, ``INVALID_FACT_KEY``, ``INVALID_TARGET``, ``INVALID_STYLE`` or
            ``INVALID_EXAMPLE`` (an example without product or text, or one that breaks the brand's own
            banned words and claims: few-shot prompts and the voice classifier learn from them).
    """
    if not brand_id:
        raise _invalid("brand_id is required", "MISSING_FIELD", "brand_id")
    if not TENANT_BRAND_ID.match(brand_id):
        raise _invalid(
            "brand_id must be 2 to 50 lower-case letters, digits or hyphens, starting with a letter and not "
            "ending with a hyphen",
            "INVALID_BRAND_ID",
            "brand_id",
        )
    rules = _clean_items(fields.get("rules", ()), "rules")
    banned_words = _clean_items(fields.get("banned_words", ()), "banned_words")
    banned_claims = _clean_items(fields.get("banned_claims", ()), "banned_claims")
    required = _clean_items(fields.get("required_facts", ()), "required_facts")
    for index, key in enumerate(required):
        if not _FACT_KEY.match(key):
            raise _invalid(
                f"required_facts[{index}] must be an attribute key such as 'material' or 'blade length'",
                "INVALID_FACT_KEY",
                f"required_facts[{index}]",
            )
    target = int(fields.get("target_words") or 0) or 40
    if not 5 <= target <= MAX_TARGET_WORDS:
        raise _invalid(
            f"target_words must be 5 to {MAX_TARGET_WORDS} (0 for the default, 40)", "INVALID_TARGET", "target_words"
        )
    most = int(fields.get("max_exclamations") or 0)
    least = int(fields.get("min_exclamations") or 0)
    if not (0 <= least <= 10 and 0 <= most <= 10) or (most and least > most):
        raise _invalid(
            "exclamation marks: 0 to 10, and min_exclamations at most max_exclamations",
            "INVALID_STYLE",
            "min_exclamations",
        )
    examples = tuple(fields.get("examples", ()))
    if len(examples) > LIMITS["examples"][0]:
        raise _invalid(f"a brand has at most {LIMITS['examples'][0]} examples", "TOO_MANY_ITEMS", "examples")
    cleaned: list[BrandExample] = []
    for index, example in enumerate(examples):
        field = f"examples[{index}]"
        text = " ".join(example.description.split())
        if example.product.is_empty() or not text:
            raise _invalid(f"{field} needs a product and its description", "INVALID_EXAMPLE", field)
        if len(text) > LIMITS["examples"][1]:
            raise _invalid(
                f"{field}.description is longer than {LIMITS['examples'][1]} characters",
                "FIELD_TOO_LONG",
                f"{field}.description",
            )
        broken = next((w for w in (*banned_words, *banned_claims) if _uses(text, w)), None)
        if broken is not None:
            raise _invalid(f"{field} uses {broken!r}, which the brand bans", "INVALID_EXAMPLE", field)
        cleaned.append(BrandExample(product=example.product, description=text))
    try:
        return BrandGuide(
            id=brand_id,
            display_name=_text(fields.get("display_name", ""), "display_name"),
            voice=_text(fields.get("voice", ""), "voice"),
            rules=rules,
            banned_words=banned_words,
            banned_claims=banned_claims,
            required_facts=required,
            target_words=target,
            max_exclamations=most,
            min_exclamations=least,
            second_person=bool(fields.get("second_person", False)),
            examples=tuple(cleaned),
        )
    except ValidationError as exc:  # the checks above cover the schema; this is a backstop
        raise _invalid("the brand is invalid", "INVALID_BRAND", "brand") from exc


def guide_fields(guide: BrandGuide) -> dict[str, Any]:
    """The :data:`UPDATABLE` fields of ``guide`` (what an update starts from)."""
    return {name: getattr(guide, name) for name in UPDATABLE}


class TenantBrands:
    """Tenants' own brands in the database. Thread-safe (one transaction per call).

    Args:
        db: The database (``docai.services.storage.database.Database``).
    """

    def __init__(self, db: Any) -> None:
        self.db = db

    @staticmethod
    def _stored(row: Any) -> StoredBrand:
        return StoredBrand(
            guide=BrandGuide.model_validate(row.guide),
            tenant_id=row.tenant_id,
            revision=row.revision,
            create_time=_aware(row.create_time),
            update_time=_aware(row.update_time),
        )

    def get(self, tenant_id: str, brand_id: str) -> StoredBrand | None:
        """The tenant's brand ``brand_id``, or None."""
        from docai.services.storage import tables

        if not tenant_id:
            return None
        with self.db.transaction() as session:
            row = session.execute(
                select(tables.TenantBrand).where(
                    tables.TenantBrand.tenant_id == tenant_id, tables.TenantBrand.brand_id == brand_id
                )
            ).scalar_one_or_none()
            return self._stored(row) if row is not None else None

    def of_tenant(self, tenant_id: str) -> list[StoredBrand]:
        """The tenant's brands, by id."""
        from docai.services.storage import tables

        if not tenant_id:
            return []
        with self.db.transaction() as session:
            rows = (
                session.execute(
                    select(tables.TenantBrand)
                    .where(tables.TenantBrand.tenant_id == tenant_id)
                    .order_by(tables.TenantBrand.brand_id)
                )
                .scalars()
                .all()
            )
            return [self._stored(row) for row in rows]

    def all(self) -> list[StoredBrand]:
        """Every tenant's brands (to serve their adapters at start)."""
        from docai.services.storage import tables

        with self.db.transaction() as session:
            rows = session.execute(select(tables.TenantBrand).order_by(tables.TenantBrand.id)).scalars().all()
            return [self._stored(row) for row in rows]

    def create(self, tenant_id: str, guide: BrandGuide) -> StoredBrand:
        """Store a new brand.

        Raises:
            AlreadyExistsError: ``BRAND_EXISTS`` (the tenant has a brand with this id).
        """
        from docai.services.storage import tables

        now = dt.datetime.now(dt.UTC)
        try:
            with self.db.transaction() as session:
                session.add(
                    tables.TenantBrand(
                        tenant_id=tenant_id,
                        brand_id=guide.id,
                        guide=guide.model_dump(mode="json"),
                        revision=1,
                        create_time=now,
                        update_time=now,
                    )
                )
        except IntegrityError as exc:
            raise AlreadyExistsError(
                f"brand {guide.id!r} exists already", reason="BRAND_EXISTS", brand=guide.id
            ) from exc
        return StoredBrand(guide=guide, tenant_id=tenant_id, revision=1, create_time=now, update_time=now)

    def update(self, tenant_id: str, guide: BrandGuide, *, etag: str = "") -> StoredBrand:
        """Replace a brand's guide (``guide.id`` names it).

        Raises:
            NotFoundError: ``BRAND_NOT_FOUND``.
            AbortedError: ``STALE_ETAG`` when ``etag`` is given and the brand changed since.
        """
        from docai.services.storage import tables

        with self.db.transaction() as session:
            row = session.execute(
                select(tables.TenantBrand).where(
                    tables.TenantBrand.tenant_id == tenant_id, tables.TenantBrand.brand_id == guide.id
                )
            ).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"brand {guide.id!r} does not exist", reason="BRAND_NOT_FOUND", brand=guide.id)
            if etag and etag != f"r{row.revision}":
                raise AbortedError("the brand changed since it was read; read it again", reason="STALE_ETAG")
            row.guide = guide.model_dump(mode="json")
            row.revision += 1
            row.update_time = dt.datetime.now(dt.UTC)
            session.flush()
            return self._stored(row)

    def delete(self, tenant_id: str, brand_id: str, *, etag: str = "") -> StoredBrand:
        """Delete a brand; returns what it was.

        Raises:
            NotFoundError: ``BRAND_NOT_FOUND``.
            AbortedError: ``STALE_ETAG``.
        """
        from docai.services.storage import tables

        with self.db.transaction() as session:
            row = session.execute(
                select(tables.TenantBrand).where(
                    tables.TenantBrand.tenant_id == tenant_id, tables.TenantBrand.brand_id == brand_id
                )
            ).scalar_one_or_none()
            if row is None:
                raise NotFoundError(f"brand {brand_id!r} does not exist", reason="BRAND_NOT_FOUND", brand=brand_id)
            if etag and etag != f"r{row.revision}":
                raise AbortedError("the brand changed since it was read; read it again", reason="STALE_ETAG")
            stored = self._stored(row)
            session.delete(row)
            return stored


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands timestamps back naive; they were written in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
