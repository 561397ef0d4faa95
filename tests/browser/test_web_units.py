"""The review page's pieces that need no browser: accounts, sessions, the sign-in throttle,
the session secret and cookie, reason wording."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.web import views
from docai.services.web.app import create_app
from docai.services.web.routes_auth import _safe_next
from docai.services.web.security import secret_key
from docai.services.web.users import (
    DB_NAME,
    LoginThrottle,
    User,
    UserStore,
    address_key,
    create_user,
    disable_user,
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_accounts_are_hashed_and_verified(tmp_path: Path) -> None:
    user = create_user(tmp_path, username="bob@acme", password="correct-horse", tenant="acme", role="reviewer")
    assert (user.tenant, user.role, user.can_approve) == ("acme", "reviewer", False)
    store = UserStore(tmp_path / DB_NAME)
    assert store.verify("bob@acme", "correct-horse") == user
    assert store.verify("bob@acme", "wrong-horse") is None
    assert store.verify("nobody@acme", "correct-horse") is None
    assert b"correct-horse" not in (tmp_path / DB_NAME).read_bytes()
    assert stat.S_IMODE((tmp_path / DB_NAME).stat().st_mode) == 0o600
    with pytest.raises(ValueError, match="exists"):
        create_user(tmp_path, username="bob@acme", password="another-one", tenant="acme", role="reviewer")
    create_user(tmp_path, username="bob@acme", password="another-one", tenant="acme", role="approver", replace=True)
    assert store.verify("bob@acme", "another-one").can_approve  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"role": "boss"}, "role must be one of"),
        ({"tenant": "Acme Corp"}, "tenant must be"),
        ({"username": "a b"}, "username must be"),
        ({"password": "short"}, "at least 8"),
    ],
)
def test_bad_accounts_are_refused(tmp_path: Path, options: dict[str, str], message: str) -> None:
    values = {"username": "eve@acme", "password": "long-enough", "tenant": "acme", "role": "reviewer"} | options
    with pytest.raises(ValueError, match=message):
        create_user(tmp_path, **values)


def test_demo_account_is_created_once(tmp_path: Path) -> None:
    store = UserStore(tmp_path / DB_NAME)
    store.ensure_demo()
    store.ensure_demo()
    demo = store.verify("accountant@demo", "review-demo")
    assert demo is not None and (demo.tenant, demo.role) == ("demo", "approver")


def test_session_secret_is_made_once_and_private(tmp_path: Path) -> None:
    first = secret_key(tmp_path)
    assert len(first) >= 40 and secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "web_secret").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("target", "safe"),
    [("/tasks/abc", "/tasks/abc"), ("//evil.example/x", ""), ("https://evil.example", ""), ("/\\evil", "")],
)
def test_sign_in_only_redirects_within_the_site(target: str, safe: str) -> None:
    assert _safe_next(target) == safe


def test_reasons_read_as_words() -> None:
    failed = pb.ReviewReason(code="CHECK_FAILED", field="total_net,total_tax,total_gross", detail="1 + 2 = 3, not 4")
    low = pb.ReviewReason(code="LOW_CONFIDENCE", field="total_gross", detail="confidence 0.40 is below 0.80")
    assert views.reason_view(failed)["subject"] == "net + tax vs gross"
    assert (views.reason_view(low)["label"], views.reason_view(low)["subject"]) == ("Low confidence", "Gross total")
    assert views.money("30167.5", "EUR") == "30,167.50 EUR"


def test_every_reason_code_and_audit_action_reads_as_a_sentence() -> None:
    # One wording per reason code: the chips' tooltips, the queue and the history all use it.
    assert set(views.REASON_SENTENCES) == set(views.REASON_LABELS)
    for code in views.REASON_LABELS:
        sentence = views.reason_sentence(pb.ReviewReason(code=code, field="iban"))
        assert code not in sentence and "_" not in sentence and sentence[0].isupper()
    summary = "LOW_CONFIDENCE:total_gross, CHECK_FAILED:total_net,total_tax,total_gross, ROUTE_UNCOVERED"
    entries = [
        pb.AuditEntry(actor="system", action="sent_to_review", new_value=summary),
        pb.AuditEntry(
            actor="ann@demo", action="field_corrected", field="total_gross", old_value="1.00", new_value="2.00"
        ),
        pb.AuditEntry(
            actor="ann@demo", action="tax_details_corrected", field="tax_details", old_value="a", new_value="b"
        ),
        pb.AuditEntry(actor="ann@demo", action="route_corrected", field="cost_centre", new_value="CC-1"),
        pb.AuditEntry(actor="ann@demo", action="approved", new_value="failed checks: tax_details_sum, iban_checksum"),
    ]
    shown = views.audit_views(entries)[::-1]
    assert shown[0]["note"] == (
        "Gross total was read with low confidence. The check \u201cNet + tax = gross\u201d failed. "
        "No routing rule matched the invoice."
    )
    assert [v["action"] for v in shown[1:]] == [
        "corrected Gross total",
        "corrected the tax breakdown",
        "changed the route's cost centre",
        "approved the invoice although 2 checks failed",
    ]
    assert shown[-1]["note"] == "Tax breakdown adds up, IBAN checksum"
    for view in shown:
        assert not re.search(r"[A-Z]{2,}_|[a-z]_[a-z]", view["action"] + view["note"]), view


def test_bank_change_view_names_who_may_not_confirm() -> None:
    task = pb.ReviewTask(
        name="reviewTasks/t1",
        document="documents/d1",
        state=pb.REVIEW_TASK_STATE_APPROVED,
        bank_details_unconfirmed=True,
    )
    audit = [
        pb.AuditEntry(actor="dan@acme", action="field_corrected", field="iban", old_value="DE01", new_value="DE02"),
        pb.AuditEntry(actor="dan@acme", action="field_corrected", field="total_gross", old_value="1", new_value="2"),
        pb.AuditEntry(actor="eve@acme", action="field_corrected", field="bic", old_value="", new_value="COBADEFFXXX"),
        pb.AuditEntry(actor="dan@acme", action="field_corrected", field="iban", old_value="DE02", new_value="DE03"),
        pb.AuditEntry(actor="alice@acme", action="approved"),
    ]
    seen = {
        name: views.bank_change_view(task, audit, User(username=name, tenant="acme", role="approver"))
        for name in ("dan@acme", "alice@acme", "carol@acme", "eve@acme")
    }
    assert seen["carol@acme"]["bank_changes"] == [
        {"label": "BIC", "old": "", "new": "COBADEFFXXX"},
        {"label": "IBAN", "old": "DE01", "new": "DE03"},
    ]
    assert (seen["carol@acme"]["changed_by"], seen["carol@acme"]["approved_by"]) == ("dan@acme, eve@acme", "alice@acme")
    assert {name: view["own"] for name, view in seen.items()} == {
        "dan@acme": True,
        "alice@acme": True,
        "carol@acme": False,
        "eve@acme": True,
    }


# -- sessions ---------------------------------------------------------------------------------


def test_sessions_end_at_sign_out_when_idle_and_when_old(tmp_path: Path) -> None:
    clock = Clock()
    store = UserStore(tmp_path / DB_NAME, idle_seconds=600, max_seconds=3600, clock=clock)
    store.create(username="bob@acme", password="correct-horse", tenant="acme", role="reviewer")
    bob = User(username="bob@acme", tenant="acme", role="reviewer")

    signed_out = store.start_session("bob@acme")
    assert store.session_user(signed_out) == bob
    store.end_session(signed_out)
    assert store.session_user(signed_out) is None  # sign-out ends it for every copy of the cookie

    busy = store.start_session("bob@acme")
    for _ in range(6):  # a request every 9 minutes keeps it alive ...
        clock.now += 540
        assert store.session_user(busy) == bob
    clock.now += 540  # ... until an hour after sign-in, however busy
    assert store.session_user(busy) is None

    idle = store.start_session("bob@acme")
    clock.now += 599
    assert store.session_user(idle) == bob
    clock.now += 601  # ten minutes without a request
    assert store.session_user(idle) is None
    assert store.session_user("") is None and store.session_user("made-up") is None
    assert idle.encode() not in (tmp_path / DB_NAME).read_bytes()  # only a hash of the id is stored


def test_new_password_or_disabled_account_ends_sessions(tmp_path: Path) -> None:
    store = UserStore(tmp_path / DB_NAME)
    store.create(username="bob@acme", password="correct-horse", tenant="acme", role="reviewer")
    first, second = store.start_session("bob@acme"), store.start_session("bob@acme")
    create_user(tmp_path, username="bob@acme", password="battery-staple", tenant="acme", role="reviewer", replace=True)
    assert store.session_user(first) is None and store.session_user(second) is None

    session = store.start_session("bob@acme")
    disable_user(tmp_path, "bob@acme")
    assert store.session_user(session) is None
    assert store.verify("bob@acme", "battery-staple") is None  # a disabled account cannot sign in
    disable_user(tmp_path, "bob@acme", disabled=False)
    assert store.verify("bob@acme", "battery-staple") is not None
    assert store.session_user(session) is None  # enabling again revives no old session
    with pytest.raises(KeyError):
        disable_user(tmp_path, "nobody@acme")
    assert store.end_sessions("bob@acme") == 0


def test_older_user_tables_gain_the_disabled_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / DB_NAME
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, tenant TEXT NOT NULL, "
            "role TEXT NOT NULL, created_at REAL NOT NULL)"
        )
    store = UserStore(path)
    store.ensure_demo()
    assert store.verify("accountant@demo", "review-demo") is not None


# -- the sign-in throttle ------------------------------------------------------------------------


def test_throttle_backs_off_per_pair_and_per_address_but_never_locks_the_owner_out() -> None:
    clock = Clock()
    throttle = LoginThrottle(pair_free=3, address_free=10, base=1.0, cap=60.0, window=3600, clock=clock)
    for _ in range(3):  # three free failures for a pair
        assert throttle.retry_after("alice", "10.0.0.1") == 0
        throttle.failed("alice", "10.0.0.1")
    waits = []
    for _ in range(8):
        assert throttle.retry_after("alice", "10.0.0.1") == 0
        throttle.failed("alice", "10.0.0.1")
        waits.append(throttle.retry_after("alice", "10.0.0.1"))
        clock.now += waits[-1]
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]  # doubling, capped
    assert throttle.retry_after("alice", "10.0.0.2") == 0  # another address: not slowed at all
    assert throttle.retry_after("bob", "10.0.0.1") == 0  # nor another name from here (within the address budget)

    throttle.failed("carol", "10.0.0.1")  # the 12th failure from this address: beyond its budget of 10
    assert throttle.retry_after("dave", "10.0.0.1") > 0  # now every name from here waits
    clock.now += 3600  # an hour without failures forgets them
    assert throttle.retry_after("alice", "10.0.0.1") == 0 and throttle.retry_after("dave", "10.0.0.1") == 0

    throttle.failed("erin", "10.0.0.1")
    throttle.succeeded("erin", "10.0.0.1")
    assert throttle._addresses[address_key("10.0.0.1")].count == 1  # a success does not refill the address budget
    assert address_key("2001:db8::1") == address_key("2001:db8::ffff") == "2001:db8::/64"
    assert address_key("::ffff:10.0.0.1") == "10.0.0.1"


def test_throttle_memory_is_bounded() -> None:
    throttle = LoginThrottle(max_entries=100)
    for n in range(1000):
        throttle.failed(f"user{n}", f"10.0.{n // 250}.{n % 250}")
    assert len(throttle._pairs) == 100 and len(throttle._addresses) == 100


# -- the app over HTTP (Starlette's test client; sign-in needs no ReviewService) ----------------

ALICE, ALICE_PASSWORD = "alice@acme", "alice-secret-1"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[UserStore, LoginThrottle, Clock]]:
    store = UserStore(tmp_path / DB_NAME)
    store.ensure_demo()
    store.create(username=ALICE, password=ALICE_PASSWORD, tenant="acme", role="reviewer")
    clock = Clock()
    yield store, LoginThrottle(clock=clock), clock


def _app(web: tuple[UserStore, LoginThrottle, Clock], *, trusted: tuple[str, ...] = ()) -> Any:
    store, throttle, _ = web
    return create_app(client=None, users=store, secret="k" * 48, trusted_proxies=trusted, throttle=throttle)  # type: ignore[arg-type]


def _csrf(client: TestClient, **headers: str) -> str:
    """This session's CSRF token, read off a page that needs no ReviewService (a 404)."""
    page = client.get("/no-such-page", headers=headers)
    found = re.search(r'data-csrf="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _sign_in(client: TestClient, username: str, password: str, **headers: str) -> Any:
    token = _csrf(client, **headers)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )


