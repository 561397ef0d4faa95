"""Benchmark: line-item cell F1 of the table reader on a folder of PDFs with truth beside them.

Every ``X.pdf`` under the folders is parsed, its tables read with
:func:`docai.services.extraction.line_items.read_line_items`, and scored against ``X.json``
with the project's scorer (``training/scoring.py``). Documents whose truth has no
``line_items`` still count their predicted items as nothing: only truth cells are scored.

    .venv/bin/python -m docai.training.bench.line_items ../shared/eval/dev
    .venv/bin/python -m docai.training.synthetic /tmp/syn --count 200 --seed 70000
    .venv/bin/python -m docai.training.bench.line_items /tmp/syn --by layout --worst 5

Prints one line per group (the sub-folder, or the synthetic layout with ``--by layout``) and
one for all documents: cell F1, precision, recall, matched items and F1 per field; then the
time per document (parse and read apart) and, with ``--worst N``, the N weakest documents.
``--json`` prints the whole report as JSON instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docai.services.extraction.layout import Layout
from docai.services.extraction.line_items import read_line_items
from docai.services.ingest.pdf_parse import parse_pdf
from docai.training.scoring import score_documents


def _group(pdf: Path, root: Path, truth: dict[str, Any], by: str) -> str:
    if by == "layout":
        return str(truth.get("_synthetic", {}).get("layout_name", "-"))
    parent = pdf.parent.relative_to(root)
    return str(parent) if str(parent) != "." else root.name


def score_folders(roots: Sequence[Path], *, by: str = "folder", decimal: str | None = None) -> dict[str, Any]:
    """Read and score every PDF with a truth JSON beside it under ``roots``.

    Args:
        roots: Folders searched recursively for ``*.pdf``.
        by: Group documents by ``"folder"`` (sub-folder of the root) or ``"layout"`` (the
            synthetic generator's layout name).
        decimal: The decimal mark to pass to the reader, or None to let each table decide.

    Returns:
        ``{"groups": {name: line_items report}, "all": report, "documents": {path: F1},
        "seconds": {"parse": s/doc, "read": s/doc}, "count": n}``, reports as
        :func:`score_documents` gives them under ``"line_items"``.
    """
    predictions: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    truths: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    per_document: dict[str, float] = {}
    parse_s = read_s = 0.0
    count = 0
    for root in roots:
        for pdf in sorted(root.rglob("*.pdf")):
            truth_path = pdf.with_suffix(".json")
            if not truth_path.exists():
                continue
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            started = time.perf_counter()
            document = parse_pdf(pdf.read_bytes())
            parsed = time.perf_counter()
            items = read_line_items(Layout(document), decimal=decimal)
            parse_s += parsed - started
            read_s += time.perf_counter() - parsed
            count += 1
            prediction = {"line_items": [{k: f.value for k, f in item.fields.items()} for item in items]}
            expected = {"line_items": truth.get("line_items", [])}
            key = str(pdf)
            group = _group(pdf, root, truth, by)
            predictions[group][key], truths[group][key] = prediction, expected
            if expected["line_items"]:
                per_document[key] = score_documents({key: prediction}, {key: expected})["line_items"]["f1"]
    everything_p = {k: v for group in predictions.values() for k, v in group.items()}
    everything_t = {k: v for group in truths.values() for k, v in group.items()}
    return {
        "groups": {g: score_documents(predictions[g], truths[g])["line_items"] for g in sorted(truths)},
        "all": score_documents(everything_p, everything_t)["line_items"],
        "documents": per_document,
        "seconds": {"parse": parse_s / max(count, 1), "read": read_s / max(count, 1)},
        "count": count,
    }


def _line(name: str, report: dict[str, Any], documents: int) -> str:
    fields = " ".join(f"{k}={v['f1']:.2f}" for k, v in report["cells"].items())
    return (
        f"{name:30s} docs={documents:3d} F1={report['f1']:.3f} P={report['precision']:.3f} "
        f"R={report['recall']:.3f} items={report['items_matched']}/{report['items_truth']} "
        f"(predicted {report['items_predicted']}) | {fields}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--by", choices=("folder", "layout"), default="folder")
    parser.add_argument("--decimal", choices=(",", "."), default=None)
    parser.add_argument("--worst", type=int, default=0, help="list the N documents with the lowest cell F1")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = score_folders(args.folders, by=args.by, decimal=args.decimal)
    if args.json:
        json.dump(report, sys.stdout, indent=2, default=str)
        print()
        return 0
    sizes: dict[str, int] = defaultdict(int)
    for root in args.folders:
        for pdf in root.rglob("*.pdf"):
            if pdf.with_suffix(".json").exists():
                truth = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
                sizes[_group(pdf, root, truth, args.by)] += 1
    for name, group in report["groups"].items():
        print(_line(name, group, sizes[name]))
    print(_line("ALL", report["all"], report["count"]))
    seconds = report["seconds"]
    print(f"per document: parse {1000 * seconds['parse']:.1f} ms, read {1000 * seconds['read']:.1f} ms")
    for path, f1 in sorted(report["documents"].items(), key=lambda kv: kv[1])[: args.worst]:
        print(f"  {f1:.2f} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
