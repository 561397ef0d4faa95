"""`docai bench`: where the time of one invoice goes, against plain `model.generate`, in one run.

Figures go to stdout as JSON and, with ``--out``, replace the extraction section of
docs/BENCHMARKS.md. Absolute times drift on a shared machine; the ratios are measured side
by side on the same model, prompt and process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import statistics
import time
from pathlib import Path
from typing import Any

import psutil

from docai.services.common.settings import Settings

SECTION_START = "<!-- bench:extraction:start -->"
SECTION_END = "<!-- bench:extraction:end -->"


def _rss_mb() -> float:
    return psutil.Process(os.getpid()).memory_info().rss / 2**20


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_extraction(settings: Settings, *, repeats: int = 2, max_new_tokens: int = 256) -> dict[str, Any]:
    """Times every stage for a 1-page and a 3-page invoice, and plain generate on the same prompt."""
    import torch

    from docai.services.app import AdapterChoice, load_backend
    from docai.services.extraction.extractor import Extractor
    from docai.services.extraction.prompt import build_messages
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.training.synthetic import generate_invoice

    rss_before = _rss_mb()
    started = time.perf_counter()
    backend = load_backend(settings)
    load_s = time.perf_counter() - started
    adapter = AdapterChoice(backend, configured=settings.adapter)(tenant_id="")
    extractor = Extractor(backend=backend, max_new_tokens=max_new_tokens)
    # The baseline runs on the very same weights: the backend's model with the same adapter active.
    model, tokenizer = backend._model, backend._tokenizer  # type: ignore[attr-defined]
    cases = {"1 page": generate_invoice(5, n_items=4), "3 pages": generate_invoice(6, n_items=30)}
    results: dict[str, Any] = {}
    for label, invoice in cases.items():
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            parsed = parse_pdf(invoice.pdf)
            parse_s = time.perf_counter() - t0
            outcome = extractor.extract(parsed, adapter=adapter)
            t = outcome.timings
            runs.append(
                {
                    "parse_s": parse_s, "prompt_s": t.prompt_s, "prefill_s": t.prefill_s, "decode_s": t.decode_s,
                    "validation_s": t.validation_s, "tokens": t.generated_tokens, "prompt_tokens": t.prompt_tokens,
                    "tokens_per_s": t.tokens_per_s, "total_s": time.perf_counter() - t0,
                }
            )
        ours = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        # The baseline: plain transformers generate on the same prompt, greedy, no grammar,
        # for the same number of new tokens our path produced.
        messages = build_messages(parsed)
        inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        inputs = {k: v.to(model.device) for k, v in inputs.items()}
        new_tokens = max(int(ours["tokens"]), 16)
        baseline_runs = []
        backend.switch_adapter_s(adapter)  # type: ignore[attr-defined]
        with torch.inference_mode():
            for _ in range(repeats):
                t0 = time.perf_counter()
                output = model.generate(
                    **inputs, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                    pad_token_id=tokenizer.eos_token_id,
                )
                baseline_runs.append((time.perf_counter() - t0, output.shape[1] - inputs["input_ids"].shape[1]))
        base_s = statistics.median(r[0] for r in baseline_runs)
        base_tokens = baseline_runs[0][1]
        results[label] = {
            "ours": ours,
            "generate": {"total_s": base_s, "tokens": base_tokens, "tokens_per_s_incl_prefill": base_tokens / base_s},
            "ratio_model_time_generate_over_ours": base_s / max(ours["prefill_s"] + ours["decode_s"], 1e-9),
        }
    return {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
        f"torch {torch.__version__}, threads {torch.get_num_threads()}",
        "model": backend.model_name,
        "adapter": adapter or "none",
        "model_load_s": load_s,
        "rss_mb_model_loaded": _rss_mb(),
        "rss_mb_before_model": rss_before,
        "peak_rss_mb": _peak_mb(),
        "cases": results,
    }


def render(report: dict[str, Any]) -> str:
    lines = [
        SECTION_START,
        f"Command: `make bench` (`docai bench`), {report['date']}, {report['machine']}.",
        f"Model {report['model']}, adapter {report['adapter']}; model load {report['model_load_s']:.1f} s; "
        f"suite process RSS with the model loaded {report['rss_mb_model_loaded']:.0f} MiB "
        f"(peak {report['peak_rss_mb']:.0f} MiB).",
        "",
        "| invoice | parse s | prompt s | prefill s (prompt tokens) | decode s (tokens) | tokens/s | validation s | total s | plain generate s, same tokens | generate ÷ ours (model time) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, case in report["cases"].items():
        o, g = case["ours"], case["generate"]
        lines.append(
            f"| {label} | {o['parse_s']:.2f} | {o['prompt_s']:.4f} | {o['prefill_s']:.2f} ({o['prompt_tokens']:.0f}) | "
            f"{o['decode_s']:.2f} ({o['tokens']:.0f}) | {o['tokens_per_s']:.1f} | {o['validation_s']:.3f} | "
            f"{o['total_s']:.2f} | {g['total_s']:.2f} | {case['ratio_model_time_generate_over_ours']:.2f} |"
        )
    lines.append(SECTION_END)
    return "\n".join(lines)


def write_section(out: Path, section: str) -> None:
    text = out.read_text() if out.exists() else "# Benchmarks\n"
    if SECTION_START in text:
        text = re.sub(re.escape(SECTION_START) + ".*?" + re.escape(SECTION_END), section, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n## Extraction speed\n\n" + section + "\n"
    out.write_text(text)


def run_benchmarks(*, settings: Settings, out: Path, which: str = "extraction") -> dict[str, Any]:
    report = bench_extraction(settings)
    print(json.dumps(report, indent=2))
    write_section(out, render(report))
    return report
