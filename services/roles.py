"""`docai run --role api|worker|web`: one part of the suite per process, to scale out.

- ``all`` (the default, `make run`): every service, the pipeline and the review page in one
  process (:func:`docai.services.run.run_embedded`).
- ``api``: every gRPC service on one port (health and reflection on), no pipeline: uploads are
  queued in the shared database for the workers. Writes the review page's service token to
  ``DOCAI_WEB_SERVICE_TOKEN_FILE`` for the web role.
- ``worker``: pipeline threads only (``DOCAI_PIPELINE_WORKERS`` per process), no port; as many
  processes as needed on PostgreSQL. Alive while ``DOCAI_WORKER_HEALTH_FILE`` is fresh.
- ``web``: the review page only, a gRPC client of the api at ``DOCAI_API_ADDRESS`` with the
  service token read from ``DOCAI_WEB_SERVICE_TOKEN_FILE``; no database of the suite's own.

`docai healthcheck` answers for the process's role with its exit status (compose healthchecks).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import urllib.error
import urllib.request
from pathlib import Path

from docai.services.common.settings import Settings
from docai.services.run import stop_gracefully, stop_signal

log = logging.getLogger("docai.run")
TOKEN_WAIT_SECONDS = 120.0


async def run_role(settings: Settings, *, seed: bool = True, web: bool = True) -> int:
    """Runs ``settings.role`` until SIGINT or SIGTERM, then drains; returns the exit status."""
    settings.home.mkdir(parents=True, exist_ok=True)
    if settings.role == "all":
        from docai.services.run import run_embedded

        return await run_embedded(settings, seed=seed, web=web)
    runner = {"api": run_api, "worker": run_worker, "web": run_web}[settings.role]
    return await runner(settings, seed=seed)


async def run_api(settings: Settings, *, seed: bool = True) -> int:
    from docai.services.app import start_suite
    from docai.services.run import demo_token, drain, seed_samples, web_service_token

    stop = stop_signal()
    suite = await start_suite(settings, pipeline=False)
    service_token = await asyncio.to_thread(web_service_token, suite)
    if settings.service_token_path != settings.home / "web_service_token":
        await asyncio.to_thread(publish_token, settings.service_token_path, service_token)
    token = await asyncio.to_thread(demo_token, suite) if settings.demo else ""
    address = f"{settings.grpc_host}:{suite.port}"
    if seed and token:
        await asyncio.to_thread(seed_samples, _local(address), token)
    print(
        f"\ndocai api is running (no pipeline: start `docai run --role worker` processes on the same database).\n"
        f"  gRPC (every service, health, reflection): {address}\n"
        f"  review page's service token: {settings.service_token_path}\n"
        + (f"  demo tenant token: {token}\n" if token else "")
        + "Press Ctrl+C to stop.",
        flush=True,
    )
    await stop.wait()
    await drain(suite, None, grace=settings.shutdown_grace_seconds)
    return 0


async def run_worker(settings: Settings, *, seed: bool = True) -> int:
    from docai.services.pipeline.process import start_workers

    if settings.db_url.startswith("sqlite"):
        log.warning("worker role on SQLite: fine for one worker beside one api on this host; use PostgreSQL to scale")
    stop = stop_signal()
    workers = await start_workers(settings)
    print(
        f"\ndocai worker is running: {len(workers.threads)} pipeline thread(s), no port; "
        f"alive file {settings.health_file}.\nPress Ctrl+C to stop.",
        flush=True,
    )
    await stop.wait()
    await stop_gracefully(workers.stop, what="the pipeline finishes the document it is on")
    return 0


async def run_web(settings: Settings, *, seed: bool = True) -> int:
    from docai.services.web.serve import start_web

    address = settings.api_address or f"127.0.0.1:{settings.grpc_port}"
    stop = stop_signal()
    token = await wait_for_token(settings.service_token_path)
    web_server = await start_web(settings=settings, grpc_address=address, service_token=token)
    print(
        f"\ndocai review page is running on http://{settings.web_host}:{web_server.port}/ "
        f"(a client of the api at {address}).\nPress Ctrl+C to stop.",
        flush=True,
    )
    await stop.wait()
    await stop_gracefully(web_server.stop, what="requests in progress finish")
    return 0


def publish_token(path: Path, token: str) -> None:
    """Writes ``token`` to ``path`` (mode 600, replaced atomically) for the web role to read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.touch(mode=0o600)
    tmp.chmod(0o600)
    tmp.write_text(token + "\n")
    tmp.replace(path)


async def wait_for_token(path: Path, *, timeout: float = TOKEN_WAIT_SECONDS) -> str:
    """The service token in ``path``, waiting for the api to write it on its first start."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError):
            token = path.read_text().strip()
            if token:
                return token
        if time.monotonic() > deadline:
            raise SystemExit(
                f"no service token in {path} after {timeout:.0f} s: is the api role running "
                "with the same DOCAI_WEB_SERVICE_TOKEN_FILE?"
            )
        await asyncio.sleep(0.5)


def _local(address: str) -> str:
    host, _, port = address.rpartition(":")
    return f"127.0.0.1:{port}" if host in ("0.0.0.0", "[::]", "::", "") else address


def healthcheck(settings: Settings, *, role: str | None = None, timeout: float = 3.0) -> tuple[bool, str]:
    """Whether this host's process of ``role`` (default ``settings.role``) is healthy, and why not.

    api / all: the gRPC health service answers SERVING on ``127.0.0.1:DOCAI_GRPC_PORT``;
    worker: its alive file was touched in the last 30 s; web: ``GET /login`` answers 200.
    """
    role = role or settings.role
    if role == "worker":
        from docai.services.pipeline.process import STALE_SECONDS, file_is_fresh

        fresh = file_is_fresh(settings.health_file)
        return fresh, "" if fresh else f"{settings.health_file} missing or older than {STALE_SECONDS:.0f} s"
    if role == "web":
        url = f"http://127.0.0.1:{settings.web_port}/login"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.status == 200, f"{url}: HTTP {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            return False, f"{url}: {exc}"
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    address = f"127.0.0.1:{settings.grpc_port}"
    try:
        with grpc.insecure_channel(address) as channel:
            answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=timeout)
    except grpc.RpcError as exc:
        return False, f"{address}: {exc.code().name}"
    serving = answer.status == health_pb2.HealthCheckResponse.SERVING
    return serving, "" if serving else f"{address}: {health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)}"
