"""A scripted description model for brand-adapter tests: clean or fact-inventing text per adapter name."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docai.schemas.product import Product
from docai.services.generation.brands import BrandBook
from docai.services.generation.feedback import FeedbackStore
from docai.services.generation.prompt import user_turn
from docai.services.generation.service import DescriptionService
from docai.services.models.backend import GenerationRequest
from docai.services.models.fake_backend import FakeTextGenerator
from docai.training.catalogue import CatalogueItem, generate_catalogue

INVENTED = " Weighs 999 kg."


class ScriptedDescriptions:
    """Answers with the catalogue's nordkraft target of the product in the prompt.

    Adapters named in ``inventing`` (None is the base model) append a made-up weight, which
    fails the scorecard's grounding check.

    Args:
        count: Products of :attr:`products` (distinct titles from a fixed catalogue).
        extra: More catalogue items to answer for (e.g. the benchmark's held-out ones).
    """

    def __init__(self, count: int = 16, *, extra: Sequence[CatalogueItem] = ()) -> None:
        self.brand = BrandBook.load().get("nordkraft")
        self.targets: dict[str, str] = {}  # the prompt's product turn -> the clean description
        self.products: list[Product] = []
        for item in generate_catalogue(4 * count, seed=4242):
            if len(self.products) < count and item.product.title not in {p.title for p in self.products}:
                self.products.append(item.product)
                self.targets[self._turn(item.product)] = item.targets["nordkraft"]
        for item in extra:
            self.targets[self._turn(item.product)] = item.targets["nordkraft"]
        self.inventing: set[str | None] = {None}

    def _turn(self, product: Product) -> str:
        return user_turn(product, self.brand)[0]

    def text(self, product: Product, *, invented: bool = False) -> str:
        """The clean description of ``product`` (or the one with an invented fact)."""
        return self.targets[self._turn(product)] + (INVENTED if invented else "")

    def __call__(self, request: GenerationRequest) -> str:
        return self.targets[request.messages[-1]["content"]] + (INVENTED if request.adapter in self.inventing else "")


def description_service(home: Path, script: ScriptedDescriptions) -> tuple[DescriptionService, FakeTextGenerator]:
    """A DescriptionService on a fake backend driven by ``script``, with feedback under ``home``."""
    backend = FakeTextGenerator(script)
    service = DescriptionService(backend=backend, brands=BrandBook.load(), feedback=FeedbackStore(home / "feedback"))
    return service, backend
