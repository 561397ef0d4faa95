"""The review page for a day's work (issue 16): reading the page (zoom, pan, picking words off it),
everything a check depends on being editable (the tax breakdown, route picklists from the policy),
and state that stays true (claims, skips, the approve warning, reason chips, the queue, the history).

Each test works on its own invoice of one suite (its own stage, not the one of test_review_page.py),
so they do not depend on their order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from docai.services.common.settings import Settings
from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.routing.policy import RoutingPolicy
from docai.services.storage import tables
from docai.services.testing import ScriptedReader, SuiteThread, scripted_backend
from docai.services.web.serve import start_web
from docai.training.synthetic import generate_invoice

from .conftest import CHROMIUM, Stage, _free_port, _upload, sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ME = "accountant@demo"
# One invoice per test; all but "tax" are read with a wrong gross (net + tax = gross fails).
ROLES = ("zoom", "pick", "tax", "route", "warn", "open", "skip", "chips", "spare")


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    home = tmp_path_factory.mktemp("daily") / "home"
    settings = Settings(
        home=home,
        database_url=f"sqlite:///{home.parent / 'docai.db'}",
        backend="fake",
        web_port=_free_port(),
        max_upload_bytes=2_000_000,
        demo=True,
    )
    answers = ScriptedReader()
    invoices = {
        role: generate_invoice(101 + 7 * i, n_items=2, language="en", credit_note=False) for i, role in enumerate(ROLES)
    }
    for role, invoice in invoices.items():
        truth = invoice.truth
        if role == "tax":  # the first rate's tax read 1.00 too high: the breakdown does not add up to the tax total
            rows = [dict(row) for row in truth["tax_details"]]
            rows[0]["amount"] = round(float(rows[0]["amount"]) + 1, 2)
            answers.add(truth, tax_details=rows)
        elif role == "pick":  # the invoice number misread too: the reviewer picks it off the page
            answers.add(truth, total_gross=float(truth["total_gross"]) + 1, invoice_number="INV-0000-0000")
        else:
            answers.add(truth, total_gross=float(truth["total_gross"]) + 1)
    with SuiteThread(settings, backend=scripted_backend(lambda request: "{}"), reader=answers) as running:
        token = running.tenant("demo")
        service_token = running.tenant("review-web", scope="service")
        documents = _upload(running, token, list(invoices.items()))
        web = running.call(start_web(settings=settings, grpc_address=running.address, service_token=service_token))
        try:
            yield Stage(
                running=running,
                web=web,
                url=web.url,
                service_token=service_token,
                truths={role: invoice.truth for role, invoice in invoices.items()},
                documents=documents,
            )
        finally:
            running.call(web.stop())


# -- helpers --------------------------------------------------------------------------------------


def wait_ready(page: Any) -> None:
    page.wait_for_selector("body.task-page[data-ready='1']")


def settle(page: Any) -> None:
    """The page image (perhaps its sharper rendering, fetched on zooming in) is loaded and its boxes drawn."""
    page.wait_for_function("() => document.getElementById('page-img').complete")
    page.wait_for_timeout(150)


def open_task(page: Any, stage: Stage, role: str) -> str:
    task_id = stage.task_id(role)
    page.goto(f"/tasks/{task_id}")
    wait_ready(page)
    return task_id


def check_state(page: Any, name: str) -> str:
    return page.get_attribute(f"li[data-check='{name}']", "class") or ""


def get_task(stage: Stage, role: str) -> pb.GetReviewTaskResponse:
    name = f"reviewTasks/{stage.task_id(role)}"
    return stage.review_stub().GetReviewTask(pb.GetReviewTaskRequest(name=name), metadata=stage.as_user(ME))


def task_by_id(stage: Stage, task_id: str) -> pb.ReviewTask:
    request = pb.GetReviewTaskRequest(name=f"reviewTasks/{task_id}")
    return stage.review_stub().GetReviewTask(request, metadata=stage.as_user(ME)).review_task


def release_mine(stage: Stage) -> None:
    """Gives back every invoice ME holds (the next invoice is the one ME holds, if any)."""
    review = stage.review_stub()
    for task in review.ListReviewTasks(
        pb.ListReviewTasksRequest(page_size=100), metadata=stage.as_user(ME)
    ).review_tasks:
        if task.claimed_by == ME:
            review.ReleaseReviewTask(pb.ReleaseReviewTaskRequest(name=task.name), metadata=stage.as_user(ME))


def page_words(page: Any, stage: Stage, role: str) -> dict[str, Any]:
    doc_id = stage.documents[role].split("/", 1)[1]
    response = page.request.get(f"/api/documents/{doc_id}/pages/1/words")
    assert response.ok, response.status
    words: dict[str, Any] = response.json()
    return words


def on_screen(page: Any, words: dict[str, Any], box: list[float]) -> tuple[float, float, float, float]:
    """Scrolls the page viewer so the box (points) is in view; returns its client rectangle (x0, y0, x1, y1)."""
    image = page.locator("#page-img").bounding_box()
    scale_x, scale_y = image["width"] / words["width"], image["height"] / words["height"]
    page.evaluate(
        (
            "([top]) => { const wrap = document.getElementById('page-wrap'); "
            "wrap.scrollTop += top - wrap.getBoundingClientRect().top - 120; }"
        ),
        [image["y"] + box[1] * scale_y],
    )
    image = page.locator("#page-img").bounding_box()
    return (
        image["x"] + box[0] * scale_x,
        image["y"] + box[1] * scale_y,
        image["x"] + box[2] * scale_x,
        image["y"] + box[3] * scale_y,
    )


def relative(box: dict[str, float], image: dict[str, float]) -> tuple[float, ...]:
    """A box's place and size as fractions of the page image."""
    return (
        (box["x"] - image["x"]) / image["width"],
        (box["y"] - image["y"]) / image["height"],
        box["width"] / image["width"],
        box["height"] / image["height"],
    )


