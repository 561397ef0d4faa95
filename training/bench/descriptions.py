"""Benchmark of description generation: base model + style prompt versus the brand adapters.

On a held-out synthetic catalogue (:func:`docai.training.catalogue.heldout_catalogue`, a seed
namespace no training data comes from) every mode writes one description per product and
brand through the real service path (prompt builder, streaming, scorecard), and reports:

- grounding violations per 100 descriptions, and the share of fully grounded ones;
- length compliance, and the rate of descriptions with a banned word or claim;
- brand-voice score: a character n-gram classifier (:mod:`.voice`) trained on the brands'
  example descriptions and the catalogue's *training* targets, never on the texts scored;
  its accuracy on the held-out reference targets is reported as a sanity check;
- time to first piece and tokens per second while streaming (guarded decoding holds the last
  words back, so its pieces are bigger and its first piece later);
- throughput of the same requests (every product for both brands) sent brand by brand versus
  interleaved, so the difference is the cost of switching adapters.

Run: ``python -m docai.training.bench.descriptions --products 10 --max-new-tokens 80``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docai.schemas.product import Description, Product
from docai.services.generation.brands import BrandBook
from docai.services.generation.feedback import FeedbackStore
from docai.services.generation.service import DescriptionService, GenerationLimits, adapter_name
from docai.services.generation.voice import VoiceClassifier
from docai.services.models.backend import TextGenerator
from docai.training.catalogue import generate_catalogue, heldout_catalogue


@dataclass(frozen=True)
class BenchConfig:
    """What to run.

    Attributes:
        products: Held-out products per brand.
        max_new_tokens: Ceiling on generated tokens per description.
        seed: Catalogue seed.
        brands: Brand ids to benchmark.
        throughput_requests: Products in each throughput run (each described for every brand).
        voice_training_items: Catalogue training items whose targets train the voice classifier.
    """

    products: int = 10
    max_new_tokens: int = 80
    seed: int = 0
    brands: tuple[str, ...] = ("nordkraft", "sunny-days")
    throughput_requests: int = 4
    voice_training_items: int = 160


@dataclass(frozen=True)
class _Run:
    description: Description
    ttft_s: float
    total_s: float
    pieces: int
    tokens: int


def _tokens(backend: TextGenerator, text: str) -> int:
    count = getattr(backend, "count_tokens", None)  # the in-process backend has the tokenizer
    return int(count(text)) if count is not None else len(text.split())


def _stream(service: DescriptionService, product: Product, brand_id: str) -> _Run:
    started = time.perf_counter()
    first: float | None = None
    pieces = 0
    result: Description | None = None
    for item in service.run(service.prepare(product, brand_id=brand_id), tenant_id="bench"):
        if isinstance(item, Description):
            result = item
        else:
            pieces += 1
            first = first if first is not None else time.perf_counter() - started
    assert result is not None
    return _Run(result, first or 0.0, time.perf_counter() - started, pieces, _tokens(service.backend, result.text))


def _summary(runs: list[_Run], voice: VoiceClassifier) -> dict[str, Any]:
    n = len(runs)
    cards = [r.description.scorecard for r in runs]
    ungrounded = sum(1 for c in cards for v in c.violations if v.kind.startswith("ungrounded_"))
    banned = sum(1 for c in cards if any(v.kind in ("banned_claim", "banned_word") for v in c.violations))
    decode = [r.tokens / (r.total_s - r.ttft_s) for r in runs if r.pieces > 1 and r.total_s > r.ttft_s]
    return {
        "descriptions": n,
        "grounding_violations_per_100": round(100 * ungrounded / n, 1),
        "grounded_rate": round(sum(c.grounded for c in cards) / n, 3),
        "passed_rate": round(sum(c.passed for c in cards) / n, 3),
        "length_ok_rate": round(sum(c.length_ok for c in cards) / n, 3),
        "banned_rate": round(banned / n, 3),
        "voice_score_mean": round(
            statistics.fmean(voice.score(r.description.text, r.description.brand) for r in runs), 3
        ),
        "voice_accuracy": round(sum(voice.predict(r.description.text) == r.description.brand for r in runs) / n, 3),
        "ttft_s_p50": round(statistics.median(r.ttft_s for r in runs), 3),
        "tokens_per_s_mean": round(statistics.fmean(decode), 1) if decode else 0.0,
        "words_mean": round(statistics.fmean(c.word_count for c in cards), 1),
    }


def _throughput(service: DescriptionService, requests: list[tuple[str, Product]]) -> dict[str, Any]:
    started = time.perf_counter()
    tokens = sum(_stream(service, product, brand_id).tokens for brand_id, product in requests)
    elapsed = time.perf_counter() - started
    return {
        "requests": len(requests),
        "seconds": round(elapsed, 2),
        "descriptions_per_min": round(60 * len(requests) / elapsed, 2),
        "tokens_per_s": round(tokens / elapsed, 1),
    }


def train_voice(brands: BrandBook, *, brand_ids: Sequence[str], items: int, seed: int) -> VoiceClassifier:
    """The voice classifier of the benchmark: brand examples plus catalogue training targets."""
    texts: list[str] = []
    labels: list[str] = []
    for brand_id in brand_ids:
        texts += [e.description for e in brands.get(brand_id).examples]
        labels += [brand_id] * len(brands.get(brand_id).examples)
    for item in generate_catalogue(items, seed=seed):
        for brand_id in brand_ids:
            texts.append(item.targets[brand_id])
            labels.append(brand_id)
    return VoiceClassifier.fit(texts, labels)


def run_benchmark(
    backend: TextGenerator, *, brands: BrandBook | None = None, config: BenchConfig = BenchConfig()
) -> dict[str, Any]:
    """Run every mode the backend supports and return the figures (see the module docstring).

    Args:
        backend: The model; its loaded ``brand-<brand>`` adapters enable the adapter mode.
        brands: The brands (default: the shipped ones).
        config: Sizes and seed.

    Returns:
        ``{"config", "model", "voice_classifier", "modes": {"base+prompt": {...}, "base+prompt+guard": {...},
        "adapter": {...}, "adapter+guard": {...}},
        "throughput": {...}, "samples": {...}}``.

    Example:
        >>> report = run_benchmark(HFTextGenerator.load(model_dir), config=BenchConfig(products=3))
        >>> report["modes"]["base+prompt"]["nordkraft"]["grounding_violations_per_100"]
        12.0
    """
    brands = brands or BrandBook.load()
    items = heldout_catalogue(config.products, seed=config.seed)
    products = [item.product for item in items]
    voice = train_voice(brands, brand_ids=config.brands, items=config.voice_training_items, seed=config.seed)
    reference = [(item.targets[b], b) for item in items for b in config.brands]
    report: dict[str, Any] = {
        "config": config.__dict__ | {"brands": list(config.brands)},
        "model": backend.model_name,
        "voice_classifier": {
            "trained_on": "brand examples + catalogue training targets",
            "heldout_reference_accuracy": round(sum(voice.predict(t) == b for t, b in reference) / len(reference), 3),
        },
        "modes": {},
        "throughput": {},
        "samples": {},
    }
    limits = GenerationLimits(max_new_tokens=config.max_new_tokens)
    have_adapters = all(adapter_name(b) in backend.adapters() for b in config.brands)
    # (use_adapters, guarded) per mode; "+guard" is the serving path (guarded decoding).
    modes = {"base+prompt": (False, False), "base+prompt+guard": (False, True)}
    if have_adapters:
        modes |= {"adapter": (True, False), "adapter+guard": (True, True)}
    with tempfile.TemporaryDirectory() as scratch:
        for mode, (use_adapters, guarded) in modes.items():
            service = DescriptionService(
                backend=backend,
                brands=brands,
                feedback=FeedbackStore(Path(scratch)),
                limits=limits,
                use_adapters=use_adapters,
                guarded=guarded,
            )
            per_brand: dict[str, Any] = {}
            everything: list[_Run] = []
            for brand_id in config.brands:
                runs = [_stream(service, product, brand_id) for product in products]
                everything += runs
                per_brand[brand_id] = _summary(runs, voice)
                report["samples"][f"{mode}/{brand_id}"] = [
                    {
                        "text": r.description.text,
                        "passed": r.description.scorecard.passed,
                        "violations": [f"{v.kind}:{v.span}" for v in r.description.scorecard.errors()],
                    }
                    for r in runs[:3]
                ]
            report["modes"][mode] = per_brand | {"all": _summary(everything, voice)}
        # Throughput on the serving path (guarded, adapters when loaded), both orders in the same run.
        service = DescriptionService(
            backend=backend,
            brands=brands,
            feedback=FeedbackStore(Path(scratch)),
            limits=limits,
            use_adapters=have_adapters,
        )
        chosen = products[: config.throughput_requests]
        blocked = [(brand_id, product) for brand_id in config.brands for product in chosen]
        interleaved = [(brand_id, product) for product in chosen for brand_id in config.brands]
        report["throughput"] = {
            "mode": "adapter+guard" if have_adapters else "base+prompt+guard",
            "brand_by_brand": _throughput(service, blocked),
            "interleaved": _throughput(service, interleaved),
        }
    if not have_adapters:
        report["modes"]["adapter"] = {"skipped": "no brand-<brand> adapters loaded in the backend"}
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Benchmark the real base model and the brands' champion adapters (from the adapter registry)."""
    from docai.services.adapters.registry import AdapterRegistry
    from docai.services.common.settings import Settings
    from docai.services.generation.service import activate_brand_adapters
    from docai.services.models.base_model import ensure_base_model
    from docai.services.models.hf_backend import HFTextGenerator

    parser = argparse.ArgumentParser(prog="python -m docai.training.bench.descriptions", description=main.__doc__)
    parser.add_argument("--products", type=int, default=10)
    parser.add_argument("--max-new-tokens", type=int, default=80)
    parser.add_argument("--throughput-products", type=int, default=4)
    parser.add_argument("--adapters", type=Path, default=None, help="adapter registry (default: settings.adapter_dir)")
    parser.add_argument("--no-adapters", action="store_true", help="base model only")
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    settings = Settings()
    model_dir = args.model_dir or ensure_base_model(cache_dir=settings.model_cache, source=settings.base_model or None)
    backend = HFTextGenerator.load(model_dir)
    brands = BrandBook.load()
    if not args.no_adapters:
        activate_brand_adapters(backend, AdapterRegistry(args.adapters or settings.adapter_dir), brands)
    config = BenchConfig(
        products=args.products, max_new_tokens=args.max_new_tokens, throughput_requests=args.throughput_products
    )
    report = run_benchmark(backend, brands=brands, config=config)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
