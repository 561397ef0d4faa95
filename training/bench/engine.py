"""Engines side by side: ONNX Runtime (fp32, int8, int4) against transformers, in one process.

Every figure is measured in the same run, on the same model, prompts and adapters, engine
after engine within each round (so a busy machine slows them alike), and the median of the
rounds is reported:

- prefill tokens/s: an invoice prompt (~1,000 tokens) with the extraction adapter;
- decode tokens/s: a free-text description with a brand adapter (no guard, 64 tokens);
- adapter switch cost over model load: starting a request with another adapter, over the
  seconds the engine took to load;
- 4 adapters interleaved over one: tokens/s of 8 descriptions cycling through 4 adapters over
  the same 8 with one adapter;
- time to first streamed piece of a description, and descriptions per minute, through the
  real description service (guarded decoding, brand adapters);
- parity: greedy outputs of each engine against transformers in float32 on description and
  invoice prompts with their adapters (identical texts, and the share of identical tokens);
- RSS: a fresh process per engine with the model and adapters loaded, after one request.

Run: ``python -m docai.training.bench.engine --out /tmp/onnx_bench.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]  # training/bench/engine.py -> the checkout
ENGINES = ("hf", "hf-fp32", "onnx-fp32", "onnx-int8", "onnx-int4")
ADAPTERS = {
    "brand-nordkraft": "adapters/brand-nordkraft",
    "brand-sunny-days": "adapters/brand-sunny-days",
    "extraction": "adapters/extraction",
    "brand-nordkraft-copy": "adapters/brand-nordkraft",  # a 4th adapter for the interleaving figure
}


def load_engine(name: str, *, model_dir: Path, cache_dir: Path, threads: int | None = None) -> Any:
    """``hf`` (dtype auto: what serves today), ``hf-fp32``, or ``onnx-<precision>``, with the shipped adapters."""
    adapters = {key: REPO / path for key, path in ADAPTERS.items()}
    if name.startswith("onnx-"):
        from docai.services.models.onnx_backend import OnnxTextGenerator

        return OnnxTextGenerator.load(
            model_dir, cache_dir=cache_dir, precision=name.removeprefix("onnx-"), threads=threads, adapters=adapters
        )
    from docai.services.models.hf_backend import HFTextGenerator

    return HFTextGenerator.load(
        model_dir, dtype="float32" if name == "hf-fp32" else "auto", num_threads=threads, adapters=adapters
    )


def _description_requests(count: int, *, max_new_tokens: int, guarded: bool) -> list[Any]:
    from docai.services.generation.brands import BrandBook
    from docai.services.generation.feedback import FeedbackStore
    from docai.services.generation.service import DescriptionService, GenerationLimits
    from docai.services.models.fake_backend import FakeTextGenerator
    from docai.training.catalogue import heldout_catalogue

    fake = FakeTextGenerator(lambda request: "")
    for brand in ("brand-nordkraft", "brand-sunny-days"):
        fake.load_adapter(brand, REPO / ADAPTERS[brand])
    with tempfile.TemporaryDirectory() as scratch:
        service = DescriptionService(
            backend=fake,
            brands=BrandBook.load(),
            feedback=FeedbackStore(Path(scratch)),
            limits=GenerationLimits(max_new_tokens=max_new_tokens),
            guarded=guarded,
        )
        products = [item.product for item in heldout_catalogue(count, seed=0)]
        return [
            service.prepare(product, brand_id=brand).request
            for index, product in enumerate(products)
            for brand in (("nordkraft", "sunny-days")[index % 2],)
        ]


def _invoice_requests(count: int, *, max_new_tokens: int) -> list[Any]:
    from docai.services.extraction.json_schema import invoice_json_schema
    from docai.services.extraction.prompt import build_messages
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.services.models.backend import GenerationRequest
    from docai.training.synthetic import generate_invoice

    schema = invoice_json_schema()
    return [
        GenerationRequest(
            messages=build_messages(parse_pdf(generate_invoice(900_000 + i).pdf)),
            adapter="extraction",
            max_new_tokens=max_new_tokens,
            json_schema=schema,
        )
        for i in range(count)
    ]


def _token_ids(backend: Any, request: Any) -> list[int]:
    return [int(t) for t in backend._tokenizer(backend.generate(request).text, add_special_tokens=False)["input_ids"]]


def parity(engines: dict[str, Any], requests: list[Any], *, reference: str = "hf-fp32") -> dict[str, Any]:
    """Greedy texts of every engine against ``reference``: identical texts and shared-prefix token share."""
    from dataclasses import replace

    outputs: dict[str, list[str]] = {}
    for name, backend in engines.items():
        outputs[name] = [backend.generate(replace(r, temperature=0.0)).text for r in requests]
    tokenizer = engines[reference]._tokenizer
    report: dict[str, Any] = {}
    for name, texts in outputs.items():
        if name == reference:
            continue
        prefix = []
        for mine, theirs in zip(texts, outputs[reference], strict=True):
            a = tokenizer(mine, add_special_tokens=False)["input_ids"]
            b = tokenizer(theirs, add_special_tokens=False)["input_ids"]
            same = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
            prefix.append(same / max(len(a), len(b), 1))
        report[name] = {
            "identical": sum(m == t for m, t in zip(texts, outputs[reference], strict=True)),
            "of": len(texts),
            "common_prefix_share": round(statistics.fmean(prefix), 3),
        }
    return report


def _forget_prefixes(backend: Any) -> None:
    """Empty an engine's prefix cache (ONNX), so a figure measures a full prefill."""
    prefixes = getattr(backend, "prefixes", None)
    if prefixes is not None:
        prefixes.clear()


