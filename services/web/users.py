"""Accounts of the review page: username, argon2 password hash, tenant and role, in home/web_users.db.

The review page keeps its own small user table because the gRPC API knows tenants and
service tokens, not people; the page names the person in ``x-docai-actor`` on every call.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

Role = Literal["reviewer", "approver", "admin"]
ROLES: tuple[str, ...] = ("reviewer", "approver", "admin")
DB_NAME = "web_users.db"
DEMO_USERNAME = "accountant@demo"
DEMO_PASSWORD = "review-demo"
DEMO_TENANT = "demo"

_USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{3,120}$")
_TENANT = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
_HASHER = PasswordHasher()
# Verified against when the username is unknown, so both paths cost one argon2 hash.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    tenant TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('reviewer', 'approver', 'admin')),
    created_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class User:
    """A person who signs in to the review page.

    Attributes:
        username: Unique sign-in name, also the actor recorded in the audit log.
        tenant: The tenant whose invoices this person may see.
        role: ``reviewer`` corrects, ``approver`` also approves and rejects, ``admin`` may do all.
    """

    username: str
    tenant: str
    role: str

    @property
    def can_approve(self) -> bool:
        return self.role in ("approver", "admin")


class UserStore:
    """The user table in a SQLite file; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute(_SCHEMA)
        path.chmod(0o600)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = sqlite3.connect(self.path)
            try:
                with conn:
                    yield conn
            finally:
                conn.close()

    def create(self, *, username: str, password: str, tenant: str, role: str, replace: bool = False) -> User:
        """Adds (or with ``replace`` overwrites) an account.

        Raises:
            ValueError: For a malformed username or tenant, an unknown role, a password shorter
                than 8 characters, or an existing username without ``replace``.
        """
        if not _USERNAME.match(username):
            raise ValueError("username must be 3-120 letters, digits or ._@+-")
        if not _TENANT.match(tenant):
            raise ValueError("tenant must be lowercase letters, digits and dashes")
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < 8:
            raise ValueError("password must have at least 8 characters")
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        try:
            with self._connect() as conn:
                conn.execute(
                    f"{verb} INTO users (username, password_hash, tenant, role, created_at) VALUES (?, ?, ?, ?, ?)",
                    (username, _HASHER.hash(password), tenant, role, time.time()),
                )
        except sqlite3.IntegrityError:
            raise ValueError(f"user {username} exists") from None
        return User(username=username, tenant=tenant, role=role)

    def get(self, username: str) -> User | None:
        with self._connect() as conn:
            row = conn.execute("SELECT username, tenant, role FROM users WHERE username = ?", (username,)).fetchone()
        return User(*row) if row else None

    def verify(self, username: str, password: str) -> User | None:
        """Returns the user when the password matches, else None (same cost either way)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT username, tenant, role, password_hash FROM users WHERE username = ?", (username,)
            ).fetchone()
        stored = row[3] if row else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _HASHER.check_needs_rehash(stored):
            with self._connect() as conn:
                conn.execute("UPDATE users SET password_hash = ? WHERE username = ?", (_HASHER.hash(password), username))
        return User(username=row[0], tenant=row[1], role=row[2])

    def ensure_demo(self) -> None:
        """Creates the documented demo account (approver of tenant ``demo``) unless it exists."""
        if self.get(DEMO_USERNAME) is None:
            self.create(username=DEMO_USERNAME, password=DEMO_PASSWORD, tenant=DEMO_TENANT, role="approver")


def create_user(home: Path, *, username: str, password: str, tenant: str, role: str, replace: bool = False) -> User:
    """Creates a review-page account in ``home/web_users.db``.

    Args:
        home: The docai state directory (``Settings.home``).
        username: Sign-in name; recorded as the actor in the audit log.
        password: At least 8 characters; stored as an argon2 hash only.
        tenant: The tenant whose invoices the user may review.
        role: ``reviewer``, ``approver`` or ``admin``.
        replace: Overwrite an existing account of that name (e.g. to reset a password).

    Returns:
        The new user.

    Raises:
        ValueError: See :meth:`UserStore.create`.

    Example:
        >>> create_user(Path("var"), username="bob@acme", password="s3cret-pass", tenant="acme", role="reviewer")
        User(username='bob@acme', tenant='acme', role='reviewer')
    """
    return UserStore(home / DB_NAME).create(username=username, password=password, tenant=tenant, role=role, replace=replace)


class LoginThrottle:
    """Slows password guessing: after `limit` failures within `window` seconds a name is locked."""

    def __init__(self, *, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, list[float]] = {}

    def locked(self, username: str) -> bool:
        now = time.monotonic()
        recent = [t for t in self._failures.get(username, []) if now - t < self.window]
        self._failures[username] = recent
        return len(recent) >= self.limit

    def failed(self, username: str) -> None:
        self._failures.setdefault(username, []).append(time.monotonic())
        if len(self._failures) > 10_000:  # bounded memory under a spray of names
            self._failures.clear()

    def succeeded(self, username: str) -> None:
        self._failures.pop(username, None)
