"""Tenants and their API tokens. Tokens are shown once and stored only as a hash."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from docai.services.common.errors import AlreadyExistsError, InvalidArgumentError, UnauthenticatedError
from docai.services.storage import models
from docai.services.storage.database import Database

TOKEN_PREFIX = "docai_"
_TENANT_ID = re.compile(r"^[a-z][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class Caller:
    """Who is calling: the tenant whose data they may see, and the scope of their token."""

    tenant_id: str
    scope: str = "erp"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_tenant(db: Database, *, tenant_id: str, name: str = "") -> None:
    if not _TENANT_ID.match(tenant_id):
        raise InvalidArgumentError("tenant id must be lowercase letters, digits and dashes", reason="INVALID_TENANT_ID")
    with db.transaction() as session:
        if session.get(models.Tenant, tenant_id) is not None:
            raise AlreadyExistsError(f"tenant {tenant_id} exists", reason="TENANT_EXISTS")
        session.add(models.Tenant(id=tenant_id, name=name or tenant_id))


def issue_token(db: Database, *, tenant_id: str, label: str = "", scope: str = "erp") -> str:
    """Creates a token for a tenant and returns it; only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as session:
        if session.get(models.Tenant, tenant_id) is None:
            raise InvalidArgumentError(f"no tenant {tenant_id}", reason="TENANT_NOT_FOUND")
        session.add(models.ApiToken(tenant_id=tenant_id, token_hash=hash_token(token), label=label, scope=scope))
    return token


def ensure_tenant(db: Database, *, tenant_id: str, name: str = "") -> bool:
    """Creates the tenant unless it exists; returns whether it was created."""
    with db.transaction() as session:
        if session.get(models.Tenant, tenant_id) is not None:
            return False
        session.add(models.Tenant(id=tenant_id, name=name or tenant_id))
        return True


def authenticate(db: Database, *, token: str | None, as_tenant: str | None = None) -> Caller:
    """Resolves a bearer token to a caller; service tokens may act for a named tenant."""
    if not token:
        raise UnauthenticatedError("missing bearer token in the authorization metadata", reason="MISSING_TOKEN")
    with db.transaction() as session:
        row = session.scalar(
            select(models.ApiToken).where(models.ApiToken.token_hash == hash_token(token), ~models.ApiToken.revoked)
        )
        if row is None:
            raise UnauthenticatedError("invalid or revoked token", reason="INVALID_TOKEN")
        if row.scope == "service" and as_tenant:
            if session.get(models.Tenant, as_tenant) is None:
                raise UnauthenticatedError("unknown tenant", reason="INVALID_TOKEN")
            return Caller(tenant_id=as_tenant, scope="service")
        return Caller(tenant_id=row.tenant_id, scope=row.scope)


def set_thresholds(db: Database, *, tenant_id: str, changes: dict[str, object]) -> dict[str, object]:
    """Updates a tenant's auto-approval thresholds (validated) and returns them in full."""
    from docai.schemas.routing import Thresholds

    with db.transaction() as session:
        tenant = session.get(models.Tenant, tenant_id)
        if tenant is None:
            raise InvalidArgumentError(f"no tenant {tenant_id}", reason="TENANT_NOT_FOUND")
        try:
            merged = Thresholds.model_validate({**(tenant.thresholds or {}), **changes})
        except ValueError as exc:
            raise InvalidArgumentError(f"invalid thresholds: {exc}", reason="INVALID_THRESHOLDS") from None
        tenant.thresholds = merged.model_dump(mode="json")
        return dict(tenant.thresholds)
