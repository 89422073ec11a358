"""`docgen platform`: the supervision platform's WSGI application, served by waitress.

Every page reads the registers as they are now (read again whenever a register file or the ledger changes) and
shows a signed-in user what their role may see: a unit its own items (lead or co), a leader and the clerk every
item. Nobody signed out sees anything but the sign-in page.

    GET  /login  POST /login  POST /logout                      sign in and out (forms; JavaScript not needed)
    GET  /password  POST /password                               the user sets a password of their own
    GET  /items  GET /items/<id>  POST /items/<id>/reports      the items, one item, a report (multipart form)
    GET  /inbox  POST /inbox/<n>/accept  POST /inbox/<n>/reject  the clerk's review
    GET  /items/<id>/slips/<number>                              the item's slip, its archived PDF (hash checked)
    GET  /board/…                                                the board from the current registers (the unit's own)
    GET  /attachments/<sha256>                                   an attachment, to those who may see its item
    POST /api/login  POST /api/logout  POST /api/password  GET /api/items  GET /api/items/<id>  POST /api/items/<id>/reports
    GET  /api/inbox  POST /api/inbox/<n>/accept  POST /api/inbox/<n>/reject   the same as JSON

Safety: the sign-in cookie is HMAC-signed with the key beside the registers, HttpOnly, SameSite=Strict, expires
after SESSION_HOURS (Secure behind an https proxy); every POST but the sign-in needs the CSRF token (the form's
hidden field or the X-CSRF-Token header), the sign-in refuses another site's Origin; LOCK_AFTER failed sign-ins
of one name lock it for LOCK_MINUTES (429); another unit's item is 404 (its existence is not told); only the Host
names the server is reached by (serve.host_names and --name), only origin-form targets; every answer carries
the board's security headers and a CSP without inline script; all register text is escaped (Jinja2 autoescape,
JSON); attachments are served as attachments with their sniffed type.
"""
from __future__ import annotations

import datetime as dt
import hmac
import json
import os
import re
import threading
import time
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, quote

from ..core.diagnostics import DocgenError
from ..core.files import shipped
from ..outputs.serve import COMMON, _host_ok, bare, host_names
from . import accounts as ACC
from . import inbox as INBOX
from .audit import Audit
from .journal import record_hash

TEMPLATES = shipped("templates", "platform")
BOARD_ASSETS = shipped("templates", "site", "assets")
COOKIE = "docgen_session"
# over https the cookie's name has the __Host- prefix: a browser keeps such a cookie only when it is Secure, for
# Path=/ and without Domain, so a sibling site of the domain (or a page on another port) cannot plant one of its own
SECURE_COOKIE = "__Host-" + COOKIE
SESSION_HOURS = 8
LOCK_AFTER, LOCK_MINUTES = 5, 15
# refused sign-ins that cost the sender nothing (a locked name, another site's Origin: no password hashed) written to
# the audit record at most this many a minute; the rest are counted and the count written with the next one
CHEAP_AUDITS_PER_MINUTE = 20
MAX_BODY = INBOX.MAX_ATTACHMENT + 256 * 1024  # an attachment and the form's fields
MAX_FORM = 64 * 1024  # a body without an attachment
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
STATUS = {200: "200 OK", 201: "201 Created", 204: "204 No Content", 303: "303 See Other", 400: "400 Bad Request",
          401: "401 Unauthorized", 403: "403 Forbidden", 404: "404 Not Found", 405: "405 Method Not Allowed",
          409: "409 Conflict", 410: "410 Gone", 413: "413 Content Too Large", 415: "415 Unsupported Media Type",
          429: "429 Too Many Requests", 500: "500 Internal Server Error", 503: "503 Service Unavailable",
          507: "507 Insufficient Storage"}
MSG = {"host": "请求有误：这个地址不是平台的访问地址。", "form": "请求有误：请求行只接受 /路径 的形式。",
       401: "请先登录。", 403: "没有权限：你的账户不能进行这项操作。", "csrf": "请求缺少有效的安全令牌（CSRF），已拒绝：请刷新页面后重试。",
       404: "没有这个页面或事项。", 405: "不接受这种请求方法。", 429: "登录失败次数过多，请{m}分钟后再试。",
       "login": "名称或密码不对。", "origin": "登录请求来自其他网站，已拒绝。", 503: "台账有误，平台暂不能显示事项：请办事员运行 docgen check 并改正。",
       413: "请求过大：附件不能超过 10 MB。", "body": "请求内容有误，无法读取。"}
# the board's security headers, but the referrer kept within the platform: with no-referrer a browser sends a form's
# POST with `Origin: null` (Fetch: serializing a request origin), and the sign-in tells another site by its Origin
HEADERS = [("Referrer-Policy", "same-origin") if k == "Referrer-Policy" else (k, v) for k, v in COMMON]
_ID = re.compile(r"^[^/\x00-\x1f\x7f]{1,100}$")  # an item id as the registers allow it, one path segment


class Reply(Exception):
    """An answer decided on the way: status, the Chinese message, headers."""

    def __init__(self, status: int, message: str, headers=(), field: str = ""):
        super().__init__(message)
        self.status, self.message, self.headers, self.field = status, message, list(headers), field


@dataclass
class User:
    account: ACC.Account
    session: str
    csrf: str
    where: str = ""  # the address the request came from
    expires: float = 0.0  # the cookie's expiry (POSIX seconds)

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def role(self) -> str:
        return self.account.role