def _stream_ttft(backend: Any, count: int) -> dict[str, Any]:
    """First piece and descriptions/min over ``count`` descriptions, cold and then warm.

    Cold: the prefix cache emptied before each description (a seller's first request). Warm:
    ``count`` other products after those, as served (their brand's system prompt already cached).
    """
    from docai.services.generation.brands import BrandBook
    from docai.services.generation.feedback import FeedbackStore
    from docai.services.generation.service import DescriptionService
    from docai.training.catalogue import heldout_catalogue

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        service = DescriptionService(backend=backend, brands=BrandBook.load(), feedback=FeedbackStore(Path(scratch)))
        items = heldout_catalogue(2 * count, seed=1)
        for label, batch in (("cold", items[:count]), ("warm", items[count:])):
            firsts, totals = [], []
            for index, item in enumerate(batch):
                if label == "cold":
                    _forget_prefixes(backend)
                brand = ("nordkraft", "sunny-days")[index % 2]
                started = time.perf_counter()
                first = None
                for piece in service.run(service.prepare(item.product, brand_id=brand), tenant_id="bench"):
                    if first is None and isinstance(piece, str):
                        first = time.perf_counter() - started
                totals.append(time.perf_counter() - started)
                firsts.append(first or totals[-1])
            suffix = "" if label == "cold" else "_warm"
            figures[f"ttft_s_p50{suffix}"] = round(statistics.median(firsts), 3)
            figures[f"descriptions_per_min{suffix}"] = round(60 * len(totals) / sum(totals), 1)
    return figures


def _interleaving(backend: Any, request: Any, *, count: int = 8) -> float:
    """Tokens/s with 4 adapters in turn over tokens/s with one (same requests, greedy, 32 tokens)."""
    from dataclasses import replace

    request = replace(request, max_new_tokens=32)

    def run(adapters: Sequence[str]) -> float:
        tokens, seconds = 0, 0.0
        for i in range(count):
            started = time.perf_counter()
            result = backend.generate(replace(request, adapter=adapters[i % len(adapters)]))
            seconds += time.perf_counter() - started
            tokens += len(result.tokens)
        return tokens / seconds

    one = run(["brand-nordkraft"])
    four = run(["brand-nordkraft", "brand-sunny-days", "extraction", "brand-nordkraft-copy"])
    return round(four / one, 3)