# -- 1. reading the page ------------------------------------------------------------------------


def test_zoom_scales_the_page_and_the_boxes_stay_on_their_words(browser: Any, stage: Stage) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=stage.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page)
        open_task(page, stage, "zoom")
        image = page.locator("#page-img")
        box = page.locator("#boxes .box[title='Gross total']")
        fit, at_fit = image.bounding_box(), relative(box.bounding_box(), image.bounding_box())
        assert page.locator("#zoom-level").inner_text() == "100%"

        page.keyboard.press("+")
        page.keyboard.press("+")  # 100% → 125% → 150%
        assert page.locator("#zoom-level").inner_text() == "150%"
        zoomed = image.bounding_box()
        assert zoomed["width"] == pytest.approx(fit["width"] * 1.5, rel=0.02)
        assert relative(box.bounding_box(), zoomed) == pytest.approx(at_fit, abs=0.002)  # the box is still on its words
        wrap = page.locator("#page-wrap")
        assert page.evaluate("document.getElementById('page-wrap').scrollWidth") > wrap.bounding_box()["width"]

        # Dragging moves the zoomed page.
        before = page.evaluate(
            "[document.getElementById('page-wrap').scrollLeft, document.getElementById('page-wrap').scrollTop]"
        )
        area = wrap.bounding_box()
        page.mouse.move(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2)
        page.mouse.down()
        page.mouse.move(area["x"] + area["width"] / 2 - 120, area["y"] + area["height"] / 2 - 90, steps=6)
        page.mouse.up()
        after = page.evaluate(
            "[document.getElementById('page-wrap').scrollLeft, document.getElementById('page-wrap').scrollTop]"
        )
        assert after[0] > before[0] and after[1] > before[1]

        # Ctrl + wheel zooms around the pointer; the boxes follow.
        page.mouse.move(area["x"] + 100, area["y"] + 100)
        page.keyboard.down("Control")
        page.mouse.wheel(0, -300)
        page.keyboard.up("Control")
        page.wait_for_function("() => Number(document.body.dataset.zoom) > 1.6")
        settle(page)
        wheeled = image.bounding_box()
        assert wheeled["width"] > zoomed["width"] * 1.05
        assert relative(box.bounding_box(), wheeled) == pytest.approx(at_fit, abs=0.002)
        page.locator("[data-zoom=out]").click()
        assert image.bounding_box()["width"] < wheeled["width"]

        page.keyboard.press("0")  # back to the width of the viewer
        assert image.bounding_box()["width"] == pytest.approx(fit["width"], abs=1)
        assert relative(box.bounding_box(), image.bounding_box()) == pytest.approx(at_fit, abs=0.002)

        # For the README: 200% on the totals, the gross total's box on its words.
        for _ in range(3):  # 125%, 150%, 200%
            page.keyboard.press("+")
        assert page.locator("#zoom-level").inner_text() == "200%"
        settle(page)
        page.click("#f-total_gross")
        page.wait_for_timeout(600)  # the viewer scrolls smoothly to the field's box
        active = page.locator("#boxes .box-active").bounding_box()
        viewer = wrap.bounding_box()
        assert viewer["x"] <= active["x"] and active["x"] + active["width"] <= viewer["x"] + viewer["width"]
        assert viewer["y"] <= active["y"] and active["y"] + active["height"] <= viewer["y"] + viewer["height"]
        page.evaluate("document.querySelector('.panel').scrollTop = 0")
        page.wait_for_timeout(400)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "review-zoom.png"))
    finally:
        context.close()


