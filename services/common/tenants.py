"""Tenants, their credentials, and who a credential says the caller is.

Tokens are shown once and stored only as a hash. Every token belongs to a tenant and has a
scope, which decides what the caller is:

- ``erp``: an ERP system of the tenant. It uploads, reads, extracts, routes and exports; it is
  not a person, so it may not claim, correct, approve, reject or confirm review tasks.
- ``person``: one named person of the tenant (``actor``) with a role: ``reviewer`` claims,
  releases and corrects; ``approver`` also approves, rejects and confirms bank details;
  ``admin`` also manages the tenant's models (tuning jobs, promotion, rollback).
- ``service``: the review page. It signs its own users in, so it alone may name the tenant
  (``x-docai-tenant``), the person (``x-docai-actor``) and the role (``x-docai-role``) per call.
- ``operator``: the deployment's operator: changes the shared, shipped adapters every tenant
  without its own champion is served with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from docai.services.common.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    UnauthenticatedError,
)
from docai.services.storage import tables
from docai.services.storage.database import Database

TOKEN_PREFIX = "docai_"
_TENANT_ID = re.compile(r"^[a-z][a-z0-9-]{1,62}$")

SCOPES: tuple[str, ...] = ("erp", "person", "service", "operator")
ROLES: tuple[str, ...] = ("reviewer", "approver", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES, start=1)}
# Names the suite writes itself (the pipeline's "system", the ERP's exports) or that would read as
# someone with authority; no credential may act under them.
RESERVED_ACTORS = frozenset({"system", "erp", "docai", "service", "operator", "admin", "root", "anonymous", "unknown"})
_ACTOR = re.compile(r"^[A-Za-z0-9._@+-]{3,120}$")


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the credential says.

    Attributes:
        tenant_id: The tenant whose data the caller may see and change.
        scope: ``erp``, ``person``, ``service`` or ``operator`` (see the module docstring).
        actor: The person acting (a person token's name, or the one the review page names); ""
            when no person acts (an ERP system, the review page on its own, the operator).
        role: The person's role (``reviewer``, ``approver``, ``admin``); "" when no person acts.
    """

    tenant_id: str
    scope: str = "erp"
    actor: str = ""
    role: str = ""

    def has_role(self, role: str) -> bool:
        """Whether a person with at least ``role`` acts in this call."""
        return bool(self.actor) and _RANK.get(self.role, 0) >= _RANK[role]


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token (never the token)."""

    id: int
    tenant_id: str
    label: str
    scope: str
    actor: str
    role: str
    create_time: dt.datetime
    revoked: bool
    revoke_time: dt.datetime | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_actor(actor: str) -> str:
    """A person's name as credentials carry it.

    Raises:
        InvalidArgumentError: ``INVALID_ACTOR`` (3-120 letters, digits and ``._@+-``).
        PermissionDeniedError: ``ACTOR_RESERVED`` for names the suite writes itself (``system``...).
    """
    if not _ACTOR.match(actor or ""):
        raise InvalidArgumentError(
            "an actor is 3-120 letters, digits and . _ @ + -", reason="INVALID_ACTOR", field="actor"
        )
    if actor.lower() in RESERVED_ACTORS:
        raise PermissionDeniedError(f"the actor name {actor!r} is reserved", reason="ACTOR_RESERVED", actor=actor)
    return actor


def check_role(role: str) -> str:
    """Raises InvalidArgumentError ``INVALID_ROLE`` unless ``role`` is reviewer, approver or admin."""
    if role not in ROLES:
        raise InvalidArgumentError(f"role must be one of {', '.join(ROLES)}", reason="INVALID_ROLE", field="role")
    return role


def create_tenant(db: Database, *, tenant_id: str, name: str = "") -> None:
    if not _TENANT_ID.match(tenant_id):
        raise InvalidArgumentError("tenant id must be lowercase letters, digits and dashes", reason="INVALID_TENANT_ID")
    with db.transaction() as session:
        if session.get(tables.Tenant, tenant_id) is not None:
            raise AlreadyExistsError(f"tenant {tenant_id} exists", reason="TENANT_EXISTS")
        session.add(tables.Tenant(id=tenant_id, name=name or tenant_id))


def _check_grant(scope: str, actor: str, role: str) -> None:
    """What a token of ``scope`` may carry: a person names someone with a role, nothing else names anyone."""
    if scope not in SCOPES:
        raise InvalidArgumentError(f"scope must be one of {', '.join(SCOPES)}", reason="INVALID_SCOPE", field="scope")
    if scope == "person":
        if not actor or not role:
            raise InvalidArgumentError(
                "a person token needs the person's name (actor) and role", reason="PERSON_REQUIRED"
            )
        check_actor(actor)
        check_role(role)
        return
    if role:
        raise InvalidArgumentError(
            f"a {scope} token has no role; only person tokens do", reason="INVALID_ROLE", field="role"
        )
    if actor and scope != "operator":
        raise InvalidArgumentError(
            f"a {scope} token names no person; only person tokens do", reason="INVALID_ACTOR", field="actor"
        )
    if actor:
        check_actor(actor)


def create_token(
    db: Database, *, tenant_id: str, label: str = "", scope: str = "erp", actor: str = "", role: str = ""
) -> tuple[int, str]:
    """Creates a token and returns its id and the token itself; only the token's hash is kept.

    Raises:
        InvalidArgumentError: ``TENANT_NOT_FOUND``, ``INVALID_SCOPE``, ``PERSON_REQUIRED``,
            ``INVALID_ACTOR``, ``INVALID_ROLE``.
        PermissionDeniedError: ``ACTOR_RESERVED``.
    """
    _check_grant(scope, actor, role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as session:
        if session.get(tables.Tenant, tenant_id) is None:
            raise InvalidArgumentError(f"no tenant {tenant_id}", reason="TENANT_NOT_FOUND")
        row = tables.ApiToken(
            tenant_id=tenant_id, token_hash=hash_token(token), label=label, scope=scope, actor=actor, role=role
        )
        session.add(row)
        session.flush()
        return int(row.id), token


def issue_token(
    db: Database, *, tenant_id: str, label: str = "", scope: str = "erp", actor: str = "", role: str = ""
) -> str:
    """Creates a token for a tenant and returns it; only its hash is kept (see :func:`create_token`)."""
    return create_token(db, tenant_id=tenant_id, label=label, scope=scope, actor=actor, role=role)[1]


def _info(row: tables.ApiToken) -> TokenInfo:
    return TokenInfo(
        id=int(row.id),
        tenant_id=row.tenant_id,
        label=row.label,
        scope=row.scope,
        actor=row.actor or "",
        role=row.role or "",
        create_time=row.create_time,
        revoked=bool(row.revoked),
        revoke_time=row.revoke_time,
    )


def list_tokens(db: Database, *, tenant_id: str) -> list[TokenInfo]:
    """The tenant's tokens, oldest first (revoked ones included; never the tokens themselves).

    Raises:
        NotFoundError: ``TENANT_NOT_FOUND``.
    """
    with db.transaction() as session:
        if session.get(tables.Tenant, tenant_id) is None:
            raise NotFoundError(f"no tenant {tenant_id}", reason="TENANT_NOT_FOUND")
        rows = session.scalars(
            select(tables.ApiToken).where(tables.ApiToken.tenant_id == tenant_id).order_by(tables.ApiToken.id)
        ).all()
        return [_info(row) for row in rows]


def revoke_token(db: Database, *, token_id: int) -> TokenInfo:
    """Revokes a token: it authenticates nothing from now on. Revoking it again changes nothing.

    Raises:
        NotFoundError: ``TOKEN_NOT_FOUND``.
    """
    with db.transaction() as session:
        row = session.get(tables.ApiToken, token_id)
        if row is None:
            raise NotFoundError(f"no token {token_id}", reason="TOKEN_NOT_FOUND")
        if not row.revoked:
            row.revoked, row.revoke_time = True, tables.utcnow()
        return _info(row)


def rotate_token(db: Database, *, token_id: int) -> tuple[TokenInfo, str]:
    """Replaces a token: a new one with the same tenant, label, scope, person and role; the old one is revoked.

    Returns:
        What the new token is, and the token itself (shown once).

    Raises:
        NotFoundError: ``TOKEN_NOT_FOUND``.
        FailedPreconditionError: ``TOKEN_REVOKED``: a revoked token is not rotated (create a new one).
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as session:
        old = session.get(tables.ApiToken, token_id, with_for_update=True)
        if old is None:
            raise NotFoundError(f"no token {token_id}", reason="TOKEN_NOT_FOUND")
        if old.revoked:
            raise FailedPreconditionError(
                f"token {token_id} is revoked; create a new one instead", reason="TOKEN_REVOKED"
            )
        new = tables.ApiToken(
            tenant_id=old.tenant_id,
            token_hash=hash_token(token),
            label=old.label,
            scope=old.scope,
            actor=old.actor,
            role=old.role,
        )
        old.revoked, old.revoke_time = True, tables.utcnow()
        session.add(new)
        session.flush()
        return _info(new), token


