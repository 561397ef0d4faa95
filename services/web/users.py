"""Accounts and sessions of the review page, in home/web_users.db; the sign-in throttle.

The review page keeps its own small user table because the gRPC API knows tenants and
service tokens, not people; the page names the person in ``x-docai-actor`` on every call.
Sessions live in the same file: the browser's (signed) cookie holds only a random session
id, which the server looks up on every request, so signing out, a new password or a
disabled account ends the session even for a copy of the cookie.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

Role = Literal["reviewer", "approver", "admin"]
ROLES: tuple[str, ...] = ("reviewer", "approver", "admin")
DB_NAME = "web_users.db"
DEMO_USERNAME = "accountant@demo"
DEMO_PASSWORD = "review-demo"
DEMO_TENANT = "demo"
# A session ends after this long without a request, and this long after sign-in in any case.
SESSION_IDLE_SECONDS = 2 * 3600
SESSION_MAX_SECONDS = 10 * 3600
_TOUCH_SECONDS = 60.0  # last_seen is written at most once a minute per session

_USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{3,120}$")
_TENANT = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
_HASHER = PasswordHasher()
# Verified against when the username is unknown, so both paths cost one argon2 hash.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")
_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        tenant TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('reviewer', 'approver', 'admin')),
        created_at REAL NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    )
    """,
    # Only a hash of the session id is stored: a copy of this file signs nobody in.
    """
    CREATE TABLE IF NOT EXISTS sessions (
        id_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        created_at REAL NOT NULL,
        last_seen REAL NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (username)",
)


def _hash_session(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


@dataclass(frozen=True)
class Account:
    """An account as the operator sees it (``docai users list``): a user, whether it is disabled, since when."""

    username: str
    tenant: str
    role: str
    disabled: bool
    created_at: float


class UserStore:
    """The user and session tables in a SQLite file; safe to share between threads.

    Args:
        path: The database file (created with mode 600).
        idle_seconds: A session ends after this long without a request.
        max_seconds: A session ends this long after sign-in, however busy.
        clock: Wall-clock seconds (tests pass a fake one).
    """

    def __init__(
        self,
        path: Path,
        *,
        idle_seconds: float = SESSION_IDLE_SECONDS,
        max_seconds: float = SESSION_MAX_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds
        self.clock = clock
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(users)")}
            if "disabled" not in columns:  # a file from before accounts could be disabled
                conn.execute("ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0")
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
        password_hash = _HASHER.hash(password)
        try:
            with self._connect() as conn:
                conn.execute(
                    f"{verb} INTO users (username, password_hash, tenant, role, created_at, disabled) "
                    "VALUES (?, ?, ?, ?, ?, 0)",
                    (username, password_hash, tenant, role, time.time()),
                )
                # A new password (or tenant, or role) ends every session of the old account.
                conn.execute("DELETE FROM sessions WHERE username = ?", (username,))
        except sqlite3.IntegrityError:
            raise ValueError(f"user {username} exists") from None
        return User(username=username, tenant=tenant, role=role)

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        """Disables (or enables again) an account; disabling ends all its sessions.

        Raises:
            KeyError: For an unknown username.
        """
        with self._connect() as conn:
            changed = conn.execute(
                "UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username)
            ).rowcount
            if disabled:
                conn.execute("DELETE FROM sessions WHERE username = ?", (username,))
        if not changed:
            raise KeyError(username)

    def set_password(self, username: str, password: str) -> None:
        """Gives an account a new password; every session of it ends.

        Raises:
            ValueError: For a password shorter than 8 characters.
            KeyError: For an unknown username.
        """
        if len(password) < 8:
            raise ValueError("password must have at least 8 characters")
        password_hash = _HASHER.hash(password)
        with self._connect() as conn:
            changed = conn.execute(
                "UPDATE users SET password_hash = ? WHERE username = ?", (password_hash, username)
            ).rowcount
            conn.execute("DELETE FROM sessions WHERE username = ?", (username,))
        if not changed:
            raise KeyError(username)

    def accounts(self, *, tenant: str = "") -> list[Account]:
        """Every account (of ``tenant`` when given), by tenant and username; never a password hash."""
        query = "SELECT username, tenant, role, disabled, created_at FROM users"
        params: tuple[str, ...] = ()
        if tenant:
            query, params = query + " WHERE tenant = ?", (tenant,)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY tenant, username", params).fetchall()
        return [
            Account(username=r[0], tenant=r[1], role=r[2], disabled=bool(r[3]), created_at=float(r[4])) for r in rows
        ]

    def retire_demo(self) -> bool:
        """Outside demo mode: disables the demo account (its password is published) if it is enabled.

        Returns:
            Whether it was enabled (and is now disabled).
        """
        with self._connect() as conn:
            changed = conn.execute(
                "UPDATE users SET disabled = 1 WHERE username = ? AND disabled = 0", (DEMO_USERNAME,)
            ).rowcount
            conn.execute("DELETE FROM sessions WHERE username = ?", (DEMO_USERNAME,))
        return bool(changed)

    # -- sessions ------------------------------------------------------------------------------

    def start_session(self, username: str) -> str:
        """Opens a session for a signed-in user and returns its id (goes in the signed cookie)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._connect() as conn:
            conn.execute(  # housekeeping: ended sessions are dropped at each sign-in
                "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?",
                (now - self.idle_seconds, now - self.max_seconds),
            )
            conn.execute(
                "INSERT INTO sessions (id_hash, username, created_at, last_seen) VALUES (?, ?, ?, ?)",
                (_hash_session(token), username, now, now),
            )
        return token

    def session_user(self, token: str) -> User | None:
        """The user of a live session, else None (unknown, signed out, idle or too old, account
        disabled or its password changed); a live session's idle timer restarts."""
        if not token or len(token) > 200:
            return None
        now = self.clock()
        key = _hash_session(token)
        with self._connect() as conn:
            row = conn.execute(
                "SELECT u.username, u.tenant, u.role, s.last_seen "
                "FROM sessions s JOIN users u ON u.username = s.username "
                "WHERE s.id_hash = ? AND u.disabled = 0 AND s.last_seen >= ? AND s.created_at >= ?",
                (key, now - self.idle_seconds, now - self.max_seconds),
            ).fetchone()
            if row is not None and now - row[3] >= _TOUCH_SECONDS:
                conn.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, key))
        return User(username=row[0], tenant=row[1], role=row[2]) if row else None

    def end_session(self, token: str) -> None:
        """Ends one session (sign-out); a copy of its cookie signs nobody in afterwards."""
        with self._connect() as conn:
            conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash_session(token),))

    def end_sessions(self, username: str) -> int:
        """Ends every session of a user (sign out everywhere); returns how many there were."""
        with self._connect() as conn:
            return int(conn.execute("DELETE FROM sessions WHERE username = ?", (username,)).rowcount)

    def get(self, username: str) -> User | None:
        with self._connect() as conn:
            row = conn.execute("SELECT username, tenant, role FROM users WHERE username = ?", (username,)).fetchone()
        return User(*row) if row else None

    def verify(self, username: str, password: str) -> User | None:
        """Returns the user when the password matches and the account is enabled, else None
        (same cost either way)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT username, tenant, role, password_hash FROM users WHERE username = ? AND disabled = 0",
                (username,),
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
                conn.execute(
                    "UPDATE users SET password_hash = ? WHERE username = ?", (_HASHER.hash(password), username)
                )
        return User(username=row[0], tenant=row[1], role=row[2])

    def ensure_demo(self) -> None:
        """Demo mode only: creates the documented demo account (approver of tenant ``demo``) unless it
        exists, and enables it again if a run without demo mode disabled it."""
        if self.get(DEMO_USERNAME) is None:
            self.create(username=DEMO_USERNAME, password=DEMO_PASSWORD, tenant=DEMO_TENANT, role="approver")
        else:
            with self._connect() as conn:
                conn.execute("UPDATE users SET disabled = 0 WHERE username = ?", (DEMO_USERNAME,))


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
    return UserStore(home / DB_NAME).create(
        username=username, password=password, tenant=tenant, role=role, replace=replace
    )


def disable_user(home: Path, username: str, *, disabled: bool = True) -> None:
    """Disables (or with ``disabled=False`` enables) a review-page account; disabling signs it out everywhere.

    Raises:
        KeyError: For an unknown username.
    """
    UserStore(home / DB_NAME).set_disabled(username, disabled)


def address_key(host: str) -> str:
    """The throttle's key for a client address: IPv6 addresses count per /64 (what one host
    usually gets), IPv4 addresses and anything that is no IP address (a test client) as written."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass
class _Failures:
    count: int
    last: float


class LoginThrottle:
    """Slows password guessing with exponential backoff, without locking the owner out.

    The rule: failed sign-ins are counted twice, per (user name, client address) pair and per
    client address across all user names. Each count has some free failures (``pair_free``,
    ``address_free``); every failure beyond them doubles the wait before that pair, or that
    address, may try again: ``base``, 2x``base``, 4x``base``, ... at most ``cap`` seconds.
    During the wait the form answers 429 with ``Retry-After`` and checks no password, so a
    guess then tells nothing. A count is forgotten after ``window`` seconds without failures.

    Only failures count and only the guessing address waits: the right password from any
    other address always signs in at once, so nobody can lock a colleague out by typing
    their name with wrong passwords; the owner at the guessing address waits at most ``cap``
    seconds. Spraying many user names from one address is slowed by the per-address count.
    A sign-in clears its pair's count but not its address's, so signing in to one's own
    account between guesses buys no new free failures. IPv6 clients count per /64.
    Guessing one account from very many addresses is left to argon2 and the 8-character
    minimum. Counts live in memory (per process) and at most ``max_entries`` of each.
    """

    def __init__(
        self,
        *,
        pair_free: int = 3,
        address_free: int = 20,
        base: float = 1.0,
        cap: float = 900.0,
        window: float = 3600.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pair_free = pair_free
        self.address_free = address_free
        self.base = base
        self.cap = cap
        self.window = window
        self.max_entries = max_entries
        self.clock = clock
        self._pairs: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._addresses: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _pair(username: str, address: str) -> tuple[str, str]:
        return (username.strip().casefold()[:200], address_key(address))

    def _wait(self, record: _Failures | None, free: int, now: float) -> float:
        if record is None or now - record.last >= self.window:
            return 0.0
        excess = record.count - free
        if excess < 1:
            return 0.0
        delay = min(self.cap, self.base * 2.0 ** min(excess - 1, 60))
        return max(0.0, record.last + delay - now)

    def retry_after(self, username: str, address: str) -> float:
        """Seconds until this user name may be tried from this address; 0 when it may now."""
        now = self.clock()
        pair = self._pair(username, address)
        with self._lock:
            return max(
                self._wait(self._pairs.get(pair), self.pair_free, now),
                self._wait(self._addresses.get(pair[1]), self.address_free, now),
            )

    def failed(self, username: str, address: str) -> None:
        """Counts a wrong password (or unknown user name) from this address."""
        now = self.clock()
        pair = self._pair(username, address)
        with self._lock:
            self._count(self._pairs, pair, now)
            self._count(self._addresses, pair[1], now)

    def _count(self, table: OrderedDict[Any, _Failures], key: Any, now: float) -> None:
        record = table.pop(key, None)
        if record is None or now - record.last >= self.window:
            record = _Failures(0, now)
        record.count += 1
        record.last = now
        table[key] = record  # most recent last
        while len(table) > self.max_entries:  # bounded memory: the stalest count goes
            table.popitem(last=False)

    def succeeded(self, username: str, address: str) -> None:
        """Clears the pair's count after a right password (the address's count stays)."""
        with self._lock:
            self._pairs.pop(self._pair(username, address), None)