def test_clicking_a_word_or_dragging_a_box_fills_the_focused_field(page: Any, stage: Stage) -> None:
    truth = stage.truths["pick"]
    sign_in(page)
    task_id = open_task(page, stage, "pick")
    assert page.input_value("#f-invoice_number") == "INV-0000-0000"
    words = page_words(page, stage, "pick")
    number = next(w for w in words["words"] if w[0] == truth["invoice_number"])

    page.click("#f-invoice_number")  # the field to fill has the cursor
    x0, y0, x1, y1 = on_screen(page, words, number[1:])
    page.mouse.click((x0 + x1) / 2, (y0 + y1) / 2)
    assert page.input_value("#f-invoice_number") == truth["invoice_number"]
    assert page.evaluate("document.activeElement.id") == "f-invoice_number"  # the cursor stays in the field
    # The edit claimed the invoice.
    page.locator("#state-label", has_text="claimed by you").wait_for()

    # Shift+drag around the vendor's name: its words, in reading order, fill the vendor field.
    parts = truth["vendor_name"].split()
    line = next(
        words["words"][i : i + len(parts)]
        for i in range(len(words["words"]))
        if [w[0] for w in words["words"][i : i + len(parts)]] == parts
    )
    page.fill("#f-vendor_name", "")
    area = [
        min(w[1] for w in line) - 1,
        min(w[2] for w in line) - 1,
        max(w[3] for w in line) + 1,
        max(w[4] for w in line) + 1,
    ]
    x0, y0, x1, y1 = on_screen(page, words, area)
    page.keyboard.down("Shift")
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    page.keyboard.up("Shift")
    assert page.input_value("#f-vendor_name") == truth["vendor_name"]

    page.keyboard.press("Enter")  # saved like typed values
    page.locator("#message-text", has_text="Saved").wait_for()
    fields = {f.name: f.value for f in get_task(stage, "pick").extraction.fields}
    assert fields["invoice_number"] == truth["invoice_number"]
    assert task_by_id(stage, task_id).claimed_by == ME


# -- 2. everything a check depends on is editable -----------------------------------------------


def test_the_tax_breakdown_is_editable_its_check_turns_green_and_approval_keeps_it(page: Any, stage: Stage) -> None:
    truth = stage.truths["tax"]
    sign_in(page)
    task_id = open_task(page, stage, "tax")
    rows = page.locator("#taxes-body tr.tax")
    assert rows.count() == len(truth["tax_details"])
    first_amount = rows.nth(0).locator("[data-tax-field=amount]")
    assert first_amount.input_value() == f"{float(truth['tax_details'][0]['amount']) + 1:.2f}"
    assert "fail" in check_state(page, "tax_details_sum")
    assert "tax breakdown" in page.locator("ul.reasons").inner_text().lower()

    right = f"{float(truth['tax_details'][0]['amount']):.2f}"
    first_amount.fill(right)  # green as soon as it is typed
    assert "pass" in check_state(page, "tax_details_sum")
    page.click("[data-action=add-tax]")  # a rate added ...
    added = rows.last
    added.locator("[data-tax-field=rate]").fill("7")
    added.locator("[data-tax-field=amount]").fill("3.50")
    assert "fail" in check_state(page, "tax_details_sum")
    added.locator("[data-action=remove-tax]").click()  # ... and removed again
    assert "pass" in check_state(page, "tax_details_sum")
    page.locator("#f-total_tax").focus()
    page.locator("#taxes-group").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "tax-breakdown.png"))

    page.keyboard.press("Escape")
    page.keyboard.press("a")  # saves the breakdown, then approves
    if page.locator("#approve-dialog[open]").count():  # another check of this synthetic invoice may fail
        page.keyboard.press("a")
    page.wait_for_url(lambda url: not url.endswith(task_id))
    assert task_by_id(stage, task_id).state == pb.REVIEW_TASK_STATE_APPROVED
    document_id = stage.documents["tax"].split("/", 1)[1]
    with stage.running.suite.db.transaction() as session:
        example = session.scalar(
            select(tables.ApprovedExample).where(tables.ApprovedExample.document_id == document_id)
        )
        assert example is not None
        saved = [{k: f["value"] for k, f in row["fields"].items()} for row in example.extraction["tax_details"]]
        assert "tax_details" in example.changed_fields
    assert saved[0]["amount"] == right and len(saved) == len(truth["tax_details"])
    checks = {c.name: c.passed for c in get_task(stage, "tax").extraction.checks}
    assert checks["tax_details_sum"] is True
    entries = (
        stage.review_stub()
        .ListAuditEntries(pb.ListAuditEntriesRequest(parent=stage.documents["tax"]), metadata=stage.as_user(ME))
        .audit_entries
    )
    assert [e.action for e in entries if e.field == "tax_details"] == ["tax_details_corrected"]


