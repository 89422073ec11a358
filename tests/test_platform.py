"""The supervision platform (docgen platform) through HTTP against the running waitress server on a free port:
what each role (unit, other unit, leader, clerk, signed out) may read and write on every route, CSRF, the
sign-in lockout, path and Host attacks, oversize and mislabelled uploads, register text escaped, 20 units × 10
concurrent reports, a killed server, and the clerk's accept and reject writing the registers.

Expected values come from the example registers' files (which items name 良庄镇 as lead or co: grep the
registers), the issue's rules (5 failures → 429, 10 MB, the status codes) and what the test itself sent."""
from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from conftest import QUICK_SOFFICE, ROOT, docgen, write_registers

DAY = dt.date(2026, 11, 20)
# the example registers: the items naming 良庄镇 as lead or co (meetings 2026-ZR02-1, 2026-ZR09-1, 2026-ZR12-2,
# instruction 2026-PS08, document 2026-GW010, inspection 2026-DC03), all assigned by 2026-11-20
# 良庄镇's own on 2026-11-20: six items assigned, and its Q3 专报, which it never sent (registers/progress/
# 2026-专报.yaml lists 11 of the 13 units that owe it): a derived item of its own, 报告-<rule>-<period>-<unit>
LIANGZHUANG = {"2026-ZR02-1", "2026-ZR09-1", "2026-ZR12-2", "2026-PS08", "2026-GW010", "2026-DC03",
               "报告-quarterly-2026Q3-良庄镇"}
ITEM = "2026-GW010"  # led by 良庄镇, nothing to do with 财政金融部; its 交办单 is the 9th issued on 2026-11-20
SLIP = "督交〔2026〕9号"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


# ---------------------------------------------------------------- the office and its server

def _password(out: str) -> str:
    return out.strip().splitlines()[-1]


def add_account(reg: Path, *args) -> str:
    p = docgen(["-r", reg, "accounts", "add", *args])
    assert p.returncode == 0, p.stderr
    pw = _password(p.stdout)
    assert len(pw) == 12 and " " not in pw
    return pw


class Server:
    """docgen's platform app on waitress in a thread, on a free port."""

    def __init__(self, reg: Path, on: dt.date = DAY, **options):
        from docgen.platform import server as P

        self.srv = P.make_server(reg, "127.0.0.1", 0, today=lambda: on, **options)
        self.port = self.srv.effective_port
        self.thread = threading.Thread(target=self.srv.run, daemon=True)
        self.thread.start()

    def close(self):
        """Stop it for good, in this order: waitress's worker threads wake its loop by writing b"x" to a pipe
        (trigger.pull_trigger); once that pipe is closed its descriptor is reused by the next socket this process
        opens, where such a byte would land in another server's answer ("xHTTP/1.1 200 OK"). So the workers end
        first, then every channel, the listener and the pipe close, and the loop's thread is joined."""
        from waitress import wasyncore

        self.srv.task_dispatcher.shutdown()
        wasyncore.close_all(self.srv._map)
        self.thread.join(10)


