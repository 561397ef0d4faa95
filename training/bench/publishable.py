"""Publishable text (issue 16): the brand descriptions before and after, side by side, in one run.

Every held-out product (:func:`docai.training.catalogue.heldout_catalogue`, a seed namespace no
training or calibration text comes from) is described for every brand by each system:

- ``before``: what was served before issue 16: the adapters of ``--before`` (loaded as
  ``brand-<brand>@before``), the prompt without the ``Must mention:`` line, the guard without
  the fluency checks, one streamed attempt;
- ``after``: what is served now: the adapters of ``--after`` (``brand-<brand>@after``), the
  prompt with the required facts listed, the guard with the fluency and slip checks, the grounded
  repair (dropped required facts appended, :mod:`.repair`) and, for a non-streamed description,
  the service's retries (``GenerationLimits().retries``) when the scorecard fails;
- ``after-stream``: the same first attempt without retries (a streamed description: repaired by
  appending only).

Every text is scored by the same, current scorecard (fluency with the base model's likelihood,
required facts as a hard check); ``old_checks_passed`` is what the scorecard of before issue 16
said (no fluency, the old required facts). The report has the figures and every text, and
``--sheet`` writes a blind-read sheet: the texts of all systems shuffled, with the product's
facts and no system name, plus a separate key (see ``docs/description-blind-read.md``).

Run: ``python -m docai.training.bench.publishable --before var/issue16/before --after adapters``;
``--seed N`` takes the products from another held-out seed namespace (``heldout_catalogue(n,
seed=N)``, catalogue seed ``1_000_003 + N``): seed 0 (rounds 1-4) holds the adapters' held-out
split, so round 5 uses seed 5, which no training, calibration or earlier bench text comes from.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from docai.schemas.product import BrandGuide, Description, Product
from docai.services.generation.brands import BrandBook
from docai.services.generation.feedback import FeedbackStore
from docai.services.generation.prompt import ADAPTER_FEW_SHOT, build_generation_messages
from docai.services.generation.scorecard import _mentions, grounding_guard, required_facts, score_description
from docai.services.generation.service import DescriptionService, GenerationLimits, adapter_name
from docai.training.catalogue import heldout_catalogue

__all__ = ["OLD_REQUIRED_FACTS", "main", "run", "tally", "write_sheet"]

# The brands' required facts before issue 16 (services/generation/brand_books/*.yaml then).
OLD_REQUIRED_FACTS = {"nordkraft": ("material", "weight"), "sunny-days": ("colour",)}
SYSTEMS = ("before", "after-stream", "after")


def _describe(
    service: DescriptionService, product: Product, brand: BrandGuide, system: str
) -> tuple[Description, float]:
    started = time.perf_counter()
    tenant = "before" if system == "before" else "after"
    if system == "after":
        description = service.generate(product, brand_id=brand.id, tenant_id=tenant)
        return description, time.perf_counter() - started
    prepared = service.prepare(product, brand_id=brand.id, tenant_id=tenant)
    if system == "before":
        messages = build_generation_messages(product, brand, few_shot=ADAPTER_FEW_SHOT, list_required=False)
        guard = grounding_guard(product, brand, raw_text_used=prepared.raw.text)
        prepared = replace(prepared, request=replace(prepared.request, messages=messages, guard=guard))
    result = None
    for item in service.run(prepared, tenant_id=tenant, repair=system != "before"):
        result = item
    assert isinstance(result, Description)
    return result, time.perf_counter() - started


def _row(service: DescriptionService, product: Product, brand: BrandGuide, system: str, item_id: str) -> dict[str, Any]:
    description, seconds = _describe(service, product, brand, system)
    text = description.text
    card = service.score(text, product, brand)  # the current scorecard, the same for every system
    old_brand = brand.model_copy(update={"required_facts": OLD_REQUIRED_FACTS.get(brand.id, brand.required_facts)})
    old = score_description(text, product=product, brand=old_brand)
    facts = required_facts(product, brand)
    said = sum(_mentions(text.replace(product.title, " "), value) for _, value in facts)
    return {
        "item": item_id,
        "brand": brand.id,
        "system": system,
        "adapter": description.adapter,
        "text": text,
        "product": {
            "title": product.title,
            "category": product.category,
            "attributes": {a.key: a.value for a in product.attributes},
        },
        "passed": card.passed,
        "old_checks_passed": old.passed,
        # What the service changed (repair.py): its warnings, "" when it wrote the text alone.
        "repaired": "; ".join(v.detail for v in description.scorecard.violations if "the service" in v.detail),
        "errors": [f"{v.kind}:{v.span or v.detail}" for v in card.errors()],
        "fluency": card.fluency,
        "fluency_errors": sum(v.kind == "fluency" for v in card.errors()),
        "required": len(facts),
        "required_said": said,
        "voice": card.voice_score,
        "words": card.word_count,
        "seconds": round(seconds, 2),
    }


def _summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    scored = [r["fluency"] for r in rows if r["fluency"] is not None]
    required = sum(r["required"] for r in rows)
    return {
        "descriptions": len(rows),
        "scorecard_passed": round(sum(r["passed"] for r in rows) / len(rows), 3),
        "old_checks_passed": round(sum(r["old_checks_passed"] for r in rows) / len(rows), 3),
        "fluency_mean_logprob": round(statistics.fmean(scored), 3) if scored else None,
        "fluency_failed": round(sum(r["fluency_errors"] > 0 for r in rows) / len(rows), 3),
        "repaired": round(sum(bool(r.get("repaired")) for r in rows) / len(rows), 3),
        "required_fact_recall": round(sum(r["required_said"] for r in rows) / required, 3) if required else None,
        "voice_mean": round(statistics.fmean(r["voice"] for r in rows), 3),
        "words_mean": round(statistics.fmean(r["words"] for r in rows), 1),
        "seconds_mean": round(statistics.fmean(r["seconds"] for r in rows), 2),
    }


def run(
    backend: Any, *, brands: BrandBook, products: int = 20, seed: int = 0, systems: Sequence[str] = SYSTEMS
) -> dict[str, Any]:
    """Describe ``products`` held-out products for every brand with every system; figures and texts."""
    items = heldout_catalogue(products, seed=seed)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        service = DescriptionService(
            backend=backend, brands=brands, feedback=FeedbackStore(Path(scratch)), limits=GenerationLimits()
        )
        for brand in brands.list():
            for item in items:
                for system in systems:
                    rows.append(_row(service, item.product, brand, system, item.id))
    figures = {
        system: {
            brand.id: _summary([r for r in rows if r["system"] == system and r["brand"] == brand.id])
            for brand in brands.list()
        }
        | {"all": _summary([r for r in rows if r["system"] == system])}
        for system in systems
    }
    return {"products": products, "seed": seed, "model": backend.model_name, "figures": figures, "rows": rows}


def write_sheet(
    rows: Sequence[dict[str, Any]],
    sheet: Path,
    key: Path,
    *,
    seed: int = 16,
    systems: Sequence[str] = ("before", "after"),
) -> None:
    """A blind-read sheet (texts of ``systems`` shuffled, no system named) and its key (sheet id -> system).

    ``after-stream`` is left out by default: where no retry happened it is the same text as
    ``after``, and a reader who sees the same words twice could tell the systems apart.
    """
    order = [row for row in rows if row["system"] in systems]
    random.Random(seed).shuffle(order)
    entries, keys = [], {}
    for number, row in enumerate(order, start=1):
        sid = f"d{number:03d}"
        entries.append({"id": sid, "brand": row["brand"], "product": row["product"], "text": row["text"]})
        keys[sid] = {"system": row["system"], "item": row["item"], "brand": row["brand"]}
    sheet.write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    key.write_text(json.dumps(keys, indent=1) + "\n", encoding="utf-8")


def tally(judgments: Sequence[dict[str, Any]], key: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Publishable share per system and brand from a blind read (``[{"id", "publishable", "reason"}]``)."""
    counts: dict[str, dict[str, list[int]]] = {}
    for judgment in judgments:
        entry = key[judgment["id"]]
        for brand in (entry["brand"], "all"):
            pair = counts.setdefault(entry["system"], {}).setdefault(brand, [0, 0])
            pair[0] += bool(judgment["publishable"])
            pair[1] += 1
    return {
        system: {
            brand: {"publishable": n, "read": total, "share": round(n / total, 3)} for brand, (n, total) in by.items()
        }
        for system, by in counts.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the before/after benchmark on the default engine."""
    from docai.services.common.settings import Settings
    from docai.services.models.base_model import ensure_base_model
    from docai.services.models.engines import create_backend

    parser = argparse.ArgumentParser(prog="python -m docai.training.bench.publishable", description=main.__doc__)
    parser.add_argument("--before", type=Path, required=True, help="directory with the old brand-<brand> adapters")
    parser.add_argument(
        "--after", type=Path, default=Path("adapters"), help="directory with the new brand-<brand> adapters"
    )
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="held-out seed namespace (heldout_catalogue(products, seed=SEED)); 0 is the one of rounds 1-4 and of "
        "the adapters' held-out split, pick another for products nobody has looked at",
    )
    parser.add_argument("--sheet-seed", type=int, default=2026, help="shuffle of the blind-read sheet")
    parser.add_argument("--backend", default="onnx")
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sheet", type=Path, default=None, help="blind-read sheet to write (and --key)")
    parser.add_argument("--key", type=Path, default=None)
    args = parser.parse_args(argv)
    settings = Settings()
    model_dir = ensure_base_model(cache_dir=settings.model_cache, source=settings.base_model or None)
    backend: Any = create_backend(args.backend, model_dir=model_dir)
    brands = BrandBook.load()
    for brand in brands.list():
        backend.load_adapter(f"{adapter_name(brand.id)}@before", args.before / adapter_name(brand.id))
        backend.load_adapter(f"{adapter_name(brand.id)}@after", args.after / adapter_name(brand.id))
    started = time.perf_counter()
    report = run(backend, brands=brands, products=args.products, seed=args.seed, systems=tuple(args.systems.split(",")))
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["engine"] = f"{args.backend} {getattr(backend, 'precision', '')}".strip()
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.sheet is not None and args.key is not None:
        write_sheet(report["rows"], args.sheet, args.key, seed=args.sheet_seed)
    print(json.dumps(report["figures"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
