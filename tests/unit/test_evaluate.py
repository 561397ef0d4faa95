"""`docai eval` writes the report DESIGN.md promises, scored against the truth beside each PDF."""

from __future__ import annotations

import json
from pathlib import Path

from docai.services.common.settings import Settings
from docai.services.testing import answer_from_truth, scripted_backend
from docai.training.evaluate import compare_reports, comparison_table, evaluate_directory
from docai.training.synthetic import write_corpus


def test_report_has_the_contract_fields_and_scores_a_perfect_and_a_wrong_reader(tmp_path: Path):
    data = tmp_path / "data"
    write_corpus(data, count=2, seed=3)
    truths = {p.stem: json.loads(p.read_text()) for p in data.glob("*.json")}

    def perfect(request):
        prompt = request.messages[-1]["content"]
        truth = next(t for t in truths.values() if str(t["invoice_number"]) in prompt)
        return answer_from_truth({k: v for k, v in truth.items() if not k.startswith("_")})

    settings = Settings(home=tmp_path / "home", backend="fake", adapter="none")
    out = tmp_path / "report.json"
    report = evaluate_directory(data=data, out=out, settings=settings, backend=scripted_backend(perfect))
    written = json.loads(out.read_text())
    assert written["documents"] == 2 and written["complete"] is True
    assert set(written) >= {"micro_f1", "fields", "document_exact_rate", "latency_s", "model", "adapter", "predictions"}
    assert set(written["predictions"]) == {"0000.pdf", "0001.pdf"}
    assert set(written["fields"]["invoice_number"]) >= {"precision", "recall", "f1", "support"}
    assert report["micro_f1"] > 0.9

    wrong = evaluate_directory(
        data=data, out=out, settings=settings, backend=scripted_backend(lambda request: '{"invoice_number": "X-0"}')
    )
    assert wrong["micro_f1"] < 0.2
    assert wrong["fields"]["invoice_number"]["precision"] == 0.0


def test_resume_reads_only_what_an_unfinished_report_lacks(tmp_path: Path):
    data = tmp_path / "data"
    write_corpus(data, count=3, seed=4)
    settings = Settings(home=tmp_path / "home", backend="fake", adapter="none")
    out = tmp_path / "report.json"
    first = evaluate_directory(data=data, out=out, settings=settings, limit=2,
                               backend=scripted_backend(lambda request: '{"invoice_number": "FIRST"}'))
    unfinished = {**first, "complete": False}
    out.write_text(json.dumps(unfinished))
    seen: list[str] = []

    def second(request):
        seen.append(request.messages[-1]["content"])
        return '{"invoice_number": "SECOND"}'

    report = evaluate_directory(data=data, out=out, settings=settings, backend=scripted_backend(second), resume=True)
    assert len(seen) == 1 and report["complete"] is True
    numbers = {key: p.get("invoice_number") for key, p in report["predictions"].items()}
    assert numbers == {"0000.pdf": "FIRST", "0001.pdf": "FIRST", "0002.pdf": "SECOND"}
    # A finished report is never resumed: everything is read again.
    again = evaluate_directory(data=data, out=out, settings=settings, backend=scripted_backend(second), resume=True)
    assert len(seen) == 4 and set(p.get("invoice_number") for p in again["predictions"].values()) == {"SECOND"}


def test_compare_scores_the_common_documents_per_folder_with_a_paired_bootstrap(tmp_path: Path):
    data = tmp_path / "data"
    for folder, count in (("a", 2), ("b", 1)):
        for index in range(count):
            (data / folder).mkdir(parents=True, exist_ok=True)
            (data / folder / f"{index}.pdf").write_bytes(b"%PDF-1.4")
            (data / folder / f"{index}.json").write_text(json.dumps({"invoice_number": f"N{index}", "currency": "EUR"}))
    right = {"invoice_number": "N0", "currency": "EUR"}
    before = {"predictions": {"a/0.pdf": {}, "a/1.pdf": {}, "b/0.pdf": {}}}
    after = {"predictions": {"a/0.pdf": right, "a/1.pdf": {"currency": "EUR"}}}  # b/0.pdf not read yet
    comparison = compare_reports(before, after, data=data)
    assert comparison["documents"] == 2
    assert (comparison["before"]["micro_f1"], comparison["after"]["micro_f1"]) == (0.0, 6 / 7)  # 3 right, 1 missing
    assert comparison["bootstrap"]["n"] == 2 and comparison["bootstrap"]["mean_diff"] > 0
    assert comparison["groups"] == {"a": {"documents": 2, "before": 0.0, "after": 6 / 7}}
    assert "| invoice_number | 2 | 0.00 | 0.67 |" in comparison_table(comparison)
