"""The shared gRPC bootstrap: one aio server with auth + error mapping, health and reflection.

The interceptor is the only place where domain errors become gRPC statuses (with a
``google.rpc.ErrorInfo``) and where unknown exceptions become a generic INTERNAL.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import replace
from typing import Any

import grpc
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from sqlalchemy import exc as sa_exc

from docai.services.common.errors import (
    DOMAIN,
    DocAIError,
    InvalidArgumentError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
)
from docai.services.common.observability import REQUEST_ID_HEADER, RpcLog, annotate
from docai.services.common.ports import ensure_port_free, port_in_use, split_address
from docai.services.common.tenants import Caller, check_actor, check_role

log = logging.getLogger("docai.server")

current_caller: contextvars.ContextVar[Caller] = contextvars.ContextVar("current_caller")
# The person acting in the current RPC (``caller().actor``): set in one place, ``_enter``, from the credential.
current_actor: contextvars.ContextVar[str] = contextvars.ContextVar("current_actor", default="")

Authenticator = Callable[[str | None, str | None], Awaitable[Caller]]
_PUBLIC_PREFIXES = ("/grpc.health.", "/grpc.reflection.")


def caller() -> Caller:
    """The authenticated caller of the current RPC."""
    try:
        return current_caller.get()
    except LookupError:
        raise UnauthenticatedError("no authenticated caller", reason="MISSING_TOKEN") from None


# A locked database (SQLite's busy timeout ran out), a server that refuses connections or went
# away, a full pool: the caller may retry later. A full disk needs an operator: RESOURCE_EXHAUSTED.
_DATABASE_FULL = ("database or disk is full", "disk is full", "no space left", "disk full", "could not extend file")
_DATABASE_FULL_SQLSTATES = {"53100"}  # PostgreSQL disk_full


def database_error(exc: BaseException) -> DocAIError | None:
    """The domain error a database failure stands for, or None when ``exc`` is not one.

    This is the one place where SQLAlchemy's operational errors become statuses: a locked or
    unreachable database is ``UNAVAILABLE DATABASE_UNAVAILABLE`` (retry later), a full one
    ``RESOURCE_EXHAUSTED DATABASE_FULL``; never a generic INTERNAL. The driver's text goes
    to the log, not to the caller.
    """
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free in time
        return UnavailableError("the database is busy; retry later", reason="DATABASE_UNAVAILABLE")
    invalidated = isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
    if not isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)) and not invalidated:
        return None
    original = getattr(exc, "orig", None) or exc
    text = str(original).lower()
    if getattr(original, "sqlstate", None) in _DATABASE_FULL_SQLSTATES or any(s in text for s in _DATABASE_FULL):
        return ResourceExhaustedError("the database has no space left", reason="DATABASE_FULL")
    return UnavailableError(
        "the database is unavailable (locked or unreachable); retry later", reason="DATABASE_UNAVAILABLE"
    )


def _status_for(exc: BaseException) -> grpc.Status:
    exc = database_error(exc) or exc
    if isinstance(exc, DocAIError):
        code, reason, message, metadata = exc.code, exc.reason, exc.message, exc.metadata
    else:
        code, reason, message, metadata = grpc.StatusCode.INTERNAL, "INTERNAL_ERROR", "internal error", {}
    info = error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata)
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=message)
    status.details.add().Pack(info)
    return rpc_status.to_status(status)


class DocAIInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]  # grpc has no type information
    """Authenticates the caller and maps every exception to a status with an ErrorInfo reason."""

    def __init__(self, authenticate: Authenticator) -> None:
        self._authenticate = authenticate

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(_PUBLIC_PREFIXES):
            return handler
        metadata = dict(handler_call_details.invocation_metadata or ())
        return _wrap(handler, method, metadata, self._authenticate)


async def _enter(metadata: dict[str, Any], authenticate: Authenticator) -> None:
    """Decides who the caller is: the credential says it; only the review page's service token may add a person.

    A person token is its person (actor and role come with the token). The service token of the
    review page, which signs its own users in, names the tenant (``x-docai-tenant``), the person
    (``x-docai-actor``) and their role (``x-docai-role``) on each call. Any other credential that
    sends those headers is refused (PERMISSION_DENIED ``ACTOR_NOT_ALLOWED`` / ``TENANT_NOT_ALLOWED``)
    rather than ignored, so a client that relied on them notices.
    """
    auth = str(metadata.get("authorization", ""))
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    tenant = str(metadata.get("x-docai-tenant", "") or "")
    actor = str(metadata.get("x-docai-actor", "") or "")
    role = str(metadata.get("x-docai-role", "") or "")
    found = await authenticate(token, tenant or None)
    if found.scope != "service":
        if actor or role:
            raise PermissionDeniedError(
                "only the review page's service token may name the acting person or role; this credential is "
                f"{found.actor or 'an ' + found.scope + ' token'} (send no x-docai-actor / x-docai-role)",
                reason="ACTOR_NOT_ALLOWED",
                scope=found.scope,
            )
        if tenant and tenant != found.tenant_id:
            raise PermissionDeniedError(
                "this credential acts for its own tenant only (send no x-docai-tenant)",
                reason="TENANT_NOT_ALLOWED",
                scope=found.scope,
            )
    elif actor:
        found = replace(found, actor=check_actor(actor), role=check_role(role) if role else "")
    elif role:
        raise InvalidArgumentError(
            "x-docai-role names the role of the x-docai-actor; send both", reason="ROLE_WITHOUT_ACTOR"
        )
    current_caller.set(found)
    current_actor.set(found.actor)


# Not failures to report: an abort already sent, a client that went away (the stream is closed
# or the call cancelled); answering those with a status would fail inside gRPC itself.
_PASS_THROUGH = (grpc.aio.AbortError, GeneratorExit, asyncio.CancelledError)


async def _fail(context: grpc.aio.ServicerContext, method: str, exc: BaseException, call: RpcLog | None = None) -> None:
    """Answers ``exc`` as its status; the call's one log line (written when it ends) gets the code and reason."""
    mapped = exc if isinstance(exc, DocAIError) else database_error(exc)
    if call is None:
        call = RpcLog(method, {})
    if isinstance(exc, DocAIError):
        call.failed(exc.code.name, exc.reason)
    elif mapped is not None:  # the driver's text goes to the log, never to the caller
        call.failed(mapped.code.name, mapped.reason, detail=str(getattr(exc, "orig", None) or exc))
    else:
        call.failed("INTERNAL", "INTERNAL_ERROR", exc=exc)
    status = _status_for(exc)
    trailing = tuple(status.trailing_metadata or ()) + ((REQUEST_ID_HEADER, call.request_id),)
    await context.abort(status.code, status.details, trailing)


