"""The brands descriptions can be written for: style guides loaded from YAML files.

The shipped brands live in ``training/brands/*.yaml`` (one file per brand, see
``nordkraft.yaml``); a deployment may add a directory of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from docai.schemas.product import BrandExample, BrandGuide, Product, ProductAttribute
from docai.services.common.errors import FailedPreconditionError, NotFoundError


def shipped_brands_dir() -> Path:
    """The directory of the brands shipped with docai (``training/brands``)."""
    import docai.training

    return Path(docai.training.__file__).resolve().parent / "brands"


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
