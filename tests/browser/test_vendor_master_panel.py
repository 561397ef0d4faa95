"""The task page shows the vendor master's record beside the invoice (real Chromium, real suite).

Tenant ``demo`` has a vendor master with one vendor; two invoices wait for review: one of that
vendor paying another account than the master's, one of a vendor the master does not know.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import select

from docai.services.common.settings import Settings
from docai.services.pb.vendors.v1 import vendor_service_pb2 as vendor_pb
from docai.services.pb.vendors.v1 import vendor_service_pb2_grpc as vendor_grpc
from docai.services.storage import tables
from docai.services.testing import ScriptedReader, SuiteThread, scripted_backend
from docai.services.web.serve import start_web
from docai.training.synthetic import generate_invoice, make_vendor

from .conftest import CHROMIUM, _free_port, _upload, sign_in

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCHWARZWALD, NORDLICHT = make_vendor(12), make_vendor(1)
MASTER_IBAN = "DE89370400440532013000"


@dataclass
class VendorStage:
    running: SuiteThread
    url: str
    documents: dict[str, str]

    def task_id(self, role: str) -> str:
        document_id = self.documents[role].split("/", 1)[1]
        assert self.running.suite is not None
        with self.running.suite.db.transaction() as session:
            task = session.scalar(select(tables.ReviewTask).where(tables.ReviewTask.document_id == document_id))
            assert task is not None, f"no review task for {role}"
            return str(task.id)


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VendorStage]:
    """This module's suite (it overrides the shared stage, so the browser fixtures use it)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    home = tmp_path_factory.mktemp("vendors") / "home"
    settings = Settings(
        home=home,
        database_url=f"sqlite:///{home.parent / 'docai.db'}",
        backend="fake",
        web_port=_free_port(),
        max_upload_bytes=2_000_000,
        demo=True,
    )
    with SuiteThread(settings, backend=scripted_backend(lambda request: "{}"), reader=ScriptedReader()) as running:
        token = running.tenant("demo")
        stub = vendor_grpc.VendorServiceStub(grpc.insecure_channel(running.address))
        stub.ImportVendors(
            vendor_pb.ImportVendorsRequest(
                vendors=[
                    vendor_pb.Vendor(
                        vendor_id="V-4711",
                        display_name=SCHWARZWALD.name,
                        tax_id=SCHWARZWALD.tax_id,
                        iban=MASTER_IBAN,
                        department="Facilities",
                        cost_centre="CC-2100",
                        approver="facility@example.com",
                    )
                ]
            ),
            metadata=(("authorization", f"Bearer {token}"),),
        )
        documents = _upload(
            running,
            token,
            [
                ("known", generate_invoice(500, vendor=SCHWARZWALD)),
                ("unknown", generate_invoice(601, vendor=NORDLICHT)),
            ],
        )
        service_token = running.tenant("review-web", scope="service")
        web = running.call(start_web(settings=settings, grpc_address=running.address, service_token=service_token))
        try:
            yield VendorStage(running=running, url=web.url, documents=documents)
        finally:
            running.call(web.stop())


def test_the_task_page_shows_the_master_record_or_says_it_is_missing(page: Any, stage: VendorStage) -> None:
    sign_in(page)
    page.goto(f"/tasks/{stage.task_id('known')}")
    panel = page.locator("#vendor-master")
    panel.wait_for()
    assert "matched by tax id" in panel.inner_text().lower()
    assert page.locator("[data-vendor=name]").inner_text() == SCHWARZWALD.name
    assert "V-4711" in panel.inner_text()
    assert page.locator("[data-vendor=tax_id]").inner_text() == SCHWARZWALD.tax_id
    iban = page.locator("[data-vendor=iban]").inner_text()
    assert iban.endswith("3000") and "8937" not in iban.replace(" ", "")  # masked but the last 4
    assert page.locator("[data-vendor=route]").inner_text() == "Facilities / CC-2100 / facility@example.com"
    # Why it waits: the account is not the master's, and the chip names the record.
    assert "V-4711" in page.locator(".chip-bank_details_changed").inner_text()
    time.sleep(0.3)  # the page image settles
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "vendor-master.png"))

    page.goto(f"/tasks/{stage.task_id('unknown')}")
    page.locator("#vendor-master").wait_for()
    assert page.locator("[data-vendor=missing]").inner_text().startswith("Not in the vendor master")
    assert page.locator("[data-vendor=name]").count() == 0
    assert "not in the vendor master" in page.locator(".chip-vendor_unknown").inner_text()
