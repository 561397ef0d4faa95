"""The shared gRPC bootstrap: one aio server with auth + error mapping, health and reflection.

The interceptor is the only place where domain errors become gRPC statuses (with a
``google.rpc.ErrorInfo``) and where unknown exceptions become a generic INTERNAL.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import grpc
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status

from docai.services.common.errors import DOMAIN, DocAIError, UnauthenticatedError
from docai.services.common.tenants import Caller

log = logging.getLogger("docai.server")

current_caller: contextvars.ContextVar[Caller] = contextvars.ContextVar("current_caller")
current_actor: contextvars.ContextVar[str] = contextvars.ContextVar("current_actor", default="")

Authenticator = Callable[[str | None, str | None], Awaitable[Caller]]
_PUBLIC_PREFIXES = ("/grpc.health.", "/grpc.reflection.")


def caller() -> Caller:
    """The authenticated caller of the current RPC."""
    try:
        return current_caller.get()
    except LookupError:
        raise UnauthenticatedError("no authenticated caller", reason="MISSING_TOKEN") from None


def _status_for(exc: BaseException) -> grpc.Status:
    if isinstance(exc, DocAIError):
        code, reason, message, metadata = exc.code, exc.reason, exc.message, exc.metadata
    else:
        code, reason, message, metadata = grpc.StatusCode.INTERNAL, "INTERNAL_ERROR", "internal error", {}
    info = error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata)
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=message)
    status.details.add().Pack(info)
    return rpc_status.to_status(status)


class DocAIInterceptor(grpc.aio.ServerInterceptor):
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
    auth = str(metadata.get("authorization", ""))
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    current_caller.set(await authenticate(token, metadata.get("x-docai-tenant")))
    current_actor.set(str(metadata.get("x-docai-actor", "")))


# Not failures to report: an abort already sent, a client that went away (the stream is closed
# or the call cancelled); answering those with a status would fail inside gRPC itself.
_PASS_THROUGH = (grpc.aio.AbortError, GeneratorExit, asyncio.CancelledError)


async def _fail(context: grpc.aio.ServicerContext, method: str, exc: BaseException) -> None:
    if isinstance(exc, DocAIError):
        log.info("%s -> %s %s", method, exc.code.name, exc.reason)
    else:
        log.exception("%s failed unexpectedly", method)
    status = _status_for(exc)
    await context.abort(status.code, status.details, status.trailing_metadata)


def _wrap(
    handler: grpc.RpcMethodHandler, method: str, metadata: dict[str, Any], authenticate: Authenticator
) -> grpc.RpcMethodHandler:
    def unary(behavior: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                await _enter(metadata, authenticate)
                return await behavior(request, context)
            except _PASS_THROUGH:
                raise
            except BaseException as exc:  # noqa: BLE001 - the one boundary where everything is mapped
                await _fail(context, method, exc)

        return run

    def streaming(behavior: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
        async def run(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            try:
                await _enter(metadata, authenticate)
                async for item in behavior(request, context):
                    yield item
            except _PASS_THROUGH:
                raise
            except BaseException as exc:  # noqa: BLE001
                await _fail(context, method, exc)

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
    """
    server = grpc.aio.server(
        interceptors=[DocAIInterceptor(authenticate)],
        options=[("grpc.max_receive_message_length", 8 * 1024 * 1024)],
    )
    health_servicer = health.aio.HealthServicer() if hasattr(health, "aio") else health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME]
    for add, servicer, name in registrations:
        add(servicer, server)
        names.append(name)
    reflection.enable_server_reflection(names, server)
    port = server.add_insecure_port(address)
    await server.start()
    for name in names:
        await _set_serving(health_servicer, name)
    await _set_serving(health_servicer, "")
    return server, port


async def _set_serving(servicer: Any, name: str) -> None:
    result = servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    if hasattr(result, "__await__"):
        await result
