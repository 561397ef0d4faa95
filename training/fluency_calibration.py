"""Calibrate the fluency thresholds of the description scorecard on good and bad texts.

Good texts: the brands' hand-written example descriptions (``services/generation/brand_books/*.yaml``) and the
synthetic catalogue's target descriptions of *training* products (seed ``seed``; the held-out
products the benchmarks report on come from another seed namespace and are never used here).

Bad texts, made from the good ones (seeded, so the set is reproducible):

- ``madeup``: one to three words replaced by made-up words ("sopre", "brindola");
- ``stutter``: a word or two said twice in a row ("olla, olla");
- ``salad``: the words of the text shuffled;
- ``loop``: a sentence said again;
- ``misuse``: the material replaced by the colour ("made of sage green");
- ``sampled``: the base model's own text at temperature 1.6 (token soup), from the scoring prompt.

Each threshold is the one that fails the most bad texts while failing at most
``--max-false-alarms`` of the good ones (for the likelihood: of the hand-written examples and of
the catalogue targets each, since people write less predictably than templates), fitted on 70%
of the texts; the other 30% report how the thresholds do on texts they were not fitted on.
Writes ``services/generation/fluency_thresholds.json``; ``--from-rows`` refits from the texts and
features a previous run saved with ``--rows`` (no model needed).

Run: ``python -m docai.training.fluency_calibration`` (the default engine, ONNX int8 on a CPU).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from docai.schemas.product import Product
from docai.services.generation.brands import BrandBook
from docai.services.generation.fluency import (
    THRESHOLDS_FILE,
    FluencyChecker,
    FluencyThresholds,
    brand_words,
    calibrate_threshold,
    misused_terms,
    scoring_messages,
)
from docai.training.catalogue import generate_catalogue

__all__ = ["CalibrationText", "bad_texts", "calibrate", "good_texts", "main"]

ZIPF_CANDIDATES = (1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5)
_SYLLABLES = [
    "so",
    "pre",
    "ol",
    "la",
    "bri",
    "ndo",
    "ta",
    "mek",
    "ru",
    "vo",
    "zan",
    "pli",
    "qua",
    "gro",
    "fen",
    "dul",
    "sku",
    "tro",
    "ber",
    "nix",
]


@dataclass(frozen=True)
class CalibrationText:
    """One calibration text: the product it describes, the brand, and how it was made."""

    text: str
    product: Product
    brand: str
    label: str  # "good" or "bad"
    kind: str  # "example", "catalogue" or a corruption


def good_texts(brands: BrandBook, *, items: int, seed: int) -> list[CalibrationText]:
    """The brands' examples and the catalogue's training targets (both brands per item)."""
    texts = [
        CalibrationText(e.description, e.product, b.id, "good", "example") for b in brands.list() for e in b.examples
    ]
    for item in generate_catalogue(items, seed=seed):
        for brand_id, target in sorted(item.targets.items()):
            texts.append(CalibrationText(target, item.product, brand_id, "good", "catalogue"))
    return texts


def _madeup(rng: random.Random) -> str:
    from wordfreq import zipf_frequency

    while True:
        word = "".join(rng.sample(_SYLLABLES, rng.randint(2, 3)))
        if zipf_frequency(word, "en") == 0:
            return word


def bad_texts(good: Sequence[CalibrationText], *, seed: int) -> list[CalibrationText]:
    """One corruption of each kind per good text where it applies (see the module docstring)."""
    rng = random.Random(f"fluency-bad:{seed}")
    out: list[CalibrationText] = []
    for source in good:
        words = source.text.split()
        content = [i for i, w in enumerate(words) if re.fullmatch(r"[A-Za-z]{4,}[.,!]?", w)]

        def bad(text: str, kind: str, source: CalibrationText = source) -> None:
            out.append(replace(source, text=text, label="bad", kind=kind))

        if content:
            changed = words[:]
            for i in rng.sample(content, min(len(content), rng.randint(1, 3))):
                tail = re.sub(r"^[A-Za-z]+", "", changed[i])
                changed[i] = _madeup(rng) + tail
            bad(" ".join(changed), "madeup")
            i = rng.choice(content)
            n = 2 if i + 1 < len(words) and rng.random() < 0.4 else 1
            phrase = " ".join(words[i : i + n]).rstrip(".,!")
            bad(" ".join(words[:i] + [phrase + ","] + words[i:]), "stutter")
        shuffled = words[:]
        rng.shuffle(shuffled)
        bad(" ".join(shuffled), "salad")
        sentences = re.split(r"(?<=[.!?])\s+", source.text)
        if len(sentences) > 1:
            k = rng.randrange(len(sentences))
            bad(" ".join(sentences[: k + 1] + [sentences[k]] + sentences[k + 1 :]), "loop")
        material = source.product.attribute("material")
        colour = source.product.attribute("colour") or source.product.attribute("color")
        if material and colour and material in source.text and colour not in material:
            swapped = source.text.replace(material, colour, 1)
            if f"made of {colour}" in swapped or f"in {colour}" in swapped:
                bad(swapped, "misuse")
    return out


def sampled_texts(
    backend: Any, good: Sequence[CalibrationText], *, count: int, seed: int, temperature: float = 1.6
) -> list[CalibrationText]:
    """The base model's descriptions sampled at a high temperature: the token soup of a broken decoder."""
    from docai.services.models.backend import GenerationRequest

    rng = random.Random(f"fluency-sampled:{seed}")
    out = []
    for index, source in enumerate(rng.sample(list(good), min(count, len(good)))):
        request = GenerationRequest(
            messages=scoring_messages(source.product), max_new_tokens=48, temperature=temperature, seed=seed + index
        )
        text = backend.generate(request).text.strip()
        if len(text.split()) >= 8:
            out.append(replace(source, text=text, label="bad", kind="sampled"))
    return out