async def _begin(method: str, metadata: dict[str, Any], context: grpc.aio.ServicerContext) -> RpcLog:
    """The call's request id (the client's ``x-request-id`` or a new one), sent back at once in the
    initial metadata (and in the trailers of a failure)."""
    call = RpcLog(method, metadata)
    try:
        await context.send_initial_metadata(((REQUEST_ID_HEADER, call.request_id),))
    except Exception:  # noqa: BLE001 - a call already closing: its line is still written
        pass
    return call


def _entered() -> None:
    """The tenant of an authenticated call goes on its line."""
    found = current_caller.get(None)
    if found is not None:
        annotate(tenant=found.tenant_id)


def _wrap(
    handler: grpc.RpcMethodHandler, method: str, metadata: dict[str, Any], authenticate: Authenticator
) -> grpc.RpcMethodHandler:
    def unary(behavior: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(request: Any, context: grpc.aio.ServicerContext) -> Any:
            call = await _begin(method, metadata, context)
            try:
                call.note(request)
                await _enter(metadata, authenticate)
                _entered()
                response = await behavior(request, context)
                call.note(response)
                return response
            except _PASS_THROUGH as exc:
                call.ended_by(exc, context)
                raise
            except BaseException as exc:  # noqa: BLE001 - the one boundary where everything is mapped
                await _fail(context, method, exc, call)
            finally:
                call.finish()

        return run

    def streaming(behavior: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
        async def run(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            call = await _begin(method, metadata, context)
            try:
                call.note(request)
                await _enter(metadata, authenticate)
                _entered()
                async for item in behavior(request, context):
                    yield item
            except _PASS_THROUGH as exc:
                call.ended_by(exc, context)
                raise
            except BaseException as exc:  # noqa: BLE001
                await _fail(context, method, exc, call)
            finally:
                call.finish()

        return run

    kwargs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(unary(handler.unary_unary), **kwargs)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(unary(handler.stream_unary), **kwargs)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(streaming(handler.unary_stream), **kwargs)
    return grpc.stream_stream_rpc_method_handler(streaming(handler.stream_stream), **kwargs)


Registration = tuple[Callable[[Any, grpc.aio.Server], None], Any, str]

# The largest message the transport accepts. UploadDocument's chunks are at most
# docai.services.ingest.grpc_api.MAX_CHUNK_BYTES (1 MiB, protos/docai/ingest/v1); a chunk up to
# this size still reaches the servicer, which refuses it with RESOURCE_EXHAUSTED CHUNK_TOO_LARGE
# and an ErrorInfo. A larger message is refused by gRPC core before any docai code runs, with
# RESOURCE_EXHAUSTED and no ErrorInfo (there is no hook to add one); the margin keeps that for
# clients far off the documented size, and bounds what one half-sent message holds in memory.
MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024
_HEALTH: weakref.WeakKeyDictionary[grpc.aio.Server, Any] = weakref.WeakKeyDictionary()


async def start_server(
    registrations: Iterable[Registration], *, authenticate: Authenticator, address: str
) -> tuple[grpc.aio.Server, int]:
    """Starts one aio server for the given servicers, with health and reflection.

    Args:
        registrations: ``(add_XServicer_to_server, servicer, full service name)`` triples.
        authenticate: resolves a bearer token (and an optional tenant header) to a Caller.
        address: ``host:port``; port 0 picks a free one.

    Returns:
        The started server and the port it listens on.

    Raises:
        OSError: ``EADDRINUSE`` when another process (another suite) listens on the port.
    """
    server = grpc.aio.server(
        interceptors=[DocAIInterceptor(authenticate)],
        # One suite per port: gRPC's default SO_REUSEPORT would let a second suite share it silently.
        options=[("grpc.max_receive_message_length", MAX_RECEIVE_MESSAGE_BYTES), ("grpc.so_reuseport", 0)],
    )
    health_servicer = health.aio.HealthServicer() if hasattr(health, "aio") else health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    _HEALTH[server] = health_servicer
    names = [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME]
    for add, servicer, name in registrations:
        add(servicer, server)
        names.append(name)
    reflection.enable_server_reflection(names, server)
    host, wanted = split_address(address)
    ensure_port_free(host, wanted)  # the usual case, as one line (gRPC core would log its own)
    try:
        port = server.add_insecure_port(address)
    except RuntimeError:  # grpcio >= 1.6x raises when nothing could be bound
        port = 0
    if not port:  # lost a race with another process, or an older grpcio that returns 0
        raise port_in_use(wanted)
    await server.start()
    for name in names:
        await _set_serving(health_servicer, name)
    await _set_serving(health_servicer, "")
    return server, port


async def _set_serving(servicer: Any, name: str) -> None:
    result = servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    if hasattr(result, "__await__"):
        await result


async def stop_server(server: grpc.aio.Server, grace: float) -> None:
    """Drains the server: health says NOT_SERVING, new calls are refused (UNAVAILABLE), and the
    calls in progress get ``grace`` seconds to finish before they are cancelled.

    A call cancelled at the end of the grace period was never acknowledged: an upload is
    acknowledged only after its document is committed, so nothing acknowledged is lost.
    """
    health_servicer = _HEALTH.pop(server, None)
    if health_servicer is not None:
        result = health_servicer.enter_graceful_shutdown()
        if hasattr(result, "__await__"):
            await result
    await server.stop(grace)