def run_bench(
    *,
    model_dir: Path,
    cache_dir: Path,
    engines: Sequence[str] = ENGINES,
    rounds: int = 3,
    parity_prompts: int = 6,
    decode_tokens: int = 64,
    threads: int | None = None,
) -> dict[str, Any]:
    from dataclasses import replace

    loaded: dict[str, Any] = {}
    load_s: dict[str, float] = {}
    for name in engines:
        started = time.perf_counter()
        loaded[name] = load_engine(name, model_dir=model_dir, cache_dir=cache_dir, threads=threads)
        load_s[name] = round(getattr(loaded[name], "load_s", time.perf_counter() - started), 3)
    description = _description_requests(1, max_new_tokens=decode_tokens, guarded=False)[0]
    description = replace(description, max_new_tokens=decode_tokens)
    invoice = replace(_invoice_requests(1, max_new_tokens=1)[0], json_schema=None)
    rows: dict[str, dict[str, list[float]]] = {name: {"prefill": [], "decode": [], "switch": []} for name in engines}
    for round_ in range(rounds):
        _progress(f"round {round_ + 1} of {rounds}")
        for name, backend in loaded.items():
            _forget_prefixes(backend)  # prefill measured in full, every round
            result = backend.generate(invoice)
            rows[name]["prefill"].append(result.prompt_tokens / result.timings.prefill_s)
            result = backend.generate(description)
            rows[name]["decode"].append(result.tokens_per_s)
            switches = []
            for adapter in ("brand-sunny-days", "brand-nordkraft") * 5:
                switches.append(backend.switch_adapter_s(adapter))
            rows[name]["switch"].append(statistics.median(switches))
    speed = {
        name: {
            "prefill_tokens_per_s": round(statistics.median(r["prefill"]), 0),
            "decode_tokens_per_s": round(statistics.median(r["decode"]), 1),
            "load_s": load_s[name],
            "switch_s": round(statistics.median(r["switch"]), 5),
            "switch_over_load": round(statistics.median(r["switch"]) / load_s[name], 5),
        }
        for name, r in rows.items()
    }
    _progress("interleaving")
    interleaved = {name: _interleaving(loaded[name], description) for name in loaded}
    _progress("streaming")
    streaming = {name: _stream_ttft(loaded[name], 4) for name in loaded}
    _progress("parity")
    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end",
        "model": Path(model_dir).name,
        "prefill_prompt_tokens": loaded[engines[0]].generate(invoice).prompt_tokens,
        "rounds": rounds,
        "speed": speed,
        "interleaved_4_over_1": interleaved,
        "streaming": streaming,
        "parity_vs_hf_fp32": parity(
            loaded,
            _description_requests(parity_prompts, max_new_tokens=48, guarded=False)
            + _invoice_requests(2, max_new_tokens=64),
        )
        if "hf-fp32" in loaded and parity_prompts
        else {},
    }
    return report


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def rss_of(engine: str, *, model_dir: Path, cache_dir: Path) -> float:
    """MiB of a fresh process that loaded ``engine`` with the adapters and ran one request."""
    code = (
        "import os, psutil, sys; from pathlib import Path;"
        "from docai.training.bench.engine import load_engine, _description_requests;"
        f"b = load_engine({engine!r}, model_dir=Path({str(model_dir)!r}), cache_dir=Path({str(cache_dir)!r}));"
        "b.generate(_description_requests(1, max_new_tokens=32, guarded=True)[0]);"
        "print(psutil.Process().memory_info().rss / 2**20)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return round(float(done.stdout.strip().splitlines()[-1]), 0)


def render_markdown(report: dict[str, Any]) -> str:
    """The report as the tables of docs/BENCHMARKS.md."""
    speed = report["speed"]
    lines = [
        (
            f"Measured {report['date']} on {report['machine']}; model {report['model']}, "
            f"median of {report['rounds']} rounds, engines in turn within each round. Command: `{report['command']}`."
        ),
        "",
        (
            "| engine | prefill tok/s | decode tok/s | load s | adapter switch s | switch / load | 4 adapters / 1 "
            "| first piece s (cold / warm) | descriptions/min (cold / warm) | RSS MiB |"
        ),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in speed.items():
        stream = report["streaming"].get(name, {})
        lines.append(
            f"| {name} | {row['prefill_tokens_per_s']:.0f} | {row['decode_tokens_per_s']:.1f} | {row['load_s']:.2f} | "
            f"{row['switch_s']:.4f} | {row['switch_over_load']:.4f} | {report['interleaved_4_over_1'].get(name, '')} | "
            f"{stream.get('ttft_s_p50', '')} / {stream.get('ttft_s_p50_warm', '')} | "
            f"{stream.get('descriptions_per_min', '')} / {stream.get('descriptions_per_min_warm', '')} | "
            f"{report.get('rss_mib', {}).get(name, '')} |"
        )
    parity = report.get("parity_vs_hf_fp32", {})
    if parity:
        lines += [
            "",
            (
                "Greedy parity against hf in float32 (description prompts with the brand adapters, "
                "invoice JSON with the extraction adapter):"
            ),
            "",
            "| engine | identical texts | shared token prefix |",
            "| --- | ---: | ---: |",
        ]
        for name, row in parity.items():
            lines.append(f"| {name} | {row['identical']} of {row['of']} | {row['common_prefix_share']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parity-prompts", type=int, default=6)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--cache-dir", type=Path, default=REPO / "var" / "models")
    parser.add_argument("--no-rss", action="store_true")
    parser.add_argument("--out", type=Path, help="the report as JSON")
    parser.add_argument("--markdown", type=Path, help="the report as the tables of docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    from docai.services.models.base_model import ensure_base_model

    model_dir = ensure_base_model(cache_dir=args.cache_dir)
    engines = [e for e in args.engines.split(",") if e]
    report = run_bench(
        model_dir=model_dir,
        cache_dir=args.cache_dir,
        engines=engines,
        rounds=args.rounds,
        parity_prompts=args.parity_prompts,
        threads=args.threads,
    )
    if not args.no_rss:
        report["rss_mib"] = {name: rss_of(name, model_dir=model_dir, cache_dir=args.cache_dir) for name in engines}
    report["command"] = "python -m docai.training.bench.engine " + " ".join(argv or sys.argv[1:])
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    if args.markdown:
        args.markdown.write_text(render_markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
