"""Which extraction adapter serves a tenant's request."""

from __future__ import annotations

import re

from docai.services.adapters.registry import AdapterRegistry, served_name
from docai.services.common.errors import DocAIError, NotFoundError
from docai.services.models.backend import TextGenerator

__all__ = ["AdapterChoice"]


class AdapterChoice:
    """Which extraction adapter serves a tenant: its own champion when it has one, else the configured alias.

    With the default ``champion`` a tenant that promoted a champion of its own is served with it
    (``champion@<tenant>``), any other with the shared champion. A name asked for explicitly must be
    one the tenant may use: a shared one, its own champion, or a version it can see in the
    registry; another tenant's reads like a missing one.
    """

    def __init__(self, backend: TextGenerator, *, configured: str, registry: AdapterRegistry | None = None) -> None:
        self.backend = backend
        self.configured = configured
        self.registry = registry

    def __call__(self, tenant_id: str, requested: str | None = None) -> str | None:
        wanted = requested or self.configured
        if not wanted or wanted == "none":
            return None
        loaded = self.backend.adapters()
        if tenant_id and wanted == served_name("extraction"):
            own = served_name("extraction", tenant_id)
            if own in loaded:
                return own
        if wanted in loaded and self._allowed(tenant_id, wanted):
            return wanted
        if requested:  # asked for by name: say so rather than quietly using the base model
            raise NotFoundError(f"adapter {requested!r} is not loaded", reason="ADAPTER_NOT_FOUND")
        return None  # no champion yet: the base model serves

    def _allowed(self, tenant_id: str, name: str) -> bool:
        """Shared names (no ``@``), the tenant's own (``...@<tenant>``) and versions it can see (``task@vNNNN``)."""
        task, at, suffix = name.partition("@")
        if not at or not tenant_id:
            return True
        if suffix == tenant_id:
            return True
        if self.registry is None or not re.fullmatch(r"v\d{4,}", suffix):
            return False
        try:
            self.registry.get(task, suffix, tenant=tenant_id)
        except DocAIError:
            return False
        return True
