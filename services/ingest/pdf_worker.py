"""The PDF sandbox: a helper process that forks one resource-limited child per parse.

``pdf_parse`` starts it once as ``python -m docai.services.ingest.pdf_worker SOCKET`` and
talks to it over that Unix socket (frames from ``pdf_limits``)::

    service (threads) ──socket──▶ helper   single-threaded, pdfminer preloaded
                                    └─ monitor    one per request: reads it, enforces the wall
                                         │        clock, reports how the child ended
                                         └─ child RLIMIT_AS/CPU/CORE/FSIZE, parses, writes JSON

Why not ``multiprocessing``: its spawn and forkserver contexts re-import the caller's
``__main__`` in every child (the whole server's imports, on each parse) and pickle results
back. Forking from this single-threaded helper costs about 2 ms and carries JSON only.

This module is only the process machinery. What runs inside the child lives beside it:
``pdf_extract`` (the parse and its error mapping; an ``xml`` request, an e-invoice uploaded on
its own, is parsed by the same child under the same limits), ``pdf_decoders`` (pdfminer
hardened against decompression bombs), ``pdf_page`` (the page device and the words and lines
of a page), ``visible_text`` (the filter that drops text a reader cannot see),
``pdf_attachments`` (the embedded e-invoice XML) and ``pdf_revisions`` (incremental updates).
Importing ``pdf_extract`` here preloads all of it once, before the helper forks.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import signal
import socket
import sys
import time
from collections.abc import Sequence
from typing import NoReturn

from docai.services.ingest.pdf_decoders import install_pdfminer_guards
from docai.services.ingest.pdf_extract import extract, extract_xml
from docai.services.ingest.pdf_limits import (
    EXIT_NO_MEMORY,
    ParseLimits,
    read_request_header,
    recv_frame,
    send_frame,
    send_json,
)

_REQUEST_HEADER_MAX = 64 * 1024
_RESULT_MAX = 512 * 1024 * 1024


def serve(socket_path: str) -> None:
    """Runs the helper: accepts connections on ``socket_path`` until stdin closes.

    Args:
        socket_path: Where to listen, in a private directory that is removed on exit.
    """
    install_pdfminer_guards()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(128)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished monitors
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the service, which closes stdin
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    try:
        _accept_until_stdin_closes(listener)
    finally:
        # Also when the service died without cleaning up: socket dirs must not pile up.
        with contextlib.suppress(OSError):
            os.unlink(socket_path)
        with contextlib.suppress(OSError):
            os.rmdir(os.path.dirname(socket_path))


def _accept_until_stdin_closes(listener: socket.socket) -> None:
    stdin_fd = sys.stdin.fileno()
    while True:
        readable, _, _ = select.select([listener, stdin_fd], [], [])
        if stdin_fd in readable and not os.read(stdin_fd, 4096):
            return  # the service is gone
        if listener in readable:
            conn, _ = listener.accept()
            try:
                pid = os.fork()
            except OSError:
                conn.close()
                continue
            if pid == 0:
                listener.close()
                status = 1
                try:
                    _monitor(conn)
                    status = 0
                finally:
                    os._exit(status)
            conn.close()


def _monitor(conn: socket.socket) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # we wait for our child ourselves
    conn.settimeout(30.0)  # a client that connects and never sends
    kind, limits = read_request_header(recv_frame(conn, max_size=_REQUEST_HEADER_MAX))
    data = recv_frame(conn, max_size=limits.max_bytes + 1024)
    conn.settimeout(None)
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        conn.close()
        _run_child(kind, data, limits, write_fd)
    os.close(write_fd)
    del data
    chunks: list[bytes] = []
    size = 0
    timed_out = client_gone = oversized = False
    deadline = started + limits.wall_seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        watched: list[int | socket.socket] = [read_fd, conn]
        readable, _, _ = select.select(watched, [], [], remaining)
        if conn in readable:
            client_gone = True  # EOF: the caller gave up, so stop the work
            break
        if read_fd in readable:
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > _RESULT_MAX:
                oversized = True
                break
            chunks.append(chunk)
    if timed_out or client_gone or oversized:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(read_fd)
    if client_gone:
        return
    header = {
        "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "timed_out": timed_out,
        "oversized": oversized,
        "seconds": round(time.monotonic() - started, 4),
    }
    send_json(conn, header)
    send_frame(conn, b"".join(chunks) if not (timed_out or oversized) else b"")


def _run_child(kind: str, data: bytes, limits: ParseLimits, write_fd: int) -> NoReturn:
    status = 0
    try:
        _apply_rlimits(limits)
        # Kernel-enforced backstop to the monitor's clock: SIGALRM's default action kills.
        signal.setitimer(signal.ITIMER_REAL, limits.wall_seconds + 1.0)
        result = extract(data, limits=limits) if kind == "pdf" else extract_xml(data)
        payload = json.dumps(result, separators=(",", ":")).encode()
        view = memoryview(payload)
        while view:
            view = view[os.write(write_fd, view) :]
    except MemoryError:
        status = EXIT_NO_MEMORY
    except BaseException:  # noqa: BLE001 - the monitor reports any other death as malformed
        status = 1
    os._exit(status)


def _apply_rlimits(limits: ParseLimits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    # The soft limit sends SIGXCPU (reported as a timeout); the hard one is a SIGKILL backstop.
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not write a 1 GB core file
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # the parser has no business writing files


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the helper process: ``python -m docai.services.ingest.pdf_worker SOCKET``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        raise SystemExit("usage: python -m docai.services.ingest.pdf_worker SOCKET_PATH")
    serve(args[0])


if __name__ == "__main__":
    main()
