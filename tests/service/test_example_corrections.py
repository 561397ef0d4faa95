"""The README's correction example plays the accountant against a whole suite: every wrong field
fixed, approved, IBANs confirmed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from docai.services.storage import tables
from docai.training.synthetic import generate_invoice, make_vendor

REPO = Path(__file__).resolve().parents[2]


def test_the_example_corrects_and_approves_a_new_vendors_invoices(running, answers, tmp_path: Path) -> None:
    vendor = make_vendor(4242)
    first, second = (generate_invoice(seed, vendor=vendor) for seed in (100, 101))
    answers.add(first.truth, total_gross=1.0, iban=None)  # one read with two mistakes
    answers.add(second.truth, invoice_number=None)  # the other without its number
    token_file, person_file, second_file = tmp_path / "token", tmp_path / "accountant", tmp_path / "controller"
    token_file.write_text(running.tenant("acme"))  # the ERP uploads; people review with their own tokens
    person_file.write_text(running.person("acme", "accountant@acme", "approver"))
    second_file.write_text(running.person("acme", "controller@acme", "approver"))
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "examples" / "correct_invoices.py"),
            "--address",
            running.address,
            "--token-file",
            str(token_file),
            "--person-token-file",
            str(person_file),
            "--count",
            "2",
            "--vendor-seed",
            "4242",
            "--first-seed",
            "100",
            "--timeout",
            "60",
            "--second-token-file",
            str(second_file),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 invoices corrected and approved" in run.stdout
    with running.suite.db.transaction() as session:
        approved = {
            row.extraction["fields"]["invoice_number"]["value"]: row
            for row in session.scalars(select(tables.ApprovedExample))
        }
    assert set(approved) == {first.truth["invoice_number"], second.truth["invoice_number"]}
    fixed = approved[first.truth["invoice_number"]]
    assert set(fixed.changed_fields) == {"total_gross", "iban"} and fixed.reviewer == "accountant@acme"
    assert (fixed.needs_second_approval, fixed.second_approver) == (True, "controller@acme")  # the IBAN was corrected
    assert float(fixed.extraction["fields"]["total_gross"]["value"]) == first.truth["total_gross"]
    assert fixed.extraction["fields"]["iban"]["value"] == first.truth["iban"]
    assert len(fixed.extraction["line_items"]) == len(first.truth["line_items"])
    assert "invoice_number" in approved[second.truth["invoice_number"]].changed_fields
