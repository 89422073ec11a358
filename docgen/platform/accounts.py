"""The platform's accounts: a JSON file beside the registers (accounts.json, mode 0600, never served), written
whole under a lock (temporary file, fsync, rename), and the secret that signs the sign-in cookies
(platform.key, 0600).

    unit    a unit of units.yaml: reads its own items (lead or co), reports on them
    leader  reads every unit's items, writes nothing
    clerk   reads everything, accepts or returns what the units send

Passwords are hashed with scrypt (hashlib, memory-hard: N=2**14, r=8, p=1, 16 MiB) and a random salt; the
password is printed once when the account is made or reset, and never kept. Resetting or disabling an account
ends its sign-ins (the cookie carries the account's epoch)."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from ..core.diagnostics import Diagnostic, DocgenError, InputErrors

FILE = "accounts.json"
KEY = "platform.key"
ROLES = {"unit": "单位", "leader": "领导", "clerk": "办事员"}
N, R, P = 2 ** 14, 8, 1


@dataclass(frozen=True)
class Account:
    name: str  # what one signs in with: the unit's name, or the person's
    role: str  # unit | leader | clerk
    unit: str  # the unit (role unit), else ""
    hash: str
    epoch: int
    disabled: bool


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, maxmem=64 * 1024 * 1024, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=64 * 1024 * 1024, dklen=len(digest) // 2)
    except (ValueError, TypeError):
        return False
    return kind == "scrypt" and hmac.compare_digest(got.hex(), digest)


_DUMMY = hash_password("-", b"\0" * 16)


def waste_time(password: str) -> None:
    """A sign-in for an unknown name costs the same as one for a known name."""
    check_password(password, _DUMMY)


def new_password() -> str:
    """12 characters without look-alikes (0/O, 1/l/I): about 70 bits."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def path(registers: Path) -> Path:
    return Path(registers) / FILE


def read(registers: Path) -> dict[str, Account]:
    """The accounts; InputErrors naming the file and field when it is not what docgen wrote."""
    p = path(registers)
    try:
        raw = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise InputErrors([Diagnostic(str(p), 0, "编码", "文件不是 UTF-8 编码（请勿手工修改）")])
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise InputErrors([Diagnostic(str(p), getattr(e, "lineno", 0), "账户", "不是有效的 JSON（请勿手工修改，"
                                                                             "可用 docgen accounts 重建）")])
    out, problems = {}, []
    rows = data.get("accounts") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise InputErrors([Diagnostic(str(p), 1, "accounts", "缺少账户列表")])
    for i, a in enumerate(rows, 1):
        try:
            acc = Account(str(a["name"]), str(a["role"]), str(a.get("unit") or ""), str(a["hash"]), int(a["epoch"]),
                          bool(a.get("disabled", False)))
            if acc.role not in ROLES or not acc.name.strip() or (acc.role == "unit") != bool(acc.unit):
                raise ValueError
        except (KeyError, TypeError, ValueError, AttributeError):
            problems.append(Diagnostic(str(p), 0, f"accounts[{i}]", "账户记录不完整（name、role、hash、epoch）"))
            continue
        if acc.name in out:
            problems.append(Diagnostic(str(p), 0, f"accounts[{i}]", f"账户「{acc.name}」重复"))
        out[acc.name] = acc
    if problems:
        raise InputErrors(problems)
    return out


def _write(registers: Path, accounts: dict[str, Account]) -> None:
    p = path(registers)
    data = {"accounts": [{"name": a.name, "role": a.role, "unit": a.unit, "hash": a.hash, "epoch": a.epoch,
                          "disabled": a.disabled} for a in accounts.values()]}
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    tmp = p.with_name(f".{p.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


MIN_PASSWORD = 10


def password_problem(name: str, password: str) -> str | None:
    """Why a password a user chose is refused (Chinese), or None."""
    if len(password) < MIN_PASSWORD:
        return f"新密码至少{MIN_PASSWORD}个字符"
    if len(password) > 200:
        return "新密码不能超过200个字符"
    if name in password or len(set(password)) < 4:
        return "新密码太简单：不能含登录名，至少用4个不同的字符"
    return None


def change(registers: Path, name: str, *, role: str | None = None, unit: str = "", reset: bool = False,
           disable: bool = False, password: str | None = None) -> str | None:
    """Add (role given), reset or disable an account, or set the password its user chose; returns the new
    password (add, reset). Every change but adding ends the account's sign-ins (its epoch goes up)."""
    registers = Path(registers)
    with FileLock(str(path(registers)) + ".lock", timeout=60):
        accounts = read(registers)
        if role is not None:
            if name in accounts:
                raise DocgenError(f"账户「{name}」已存在：重设密码请用 docgen accounts reset {name}")
            password = new_password()
            accounts[name] = Account(name, role, unit, hash_password(password), 1, False)
        else:
            a = accounts.get(name)
            if a is None:
                raise DocgenError(f"没有账户「{name}」：docgen accounts list 列出全部账户")
            if password is not None:
                a = Account(a.name, a.role, a.unit, hash_password(password), a.epoch + 1, a.disabled)
                password = None
            elif reset:
                password = new_password()
                a = Account(a.name, a.role, a.unit, hash_password(password), a.epoch + 1, False)
            elif disable:
                a = Account(a.name, a.role, a.unit, a.hash, a.epoch + 1, True)
            accounts[name] = a
        _write(registers, accounts)
        return password


def secret(registers: Path) -> bytes:
    """The key that signs sign-in cookies and CSRF tokens: made once (0600) beside the registers."""
    p = Path(registers) / KEY
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
            f.flush()
            os.fsync(f.fileno())
    key = p.read_text(encoding="ascii").strip()
    if len(key) < 64:
        raise DocgenError(f"{p} 不完整：删除这个文件后重新启动平台（所有人需重新登录）")
    os.chmod(p, 0o600)
    return bytes.fromhex(key)


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode("ascii").rstrip("=")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def sign(key: bytes, name: str, epoch: int, expires: dt.datetime) -> str:
    """A sign-in cookie's value: who, the account's epoch, a random session id, the expiry; HMAC-SHA256."""
    body = _b64(json.dumps({"u": name, "e": epoch, "s": secrets.token_hex(16), "x": int(expires.timestamp())},
                           ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    mac = _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{mac}"


def unsign(key: bytes, value: str, now: dt.datetime) -> dict | None:
    """The cookie's fields when its signature is right and it has not expired, else None."""
    body, _, mac = value.partition(".")
    try:
        want = _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())
        if not hmac.compare_digest(want, mac):
            return None
        data = json.loads(_unb64(body))
        if not isinstance(data, dict) or int(data["x"]) <= now.timestamp():
            return None
        return data
    except (ValueError, KeyError, TypeError, UnicodeError):
        return None


def csrf_token(key: bytes, session: str) -> str:
    return _b64(hmac.new(key, b"csrf:" + session.encode("ascii"), hashlib.sha256).digest())