def ensure_tenant(db: Database, *, tenant_id: str, name: str = "") -> bool:
    """Creates the tenant unless it exists; returns whether it was created."""
    with db.transaction() as session:
        if session.get(tables.Tenant, tenant_id) is not None:
            return False
        session.add(tables.Tenant(id=tenant_id, name=name or tenant_id))
        return True


def authenticate(db: Database, *, token: str | None, as_tenant: str | None = None) -> Caller:
    """Resolves a bearer token to a caller: its tenant, scope, and for a person token the person and role.

    Only a service token (the review page) may act for the tenant named in ``as_tenant``; which
    person it acts for is added from the call's metadata by the server (``x-docai-actor``).
    """
    if not token:
        raise UnauthenticatedError("missing bearer token in the authorization metadata", reason="MISSING_TOKEN")
    with db.transaction() as session:
        row = session.scalar(
            select(tables.ApiToken).where(tables.ApiToken.token_hash == hash_token(token), ~tables.ApiToken.revoked)
        )
        if row is None:
            raise UnauthenticatedError("invalid or revoked token", reason="INVALID_TOKEN")
        if row.scope == "service" and as_tenant:
            if session.get(tables.Tenant, as_tenant) is None:
                raise UnauthenticatedError("unknown tenant", reason="INVALID_TOKEN")
            return Caller(tenant_id=as_tenant, scope="service")
        if row.scope not in SCOPES:
            raise UnauthenticatedError("the token has an unknown scope", reason="INVALID_TOKEN")
        return Caller(tenant_id=row.tenant_id, scope=row.scope, actor=row.actor or "", role=row.role or "")


