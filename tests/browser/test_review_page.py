"""The review page in real Chromium against the real suite (scripted model).

The tests share one suite and run in file order: the second one approves the oldest
invoice, the third walks the queue and approves another, the rest only read or use their own.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.storage import tables

from .conftest import (
    EINVOICE_PASSWORD,
    EINVOICE_USER,
    OTHER_PASSWORD,
    OTHER_USER,
    REVIEWER,
    REVIEWER_PASSWORD,
    XSS_VENDOR,
    Stage,
    sign_in,
)

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FIGURES: dict[str, Any] = {}


def money(value: Any) -> str:
    return f"{float(value):.2f}"


def wait_ready(page: Any) -> None:
    """The invoice is fully shown: fields rendered and the page image loaded with its boxes."""
    page.wait_for_selector("body.task-page[data-ready='1']")


def press_and_time(page: Any, key: str) -> tuple[float, str]:
    """Presses a shortcut and returns the seconds until the next invoice is fully shown, and its URL."""
    before = page.url
    start = time.perf_counter()
    page.keyboard.press(key)
    page.wait_for_url(lambda url: url != before and "/tasks/" in url)
    wait_ready(page)
    return time.perf_counter() - start, page.url


def check_state(page: Any, name: str) -> str:
    return page.get_attribute(f"li[data-check='{name}']", "class") or ""


def approved_example(stage: Stage, role: str) -> tables.ApprovedExample:
    document_id = stage.documents[role].split("/", 1)[1]
    with stage.running.suite.db.transaction() as session:
        example = session.scalar(
            select(tables.ApprovedExample).where(tables.ApprovedExample.document_id == document_id)
        )
        assert example is not None, f"no training example for {role}"
        session.expunge(example)
        return example


def test_sign_in_and_queue(page: Any, stage: Stage) -> None:
    response = page.goto("/")
    assert "/login" in page.url  # signed out: the queue redirects to sign-in
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    cookie = response.all_headers()["set-cookie"].lower()  # the sign-in form starts a session
    assert "httponly" in cookie and "samesite=lax" in cookie
    page.fill("input[name=username]", "accountant@demo")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.get_by_text("Wrong username or password.").is_visible()

    sign_in(page)
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 4  # the other tenant's invoice is not listed
    assert page.locator("[data-testid=total]").inner_text() == "4"
    vendors = [stage.truths[r]["vendor_name"] for r in ("totals", "line", "xss", "plain")]
    assert rows.locator("td.vendor a").all_inner_texts() == vendors  # oldest first
    assert "Failed check" in rows.first.locator("td.reasons").inner_text()
    assert stage.truths["other"]["vendor_name"] not in page.content()

    page.fill("input[name=vendor]", stage.truths["line"]["vendor_name"][:6])
    page.click("form.filters button[type=submit]")
    assert rows.count() >= 1
    assert all(
        stage.truths["line"]["vendor_name"][:6].lower() in v.lower()
        for v in rows.locator("td.vendor a").all_inner_texts()
    )

    page.goto("/?order=-total_gross")
    amounts = [float(t.split()[0].replace(",", "")) for t in rows.locator("td.amount").all_inner_texts()]
    assert amounts == sorted(amounts, reverse=True)
    page.goto("/?reason=ROUTE_UNCOVERED&order=-total_gross")
    page.goto("/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "queue.png"))

    page.click("header button:has-text('Sign out')")
    page.wait_for_url(re.compile(r".*/login$"))
    page.goto("/")
    assert "/login" in page.url


def test_correct_totals_and_line_item_then_approve(page: Any, stage: Stage) -> None:
    truth = stage.truths["totals"]
    sign_in(page)
    seconds, url = press_and_time(page, "n")
    FIGURES.setdefault("next_invoice_seconds", []).append(seconds)
    task_id = stage.task_id("totals")
    assert url.endswith(f"/tasks/{task_id}")  # "n" claimed the oldest invoice
    assert page.locator("#vendor-title").inner_text() == truth["vendor_name"]
    assert page.locator("#boxes .box").count() > 5  # fields drawn on the page image
    assert page.evaluate("document.getElementById('page-img').naturalWidth") > 500

    # Clicking a field highlights its box; out of the fields (Esc), clicking a box focuses its field.
    # (In a field, a click on the page picks the word under it instead: test_review_page_daily.)
    page.click("#f-invoice_number")
    assert page.locator("#boxes .box.box-active").count() == 1
    page.keyboard.press("Escape")
    page.locator("#boxes .box").nth(0).click()
    assert page.evaluate("document.activeElement.dataset.field || document.activeElement.dataset.itemField") is not None

    assert "fail" in check_state(page, "net_plus_tax_equals_gross")
    assert "fail" in check_state(page, "line_items_sum_to_net")
    assert "fail" in check_state(page, "line_quantity_times_price")
    etag = page.get_attribute("body", "data-etag")

    # The total: the check turns green as soon as the value is typed, before anything is saved.
    gross = money(truth["total_gross"])
    page.fill("#f-total_gross", gross)
    assert "pass" in check_state(page, "net_plus_tax_equals_gross")
    assert "fail" in check_state(page, "line_items_sum_to_net")
    page.locator("#f-total_gross").focus()
    page.evaluate("document.querySelector('.panel').scrollTop = 0")
    page.wait_for_timeout(300)  # let the check colours finish their transition
    page.screenshot(path=str(SHOTS / "invoice.png"))

    # A line item: fix the amount of line 2, add a stray row and remove it again.
    amount = page.locator("#items-body tr.item").nth(1).locator("[data-item-field=amount]")
    amount.fill(money(truth["line_items"][1]["amount"]))
    assert "pass" in check_state(page, "line_items_sum_to_net")
    assert "pass" in check_state(page, "line_quantity_times_price")
    page.click("[data-action=add-row]")
    new_row = page.locator("#items-body tr.item").last
    new_row.locator("[data-item-field=description]").fill("Freight")
    new_row.locator("[data-item-field=amount]").fill("12.50")
    assert "fail" in check_state(page, "line_items_sum_to_net")
    new_row.locator("[data-action=remove-row]").click()
    assert "pass" in check_state(page, "line_items_sum_to_net")
    assert page.get_attribute("body", "data-etag") == etag  # nothing saved yet

    # "a" saves the corrections first, approves, and opens the next invoice.
    page.keyboard.press("Escape")
    seconds, url = press_and_time(page, "a")
    FIGURES["approve_to_next_seconds"] = seconds
    assert not url.endswith(f"/tasks/{task_id}")

    page.goto(f"/tasks/{task_id}")
    history = page.locator("#history")
    assert "approved" in page.locator("#state-label").inner_text()
    change = history.locator("li.change", has_text="Gross total")
    assert change.locator("ins").inner_text() == gross
    assert change.locator("del").inner_text() == money(float(truth["total_gross"]) + 10)
    assert "accountant@demo" in change.inner_text()
    lines = history.locator("li.change", has_text="line items").inner_text()
    assert f"amount={money(truth['line_items'][1]['amount'])}" in lines
    page.goto(f"/tasks/{task_id}/history")
    assert page.locator("li.change", has_text="Gross total").count() == 1

    example = approved_example(stage, "totals")
    assert set(example.changed_fields) == {"total_gross", "line_items"}
    assert example.reviewer == "accountant@demo"
    assert example.extraction["fields"]["total_gross"]["value"] == gross
    assert example.extraction["line_items"][1]["fields"]["amount"]["value"] == money(truth["line_items"][1]["amount"])
    assert len(example.extraction["line_items"]) == 3


def test_keyboard_walk_and_keystrokes_to_correct_and_approve(page: Any, stage: Stage) -> None:
    target = stage.truths["plain"]
    sign_in(page)
    seconds, _ = press_and_time(page, "n")
    FIGURES.setdefault("next_invoice_seconds", []).append(seconds)
    for _ in range(4):  # "s" gives an invoice back and opens the next one
        if page.locator("#vendor-title").inner_text() == target["vendor_name"]:
            break
        seconds, _ = press_and_time(page, "s")
        FIGURES.setdefault("next_invoice_seconds", []).append(seconds)
    assert page.locator("#vendor-title").inner_text() == target["vendor_name"]
    task_id = stage.task_id("plain")

    # Keyboard only from here: "e" jumps to the value most likely wrong (the least sure one).
    page.keyboard.press("e")
    keys = 1
    while page.evaluate("document.activeElement.dataset.field") != "total_gross":
        page.keyboard.press("Tab")
        keys += 1
        assert keys < 30, "total_gross is not reachable with Tab"
    tabs = keys - 1
    gross = money(target["total_gross"])
    page.keyboard.type(gross)  # Tab selected the old value, so typing replaces it
    keys += len(gross)
    assert "pass" in check_state(page, "net_plus_tax_equals_gross")
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    keys += 2
    page.wait_for_url(lambda url: not url.endswith(f"/tasks/{task_id}"))
    FIGURES["keystrokes_correct_one_field_and_approve"] = keys
    FIGURES["keystrokes_breakdown"] = {"e": 1, "tab": tabs, "typed_value": len(gross), "escape": 1, "approve": 1}

    example = approved_example(stage, "plain")
    assert example.changed_fields == ["total_gross"]
    assert example.extraction["fields"]["total_gross"]["value"] == gross

    times = FIGURES["next_invoice_seconds"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "figures.json").write_text(
        json.dumps(
            {
                "measured_with": "headless Debian Chromium, embedded suite with a scripted model, loopback",
                "next_invoice_seconds": {
                    "samples": [round(t, 3) for t in times],
                    "median": round(statistics.median(times), 3),
                    "max": round(max(times), 3),
                },
                "approve_to_next_invoice_seconds": round(FIGURES.get("approve_to_next_seconds", 0.0), 3),
                "keystrokes_correct_one_field_and_approve": keys,
                "keystrokes_breakdown": FIGURES["keystrokes_breakdown"],
            },
            indent=2,
        )
        + "\n"
    )


def test_script_in_vendor_name_is_shown_as_text(page: Any, stage: Stage) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page)
    cell = page.locator("table.queue td.vendor a", has_text=XSS_VENDOR)
    assert cell.inner_text() == XSS_VENDOR
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content()
    cell.click()
    wait_ready(page)
    assert page.locator("#vendor-title").inner_text() == XSS_VENDOR
    assert page.input_value("#f-vendor_name") == XSS_VENDOR
    assert page.locator("script:not([src])").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_reviewer_of_another_tenant_gets_404(page: Any, stage: Stage) -> None:
    sign_in(page, OTHER_USER, OTHER_PASSWORD)
    assert page.locator("table.queue tbody tr").count() == 1
    response = page.goto(f"/tasks/{stage.task_id('totals')}")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert stage.truths["totals"]["vendor_name"] not in page.content()
    image = page.request.get(f"/documents/{stage.documents['totals'].split('/')[1]}/pages/1.png")
    assert image.status == 404
    history = page.goto(f"/tasks/{stage.task_id('line')}/history")
    assert history is not None and history.status == 404


def test_every_post_needs_the_csrf_token(page: Any, stage: Stage) -> None:
    sign_in(page)
    page.goto("/")
    token = page.get_attribute("body", "data-csrf")
    assert token
    posts = [r.path for r in stage.web.server.config.app.routes if "POST" in (getattr(r, "methods", None) or ())]
    assert {"/login", "/logout", "/next", "/api/next", "/api/tasks/{task_id}/approve"} <= set(posts)
    for path in posts:
        url = path.replace("{task_id}", stage.task_id("line"))
        for headers in ({}, {"X-CSRF-Token": "forged"}):
            response = page.request.post(url, data="{}", headers={"Content-Type": "application/json", **headers})
            assert response.status == 403, f"{path} answered {response.status} without a valid CSRF token"
    refused = page.request.post("/logout", form={"csrf_token": "forged"})
    assert refused.status == 403
    page.goto("/")
    assert "/login" not in page.url  # still signed in
    accepted = page.request.post(
        "/api/next", data="{}", headers={"Content-Type": "application/json", "X-CSRF-Token": token}
    )
    assert accepted.status == 200 and "url" in accepted.json()


def test_a_cookie_copied_before_sign_out_is_refused_after_it(page: Any, browser: Any, stage: Stage) -> None:
    sign_in(page, REVIEWER, REVIEWER_PASSWORD)
    copied = page.context.cookies()
    session = next(c for c in copied if c["name"] == "docai_review")
    assert session["httpOnly"] and session["sameSite"] == "Lax" and not session["secure"]  # plain http here
    elsewhere = browser.new_context(base_url=stage.url)  # e.g. a shared computer, or a stolen cookie
    try:
        elsewhere.add_cookies(copied)
        tab = elsewhere.new_page()
        tab.goto("/")
        assert "/login" not in tab.url  # the copy works while the session lives
        token = tab.get_attribute("body", "data-csrf")

        page.click("header button:has-text('Sign out')")
        page.wait_for_url(re.compile(r".*/login$"))
        tab.goto("/")
        assert "/login" in tab.url  # sign-out ended the session on the server, for every copy
        refused = elsewhere.request.post(
            "/api/next", data="{}", headers={"Content-Type": "application/json", "X-CSRF-Token": token or ""}
        )
        assert refused.status == 401
        page.context.clear_cookies()  # the signed-out browser itself, given its old cookie back: refused too
        page.context.add_cookies(copied)
        page.goto("/")
        assert "/login" in page.url
    finally:
        elsewhere.close()


def test_colleague_lease_and_stale_etag_are_explained(page: Any, stage: Stage) -> None:
    review = stage.review_stub()
    me, bob = stage.as_user("accountant@demo"), stage.as_user("bob@demo")
    xss, line = f"reviewTasks/{stage.task_id('xss')}", f"reviewTasks/{stage.task_id('line')}"
    for name in (xss, line):
        task = review.GetReviewTask(pb.GetReviewTaskRequest(name=name), metadata=me).review_task
        if task.state == pb.REVIEW_TASK_STATE_CLAIMED:
            review.ReleaseReviewTask(pb.ReleaseReviewTaskRequest(name=name), metadata=stage.as_user(task.claimed_by))
    review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=xss), metadata=bob)

    sign_in(page)
    page.goto(f"/{xss.replace('reviewTasks', 'tasks')}")
    wait_ready(page)
    assert page.locator("#message-text").inner_text() == "bob@demo is working on this invoice."
    assert page.locator("#f-total_gross").get_attribute("readonly") is not None

    page.goto(f"/{line.replace('reviewTasks', 'tasks')}")
    wait_ready(page)
    page.wait_for_selector("body[data-mine]:not(.readonly)")
    assert page.locator("#state-label").inner_text() == "open"  # opening it claimed nothing
    # Typing letters that are shortcuts must not trigger them; the first one claims the invoice.
    page.click("#f-payment_terms")
    page.keyboard.press("Control+A")
    page.keyboard.type("net 30 days, pay as agreed; no skonto")
    page.locator("#state-label", has_text="claimed by you").wait_for()
    assert page.url.endswith(line.split("/")[1]) and not page.locator("#reject-dialog[open]").count()
    # Meanwhile the same invoice changes on the server (another tab of the same user).
    current = review.GetReviewTask(pb.GetReviewTaskRequest(name=line), metadata=me).review_task
    review.SubmitCorrections(
        pb.SubmitCorrectionsRequest(
            name=line,
            etag=current.etag,
            fields=[pb.FieldCorrection(name="currency", value="CHF")],
            request_id="other-tab",
        ),
        metadata=me,
    )
    page.keyboard.press("Enter")  # save
    message = page.locator("#message-text")
    message.filter(has_text="changed since you opened it").wait_for()
    assert page.locator("#reload-btn").is_visible()
    assert review.GetReviewTask(
        pb.GetReviewTaskRequest(name=line), metadata=me
    ).extraction.fields  # nothing overwritten
    page.click("#reload-btn")
    wait_ready(page)
    assert page.input_value("#f-currency") == "CHF"

    # "r" asks for a reason and rejects.
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    page.wait_for_selector("#reject-dialog[open]")
    page.keyboard.type("duplicate of an invoice paid in March")
    page.click("#reject-dialog button[type=submit]")
    page.wait_for_url(lambda url: not url.endswith(line.split("/")[1]))
    entries = review.ListAuditEntries(
        pb.ListAuditEntriesRequest(parent=stage.documents["line"]), metadata=me
    ).audit_entries
    assert (entries[-1].action, entries[-1].actor, entries[-1].new_value) == (
        "rejected",
        "accountant@demo",
        "duplicate of an invoice paid in March",
    )


def test_a_reviewer_corrects_but_cannot_approve(page: Any, stage: Stage) -> None:
    xss = f"reviewTasks/{stage.task_id('xss')}"
    review = stage.review_stub()
    claimed_by = review.GetReviewTask(
        pb.GetReviewTaskRequest(name=xss), metadata=stage.as_user(REVIEWER)
    ).review_task.claimed_by
    if claimed_by:  # left claimed by an earlier test
        review.ReleaseReviewTask(pb.ReleaseReviewTaskRequest(name=xss), metadata=stage.as_user(claimed_by))
    sign_in(page, REVIEWER, REVIEWER_PASSWORD)
    _seconds, url = press_and_time(page, "n")
    task_id = url.rsplit("/", 1)[1]
    assert page.locator("[data-action=approve]").is_disabled()
    page.keyboard.press("a")
    page.locator("#message-text").filter(has_text="cannot approve").wait_for()
    page.keyboard.press("?")
    page.wait_for_selector("#help[open]")
    page.keyboard.press("Escape")
    assert page.locator("#help[open]").count() == 0

    # A reviewer may correct: the route here (a picklist of the policy's departments), saved with Enter.
    page.select_option("#r-department", "Facilities")
    page.keyboard.press("Enter")
    page.locator("#message-text").filter(has_text="Saved").wait_for()
    entries = review.ListAuditEntries(
        pb.ListAuditEntriesRequest(parent=stage.documents["xss"]), metadata=stage.as_user(REVIEWER)
    ).audit_entries
    route = [e for e in entries if e.action == "route_corrected"]
    assert {e.actor for e in route} == {REVIEWER}
    # The department's own cost centre comes with it (the policy's default for Facilities).
    changed = {e.field: e.new_value for e in route}
    assert (changed["department"], changed["cost_centre"]) == ("Facilities", "CC-2100")

    token = page.get_attribute("body", "data-csrf")
    refused = page.request.post(
        f"/api/tasks/{task_id}/approve",
        data='{"etag": "W/\\"1\\""}',
        headers={"Content-Type": "application/json", "X-CSRF-Token": token},
    )
    assert refused.status == 403
    task = review.GetReviewTask(
        pb.GetReviewTaskRequest(name=f"reviewTasks/{task_id}"), metadata=stage.as_user(REVIEWER)
    )
    assert task.review_task.state == pb.REVIEW_TASK_STATE_CLAIMED and task.review_task.claimed_by == REVIEWER


def test_a_second_person_confirms_changed_bank_details(page: Any, stage: Stage) -> None:
    review = stage.review_stub()
    clerk = stage.as_user("clerk@demo")
    waiting = review.ListReviewTasks(pb.ListReviewTasksRequest(), metadata=clerk).review_tasks
    plain = [t for t in waiting if t.document != stage.documents["xss"]] or list(waiting)  # a tidy screenshot
    assert plain, "an earlier test approved every invoice"
    name = plain[0].name
    if plain[0].claimed_by:  # left claimed by an earlier test
        review.ReleaseReviewTask(pb.ReleaseReviewTaskRequest(name=name), metadata=stage.as_user(plain[0].claimed_by))
    task = review.ClaimReviewTask(pb.ClaimReviewTaskRequest(name=name), metadata=clerk).review_task
    iban = "DE89 3704 0044 0532 0130 00"
    fixed = review.SubmitCorrections(
        pb.SubmitCorrectionsRequest(
            name=name, etag=task.etag, fields=[pb.FieldCorrection(name="iban", value=iban)], request_id="iban-1"
        ),
        metadata=clerk,
    ).review_task
    review.ApproveReviewTask(
        pb.ApproveReviewTaskRequest(name=name, etag=fixed.etag, request_id="iban-ok"), metadata=clerk
    )
    task_id = name.split("/", 1)[1]

    sign_in(page, REVIEWER, REVIEWER_PASSWORD)  # a reviewer may not confirm: the section is not shown
    assert page.locator("section.bank-confirm").count() == 0
    page.click("header button:has-text('Sign out')")
    page.wait_for_url(re.compile(r".*/login$"))

    sign_in(page)
    row = page.locator(f"section.bank-confirm tr[data-task='{task_id}']")
    assert row.locator("td.bank [data-field=IBAN] strong").inner_text() == iban.replace(" ", "")
    assert row.locator("td").nth(3).inner_text() == "clerk@demo"  # changed by, and approved by the same person
    page.screenshot(path=str(SHOTS / "bank-confirm.png"))
    row.locator("button:has-text('Confirm')").click()
    page.wait_for_url(re.compile(r".*/$"))
    assert "Bank details confirmed" in page.locator(".flash").inner_text()
    assert page.locator(f"section.bank-confirm tr[data-task='{task_id}']").count() == 0
    example = approved_example_of(stage, name)
    assert (example.needs_second_approval, example.reviewer, example.second_approver) == (
        True,
        "clerk@demo",
        "accountant@demo",
    )


def approved_example_of(stage: Stage, task_name: str) -> tables.ApprovedExample:
    with stage.running.suite.db.transaction() as session:
        task = session.get(tables.ReviewTask, task_name.split("/", 1)[1])
        example = session.scalar(
            select(tables.ApprovedExample).where(tables.ApprovedExample.document_id == task.document_id)
        )
        assert example is not None
        session.expunge(example)
        return example


def test_an_e_invoice_whose_xml_pays_another_account_shows_why_it_waits(page: Any, stage: Stage) -> None:
    from docai.services.einvoice.tamper import FOREIGN_IBAN

    sign_in(page, EINVOICE_USER, EINVOICE_PASSWORD)
    assert "XML and page disagree" in page.locator("table.queue tbody tr").first.inner_text()
    page.goto(f"/tasks/{stage.task_id('tampered')}")
    wait_ready(page)
    assert page.locator("[data-row='iban'] .xml-badge").count() == 1  # the value the XML states
    assert page.input_value("#f-iban") == FOREIGN_IBAN
    assert "fail" in check_state(page, "xml_matches_page")
    detail = page.locator("li[data-check='xml_matches_page']").inner_text()
    assert FOREIGN_IBAN in detail and "the page shows" in detail
    page.screenshot(path=str(SHOTS / "einvoice-mismatch.png"))
