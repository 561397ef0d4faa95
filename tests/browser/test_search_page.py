"""The archive in real Chromium: search, a document's history, re-opening an approved invoice, CSV.

The stage (tests/browser/conftest.py) has four demo invoices waiting in review; these tests approve
"plain" (over its failed check) first, through the ReviewService as the demo approver.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from docai.services.pb.review.v1 import review_service_pb2 as pb

from .conftest import REVIEWER, REVIEWER_PASSWORD, Stage, sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
APPROVER = "accountant@demo"


@pytest.fixture(scope="module")
def approved(stage: Stage) -> str:
    """Approves "plain" (its gross misread, so a check fails) and returns its document id."""
    review, me = stage.review_stub(), stage.as_user(APPROVER)
    name = f"reviewTasks/{stage.task_id('plain')}"
    claimed = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=name), metadata=me).review_task
    review.ApproveReviewTask(
        pb.ApproveReviewTaskRequest(name=name, etag=claimed.etag, request_id="ok-plain"), metadata=me
    )
    return stage.documents["plain"].split("/", 1)[1]


def rows(page: Any) -> list[str]:
    return page.locator("table.results tbody tr").evaluate_all("rows => rows.map(r => r.dataset.document)")


def search(page: Any, **filters: str) -> None:
    page.goto("/search")
    for name, value in filters.items():
        selector = f"[name={name}]"
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click("form.search-filters button[type=submit]")
    page.wait_for_load_state()


def test_search_finds_an_invoice_by_vendor_number_amount_and_state(page: Any, stage: Stage, approved: str) -> None:
    sign_in(page)
    page.click("nav.topnav a[href='/search']")
    page.wait_for_url(re.compile(r".*/search$"))
    assert len(rows(page)) == 4  # every invoice of the tenant, newest first; none of the other tenant's
    page.screenshot(path=str(SHOTS / "search.png"))

    plain = stage.truths["plain"]
    search(page, vendor=plain["vendor_name"].split()[0].lower())
    assert rows(page) == [approved]
    assert page.locator("table.results tbody tr td.number").inner_text() == plain["invoice_number"]
    assert page.locator("table.results .pill").inner_text() == "Approved"

    search(page, number=stage.truths["line"]["invoice_number"].lower())
    assert rows(page) == [stage.documents["line"].split("/", 1)[1]]
    search(page, amount=f"{float(stage.truths['line']['total_gross']) + 1:.2f}")  # as the misreading read it
    assert rows(page) == [stage.documents["line"].split("/", 1)[1]]
    search(page, state="approved")
    assert rows(page) == [approved]
    search(page, by="invoice", **{"from": plain["invoice_date"], "to": plain["invoice_date"]}, state="approved")
    assert rows(page) == [approved]
    search(page, amount="0.01")
    assert rows(page) == []
    assert "Nothing found" in page.locator("main").inner_text()
    search(page, amount="lots")
    assert "is not an amount" in page.locator(".search-error").inner_text()


def test_history_csv_and_re_open_from_the_search_page(page: Any, stage: Stage, approved: str, tmp_path: Path) -> None:
    sign_in(page)
    search(page, state="approved")
    page.click(f"tr[data-document='{approved}'] a:has-text('History')")
    page.wait_for_url(re.compile(rf".*/documents/{approved}#history$"))
    assert page.locator("[data-testid=state]").inner_text() == "Approved"
    assert page.locator("dd[data-field=invoice_number]").inner_text() == stage.truths["plain"]["invoice_number"]
    history = page.locator("ol.history").inner_text()
    assert APPROVER in history and "approved" in history

    today = dt.datetime.now(dt.UTC).date().isoformat()
    search(page, by="upload", **{"from": today, "to": today})
    with page.expect_download() as download:
        page.click("[data-testid=export-csv]")
    target = tmp_path / "approved.csv"
    download.value.save_as(str(target))
    assert download.value.suggested_filename == f"docai-approved-upload-{today}-{today}.csv"
    with target.open(newline="", encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert [r["document"] for r in exported] == [f"documents/{approved}"]  # only the approved one
    assert (exported[0]["approved_by"], exported[0]["checks_overridden"]) == (APPROVER, "true")
    assert exported[0]["invoice_number"] == stage.truths["plain"]["invoice_number"]

    search(page, state="approved")
    page.click(f"tr[data-document='{approved}'] [data-reopen]")
    page.fill("#reopen-reason", "booked on the wrong cost centre")
    page.click("#reopen-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/tasks/[A-Za-z0-9]+$"))
    assert "Re-opened" in page.locator(".flash").inner_text()
    page.goto(f"/documents/{approved}")
    assert page.locator("[data-testid=state]").inner_text() == "In review"
    entry = page.locator("ol.history li").first.inner_text()
    assert "re-opened" in entry and "booked on the wrong cost centre" in entry and APPROVER in entry
    assert page.locator("#reopen").count() == 0  # in review: nothing to re-open


def test_a_reviewer_can_search_but_not_re_open(page: Any, stage: Stage) -> None:
    review, me = stage.review_stub(), stage.as_user(APPROVER)
    name = f"reviewTasks/{stage.task_id('line')}"
    claimed = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=name), metadata=me).review_task
    review.ApproveReviewTask(
        pb.ApproveReviewTaskRequest(name=name, etag=claimed.etag, request_id="ok-line"), metadata=me
    )
    line = stage.documents["line"].split("/", 1)[1]
    sign_in(page, REVIEWER, REVIEWER_PASSWORD)
    search(page, state="approved")
    assert line in rows(page)
    assert page.locator("[data-reopen]").count() == 0
    page.goto(f"/documents/{line}")
    assert page.locator("#reopen").count() == 0
    token = page.get_attribute("body", "data-csrf")
    page.request.post(f"/documents/{line}/reopen", form={"csrf_token": token or "", "reason": "mine"})
    page.goto(f"/documents/{line}")
    assert page.locator("[data-testid=state]").inner_text() == "Approved"  # the server said no too