def _signed_in(client: TestClient) -> bool:
    return client.get("/login", follow_redirects=False).status_code == 303  # the form sends a signed-in user on


def test_a_cookie_copied_before_sign_out_is_refused_after_it(web: Any) -> None:
    app = _app(web)
    with TestClient(app) as mine, TestClient(app) as thief:
        assert _sign_in(mine, ALICE, ALICE_PASSWORD).status_code == 303
        thief.cookies.update(mine.cookies)  # a copy of the cookie, e.g. from a shared computer
        assert _signed_in(thief)
        stolen_csrf = _csrf(thief)

        token = _csrf(mine)
        assert mine.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
        assert not _signed_in(mine)
        assert not _signed_in(thief)
        refused = thief.post("/api/next", json={}, headers={"X-CSRF-Token": stolen_csrf})
        assert refused.status_code == 401

        assert _sign_in(mine, ALICE, ALICE_PASSWORD).status_code == 303  # signing in again works
        assert _signed_in(mine) and not _signed_in(thief)


def test_changing_the_password_signs_the_user_out(web: Any, tmp_path: Path) -> None:
    with TestClient(_app(web)) as client:
        assert _sign_in(client, ALICE, ALICE_PASSWORD).status_code == 303 and _signed_in(client)
        create_user(tmp_path, username=ALICE, password="alice-secret-2", tenant="acme", role="reviewer", replace=True)
        assert not _signed_in(client)
        assert _sign_in(client, ALICE, ALICE_PASSWORD).status_code == 401
        assert _sign_in(client, ALICE, "alice-secret-2").status_code == 303
        disable_user(tmp_path, ALICE)
        assert not _signed_in(client)


