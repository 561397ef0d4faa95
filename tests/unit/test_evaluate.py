"""`docai eval` writes the report DESIGN.md promises, scored against the truth beside each PDF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
    report = evaluate_directory(
        data=data, out=out, settings=settings, backend=scripted_backend(perfect), path="generative"
    )
    written = json.loads(out.read_text())
    assert written["documents"] == 2 and written["complete"] is True
    assert set(written) >= {"micro_f1", "fields", "document_exact_rate", "latency_s", "model", "adapter", "predictions"}
    assert set(written["predictions"]) == {"0000.pdf", "0001.pdf"}
    assert set(written["fields"]["invoice_number"]) >= {"precision", "recall", "f1", "support"}
    assert report["micro_f1"] > 0.9

    wrong = evaluate_directory(
        data=data,
        out=out,
        settings=settings,
        backend=scripted_backend(lambda request: '{"invoice_number": "X-0"}'),
        path="generative",
    )
    assert wrong["micro_f1"] < 0.2
    assert wrong["fields"]["invoice_number"]["precision"] == 0.0


def test_resume_reads_only_what_an_unfinished_report_lacks(tmp_path: Path):
    data = tmp_path / "data"
    write_corpus(data, count=3, seed=4)
    settings = Settings(home=tmp_path / "home", backend="fake", adapter="none")
    out = tmp_path / "report.json"
    first = evaluate_directory(
        data=data,
        out=out,
        settings=settings,
        limit=2,
        path="generative",
        backend=scripted_backend(lambda request: '{"invoice_number": "FIRST"}'),
    )
    unfinished = {**first, "complete": False}
    out.write_text(json.dumps(unfinished))
    seen: list[str] = []

    def second(request):
        seen.append(request.messages[-1]["content"])
        return '{"invoice_number": "SECOND"}'

    report = evaluate_directory(
        data=data, out=out, settings=settings, backend=scripted_backend(second), resume=True, path="generative"
    )
    assert len(seen) == 1 and report["complete"] is True
    numbers = {key: p.get("invoice_number") for key, p in report["predictions"].items()}
    assert numbers == {"0000.pdf": "FIRST", "0001.pdf": "FIRST", "0002.pdf": "SECOND"}
    # A finished report is never resumed: everything is read again.
    again = evaluate_directory(
        data=data, out=out, settings=settings, backend=scripted_backend(second), resume=True, path="generative"
    )
    # A report of another path is not resumed either.
    assert _unfinished_report_path(out) == "generative"
    assert len(seen) == 4 and {p.get("invoice_number") for p in again["predictions"].values()} == {"SECOND"}


def _unfinished_report_path(out: Path) -> str:
    return json.loads(out.read_text())["path"]


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


def test_report_records_path_confidences_calibration_straight_through_and_folders(tmp_path: Path):
    data = tmp_path / "data"
    write_corpus(data / "a", count=2, seed=3)
    write_corpus(data / "b", count=1, seed=5)
    truths = [json.loads(p.read_text()) for p in sorted(data.rglob("*.json"))]

    def perfect(request):
        prompt = request.messages[-1]["content"]
        truth = next(t for t in truths if str(t["invoice_number"]) in prompt)
        return answer_from_truth({k: v for k, v in truth.items() if not k.startswith("_")})

    settings = Settings(home=tmp_path / "home", backend="fake", adapter="none")
    report = evaluate_directory(
        data=data, out=tmp_path / "r.json", settings=settings, backend=scripted_backend(perfect), path="generative"
    )
    keys = {"a/0000.pdf", "a/0001.pdf", "b/0000.pdf"}
    assert report["path"] == "generative" and report["paths"] == dict.fromkeys(keys, "page")
    assert set(report["confidences"]) == keys
    assert all(0.0 <= c <= 1.0 for conf in report["confidences"].values() for c in conf.values())
    assert report["confidences"]["a/0000.pdf"]["invoice_number"] == 1.0  # the fake's tokens are certain
    assert report["calibration"]["_all"]["support"] == sum(
        report["fields"][f]["tp"] + report["fields"][f]["fp"] for f in report["fields"]
    )
    assert set(report["calibration"]["invoice_number"]) == {"ece", "support"}
    assert set(report["straight_through"]) >= {"threshold", "rate", "precision", "documents"}
    assert report["straight_through"]["documents"] == 3
    assert report["per_folder"] == {
        "a": {"micro_f1": report["per_folder"]["a"]["micro_f1"], "documents": 2},
        "b": {"micro_f1": report["per_folder"]["b"]["micro_f1"], "documents": 1},
    }
    assert report["per_folder"]["a"]["micro_f1"] > 0.9
    assert set(report["line_items"]) >= {"precision", "recall", "f1", "support", "cells"}
    assert set(report["stages_mean_s"]) >= {"parse_s", "prefill_s", "decode_s", "validation_s"}
    assert json.loads((tmp_path / "r.json").read_text())["straight_through"] == report["straight_through"]


def test_reader_path_applies_the_calibration_file_and_reports_the_path_it_read_by(tmp_path: Path):
    from docai.training.calibration import fit_calibrator

    data = tmp_path / "data"
    write_corpus(data, count=2, seed=3)
    calibration = tmp_path / "calibration.json"
    # Right half the time whatever the raw score: every calibrated confidence is 0.5.
    fit_calibrator({"invoice_number": [(0.9, True), (0.9, False)] * 30}).save(calibration)
    settings = Settings(home=tmp_path / "home", backend="fake", adapter="none", calibration_path=calibration)
    report = evaluate_directory(
        data=data, out=tmp_path / "r.json", settings=settings, backend=scripted_backend(lambda request: "{}")
    )
    assert report["path"] == "reader" and set(report["paths"].values()) == {"page"}
    assert report["calibration_file"] == str(calibration)
    confidences = {c for doc in report["confidences"].values() for c in doc.values()}
    assert confidences == {0.5}
    assert report["micro_f1"] > 0.8  # the reader reads synthetic invoices well


def test_a_missing_or_empty_data_folder_is_an_error_not_zero_documents(tmp_path: Path, capsys):
    from docai.services.cli import main
    from docai.services.common.errors import InvalidArgumentError

    settings = Settings(home=tmp_path / "home", backend="fake", adapter="none")
    fake = scripted_backend(lambda request: "{}")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "lonely.pdf").write_bytes(b"%PDF-1.4")  # no truth beside it
    with pytest.raises(InvalidArgumentError, match="holds no"):
        evaluate_directory(data=tmp_path / "empty", out=tmp_path / "r.json", settings=settings, backend=fake)
    with pytest.raises(InvalidArgumentError, match="not a directory"):
        evaluate_directory(data=tmp_path / "missing", out=tmp_path / "r.json", settings=settings, backend=fake)
    assert not (tmp_path / "r.json").exists()
    assert main(["eval", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a directory" in err


def test_an_unknown_path_is_a_clear_error(tmp_path: Path):
    from docai.services.common.errors import InvalidArgumentError

    data = tmp_path / "data"
    write_corpus(data, count=1, seed=3)
    settings = Settings(home=tmp_path / "home", backend="fake", adapter="none")
    with pytest.raises(InvalidArgumentError, match="unknown extraction path"):
        evaluate_directory(
            data=data, out=None, settings=settings, backend=scripted_backend(lambda r: "{}"), path="oracle"
        )
