"""The review queue in real Chromium while documents are still in processing: not "All clear".

Its own suite (the shared one in conftest has every document processed before the tests start):
the reader is held at a gate, so the tenant's uploads stay in the pipeline while the page is read.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from docai.services.client import DocaiClient
from docai.services.common.settings import Settings
from docai.services.pb.ingest.v1 import ingest_service_pb2 as ingest_pb
from docai.services.testing import GatedReader, SuiteThread, scripted_backend
from docai.services.web.serve import start_web
from docai.services.web.users import create_user
from docai.training.synthetic import generate_invoice

from .conftest import CHROMIUM, Stage, _free_port, sign_in

pytestmark = pytest.mark.browser
USER, PASSWORD = "clerk@busy", "busy-secret-1"
DONE = {ingest_pb.DOCUMENT_STATE_IN_REVIEW, ingest_pb.DOCUMENT_STATE_APPROVED, ingest_pb.DOCUMENT_STATE_FAILED}


def _wait_done(client: DocaiClient, names: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while names and time.monotonic() < deadline:
        names = [n for n in names if client.get(n).document.state not in DONE]
        time.sleep(0.1)
    assert not names, f"not processed after {timeout}s: {names}"


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    """This module's suite (the conftest's ``browser`` and ``page`` fixtures use it): one document
    of another tenant already processed, so the suite has measured how long one takes."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    home = tmp_path_factory.mktemp("web-progress") / "home"
    settings = Settings(
        home=home,
        database_url=f"sqlite:///{home.parent / 'docai.db'}",
        backend="fake",
        web_port=_free_port(),
        max_upload_bytes=2_000_000,
    )
    reader = GatedReader(delay=0.3)
    with SuiteThread(settings, backend=scripted_backend(lambda request: "{}"), reader=reader) as running:
        with DocaiClient(running.address, running.tenant("warm")) as warm:
            _wait_done(warm, [warm.upload(generate_invoice(1).pdf, filename="w.pdf", request_id="warm").name])
        busy_token = running.tenant("busy")
        service_token = running.tenant("review-web", scope="service")
        web = running.call(start_web(settings=settings, grpc_address=running.address, service_token=service_token))
        create_user(home, username=USER, password=PASSWORD, tenant="busy", role="approver")
        try:
            yield Stage(
                running=running,
                web=web,
                url=web.url,
                service_token=service_token,
                truths={"reader": reader, "token": busy_token},
            )  # type: ignore[dict-item]
        finally:
            reader.gate.set()
            running.call(web.stop())


def test_the_queue_shows_documents_in_processing_instead_of_all_clear(page: Any, stage: Stage) -> None:
    reader: GatedReader = stage.truths["reader"]  # type: ignore[assignment]
    sign_in(page, USER, PASSWORD)
    assert page.get_by_role("heading", name="All clear").is_visible()  # nothing uploaded yet
    assert page.locator("[data-testid=processing]").count() == 0

    reader.gate.clear()
    with DocaiClient(stage.running.address, stage.truths["token"]) as client:
        names = [
            client.upload(generate_invoice(seed).pdf, filename=f"b{seed}.pdf", request_id=f"b{seed}").name
            for seed in (2, 3, 4)
        ]
        assert reader.waiting.wait(60)  # the first is in processing, the other two wait behind it
        try:
            page.goto("/")
            shown = page.locator("[data-testid=processing]").inner_text()
            assert shown.startswith("3 in processing, about "), shown
            assert shown.endswith(" s")  # three documents of about 0.3 s each: seconds, not minutes
            assert page.get_by_role("heading", name="All clear").count() == 0
            assert page.get_by_role("heading", name="Nothing to review yet").is_visible()
        finally:
            reader.gate.set()
        _wait_done(client, names)

    page.goto("/")
    assert page.locator("[data-testid=processing]").count() == 0
