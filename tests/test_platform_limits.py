"""The supervision platform's limits, left open by the attack pass (tests/test_platform_attack.py): how much one
unit may send a day and the archive's free-disk floor, the sign-in Origin compared as a whole site (scheme, name,
port), attachments served only when their content still has the hash they are filed by, and the signed-out
sessions forgotten once their cookies have expired. Each test failed on the platform as the attack pass left it.

Expected values are the documented rules (docs/platform.md; docs/registers.md `platform`: at most 50 reports and
200 MB of attachments per unit a day, 0 = no limit, 1024 MB free on the archive's disk), the settings each test
writes, RFC 6454's origin (scheme, host, port; http's port is 80 when not written) and what the test itself sent."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import threading
import types

import pytest

from conftest import MINI_SETTINGS, write_registers
from test_platform import Client, Server, add_account

MEETING = ("meetings:\n  - {id: M, kind: 主任办公会, title: 2026年第9次主任办公会, date: 2026-11-02, items: ["
           "{id: M-1, text: 第1项工作, lead: 良庄镇}, {id: M-2, text: 第2项工作, lead: 财政金融部}]}\n")
MB = 1024 * 1024


def _office(tmp_path, platform: str = ""):
    """Two units' items, accounts for both, the settings' `platform` section as given, and the server."""
    reg = write_registers(tmp_path / "registers", {"settings.yaml": MINI_SETTINGS + platform, "meetings/m.yaml": MEETING})
    pw = {u: add_account(reg, u) for u in ("良庄镇", "财政金融部")}
    return reg, pw


def _signed_in(port, name, pw) -> Client:
    c = Client(port)
    assert c.login(name, pw)[0] == 200
    return c


def _png(n: int, salt: int) -> bytes:
    """A PNG-headed file of n bytes, different for each salt (so each is stored as a file of its own)."""
    head = b"\x89PNG\r\n\x1a\n" + salt.to_bytes(4, "big")
    return head + b"\0" * (n - len(head))


def _audit(reg) -> list[dict]:
    return [json.loads(x) for x in (reg / "audit.jsonl").read_bytes().splitlines()]


def _reports(reg) -> list[dict]:
    p = reg / "inbox.jsonl"
    return [r for r in (json.loads(x) for x in p.read_bytes().splitlines())] if p.exists() else []


def _stored(reg) -> list[str]:
    """The attachment files in the archive (settings: archive not set, so the registers folder's archive/), by name."""
    root = reg / "archive" / "inbox"
    return sorted(f for _, _, files in os.walk(root) for f in files) if root.exists() else []


def test_a_unit_sends_at_most_the_days_reports_its_settings_allow(tmp_path):
    """platform.reports_per_day: 3. The 4th report of 良庄镇 that day is 429 with a Chinese message, audited, not
    kept; 财政金融部 still reports. Before, every report was taken: a unit could flood the inbox."""
    reg, pw = _office(tmp_path, "platform:\n  reports_per_day: 3\n")
    srv = Server(reg)
    try:
        c = _signed_in(srv.port, "良庄镇", pw["良庄镇"])
        for k in range(3):
            assert c.api("POST", "/api/items/M-1/reports", {"type": "反馈", "note": f"第{k + 1}次"})[0] == 201
        got, _, data = c.api("POST", "/api/items/M-1/reports", {"type": "反馈", "note": "第4次"})
        assert got == 429, data
        assert "本单位今天已报送3条" in data["error"] and "每天至多报送3条" in data["error"]
        assert "没有保存" in data["error"]
        other = _signed_in(srv.port, "财政金融部", pw["财政金融部"])
        assert other.api("POST", "/api/items/M-2/reports", {"type": "反馈", "note": "另一单位"})[0] == 201
    finally:
        srv.close()
    notes = [r["note"] for r in _reports(reg) if r["act"] == "report"]
    assert notes == ["第1次", "第2次", "第3次", "另一单位"]
    refused = [a for a in _audit(reg) if a["what"] == "report_refused"]
    assert len(refused) == 1 and refused[0]["who"] == "良庄镇" and refused[0]["item"] == "M-1"


def test_fifty_reports_a_day_by_default_even_when_sent_at_once(tmp_path):
    """No `platform` in the settings: 50 a unit a day. 60 reports sent by 6 clients of one unit at once: exactly
    50 are kept (201), 10 refused (429). The count is checked again under the inbox's lock, so reports checked
    before the others were written do not slip past the limit."""
    reg, pw = _office(tmp_path)
    srv = Server(reg)
    answers: list[int] = []
    try:
        clients = [_signed_in(srv.port, "良庄镇", pw["良庄镇"]) for _ in range(6)]
        start = threading.Barrier(6)

        def send(c, i):
            start.wait()
            for k in range(10):
                answers.append(c.api("POST", "/api/items/M-1/reports", {"type": "反馈", "note": f"{i}-{k}"})[0])

        threads = [threading.Thread(target=send, args=(c, i)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        srv.close()
    assert sorted(answers) == [201] * 50 + [429] * 10
    assert len([r for r in _reports(reg) if r["act"] == "report"]) == 50


def test_nought_is_no_limit(tmp_path):
    """platform.reports_per_day: 0 (as bench/bench_platform.py sets it): 55 reports of one unit, all kept."""
    reg, pw = _office(tmp_path, "platform:\n  reports_per_day: 0\n")
    srv = Server(reg)
    try:
        c = _signed_in(srv.port, "良庄镇", pw["良庄镇"])
        got = [c.api("POST", "/api/items/M-1/reports", {"type": "反馈", "note": f"第{k}次"})[0] for k in range(55)]
    finally:
        srv.close()
    assert got == [201] * 55


def test_a_unit_sends_at_most_the_days_megabytes_of_attachments(tmp_path):
    """platform.attachments_mb_per_day: 1. A 600 KB attachment is kept; a second, different 600 KB one would make
    1200 KB > 1024 KB: 429, and its file is not written to the archive. A report without an attachment still
    goes. Before, every attachment was stored: ten 10 MB files a minute would fill the disk."""
    reg, pw = _office(tmp_path, "platform:\n  attachments_mb_per_day: 1\n")
    srv = Server(reg)
    try:
        c = _signed_in(srv.port, "良庄镇", pw["良庄镇"])
        first = _png(600 * 1024, 1)
        got, _, data = c.upload("/api/items/M-1/reports", {"type": "反馈", "note": "附件一"}, (first, "image/png", "a.png"))
        assert got == 201, data
        got, _, data = c.upload("/api/items/M-1/reports", {"type": "反馈", "note": "附件二"},
                                (_png(600 * 1024, 2), "image/png", "b.png"))
        assert got == 429, data
        assert data["field"] == "attachment" and "每个单位每天1 MB 的限额" in data["error"]
        assert "已有0.6 MB" in data["error"] and "这个附件（0.6 MB）" in data["error"]  # 600 KB = 0.59 MB
        assert c.api("POST", "/api/items/M-1/reports", {"type": "反馈", "note": "无附件"})[0] == 201
    finally:
        srv.close()
    assert _stored(reg) == [hashlib.sha256(first).hexdigest() + ".png"]
    assert [r["note"] for r in _reports(reg) if r["act"] == "report"] == ["附件一", "无附件"]
    assert any(a["what"] == "report_refused" and a["field"] == "attachment" for a in _audit(reg))


def test_an_attachment_is_refused_when_the_archives_disk_would_keep_less_than_the_floor(tmp_path, monkeypatch):
    """The archive's filesystem has 1024 MB + 3 MB free (disk_usage monkeypatched): a 4 MB attachment would leave
    less than the default floor of 1024 MB: 507 in Chinese, nothing stored, nothing in the inbox, audited. A
    2 MB one leaves 1025 MB: kept. Before, the platform wrote until the disk was full."""
    reg, pw = _office(tmp_path)
    asked = []

    def disk_usage(path):
        asked.append(os.fspath(path))
        return types.SimpleNamespace(total=100 * 1024 * MB, used=0, free=1024 * MB + 3 * MB)

    srv = Server(reg)
    try:
        c = _signed_in(srv.port, "良庄镇", pw["良庄镇"])
        monkeypatch.setattr(shutil, "disk_usage", disk_usage)
        got, _, data = c.upload("/api/items/M-1/reports", {"type": "反馈", "note": "大附件"},
                                (_png(4 * MB, 1), "image/png", "big.png"))
        assert got == 507, data
        assert "存储空间不足" in data["error"] and "1024 MB" in data["error"] and "没有保存" in data["error"]
        assert _stored(reg) == [] and not [r for r in _reports(reg) if r["act"] == "report"]
        small = _png(2 * MB, 2)
        assert c.upload("/api/items/M-1/reports", {"type": "反馈", "note": "小附件"}, (small, "image/png", "s.png"))[0] == 201
    finally:
        srv.close()
    archive = reg / "archive"
    assert asked and all(archive.resolve().is_relative_to(os.path.realpath(p)) for p in asked)  # its own disk
    assert _stored(reg) == [hashlib.sha256(small).hexdigest() + ".png"]
    assert any(a["what"] == "report_refused" and "存储空间不足" in a["why"] for a in _audit(reg))


def test_the_sign_in_origin_is_the_same_scheme_name_and_port(tmp_path):
    """Host 127.0.0.1:<port> over http: only the Origin http://127.0.0.1:<port> is this site. http://127.0.0.1 is
    port 80's site and https://127.0.0.1:<port> another scheme (RFC 6454): both 403. Before, an Origin without a
    port was taken for this site. http://127.0.0.1:80 against Host 127.0.0.1:80 is the same site (80 written or not)."""
    reg, pw = _office(tmp_path)
    srv = Server(reg)
    port = srv.port
    try:
        for host, origin, want in ((f"127.0.0.1:{port}", f"http://127.0.0.1:{port}", 200),
                                   (f"127.0.0.1:{port}", "http://127.0.0.1", 403),
                                   (f"127.0.0.1:{port}", f"https://127.0.0.1:{port}", 403),
                                   (f"127.0.0.1:{port}", f"ftp://127.0.0.1:{port}", 403),
                                   ("127.0.0.1:80", "http://127.0.0.1", 200),
                                   ("127.0.0.1", "http://127.0.0.1:80", 200),
                                   ("127.0.0.1", "http://127.0.0.1:8600", 403)):
            got, _, data = Client(port, host).api("POST", "/api/login", {"name": "良庄镇", "password": pw["良庄镇"]},
                                                  csrf=False, headers={"Origin": origin})
            assert got == want, (host, origin, data)
            if want == 403:
                assert data["error"] == "登录请求来自其他网站，已拒绝。"
    finally:
        srv.close()


def test_behind_the_proxy_the_origin_is_the_forwarded_scheme_and_its_default_port(tmp_path):
    """--proxy --name dudao.example.gov.cn; nginx passes Host without a port and X-Forwarded-Proto: https. The
    browser's Origin https://dudao.example.gov.cn (port 443) is the site; http://dudao.example.gov.cn (port 80,
    plain http, where anyone on the path can write the page) is not. Before, both were accepted."""
    reg, pw = _office(tmp_path)
    srv = Server(reg, names=("dudao.example.gov.cn",), proxy=True)
    try:
        for origin, want in (("https://dudao.example.gov.cn", 200), ("https://dudao.example.gov.cn:443", 200),
                             ("http://dudao.example.gov.cn", 403), ("https://dudao.example.gov.cn:8443", 403)):
            got, h, _ = Client(srv.port, "dudao.example.gov.cn").api(
                "POST", "/api/login", {"name": "良庄镇", "password": pw["良庄镇"]}, csrf=False,
                headers={"Origin": origin, "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.7"})
            assert got == want, origin
            if want == 200:
                assert h["set-cookie"].startswith("__Host-docgen_session=")  # the https answer, as forwarded
    finally:
        srv.close()


def test_an_attachment_changed_in_the_archive_is_not_served(tmp_path):
    """The stored attachment's bytes are replaced (its file made writable first, as someone with the archive's
    folder could): GET /attachments/<sha256> is 410 with a Chinese page naming the report, and an audit line.
    Before, the changed bytes were served under the report's name as what the unit sent."""
    reg, pw = _office(tmp_path)
    srv = Server(reg)
    try:
        c = _signed_in(srv.port, "良庄镇", pw["良庄镇"])
        sent = _png(4096, 7)
        got, _, data = c.upload("/api/items/M-1/reports", {"type": "办结", "note": "办结材料"}, (sent, "image/png", "x.png"))
        assert got == 201, data
        n = data["id"]
        sha = hashlib.sha256(sent).hexdigest()
        got, _, body = c.request("GET", f"/attachments/{sha}")
        assert got == 200 and body == sent
        f = reg / "archive" / "inbox" / sha[:2] / sha[2:4] / f"{sha}.png"
        f.chmod(0o644)
        f.write_bytes(_png(4096, 8))
        got, h, body = c.request("GET", f"/attachments/{sha}")
        assert got == 410 and h["content-type"].startswith("text/html")
        text = body.decode("utf-8")
        assert f"第{n}号报送的附件在归档中已被改动" in text and "docgen archive verify" in text
        assert b"\x89PNG" not in body
    finally:
        srv.close()
    bad = [a for a in _audit(reg) if a["what"] == "attachment_mismatch"]
    assert len(bad) == 1 and bad[0]["who"] == "良庄镇" and bad[0]["sha256"] == sha and bad[0]["id"] == n


def _wsgi(app, method, path, cookie="", obj=None, csrf=""):
    """One request to the WSGI application itself (no server): status, headers, JSON."""
    import io
    from wsgiref.util import setup_testing_defaults

    body = json.dumps(obj or {}).encode() if method == "POST" else b""
    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "REQUEST_URI": path, "HTTP_HOST": "127.0.0.1:8600",
           "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
           "REMOTE_ADDR": "127.0.0.1", **({"HTTP_COOKIE": cookie} if cookie else {}),
           **({"HTTP_X_CSRF_TOKEN": csrf} if csrf else {})}
    setup_testing_defaults(env)
    out = {}

    def start_response(status, headers):
        out["status"], out["headers"] = int(status.split()[0]), dict(headers)

    data = b"".join(app(env, start_response))
    return out["status"], out["headers"], json.loads(data) if data else None


def test_signed_out_sessions_are_forgotten_once_their_cookies_have_expired(tmp_path):
    """A signs out at 09:00, B signs in at 18:00 (9 hours later: A's cookie, 8 hours long, has expired) and signs
    out: only B's session is still listed as signed out; both cookies stay refused (A's by its expiry). Before,
    the list kept every session signed out since the server started."""
    from docgen.platform.server import Platform

    reg, pw = _office(tmp_path)
    now = [dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone.utc)]
    app = Platform(reg, today=lambda: dt.date(2026, 11, 20), clock=lambda: now[0])

    def sign_in(name):
        got, h, data = _wsgi(app, "POST", "/api/login", obj={"name": name, "password": pw[name]})
        assert got == 200, data
        return h["Set-Cookie"].split(";")[0], data["csrf"]

    a = sign_in("良庄镇")
    assert _wsgi(app, "POST", "/api/logout", a[0], csrf=a[1])[0] == 200
    assert len(app.revoked) == 1
    assert _wsgi(app, "GET", "/api/items", a[0])[0] == 401  # signed out
    now[0] += dt.timedelta(hours=9)
    b = sign_in("财政金融部")
    assert _wsgi(app, "GET", "/api/items", b[0])[0] == 200
    assert _wsgi(app, "POST", "/api/logout", b[0], csrf=b[1])[0] == 200
    assert len(app.revoked) == 1  # B's; A's entry went with its cookie's expiry
    assert _wsgi(app, "GET", "/api/items", a[0])[0] == 401 and _wsgi(app, "GET", "/api/items", b[0])[0] == 401


@pytest.mark.parametrize("text,field", [("platform:\n  reports_per_day: -1\n", "reports_per_day"),
                                        ("platform:\n  min_free_mb: 一千\n", "min_free_mb"),
                                        ("platform:\n  per_day: 5\n", "per_day")])
def test_a_wrong_platform_setting_is_named_with_its_line(tmp_path, run, text, field):
    """settings.yaml's platform section is checked like the rest: file, line (the section starts at line 12 of
    MINI_SETTINGS + it, the field is on line 13), field, in Chinese, exit 2."""
    reg = write_registers(tmp_path / "r", {"settings.yaml": MINI_SETTINGS + text, "meetings/m.yaml": MEETING})
    code, out, err = run("-r", str(reg), "check")
    assert code == 2 and "Traceback" not in err
    assert "settings.yaml:13" in err and field in err, err
