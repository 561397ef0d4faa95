"""The review page's pieces that need no browser: accounts, the session secret, reason wording."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from docai.services.pb.review.v1 import review_service_pb2 as pb
from docai.services.web import views
from docai.services.web.app import _safe_next
from docai.services.web.security import secret_key
from docai.services.web.users import DB_NAME, LoginThrottle, User, UserStore, create_user


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


def test_login_throttle_locks_after_repeated_failures() -> None:
    throttle = LoginThrottle(limit=3, window=60)
    for _ in range(3):
        assert not throttle.locked("bob")
        throttle.failed("bob")
    assert throttle.locked("bob")
    throttle.succeeded("bob")
    assert not throttle.locked("bob")


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


def test_bank_change_view_names_who_may_not_confirm() -> None:
    task = pb.ReviewTask(name="reviewTasks/t1", document="documents/d1", state=pb.REVIEW_TASK_STATE_APPROVED,
                         bank_details_unconfirmed=True)
    audit = [
        pb.AuditEntry(actor="dan@acme", action="field_corrected", field="iban", old_value="DE01", new_value="DE02"),
        pb.AuditEntry(actor="dan@acme", action="field_corrected", field="total_gross", old_value="1", new_value="2"),
        pb.AuditEntry(actor="eve@acme", action="field_corrected", field="bic", old_value="", new_value="COBADEFFXXX"),
        pb.AuditEntry(actor="dan@acme", action="field_corrected", field="iban", old_value="DE02", new_value="DE03"),
        pb.AuditEntry(actor="alice@acme", action="approved"),
    ]
    seen = {name: views.bank_change_view(task, audit, User(username=name, tenant="acme", role="approver"))
            for name in ("dan@acme", "alice@acme", "carol@acme", "eve@acme")}
    assert seen["carol@acme"]["bank_changes"] == [
        {"label": "BIC", "old": "", "new": "COBADEFFXXX"}, {"label": "IBAN", "old": "DE01", "new": "DE03"},
    ]
    assert (seen["carol@acme"]["changed_by"], seen["carol@acme"]["approved_by"]) == ("dan@acme, eve@acme", "alice@acme")
    assert {name: view["own"] for name, view in seen.items()} == {"dan@acme": True, "alice@acme": True, "carol@acme": False, "eve@acme": True}