def set_thresholds(db: Database, *, tenant_id: str, changes: dict[str, object]) -> dict[str, object]:
    """Updates a tenant's auto-approval thresholds (validated) and returns them in full."""
    from docai.schemas.routing import Thresholds

    with db.transaction() as session:
        tenant = session.get(tables.Tenant, tenant_id)
        if tenant is None:
            raise InvalidArgumentError(f"no tenant {tenant_id}", reason="TENANT_NOT_FOUND")
        try:
            merged = Thresholds.model_validate({**(tenant.thresholds or {}), **changes})
        except ValueError as exc:
            raise InvalidArgumentError(f"invalid thresholds: {exc}", reason="INVALID_THRESHOLDS") from None
        tenant.thresholds = merged.model_dump(mode="json")
        return dict(tenant.thresholds)


@dataclass(frozen=True)
class TenantInfo:
    """A tenant as the operator sees it (``docai tenants list``)."""

    id: str
    name: str
    create_time: dt.datetime
    active_tokens: int


def list_tenants(db: Database) -> list[TenantInfo]:
    """Every tenant, by id, with how many of its tokens are not revoked."""
    from sqlalchemy import func

    with db.transaction() as session:
        active = dict(
            session.execute(
                select(tables.ApiToken.tenant_id, func.count())
                .where(~tables.ApiToken.revoked)
                .group_by(tables.ApiToken.tenant_id)
            ).all()
        )
        rows = session.scalars(select(tables.Tenant).order_by(tables.Tenant.id)).all()
        return [
            TenantInfo(id=row.id, name=row.name, create_time=row.create_time, active_tokens=int(active.get(row.id, 0)))
            for row in rows
        ]