def _features(checker: FluencyChecker, texts: Sequence[CalibrationText], brands: BrandBook) -> list[dict[str, Any]]:
    rows = []
    for t in texts:
        report = checker.check(t.text, product=t.product, known=brand_words(brands.get(t.brand)))
        rows.append(
            {
                "label": t.label,
                "kind": t.kind,
                "brand": t.brand,
                "text": t.text,
                "mean_logprob": report.mean_logprob,
                "repeats": len(report.repeats),
                "misused": len(report.misused),
                "nonword_zipfs": _nonword_zipfs(checker, t, brands),
            }
        )
    return rows


def _nonword_zipfs(checker: FluencyChecker, t: CalibrationText, brands: BrandBook) -> list[float]:
    """Zipf frequency of each word the product data and brand guide do not use (for the ``min_zipf`` sweep)."""
    from docai.services.generation.fluency import _WORD, _zipf
    from docai.services.generation.scorecard import source_text

    known = brand_words(brands.get(t.brand)) | {w.lower() for w in _WORD.findall(source_text(t.product))}
    zipfs = []
    for word in _WORD.findall(t.text):
        word = word.lower().replace("’", "'")
        if len(word) >= 3 and word not in known and word.split("'")[0] not in known:
            zipfs.append(_zipf(word))
    return zipfs


def _fails(row: dict[str, Any], t: FluencyThresholds) -> bool:
    nonwords = sum(z < t.min_zipf for z in row["nonword_zipfs"])
    lm = row["mean_logprob"] is not None and row["mean_logprob"] < t.min_mean_logprob
    return nonwords > t.max_nonwords or row["repeats"] > t.max_repeats or row["misused"] > 0 or lm


def _rates(rows: Sequence[dict[str, Any]], t: FluencyThresholds) -> dict[str, Any]:
    good = [r for r in rows if r["label"] == "good"]
    bad = [r for r in rows if r["label"] == "bad"]
    kinds = sorted({r["kind"] for r in bad})
    return {
        "good": len(good),
        "bad": len(bad),
        "good_failed": round(sum(_fails(r, t) for r in good) / max(1, len(good)), 3),
        "bad_failed": round(sum(_fails(r, t) for r in bad) / max(1, len(bad)), 3),
        "bad_failed_by_kind": {
            k: round(sum(_fails(r, t) for r in bad if r["kind"] == k) / sum(r["kind"] == k for r in bad), 3)
            for k in kinds
        },
    }


def calibrate(rows: Sequence[dict[str, Any]], *, max_false_alarms: float) -> tuple[FluencyThresholds, dict[str, Any]]:
    """Fit each threshold on ``rows`` (feature rows of good and bad texts); returns them with per-check rates."""
    good = [r for r in rows if r["label"] == "good"]
    bad = [r for r in rows if r["label"] == "bad"]
    detail: dict[str, Any] = {}
    # Made-up words: the highest Zipf cut-off that still fails at most max_false_alarms of good texts
    # with no made-up word allowed (a higher cut-off catches rarer real-looking inventions, "olla").
    zipf, sweep = ZIPF_CANDIDATES[0], {}
    for candidate in ZIPF_CANDIDATES:
        good_failed = sum(any(z < candidate for z in r["nonword_zipfs"]) for r in good) / len(good)
        madeup = [r for r in bad if r["kind"] == "madeup"]
        caught = sum(any(z < candidate for z in r["nonword_zipfs"]) for r in madeup) / max(1, len(madeup))
        sweep[str(candidate)] = {"good_failed": round(good_failed, 3), "madeup_failed": round(caught, 3)}
        if good_failed <= max_false_alarms:
            zipf = candidate
    detail["made_up_words"] = {"min_zipf": zipf, "sweep": sweep}
    # Repeats: allow none unless good texts repeat themselves more often than the false-alarm budget.
    max_repeats = 0
    while sum(r["repeats"] > max_repeats for r in good) / len(good) > max_false_alarms:
        max_repeats += 1
    detail["repeats"] = {
        "max_repeats": max_repeats,
        "good_failed": round(sum(r["repeats"] > max_repeats for r in good) / len(good), 3),
        "stutter_or_loop_failed": round(
            sum(r["repeats"] > max_repeats for r in bad if r["kind"] in ("stutter", "loop"))
            / max(1, sum(r["kind"] in ("stutter", "loop") for r in bad)),
            3,
        ),
    }
    detail["misused"] = {"good_failed": round(sum(r["misused"] > 0 for r in good) / len(good), 3)}
    scored_good = [r["mean_logprob"] for r in good if r["mean_logprob"] is not None]
    scored_bad = [r["mean_logprob"] for r in bad if r["mean_logprob"] is not None]
    if scored_good and scored_bad:
        groups = [
            [r["mean_logprob"] for r in good if r["kind"] == kind and r["mean_logprob"] is not None]
            for kind in sorted({r["kind"] for r in good})
        ]
        min_lp, lm_rates = calibrate_threshold(
            scored_good, scored_bad, max_false_alarms=max_false_alarms, good_groups=groups
        )
        lm_rates |= {
            "good_mean": round(statistics.fmean(scored_good), 3),
            "bad_mean": round(statistics.fmean(scored_bad), 3),
        }
    else:
        min_lp, lm_rates = -100.0, {"skipped": "no scorer"}  # type: ignore[dict-item]  # a note where rates go
    detail["likelihood"] = {"min_mean_logprob": round(min_lp, 3), **lm_rates}
    thresholds = FluencyThresholds(
        min_zipf=zipf, max_nonwords=0, max_repeats=max_repeats, min_mean_logprob=round(min_lp, 3)
    )
    return thresholds, detail


