"""Parity of the engines on the real model: onnx and hf give the same greedy text with the shipped adapters.

A swap of engine must not change what the gate measured. The reference is the hf backend in
float32. The fp32 ONNX export gives identical texts; quantised weights change the logits a
little, so the default precision (int8) is held to the agreement measured in
docs/BENCHMARKS.md. The gate and serving use the same backend, so the gate measures
what the chosen engine serves.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from docai.services.models.backend import GenerationRequest, GenerationResult

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "var" / "models"
ADAPTERS = {name: REPO / "adapters" / name for name in ("brand-nordkraft", "brand-sunny-days", "extraction")}
DEFAULT_PRECISION = "int8"


@cache
def _model_dir() -> Path:
    from docai.services.models.base_model import ensure_base_model

    return ensure_base_model(cache_dir=CACHE)


@cache
def _requests() -> tuple[GenerationRequest, ...]:
    """Descriptions of held-out products with each brand's adapter, and an invoice's JSON with the
    extraction adapter."""
    from dataclasses import replace

    from docai.training.bench.engine import _description_requests, _invoice_requests

    descriptions = [replace(r, max_new_tokens=40) for r in _description_requests(4, max_new_tokens=40, guarded=False)]
    return (*descriptions, *_invoice_requests(1, max_new_tokens=64))


@cache
def _outputs(engine: str) -> tuple[GenerationResult, ...]:
    from docai.training.bench.engine import load_engine

    backend: Any = load_engine(engine, model_dir=_model_dir(), cache_dir=CACHE)
    assert set(ADAPTERS) <= set(backend.adapters())
    return tuple(backend.generate(request) for request in _requests())


def _divergence(mine: GenerationResult, reference: GenerationResult) -> tuple[int, float] | None:
    """Where two greedy outputs first choose different tokens, and how far apart the two choices' logprobs are.

    Two engines that compute the same function part only where the model hesitates between
    two tokens (both logprobs close to each other, a near-tie that float rounding can flip):
    a small gap at the divergence is rounding, a large one is another model.
    """
    for index, (a, b) in enumerate(zip(mine.tokens, reference.tokens, strict=False)):
        if a.text != b.text:
            return index, abs(a.logprob - b.logprob)
    if len(mine.tokens) != len(reference.tokens):
        # One engine stopped where the other went on. The stop's logprob is not reported, so the gap
        # is unknown; where the token that went on had a probability below 0.2, the distribution was
        # flat and the stop was a near-tie too (round 7's terse adapter: " D" at 0.106 after
        # "270 g."); a confident token against a stop is another model.
        shorter = min(len(mine.tokens), len(reference.tokens))
        longer = mine if len(mine.tokens) > shorter else reference
        return shorter, 0.0 if longer.tokens[shorter].logprob < math.log(0.2) else float("inf")
    return None


def test_onnx_fp32_gives_the_same_greedy_text_as_hf() -> None:
    reference, mine = _outputs("hf-fp32"), _outputs("onnx-fp32")
    assert [r.adapter for r in _requests()].count(None) == 0  # every prompt runs with an adapter
    for a, b in zip(mine, reference, strict=True):
        found = _divergence(a, b)
        # Identical, or parted at a near-tie. Measured: 3 to 5 of the 5 identical (transformers
        # itself is not bitwise reproducible across processes), divergences after 20+ tokens with
        # gaps of 0.021 and 0.033 nats; on the prompts that list sizes too (2026-12-06) one
        # throw parts at token 38 ("It's linen." / "It's linen and") with 0.077 and 0.125 nats in
        # two runs of the same prompt. Another model parts at once, by nats.
        assert found is None or found[1] < 0.15, (found, a.text, b.text)
    json.loads(mine[-1].text)


def test_default_precision_stays_within_the_measured_tolerance() -> None:
    reference, mine = _outputs("hf-fp32"), _outputs(f"onnx-{DEFAULT_PRECISION}")
    # Measured over two runs (docs/BENCHMARKS.md): int8 weights keep 1 to 2 of the 5 texts word
    # for word; the others part from float32 at a near-tie (gaps 0.012 to 0.114 nats), as
    # bfloat16 does in the hf backend. int4 parts at once, which is why it is not the default.
    for a, b in zip(mine, reference, strict=True):
        found = _divergence(a, b)
        assert found is None or found[1] < 0.25, (found, a.text, b.text)
    for a, b in zip(mine[:-1], reference[:-1], strict=True):  # descriptions
        assert a.text.split()[:1] == b.text.split()[:1]  # the same first word: drift, not another answer
    json.loads(mine[-1].text)


def test_the_prefix_cache_changes_nothing_but_the_work() -> None:
    from docai.training.bench.engine import load_engine

    backend: Any = load_engine(f"onnx-{DEFAULT_PRECISION}", model_dir=_model_dir(), cache_dir=CACHE)
    requests = _requests()
    backend.prefixes.budget_tokens = 0
    uncached = [backend.generate(request) for request in requests]
    backend.prefixes.budget_tokens = 4096
    cached = [backend.generate(request) for request in requests]
    # Two descriptions per brand: the second starts like the first (the brand's system prompt).
    assert backend.prefixes.hits >= 2 and backend.prefixes.reused_tokens >= 2 * 100
    for a, b in zip(cached, uncached, strict=True):
        assert a.text == b.text
        assert [t.logprob for t in a.tokens] == pytest.approx([t.logprob for t in b.tokens], abs=1e-4)