def _session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith("docai_review=")]
    assert cookies, response.headers
    return str(cookies[-1]).lower()


def test_the_session_cookie_is_secure_over_https(web: Any) -> None:
    with TestClient(_app(web), base_url="https://review.example") as client:
        signed_in = _sign_in(client, ALICE, ALICE_PASSWORD)
        assert signed_in.status_code == 303
        cookie = _session_cookie(signed_in)
        assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert _signed_in(client)
    with TestClient(_app(web)) as client:  # plain http (a developer's 127.0.0.1): not Secure, still HttpOnly
        cookie = _session_cookie(_sign_in(client, ALICE, ALICE_PASSWORD))
        assert "; secure" not in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_forwarded_https_counts_only_from_a_trusted_proxy(web: Any) -> None:
    https = {"X-Forwarded-Proto": "https"}
    with TestClient(_app(web, trusted=("testclient",))) as client:  # the test client plays the TLS proxy
        assert "; secure" in _session_cookie(client.get("/login", headers=https))
        assert "; secure" not in _session_cookie(client.get("/login", headers={"X-Forwarded-Proto": "http"}))
    with TestClient(_app(web)) as client:  # no trusted proxy: anyone could send the header
        assert "; secure" not in _session_cookie(client.get("/login", headers=https))
    with TestClient(_app(web, trusted=("10.9.9.9",))) as client:  # a proxy, but not this one
        assert "; secure" not in _session_cookie(client.get("/login", headers=https))