class Client:
    def __init__(self, port: int, host: str | None = None):
        self.port, self.host = port, host if host is not None else f"127.0.0.1:{port}"
        self.cookie = ""
        self.csrf = ""

    def request(self, method, path, body=b"", headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = {**({"Host": self.host} if self.host else {}), **({"Cookie": self.cookie} if self.cookie else {}), **(headers or {})}
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in h.items():
            c.putheader(k, v)
        if body or method == "POST":
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body or None)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def api(self, method, path, obj=None, csrf=True, headers=None):
        h = {"Content-Type": "application/json", **(headers or {})}
        if csrf and self.csrf:
            h["X-CSRF-Token"] = self.csrf
        body = json.dumps(obj, ensure_ascii=False).encode() if obj is not None else b""
        status, hd, data = self.request(method, path, body, h)
        return status, hd, (json.loads(data) if data and hd.get("content-type", "").startswith("application/json")
                            else data)

    def login(self, name, password):
        status, h, data = self.api("POST", "/api/login", {"name": name, "password": password}, csrf=False)
        if status == 200:
            self.cookie = h["set-cookie"].split(";")[0]
            self.csrf = data["csrf"]
        return status, h, data

    def upload(self, path, fields: dict, file: tuple[bytes, str, str] | None = None, csrf=True, form_csrf=None):
        boundary = uuid.uuid4().hex
        parts = []
        if form_csrf is not None:
            fields = {**fields, "csrf": form_csrf}
        for k, v in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
        if file:
            data, ctype, name = file
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="{name}"\r\n'
                         f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        h = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if csrf and self.csrf:
            h["X-CSRF-Token"] = self.csrf
        status, hd, data = self.request("POST", path, body, h)
        return status, hd, (json.loads(data) if hd.get("content-type", "").startswith("application/json") else data)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The example registers, issued on 2026-11-20 (LibreOffice replaced by the quick PDF maker, as in conftest's
    quick_pdf), with accounts for 良庄镇, 财政金融部, a leader and a clerk."""
    d = tmp_path_factory.mktemp("platform")
    soffice = d / "soffice"
    soffice.write_text(f"#!{sys.executable}\n" + QUICK_SOFFICE, encoding="utf-8")
    soffice.chmod(0o755)
    reg = d / "registers"
    shutil.copytree(ROOT / "registers", reg)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCGEN_SOFFICE", str(soffice))
        p = docgen(["-r", reg, "-o", d / "out", "build", "--on", DAY.isoformat()])
    assert p.returncode == 0, p.stderr
    pw = {"良庄镇": add_account(reg, "良庄镇"), "财政金融部": add_account(reg, "财政金融部"),
          "李明": add_account(reg, "--leader", "李明"), "王芳": add_account(reg, "--clerk", "王芳")}
    srv = Server(reg)
    yield {"reg": reg, "pw": pw, "port": srv.port, "dir": d}
    srv.close()


ROLES = {"unit": "良庄镇", "other": "财政金融部", "leader": "李明", "clerk": "王芳", "out": None}


def client(office, role) -> Client:
    c = Client(office["port"])
    if ROLES[role]:
        status, _, _ = c.login(ROLES[role], office["pw"][ROLES[role]])
        assert status == 200
    return c


def send(office, note="进展", typ="反馈", **extra) -> int:
    c = client(office, "unit")
    status, _, data = c.api("POST", f"/api/items/{ITEM}/reports", {"type": typ, "note": note, **extra})
    assert status == 201, data
    return data["id"]


def inbox_records(reg: Path) -> list[dict]:
    return [json.loads(line) for line in (reg / "inbox.jsonl").read_bytes().splitlines()]


# ---------------------------------------------------------------- every route × every role

@pytest.mark.parametrize("role,status", [("unit", 200), ("other", 200), ("leader", 200), ("clerk", 200), ("out", 401)])
def test_the_item_list_is_each_roles_own(office, role, status):
    c = client(office, role)
    got, _, data = c.api("GET", "/api/items")
    assert got == status
    if role == "unit":
        assert {i["id"] for i in data["items"]} == LIANGZHUANG
    elif role == "other":  # 财政金融部: every item it leads or works on, none of 良庄镇's own
        ids = {i["id"] for i in data["items"]}
        assert ITEM not in ids and "2026-ZR12-1" in ids and "2026-GW01-2" in ids
        assert all(i["lead"] == "财政金融部" or "财政金融部" in i["co"] for i in data["items"])
    elif role in ("leader", "clerk"):
        # README: the example registers hold 47 items; and on 11-20 the work that recurs: 9 milestones of 3 targets,
        # the Q3 专报 of 13 units (all but 综合管理部, which receives them), the dispatch meeting of Q3 and Q4,
        # each of 4 projects' monthly 调度 July–November (20) and quarterly 点评 Q3–Q4 (8), the H2 观摩 (1): 53
        assert len(data["items"]) == 47 + 9 + 13 + 2 + 20 + 8 + 1
    else:
        assert data == {"error": "请先登录。"}


@pytest.mark.parametrize("role,status", [("unit", 200), ("other", 404), ("leader", 200), ("clerk", 200), ("out", 401)])
def test_one_item_with_its_history_and_slips(office, role, status):
    c = client(office, role)
    got, _, data = c.api("GET", f"/api/items/{ITEM}")
    assert got == status
    if status == 200:
        assert data["lead"] == "良庄镇" and data["due"] == "2026-11-18"  # 急办: 2 working days after 11-16
        assert [s["number"] for s in data["slips"]] == [SLIP]
        assert data["history"][0] == {"date": "2026-11-16", "what": "交办", "date_text": "2026年11月16日",
                                      "note": "来文：泰环委办〔2026〕16号《关于立即开展秋冬季秸秆禁烧巡查的通知》"}
    elif status == 404:
        assert "良庄镇" not in json.dumps(data, ensure_ascii=False)  # not even that it exists


@pytest.mark.parametrize("role,status", [("unit", 201), ("other", 404), ("leader", 403), ("clerk", 403), ("out", 401)])
def test_who_may_report(office, role, status):
    c = client(office, role)
    note = f"报送测试-{role}"
    got, _, data = c.api("POST", f"/api/items/{ITEM}/reports", {"type": "反馈", "note": note})
    assert got == status, data
    kept = [r for r in inbox_records(office["reg"]) if r.get("note") == note]
    assert len(kept) == (1 if status == 201 else 0)
    if status == 201:
        assert kept[0]["id"] == data["id"] and kept[0]["unit"] == "良庄镇" and kept[0]["date"] == "2026-11-20"


@pytest.mark.parametrize("role,status", [("unit", 403), ("other", 403), ("leader", 403), ("clerk", 200), ("out", 401)])
def test_only_the_clerk_reads_the_inbox(office, role, status):
    c = client(office, role)
    got, _, data = c.api("GET", "/api/inbox")
    assert got == status
    got, _, html = c.request("GET", "/inbox")
    assert got == (303 if role == "out" else status)


@pytest.mark.parametrize("what", ["accept", "reject"])
@pytest.mark.parametrize("role,status", [("unit", 403), ("other", 403), ("leader", 403), ("clerk", 200), ("out", 401)])
def test_only_the_clerk_decides(office, role, status, what):
    n = send(office, f"待审核-{role}-{what}")
    before = (office["reg"] / "progress" / "online-2026.yaml").read_bytes() if what == "accept" and \
        (office["reg"] / "progress" / "online-2026.yaml").exists() else b""
    c = client(office, role)
    got, _, data = c.api("POST", f"/api/inbox/{n}/{what}", {"reason": "请补充照片"})
    assert got == status, data
    decisions = [r for r in inbox_records(office["reg"]) if r.get("id") == n and r["act"] != "report"]
    assert [r["act"] for r in decisions] == ([what] if status == 200 else [])
    if status == 200 and what == "accept":
        text = (office["reg"] / "progress" / "online-2026.yaml").read_text(encoding="utf-8")
        assert text.startswith(before.decode("utf-8"))  # appended, nothing before it changed
        assert f'  - {{item: "{ITEM}", date: 2026-11-20, type: 反馈, note: "待审核-{role}-{what}"}}\n' in text
    if status == 200 and what == "reject":
        _, _, item = client(office, "unit").api("GET", f"/api/items/{ITEM}")
        mine = next(r for r in item["reports"] if r["id"] == n)
        assert (mine["status"], mine["reason"]) == ("退回", "请补充照片")
        assert any(h["what"] == "报送的反馈被退回" and h["note"] == "请补充照片" for h in item["history"])


@pytest.mark.parametrize("role,status", [("unit", 200), ("other", 404), ("leader", 200), ("clerk", 200), ("out", 303)])
def test_attachments_go_to_whoever_may_see_the_item(office, role, status):
    u = client(office, "unit")
    body = PDF + role.encode()
    got, _, data = u.upload(f"/api/items/{ITEM}/reports", {"type": "反馈", "note": "附件"}, (body, "application/pdf", "x.pdf"))
    assert got == 201, data
    sha = hashlib.sha256(body).hexdigest()
    got, h, data = client(office, role).request("GET", f"/attachments/{sha}")
    assert got == status
    if status == 200:
        assert data == body and h["content-type"] == "application/pdf"
        assert h["content-disposition"].startswith("attachment;")
    else:
        assert body not in data


@pytest.mark.parametrize("role,status", [("unit", 200), ("other", 404), ("leader", 200), ("clerk", 200), ("out", 303)])
def test_the_item_page(office, role, status):
    got, h, html = client(office, role).request("GET", f"/items/{ITEM}")
    assert got == status
    if status == 303:
        assert h["location"] == "/login"
    if status == 200:
        text = html.decode("utf-8")
        assert "按《关于立即开展秋冬季秸秆禁烧巡查的通知》要求办理并上报办理结果" in text
        assert ('<form class="report"' in text) == (role == "unit")  # leaders and the clerk only read


def test_signing_out_ends_the_session(office):
    c = client(office, "unit")
    assert c.api("POST", "/api/logout", {}, csrf=False)[0] == 403  # the token is needed to sign out too
    kept = c.cookie
    got, h, _ = c.api("POST", "/api/logout", {})
    assert got == 200 and "Max-Age=0" in h["set-cookie"]
    c.cookie = h["set-cookie"].split(";")[0]
    assert c.api("GET", "/api/items")[0] == 401
    c.cookie = kept  # a copy of the cookie kept from before signing out no longer signs in
    assert c.api("GET", "/api/items")[0] == 401


def test_the_cookie_is_httponly_strict_and_expires(office):
    _, h, _ = Client(office["port"]).login("良庄镇", office["pw"]["良庄镇"])
    attrs = [a.strip() for a in h["set-cookie"].split(";")]
    assert "HttpOnly" in attrs and "SameSite=Strict" in attrs and "Max-Age=28800" in attrs  # 8 hours
    assert "Path=/" in attrs


def test_an_expired_or_forged_cookie_is_signed_out(office):
    from docgen.platform import accounts as ACC

    key = ACC.secret(office["reg"])
    a = ACC.read(office["reg"])["良庄镇"]
    old = ACC.sign(key, "良庄镇", a.epoch, dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1))
    c = Client(office["port"])
    c.cookie = f"docgen_session={old}"
    assert c.api("GET", "/api/items")[0] == 401
    forged = ACC.sign(b"x" * 32, "李明", 1, dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
    c.cookie = f"docgen_session={forged}"
    assert c.api("GET", "/api/items")[0] == 401


def test_a_reset_password_ends_the_old_sign_in(office, tmp_path):
    c = client(office, "other")
    assert c.api("GET", "/api/items")[0] == 200
    p = docgen(["-r", office["reg"], "accounts", "reset", "财政金融部"])
    office["pw"]["财政金融部"] = _password(p.stdout)
    assert c.api("GET", "/api/items")[0] == 401
    assert client(office, "other").api("GET", "/api/items")[0] == 200


# ---------------------------------------------------------------- CSRF

def test_a_report_needs_the_csrf_token(office):
    c = client(office, "unit")
    n0 = len(inbox_records(office["reg"]))
    assert c.api("POST", f"/api/items/{ITEM}/reports", {"type": "反馈", "note": "x"}, csrf=False)[0] == 403
    assert c.api("POST", f"/api/items/{ITEM}/reports", {"type": "反馈", "note": "x"},
                 csrf=False, headers={"X-CSRF-Token": "A" * 43})[0] == 403
    other = client(office, "unit")  # another session's token is not this session's
    assert c.api("POST", f"/api/items/{ITEM}/reports", {"type": "反馈", "note": "x"},
                 csrf=False, headers={"X-CSRF-Token": other.csrf})[0] == 403
    assert c.upload(f"/api/items/{ITEM}/reports", {"type": "反馈", "note": "x"}, csrf=False, form_csrf="bad")[0] == 403
    assert len([r for r in inbox_records(office["reg"]) if r["act"] == "report"]) == \
        len([r for r in inbox_records(office["reg"])[:n0] if r["act"] == "report"])
    got, h, _ = c.upload(f"/items/{ITEM}/reports", {"type": "反馈", "note": "表单报送"}, csrf=False, form_csrf=c.csrf)
    assert got == 303 and h["location"].startswith(f"/items/{ITEM}?sent=")
    audit = [json.loads(x) for x in (office["reg"] / "audit.jsonl").read_bytes().splitlines()]
    assert sum(1 for a in audit[-8:] if a["what"] == "refused" and a["why"] == "csrf") >= 4


def test_sign_in_from_another_site_is_refused(office):
    c = Client(office["port"])
    got, _, data = c.api("POST", "/api/login", {"name": "良庄镇", "password": office["pw"]["良庄镇"]}, csrf=False,
                         headers={"Origin": "https://evil.example"})
    assert got == 403 and "其他网站" in data["error"]


# ---------------------------------------------------------------- lockout

def test_five_failed_sign_ins_lock_the_name(office):
    reg = office["reg"]
    pw = add_account(reg, "北集坡街道")
    c = Client(office["port"])
    for i in range(5):
        got, _, data = c.login("北集坡街道", f"wrong{i}")
        assert got == 401 and data["error"] == "名称或密码不对。"
    got, h, data = c.login("北集坡街道", pw)  # the right password, too late
    assert got == 429 and 14 * 60 < int(h["retry-after"]) <= 15 * 60 + 1
    assert "15分钟" in data["error"]
    assert Client(office["port"]).login("良庄镇", office["pw"]["良庄镇"])[0] == 200  # others are not locked
    audit = [json.loads(x) for x in (reg / "audit.jsonl").read_bytes().splitlines()]
    mine = [a["what"] for a in audit if a["who"] == "北集坡街道"]
    assert mine[-6:] == ["login_failed"] * 5 + ["login_locked"]
    assert all(a["from"] == "127.0.0.1" for a in audit if a["who"] == "北集坡街道")


def test_an_unknown_name_fails_like_a_wrong_password(office):
    c = Client(office["port"])
    a = c.login("没有这个单位", "x")
    b = c.login("良庄镇", "x")
    assert a[0] == b[0] == 401 and a[2] == b[2]


# ---------------------------------------------------------------- paths and hosts

@pytest.mark.parametrize("path", ["/accounts.json", "/platform.key", "/inbox.jsonl", "/audit.jsonl", "/ledger.jsonl",
                                  "/registers/accounts.json", "/../accounts.json", "/%2e%2e/accounts.json",
                                  "/assets/../../accounts.json", "/assets/..%2f..%2faccounts.json",
                                  "/assets/board.js/../../platform.key", "/items/..", "/items/%2e%2e",
                                  "/attachments/../accounts.json", "/attachments/" + "0" * 64, "/api/../accounts.json",
                                  "/items/" + quote(ITEM) + "/../../platform.key", "/%00", "/assets/",
                                  "/archive/", "/units.yaml", "/progress/online-2026.yaml"])
def test_nothing_of_the_registers_is_served(office, path):
    c = client(office, "clerk")
    got, h, data = c.request("GET", path)
    assert got in (404, 400), (path, got)
    key = (office["reg"] / "platform.key").read_text().strip()
    assert key.encode() not in data and b"scrypt$" not in data
    assert h["x-content-type-options"] == "nosniff" and "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["referrer-policy"] == "same-origin" and h["x-frame-options"] == "DENY" and h["cache-control"] == "no-store"


def raw(port: int, request: bytes) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


def test_raw_targets_cannot_leave(office):
    for target in (b"/../accounts.json", b"/..\\accounts.json", b"/assets/../../platform.key", b"../platform.key",
                   b"http://127.0.0.1/api/items", b"*"):
        status, body = raw(office["port"], b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert status in (400, 404), (target, status)
        assert b"scrypt$" not in body


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost:x", ""])
def test_a_foreign_host_is_refused_before_anything(office, host):
    c = Client(office["port"], host=host)
    got, h, data = c.api("POST", "/api/login", {"name": "良庄镇", "password": office["pw"]["良庄镇"]}, csrf=False)
    assert got == 400 and "set-cookie" not in h and "不是平台的访问地址" in data["error"]


# ---------------------------------------------------------------- uploads

def test_an_attachment_over_10_mb_is_refused_and_10_mb_is_kept(office):
    c = client(office, "unit")
    big = PDF + b"0" * (10 * 1024 * 1024 - len(PDF) + 1)  # 10 MB and one byte
    got, _, data = c.upload(f"/api/items/{ITEM}/reports", {"type": "反馈", "note": "大附件"}, (big, "application/pdf", "b.pdf"))
    assert got == 413 and "10 MB" in data["error"]
    assert not any(r.get("note") == "大附件" for r in inbox_records(office["reg"]))
    ok = big[:-1]  # exactly 10 MB
    got, _, data = c.upload(f"/api/items/{ITEM}/reports", {"type": "反馈", "note": "十兆"}, (ok, "application/pdf", "b.pdf"))
    assert got == 201, data
    sha = hashlib.sha256(ok).hexdigest()
    kept = office["reg"] / "archive" / "inbox" / sha[:2] / sha[2:4] / f"{sha}.pdf"
    assert kept.read_bytes() == ok and kept.stat().st_mode & 0o777 == 0o444


def test_a_body_over_the_server_limit_is_cut_off_by_waitress(office):
    c = client(office, "unit")  # the headers say 11 MB: waitress answers 413 before the body is sent
    head = (f"POST /api/items/{ITEM}/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {c.cookie}\r\n"
            f"X-CSRF-Token: {c.csrf}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {11 * 1024 * 1024}\r\nConnection: close\r\n\r\n").encode()
    status, _ = raw(office["port"], head)
    assert status == 413


@pytest.mark.parametrize("data,ctype,why", [
    (PNG, "application/pdf", "image/png，与标明的类型 application/pdf 不符"),
    (PDF, "image/png", "application/pdf，与标明的类型 image/png 不符"),
    (b"MZ\x90\0" + b"\0" * 60, "application/pdf", "只能是 PDF、JPG 或 PNG"),
    (b"<html><script>alert(1)</script>", "image/jpeg", "只能是 PDF、JPG 或 PNG"),
    (b"GIF89a" + b"\0" * 20, "image/png", "只能是 PDF、JPG 或 PNG")])
def test_a_mislabelled_attachment_is_refused(office, data, ctype, why):
    c = client(office, "unit")
    got, _, body = c.upload(f"/api/items/{ITEM}/reports", {"type": "反馈", "note": "错标"}, (data, ctype, "x.pdf"))
    assert got == 415 and why in body["error"]
    sha = hashlib.sha256(data).hexdigest()
    assert not list((office["reg"] / "archive").rglob(f"{sha}*"))


def test_a_jpeg_labelled_octet_stream_is_taken_by_its_content(office):
    c = client(office, "unit")
    jpg = b"\xff\xd8\xff\xe0" + b"\0" * 40
    got, _, body = c.upload(f"/api/items/{ITEM}/reports", {"type": "反馈", "note": "照片"},
                            (jpg, "application/octet-stream", "a.bin"))
    assert got == 201
    rec = next(r for r in inbox_records(office["reg"]) if r.get("id") == body["id"] and r["act"] == "report")
    assert rec["attachment"]["type"] == "image/jpeg" and rec["attachment"]["size"] == 44


# ---------------------------------------------------------------- what a report may say

def test_a_report_names_the_field_in_chinese(office):
    c = client(office, "unit")
    cases = [({"type": "催办"}, "type", "报送类型（type）应为签收、反馈、办结、延期申请之一"),
             ({"type": "反馈", "note": ""}, "note", "请填写说明（note）"),
             ({"type": "签收", "slip": "督交〔2026〕1号", "by": "邓超"}, "slip", "「督交〔2026〕1号」不是这个事项已出具的单据"),
             ({"type": "签收", "slip": SLIP}, "by", "请填写签收人（by）"),
             ({"type": "延期申请", "note": "工期", "until": "2026-11-18"}, "until", "应晚于今天和现在的办结时限"),
             ({"type": "延期申请", "note": "工期", "until": "11月30日"}, "until", "不是有效日期"),
             ({"type": "反馈", "note": "a\x07b"}, "note", "含有不能写入文档的控制字符 U+0007（第2个字符）"),
             ({"type": "反馈", "note": "第一段\n第二段"}, "note", "含有换行字符 U+000A（第4个字符"),
             ({"type": "反馈", "note": "ab\u202ecd"}, "note", "双向控制字符 U+202E"),
             ({"type": "反馈", "note": "x" * 2001}, "note", "说明（note）不能超过2000个字")]
    for body, field, msg in cases:
        got, _, data = c.api("POST", f"/api/items/{ITEM}/reports", body)
        assert got == 400 and data["field"] == field and msg in data["error"], (body, data)


def test_a_co_unit_signs_for_and_gives_feedback_but_does_not_report_completion(office):
    c = client(office, "unit")  # 良庄镇 is a co-unit of 2026-ZR12-2 (led by 社会事务服务中心)
    got, _, data = c.api("POST", "/api/items/2026-ZR12-2/reports", {"type": "办结", "note": "x"})
    assert got == 403 and "由牵头单位报送" in data["error"]
    assert c.api("POST", "/api/items/2026-ZR12-2/reports", {"type": "反馈", "note": "配合完成"})[0] == 201


# ---------------------------------------------------------------- the clerk's decisions write the registers

def test_accepting_a_completion_makes_the_item_done_and_keeps_comments(office):
    reg = office["reg"]
    online = reg / "progress" / "online-2026.yaml"
    assert docgen(["-r", reg, "inbox", "accept", str(send(office, "先报一次进展"))]).returncode == 0
    online.write_text(online.read_text(encoding="utf-8") + "  # 办事员的注释\n", encoding="utf-8")
    n = send(office, "已完成禁烧巡查，巡查记录已补齐", "办结")
    c = client(office, "unit")
    assert c.api("GET", f"/api/items/{ITEM}")[2]["state"] == "逾期"  # nothing changes until the clerk accepts
    p = docgen(["-r", reg, "inbox", "accept", str(n)])
    assert p.returncode == 0, p.stderr
    text = online.read_text(encoding="utf-8")
    assert f'  - {{item: "{ITEM}", date: 2026-11-20, type: 办结, note: "已完成禁烧巡查，巡查记录已补齐"}}\n' \
           f"    # 平台报送第{n}号：良庄镇于2026-11-20报送" in text
    assert "  # 办事员的注释\n" in text and text.startswith("# 平台报送：")
    _, _, item = c.api("GET", f"/api/items/{ITEM}")
    assert item["state"] == "已办结待核查"
    assert docgen(["-r", reg, "inbox", "accept", str(n)]).returncode == 2  # decided once
    got = docgen(["-r", reg, "check"])
    assert got.returncode == 0, got.stderr


def test_an_entry_the_registers_would_refuse_is_not_written(office):
    reg = office["reg"]
    n = send(office, "签收", "签收", slip=SLIP, by="邓超")
    online = reg / "progress" / "online-2026.yaml"
    before = online.read_bytes() if online.exists() else None
    units = reg / "units.yaml"
    saved = units.read_bytes()
    units.write_text(saved.decode("utf-8").replace("良庄镇", "良庄街道"), encoding="utf-8")  # the registers broken
    try:
        p = docgen(["-r", reg, "inbox", "accept", str(n)])
        assert p.returncode == 2 and f"采纳第{n}号报送后台账将有误，未写入" in p.stderr
        assert (online.read_bytes() if online.exists() else None) == before
    finally:
        units.write_bytes(saved)
    assert not any(r["act"] == "accept" and r["id"] == n for r in inbox_records(reg))
    p = docgen(["-r", reg, "inbox", "accept", str(n)])
    assert p.returncode == 0, p.stderr
    assert f'type: 签收, slip: "{SLIP}", by: "邓超"' in online.read_text(encoding="utf-8")


def test_an_extension_request_keeps_the_day_it_was_sent(office):
    reg = office["reg"]
    n = send(office, "供暖管网改造需协调燃气单位", "延期申请", until="2026-12-15")
    p = docgen(["-r", reg, "inbox", "accept", str(n)])
    assert p.returncode == 0, p.stderr
    entries = yaml.safe_load((reg / "progress" / "online-2026.yaml").read_text(encoding="utf-8"))["progress"]
    mine = [e for e in entries if e["type"] == "延期申请"]
    # sent on 2026-11-20, after the due date 2026-11-18: a late request (docs/registers.md), whenever accepted
    assert mine[-1] == {"item": ITEM, "date": dt.date(2026, 11, 20), "type": "延期申请", "until": dt.date(2026, 12, 15),
                        "reason": "供暖管网改造需协调燃气单位"}


def test_reject_records_the_reason_for_the_unit(office):
    reg = office["reg"]
    n = send(office, "已整改", "反馈")
    assert docgen(["-r", reg, "inbox", "reject", str(n), "--reason", " "]).returncode == 2
    p = docgen(["-r", reg, "inbox", "reject", str(n), "--reason", "未附巡查记录"])
    assert p.returncode == 0 and f"已退回第{n}号报送" in p.stdout
    _, _, item = client(office, "unit").api("GET", f"/api/items/{ITEM}")
    assert next(r for r in item["reports"] if r["id"] == n)["reason"] == "未附巡查记录"
    assert any(h["what"] == "报送的反馈被退回" and h["note"] == "未附巡查记录" for h in item["history"])


def test_check_reads_the_inbox_and_the_accounts(office, tmp_path):
    send(office, "第一条")
    send(office, "第二条")
    reg = tmp_path / "r"
    shutil.copytree(office["reg"], reg)
    assert docgen(["-r", reg, "check"]).returncode == 0
    lines = (reg / "inbox.jsonl").read_bytes().splitlines(keepends=True)
    n = len(lines)
    first = lines[0].replace(b'"unit":"', b'"unit":"X')  # the next line's hash of it no longer matches
    (reg / "inbox.jsonl").write_bytes(first + b"".join(lines[1:]))
    p = docgen(["-r", reg, "check"])
    assert p.returncode == 2 and f"{reg}/inbox.jsonl:2: 报送记录: 与前一条记录的哈希不符" in p.stderr
    last = lines[-1].replace("第二条".encode(), "第三条".encode())  # no next line: the audit record names its hash
    (reg / "inbox.jsonl").write_bytes(b"".join(lines[:-1]) + last)
    p = docgen(["-r", reg, "check"])
    assert p.returncode == 2 and f"{reg}/inbox.jsonl:{n}: 报送记录: 与审计记录第" in p.stderr
    (reg / "inbox.jsonl").write_bytes(b"".join(lines[:-1]))  # the last report cut off
    p = docgen(["-r", reg, "check"])
    assert p.returncode == 2 and f"{reg}/inbox.jsonl:{n}: 报送记录: 与审计记录第" in p.stderr
    (reg / "inbox.jsonl").write_bytes(b"".join(lines))
    (reg / "accounts.json").write_text("{", encoding="utf-8")
    p = docgen(["-r", reg, "check"])
    assert p.returncode == 2 and "accounts.json:1: 账户: 不是有效的 JSON" in p.stderr and "Traceback" not in p.stderr


def test_an_edited_inbox_is_a_chinese_503_not_a_traceback(tmp_path):
    reg = write_registers(tmp_path / "r", {"meetings/m.yaml": (
        "meetings:\n  - {id: M, kind: 主任办公会, title: 2026年第9次主任办公会, date: 2026-11-02, "
        "items: [{id: M-1, text: 第1项工作, lead: 良庄镇}]}\n")})
    pw = add_account(reg, "良庄镇")
    srv = Server(reg)
    try:
        c = Client(srv.port)
        c.login("良庄镇", pw)
        assert c.api("POST", "/api/items/M-1/reports", {"type": "反馈", "note": "一"})[0] == 201
        (reg / "inbox.jsonl").write_bytes((reg / "inbox.jsonl").read_bytes().replace("一".encode(), "二".encode()) * 2)
        got, _, data = c.api("POST", "/api/items/M-1/reports", {"type": "反馈", "note": "三"})
        assert got == 503 and "docgen check" in data["error"] and "报送记录" in data["error"]
        assert str(reg) not in data["error"]  # where the files are is the clerk's business, not the unit's
    finally:
        srv.close()


def test_the_archive_verifies_with_attachments_in_it(office):
    body = PDF + b"verify"
    got, _, _ = client(office, "unit").upload(f"/api/items/{ITEM}/reports", {"type": "反馈", "note": "核对归档"},
                                              (body, "application/pdf", "v.pdf"))
    assert got == 201
    sha = hashlib.sha256(body).hexdigest()
    kept = office["reg"] / "archive" / "inbox" / sha[:2] / sha[2:4] / f"{sha}.pdf"
    p = docgen(["-r", office["reg"], "archive", "verify"])
    assert p.returncode == 0 and "全部在位，内容与记录一致" in p.stdout, p.stdout + p.stderr
    kept.chmod(0o644)
    saved = kept.read_bytes()
    kept.write_bytes(saved + b"x")  # an attachment changed after it was kept
    try:
        p = docgen(["-r", office["reg"], "archive", "verify"])
        assert p.returncode == 1 and f"被改动：{kept}（平台报送的附件，内容与文件名中的哈希不符）" in p.stdout + p.stderr, \
            p.stdout + p.stderr
    finally:
        kept.write_bytes(saved)
        kept.chmod(0o444)


def test_the_secret_and_the_accounts_are_the_owners_alone(office):
    send(office, "权限")  # a sign-in and a report: every file is there
    for name in ("platform.key", "accounts.json", "inbox.jsonl", "audit.jsonl"):
        assert (office["reg"] / name).stat().st_mode & 0o777 == 0o600, name
    text = (office["reg"] / "accounts.json").read_text(encoding="utf-8")
    assert office["pw"]["良庄镇"] not in text and "scrypt$16384$8$1$" in text


# ---------------------------------------------------------------- register text is text

def test_register_and_report_text_is_escaped(tmp_path):
    regs = {"meetings/m.yaml": """\
        meetings:
          - id: MX
            kind: 主任办公会
            title: 2026年第9次主任办公会
            date: 2026-11-02
            items:
              - {id: "MX-1", text: "<script>alert(1)</script>核实\\"账目\\"&整改", lead: 经济发展部}
        """}
    reg = write_registers(tmp_path / "r", regs)
    pw = add_account(reg, "经济发展部")
    cpw = add_account(reg, "--clerk", "王芳")
    srv = Server(reg)
    try:
        u = Client(srv.port)
        u.login("经济发展部", pw)
        assert u.api("POST", "/api/items/MX-1/reports", {"type": "反馈", "note": '<img src=x onerror="alert(2)">'})[0] == 201
        for path in ("/items", "/items/MX-1"):
            got, h, html = u.request("GET", path)
            assert got == 200 and b"<script>alert" not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;核实&#34;账目&#34;&amp;整改".encode() in html
            assert "script-src" not in h["content-security-policy"]  # no script runs at all
        c = Client(srv.port)
        c.login("王芳", cpw)
        got, _, html = c.request("GET", "/inbox")
        assert got == 200 and b"<img src=x" not in html and b"&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
        _, _, data = u.api("GET", "/api/items/MX-1")
        assert data["text"] == '<script>alert(1)</script>核实"账目"&整改'  # JSON carries the text as it is
    finally:
        srv.close()


# ---------------------------------------------------------------- many units at once, and a kill

def twenty_units(root: Path) -> tuple[Path, dict[str, str]]:
    units = [f"单位{i:02d}" for i in range(1, 21)]
    unit_yaml = "units:\n" + "".join(f"  - {{name: {u}, contact: 联系人}}\n" for u in units)
    items = "".join(f"      - {{id: M-{i:02d}, text: 第{i}项工作, lead: {u}}}\n" for i, u in enumerate(units, 1))
    reg = write_registers(root, {"units.yaml": unit_yaml, "meetings/m.yaml":
                                 "meetings:\n  - id: M\n    kind: 主任办公会\n    title: 2026年第9次主任办公会\n"
                                 "    date: 2026-11-02\n    items:\n" + items})
    return reg, {u: add_account(reg, u) for u in units}


def _flood(port, units, per_unit, results, stop=None):
    def one(i, u, pw):
        c = Client(port)
        while c.login(u, pw)[0] != 200:
            time.sleep(0.05)
        for k in range(per_unit):
            if stop is not None and stop.is_set():
                return
            note = f"{u}第{k + 1}次报送"
            try:
                got, _, data = c.api("POST", f"/api/items/M-{i:02d}/reports", {"type": "反馈", "note": note})
            except (OSError, http.client.HTTPException):
                return  # the server was killed mid-request: nobody was told it was kept
            if got == 201:
                results.append((data["id"], note))

    threads = [threading.Thread(target=one, args=(i, u, pw)) for i, (u, pw) in enumerate(units.items(), 1)]
    for t in threads:
        t.start()
    return threads


def test_twenty_units_report_ten_times_at_once(tmp_path):
    reg, units = twenty_units(tmp_path / "r")
    srv = Server(reg)
    try:
        results: list = []
        for t in _flood(srv.port, units, 10, results):
            t.join()
    finally:
        srv.close()
    assert len(results) == 200
    reports = [r for r in inbox_records(reg) if r["act"] == "report"]
    assert sorted(r["id"] for r in reports) == list(range(1, 201))
    assert sorted(r["note"] for r in reports) == sorted(f"单位{i:02d}第{k}次报送" for i in range(1, 21) for k in range(1, 11))
    assert {(r["id"], r["note"]) for r in reports} == set(results)
    p = docgen(["-r", reg, "inbox"])
    assert p.returncode == 0 and "共200条待审核" in p.stdout


def test_a_killed_server_loses_nothing_it_answered_201(tmp_path):
    reg, units = twenty_units(tmp_path / "r")
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "docgen", "-r", str(reg), "platform", "--port", str(port),
                             "--on", DAY.isoformat()], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for(port)
        results: list = []
        threads = _flood(port, units, 1000, results)
        deadline = time.monotonic() + 60
        while len(results) < 60 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for t in threads:
            t.join()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(results) >= 60
    kept = {(r["id"], r["note"]) for r in (json.loads(x) for x in _complete_lines(reg / "inbox.jsonl"))
            if r["act"] == "report"}
    assert set(results) <= kept
    assert len({i for i, _ in kept}) == len(kept) == len({n for _, n in kept})  # no number or report twice
    # started again, it goes on after the last complete record; check passes
    srv = Server(reg)
    try:
        c = Client(srv.port)
        c.login("单位01", units["单位01"])
        got, _, data = c.api("POST", "/api/items/M-01/reports", {"type": "反馈", "note": "重启后"})
        assert got == 201 and data["id"] == len(kept) + 1
    finally:
        srv.close()
    p = docgen(["-r", reg, "check"])
    assert p.returncode == 0, p.stderr


def _complete_lines(p: Path) -> list[bytes]:
    data = p.read_bytes()
    return data[:data.rfind(b"\n") + 1].splitlines()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the platform did not start")


# ---------------------------------------------------------------- the command line

def test_accounts_add_checks_the_unit_and_prints_the_password_last(tmp_path):
    reg = write_registers(tmp_path / "r", {})
    p = docgen(["-r", reg, "accounts", "add", "不存在的单位"])
    assert p.returncode == 2 and "单位「不存在的单位」不在 units.yaml 中" in p.stderr
    assert not (reg / "accounts.json").exists()
    p = docgen(["-r", reg, "accounts", "add", "良庄镇"])
    assert p.returncode == 0 and len(_password(p.stdout)) == 12
    assert docgen(["-r", reg, "accounts", "add", "良庄镇"]).returncode == 2  # one account per name
    assert docgen(["-r", reg, "accounts", "add", "--leader", "李明", "良庄镇"]).returncode == 2
    p = docgen(["-r", reg, "accounts", "disable", "良庄镇"])
    assert p.returncode == 0
    p = docgen(["-r", reg, "accounts", "list"])
    assert "良庄镇" in p.stdout and "已停用" in p.stdout


def test_a_disabled_account_cannot_sign_in(office):
    reg = office["reg"]
    pw = add_account(reg, "高新发展集团")
    c = Client(office["port"])
    assert c.login("高新发展集团", pw)[0] == 200
    assert docgen(["-r", reg, "accounts", "disable", "高新发展集团"]).returncode == 0
    assert c.api("GET", "/api/items")[0] == 401
    assert Client(office["port"]).login("高新发展集团", pw)[0] == 401


def test_behind_the_proxy_the_cookie_is_secure_and_the_clients_address_recorded(tmp_path):
    reg = write_registers(tmp_path / "r", {})
    pw = add_account(reg, "良庄镇")
    srv = Server(reg, names=["dudao.example.gov.cn"], proxy=True)
    try:
        c = Client(srv.port, host="dudao.example.gov.cn")  # what nginx passes on: proxy_set_header Host $host
        got, h, _ = c.api("POST", "/api/login", {"name": "良庄镇", "password": pw}, csrf=False,
                          headers={"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"})
        assert got == 200 and "Secure" in [a.strip() for a in h["set-cookie"].split(";")]
        assert Client(srv.port, host="evil.example").api("GET", "/api/items")[0] == 400
    finally:
        srv.close()
    audit = [json.loads(x) for x in (reg / "audit.jsonl").read_bytes().splitlines()]
    assert (audit[-1]["what"], audit[-1]["who"], audit[-1]["from"]) == ("login", "良庄镇", "10.1.2.3")


def test_another_units_item_is_recorded_as_refused(office):
    c = client(office, "other")
    assert c.api("GET", f"/api/items/{ITEM}")[0] == 404
    audit = [json.loads(x) for x in (office["reg"] / "audit.jsonl").read_bytes().splitlines()]
    assert (audit[-1]["what"], audit[-1]["who"], audit[-1]["why"]) == ("refused", "财政金融部", "other unit's item")


@pytest.mark.parametrize("role,status", [("unit", 200), ("other", 404), ("leader", 200), ("clerk", 200), ("out", 303)])
def test_the_items_slip_pdf_as_archived(office, role, status):
    path = f"/items/{ITEM}/slips/{quote(SLIP, safe='')}"
    got, h, data = client(office, role).request("GET", path)
    assert got == status
    archived = office["reg"] / "archive" / "2026" / "交办单" / f"{SLIP}.pdf"
    if status == 200:
        assert data == archived.read_bytes() and h["content-type"] == "application/pdf"
    if role == "unit":  # another item's slip is not this item's
        got, _, _ = client(office, role).request("GET", f"/items/2026-DC03/slips/{quote(SLIP, safe='')}")
        assert got == 404


def test_the_item_list_counts_by_state(office):
    got, _, html = client(office, "unit").request("GET", "/items")
    text = html.decode("utf-8")
    # 良庄镇's seven items on 2026-11-20 (by hand from the registers): ZR02-1 and ZR09-1 closed, DC03, PS08 and
    # GW010 overdue (due 11-10, 11-12, 11-18), ZR12-2 in rework, and its Q3 专报 never sent (overdue since 10-21)
    assert '<div class="n">7</div><div class="l">督办事项</div>' in text
    assert '<div class="n">2</div><div class="l">已销号</div>' in text


def test_a_torn_last_line_is_no_record_and_is_cut_before_the_next(tmp_path):
    from docgen.platform.journal import Journal

    j = Journal(tmp_path / "x.jsonl", "报送记录")
    j.append(lambda recs: {"act": "report", "id": 1})
    whole = (tmp_path / "x.jsonl").read_bytes()
    with open(tmp_path / "x.jsonl", "ab") as f:
        f.write(b'{"n":2,"prev":"')  # a writer killed in the middle of its line
    assert [r["id"] for r in Journal(tmp_path / "x.jsonl", "报送记录").read()] == [1]
    rec = Journal(tmp_path / "x.jsonl", "报送记录").append(lambda recs: {"act": "report", "id": len(recs) + 1})
    assert rec["n"] == 2 and rec["prev"] == hashlib.sha256(whole[:-1]).hexdigest()
    data = (tmp_path / "x.jsonl").read_bytes()
    assert data.startswith(whole) and data.count(b"\n") == 2 and b'"prev":"{' not in data


def test_the_sign_in_form_without_javascript(office):
    c = Client(office["port"])
    body = f"name={quote('良庄镇')}&password=wrong".encode()
    got, h, html = c.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert got == 401 and "名称或密码不对。".encode() in html and "set-cookie" not in h
    body = f"name={quote('良庄镇')}&password={quote(office['pw']['良庄镇'])}".encode()
    got, h, _ = c.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                   "Origin": f"http://127.0.0.1:{office['port']}"})
    assert got == 303 and h["location"] == "/items" and "HttpOnly" in h["set-cookie"]


def test_the_clerk_returns_a_report_with_the_form(office):
    n = send(office, "表单退回")
    c = client(office, "clerk")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    got, _, _ = c.request("POST", f"/inbox/{n}/reject", f"reason={quote('材料不全')}".encode(), form)
    assert got == 403  # no token in the form
    got, h, _ = c.request("POST", f"/inbox/{n}/reject", f"reason={quote('材料不全')}&csrf={c.csrf}".encode(), form)
    assert got == 303 and h["location"] == f"/inbox?done={n}"
    rec = [r for r in inbox_records(office["reg"]) if r.get("id") == n and r["act"] == "reject"]
    assert [(r["by"], r["reason"]) for r in rec] == [("王芳", "材料不全")]


def test_a_user_sets_a_password_of_their_own(office):
    reg = office["reg"]
    first = add_account(reg, "综合管理部")
    c = Client(office["port"])
    c.login("综合管理部", first)
    other = Client(office["port"])
    other.login("综合管理部", first)
    got, _, data = c.api("POST", "/api/password", {"old": "不对的密码", "new": "新的密码很长很长很长啊"})
    assert got == 400 and data == {"error": "原密码不对", "field": "old"}
    got, _, data = c.api("POST", "/api/password", {"old": first, "new": "short"})
    assert got == 400 and data["error"] == "新密码至少10个字符"
    assert c.api("POST", "/api/password", {"old": first, "new": "新的密码很长很长很长啊"}, csrf=False)[0] == 403
    got, h, data = c.api("POST", "/api/password", {"old": first, "new": "新的密码很长很长很长啊"})
    assert got == 200
    c.cookie, c.csrf = h["set-cookie"].split(";")[0], data["csrf"]
    assert c.api("GET", "/api/items")[0] == 200  # this session goes on
    assert other.api("GET", "/api/items")[0] == 401  # the other sign-in ended
    assert Client(office["port"]).login("综合管理部", first)[0] == 401
    assert Client(office["port"]).login("综合管理部", "新的密码很长很长很长啊")[0] == 200
    assert "新的密码很长很长很长啊" not in (reg / "accounts.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("role", ["unit", "other", "leader", "out"])
def test_the_board_from_the_current_registers(office, role):
    c = client(office, role)
    got, h, html = c.request("GET", "/board/")
    if role == "out":
        assert got == 303 and h["location"] == "/login"
        return
    assert got == 200 and h["content-type"] == "text/html; charset=utf-8"
    text = html.decode("utf-8")
    gw010 = "按《关于立即开展秋冬季秸秆禁烧巡查的通知》要求办理并上报办理结果"
    if role == "leader":  # the whole office: the overview with every unit
        assert "<h2>按来源</h2>" in text and gw010 in text and "启动2027年部门预算编制工作" in text
    else:  # the unit's own board: its items only
        assert "<h2>按来源</h2>" not in text
        assert (gw010 in text) == (role == "unit")
        assert ("启动2027年部门预算编制工作" in text) == (role == "other")  # 2026-ZR12-1, led by 财政金融部
    got, _, css = c.request("GET", "/board/assets/board.css")
    assert got == 200 and css.startswith("/* docgen 督办事项调阅".encode())
    assert c.request("GET", "/board/../accounts.json")[0] in (400, 404)
    assert c.request("GET", "/board/assets/../../platform.key")[0] in (400, 404)
    assert c.request("GET", "/board")[1].get("location") == "/board/"


PAGES = {  # path -> answer for unit, other unit, leader, clerk, signed out (303 x: a redirect to x)
    "/": ("303 /items",) * 4 + ("303 /login",),
    "/login": ("303 /items",) * 4 + ("200",),
    "/items": ("200",) * 4 + ("303 /login",),
    f"/items/{ITEM}": ("200", "404", "200", "200", "303 /login"),
    "/inbox": ("403", "403", "403", "200", "303 /login"),
    "/board/": ("200",) * 4 + ("303 /login",),
    "/password": ("200",) * 4 + ("303 /login",),
    "/assets/board.css": ("200",) * 5,  # the sign-in page has the board's look too
    "/assets/platform.css": ("200",) * 5,
    "/favicon.ico": ("204",) * 5,
}


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_for_every_role(office, path):
    for role, want in zip(("unit", "other", "leader", "clerk", "out"), PAGES[path]):
        got, h, body = client(office, role).request("GET", path)
        if got == 303:
            assert f"{got} {h['location']}" == want, (path, role)
        else:
            assert str(got) == want, (path, role)
        if got == 200 and path.endswith(".css"):
            assert h["content-type"] == "text/css; charset=utf-8"
        elif got == 200:
            text = body.decode("utf-8")
            assert h["content-type"] == "text/html; charset=utf-8" and 'lang="zh-CN"' in text
            assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text


@pytest.mark.parametrize("method,path", [("POST", "/items"), ("POST", f"/items/{ITEM}"), ("GET", "/logout"),
                                         ("GET", f"/api/items/{ITEM}/reports"), ("DELETE", "/api/items"),
                                         ("PUT", "/api/login"), ("GET", "/inbox/1/accept")])
def test_other_methods_are_405(office, method, path):
    got, h, _ = client(office, "clerk").request(method, path, b"", {"Content-Type": "application/json"})
    assert got == 405 and h["allow"]


def test_the_command_says_in_chinese_why_it_cannot_start(tmp_path):
    reg = write_registers(tmp_path / "r", {})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        p = docgen(["-r", reg, "platform", "--port", str(port)])
    assert p.returncode == 2 and f"端口 {port} 已被占用" in p.stderr and "Traceback" not in p.stderr
    bad = write_registers(tmp_path / "bad", {"meetings/m.yaml": "meetings:\n  - {id: M, kind: 主任办公会}\n"})
    p = docgen(["-r", bad, "platform", "--port", str(_free_port())])
    assert p.returncode == 2 and "bad/meetings/m.yaml:2" in p.stderr and "未生成任何文件" in p.stderr
    assert not (bad / "platform.key").exists()
    # 192.0.2.1 (TEST-NET-1, RFC 5737) is no address of this machine: the same Chinese reason docgen serve gives
    p = docgen(["-r", reg, "platform", "--host", "192.0.2.1", "--port", str(_free_port())])
    assert p.returncode == 2 and "192.0.2.1 不是本机的地址，不能在上面监听" in p.stderr and "Traceback" not in p.stderr


def test_a_record_that_cannot_be_written_is_a_503_and_nothing_is_told_kept(tmp_path):
    reg = write_registers(tmp_path / "r", {"meetings/m.yaml": (
        "meetings:\n  - {id: M, kind: 主任办公会, title: 2026年第9次主任办公会, date: 2026-11-02, "
        "items: [{id: M-1, text: 第1项工作, lead: 良庄镇}]}\n")})
    pw = add_account(reg, "良庄镇")
    srv = Server(reg)
    try:
        c = Client(srv.port)
        c.login("良庄镇", pw)
        (reg / "inbox.jsonl").mkdir()  # the inbox cannot be opened for writing (as a full or read-only disk)
        got, _, data = c.api("POST", "/api/items/M-1/reports", {"type": "反馈", "note": "一"})
        assert got == 503 and "这次操作没有保存" in data["error"]
    finally:
        srv.close()


def test_the_sign_in_origin_is_compared_by_name(office):
    """The same site is the same scheme, name and port (RFC 6454). http://127.0.0.1 names no port, so it is port
    80's site (http's default), not this server on another port: refused (it was accepted before the limits pass;
    tests/test_platform_limits.py has the ports and the proxy's https)."""
    port = office["port"]
    for origin, want in ((f"http://127.0.0.1:{port}", 200), ("http://127.0.0.1", 403), ("http://127.0.0.2", 403),
                         ("http://127.0.0.1.evil.example", 403), ("null", 403)):
        got, _, _ = Client(port).api("POST", "/api/login", {"name": "良庄镇", "password": office["pw"]["良庄镇"]},
                                     csrf=False, headers={"Origin": origin})
        assert got == want, origin


def test_the_clerk_decides_in_another_process_while_units_report(tmp_path):
    """The server (its own process) and the clerk's command (this one) write inbox.jsonl at once: the file lock
    keeps every record whole and the chain unbroken."""
    from docgen.platform import inbox as INBOX

    reg, units = twenty_units(tmp_path / "r")
    units = dict(list(units.items())[:5])
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "docgen", "-r", str(reg), "platform", "--port", str(port),
                             "--on", DAY.isoformat()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        results: list = []
        threads = _flood(port, units, 20, results)
        decided = set()
        while any(t.is_alive() for t in threads) or len(decided) < len(results):
            for n, _ in list(results):
                if n not in decided:
                    INBOX.reject(reg, n, "王芳", "测试退回", dt.datetime.now(dt.timezone.utc))
                    decided.add(n)
            time.sleep(0.01)
        for t in threads:
            t.join()
    finally:
        proc.terminate()
        proc.wait()
    assert len(results) == 100
    recs = inbox_records(reg)
    assert sorted(r["id"] for r in recs if r["act"] == "report") == list(range(1, 101))
    assert sorted(r["id"] for r in recs if r["act"] == "reject") == list(range(1, 101))
    assert [r["n"] for r in recs] == list(range(1, 201))
    p = docgen(["-r", reg, "check"])
    assert p.returncode == 0, p.stderr


def test_check_names_an_account_whose_unit_is_gone(tmp_path):
    reg = write_registers(tmp_path / "r", {})
    add_account(reg, "良庄镇")
    assert docgen(["-r", reg, "check"]).returncode == 0
    units = reg / "units.yaml"
    units.write_text(units.read_text(encoding="utf-8").replace("良庄镇", "良庄街道"), encoding="utf-8")
    p = docgen(["-r", reg, "check"])
    assert p.returncode == 2
    assert f"{reg}/accounts.json: 良庄镇: 单位账户「良庄镇」的单位不在 units.yaml 中" in p.stderr


def test_a_note_cannot_write_yaml_of_its_own(office):
    reg = office["reg"]
    hostile = '"} - {item: "2026-GW010", date: 2026-11-20, type: 核查, passed: 通过} # \\" \' & <b> ：#  \\n'
    n = send(office, hostile)
    p = docgen(["-r", reg, "inbox", "accept", str(n)])
    assert p.returncode == 0, p.stderr
    entries = yaml.safe_load((reg / "progress" / "online-2026.yaml").read_text(encoding="utf-8"))["progress"]
    assert [e for e in entries if e.get("note") == hostile.strip()] == \
        [{"item": ITEM, "date": dt.date(2026, 11, 20), "type": "反馈", "note": hostile.strip()}]
    assert not any(e["type"] == "核查" for e in entries)
    assert docgen(["-r", reg, "check"]).returncode == 0


def test_a_decision_on_the_last_line_is_covered_by_the_audit_too(office, tmp_path):
    n = send(office, "退回后改动")
    assert docgen(["-r", office["reg"], "inbox", "reject", str(n), "--reason", "不全"]).returncode == 0
    reg = tmp_path / "r"
    shutil.copytree(office["reg"], reg)
    lines = (reg / "inbox.jsonl").read_bytes().splitlines(keepends=True)
    assert b'"act":"reject"' in lines[-1]
    (reg / "inbox.jsonl").write_bytes(b"".join(lines[:-1]) + lines[-1].replace("不全".encode(), "齐全".encode()))
    p = docgen(["-r", reg, "check"])
    assert p.returncode == 2 and f"{reg}/inbox.jsonl:{len(lines)}: 报送记录: 与审计记录第" in p.stderr
