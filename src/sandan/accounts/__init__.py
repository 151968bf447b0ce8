"""Accounts and tenancy: users with roles, passwords (Argon2id), hashed API and session tokens, the audit log.

It decides who may act for which company; interfaces ask it, they never decide themselves.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import secrets
import threading
import weakref
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import ValidationError

from sandan.domain import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    Role,
    TooManyAttempts,
    User,
    invalid_input_from,
)
from sandan.store import Store, TokenRecord

_HASHER = PasswordHasher()  # Argon2id with the library's RFC 9106 low-memory defaults
MIN_PASSWORD = 8
TOKEN_PREFIX = "sdn_"


@dataclass(frozen=True)
class Principal:
    """The user a request acts as, with the checks every interface applies the same way."""

    user: User
    token_id: str | None = None
    token_kind: str | None = None  # "session" (signed in with a password) or "api"

    @property
    def is_operator(self) -> bool:
        return self.user.role is Role.operator

    def require_company(self, company_id: str) -> None:
        """Refuse access to another company's data. Reported as not found so that ids do not leak."""
        if not self.is_operator and self.user.company_id != company_id:
            raise NotFound(
                f"company {company_id!r} not found",
                f"회사 {company_id!r}을(를) 찾을 수 없습니다",
                code="not_found",
            )

    def require_write(self, company_id: str) -> None:
        self.require_company(company_id)
        if not self.user.role.can_write:
            raise Forbidden(
                "your role (viewer) may read but not change data; ask your company admin for the engineer role",
                "조회자(viewer) 권한으로는 데이터를 바꿀 수 없습니다. 회사 관리자에게 엔지니어 권한을 요청하세요",
            )

    def require_admin(self, company_id: str | None) -> None:
        if company_id is not None:
            self.require_company(company_id)
        if not self.user.role.can_admin or (company_id is None and not self.is_operator):
            raise Forbidden(
                "this needs a company admin or the platform operator",
                "회사 관리자 또는 플랫폼 운영자 권한이 필요합니다",
            )

    def require_operator(self) -> None:
        if not self.is_operator:
            raise Forbidden("only the platform operator may do this", "플랫폼 운영자만 할 수 있습니다")

    def require_own_password(self) -> None:
        """Refuse everything but choosing a password while the account still has one someone else set."""
        if self.user.must_change_password:
            raise Forbidden(
                "your password was set by an admin; choose your own first (your account page /account, or "
                "POST /api/v1/auth/password with the current and a new one)",
                "관리자가 정한 비밀번호입니다. 먼저 자신의 비밀번호로 바꾸세요 (내 계정 페이지 /account, 또는 "
                "현재와 새 비밀번호로 POST /api/v1/auth/password)",
                code="password_change_required",
            )


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD} characters",
            f"비밀번호는 {MIN_PASSWORD}자 이상이어야 합니다",
            code="weak_password",
        )
    if not password.strip():
        raise InvalidInput(
            "a password of spaces alone is too easy to guess; use letters, digits or signs",
            "공백만으로 된 비밀번호는 추측하기 쉽습니다. 글자, 숫자, 기호를 쓰세요",
            code="weak_password",
        )
    if _too_easy(password):
        raise InvalidInput(
            "this password is among the first a guesser tries (one or two characters repeated, a run such as "
            "12345678 or abcdefgh, or a common password); use words or characters of your own",
            "이 비밀번호는 추측하는 사람이 가장 먼저 시도하는 것입니다 (한두 글자 반복, 12345678·abcdefgh 같은 연속, 흔한 "
            "비밀번호). 자신만의 단어나 글자를 쓰세요",
            code="weak_password",
        )
    return _HASHER.hash(password)


