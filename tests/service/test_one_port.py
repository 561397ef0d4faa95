"""One suite per port (issue 15): a second server on a port in use fails with one clear line instead of
sharing it (gRPC's default SO_REUSEPORT); a plain `docai run` has no demo tenant, token or account;
an error from a running suite reaches the CLI as one line with its status and reason."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from docai.services.cli import main
from docai.services.common import server as server_module
from docai.services.common.settings import Settings
from docai.services.common.tenants import Caller, list_tenants
from docai.services.storage.database import open_database
from docai.services.web.users import DB_NAME, DEMO_USERNAME, UserStore


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _nobody(token: str | None, tenant: str | None) -> Caller:
    return Caller(tenant_id="t")


def test_a_second_server_on_a_port_in_use_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    port = _free_port()

    async def scenario() -> None:
        first, bound = await server_module.start_server([], authenticate=_nobody, address=f"127.0.0.1:{port}")
        assert bound == port
        try:
            with pytest.raises(
                OSError, match=rf"^\[Errno \d+\] port {port} is already in use \(another docai suite\?\)$"
            ):
                await server_module.start_server([], authenticate=_nobody, address=f"127.0.0.1:{port}")
            # Without the early check gRPC itself must refuse the port: SO_REUSEPORT is off, so it is not shared.
            monkeypatch.setattr(server_module, "ensure_port_free", lambda host, port: None)
            with pytest.raises(OSError, match=f"port {port} is already in use"):
                await server_module.start_server([], authenticate=_nobody, address=f"127.0.0.1:{port}")
            # The first suite still answers on its port.
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
        finally:
            await first.stop(0)

    asyncio.run(scenario())


def test_the_review_page_on_a_port_in_use_fails_clearly(tmp_path: Path) -> None:
    from docai.services.web.serve import start_web

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        settings = Settings(home=tmp_path / "home", web_port=busy.getsockname()[1], backend="fake")
        with pytest.raises(OSError, match=r"port \d+ is already in use \(another docai review page\?\)"):
            asyncio.run(start_web(settings=settings, grpc_address="127.0.0.1:1", service_token="docai_x"))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DOCAI_HOME": str(tmp_path / "home"),
        "DOCAI_BACKEND": "fake",
        "DOCAI_METRICS_PORT": "0",
        **extra,
    }
    for name in ("DOCAI_DATABASE_URL", "DOCAI_DEMO", "DOCAI_ROLE", "DOCAI_DEBUG"):
        env.pop(name, None)
    return env


def test_docai_run_on_a_port_in_use_exits_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "docai.services.cli", "run", "--no-web", "--no-seed"],
            env=_env(tmp_path, DOCAI_GRPC_PORT=str(port)),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode != 0
    assert done.stderr == f"error: port {port} is already in use (another docai suite?)\n"


def test_a_plain_run_creates_no_demo_tenant_token_or_account(tmp_path: Path) -> None:
    """A deployment (`docai run` without --demo) has no demo tenant, no demo token and no demo sign-in,
    not even one left behind by an earlier demo run."""
    home = tmp_path / "home"
    UserStore(home / DB_NAME).ensure_demo()  # as an earlier `make run` left it
    web_port = _free_port()
    env = _env(tmp_path, DOCAI_GRPC_PORT=str(_free_port()), DOCAI_WEB_PORT=str(web_port))
    process = subprocess.Popen(
        [sys.executable, "-m", "docai.services.cli", "run", "--no-seed"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if "Press Ctrl+C" in line:
                break
        else:
            raise AssertionError("docai run did not start:\n" + "".join(output))
        # The page answers only once `docai run` waits for its signal, i.e. after its handlers are installed.
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{web_port}/", timeout=10).close()
        except urllib.error.HTTPError:
            pass
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = "".join(output)
    assert "demo tenant token" not in text and not (home / "demo_token").exists()
    db = open_database(f"sqlite:///{home / 'docai.db'}")
    try:
        assert "demo" not in {t.id for t in list_tenants(db)}
    finally:
        db.dispose()
    store = UserStore(home / DB_NAME)
    assert store.verify(DEMO_USERNAME, "review-demo") is None
    assert [a.disabled for a in store.accounts() if a.username == DEMO_USERNAME] == [True]


def test_an_error_from_a_running_suite_is_one_line_with_status_and_reason(running, capsys) -> None:
    code = main(["adapters", "list", "--address", running.address, "--token", "docai_not-a-real-token"])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: UNAUTHENTICATED INVALID_TOKEN: ")
