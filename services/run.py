"""`docai run`: the embedded suite; with ``--demo`` (``make run``) a demo tenant and a few sample invoices."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from docai.services.app import Suite, start_suite
from docai.services.common.settings import Settings
from docai.services.common.tenants import ensure_tenant, issue_token

log = logging.getLogger("docai.run")
DEMO_TENANT = "demo"
WEB_TENANT = "review-web"
SAMPLE_COUNT = 4


def demo_token(suite: Suite) -> str:
    """Demo mode only: the demo tenant's token, created on first start and kept in `home/demo_token` (mode 600)."""
    path = suite.settings.home / "demo_token"
    ensure_tenant(suite.db, tenant_id=DEMO_TENANT, name="Demo ERP")
    if path.exists():
        return path.read_text().strip()
    token = issue_token(suite.db, tenant_id=DEMO_TENANT, label="demo")
    path.write_text(token + "\n")
    os.chmod(path, 0o600)
    return token


def web_service_token(suite: Suite) -> str:
    """A service-scope token for the review page, which names the tenant and user on each call."""
    path = suite.settings.home / "web_service_token"
    ensure_tenant(suite.db, tenant_id=WEB_TENANT, name="review page")
    if path.exists():
        return path.read_text().strip()
    token = issue_token(suite.db, tenant_id=WEB_TENANT, label="review page", scope="service")
    path.write_text(token + "\n")
    os.chmod(path, 0o600)
    return token


def seed_samples(address: str, token: str) -> None:
    """Uploads the demo invoices through the public API; the same request ids make it run once."""
    from docai.services.client import DocaiClient
    from docai.services.extensions import sample_invoices

    with DocaiClient(address, token) as client:
        for number, pdf in enumerate(sample_invoices(SAMPLE_COUNT)):
            client.upload(pdf, filename=f"sample-{number + 1}.pdf", request_id=f"seed-sample-{number}")


async def run_embedded(settings: Settings, *, seed: bool, web: bool) -> int:
    stop = stop_signal()
    settings.home.mkdir(parents=True, exist_ok=True)
    suite = await start_suite(settings)
    # The demo tenant, its token and the sample invoices exist in demo mode only (make run: --demo).
    token = await asyncio.to_thread(demo_token, suite) if settings.demo else ""
    address = f"{settings.grpc_host}:{suite.port}"
    web_server = None
    if web:
        try:
            from docai.services.web.serve import start_web
        except ImportError:
            log.warning("review page not available in this build")
        else:
            service_token = await asyncio.to_thread(web_service_token, suite)
            web_server = await start_web(settings=settings, grpc_address=address, service_token=service_token)
    if seed and token:
        await asyncio.to_thread(seed_samples, address, token)
    print(
        f"\ndocai is running.\n  gRPC (every service, health, reflection): {address}\n"
        + (
            f"  demo tenant token: {token}  (also in {settings.home / 'demo_token'})\n"
            if token
            else f"  home: {settings.home}  (no demo tenant: docai tenants create / tokens create / users add)\n"
        )
        + (
            f"  review page: http://127.0.0.1:{settings.web_port}/  (see README for the sign-in)\n"
            if web_server
            else ""
        )
        + "Press Ctrl+C to stop.",
        flush=True,
    )
    await stop.wait()
    await drain(suite, web_server, grace=settings.shutdown_grace_seconds)
    return 0


def stop_signal() -> asyncio.Event:
    """An event set by the first SIGINT or SIGTERM. Installed before anything starts, so a signal
    sent as soon as the suite says it runs (or while it starts) stops it gracefully, not by default."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def stop_gracefully(
    stop: Callable[[], Awaitable[None]], *, what: str, at_once: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Runs ``stop`` after the first signal (``what`` happens); a second signal while it runs
    cancels it and runs ``at_once`` instead."""
    log.info("stopping: %s", what)
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, lambda: task.cancel() if task is not None else None)
    try:
        await stop()
    except asyncio.CancelledError:  # a document not finished keeps its work item: it is done after the restart
        log.warning("second signal: stopping without waiting")
        if at_once is not None:
            await at_once()


async def drain(suite: Suite, web_server: Any = None, *, grace: float) -> None:
    """A graceful stop: calls in progress finish (for up to ``grace`` seconds), new ones get
    UNAVAILABLE, the pipeline finishes its document. Nothing acknowledged is lost: an upload is
    acknowledged after its commit, and a document the pipeline did not finish keeps its work item.
    A second signal while draining stops at once.
    """

    async def stop() -> None:
        if web_server is not None:
            await web_server.stop()
        await suite.stop(grace=grace)

    await stop_gracefully(
        stop, what=f"draining calls in progress for up to {grace:.0f} s", at_once=lambda: suite.server.stop(0)
    )
