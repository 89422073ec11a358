"""`docgen serve` (issue 15): the board's folder and nothing else, through real HTTP to the real command (a
subprocess on a free port), with explicit Host headers and raw requests for what http.client would not send."""
import http.client
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By

from conftest import write_registers
from examples import DAILY_REGS as REGS

DOCGEN = [sys.executable, "-m", "docgen"]
HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY",
           "cache-control": "no-store"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")
SLIP_1 = "pdf/2026/交办单/督交〔2026〕1号.pdf"  # A's 交办单, the first number given on 11/10


def cli(reg, out, *args):
    return subprocess.run(DOCGEN + ["-r", str(reg), "-o", str(out), *args], capture_output=True, text=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(out: Path, *args, addr="127.0.0.1"):
    """docgen serve on a free port; returns (process, port) once it answers on addr."""
    port = free_port()
    p = subprocess.Popen(DOCGEN + ["-o", str(out), "serve", "--port", str(port), *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        try:
            with socket.create_connection((addr, port), timeout=1):
                return p, port
        except OSError:
            if p.poll() is not None:
                raise AssertionError(p.stderr.read())
            time.sleep(0.1)
    p.kill()
    raise AssertionError("docgen serve does not answer")


@pytest.fixture(scope="module")
def outdir(tmp_path_factory):
    """The output folder as a day leaves it: slips, batches, the SMS outbox, the boards; and (as in the demo
    layout, where the output folder sits beside them) a copy of the registers inside it."""
    root = tmp_path_factory.mktemp("serve")
    out = root / "out"
    reg = write_registers(out / "registers", REGS)
    for args in (("assign", "--on", "2026-11-10"), ("remind", "--on", "2026-11-20"), ("site", "--on", "2026-11-17"),
                 ("site", "--on", "2026-11-17", "--unit", "财政金融部")):
        p = cli(reg, out, *args)
        assert p.returncode == 0, (args, p.stderr)
    assert (out / "outbox" / "2026-11-20.csv").read_text(encoding="utf-8").count("1390538100") >= 1
    outside = root / "secret.html"
    outside.write_text("名单与手机号", encoding="utf-8")
    (out / "site" / "items" / "leak.html").symlink_to(outside)
    (out / "site" / "leak").symlink_to(out / "outbox", target_is_directory=True)
    return out


@pytest.fixture(scope="module")
def server(outdir):
    p, port = start(outdir)
    yield port
    p.terminate()
    p.wait(timeout=10)


def get(port, path, host=None, method="GET", addr="127.0.0.1", timeout=10):
    c = http.client.HTTPConnection(addr, port, timeout=timeout)
    c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    c.putheader("Host", host or f"127.0.0.1:{port}")
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def raw(port, request: bytes) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def assert_safe_headers(h):
    for k, v in HEADERS.items():
        assert h.get(k) == v, (k, h)


@pytest.mark.parametrize("path", ["/", "/index.html"])
def test_the_overview_is_served_with_safe_headers(server, path):
    status, h, body = get(server, path)
    assert status == 200
    assert "泰安高新区管委会督导工作专班督办事项调阅" in body.decode("utf-8")
    assert h["content-type"] == "text/html; charset=utf-8"
    assert h["content-security-policy"] == CSP
    assert_safe_headers(h)


def test_assets_and_the_linked_slip_pdf_are_served(server, outdir):
    status, h, body = get(server, "/assets/board.css")
    assert (status, h["content-type"]) == (200, "text/css; charset=utf-8")
    assert body == (outdir / "site" / "assets" / "board.css").read_bytes()
    status, h, _ = get(server, "/assets/board.js")
    assert (status, h["content-type"]) == (200, "text/javascript; charset=utf-8")
    # A's item page links its 交办单 inside the board, and that link is served
    page = next(p for p in (outdir / "site" / "items").glob("*.html")
                if "推进甲项目开工建设" in p.read_text(encoding="utf-8"))
    href = "../" + "/".join(quote(x) for x in SLIP_1.split("/"))
    assert f'href="{href}"' in page.read_text(encoding="utf-8")
    status, h, body = get(server, "/" + "/".join(quote(x) for x in SLIP_1.split("/")))
    assert (status, h["content-type"]) == (200, "application/pdf")
    assert body.startswith(b"%PDF-")
    assert_safe_headers(h)
    status, h, body = get(server, "/index.html", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(h["content-length"]) == (outdir / "site" / "index.html").stat().st_size


@pytest.mark.parametrize("path", [
    "/outbox/2026-11-20.csv", "/../outbox/2026-11-20.csv", "/%2e%2e/outbox/2026-11-20.csv",
    "/%2E%2E/%2E%2E/out/outbox/2026-11-20.csv", "/site/../outbox/2026-11-20.csv", "/registers/units.yaml",
    "/../registers/units.yaml", "/slips/", "/slips/" + quote("交办单/督交〔2026〕1号.pdf"), "/batches/",
    "/items/", "/items", "/assets/", "/pdf/", "/site/index.html", "//etc/passwd", "/items/leak.html",
    "/leak/2026-11-20.csv", "/.", "/%00index.html", "/..%5c..%5coutbox%5c2026-11-20.csv", "/%ff.html"])
def test_nothing_but_the_board_is_served_and_no_listing(server, path):
    status, h, body = get(server, path)
    assert status == 404, (path, body[:200])
    assert "1390538100" not in body.decode("utf-8", "replace") and b"<a href" not in body
    assert_safe_headers(h)


def test_raw_requests_cannot_leave_the_folder(server):
    for target in (b"/../outbox/2026-11-20.csv", b"/..\\outbox\\2026-11-20.csv", b"/items/../../outbox/2026-11-20.csv",
                   b"../outbox/2026-11-20.csv", b"/%2e%2e%2foutbox%2f2026-11-20.csv"):
        status, body = raw(server, b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        assert status in (400, 404), (target, status)
        assert b"1390538100" not in body


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example", "localhost:x",
                                  "[::2]:{port}", ""])
def test_a_foreign_host_header_is_refused(server, host):
    status, h, _ = get(server, "/index.html", host=host.format(port=server) or " ")
    assert status == 400
    assert_safe_headers(h)


def test_no_host_header_is_refused(server):
    status, _ = raw(server, b"GET /index.html HTTP/1.0\r\n\r\n")
    assert status == 400


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}", "localhost", "127.0.0.1"])
def test_the_local_names_are_accepted(server, host):
    status, _, _ = get(server, "/index.html", host=host.format(port=server))
    assert status == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_only_get_and_head(server, method):
    status, h, _ = get(server, "/index.html", method=method)
    assert status == 405
    assert h["allow"] == "GET, HEAD"


def test_a_unit_board_serves_that_unit_only(outdir):
    p, port = start(outdir, "--unit", "财政金融部")
    try:
        status, _, body = get(port, "/")
        assert status == 200 and "做好乙项目资金保障" in body.decode("utf-8")
        assert get(port, "/units/")[0] == 404
        assert get(port, "/../site/index.html")[0] == 404
    finally:
        p.terminate()
        p.wait(timeout=10)


def test_port_in_use_is_a_chinese_error(outdir):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        p = subprocess.run(DOCGEN + ["-o", str(outdir), "serve", "--port", str(port)], capture_output=True,
                           text=True, timeout=30)
    assert p.returncode == 2
    assert f"端口 {port} 已被占用" in p.stderr and "Traceback" not in p.stderr


def test_another_host_is_warned_about(outdir):
    p, port = start(outdir, "--host", "0.0.0.0")
    try:
        assert get(port, "/")[0] == 200
    finally:
        p.terminate()
        _, err = p.communicate(timeout=10)
    assert "其他人也能看到看板" in err


def test_blank_or_unknown_unit_is_refused(outdir, run):
    before = sorted(p.name for p in outdir.iterdir())
    for cmd in (["site", "--on", "2026-11-17"], ["serve"]):
        rc, _, err = run("-r", str(outdir / "registers"), "-o", str(outdir), *cmd, "--unit", "")
        assert rc == 2 and "--unit 不能为空" in err, (cmd, err)
    rc, _, err = run("-r", str(outdir / "registers"), "-o", str(outdir), "site", "--on", "2026-11-17", "--unit", "财政金融")
    assert rc == 2 and "没有单位「财政金融」，是否想写「财政金融部」？" in err
    rc, _, err = run("-o", str(outdir), "serve", "--unit", "财政金融")
    assert rc == 2 and "先运行 docgen site --unit 财政金融，是否想写「财政金融部」？" in err
    assert sorted(p.name for p in outdir.iterdir()) == before  # no site-_ nor anything else


def test_the_board_folder_works_alone(outdir, tmp_path):
    """Copied elsewhere (a share, a mail to the unit), every page's links still resolve: the PDFs are inside."""
    copy = tmp_path / "board"
    shutil.copytree(outdir / "site-财政金融部", copy)
    pdfs = list(copy.rglob("*.pdf"))
    assert [p.name for p in pdfs] == ["督交〔2026〕2号.pdf"]  # B's 交办单, the unit's one item
    assert pdfs[0].read_bytes().startswith(b"%PDF-")
    for page in copy.rglob("*.html"):
        for href in re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8")):
            from urllib.parse import unquote
            assert (page.parent / unquote(href)).resolve().is_relative_to(copy), (page, href)
            assert (page.parent / unquote(href)).exists(), (page, href)


# --- in Chromium: the served board works under its Content-Security-Policy ---

def test_the_served_board_runs_under_its_csp_in_chromium(server, outdir, browser):
    d = browser
    pages = ["/"] + [f"/{p.relative_to(outdir / 'site').as_posix()}"
                     for p in sorted((outdir / "site").rglob("*.html")) if not p.is_symlink()]
    assert len(pages) == 1 + 1 + 3 + 4
    for path in pages:
        d.get(f"http://127.0.0.1:{server}{path}")
        assert d.title.endswith("泰安高新区管委会督导工作专班"), path
        log = d.get_log("browser")  # the browser's own ask for /favicon.ico included: 204, no error
        assert not [e for e in log if "Content Security Policy" in e["message"] or e["level"] == "SEVERE"], \
            (path, log)
        # board.css applied: h1 { color: #c00 }
        assert d.execute_script("return getComputedStyle(document.querySelector('h1')).color") == "rgb(204, 0, 0)"
    d.get(f"http://127.0.0.1:{server}/")
    assert d.find_element(By.ID, "shown").text == "显示 4 / 4 项"  # written by board.js
    d.find_element(By.ID, "q").send_keys("甲项目")
    assert d.find_element(By.ID, "shown").text == "显示 1 / 4 项"
    assert not [e for e in d.get_log("browser") if "Content Security Policy" in e["message"]]
    d.find_element(By.LINK_TEXT, "推进甲项目开工建设").click()
    d.find_element(By.LINK_TEXT, "督交〔2026〕1号").click()  # the slip, from the board's own pdf/
    assert d.current_url == f"http://127.0.0.1:{server}/" + "/".join(quote(x) for x in SLIP_1.split("/"))
    assert d.execute_script("return document.contentType") == "application/pdf"
    assert not d.get_log("browser")


def test_the_pdf_copies_are_written_once_and_follow_the_links(outdir, tmp_path, run):
    copy = tmp_path / "out"
    shutil.copytree(outdir, copy, symlinks=True)  # times kept, as on the day after
    site = ["-r", str(copy / "registers"), "-o", str(copy), "site", "--on", "2026-11-17"]
    rc, out, err = run(*site)
    assert rc == 0, err
    assert "写入0个文件" in out  # 8 pages (overview, 3 units, 4 items), 2 assets, 3 PDFs (A, B, L)
    assert "13个未变" in out
    (copy / "site" / SLIP_1).unlink()
    (copy / "site" / "pdf" / "2026" / "交办单" / "督交〔2026〕9号.pdf").write_bytes(b"%PDF-1.7 stale")
    rc, out, _ = run(*site)
    assert "写入1个文件" in out
    assert (copy / "site" / SLIP_1).read_bytes() == (copy / "registers" / "archive" / SLIP_1.removeprefix("pdf/")).read_bytes()
    assert sorted(p.name for p in (copy / "site" / "pdf").rglob("*.pdf")) == \
        ["督交〔2026〕1号.pdf", "督交〔2026〕2号.pdf", "督交〔2026〕3号.pdf"]


# --- the attack on serve: absolute-form targets, idle connections, --host, the favicon ---

def raw_head(port, request: bytes, timeout=10) -> tuple[int, dict, bytes]:
    """A raw request; (status, headers in lower case, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return int(lines[0].split(" ", 2)[1]), headers, body


@pytest.mark.parametrize("target", [b"http://evil/index.html", b"http://evil.example:80/", b"HTTP://evil/index.html",
                                    b"http://127.0.0.1/index.html", b"http://localhost/", b"https://evil/index.html",
                                    b"evil/index.html", b"*"])
def test_an_absolute_form_target_is_refused_whatever_host_it_names(server, target):
    """RFC 9112 3.2.2: an absolute-form target names the host in place of the Host header; a browser never sends
    one to an origin server, so serve takes origin-form (/path) only."""
    for method in (b"GET", b"OPTIONS"):
        status, h, body = raw_head(server, method + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   b"Connection: close\r\n\r\n")
        assert status == 400, (target, method, status)
        assert "泰安高新区" not in body.decode("utf-8")
        assert body.decode("utf-8") == "请求有误：请求行只接受 /路径 的形式（如 GET /index.html），不接受完整网址或 *。\n"
        assert_safe_headers(h)
        assert h["content-security-policy"] == CSP


def test_the_origin_form_target_still_serves(server):
    status, h, body = raw_head(server, b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert status == 200 and "泰安高新区管委会督导工作专班督办事项调阅" in body.decode("utf-8")


def test_headers_and_bodies_are_small(server):
    # 32 KiB of headers, not yet ended: refused at once (waitress's default waits for up to 256 KiB). Exactly
    # 32 KiB, so that the server has read all that was sent when it closes (no reset).
    start = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: "
    assert raw_head(server, start + b"a" * (32768 - len(start)), timeout=3)[0] == 431
    # GET has no body; one announced over 1 KiB is refused at once, without waiting for it
    body = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000\r\nConnection: close\r\n\r\n"
    assert raw_head(server, body, timeout=3)[0] == 413
    # a browser's ordinary request with a few KiB of localhost cookies still passes
    cookies = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + b"k=v; " * 1600 + b"\r\n" \
              b"Connection: close\r\n\r\n"
    assert raw_head(server, cookies)[0] == 200


def test_idle_and_half_sent_connections_do_not_stop_the_server(outdir):
    """110 connections that never finish their request (waitress's defaults: 100 at most, kept 120 s): a normal
    request is still answered at once, and the server closes the idle ones itself after about 10 s."""
    p, port = start(outdir)
    idle = []
    try:
        for i in range(110):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            if i % 2:
                s.sendall(b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # half a request
            idle.append(s)
        time.sleep(2)
        t0 = time.monotonic()
        status, _, body = get(port, "/index.html", timeout=5)
        assert status == 200 and "泰安高新区管委会督导工作专班督办事项调阅" in body.decode("utf-8")
        assert time.monotonic() - t0 < 3
        deadline = time.monotonic() + 14  # opened ~2 s ago: channel_timeout 10 s, checked every second
        open_ = set(idle)
        while open_ and time.monotonic() < deadline:
            for s in list(open_):
                s.settimeout(0)
                try:
                    if s.recv(1024) == b"":
                        open_.discard(s)
                except BlockingIOError:
                    pass
                except OSError:  # reset: closed as well
                    open_.discard(s)
            time.sleep(0.5)
        assert not open_, f"{len(open_)} idle connections still open"
        assert get(port, "/", timeout=5)[0] == 200
    finally:
        for s in idle:
            s.close()
        p.terminate()
        p.wait(timeout=10)


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6 on this machine")
def test_an_ipv6_host_in_brackets_is_printed_once_bracketed(outdir):
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("::1 cannot be bound here")
    p, port = start(outdir, "--host", "[::1]", addr="::1")
    try:
        assert get(port, "/index.html", host=f"[::1]:{port}", addr="::1")[0] == 200
    finally:
        p.terminate()
        out, err = p.communicate(timeout=10)
    assert f"看板预览：http://[::1]:{port}/（" in out
    assert "[[" not in out and "其他人也能看到看板" not in err


def test_another_loopback_address_is_not_warned_about(outdir):
    p, port = start(outdir, "--host", "127.0.0.2", addr="127.0.0.2")
    try:
        assert get(port, "/index.html", host=f"127.0.0.2:{port}", addr="127.0.0.2")[0] == 200
    finally:
        p.terminate()
        out, err = p.communicate(timeout=10)
    assert f"看板预览：http://127.0.0.2:{port}/（" in out
    assert "警告" not in err


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("127.255.255.254", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("::", False), ("[::]", False), ("192.168.1.5", False),
    ("10.0.0.1", False), ("128.0.0.1", False), ("::ffff:192.168.1.5", False)])
def test_which_hosts_are_loopback(host, loopback):
    from docgen.outputs import serve as S
    assert S.is_loopback(host) is loopback


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_favicon_is_no_content_with_safe_headers(server, method):
    status, h, body = get(server, "/favicon.ico", method=method)
    assert (status, body) == (204, b"")
    assert h["content-security-policy"] == CSP
    assert_safe_headers(h)
    assert get(server, "/favicon.ico", host="evil.example")[0] == 400  # the Host check comes first
