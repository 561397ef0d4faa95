"""Benchmark: the constrained, jump-forward decode loop against plain ``model.generate``.

Run on the converted base model (converted on first use):

    PYTHONPATH=... python -m docai.training.bench.decode [--model-dir DIR] [--max-new-tokens 256]

Prints one JSON report: tokens/s, prefill and total time of each way, their ratio, the
optional vs required-nullable schema comparison, and the adapter load/switch cost against
the model load time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from docai.schemas.parsed import Page, ParsedDocument
from docai.services.extraction.json_schema import invoice_json_schema
from docai.services.extraction.prompt import build_messages
from docai.services.models.backend import GenerationRequest
from docai.services.models.base_model import ensure_base_model
from docai.services.models.hf_backend import HFTextGenerator

SAMPLE_INVOICE = """\
Nordwind Bürobedarf GmbH
Hafenstraße 12, 20457 Hamburg, Germany
USt-IdNr.: DE 287 654 321
Tel. +49 40 555 0190 · rechnung@nordwind-buero.de

INVOICE
Bill to: Kessler & Partner Steuerberatung, Lindenallee 4, 50968 Köln
Customer VAT ID: DE 311 902 447
Invoice No.: NW-2024-10387          Invoice date: 14.03.2024
Your order: PO-55812                 Due date: 13.04.2024
Payment terms: 30 days net, 2% discount within 10 days

Pos  Art.-No.   Description                       Qty  Unit   Unit price   VAT   Amount
1    PA-A4-80   Copy paper A4 80 g, 500 sheets     20  pack      4.95 EUR  19 %   99.00 EUR
2    TN-HP-305  Toner HP 305A black                 3  pc       62.40 EUR  19 %  187.20 EUR
3    OR-LEV-8   Lever arch file 8 cm, blue         25  pc        2.19 EUR  19 %   54.75 EUR
4    KA-COF-1   Coffee beans 1 kg                   4  kg       14.90 EUR   7 %   59.60 EUR

Net amount                                                                    400.55 EUR
VAT 19 % on 340.95                                                             64.78 EUR
VAT  7 % on 59.60                                                               4.17 EUR
Total                                                                         469.50 EUR
Amount due                                                                    469.50 EUR

