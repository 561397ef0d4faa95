"""A validating registry of TextGenerator backends, looked up by name.

Built-in backends are registered by module string, so ``import docai.services.models`` stays
light: torch, transformers and xgrammar are imported only when ``create_backend("hf")`` runs.

    ======  ===============================================  =====================================
    name    factory                                          what it is
    ======  ===============================================  =====================================
    hf      docai.services.models.hf_backend:HFTextGenerator.load   in-process transformers (CPU/CUDA)
    onnx    docai.services.models.onnx_backend:OnnxTextGenerator.load  ONNX Runtime (CPU/CUDA), exported once
    fake    docai.services.models.fake_backend:FakeTextGenerator    handler function, for tests
    vllm    docai.services.models.vllm_backend:VLLMTextGenerator    OpenAI-compatible HTTP client
    ======  ===============================================  =====================================
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable
from typing import Any

from docai.services.common.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from docai.services.models.backend import TextGenerator

BackendFactory = Callable[..., TextGenerator]

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_lock = threading.Lock()
_factories: dict[str, BackendFactory | str] = {}


def register_backend(name: str, factory: BackendFactory | str) -> None:
    """Register a backend factory under ``name``.

    Args:
        name: Lower-case identifier (``[a-z][a-z0-9_-]*``, at most 32 characters).
        factory: A callable returning a :class:`TextGenerator` from keyword options, or a
            ``"package.module:attribute"`` string imported on first use (for heavy backends).

    Raises:
        InvalidArgumentError: The name or the factory string is malformed.
        AlreadyExistsError: ``name`` is registered already.

    Example:
        >>> register_backend("echo", lambda **_: FakeTextGenerator(lambda r: r.messages[-1]["content"]))
        >>> request = GenerationRequest(messages=[{"role": "user", "content": "hi"}])
        >>> create_backend("echo").generate(request).text
        'hi'
    """
    if not _NAME.match(name):
        raise InvalidArgumentError(
            f"backend name {name!r} must match {_NAME.pattern}", reason="INVALID_BACKEND_NAME"
        )
    if isinstance(factory, str):
        module, _, attribute = factory.partition(":")
        if not module or not attribute:
            raise InvalidArgumentError(
                f"backend factory {factory!r} must look like 'package.module:attribute'",
                reason="INVALID_BACKEND_FACTORY",
            )
    elif not callable(factory):
        raise InvalidArgumentError("backend factory must be callable", reason="INVALID_BACKEND_FACTORY")
    with _lock:
        if name in _factories:
            raise AlreadyExistsError(f"backend {name!r} is registered already", reason="BACKEND_EXISTS")
        _factories[name] = factory


def unregister_backend(name: str) -> None:
    """Remove ``name`` from the registry (for tests and plug-ins that replace a backend).

    Raises:
        NotFoundError: ``name`` is not registered.
    """
    with _lock:
        removed = _factories.pop(name, None)
    if removed is None:  # raised outside the lock: _unknown() takes it to list the names
        raise _unknown(name)


def available_backends() -> list[str]:
    """The registered backend names, sorted."""
    with _lock:
        return sorted(_factories)


def create_backend(name: str, **options: Any) -> TextGenerator:
    """Build the backend registered as ``name``.

    Args:
        name: A registered name (see :func:`available_backends`).
        **options: Passed to the factory, e.g. ``model_dir=`` for ``"hf"``.

    Returns:
        A ready :class:`TextGenerator`.

    Raises:
        NotFoundError: ``name`` is not registered; the message lists the available names.

    Example:
        >>> backend = create_backend("hf", model_dir=ensure_base_model(cache_dir=cache))
    """
    with _lock:
        factory = _factories.get(name)
    if factory is None:
        raise _unknown(name)
    if isinstance(factory, str):
        module_name, _, attribute = factory.partition(":")
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
        factory = target
    return factory(**options)


def _unknown(name: str) -> NotFoundError:
    return NotFoundError(
        f"unknown model backend {name!r}; available: {', '.join(available_backends()) or 'none'}",
        reason="BACKEND_NOT_FOUND",
    )


register_backend("hf", "docai.services.models.hf_backend:HFTextGenerator.load")
register_backend("onnx", "docai.services.models.onnx_backend:OnnxTextGenerator.load")
register_backend("fake", "docai.services.models.fake_backend:FakeTextGenerator")
# Untested against a real server on this CPU-only machine: see vllm_backend.py.
register_backend("vllm", "docai.services.models.vllm_backend:VLLMTextGenerator")