# The commonest passwords of eight characters or more in published breach lists (with Korean keyboard habits).
_COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "passw0rd", "qwertyui", "qwerty12", "qwerty123", "1q2w3e4r", "1q2w3e4r5t",
        "1qaz2wsx", "qwer1234", "asdf1234", "zxcv1234", "abcd1234", "a1b2c3d4", "admin123", "welcome1",
        "iloveyou", "sunshine", "princess", "football", "baseball", "superman", "trustno1", "11223344",
        "q1w2e3r4", "asdfghjk", "zxcvbnm1", "letmein1", "changeme",
    }
)  # fmt: skip


def _too_easy(password: str) -> bool:
    low = password.lower()
    if len(set(low)) <= 2 or low in _COMMON_PASSWORDS:
        return True
    steps = {ord(b) - ord(a) for a, b in zip(low, low[1:], strict=False)}
    return steps in ({1}, {-1}) and (low.isdigit() or low.isalpha())


def create_user(
    store: Store,
    user_id: str,
    password: str,
    role: Role | str,
    company_id: str | None = None,
    *,
    name: str = "",
    lang: str = "ko",
    by: Principal | None = None,
    must_change: bool | None = None,
) -> User:
    """Create a user; `by` (when given) must be allowed to create users of that company and role. `must_change`:
    the holder must choose their own password at the first sign-in, since whoever typed this one knows it — by
    default when someone else (`by`) made the account, not for the server's own accounts (`by` None: the demo's,
    the first operator's)."""
    role = Role(role)
    if by is not None:
        if role is Role.operator:
            by.require_operator()
        else:
            by.require_admin(company_id)
    try:
        user = User(
            id=user_id,
            name=name,
            role=role,
            company_id=company_id,
            lang=lang,
            must_change_password=by is not None if must_change is None else must_change,
        )
    except ValidationError as exc:
        raise invalid_input_from(exc) from None
    if company_id is not None and store.get_company(company_id) is None:
        raise NotFound(f"company {company_id!r} does not exist", f"회사 {company_id!r}이(가) 없습니다")
    store.add_user(user, hash_password(password))
    store.add_audit(company_id, by.user.id if by else None, "user.create", user_id, role.value)
    # with the time the store gave it (the answer said created_at null)
    stored = store.user_for_login(user.id)
    return stored[0] if stored else user


#: Failed sign-ins that stop further tries for a while (OWASP's advice against password guessing): of one user id
#: from one address; of one user id from anywhere (guesses spread over many computers); from one address. A user id
#: alone locked after 5 let anyone keep any account, the operator's too, locked out with five requests every
#: quarter of an hour. Counted per platform instance (its store), in memory: a restart forgets them.
FAILED_PER_USER = 5
FAILED_PER_USER_ANYWHERE = 50
FAILED_PER_ADDRESS = 50  # high: users behind one proxy or NAT share an address
FAILED_WINDOW = timedelta(minutes=15)
_failures: weakref.WeakKeyDictionary[Store, dict[str, deque[datetime]]] = weakref.WeakKeyDictionary()
_failures_lock = threading.Lock()


def _recent(store: Store, key: str, now: datetime, *, keep: bool = False) -> deque[datetime]:
    """The failures of `key` within the window; a key left with none is forgotten unless `keep` (a failure is
    about to be added), so tries of ids that never fail again do not pile up in memory."""
    kept = _failures.setdefault(store, {})
    seen = kept.get(key) or deque()
    while seen and now - seen[0] > FAILED_WINDOW:
        seen.popleft()
    if seen or keep:
        kept[key] = seen
    else:
        kept.pop(key, None)
    return seen


def _failure_keys(user_id: str, address: str | None) -> list[tuple[str, int]]:
    if not address:
        return [(f"user:{user_id}", FAILED_PER_USER)]
    return [
        (f"user:{user_id}@{address}", FAILED_PER_USER),
        (f"user:{user_id}", FAILED_PER_USER_ANYWHERE),
        (f"address:{address}", FAILED_PER_ADDRESS),
    ]