Bank: Hamburger Sparkasse · IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX
Thank you for your order!
"""


def sample_messages() -> list[dict[str, str]]:
    """A realistic one-page invoice prompt, built with the production prompt builder."""
    page = Page(number=1, width=595.0, height=842.0, text=SAMPLE_INVOICE)
    return build_messages(ParsedDocument(pages=[page]))


def bench(
    model_dir: Path,
    prompt_messages: list[dict[str, str]],
    *,
    max_new_tokens: int,
    repeats: int = 2,
    dtype: str = "auto",
    variants: bool = True,
) -> dict[str, Any]:
    """Compare the constrained decode loop with plain greedy ``model.generate``.

    Both run on the same loaded model, prompt and token budget, in this process; the best of
    ``repeats`` runs is kept for each (the machine is shared).

    Args:
        model_dir: A Hugging Face model directory.
        prompt_messages: Chat messages of the prompt.
        max_new_tokens: Token budget of both.
        repeats: Runs of each, best kept.
        dtype: Load dtype (``"auto"``, ``"float32"``, ``"bfloat16"``).
        variants: Also run the schema/jump-forward variants and the adapter swap timing.

    Returns:
        A report dict (see the keys below).
    """
    backend = HFTextGenerator.load(model_dir, dtype=dtype)
    model, tokenizer = backend._model, backend._tokenizer
    prompt_ids = backend._prompt_ids(prompt_messages)
    input_ids = torch.tensor([prompt_ids])
    report: dict[str, Any] = {
        "model": str(model_dir),
        "dtype": str(model.dtype),
        "threads": torch.get_num_threads(),
        "prompt_tokens": len(prompt_ids),
        "max_new_tokens": max_new_tokens,
        "model_load_s": round(backend.load_s, 3),
    }
    schema = invoice_json_schema()
    started = time.perf_counter()
    backend._grammars.compile(schema)
    report["grammar_compile_s"] = round(time.perf_counter() - started, 3)

    plain: dict[str, Any] = {}
    for _ in range(repeats):
        with torch.inference_mode():
            started = time.perf_counter()
            model(input_ids=input_ids, logits_to_keep=1)
            prefill = time.perf_counter() - started
            started = time.perf_counter()
            out = model.generate(input_ids, max_new_tokens=max_new_tokens, do_sample=False)
            total = time.perf_counter() - started
        generated = int(out.shape[1] - input_ids.shape[1])
        run = {
            "tokens": generated,
            "prefill_s": round(prefill, 3),
            "total_s": round(total, 3),
            "decode_tokens_per_s": round(generated / max(total - prefill, 1e-9), 2),
            "text": tokenizer.decode(out[0, input_ids.shape[1] :], skip_special_tokens=True)[:300],
        }
        if not plain or run["total_s"] < plain["total_s"]:
            plain = run
    report["generate"] = plain

    runs = [("constrained", schema, True)]
    if variants:
        runs += [
            ("constrained_no_jump_forward", schema, False),
            ("constrained_optional_fields", invoice_json_schema(required_nullable=False), True),
        ]
    for name, variant_schema, jump in runs:
        report[name] = _constrained(backend, prompt_messages, variant_schema, max_new_tokens, repeats, jump)
    base = report["constrained"]
    report["speedup_total"] = round(plain["total_s"] / base["total_s"], 2)
    report["speedup_tokens_per_s"] = round(base["tokens_per_s"] / plain["decode_tokens_per_s"], 2)
    if variants:
        report["adapters"] = _adapter_swap(backend)
    return report


def _constrained(
    backend: HFTextGenerator,
    messages: list[dict[str, str]],
    schema: dict[str, Any],
    max_new_tokens: int,
    repeats: int,
    jump_forward: bool,
) -> dict[str, Any]:
    from docai.services.models import decoding

    original = decoding.decode
    if not jump_forward:
        backend_module: Any = __import__("docai.services.models.hf_backend", fromlist=["decode"])

        def no_jump(*args: Any, **kwargs: Any) -> Any:
            return original(*args, **kwargs, jump_forward=False)

        backend_module.decode = no_jump
    best: dict[str, Any] = {}
    try:
        for _ in range(repeats):
            request = GenerationRequest(messages=messages, json_schema=schema, max_new_tokens=max_new_tokens)
            started = time.perf_counter()
            result = backend.generate(request)
            total = time.perf_counter() - started
            parsed = json.loads(result.text)
            forced = sum(1 for token in result.tokens if token.forced)
            run = {
                "tokens": len(result.tokens),
                "forced_tokens": forced,
                "prefill_s": round(result.timings.prefill_s, 3),
                "decode_s": round(result.timings.decode_s, 3),
                "grammar_s": round(result.timings.grammar_s, 3),
                "total_s": round(total, 3),
                "tokens_per_s": round(result.tokens_per_s, 2),
                "finish_reason": result.finish_reason,
                "fields": len([k for k, v in parsed.items() if v not in (None, "", [])]),
                "text": result.text[:600],
            }
            if not best or run["total_s"] < best["total_s"]:
                best = run
    finally:
        if not jump_forward:
            backend_module.decode = original
    return best


def _adapter_swap(backend: HFTextGenerator) -> dict[str, Any]:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    with tempfile.TemporaryDirectory() as tmp:
        # A throwaway copy to write a real-sized adapter (r=16 on all attention/MLP projections).
        donor = AutoModelForCausalLM.from_pretrained(backend._model.name_or_path)
        targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
        peft_model = get_peft_model(donor, LoraConfig(r=16, lora_alpha=32, target_modules=targets))
        peft_model.save_pretrained(tmp)
        del donor, peft_model
        backend.load_adapter("bench", Path(tmp))
        first = backend.adapter_load_s["bench"]
        backend.load_adapter("bench", Path(tmp))  # hot swap of a "new version"
        swap = backend.adapter_load_s["bench"]
        switch_to = backend.switch_adapter_s("bench")
        switch_base = backend.switch_adapter_s(None)
        backend.unload_adapter("bench")
    return {
        "adapter_load_s": round(first, 4),
        "adapter_hot_swap_s": round(swap, 4),
        "switch_to_adapter_s": round(switch_to, 5),
        "switch_to_base_s": round(switch_base, 5),
        "model_load_s": round(backend.load_s, 3),
        "hot_swap_over_model_load": round(swap / backend.load_s, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--cache-dir", type=Path, default=Path(".cache/models"))
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--quick", action="store_true", help="skip the variants and the adapter timing")
    args = parser.parse_args()
    model_dir = args.model_dir or ensure_base_model(cache_dir=args.cache_dir)
    report = bench(
        model_dir,
        sample_messages(),
        max_new_tokens=args.max_new_tokens,
        repeats=args.repeats,
        dtype=args.dtype,
        variants=not args.quick,
    )
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