def test_route_fields_are_picklists_of_the_policy(page: Any, stage: Stage) -> None:
    policy = RoutingPolicy.default()
    sign_in(page)
    open_task(page, stage, "route")
    for key in ("department", "cost_centre", "approver"):
        assert page.evaluate(f"document.getElementById('r-{key}').tagName") == "SELECT"
    options = page.locator("#r-department option").evaluate_all("els => els.map(e => e.value).filter(Boolean)")
    current = get_task(stage, "route").route
    assert [o for o in options if o != current.department] == [d for d in policy.departments if d != current.department]
    centres = page.locator("#r-cost_centre option").evaluate_all("els => els.map(e => e.value)")
    assert {d.cost_centre for d in policy.departments.values()} <= set(centres)
    approvers = page.locator("#r-approver option").evaluate_all("els => els.map(e => e.value)")
    assert {t.approver for d in policy.departments.values() for t in d.approvers} <= set(approvers)

    # Choosing a department proposes its cost centre and the approver its ladder gives this amount.
    gross = get_task(stage, "route").review_task.total_gross
    other = next(d for d in policy.departments if d != current.department)
    page.select_option("#r-department", other)
    assert page.input_value("#r-cost_centre") == policy.departments[other].cost_centre
    assert page.input_value("#r-approver") == policy.approver_tier(other, gross=gross, currency="EUR").approver

    # The same choices over gRPC, for other clients.
    listed = [d.department for d in get_task(stage, "route").route_options.departments]
    assert listed == list(policy.departments)


# -- 3. state that stays true -------------------------------------------------------------------


def test_the_approve_warning_is_a_modal_in_view_after_pressing_a(page: Any, stage: Stage) -> None:
    sign_in(page)
    task_id = open_task(page, stage, "warn")
    assert "fail" in check_state(page, "net_plus_tax_equals_gross")
    page.evaluate("document.querySelector('.panel').scrollTop = 1e6")  # the accountant is at the bottom of the fields
    page.keyboard.press("a")
    dialog = page.locator("#approve-dialog[open]")
    dialog.wait_for()
    box = dialog.bounding_box()
    view = page.viewport_size
    assert 0 <= box["y"] and box["y"] + box["height"] <= view["height"] and 0 <= box["x"] <= view["width"]
    assert "Net + tax = gross" in dialog.inner_text()
    assert page.evaluate("!!document.activeElement.closest('#approve-dialog')")  # keys go to the warning
    page.screenshot(path=str(SHOTS / "approve-warning.png"))

    page.keyboard.press("Escape")  # go back and fix: nothing approved
    assert page.locator("#approve-dialog[open]").count() == 0
    assert task_by_id(stage, task_id).state != pb.REVIEW_TASK_STATE_APPROVED
    page.keyboard.press("a")
    dialog.wait_for()
    page.keyboard.press("a")  # "a" again approves anyway
    page.wait_for_url(lambda url: not url.endswith(task_id))
    assert task_by_id(stage, task_id).state == pb.REVIEW_TASK_STATE_APPROVED


def test_opening_a_task_url_leaves_it_unclaimed(page: Any, stage: Stage) -> None:
    sign_in(page)
    task_id = open_task(page, stage, "open")
    page.wait_for_timeout(500)  # anything the page does on its own has happened
    task = task_by_id(stage, task_id)
    assert (task.state, task.claimed_by) == (pb.REVIEW_TASK_STATE_OPEN, "")
    assert page.locator("#state-label").inner_text() == "open"
    page.keyboard.press("c")  # an explicit claim
    page.locator("#state-label", has_text="claimed by you").wait_for()
    task = task_by_id(stage, task_id)
    assert (task.state, task.claimed_by) == (pb.REVIEW_TASK_STATE_CLAIMED, ME)
    stage.review_stub().ReleaseReviewTask(pb.ReleaseReviewTaskRequest(name=task.name), metadata=stage.as_user(ME))


