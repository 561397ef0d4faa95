"""Starts the review page inside the running asyncio loop (uvicorn as a task, no extra thread)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass

import uvicorn

from docai.services.common.ports import listen_socket
from docai.services.common.settings import Settings
from docai.services.web.app import create_app
from docai.services.web.review_client import ReviewClient
from docai.services.web.security import secret_key
from docai.services.web.users import DB_NAME, DEMO_USERNAME, UserStore

log = logging.getLogger("docai.web")
TRUSTED_PROXIES_ENV = "DOCAI_WEB_TRUSTED_PROXIES"


def trusted_proxies_from_env() -> tuple[str, ...]:
    """Reverse proxies whose X-Forwarded-Proto/-For the page believes: ``DOCAI_WEB_TRUSTED_PROXIES``,
    comma-separated addresses or networks (e.g. ``127.0.0.1`` for a TLS proxy on the same host)."""
    return tuple(item.strip() for item in os.environ.get(TRUSTED_PROXIES_ENV, "").split(",") if item.strip())


@dataclass
class WebServer:
    """A running review page; `stop()` shuts it down and closes its gRPC channel."""

    server: uvicorn.Server
    task: asyncio.Task[None]
    client: ReviewClient
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self.server.should_exit = True
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self.task, timeout=5)
        if not self.task.done():
            self.task.cancel()
        await self.client.close()


async def start_web(
    *, settings: Settings, grpc_address: str, service_token: str, trusted_proxies: Sequence[str] | None = None
) -> WebServer:
    """Serves the review page on ``settings.web_host:settings.web_port`` (default 127.0.0.1:8080)
    until `WebServer.stop()`.

    Creates ``home/web_users.db`` and ``home/web_secret`` on first start. In demo mode
    (``settings.demo``, ``docai run --demo``) it also creates the demo account (``accountant@demo`` /
    ``review-demo``, approver of tenant ``demo``); otherwise a demo account left from an earlier
    demo run is disabled, so a deployment has no account with a published password.

    Args:
        settings: The process settings (``home``, ``web_port``, ``demo``).
        grpc_address: ``host:port`` of the ReviewService.
        service_token: A service-scope API token; the page names tenant and user on each call.
        trusted_proxies: Reverse proxies (addresses or networks) whose ``X-Forwarded-Proto`` and
            ``X-Forwarded-For`` are believed, e.g. ``["127.0.0.1"]`` behind a TLS proxy on the same
            host; None reads ``DOCAI_WEB_TRUSTED_PROXIES``; empty believes no forwarded header.

    Returns:
        The running server.

    Raises:
        OSError: When the port cannot be bound, e.g. "port 8080 is already in use (another docai
            review page?)".

    Example:
        >>> web = await start_web(settings=settings, grpc_address="127.0.0.1:50051", service_token=token)
        >>> await web.stop()
    """
    settings.home.mkdir(parents=True, exist_ok=True)
    users = await asyncio.to_thread(UserStore, settings.home / DB_NAME)
    if settings.demo:
        await asyncio.to_thread(users.ensure_demo)
    elif await asyncio.to_thread(users.retire_demo):
        log.warning("demo account %s disabled: this suite runs without --demo", DEMO_USERNAME)
    secret = await asyncio.to_thread(secret_key, settings.home)
    # Bound here, not by uvicorn: a port in use is one clear OSError (uvicorn would log and exit).
    sock = listen_socket(settings.web_host, settings.web_port, "docai review page")
    client = ReviewClient(address=grpc_address, service_token=service_token)
    proxies = trusted_proxies_from_env() if trusted_proxies is None else tuple(trusted_proxies)
    app = create_app(client=client, users=users, secret=secret, trusted_proxies=proxies)
    config = uvicorn.Config(
        app,
        host=settings.web_host,
        port=settings.web_port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
        proxy_headers=False,  # the app believes forwarded headers only from `proxies`
    )
    server = uvicorn.Server(config)
    # uvicorn's own signal handlers would replace those of `docai run`, which stops everything in order.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    port = int(sock.getsockname()[1])
    task = asyncio.create_task(server.serve(sockets=[sock]), name="docai-web")
    while not server.started:
        if task.done():
            await client.close()
            sock.close()
            task.result()  # raises what went wrong
            raise OSError(f"the review page could not listen on {settings.web_host}:{port}")
        await asyncio.sleep(0.02)
    log.info("review page on http://127.0.0.1:%s", port)
    return WebServer(server=server, task=task, client=client, port=port)