def _reserve_try(store: Store, user_id: str, address: str | None, now: datetime) -> datetime | None:
    """When the next sign-in of `user_id` (from `address`) may be tried, if it may not be tried now; else the try
    is counted as a failure at once (`_forget_try` takes it back when the password is right), so sign-ins sent in
    parallel cannot all pass the limit while their passwords are being checked."""
    with _failures_lock:
        keys = _failure_keys(user_id, address)
        until = [
            seen[0] + FAILED_WINDOW for key, limit in keys if len(seen := _recent(store, key, now)) >= limit
        ]
        if not until:
            for key, _ in keys:
                _recent(store, key, now, keep=True).append(now)
    return max(until) if until else None


def _forget_try(store: Store, user_id: str, address: str | None, now: datetime) -> None:
    with _failures_lock:
        for key, _ in _failure_keys(user_id, address):
            seen = _failures.get(store, {}).get(key)
            if seen is not None and now in seen:
                seen.remove(now)


@functools.cache
def _absent_hash() -> str:
    """A hash no password matches, checked for ids that do not exist, so they take as long as those that do."""
    return _HASHER.hash(secrets.token_hex(16))


def authenticate(store: Store, user_id: str, password: str, *, address: str | None = None) -> User:
    """Check a password; every attempt, failed or not, is written to the audit log with the address it came from.
    After `FAILED_PER_USER` failures for one user id from one address (`FAILED_PER_USER_ANYWHERE` from any,
    `FAILED_PER_ADDRESS` from one address for any id) within
    `FAILED_WINDOW`, sign-ins are refused until the oldest of them is that old — even with the right password, so
    a guesser learns nothing from the answer."""
    now = datetime.now(UTC)
    where = f"from {address}" if address else ""
    until = _reserve_try(store, user_id, address, now)
    if until is not None:
        store.add_audit(None, None, "login.throttled", user_id, where)
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        raise TooManyAttempts(
            f"too many failed sign-ins for this user id or from this computer; try again in {minutes} min, or "
            "ask your company admin to set a new password",
            f"로그인 실패가 너무 많습니다. {minutes}분 뒤에 다시 하거나, 회사 관리자에게 새 비밀번호를 요청하세요",
            code="too_many_attempts",
        )
    found = store.user_for_login(user_id)
    ok = False
    if found is not None:
        user, stored = found
        try:
            ok = _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            ok = False
        if ok and _HASHER.check_needs_rehash(stored):
            store.set_password_hash(user.id, _HASHER.hash(password))
    else:
        # as long as a wrong password for an existing id: answered at once, an unknown id told guessers which
        # ids exist (26 ms against 140-220 ms)
        with contextlib.suppress(VerificationError, InvalidHashError):
            _HASHER.verify(_absent_hash(), password)
    company = found[0].company_id if found else None
    stopped = ok and not found[0].active
    signed_in = ok and not stopped
    detail = " ".join(filter(None, ("inactive" if stopped else "", where)))
    # a failed attempt is not the account holder's act: who tried is unknown, the address says where from
    store.add_audit(
        company, user_id if signed_in else None, "login.ok" if signed_in else "login.failed", user_id, detail
    )
    if ok:
        _forget_try(store, user_id, address, now)
    else:
        raise NotAuthenticated(
            "user id or password is wrong", "아이디 또는 비밀번호가 틀렸습니다", code="bad_credentials"
        )
    if stopped:  # said only to whoever knows the password, so no one learns it by guessing ids
        raise NotAuthenticated(
            "this account has been stopped; ask your company admin to restore it",
            "사용이 중지된 계정입니다. 회사 관리자에게 다시 사용할 수 있게 해 달라고 요청하세요",
            code="user_inactive",
        )
    return found[0]


