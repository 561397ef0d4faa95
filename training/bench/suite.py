"""`docai bench`: where the time of one invoice goes, and how many invoices a minute each path reads.

- ``extraction``: the stages of the generative path on a 1-page and a 3-page invoice, against
  plain ``model.generate`` on the same prompt.
- ``einvoice``: the exact XML path, the page cross-check and tampered copies
  (:mod:`docai.training.bench.einvoice`).
- ``throughput``: the reader path (the model chooses among candidates read from the page) and
  the generative path (the model writes the JSON) on the same held-out synthetic invoices, in
  one process with one loaded model: invoices per minute, mean seconds per stage, micro-F1,
  and the ratio.

Figures go to stdout as JSON and, with ``--out``, replace each bench's section of
docs/BENCHMARKS.md. Absolute times drift on a shared machine; the ratios are measured side
by side on the same model, invoices and process.
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

from docai.services.common.progress_bar import line, progress_bar
from docai.services.common.settings import Settings

SECTION_START = "<!-- bench:extraction:start -->"
SECTION_END = "<!-- bench:extraction:end -->"
# Synthetic seeds of the throughput bench: disjoint from training (0..3999), calibration
# (700000..799999, docai.training.calibration.CALIBRATION_SEEDS), samples and tests.
BENCH_SEED = 800_000


def _rss_mb() -> float:
    rss: int = psutil.Process(os.getpid()).memory_info().rss
    return rss / 2**20


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_extraction(settings: Settings, *, repeats: int = 2, max_new_tokens: int = 256) -> dict[str, Any]:
    """Times every stage for a 1-page and a 3-page invoice, and plain generate on the same prompt."""
    import torch

    from docai.services.adapters.choice import AdapterChoice
    from docai.services.extraction.extractor import Extractor
    from docai.services.extraction.prompt import build_messages
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.services.models.engines import backend_from_settings
    from docai.training.synthetic import generate_invoice

    rss_before = _rss_mb()
    started = time.perf_counter()
    backend = backend_from_settings(settings)
    load_s = time.perf_counter() - started
    adapter = AdapterChoice(backend, configured=settings.adapter)(tenant_id="")
    extractor = Extractor(backend=backend, max_new_tokens=max_new_tokens)
    # The baseline runs on the very same weights: the backend's model with the same adapter active.
    model, tokenizer = backend._model, backend._tokenizer  # type: ignore[attr-defined]
    cases = {"1 page": generate_invoice(5, n_items=4), "3 pages": generate_invoice(6, n_items=30)}
    results: dict[str, Any] = {}
    bar = progress_bar(total=len(cases) * repeats * 2, desc="bench extraction", unit="run")
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
                    "parse_s": parse_s,
                    "prompt_s": t.prompt_s,
                    "prefill_s": t.prefill_s,
                    "decode_s": t.decode_s,
                    "validation_s": t.validation_s,
                    "tokens": t.generated_tokens,
                    "prompt_tokens": t.prompt_tokens,
                    "tokens_per_s": t.tokens_per_s,
                    "total_s": time.perf_counter() - t0,
                }
            )
            bar.update(1)
        ours = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        # The baseline: plain transformers generate on the same prompt, greedy, no grammar,
        # for the same number of new tokens our path produced.
        messages = build_messages(parsed)
        inputs = tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        inputs = {k: v.to(model.device) for k, v in inputs.items()}
        new_tokens = max(int(ours["tokens"]), 16)
        baseline_runs = []
        backend.switch_adapter_s(adapter)  # type: ignore[attr-defined]
        with torch.inference_mode():
            for _ in range(repeats):
                t0 = time.perf_counter()
                output = model.generate(
                    **inputs,
                    max_new_tokens=new_tokens,
                    min_new_tokens=new_tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.eos_token_id,
                )
                baseline_runs.append((time.perf_counter() - t0, output.shape[1] - inputs["input_ids"].shape[1]))
                bar.update(1)
        base_s = statistics.median(r[0] for r in baseline_runs)
        base_tokens = baseline_runs[0][1]
        results[label] = {
            "ours": ours,
            "generate": {"total_s": base_s, "tokens": base_tokens, "tokens_per_s_incl_prefill": base_tokens / base_s},
            "ratio_model_time_generate_over_ours": base_s / max(ours["prefill_s"] + ours["decode_s"], 1e-9),
        }
    bar.close()
    return {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, "
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
        (
            f"Model {report['model']}, adapter {report['adapter']}; model load {report['model_load_s']:.1f} s; "
            f"suite process RSS with the model loaded {report['rss_mb_model_loaded']:.0f} MiB "
            f"(peak {report['peak_rss_mb']:.0f} MiB)."
        ),
        "",
        (
            "| invoice | parse s | prompt s | prefill s (prompt tokens) | decode s (tokens) | tokens/s "
            "| validation s | total s | plain generate s, same tokens | generate ÷ ours (model time) |"
        ),
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


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"


def bench_throughput(
    settings: Settings,
    *,
    invoices: int = 12,
    generative_invoices: int = 3,
    seed: int = BENCH_SEED,
    backend: Any = None,
    warmup: bool = True,
) -> dict[str, Any]:
    """Invoices per minute of the reader and the generative path, side by side on the same invoices.

    The reader reads ``invoices`` synthetic invoices (seeds ``seed ..``); the generative path,
    at ~50 s an invoice on a CPU, only the first ``generative_invoices`` of them. On those the
    two paths read each invoice back to back, so both see the same load of a shared machine,
    and the ratio compares them there. Each path first reads one other invoice untimed, so
    one-off costs (grammar compilation, caches) count against neither.

    Returns:
        ``{"date", "machine", "model", "adapter", "seeds", "paths": {path: {"invoices",
        "invoices_per_min", "mean_s", "seconds", "stages_mean_s", "micro_f1", "line_cell_f1",
        "read_by", "calibration"} or {"error"}}, "common": {"invoices", "reader_per_min",
        "generative_per_min", "ratio"}}``; ratio is generative seconds over reader seconds.
    """
    import torch

    from docai.services.adapters.choice import AdapterChoice
    from docai.services.common.errors import DocAIError
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.services.models.engines import backend_from_settings
    from docai.training.evaluate import build_extractor, read_path, stage_seconds
    from docai.training.scoring import score_documents
    from docai.training.synthetic import generate_invoice

    if backend is None:
        backend = backend_from_settings(settings)
        if settings.adapter != "none":  # today's generative path is served with the champion, as the suite does
            from docai.services.adapters.registry import AdapterRegistry

            AdapterRegistry.from_settings(settings).activate(backend, "extraction")
    adapter = AdapterChoice(backend, configured=settings.adapter)(tenant_id="")
    cases = [generate_invoice(seed + index) for index in range(invoices)]
    counts = {"reader": invoices, "generative": min(generative_invoices, invoices)}
    extractors: dict[str, tuple[Any, str]] = {}
    paths: dict[str, Any] = {}
    for path in counts:
        try:
            extractors[path] = build_extractor(path, backend=backend, settings=settings)
        except DocAIError as exc:
            paths[path] = {"error": exc.message}
            continue
        if warmup:
            extractors[path][0].extract(parse_pdf(generate_invoice(seed - 1).pdf), adapter=adapter)
    runs: dict[str, list[dict[str, Any]]] = {path: [] for path in extractors}
    with progress_bar(total=sum(counts[path] for path in extractors), desc="bench throughput", unit="invoice") as bar:
        for index, case in enumerate(cases):
            for path, (extractor, _) in extractors.items():
                if index >= counts[path]:
                    continue
                started = time.perf_counter()
                parsed = parse_pdf(case.pdf)
                parse_s = time.perf_counter() - started
                outcome = extractor.extract(parsed, adapter=adapter)
                runs[path].append(
                    {
                        "seconds": time.perf_counter() - started,
                        "stages": {"parse_s": parse_s, **stage_seconds(outcome.timings)},
                        "prediction": outcome.extraction.flat(),
                        "read_by": read_path(outcome),
                    }
                )
                line(bar, f"{path} {index + 1}/{counts[path]} {runs[path][-1]['seconds']:.2f}s")
                bar.update(1)
    for path, done in runs.items():
        seconds = [run["seconds"] for run in done]
        scored = score_documents(
            {str(i): run["prediction"] for i, run in enumerate(done)},
            {str(i): cases[i].truth for i in range(len(done))},
        )
        stage_names = {name for run in done for name in run["stages"]}
        paths[path] = {
            "invoices": len(done),
            "total_s": sum(seconds),
            "invoices_per_min": 60 * len(done) / sum(seconds),
            "mean_s": statistics.fmean(seconds),
            "seconds": seconds,
            "stages_mean_s": {
                name: statistics.fmean(run["stages"].get(name, 0.0) for run in done) for name in sorted(stage_names)
            },
            "micro_f1": scored["micro_f1"],
            "line_cell_f1": scored["line_items"]["f1"],
            "read_by": {
                by: sum(run["read_by"] == by for run in done) for by in sorted({run["read_by"] for run in done})
            },
            "calibration": extractors[path][1],
        }
    common: dict[str, Any] = {"invoices": counts["generative"]}
    if set(runs) == set(counts):
        reader_s = sum(paths["reader"]["seconds"][: counts["generative"]])
        generative_s = paths["generative"]["total_s"]
        common.update(
            {
                "reader_per_min": 60 * counts["generative"] / reader_s,
                "generative_per_min": 60 * counts["generative"] / generative_s,
                "ratio": generative_s / reader_s,
            }
        )
    return {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, "
        f"torch {torch.__version__}, threads {torch.get_num_threads()}"
        + (f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""),
        "load_average_1min": os.getloadavg()[0],
        "model": backend.model_name,
        "adapter": adapter or "none",
        "seeds": f"{seed}..{seed + invoices - 1}",
        "paths": paths,
        "common": common,
    }


def _rate(per_min: float) -> str:
    return f"{per_min:.1f}" if per_min >= 10 else f"{per_min:.3g}"


def render_throughput(report: dict[str, Any]) -> str:
    """The throughput figures as a Markdown section between its markers."""
    start, end = _markers("throughput")
    order = ["parse_s", "prompt_s", "prefill_s", "decode_s", "validation_s"]
    found = {name for path in report["paths"].values() for name in path.get("stages_mean_s", {})}
    stages = [name for name in order if name in found] + sorted(found - set(order))
    lines = [
        start,
        f"Command: `make bench` (`docai bench --which throughput`), {report['date']}, {report['machine']}.",
        (
            f"Model {report['model']}, adapter {report['adapter']}; synthetic invoices, seeds {report['seeds']} "
            "(held out from training and calibration); one process, one loaded model; the two paths read each common "
            f"invoice back to back (load average {report['load_average_1min']:.1f} at the end)."
        ),
        "",
        "| path | invoices | invoices/min | mean s | "
        + " | ".join(f"{s} mean" for s in stages)
        + " | micro-F1 | line cell F1 |",
        "|---|---|---|---|" + "---|" * len(stages) + "---|---|",
    ]
    for name, path in report["paths"].items():
        if "error" in path:
            lines.append(f"| {name} | – | {path['error']} |")
            continue
        cells = " | ".join(f"{path['stages_mean_s'].get(s, 0.0):.3f}" for s in stages)
        lines.append(
            f"| {name} | {path['invoices']} | {_rate(path['invoices_per_min'])} | {path['mean_s']:.2f} | {cells} | "
            f"{path['micro_f1']:.3f} | {path['line_cell_f1']:.3f} |"
        )
    common = report["common"]
    if "ratio" in common:
        lines += [
            "",
            (
                f"On the same {common['invoices']} invoices: reader {_rate(common['reader_per_min'])}/min, "
                f"generative {_rate(common['generative_per_min'])}/min; "
                f"generative time ÷ reader time {common['ratio']:.0f}."
            ),
        ]
    lines.append(end)
    return "\n".join(lines)


def write_section(out: Path, section: str, *, name: str = "extraction", heading: str = "Extraction speed") -> None:
    start, end = _markers(name)
    text = out.read_text() if out.exists() else "# Benchmarks\n"
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: section, text, flags=re.DOTALL)
    else:
        text = text.rstrip() + f"\n\n## {heading}\n\n" + section + "\n"
    out.write_text(text)


BENCHES = ("extraction", "throughput", "einvoice")


def run_benchmarks(
    *,
    settings: Settings,
    out: Path,
    which: str = "extraction,throughput",
    invoices: int = 12,
    generative_invoices: int = 3,
    einvoice_data: Path | None = None,
) -> dict[str, Any]:
    """Run the chosen benches (comma-separated), print their JSON and write their sections of ``out``."""
    chosen = [name.strip() for name in which.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(BENCHES))
    if unknown:
        raise SystemExit(f"unknown bench {', '.join(unknown)}; known: {', '.join(BENCHES)}")
    reports: dict[str, Any] = {}
    if "extraction" in chosen:
        reports["extraction"] = bench_extraction(settings)
        print(json.dumps(reports["extraction"], indent=2))
        write_section(out, render(reports["extraction"]))
    if "throughput" in chosen:
        reports["throughput"] = bench_throughput(settings, invoices=invoices, generative_invoices=generative_invoices)
        print(json.dumps(reports["throughput"], indent=2))
        write_section(out, render_throughput(reports["throughput"]), name="throughput", heading="Extraction throughput")
    if "einvoice" in chosen:
        from docai.training.bench import einvoice as einvoice_bench

        if einvoice_data is None or not einvoice_data.is_dir():
            raise SystemExit("the einvoice bench needs --einvoice-data: a folder of e-invoice PDFs with truth JSON")
        reports["einvoice"] = einvoice_bench.bench_einvoice(settings, data=einvoice_data)
        print(json.dumps(reports["einvoice"], indent=2))
        write_section(
            out, einvoice_bench.render(reports["einvoice"]), name="einvoice", heading="E-invoices: the exact path"
        )
    return reports