class Live:
    """The registers as they are now: read again when a register file or the ledger has changed, or the day has
    (the signature holds today: the recurring work is derived through its year, so a new year's comes in)."""

    def __init__(self, registers: Path, today):
        self.root = Path(registers)
        self.today = today
        self._sig = None
        self._day = None
        self._error = None
        self._lock = threading.Lock()

    def _signature(self):
        sig = []
        for dirpath, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (dirpath == str(self.root) and d == "archive"))
            for f in sorted(files):
                if f.endswith((".yaml", ".yml")) or f == "ledger.jsonl":
                    try:
                        st = os.stat(os.path.join(dirpath, f))
                    except OSError:
                        continue
                    sig.append((dirpath, f, st.st_mtime_ns, st.st_size))
        return (self.today(), tuple(sig))

    def day(self):
        from ..core.diagnostics import InputErrors
        from ..engine.checks import calendar_checks
        from ..outputs.daily import day
        from ..registers.calendar import WorkCalendar
        from ..registers.load import read_registers

        with self._lock:
            sig = self._signature()
            if sig != self._sig:
                self._sig = sig
                try:
                    reg, diags = read_registers(self.root, as_of=sig[0])  # sig has the day: a new year re-derives
                    if diags:
                        raise InputErrors(diags)
                    cal = WorkCalendar(reg.calendar_files)
                    errors = calendar_checks(reg, cal)[0]
                    if errors:
                        raise InputErrors(errors)
                    self._day, self._error = day(reg, cal, sig[0]), None
                except DocgenError as e:
                    self._day, self._error = None, e
            if self._day is None:
                raise Reply(503, MSG[503])
            return self._day