def main(argv: Sequence[str] | None = None) -> int:
    """Calibrate on the default engine's base model and write the thresholds file."""
    from docai.services.common.settings import Settings
    from docai.services.models.base_model import ensure_base_model
    from docai.services.models.engines import create_backend

    parser = argparse.ArgumentParser(prog="python -m docai.training.fluency_calibration", description=main.__doc__)
    parser.add_argument(
        "--items", type=int, default=40, help="catalogue training items (each gives one text per brand)"
    )
    parser.add_argument("--bad", type=int, default=200, help="corrupted texts (a random sample of all corruptions)")
    parser.add_argument("--sampled", type=int, default=30, help="base-model samples at a high temperature")
    parser.add_argument(
        "--seed", type=int, default=11, help="catalogue seed (a training namespace, never the held-out one)"
    )
    parser.add_argument("--max-false-alarms", type=float, default=0.02, help="most good texts a threshold may fail")
    parser.add_argument("--backend", default="onnx")
    parser.add_argument("--out", type=Path, default=THRESHOLDS_FILE)
    parser.add_argument("--rows", type=Path, default=None, help="also write every text with its features (JSON)")
    parser.add_argument("--from-rows", type=Path, default=None, help="refit from the rows of an earlier run")
    parser.add_argument(
        "--engine", default="onnx (int8) SmolLM2-135M-Instruct", help="with --from-rows: the engine that scored them"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.from_rows is not None:
        rows = json.loads(args.from_rows.read_text(encoding="utf-8"))
        engine = args.engine
        for row in rows:  # the rule-based checks may have grown since the rows were scored
            row["misused"] = len(misused_terms(row["text"]))
    else:
        settings = Settings()
        model_dir = ensure_base_model(cache_dir=settings.model_cache, source=settings.base_model or None)
        backend: Any = create_backend(args.backend, model_dir=model_dir)
        engine = f"{args.backend} ({getattr(backend, 'precision', '')}) {backend.model_name}".replace(" ()", "")
        brands = BrandBook.load()
        good = good_texts(brands, items=args.items, seed=args.seed)
        made = bad_texts(good, seed=args.seed)
        made = random.Random(f"fluency-cap:{args.seed}").sample(made, min(args.bad, len(made)))
        bad = made + sampled_texts(backend, good, count=args.sampled, seed=args.seed)
        checker = FluencyChecker(thresholds=FluencyThresholds(), scorer=backend.score_text)
        rows = _features(checker, [*good, *bad], brands)
    rng = random.Random(f"fluency-split:{args.seed}")
    fit: list[dict[str, Any]] = []
    check: list[dict[str, Any]] = []
    for row in rows:
        (fit if rng.random() < 0.7 else check).append(row)
    thresholds, detail = calibrate(fit, max_false_alarms=args.max_false_alarms)
    report = {
        "thresholds": {
            "min_zipf": thresholds.min_zipf,
            "max_nonwords": thresholds.max_nonwords,
            "max_repeats": thresholds.max_repeats,
            "min_mean_logprob": thresholds.min_mean_logprob,
        },
        "command": "python -m docai.training.fluency_calibration "
        + " ".join(argv if argv is not None else __import__("sys").argv[1:]),
        "engine": engine,
        "data": {
            "good": "brand examples + synthetic catalogue targets of training products "
            f"(seed {args.seed}, {args.items} items); never the held-out products",
            "bad": "made-up words, stutters, shuffled words, loops, colour as material (from the good texts), "
            "and base-model samples at temperature 1.6",
            "max_false_alarms": args.max_false_alarms,
        },
        "per_check_on_fit": detail,
        "fit": _rates(fit, thresholds),
        "validation": _rates(check, thresholds),
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.rows is not None and args.from_rows is None:
        args.rows.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