def change_password(store: Store, principal: Principal, current: str, new: str) -> None:
    """A user changes their own password: the current one must be right (a left-open session is not enough), the new
    one long enough and different. Recorded in the audit log."""
    found = store.user_for_login(principal.user.id)
    try:
        right = found is not None and _HASHER.verify(found[1], current)
    except (VerificationError, InvalidHashError):
        right = False
    if not right:
        store.add_audit(
            principal.user.company_id, principal.user.id, "user.password_refused", principal.user.id, ""
        )
        raise InvalidInput(
            "the current password is wrong",
            "현재 비밀번호가 틀렸습니다",
            code="bad_password",
            field="current",
        )
    if new == current:
        raise InvalidInput(
            "the new password is the same as the current one",
            "새 비밀번호가 현재 비밀번호와 같습니다",
            code="same_password",
            field="new",
        )
    store.set_password_hash(principal.user.id, hash_password(new), must_change=False)
    store.revoke_user_tokens(
        principal.user.id, keep=principal.token_id
    )  # other sessions end: this one goes on
    store.add_audit(principal.user.company_id, principal.user.id, "user.password", principal.user.id, "")


def reset_password(store: Store, by: Principal, company_id: str, user_id: str, new: str) -> User:
    """A company admin (or the operator) gives a user of that company a new password, e.g. after it was forgotten;
    the user then changes it on their account page. Another company admin's password only the operator resets (an
    admin would otherwise take over a peer's account); one's own is changed with `change_password`, which asks
    for the current one. Every session of the user ends. Recorded in the audit log."""
    user = _managed_user(
        store,
        by,
        company_id,
        user_id,
        # an open session alone must not set a new password: the current one is asked
        own=(
            "your own password is changed on your account page (/account), which asks for the current one",
            "자신의 비밀번호는 현재 비밀번호를 확인하는 내 계정 페이지(/account)에서 바꾸세요",
            "own_password",
        ),
        peer=(
            "only the platform operator resets another company admin's password",
            "다른 회사 관리자의 비밀번호는 플랫폼 운영자만 새로 정할 수 있습니다",
        ),
    )
    store.set_password_hash(user_id, hash_password(new), must_change=by is not None)
    store.revoke_user_tokens(user_id)
    store.add_audit(company_id, by.user.id, "user.password_reset", user_id, "")
    return user


def _managed_user(
    store: Store,
    by: Principal | None,
    company_id: str,
    user_id: str,
    *,
    own: tuple[str, str, str],
    peer: tuple[str, str],
) -> User:
    """The user of this company an admin means to manage (password, role, account): `by` must be a company admin
    (or the operator), may not act on itself (`own`: English, Korean, code) and, unless the operator, not on
    another company admin (`peer`). `by=None` is the server's console, which may do all."""
    if by is not None:
        by.require_admin(company_id)
    user = _company_user(store, company_id, user_id)
    if by is not None and user_id == by.user.id:
        raise Forbidden(own[0], own[1], code=own[2])
    if by is not None and user.role is Role.company_admin and not by.is_operator:
        raise Forbidden(*peer)
    return user


def _company_user(store: Store, company_id: str, user_id: str) -> User:
    """A user of this company, or NotFound (a user of another company is not found here either)."""
    found = store.user_for_login(user_id)
    if found is None or found[0].company_id != company_id:
        raise NotFound(
            f"company {company_id!r} has no user {user_id!r}",
            f"회사 {company_id!r}에 사용자 {user_id!r}이(가) 없습니다",
            code="unknown_user",
        )
    return found[0]


#: each role in words (English, Korean), as the users page names them
ROLE_WORDS: dict[Role, tuple[str, str]] = {
    Role.operator: ("platform operator", "플랫폼 운영자"),
    Role.company_admin: ("company admin", "회사 관리자"),
    Role.engineer: ("engineer", "엔지니어"),
    Role.viewer: ("viewer", "조회자"),
}


def bad_role(role: object, allowed: tuple[Role, ...] | None = None) -> InvalidInput:
    """The error for a role that is none of `allowed` (a company's roles: engineer, viewer, company admin), each
    named in words with the value a form or the API sends: "엔지니어(engineer), 조회자(viewer), 회사 관리자
    (company_admin)"."""
    allowed = allowed or (Role.engineer, Role.viewer, Role.company_admin)
    en = ", ".join(f"{ROLE_WORDS[r][0]} ({r.value})" for r in allowed)
    ko = ", ".join(f"{ROLE_WORDS[r][1]}({r.value})" for r in allowed)
    given = role.value if isinstance(role, Role) else role  # 'operator', not <Role.operator: 'operator'>
    return InvalidInput(
        f"role must be one of {en}, not {given!r}",
        f"역할은 {ko} 중 하나여야 합니다 ({given!r}은(는) 안 됩니다)",
        code="bad_role",
        field="role",
    )


