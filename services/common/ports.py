"""One suite per port: a port another process listens on is a clear error, never shared.

gRPC enables ``SO_REUSEPORT`` by default, so a second ``docai run`` on a port in use would
silently share it with the first (each suite answering half the calls, from its own database).
The gRPC server turns that off (``grpc.so_reuseport`` 0) and both servers check the port first
with :func:`ensure_port_free`, so the failure is one line that says what is wrong instead of
gRPC core's own log line.
"""

from __future__ import annotations

import errno
import socket


def split_address(address: str) -> tuple[str, int]:
    """``"host:port"`` (``"[::1]:50051"`` for IPv6) into host and port.

    Raises:
        ValueError: When the port is not a number.
    """
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "0.0.0.0", int(port)


def port_in_use(port: int, what: str = "docai suite") -> OSError:
    """The error for a port another process listens on (``errno.EADDRINUSE``)."""
    return OSError(errno.EADDRINUSE, f"port {port} is already in use (another {what}?)")


def listen_socket(host: str, port: int, what: str = "docai suite") -> socket.socket:
    """A socket bound to ``host:port`` (``SO_REUSEADDR``, no ``SO_REUSEPORT``), for a server to listen on.

    Raises:
        OSError: ``EADDRINUSE`` "port N is already in use (another docai suite?)", or the
            system's reason (say, a port below 1024 without the right to bind it).
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise OSError(errno.EADDRNOTAVAIL, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, sockaddr = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise port_in_use(port, what) from None
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


def ensure_port_free(host: str, port: int, what: str = "docai suite") -> None:
    """Raises a one-line OSError unless ``host:port`` can be listened on now.

    The probe sets ``SO_REUSEADDR`` like the servers do, so connections of a suite that just
    stopped (TIME_WAIT) do not count as a listener; port 0 (any free port) is always free.

    Raises:
        OSError: See :func:`listen_socket`.
    """
    if port != 0:
        listen_socket(host, port, what).close()