def test_wrong_passwords_slow_the_guesser_and_never_lock_out_the_owner(web: Any) -> None:
    _, throttle, clock = web
    guesser, owner = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.20"}
    with TestClient(_app(web, trusted=("testclient",))) as client:
        statuses = [_sign_in(client, ALICE, f"guess-{n}", **guesser).status_code for n in range(6)]
        assert statuses[: throttle.pair_free + 1] == [401] * (throttle.pair_free + 1)
        assert statuses[-1] == 429
        slowed = _sign_in(client, ALICE, ALICE_PASSWORD, **guesser)  # even the right password waits, from there
        assert slowed.status_code == 429 and 0 < int(slowed.headers["retry-after"]) <= throttle.cap
        assert "Try again in" in slowed.text

        assert _sign_in(client, ALICE, ALICE_PASSWORD, **owner).status_code == 303  # alice, elsewhere: in at once
        client.post("/logout", data={"csrf_token": _csrf(client)})

        clock.now += int(slowed.headers["retry-after"])  # the wait is short and then over
        assert _sign_in(client, ALICE, ALICE_PASSWORD, **guesser).status_code == 303


def test_guessing_across_user_names_from_one_address_is_slowed(web: Any) -> None:
    _, throttle, clock = web
    throttle.address_free = 8  # the default 20, made smaller to save argon2 time
    sprayer = {"X-Forwarded-For": "203.0.113.99"}
    with TestClient(_app(web, trusted=("testclient",))) as client:
        statuses = [
            _sign_in(client, f"user{n}@acme", "password1", **sprayer).status_code for n in range(throttle.address_free)
        ]
        assert statuses == [401] * throttle.address_free  # one guess per name: no pair count is ever reached
        first = _sign_in(client, "user-a@acme", "password1", **sprayer)
        assert first.status_code == 401  # the first failure beyond the address's budget ...
        blocked = _sign_in(client, "user-b@acme", "password1", **sprayer)
        assert blocked.status_code == 429  # ... makes every name from this address wait
        waits = [int(blocked.headers["retry-after"])]
        for name in ("user-c@acme", "user-d@acme", "user-e@acme"):
            clock.now += waits[-1]
            assert _sign_in(client, name, "password1", **sprayer).status_code == 401
            again = _sign_in(client, name + "x", "password1", **sprayer)
            assert again.status_code == 429
            waits.append(int(again.headers["retry-after"]))
        assert waits == [1, 2, 4, 8]  # exponential backoff
        owner = {"X-Forwarded-For": "198.51.100.20"}
        assert _sign_in(client, ALICE, ALICE_PASSWORD, **owner).status_code == 303  # alice, elsewhere: in at once
