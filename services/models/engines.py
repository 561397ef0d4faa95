"""The inference engines (TextGenerator backends), registered by name and built from the settings.

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
from typing import TYPE_CHECKING, Any

from docai.services.common.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)
from docai.services.models.backend import TextGenerator

if TYPE_CHECKING:
    from docai.services.common.settings import Settings

BackendFactory = Callable[..., TextGenerator]

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_lock = threading.Lock()
_factories: dict[str, BackendFactory | str] = {}
_settings_options: dict[str, Callable[[Settings], dict[str, Any]]] = {}


def register_backend(
    name: str, factory: BackendFactory | str, *, options: Callable[[Settings], dict[str, Any]] | None = None
) -> None:
    """Register a backend factory under ``name``.

    Args:
        name: Lower-case identifier (``[a-z][a-z0-9_-]*``, at most 32 characters).
        factory: A callable returning a :class:`TextGenerator` from keyword options, or a
            ``"package.module:attribute"`` string imported on first use (for heavy backends).
        options: How :func:`backend_from_settings` makes the factory's options from the settings;
            None gives the base model's directory (``model_dir=``).

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
        raise InvalidArgumentError(f"backend name {name!r} must match {_NAME.pattern}", reason="INVALID_BACKEND_NAME")
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
        if options is not None:
            _settings_options[name] = options


def unregister_backend(name: str) -> None:
    """Remove ``name`` from the registry (for tests and plug-ins that replace a backend).

    Raises:
        NotFoundError: ``name`` is not registered.
    """
    with _lock:
        removed = _factories.pop(name, None)
        _settings_options.pop(name, None)
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


def backend_from_settings(settings: Settings) -> TextGenerator:
    """The backend ``settings.backend`` names, with its options taken from the settings.

    A backend registered without its own way of reading the settings gets the base model's
    directory (converted once into the cache), as ``hf`` does.
    """
    with _lock:
        options = _settings_options.get(settings.backend, _model_dir)
    return create_backend(settings.backend, **options(settings))


def _model_dir(settings: Settings) -> dict[str, Any]:
    from docai.services.models.base_model import ensure_base_model

    return {"model_dir": ensure_base_model(cache_dir=settings.model_cache, source=settings.base_model or None)}


def _onnx(settings: Settings) -> dict[str, Any]:
    return _model_dir(settings) | {
        "cache_dir": settings.model_cache,
        "precision": settings.onnx_precision,
        "provider": settings.onnx_provider,
    }


def _vllm(settings: Settings) -> dict[str, Any]:
    # The model lives in the vLLM server; nothing is loaded here.
    if not settings.vllm_url:
        raise FailedPreconditionError("DOCAI_BACKEND=vllm needs DOCAI_VLLM_URL", reason="MODEL_UNAVAILABLE")
    return {"base_url": settings.vllm_url, "model_name": settings.vllm_model}


def _fake(settings: Settings) -> dict[str, Any]:
    # Answers nothing, so every invoice goes to review: demos and role tests without a model.
    return {"handler": lambda request: "{}"}


register_backend("hf", "docai.services.models.hf_backend:HFTextGenerator.load", options=_model_dir)
register_backend("onnx", "docai.services.models.onnx_backend:OnnxTextGenerator.load", options=_onnx)
register_backend("fake", "docai.services.models.fake_backend:FakeTextGenerator", options=_fake)
# Untested against a real server on this CPU-only machine: see vllm_backend.py.
register_backend("vllm", "docai.services.models.vllm_backend:VLLMTextGenerator", options=_vllm)
