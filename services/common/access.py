"""Who may do what: the checks every servicer makes on the authenticated caller.

The caller comes from the credential alone (``docai.services.common.server._enter``); these
functions decide whether that caller may perform a call, and refuse with PERMISSION_DENIED and
an ErrorInfo that says what was missing:

==============================  ==========================================================
``require_role("reviewer")``    a person with at least that role (``reviewer`` < ``approver``
                                < ``admin``): a person token, or the review page naming one.
                                Anything else gets ``ROLE_REQUIRED`` with ``role`` (the role
                                needed), ``scope`` and ``caller_role`` in the metadata.
``require_admin_or_operator()``  a tenant's admin (changes that tenant's models) or the
                                deployment's operator (changes the shared ones).
==============================  ==========================================================
"""

from __future__ import annotations

from docai.services.common.errors import PermissionDeniedError
from docai.services.common.server import caller
from docai.services.common.tenants import Caller


def _who(found: Caller) -> str:
    if found.actor:
        return f"{found.actor} ({found.role or 'no role'})"
    return {"erp": "an ERP token", "service": "the review page without a person", "operator": "the operator"}.get(
        found.scope, f"a {found.scope} token"
    )


def require_role(role: str, *, action: str) -> Caller:
    """The caller, when a person with at least ``role`` acts; else PERMISSION_DENIED ``ROLE_REQUIRED``.

    Args:
        role: ``reviewer``, ``approver`` or ``admin``.
        action: What the call does, for the message ("approve an invoice").
    """
    found = caller()
    if found.has_role(role):
        return found
    raise PermissionDeniedError(
        f"to {action} a person with the {role} role is needed; this call is made by {_who(found)}",
        reason="ROLE_REQUIRED",
        role=role,
        scope=found.scope,
        caller_role=found.role,
    )


def require_admin_or_operator(*, action: str) -> Caller:
    """The caller, when it is a tenant's admin or the operator; else PERMISSION_DENIED
    ``ROLE_REQUIRED`` (role ``admin``)."""
    found = caller()
    if found.scope == "operator" or found.has_role("admin"):
        return found
    raise PermissionDeniedError(
        f"to {action} the tenant's admin (or the deployment's operator) is needed; this call is made by {_who(found)}",
        reason="ROLE_REQUIRED",
        role="admin",
        scope=found.scope,
        caller_role=found.role,
    )