def change_role(store: Store, by: Principal, company_id: str, user_id: str, role: Role | str) -> User:
    """A company admin (or the operator) gives a user of that company another role: engineer, viewer or company
    admin. As for passwords, another company admin's role only the operator changes, and one's own no one changes
    from an open session; the company keeps at least one admin. Recorded in the audit log."""
    by.require_admin(company_id)
    try:
        new = Role(role)
    except ValueError:
        new = None
    if new is None or new is Role.operator:
        raise bad_role(role, tuple(r for r in Role if r is not Role.operator))
    user = _managed_user(
        store,
        by,
        company_id,
        user_id,
        own=(
            "a company admin's role, your own included, only the platform operator changes",
            "회사 관리자의 역할은 자신의 것도 플랫폼 운영자만 바꿀 수 있습니다",
            "own_role",
        ),
        peer=(
            "only the platform operator changes another company admin's role",
            "다른 회사 관리자의 역할은 플랫폼 운영자만 바꿀 수 있습니다",
        ),
    )
    if user.role is new:
        return user
    _keep_an_admin(store, company_id, user)
    store.set_user_role(company_id, user_id, new)
    store.add_audit(company_id, by.user.id, "user.role", user_id, f"{user.role.value} → {new.value}")
    return user.model_copy(update={"role": new})


def _keep_an_admin(store: Store, company_id: str, user: User) -> None:
    """Refuse to take `user` out of the company's active admins when they are the last one (or out of the
    platform's active operators: the platform would be left without one)."""
    if user.role is Role.operator and user.active:
        if not [u for u in store.cross_tenant_users("operator") if u.active and u.id != user.id]:
            raise Conflict(
                f"{user.id} is the platform's only active operator; add another operator first "
                "(sandan user add … --role operator)",
                f"{user.id}은(는) 플랫폼의 유일한 운영자입니다. 먼저 다른 운영자를 추가하세요 "
                "(sandan user add … --role operator)",
                code="last_operator",
            )
        return
    if user.role is not Role.company_admin or not user.active:
        return
    others = [
        u
        for u in store.list_users(company_id)
        if u.role is Role.company_admin and u.active and u.id != user.id
    ]
    if not others:
        raise Conflict(
            f"{user.id} is the company's only active admin; make another user admin first",
            f"{user.id}은(는) 이 회사의 유일한 관리자입니다. 먼저 다른 사용자를 관리자로 정하세요",
            code="last_admin",
        )


def set_active(store: Store, by: Principal | None, company_id: str, user_id: str, active: bool) -> User:
    """Stop a user's account (someone left the company) or restore it. A stopped account cannot sign in, and every
    session and API token it had ends; it is kept, so the audit log still names it. The rules are the role
    change's: a company admin (or the operator) does it, another company admin only the operator, one's own no one,
    and the company keeps an active admin. `by=None` is the server's console (`sandan user stop`). Audited."""
    user = _managed_user(
        store,
        by,
        company_id,
        user_id,
        own=(
            "you cannot stop your own account; a company admin's account only the platform operator stops",
            "자신의 계정은 사용 중지할 수 없습니다. 회사 관리자의 계정은 플랫폼 운영자만 사용 중지할 수 있습니다",
            "own_account",
        ),
        peer=(
            "only the platform operator stops or restores another company admin's account",
            "다른 회사 관리자의 계정은 플랫폼 운영자만 사용 중지하거나 다시 사용하게 할 수 있습니다",
        ),
    )
    if user.active is active:
        return user
    if not active:
        _keep_an_admin(store, company_id, user)
    store.set_user_active(company_id, user_id, active)
    if not active:
        store.revoke_user_tokens(user_id)
    store.add_audit(
        company_id, by.user.id if by else None, "user.activate" if active else "user.stop", user_id, ""
    )
    return user.model_copy(update={"active": active})