class Platform:
    """The WSGI application."""

    def __init__(self, registers: Path, host: str = "127.0.0.1", names=(), today=dt.date.today,
                 clock=lambda: dt.datetime.now(dt.timezone.utc), secure: bool = False):
        from jinja2 import FileSystemLoader

        from ..documents.sandbox import SITE_FILTERS, environment
        from ..record import archive as A

        self.root = Path(registers)
        self.key = ACC.secret(self.root)
        self.names = host_names(host) | {n.lower().rstrip(".") for n in names}
        self.today, self.clock, self.secure = today, clock, secure
        self.live = Live(self.root, today)
        self.audit = Audit(self.root, clock)
        self.inbox = INBOX.journal(self.root)
        self.failures: dict[str, list[float]] = {}
        self._cheap = [0, 0, 0]  # the minute, the cheap refusals written in it, those not written since the last
        # sessions signed out -> their cookie's expiry (in memory: a restart forgets them; cookies expire anyway);
        # those past their expiry are dropped at each sign-out, since such a cookie is refused by its expiry alone
        self.revoked: dict[str, float] = {}
        self._flock = threading.Lock()
        self._name_locks: dict[str, threading.Lock] = {}
        self._accounts = (None, {})
        self.env = environment(autoescape=True, strict=True, filters=SITE_FILTERS,
                               loader=FileSystemLoader(str(TEMPLATES)), trim_blocks=True, lstrip_blocks=True)
        self._archive = lambda reg: A.archive_root(reg.root, reg.settings.archive)
        import atexit
        import shutil

        self._board_root = board_folder()  # 0700: this process's own
        atexit.register(shutil.rmtree, self._board_root, True)
        self._boards: dict = {}  # unit (None: the whole office) -> (the Day it was made from, its folder)
        self._board_lock = threading.Lock()

    # ---- the request ----

    def __call__(self, environ, start_response):
        try:
            status, headers, body = self.handle(environ)
        except Reply as r:
            status, headers, body = self.error(environ, r)
        except DocgenError as e:  # a record file edited by hand: the clerk's terminal says where, the page does not
            import sys

            print(f"docgen platform: {e}", file=sys.stderr)
            status, headers, body = self.error(environ, Reply(503, "平台暂不能保存或读取记录（报送记录或审计记录有误），"
                                                                   "这次操作没有保存：请告知办事员运行 docgen check。"))
        except OSError as e:  # a full disk, a folder made read-only: what was not fsynced was not acknowledged
            import sys

            print(f"docgen platform: {e}", file=sys.stderr)
            status, headers, body = self.error(environ, Reply(503, "平台暂不能写入记录（磁盘已满或没有权限），这次操作没有保存："
                                                                   "请稍后再试，并告知办事员。"))
        except Exception as e:  # noqa: BLE001 - never a traceback to a browser
            import sys
            import traceback

            traceback.print_exc(file=sys.stderr)
            status, headers, body = self.error(environ, Reply(500, f"平台内部错误（{type(e).__name__}），请告知办事员。"))
        headers = [*headers, ("Content-Length", str(len(body))), *HEADERS]
        if not any(h[0] == "Content-Security-Policy" for h in headers):
            headers.append(("Content-Security-Policy", CSP))
        start_response(STATUS[status], headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]

    def handle(self, environ):
        if not _host_ok(environ.get("HTTP_HOST"), self.names):
            raise Reply(400, MSG["host"])
        if not environ.get("REQUEST_URI", "/").startswith("/"):
            raise Reply(400, MSG["form"])
        method = environ.get("REQUEST_METHOD", "")
        try:
            path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8")
        except UnicodeError:
            raise Reply(404, MSG[404])
        if "\0" in path or "\\" in path or "/." in path or "//" in path:
            raise Reply(404, MSG[404])
        api = path.startswith("/api/")
        environ["docgen.api"] = api
        parts = path.strip("/").split("/") if path.strip("/") else []
        if api:
            parts = parts[1:]
        route = self.route(method, parts, api)
        if route is None:
            raise Reply(404, MSG[404])
        fn, args, methods = route
        if method not in methods and not (method == "HEAD" and "GET" in methods):
            raise Reply(405, MSG[405], [("Allow", ", ".join(methods))])
        return fn(environ, *args)

    def route(self, method, parts, api):
        n = len(parts)
        if not api:
            if n == 0:
                return self.home, (), ("GET",)
            if parts == ["favicon.ico"]:
                return (lambda e: (204, [], b"")), (), ("GET",)
            if n == 2 and parts[0] == "assets" and parts[1] in ("board.css", "platform.css"):
                return self.asset, (parts[1],), ("GET",)
            if n == 2 and parts[0] == "attachments" and re.fullmatch(r"[0-9a-f]{64}", parts[1]):
                return self.attachment, (parts[1],), ("GET",)
        if not api and parts and parts[0] == "board":
            return self.board, (parts[1:],), ("GET",)
        if parts == ["login"]:
            return (self.login_page if method in ("GET", "HEAD") and not api else self.login), (), \
                (("GET", "POST") if not api else ("POST",))
        if parts == ["logout"]:
            return self.logout, (), ("POST",)
        if parts == ["password"]:
            return (self.password_page if method in ("GET", "HEAD") and not api else self.password), (), \
                (("GET", "POST") if not api else ("POST",))
        if parts == ["items"]:
            return self.items, (), ("GET",)
        if n == 2 and parts[0] == "items" and _ID.match(parts[1]):
            return self.item, (parts[1],), ("GET",)
        if n == 3 and parts[0] == "items" and _ID.match(parts[1]) and parts[2] == "reports":
            return self.report, (parts[1],), ("POST",)
        if not api and n == 4 and parts[0] == "items" and _ID.match(parts[1]) and parts[2] == "slips":
            return self.slip_pdf, (parts[1], parts[3]), ("GET",)
        if parts == ["inbox"]:
            return self.inbox_page, (), ("GET",)
        if n == 3 and parts[0] == "inbox" and parts[1].isascii() and parts[1].isdigit() and parts[2] in ("accept", "reject"):
            return self.decide, (int(parts[1]), parts[2]), ("POST",)
        return None

    # ---- answers ----

    def page(self, tpl: str, status=200, user: User | None = None, headers=(), **ctx):
        d = self.live._day
        office = d.reg.settings.office if d is not None else ""
        html = self.env.get_template(tpl).render(office=office, user=user, role_text=ACC.ROLES, **ctx)
        return status, [("Content-Type", "text/html; charset=utf-8"), *headers], html.encode("utf-8")

    def json(self, data, status=200, headers=()):
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return status, [("Content-Type", "application/json; charset=utf-8"), *headers], body

    def error(self, environ, r: Reply):
        if environ.get("docgen.api") or environ.get("PATH_INFO", "").startswith("/api/"):
            return self.json({"error": r.message, **({"field": r.field} if r.field else {})}, r.status, r.headers)
        if r.status == 401 and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return 303, [("Location", "/login")], b""
        try:
            return self.page("message.html.j2", r.status, environ.get("docgen.user"), r.headers, title="提示",
                             message=r.message)
        except Exception:  # noqa: BLE001 - the page itself failed: plain text
            return r.status, [("Content-Type", "text/plain; charset=utf-8"), *r.headers], (r.message + "\n").encode()

    def redirect(self, where: str, headers=()):
        return 303, [("Location", where), *headers], b""

    # ---- who ----

    def accounts(self) -> dict[str, ACC.Account]:
        p = ACC.path(self.root)
        try:
            st = p.stat()
            # every change is a new file (accounts._write renames one into place): its inode tells it even when it
            # has the same size and falls in the timestamp tick of the last read
            sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            return {}
        if self._accounts[0] != sig:
            try:
                self._accounts = (sig, ACC.read(self.root))
            except DocgenError:
                raise Reply(503, "账户文件有误，暂不能登录：请办事员运行 docgen check。")
        return self._accounts[1]

    def user(self, environ) -> User | None:
        raw = environ.get("HTTP_COOKIE", "")
        try:
            c = SimpleCookie(raw)
        except CookieError:
            return None
        name = self.cookie_name(environ)
        if name not in c:
            return None
        data = ACC.unsign(self.key, c[name].value, self.clock())
        if data is None:
            return None
        a = self.accounts().get(data.get("u"))
        if a is None or a.disabled or a.epoch != data.get("e") or str(data.get("s")) in self.revoked:
            return None  # reset or disabled since, or signed out
        u = User(a, str(data["s"]), ACC.csrf_token(self.key, str(data["s"])), _addr(environ), float(data["x"]))
        environ["docgen.user"] = u
        return u

    def need(self, environ, *roles) -> User:
        u = self.user(environ)
        if u is None:
            raise Reply(401, MSG[401])
        if roles and u.role not in roles:
            self.audit("refused", u.name, _addr(environ), path=environ.get("PATH_INFO", ""), why="role")
            raise Reply(403, MSG[403])
        return u

    def check_csrf(self, environ, u: User, form: dict | None) -> None:
        given = environ.get("HTTP_X_CSRF_TOKEN") or ((form or {}).get("csrf") or "")
        if not (isinstance(given, str) and hmac.compare_digest(given.encode(), u.csrf.encode())):
            self.audit("refused", u.name, _addr(environ), path=environ.get("PATH_INFO", ""), why="csrf")
            raise Reply(403, MSG["csrf"])

    def is_secure(self, environ) -> bool:
        return self.secure or environ.get("wsgi.url_scheme") == "https"

    def site(self, environ) -> tuple[str, str, int]:
        """(scheme, host name, port) this request was sent to: the Host header, the scheme the browser used
        (behind --proxy the forwarded one, which waitress puts in wsgi.url_scheme)."""
        scheme = "https" if self.is_secure(environ) else "http"
        host = environ.get("HTTP_HOST") or ""
        port = _port(host)
        return scheme, _hostname(host), int(port) if port and port.isdigit() else DEFAULT_PORTS[scheme]

    def cookie_name(self, environ) -> str:
        return SECURE_COOKIE if self.is_secure(environ) else COOKIE

    def cookie(self, environ, value: str, max_age: int) -> tuple[str, str]:
        secure = self.is_secure(environ)
        return ("Set-Cookie", f"{self.cookie_name(environ)}={value}; Max-Age={max_age}; Path=/; HttpOnly; "
                              "SameSite=Strict" + ("; Secure" if secure else ""))

    # ---- the body ----

    def body(self, environ, limit: int) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Reply(400, MSG["body"])
        if length > limit:
            raise Reply(413, MSG[413])
        data = environ["wsgi.input"].read(length) if length else b""
        if len(data) != length:
            raise Reply(400, MSG["body"])
        return data

    def fields(self, environ, limit: int = MAX_FORM) -> tuple[dict, tuple[bytes, str, str] | None]:
        """The request's fields (JSON, urlencoded or multipart) and its attachment (data, declared type, name)."""
        ctype = environ.get("CONTENT_TYPE", "")
        kind = ctype.split(";")[0].strip().lower()
        data = self.body(environ, limit if kind == "multipart/form-data" else MAX_FORM)
        if kind == "application/json":
            try:
                out = json.loads(data.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                raise Reply(400, "请求内容不是有效的 JSON。")
            if not isinstance(out, dict):
                raise Reply(400, "请求内容应为 JSON 对象。")
            return out, None
        if kind == "application/x-www-form-urlencoded":
            try:
                q = parse_qs(data.decode("ascii"), keep_blank_values=True, strict_parsing=False, encoding="utf-8",
                             errors="strict")
            except (UnicodeError, ValueError):
                raise Reply(400, MSG["body"])
            return {k: v[0] for k, v in q.items()}, None
        if kind == "multipart/form-data":
            try:
                msg = BytesParser(policy=policy.HTTP).parsebytes(
                    b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + data)
            except (UnicodeError, ValueError):
                raise Reply(400, MSG["body"])
            if not msg.is_multipart():
                raise Reply(400, MSG["body"])
            out, attachment = {}, None
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                if name == "attachment":
                    if part.get_filename() or payload:
                        if payload:
                            attachment = (payload, part.get("Content-Type", ""), part.get_filename() or "")
                elif isinstance(name, str):
                    try:
                        out[name] = payload.decode("utf-8")
                    except UnicodeDecodeError:
                        raise Reply(400, f"字段 {name} 不是 UTF-8 文字。", field=name)
            return out, attachment
        if not data:
            return {}, None
        raise Reply(415, "请求内容的类型不受支持（应为 JSON 或表单）。")

    # ---- sign in ----

    def name_lock(self, name: str) -> threading.Lock:
        """The lock one name's sign-ins take in turn, from the lockout check to the count of its result: sign-ins
        of one name sent at once are each checked after the one before has failed or succeeded, so twenty guesses
        sent together get LOCK_AFTER tries, and eight right passwords sent together (a leader's browser tabs)
        all sign in. Other names do not wait."""
        with self._flock:
            lk = self._name_locks.get(name)
            if lk is None:
                if len(self._name_locks) > 10000:  # names tried and forgotten: keep the ones in use
                    self._name_locks = {k: v for k, v in self._name_locks.items() if v.locked()}
                lk = self._name_locks[name] = threading.Lock()
            return lk

    def locked(self, name: str) -> int:
        """Seconds name stays locked (0: not locked): LOCK_AFTER failures within LOCK_MINUTES."""
        now = time.monotonic()
        with self._flock:
            if len(self.failures) > 10000:  # names tried and forgotten: keep only those still counting
                self.failures = {k: v for k, v in self.failures.items() if v and now - v[-1] < LOCK_MINUTES * 60}
            recent = [t for t in self.failures.get(name, []) if now - t < LOCK_MINUTES * 60]
            if recent:
                self.failures[name] = recent
            else:
                self.failures.pop(name, None)
            if len(recent) >= LOCK_AFTER:
                return int(LOCK_MINUTES * 60 - (now - recent[LOCK_AFTER - 1])) + 1
        return 0

    def cheap_audit(self, what: str, who: str, where: str, **detail) -> None:
        """The audit of a refusal anyone can cause for free, within CHEAP_AUDITS_PER_MINUTE: past it, one
        audit_throttled record, then only counted; the next written record carries the count (skipped)."""
        minute = int(time.monotonic() // 60)
        with self._flock:
            if self._cheap[0] != minute:
                self._cheap[:2] = [minute, 0]
            self._cheap[1] += 1
            if self._cheap[1] > CHEAP_AUDITS_PER_MINUTE + 1:
                self._cheap[2] += 1
                return
            throttled = self._cheap[1] == CHEAP_AUDITS_PER_MINUTE + 1
            skipped = self._cheap[2]
            self._cheap[2] = 1 if throttled else 0
        if throttled:
            self.audit("audit_throttled", "", where, per_minute=CHEAP_AUDITS_PER_MINUTE, **(
                {"skipped": skipped} if skipped else {}))
        else:
            self.audit(what, who, where, **detail, **({"skipped": skipped} if skipped else {}))

    def login(self, environ):
        api = environ["docgen.api"]
        where = _addr(environ)
        origin = environ.get("HTTP_ORIGIN")
        if origin:  # the same site is the same scheme, name and port, a missing port being its scheme's default
            # (http 80, https 443): http://127.0.0.1 is port 80's site, not this one on 8600; "null" is no site
            if origin == "null" or _origin(origin) != self.site(environ):
                self.cheap_audit("login_refused", "", where, why="origin", origin=origin[:200])
                raise Reply(403, MSG["origin"])
        form, _ = self.fields(environ)
        name, password = form.get("name"), form.get("password")
        if not isinstance(name, str) or not isinstance(password, str) or not name or len(name) > 100 \
                or len(password) > 1000:
            raise Reply(400, "请填写名称和密码。", field="name")
        _text(name, "name", "名称")
        _text(password, "password", "密码")
        with self.name_lock(name):
            wait = self.locked(name)
            if not wait:
                a = self.accounts().get(name)
                ok = ACC.check_password(password, a.hash) if a is not None else (ACC.waste_time(password) or False)
                ok = ok and not a.disabled
                with self._flock:
                    if ok:
                        self.failures.pop(name, None)
                    else:
                        self.failures.setdefault(name, []).append(time.monotonic())
        if wait:
            self.cheap_audit("login_locked", name, where)
            m = (wait + 59) // 60
            raise Reply(429, MSG[429].format(m=m), [("Retry-After", str(wait))])
        if not ok:
            self.audit("login_failed", name, where)
            if api:
                raise Reply(401, MSG["login"])
            return self.page("login.html.j2", 401, None, title="登录", error=MSG["login"], name=name)
        value = ACC.sign(self.key, a.name, a.epoch, self.clock() + dt.timedelta(hours=SESSION_HOURS))
        data = ACC.unsign(self.key, value, self.clock())
        csrf = ACC.csrf_token(self.key, data["s"])
        self.audit("login", a.name, where, role=a.role)
        cookie = self.cookie(environ, value, SESSION_HOURS * 3600)
        if api:
            return self.json({"csrf": csrf, "name": a.name, "role": a.role}, 200, [cookie])
        return self.redirect("/items", [cookie])

    def login_page(self, environ):
        if self.user(environ) is not None:
            return self.redirect("/items")
        try:
            self.live.day()
        except Reply:
            pass
        return self.page("login.html.j2", title="登录", error="", name="")

    def logout(self, environ):
        u = self.need(environ)
        form, _ = self.fields(environ)
        self.check_csrf(environ, u, form)
        now = self.clock().timestamp()
        with self._flock:
            self.revoked = {k: x for k, x in self.revoked.items() if x > now}
            self.revoked[u.session] = u.expires
        self.audit("logout", u.name, _addr(environ))
        cookie = self.cookie(environ, "", 0)
        if environ["docgen.api"]:
            return self.json({"ok": True}, 200, [cookie])
        return self.redirect("/login", [cookie])

    def password_page(self, environ):
        u = self.need(environ)
        return self.page("password.html.j2", user=u, title="修改密码", error="")

    def password(self, environ):
        """The user sets a password of their own (the old one needed); other sign-ins of the account end."""
        u = self.need(environ)
        form, _ = self.fields(environ)
        self.check_csrf(environ, u, form)
        old, new = form.get("old"), form.get("new")
        for value, field, what in ((old, "old", "原密码"), (new, "new", "新密码")):
            if isinstance(value, str):
                _text(value, field, what)
        problem = None
        if not isinstance(old, str) or not isinstance(new, str) or not ACC.check_password(old, u.account.hash):
            problem = "原密码不对"
        else:
            problem = ACC.password_problem(u.name, new)
        if problem:
            self.audit("password_refused", u.name, u.where)
            if environ["docgen.api"]:
                raise Reply(400, problem, field="old" if problem == "原密码不对" else "new")
            return self.page("password.html.j2", 400, u, title="修改密码", error=problem)
        ACC.change(self.root, u.name, password=new)
        a = self.accounts()[u.name]
        value = ACC.sign(self.key, a.name, a.epoch, self.clock() + dt.timedelta(hours=SESSION_HOURS))
        csrf = ACC.csrf_token(self.key, ACC.unsign(self.key, value, self.clock())["s"])
        self.audit("password", u.name, u.where)
        cookie = self.cookie(environ, value, SESSION_HOURS * 3600)
        if environ["docgen.api"]:
            return self.json({"csrf": csrf}, 200, [cookie])
        return self.redirect("/items", [cookie])

    def home(self, environ):
        return self.redirect("/items" if self.user(environ) else "/login")

    def asset(self, environ, name):
        folder = TEMPLATES if name == "platform.css" else BOARD_ASSETS
        return 200, [("Content-Type", "text/css; charset=utf-8")], (folder / name).read_bytes()

    # ---- what a user may see ----

    def visible(self, u: User, item) -> bool:
        return u.role in ("leader", "clerk") or item.lead == u.account.unit or u.account.unit in item.co

    def status_of(self, u: User, item_id: str):
        d = self.live.day()
        s = next((s for s in d.statuses if s.item.id == item_id), None)
        if s is not None and not self.visible(u, s.item):  # told as if it did not exist; recorded as what it was
            self.audit("refused", u.name, u.where, path=f"/items/{item_id}", why="other unit's item")
        if s is None or not self.visible(u, s.item):
            raise Reply(404, MSG[404])
        return d, s

    def reports(self) -> list[INBOX.Report]:
        return INBOX.reports(self.inbox.read())

    def item_row(self, d, s, pending: dict) -> dict:
        from ..engine.warnings import level_of
        from ..outputs.site import CLS
        from ..registers import sources
        from ..registers.calendar import cn_date
        from ..view import state_text, with_progress

        return {"id": s.item.id, "text": s.item.text, "source": sources.get(s.item.source_kind).board_label,
                "lead": s.item.lead, "co": list(s.item.co), "due": s.due.isoformat(), "due_text": cn_date(s.due),
                "state": s.state, "state_text": with_progress(state_text(s), s),
                "slip": d.assigned_by.get(s.item.id, ""), "pending": pending.get(s.item.id, 0),
                "cls": CLS[level_of(s)],
                "href": "/items/" + quote(s.item.id, safe="")}

    def items(self, environ):
        u = self.need(environ)
        d = self.live.day()
        pending: dict[str, int] = {}
        for r in self.reports():
            if r.status == INBOX.PENDING:
                pending[r.item] = pending.get(r.item, 0) + 1
        rows = [self.item_row(d, s, pending) for s in d.statuses if self.visible(u, s.item)]
        if environ["docgen.api"]:
            return self.json({"as_of": d.as_of.isoformat(), "items": rows})
        from ..registers.calendar import cn_date

        from ..engine.status import CLOSED, DONE, OVERDUE

        states = [r["state"] for r in rows]
        cards = [{"n": len(rows), "label": "督办事项", "cls": ""},
                 {"n": states.count(OVERDUE), "label": "逾期", "cls": "lv-red"},
                 {"n": len(rows) - states.count(OVERDUE) - states.count(DONE) - states.count(CLOSED),
                  "label": "正在办理", "cls": ""},
                 {"n": states.count(DONE), "label": "已办结待核查", "cls": ""},
                 {"n": states.count(CLOSED), "label": "已销号", "cls": ""},
                 {"n": sum(pending.get(r["id"], 0) for r in rows), "label": "报送待审核", "cls": ""}]
        return self.page("items.html.j2", user=u, title="督办事项", items=rows, as_of=cn_date(d.as_of), cards=cards)

    def slips_of(self, d, item_id: str) -> list[dict]:
        from ..kinds import KINDS, SLIP_KINDS

        return [{"number": s.number, "kind": KINDS[s.kind].name, "issued": s.issued.isoformat(), "void": s.is_void,
                 "receipt": bool(getattr(KINDS[s.kind], "receipt", False)),
                 "href": f"/items/{quote(item_id, safe='')}/slips/{quote(s.number, safe='')}" if s.rendered else ""}
                for s in sorted(d.st.slips.values(), key=lambda s: (s.issued, s.number))
                if s.item == item_id and s.kind in SLIP_KINDS and s.issued <= d.as_of]

    def item_detail(self, d, s, u: User) -> dict:
        from ..registers.calendar import cn_date
        from ..view import event_text, progress_text, state_text

        history = [{"date": s.item.assigned.isoformat(), "what": "交办", "note": s.item.source.describe()}]
        for sl in self.slips_of(d, s.item.id):
            history.append({"date": sl["issued"], "what": f"出具{sl['kind']}（{sl['number']}）",
                            "note": "（已作废）" if sl["void"] else ""})
        for e in d.reg.events_of(s.item.id):
            if e.date > d.as_of:
                continue
            what, note = event_text(e)
            history.append({"date": e.date.isoformat(), "what": what, "note": note})
        reports = []
        for r in self.reports():
            if r.item != s.item.id:
                continue
            rec = r.record
            att = rec.get("attachment")
            reports.append({"id": r.id, "type": rec["type"], "date": rec["date"], "unit": rec["unit"],
                            "date_text": cn_date(dt.date.fromisoformat(rec["date"])),
                            "note": rec["note"], "until": rec["until"], "slip": rec["slip"], "by": rec["by"],
                            "status": r.status, "reason": (r.decision or {}).get("reason", ""),
                            "attachment": {"href": f"/attachments/{att['sha256']}", "type": att["type"],
                                           "size": att["size"]} if att else None})
            if r.status == INBOX.REJECTED:
                history.append({"date": r.decision["at"][:10], "what": f"报送的{rec['type']}被退回",
                                "note": r.decision.get("reason", "")})
        history.sort(key=lambda h: h["date"])
        for h in history:
            h["date_text"] = cn_date(dt.date.fromisoformat(h["date"]))
        row = self.item_row(d, s, {})
        row.update({"source_full": s.item.source.describe(), "why": progress_text(s),
                    "state_full": state_text(s), "history": history, "reports": reports,
                    "slips": self.slips_of(d, s.item.id)})
        return row

    def item(self, environ, item_id):
        u = self.need(environ)
        d, s = self.status_of(u, item_id)
        detail = self.item_detail(d, s, u)
        if environ["docgen.api"]:
            return self.json(detail)
        qs = parse_qs(environ.get("QUERY_STRING", ""))
        sent = qs.get("sent", [""])[0]
        may = u.role == "unit"
        return self.page("item.html.j2", user=u, title=s.item.text[:20], item=detail, may_report=may,
                         lead=may and s.item.lead == u.account.unit, today=d.as_of.isoformat(),
                         sent=int(sent) if sent.isdigit() else None, types=INBOX.TYPES)

    # ---- writing ----

    def report(self, environ, item_id):
        u = self.need(environ)
        d, s = self.status_of(u, item_id)  # 404 for another unit's item before anything else is told
        if u.role != "unit":
            self.audit("refused", u.name, _addr(environ), path=environ.get("PATH_INFO", ""), why="role")
            raise Reply(403, "领导和办事员的账户只能查看，不能报送：报送由承办单位登录后进行。")
        form, attachment = self.fields(environ, MAX_BODY)
        self.check_csrf(environ, u, form)
        try:
            fields = INBOX.validate(form, role_lead=s.item.lead == u.account.unit, due=s.due,
                                    slips=[sl["number"] for sl in self.slips_of(d, item_id) if not sl["void"]],
                                    today=d.as_of)
            att = None
            limits = d.reg.settings.platform
            size = len(attachment[0]) if attachment is not None else 0
            # the unit's limits for the day and the disk's floor, before anything is stored
            problem = INBOX.over_limit(self.inbox.read(), u.account.unit, fields["date"], size, limits) or (
                INBOX.disk_problem(self._archive(d.reg), size, limits.min_free_mb) if size else None)
            if problem is not None:
                raise problem
            if attachment is not None:
                data, declared, name = attachment
                typ = INBOX.sniff(data, declared)
                sha = INBOX.store_attachment(self._archive(d.reg), data, typ)
                att = {"sha256": sha, "type": typ, "size": len(data), "name": INBOX.clean_text(
                    name, "attachment", "附件名", limit=200) if name else ""}
        except INBOX.ReportError as e:
            self.refused_report(environ, u, item_id, e)
        at = self.clock().isoformat(timespec="seconds")
        where = _addr(environ)

        def make(records):
            late = INBOX.over_limit(records, u.account.unit, fields["date"], size, limits)
            if late is not None:  # reports sent at once, each checked before the others were written
                raise late
            n = 1 + sum(1 for r in records if r.get("act") == "report")
            return {"act": "report", "id": n, "item": item_id, **fields, "unit": u.account.unit, "account": u.name,
                    "at": at, "from": where, "attachment": att}

        try:
            rec = self.inbox.append(make)  # fsynced: only now is the unit told it is kept
        except INBOX.ReportError as e:
            self.refused_report(environ, u, item_id, e)
        try:
            self.audit("report", u.name, where, id=rec["id"], item=item_id, type=fields["type"],
                       inbox=[rec["n"], record_hash(rec)])  # the inbox line, so that an edit of it is seen
        except (OSError, DocgenError) as e:  # the report is kept (inbox.jsonl has who, when, from where)
            import sys

            print(f"docgen platform: 审计记录未写入（第{rec['id']}号报送已保存）：{e}", file=sys.stderr)
        if environ["docgen.api"]:
            return self.json({"id": rec["id"], "status": INBOX.PENDING}, 201, [("Location", f"/api/items/{quote(item_id, safe='')}")])
        return self.redirect(f"/items/{quote(item_id, safe='')}?sent={rec['id']}")

    def refused_report(self, environ, u: User, item_id: str, e: INBOX.ReportError):
        """Audit a refused report and answer it. A refusal for the day's limit or the disk costs the sender nothing
        but a request, so it is audited as the free sign-in refusals are (at most CHEAP_AUDITS_PER_MINUTE)."""
        if e.status == 507:
            import sys

            print(f"docgen platform: {e}", file=sys.stderr)
        audit = self.cheap_audit if e.status in (429, 507) else self.audit
        audit("report_refused", u.name, _addr(environ), item=item_id, field=e.field, why=str(e))
        raise Reply(e.status, str(e), field=e.field)

    def inbox_page(self, environ):
        from ..registers.calendar import cn_date

        u = self.need(environ, "clerk")
        d = self.live.day()
        rows = []
        for r in self.reports():
            rec = r.record
            s = next((s for s in d.statuses if s.item.id == rec["item"]), None)
            rows.append({"id": r.id, "item": rec["item"], "text": s.item.text if s else rec["item"],
                         "date_text": cn_date(dt.date.fromisoformat(rec["date"])),
                         "href": "/items/" + quote(rec["item"], safe=""), "type": rec["type"], "date": rec["date"],
                         "unit": rec["unit"], "note": rec["note"], "until": rec["until"], "slip": rec["slip"],
                         "by": rec["by"], "status": r.status, "reason": (r.decision or {}).get("reason", ""),
                         "attachment": f"/attachments/{rec['attachment']['sha256']}" if rec.get("attachment") else ""})
        if environ["docgen.api"]:
            return self.json({"reports": rows})
        qs = parse_qs(environ.get("QUERY_STRING", ""))
        done = qs.get("done", [""])[0]
        return self.page("inbox.html.j2", user=u, title="待审核的报送",
                         pending=[r for r in rows if r["status"] == INBOX.PENDING],
                         decided=[r for r in rows if r["status"] != INBOX.PENDING][-50:],
                         done=int(done) if done.isdigit() else None)

    def decide(self, environ, n: int, what: str):
        u = self.need(environ, "clerk")
        form, _ = self.fields(environ)
        self.check_csrf(environ, u, form)
        try:
            if what == "accept":
                rec, _ = INBOX.accept(self.root, n, u.name, self.clock())
            else:
                reason = INBOX.clean_text(form.get("reason"), "reason", "退回原因", required=True)
                rec = INBOX.reject(self.root, n, u.name, reason, self.clock())
        except INBOX.ReportError as e:  # the reason is no text (a list, a lone surrogate…): nothing decided
            raise Reply(e.status, str(e), field=e.field)
        except DocgenError as e:
            raise Reply(409, str(e))
        self.audit(what, u.name, _addr(environ), id=n, inbox=INBOX.ref(self.root, rec))
        if environ["docgen.api"]:
            return self.json({"id": n, "status": INBOX.ACCEPTED if what == "accept" else INBOX.REJECTED})
        return self.redirect(f"/inbox?done={n}")

    def board(self, environ, rest: list[str]):
        """The board (outputs/site.py) made from the current registers: a unit's own (site --unit), the whole
        office's for leaders and the clerk; made again when the registers change, into a folder of this
        process's own, and served as `docgen serve` serves a board folder (serve.Board.file_for)."""
        from ..outputs import serve as S
        from ..outputs import site as W

        u = self.need(environ)
        d = self.live.day()
        unit = None if u.role in ("leader", "clerk") else u.account.unit
        if not environ.get("PATH_INFO", "").startswith("/board/"):
            return self.redirect("/board/")
        with self._board_lock:
            made = self._boards.get(unit)
            if made is None or made[0] is not d:
                dest = self._board_root / ("all" if unit is None else W.key(unit))
                W.build(d, dest, unit, self._archive(d.reg))
                self._boards[unit] = made = (d, dest)
        path = "/" + "/".join(rest) + ("/" if rest and environ["PATH_INFO"].endswith("/") else "")
        f = S.Board(made[1]).file_for(path)
        if f is None:
            raise Reply(404, MSG[404])
        csp = S.CSP_PDF if f.suffix == ".pdf" else S.CSP
        return 200, [("Content-Type", S.TYPES[f.suffix]), ("Content-Security-Policy", csp)], f.read_bytes()

    def slip_pdf(self, environ, item_id, number):
        """The archived PDF of one of the item's slips (its current revision), as the ledger recorded it."""
        from ..record import archive as A
        from ..record.ledger import sha256_file

        u = self.need(environ)
        d, s = self.status_of(u, item_id)
        slip = d.st.slips.get(number)
        if slip is None or slip.item != item_id or not slip.rendered or slip.issued > d.as_of:
            raise Reply(404, MSG[404])
        p = A.archived(self._archive(d.reg), slip, slip.rev, ".pdf")
        try:
            ok = sha256_file(p) == slip.rendered["pdf"]
        except OSError:
            ok = False
        if not ok:
            raise Reply(404, "这份单据的归档 PDF 缺失或与账本记录不符：请办事员运行 docgen archive verify。")
        return 200, [("Content-Type", "application/pdf"), ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
                     ("Content-Disposition", f"inline; filename*=UTF-8''{quote(number + '.pdf')}")], p.read_bytes()

    def attachment(self, environ, sha):
        u = self.need(environ)
        rep = next((r for r in self.reports() if (r.record.get("attachment") or {}).get("sha256") == sha
                    and self._may_see(u, r.item)), None)
        if rep is None:
            raise Reply(404, MSG[404])
        d = self.live.day()
        typ = rep.record["attachment"]["type"]
        p = INBOX.attachment_path(self._archive(d.reg), sha, typ)
        try:
            data = p.read_bytes()
        except OSError:
            raise Reply(404, MSG[404])
        import hashlib

        if hashlib.sha256(data).hexdigest() != sha:  # changed on disk since it was sent: never served as the unit's
            self.audit("attachment_mismatch", u.name, u.where, id=rep.id, sha256=sha)
            raise Reply(410, f"第{rep.id}号报送的附件在归档中已被改动（内容与报送时的哈希不符），不予提供："
                             "请办事员运行 docgen archive verify。")
        name = f"附件-{rep.id}{INBOX.MAGIC[typ][1]}"
        return 200, [("Content-Type", typ), ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
                     ("Content-Disposition", f"attachment; filename*=UTF-8''{quote(name)}")], data

    def _may_see(self, u: User, item_id: str) -> bool:
        try:
            self.status_of(u, item_id)
            return True
        except Reply:
            return False


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host[:host.find("]") + 1]
    return host.partition(":")[0].rstrip(".")


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host name, port) of an Origin header, the port its scheme's default when not written; None when
    it is no http(s) origin."""
    scheme, sep, authority = origin.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in DEFAULT_PORTS or not authority or "/" in authority or "@" in authority:
        return None
    port = _port(authority)
    if port is not None and not (port.isascii() and port.isdigit()):
        return None
    return scheme, _hostname(authority), int(port) if port else DEFAULT_PORTS[scheme]


def _port(host: str) -> str | None:
    """The port a Host header or an origin's authority names, or None."""
    host = host.strip()
    rest = host[host.find("]") + 1:] if host.startswith("[") else host
    _, sep, port = rest.partition(":")
    return port if sep else None


def _text(value: str, field: str, what: str) -> None:
    """400 naming the field when a string is no text: JSON's \\u escapes can carry a lone surrogate (U+D800 to
    U+DFFF), which UTF-8 cannot encode (scrypt, the audit record)."""
    bad = next((c for c in value if 0xD800 <= ord(c) <= 0xDFFF), None)
    if bad is not None:
        raise Reply(400, f"{what}（{field}）不是有效的文字：含有单独的代理码位 U+{ord(bad):04X}", field=field)


BOARD_PREFIX = "docgen-platform-board-"  # <temp>/docgen-platform-board-<pid>-<random>/: a server's boards


def board_folder() -> Path:
    """A new folder of this server's own for the boards it draws, in the temporary folder, named with its pid.
    It is removed when the server exits (atexit: Ctrl+C, SIGTERM); one a server killed outright (SIGKILL, a
    power cut) left behind is removed by the next server started here, once no process has that pid. A folder
    named the old way (no pid) cannot be told from a running older server's and is left alone."""
    import shutil
    import stat
    import tempfile

    tmp = Path(tempfile.gettempdir())
    for p in tmp.glob(f"{BOARD_PREFIX}*-*"):
        pid = p.name[len(BOARD_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _running(int(pid)):
            continue
        try:
            st = p.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid():  # never a link, never another user's
            shutil.rmtree(p, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{BOARD_PREFIX}{os.getpid()}-"))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _addr(environ) -> str:
    return str(environ.get("REMOTE_ADDR", ""))[:64]


def make_server(registers: Path, host: str, port: int, names=(), proxy: bool = False, today=dt.date.today,
                threads: int = 8):
    """A waitress server for the platform, bound (OSError when the port is taken). Behind a reverse proxy on this
    machine (proxy=True) the client's address and https come from its X-Forwarded-For and -Proto headers."""
    from waitress import create_server

    app = Platform(registers, host, names, today=today)
    extra = {"trusted_proxy": "127.0.0.1", "trusted_proxy_count": 1,
             "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"}} if proxy else {}
    return create_server(app, host=bare(host), port=port, threads=threads, ident="docgen",
                         clear_untrusted_proxy_headers=True, expose_tracebacks=False, channel_timeout=30,
                         cleanup_interval=5, connection_limit=500, asyncore_use_poll=True,
                         max_request_header_size=32768, max_request_body_size=MAX_BODY, **extra)


def url(host: str, port: int) -> str:
    from ..outputs.serve import url as board_url

    return board_url(host, port)