def test_skip_gives_the_invoice_back_and_does_not_claim_the_next(page: Any, stage: Stage) -> None:
    release_mine(stage)  # else "next" resumes an invoice ME already holds
    sign_in(page)
    task_id = open_task(page, stage, "skip")
    page.keyboard.press("c")
    page.locator("#state-label", has_text="claimed by you").wait_for()
    page.keyboard.press("s")
    page.wait_for_url(lambda url: "/tasks/" in url and not url.endswith(task_id))
    wait_ready(page)
    next_id = page.url.rsplit("/", 1)[1]
    page.wait_for_timeout(500)
    skipped, opened = task_by_id(stage, task_id), task_by_id(stage, next_id)
    assert (skipped.state, skipped.claimed_by) == (pb.REVIEW_TASK_STATE_OPEN, "")  # given back
    assert (opened.state, opened.claimed_by) == (pb.REVIEW_TASK_STATE_OPEN, "")  # opened, not taken


def test_reason_chips_the_queue_and_the_history_follow_a_correction(page: Any, stage: Stage) -> None:
    truth = stage.truths["chips"]
    sign_in(page)
    task_id = open_task(page, stage, "chips")
    chip = page.locator("#reasons li.chip-check_failed", has_text="net + tax vs gross")
    assert "resolved" not in (chip.get_attribute("class") or "")
    page.fill("#f-total_gross", f"{float(truth['total_gross']):.2f}")
    page.keyboard.press("Enter")
    page.locator("#message-text", has_text="Saved").wait_for()
    assert "resolved" in (chip.get_attribute("class") or "")  # the chip follows the save, no reload
    assert page.locator("#history li[data-action=field_corrected]", has_text="corrected Gross total").count() == 1

    # Over gRPC, and on the queue.
    reasons = task_by_id(stage, task_id).reasons
    assert [r.resolved for r in reasons if r.check == "net_plus_tax_equals_gross"] == [True]
    page.goto("/")
    row = page.locator(f"tr[data-href='/tasks/{task_id}']")
    assert "resolved" in (row.locator(".chip-check_failed").first.get_attribute("class") or "")

    # Approving takes it off the queue, also when coming back with the browser's back button.
    page.goto(f"/tasks/{task_id}")
    wait_ready(page)
    page.keyboard.press("a")
    if page.locator("#approve-dialog[open]").count():
        page.keyboard.press("a")
    page.wait_for_url(lambda url: not url.endswith(task_id))
    page.goto("/")
    assert page.locator(f"tr[data-href='/tasks/{task_id}']").count() == 0

    # The history reads as sentences: no reason codes, no action codes.
    page.goto(f"/tasks/{task_id}/history")
    text = page.locator("ol.history").inner_text()
    assert "sent the invoice to review" in text
    assert "The check “Net + tax = gross” failed." in text
    assert "corrected Gross total" in text and "approved the invoice" in text
    assert "started working on the invoice" in text
    assert not re.search(r"\b[A-Z]{2,}_[A-Z_]+\b", text), text  # CHECK_FAILED, LOW_CONFIDENCE...
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text  # sent_to_review, field_corrected, total_gross...
    page.screenshot(path=str(SHOTS / "history.png"))


def test_a_colleagues_claim_after_opening_keeps_the_first_edit_from_overwriting(page: Any, stage: Stage) -> None:
    """Opening does not claim, so a colleague may claim first: the edit is refused and undone, not lost silently."""
    sign_in(page)
    task_id = open_task(page, stage, "spare")
    stage.review_stub().ClaimReviewTask(
        pb.ClaimReviewTaskRequest(name=f"reviewTasks/{task_id}"), metadata=stage.as_user("bob@demo")
    )
    original = page.input_value("#f-payment_terms")
    page.fill("#f-payment_terms", "net 10")
    page.locator("#message-text", has_text="bob@demo is working on this invoice").wait_for()
    assert page.input_value("#f-payment_terms") == original
    assert page.locator("#f-payment_terms").get_attribute("readonly") is not None
    task = get_task(stage, "spare")  # the colleague holds it, and nothing was saved
    assert task.review_task.claimed_by == "bob@demo"
    assert {f.name: f.value for f in task.extraction.fields}.get("payment_terms", "") == original