#: How finely a token's last use is kept: a token used all day is written once in this long.
TOKEN_TOUCH = timedelta(minutes=5)


def cross_tenant_accounts(store: Store, principal: Principal | None) -> list[User]:
    """Every account of the platform, for the operator (or the server's console, `principal` None): who is admin
    where, which accounts are stopped."""
    if principal is not None:
        principal.require_operator()
    return store.cross_tenant_users()


def _digest(token: str) -> str:
    # API tokens carry 256 random bits, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    store: Store, user: User, *, kind: str = "api", name: str = "", ttl: timedelta | None = None
) -> str:
    """A new bearer token for `user`; only its hash is stored, so the plain token is shown once."""
    return _issue(store, user, kind, name, ttl)[0]


def _issue(store: Store, user: User, kind: str, name: str, ttl: timedelta | None) -> tuple[str, TokenRecord]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    record = TokenRecord(secrets.token_hex(8), user.id, kind, name, now + ttl if ttl else None, False, now)
    store.add_token(record.token_id, user.id, _digest(token), kind, name, record.expires_at)
    if kind == "api":
        store.add_audit(user.company_id, user.id, "token.create", record.token_id, name)
    return token, record


def create_api_token(
    store: Store, principal: Principal, name: str, days: int | None = None
) -> tuple[str, TokenRecord]:
    """A new API token acting as the caller, for a script or a gateway, valid `days` (None: until revoked).
    Returns the plain token, shown this once, and its record (its id revokes it). Only a person signed in with
    their password makes one: a leaked gateway token made tokens of its own, which outlived its revocation."""
    if principal.token_kind == "api":
        raise Forbidden(
            "an API token cannot create API tokens; sign in with your password (the web's account page or "
            "/api/v1/auth/login) to create one",
            "API 토큰으로는 API 토큰을 만들 수 없습니다. 비밀번호로 로그인해서(웹의 계정 화면 또는 /api/v1/auth/login) "
            "만드세요",
            code="token_from_token",
        )
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput(
            "name the token by what uses it (1 to 100 characters), e.g. 'line 2 gateway'",
            "토큰을 쓰는 곳으로 이름을 붙이세요 (1~100자, 예: '2라인 게이트웨이')",
            code="bad_token_name",
            field="name",
        )
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput(
            f"a token lasts 1 to 3650 days, not {days}; leave it empty for no expiry",
            f"토큰 유효 기간은 1~3650일입니다 ({days}일은 안 됩니다). 만료 없이 쓰려면 비워 두세요",
            code="bad_token_days",
            field="days",
        )
    return _issue(store, principal.user, "api", name, timedelta(days=days) if days else None)


def resolve_token(store: Store, token: str) -> Principal:
    record = store.token_for_hash(_digest(token)) if token else None
    now = datetime.now(UTC)
    if record is None or record.revoked or (record.expires_at is not None and record.expires_at <= now):
        raise NotAuthenticated(
            "missing, expired or revoked token; log in again or create a new API token",
            "토큰이 없거나 만료되었거나 폐기되었습니다. 다시 로그인하거나 새 API 토큰을 만드세요",
        )
    found = store.user_for_login(record.user_id)
    if found is None:
        raise NotAuthenticated("the token's user no longer exists", "토큰의 사용자가 더 이상 없습니다")
    if not found[0].active:  # its tokens were revoked when it was stopped; this holds should one have escaped
        raise NotAuthenticated(
            "this account has been stopped; ask your company admin to restore it",
            "사용이 중지된 계정입니다. 회사 관리자에게 다시 사용할 수 있게 해 달라고 요청하세요",
            code="user_inactive",
        )
    if record.last_used_at is None or now - record.last_used_at >= TOKEN_TOUCH:
        store.touch_token(record.token_id, now)  # one write per token in a few minutes, not one per request
    return Principal(user=found[0], token_id=record.token_id, token_kind=record.kind)


