"""Test helpers shipped with the package: a suite running in a background thread, fake answers."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

from docai.services.app import Suite, start_suite
from docai.services.common.settings import Settings
from docai.services.common.tenants import create_tenant, issue_token
from docai.services.models.backend import GenerationRequest, TextGenerator
from docai.services.models.fake_backend import FakeTextGenerator


class SuiteThread:
    """Runs the embedded suite on its own event loop so plain (blocking) gRPC stubs can call it.

    Example:
        >>> with SuiteThread(settings, backend=fake) as running:
        ...     token = running.tenant("acme")
    """

    def __init__(self, settings: Settings, *, backend: TextGenerator) -> None:
        self.settings = settings
        self.backend = backend
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="suite-loop", daemon=True)
        self.suite: Suite | None = None

    def __enter__(self) -> SuiteThread:
        self._thread.start()
        self.suite = self.call(start_suite(self.settings, backend=self.backend, port=0))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.suite is not None:
            self.call(self.suite.stop(grace=0.5))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=300)

    @property
    def address(self) -> str:
        assert self.suite is not None
        return f"127.0.0.1:{self.suite.port}"

    def tenant(self, tenant_id: str, *, scope: str = "erp") -> str:
        """Creates a tenant and returns a fresh API token for it."""
        assert self.suite is not None
        create_tenant(self.suite.db, tenant_id=tenant_id)
        return issue_token(self.suite.db, tenant_id=tenant_id, scope=scope)


def answer_from_truth(truth: dict[str, Any]) -> str:
    """The JSON a perfect model would write for a document with this ground truth."""

    def text(value: Any) -> str:
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    answer: dict[str, Any] = {
        key: text(value) for key, value in truth.items() if not key.startswith("_") and not isinstance(value, list)
    }
    for key in ("line_items", "tax_details"):
        if truth.get(key):
            answer[key] = [{k: text(v) for k, v in row.items()} for row in truth[key]]
    return json.dumps(answer)


def scripted_backend(answers: Callable[[GenerationRequest], str]) -> FakeTextGenerator:
    return FakeTextGenerator(answers, model_name="fake-model")
