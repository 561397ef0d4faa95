"""SFT data for a brand adapter (task ``brand-<brand>``): sellers' published texts plus synthetic catalogue items.

Feedback becomes data the way corrections do: what a seller accepted or edited, and that
still passes the scorecard, is a prompt-completion pair built with the one prompt builder of
inference (:meth:`FeedbackStore.training_examples`). Every example is keyed by its product
(the normalised title) in :attr:`SFTExample.vendor`, so :func:`build_dataset`'s split by
vendor keeps every held-out product out of training. Each example's ``truth`` holds the
product and the brand, so the description gate can have both adapters describe it again.

Synthetic items come from :func:`generate_catalogue` with seeds offset by
:data:`CATALOGUE_SEED_OFFSET`, a namespace apart from the benchmark's held-out catalogue
(:func:`heldout_catalogue`).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from docai.schemas.product import BrandGuide, Product
from docai.services.common.errors import FailedPreconditionError
from docai.services.generation.prompt import ADAPTER_FEW_SHOT, build_generation_messages
from docai.training.catalogue import generate_catalogue
from docai.training.dataset import DatasetBuild, SFTExample, build_dataset

if TYPE_CHECKING:
    from docai.services.generation.service import DescriptionService

__all__ = [
    "CATALOGUE_SEED_OFFSET",
    "brand_dataset",
    "catalogue_examples",
    "feedback_examples",
    "product_key",
]

CATALOGUE_SEED_OFFSET = 20_000


def product_key(product: Product) -> str:
    """What identifies a product across feedback and catalogue: its title, lower-cased and de-spaced.

    A product without a title is keyed by a hash of its content, so it still lands on one side.
    """
    title = " ".join(product.title.lower().split())
    if title:
        return title
    return "product:" + hashlib.sha256(product.model_dump_json().encode()).hexdigest()[:16]


def _truth(product: Product, brand: BrandGuide) -> dict[str, Any]:
    return {"product": product.model_dump(mode="json"), "brand": brand.id}


def feedback_examples(records: list[dict[str, Any]], brand: BrandGuide) -> list[SFTExample]:
    """Examples from :meth:`FeedbackStore.training_examples` records (already filtered by the scorecard)."""
    examples = []
    for record in records:
        product = Product.model_validate(record["product"])
        examples.append(
            SFTExample(
                prompt=list(record["prompt"]),
                completion=list(record["completion"]),
                vendor=product_key(product),
                source={"kind": "feedback", "description": record["description"], "tenant": record["tenant"]},
                truth=_truth(product, brand),
            )
        )
    return examples


def catalogue_examples(brand: BrandGuide, count: int, *, seed: int = 0) -> list[SFTExample]:
    """``count`` synthetic catalogue examples in ``brand``'s voice (seed ``CATALOGUE_SEED_OFFSET + seed``).

    Raises:
        FailedPreconditionError: ``NO_CATALOGUE_TEMPLATES`` when the catalogue cannot write in ``brand``'s voice.
    """
    catalogue_seed = CATALOGUE_SEED_OFFSET + seed
    examples = []
    for item in generate_catalogue(count, seed=catalogue_seed):
        if brand.id not in item.targets:
            raise FailedPreconditionError(
                f"the synthetic catalogue has no templates for brand {brand.id!r}", reason="NO_CATALOGUE_TEMPLATES"
            )
        examples.append(
            SFTExample(
                prompt=build_generation_messages(item.product, brand, few_shot=ADAPTER_FEW_SHOT),
                completion=[{"role": "assistant", "content": item.targets[brand.id]}],
                vendor=product_key(item.product),
                source={"kind": "catalogue", "seed": catalogue_seed, "item": item.id},
                truth=_truth(item.product, brand),
            )
        )
    return examples


def brand_dataset(
    service: DescriptionService,
    brand_id: str,
    *,
    tenant_id: str,
    synthetic: int = 0,
    seed: int = 0,
    max_reviewer_share: float = 0.5,
) -> DatasetBuild:
    """The tenant's usable feedback for ``brand_id`` plus ``synthetic`` catalogue items, split by product.

    Raises:
        NotFoundError: ``BRAND_NOT_FOUND`` (``brand_id`` as ``tenant_id`` sees it: a shipped brand or its own).
    """
    brand = service.get_brand(brand_id, tenant_id)
    records = service.feedback.training_examples(
        brand, score=lambda text, product: service.score(text, product, brand), tenant_id=tenant_id
    )
    examples = feedback_examples(records, brand)
    if synthetic > 0:
        examples += catalogue_examples(brand, synthetic, seed=seed)
    return build_dataset(examples, max_reviewer_share=max_reviewer_share, seed=seed)