def revoke_token(store: Store, principal: Principal) -> None:
    if principal.token_id:
        store.revoke_token(principal.token_id)


def api_tokens(store: Store, principal: Principal) -> list[TokenRecord]:
    """The caller's own API tokens that are not revoked, newest first (an expired one shows until revoked)."""
    return store.list_tokens(principal.user.id, "api")


def revoke_api_token(store: Store, principal: Principal, token_id: str) -> TokenRecord:
    """Revoke one of the caller's own API tokens (a gateway replaced, a token leaked); another user's token,
    or a revoked one, is not found. Recorded in the audit log."""
    found = next((t for t in api_tokens(store, principal) if t.token_id == token_id), None)
    if found is None:
        raise NotFound(
            f"you have no API token {token_id!r}; the account page lists yours",
            f"API 토큰 {token_id!r}이(가) 없습니다. 내 계정 페이지에서 토큰 목록을 보세요",
            code="unknown_token",
        )
    store.revoke_token(token_id)
    store.add_audit(principal.user.company_id, principal.user.id, "token.revoke", token_id, found.name)
    return found


def audit(
    store: Store,
    principal: Principal | None,
    company_id: str | None,
    action: str,
    target: str = "",
    detail: str = "",
) -> None:
    """Record a write: who, for which company, what, on what."""
    store.add_audit(company_id, principal.user.id if principal else None, action, target, detail)


# Which entries of the audit log a reader asks for. Every sign-in is recorded, so on a working day the successful
# ones bury the changes; "changes" leaves them out. A failed sign-in stays among the changes: a run of them is
# someone guessing a password, which an admin must see without asking for it. Sign-outs are not recorded at all.
AUDIT_SHOWS = ("changes", "sign_ins", "all")
SIGN_IN_ACTIONS = ("login.ok", "login.failed")
_ROUTINE_ACTIONS = ("login.ok",)


def audit_entries(
    store: Store, company_id: str | None, show: str = "changes", limit: int = 100
) -> list[dict]:
    """The company's audit entries (None: the platform's own), newest first: `changes` (everything but successful
    sign-ins), `sign_ins` (sign-in attempts, failed or not) or `all`. Chosen in the store's query, so `limit` counts
    the entries shown."""
    if show == "changes":
        return store.list_audit(company_id, limit, leave_out=_ROUTINE_ACTIONS)
    if show == "sign_ins":
        return store.list_audit(company_id, limit, only=SIGN_IN_ACTIONS)
    if show == "all":
        return store.list_audit(company_id, limit)
    raise InvalidInput(
        f"show must be one of {', '.join(AUDIT_SHOWS)}, not {show!r}",
        f"show는 {', '.join(AUDIT_SHOWS)} 중 하나여야 합니다 ({show!r}은(는) 안 됩니다)",
        field="show",
    )


def platform_audit_entries(
    store: Store, principal: Principal, show: str = "changes", limit: int = 100
) -> list[dict]:
    """The platform's own audit entries, for the operator: what belongs to no company — the operators' sign-ins and
    acts, sign-ins tried with user ids no one has, refused runs of failures, erasures, backup downloads."""
    principal.require_operator()
    return audit_entries(store, None, show, limit)


__all__ = [
    "Principal",
    "hash_password",
    "create_user",
    "change_password",
    "reset_password",
    "change_role",
    "bad_role",
    "ROLE_WORDS",
    "set_active",
    "authenticate",
    "issue_token",
    "resolve_token",
    "revoke_token",
    "api_tokens",
    "create_api_token",
    "revoke_api_token",
    "audit",
    "audit_entries",
    "platform_audit_entries",
    "AUDIT_SHOWS",
    "SIGN_IN_ACTIONS",
    "MIN_PASSWORD",
]
