"""Champion vs challenger for a brand adapter: promoted only when it writes measurably better, without inventing more.

Both adapters describe every held-out product through the service's own path (the prompt
builder, guarded decoding, the scorecard), so the gate measures what sellers would get. A
product scores the description's voice score when its scorecard passed, else 0: an invented
fact or a banned word costs the whole product. The challenger passes when

1. a paired bootstrap over products puts the lower bound of the 95% interval of the per-product
   score difference (challenger minus champion) above 0; and
2. grounding violations (``ungrounded_*``) per 100 descriptions do not rise: a more on-voice
   adapter that makes up a few more facts is refused.

When the brand has no champion yet, the base model with the brand's style prompt is the champion.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from docai.schemas.product import Description, Product, Scorecard
from docai.training.gate import GateReport
from docai.training.scoring import paired_bootstrap

if TYPE_CHECKING:
    from docai.services.generation.service import DescriptionService

__all__ = ["GateProduct", "compare_descriptions", "describe", "heldout_products", "run_description_gate"]

GATE_TENANT = "training-gate"


@dataclass(frozen=True)
class GateProduct:
    """One product both adapters describe, under a key unique in the gate."""

    key: str
    product: Product


def heldout_products(examples: Iterable[Any]) -> list[GateProduct]:
    """Gate products from held-out :class:`~docai.training.dataset.SFTExample` s (``truth["product"]``)."""
    out = []
    for index, example in enumerate(examples):
        product = Product.model_validate(example.truth["product"])
        out.append(GateProduct(key=f"heldout/{index}/{example.vendor}", product=product))
    return out


def describe(
    service: DescriptionService,
    brand_id: str,
    adapter: str | None,
    products: Sequence[GateProduct],
    *,
    on_product: Callable[[int, int], None] | None = None,
    brand_tenant: str = "",
) -> dict[str, Scorecard]:
    """Each product's scorecard when ``adapter`` describes it.

    None is the brand's usual choice: the base model with the style prompt while the brand has
    no champion. Descriptions are remembered under a tenant of their own, apart from sellers'.
    ``brand_tenant`` owns the brand when it is a tenant's own. They run in the engine's pipeline
    lane: sellers' descriptions go first.
    """
    out: dict[str, Scorecard] = {}
    for index, item in enumerate(products):
        prepared = service.prepare(
            item.product, brand_id=brand_id, adapter=adapter, lane="pipeline", brand_tenant=brand_tenant
        )
        result = None
        for item_or_piece in service.run(prepared, tenant_id=GATE_TENANT):
            result = item_or_piece
        assert isinstance(result, Description)
        out[item.key] = result.scorecard
        if on_product is not None:
            on_product(index + 1, len(products))
    return out


def _score(card: Scorecard) -> float:
    return card.voice_score if card.passed else 0.0


def _grounding_violations(card: Scorecard) -> int:
    return sum(1 for v in card.violations if v.kind.startswith("ungrounded_"))


def _summary(cards: Sequence[Scorecard]) -> dict[str, float]:
    n = len(cards)
    return {
        "mean_score": sum(map(_score, cards)) / n,
        "pass_rate": sum(card.passed for card in cards) / n,
        "grounding_violations_per_100": 100 * sum(map(_grounding_violations, cards)) / n,
        "mean_voice_score": sum(card.voice_score for card in cards) / n,
    }


def compare_descriptions(
    champion: Mapping[str, Scorecard], challenger: Mapping[str, Scorecard], *, samples: int = 2000, seed: int = 0
) -> GateReport:
    """Decide from both adapters' scorecards on the same products (keys of ``champion``).

    Keys like ``heldout/...`` and ``catalogue/...`` are counted per set in ``documents``.

    Returns:
        The report (``metric`` is ``mean_score``); ``promote`` says the decision.
    """
    keys = list(champion)
    if not keys:
        return GateReport(
            promote=False, reasons=["NO_DOCUMENTS: no held-out products to compare on"], metric="mean_score"
        )
    before, after = [champion[k] for k in keys], [challenger[k] for k in keys]
    boot = paired_bootstrap([_score(c) for c in before], [_score(c) for c in after], samples=samples, seed=seed)
    champ, chall = _summary(before), _summary(after)
    reasons: list[str] = []
    if not boot["ci_low"] > 0:
        reasons.append(
            f"NOT_BETTER: the 95% interval of the score difference starts at {boot['ci_low']:+.4f}, not above 0"
        )
    was, now = champ["grounding_violations_per_100"], chall["grounding_violations_per_100"]
    if now > was + 1e-9:
        reasons.append(f"MORE_INVENTED_FACTS: grounding violations per 100 descriptions {was:.1f} -> {now:.1f}")
    return GateReport(
        promote=not reasons,
        reasons=reasons,
        champion=champ,
        challenger=chall,
        bootstrap=boot,
        documents={"total": len(keys), **Counter(k.split("/", 1)[0] for k in keys if "/" in k)},
        metric="mean_score",
    )


def run_description_gate(
    service: DescriptionService,
    *,
    brand_id: str,
    champion: str | None,
    challenger: str,
    products: Sequence[GateProduct],
    samples: int = 2000,
    seed: int = 0,
    on_product: Callable[[int, int], None] | None = None,
    brand_tenant: str = "",
) -> GateReport:
    """Have both adapters describe every product and decide (see :func:`compare_descriptions`).

    Args:
        service: The description service, on a backend with both adapters loaded.
        brand_id: The brand.
        champion: The champion's loaded name; None means the base model with the style prompt.
        challenger: The challenger's loaded name.
        products: The held-out products.
        samples: Bootstrap resamples.
        seed: Bootstrap seed.
        on_product: Progress callback ``(done, total)`` over both adapters' descriptions.
        brand_tenant: The tenant whose own brand ``brand_id`` is ("" for a shipped brand).
    """
    total = 2 * len(products)

    def progress(offset: int) -> Callable[[int, int], None] | None:
        return None if on_product is None else (lambda done, _: on_product(offset + done, total))

    before = describe(service, brand_id, champion, products, on_product=progress(0), brand_tenant=brand_tenant)
    after = describe(
        service, brand_id, challenger, products, on_product=progress(len(products)), brand_tenant=brand_tenant
    )
    return compare_descriptions(before, after, samples=samples, seed=seed)
