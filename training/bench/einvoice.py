"""`docai bench --which einvoice`: the exact path on real e-invoices, and the cross-check against tampering.

On a folder of e-invoice PDFs with ground truth beside them (``../shared/eval/einvoice``):

- **XML path**: header micro-F1 of what the suite's reader returns (the XML, placed on the
  page), which path read each invoice, and the time of reading the XML alone
  (``read_einvoice``: parse, map, schema and sums) against reading the whole invoice
  (page + XML + cross-check), side by side on the same invoices;
- **cross-check on the originals**: how many invoices' XML and page disagree (their pages and
  XML agree, so every disagreement is a false alarm) and the schema or sum problems found;
- **tampered copies**: for each invoice, a copy with the IBAN, the gross total or the invoice
  number changed in the embedded XML only (``docai.services.einvoice.tamper``), parsed from
  the rewritten PDF; every copy of a field the page shows must be caught
  (``XML_PAGE_MISMATCH``). A field the page does not show cannot be contradicted by it: those
  copies are counted apart.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

from docai.services.common.progress_bar import progress_bar
from docai.services.common.settings import Settings
from docai.services.einvoice.read import read_einvoice
from docai.services.einvoice.tamper import TAMPERABLE, tamper_pdf


def bench_einvoice(settings: Settings, *, data: Path) -> dict[str, Any]:
    """Measures the XML path, the cross-check and tamper detection on `data` (see the module docstring)."""
    from docai.services.extraction.readers import reader_from_settings
    from docai.services.ingest.pdf_parse import parse_pdf
    from docai.services.models.fake_backend import FakeTextGenerator
    from docai.training.evaluate import documents_in
    from docai.training.scoring import score_documents

    reader = reader_from_settings(settings, FakeTextGenerator(lambda request: "{}"))
    predictions: dict[str, Any] = {}
    truths: dict[str, Any] = {}
    paths: dict[str, int] = {}
    xml_s: list[float] = []
    whole_s: list[float] = []
    false_alarms: dict[str, str] = {}
    problems: dict[str, str] = {}
    tampered = caught = 0
    missed: list[str] = []
    unshown: list[str] = []
    for pdf, truth_path in progress_bar(documents_in(data), desc="bench einvoice"):
        key = str(pdf.relative_to(data))
        truths[key] = json.loads(truth_path.read_text())
        original = pdf.read_bytes()
        parsed = parse_pdf(original)
        started = time.perf_counter()
        outcome = reader.extract(parsed)
        whole_s.append(time.perf_counter() - started)
        if parsed.einvoice is not None and parsed.einvoice.xml:
            started = time.perf_counter()
            read_einvoice(parsed.einvoice.xml)
            xml_s.append(time.perf_counter() - started)
        predictions[key] = outcome.extraction.flat()
        paths[outcome.path] = paths.get(outcome.path, 0) + 1
        for check in outcome.checks:
            if check.name == "xml_matches_page" and not check.passed:
                false_alarms[key] = check.detail
            elif not check.passed:
                problems[key] = f"{check.name}: {check.detail}"
        shown = {name for name, f in outcome.extraction.fields.items() if f.provenance.bbox is not None}
        for field in TAMPERABLE:
            copy = tamper_pdf(original, field)
            if copy is None:
                continue  # the XML does not state this field
            checks = reader.extract(parse_pdf(copy)).checks
            if field not in shown:  # nothing on the page can contradict it
                unshown.append(f"{key}: {field}")
                continue
            tampered += 1
            if any(c.name == "xml_matches_page" and not c.passed and field in c.fields for c in checks):
                caught += 1
            else:
                missed.append(f"{key}: {field}")
    scored = score_documents(predictions, truths)
    return {
        "date": time.strftime("%Y-%m-%d"),
        "data": str(data),
        "documents": len(truths),
        "micro_f1": scored["micro_f1"],
        "fields": {name: round(f["f1"], 4) for name, f in scored["fields"].items()},
        "read_by": paths,
        "xml_read_ms": _ms(xml_s),
        "whole_invoice_ms": _ms(whole_s),
        "cross_check": {"disagreements": len(false_alarms), "details": false_alarms},
        "other_failed_checks": problems,
        "tampered": {"copies": tampered, "caught": caught, "missed": missed, "field_not_on_page": unshown},
    }


def _ms(seconds: list[float]) -> dict[str, float]:
    if not seconds:
        return {}
    ordered = sorted(seconds)
    return {
        "mean": round(1000 * statistics.fmean(ordered), 2),
        "p50": round(1000 * ordered[len(ordered) // 2], 2),
        "p95": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


def render(report: dict[str, Any]) -> str:
    """The report as a docs/BENCHMARKS.md section."""
    xml, whole = report["xml_read_ms"], report["whole_invoice_ms"]
    tampered = report["tampered"]
    lines = [
        "<!-- bench:einvoice:start -->",
        (
            f"`make bench` (`docai bench --which einvoice --einvoice-data {report['data']}`), {report['date']}, "
            "this 2-core CPU, no model call on this path."
        ),
        "",
        "| figure | value |",
        "|---|---|",
        f"| header micro-F1 ({report['documents']} e-invoices) | **{report['micro_f1']:.3f}** |",
        f"| read by | {', '.join(f'{path}: {n}' for path, n in sorted(report['read_by'].items()))} |",
        (
            "| reading the XML alone (parse, map, schema, sums) | "
            f"mean {xml.get('mean', 0)} ms, p95 {xml.get('p95', 0)} ms |"
        ),
        (
            "| whole invoice (page read + XML + placing + cross-check) | "
            f"mean {whole.get('mean', 0)} ms, p95 {whole.get('p95', 0)} ms |"
        ),
        f"| XML and page disagree (originals; every one a false alarm) | {report['cross_check']['disagreements']} |",
        (
            "| tampered copies (IBAN, gross or number changed in the XML only) caught | "
            f"**{tampered['caught']} of {tampered['copies']}** |"
        ),
        (
            "| tampered copies of a field the page does not show (nothing to contradict) | "
            f"{len(tampered['field_not_on_page'])} |"
        ),
    ]
    if report["cross_check"]["details"]:
        lines += ["", "Disagreements on the originals:", ""]
        lines += [f"- `{key}`: {detail}" for key, detail in sorted(report["cross_check"]["details"].items())]
    if tampered["field_not_on_page"]:
        lines += [
            "",
            "Tampered fields the page does not show (the XML alone states them; a changed IBAN there is",
            "caught by BANK_DETAILS_CHANGED once the vendor's account is on file):",
            "",
        ]
        lines += [f"- `{m}`" for m in tampered["field_not_on_page"]]
    if tampered["missed"]:
        lines += ["", "Tampered copies not caught:", ""] + [f"- `{m}`" for m in tampered["missed"]]
    if report["other_failed_checks"]:
        lines += ["", "Other failed checks on the originals (they send the invoice to review):", ""]
        lines += [f"- `{key}`: {detail}" for key, detail in sorted(report["other_failed_checks"].items())]
    lines.append("<!-- bench:einvoice:end -->")
    return "\n".join(lines)
