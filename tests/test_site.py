"""The status board (实时调阅) in a real headless Chromium (Debian's chromium and chromium-driver, driven by
selenium): pages load without console errors, search and filters change what is shown, every link resolves."""
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import write_registers, docgen
from examples import DAILY_REGS as REGS

DOCGEN = [sys.executable, "-m", "docgen"]


def cli(reg, out, *args):
    return docgen(["-r", reg, "-o", out, *args])


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    root = tmp_path_factory.mktemp("board")
    reg = write_registers(root / "r", REGS)
    out = root / "out"
    for args in (("assign", "--on", "2026-11-10"), ("site", "--on", "2026-11-17"),
                 ("site", "--on", "2026-11-17", "--unit", "财政金融部")):
        p = cli(reg, out, *args)
        assert p.returncode == 0, (args, p.stderr)
    return out


def visible_rows(browser):
    return [r for r in browser.find_elements(By.CSS_SELECTOR, "#items tbody tr") if r.is_displayed()]


def test_every_page_loads_without_console_errors(board, browser):
    pages = sorted(board.joinpath("site").rglob("*.html")) + sorted(board.joinpath("site-财政金融部").rglob("*.html"))
    # the overview, 3 lead units, 4 items; and the unit's own board: its index and its one item
    assert len(pages) == 1 + 3 + 4 + 2
    for p in pages:
        browser.get(p.as_uri())
        assert browser.title.endswith("泰安高新区管委会督导工作专班"), p
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], (p, errors)


def test_search_and_filters_change_what_is_shown(board, browser):
    browser.get((board / "site" / "index.html").as_uri())
    assert len(visible_rows(browser)) == 4
    assert browser.find_element(By.ID, "shown").text == "显示 4 / 4 项"
    q = browser.find_element(By.ID, "q")
    q.send_keys("甲项目")
    rows = visible_rows(browser)
    assert [r.find_elements(By.TAG_NAME, "td")[2].text for r in rows] == ["推进甲项目开工建设"]
    q.clear()
    q.send_keys("督交〔2026〕3号")  # a slip number finds its item
    assert [r.find_elements(By.TAG_NAME, "td")[3].text for r in visible_rows(browser)] == ["良庄镇"]
    q.clear()
    browser.execute_script("document.getElementById('q').dispatchEvent(new Event('input'))")
    Select(browser.find_element(By.ID, "unit")).select_by_visible_text("经济发展部")
    assert sorted(r.find_elements(By.TAG_NAME, "td")[2].text for r in visible_rows(browser)) == \
        ["=SUM(1,2)丁项目前期手续", "推进甲项目开工建设"]
    Select(browser.find_element(By.ID, "state")).select_by_visible_text("逾期")
    assert [r.find_elements(By.TAG_NAME, "td")[2].text for r in visible_rows(browser)] == ["推进甲项目开工建设"]
    assert "lv-red" in visible_rows(browser)[0].get_attribute("class")  # in its warning colour


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v:
                self.links.append(v)


def test_every_link_resolves_and_nothing_is_fetched_from_the_network(board):
    checked = 0
    for site in ("site", "site-财政金融部"):
        for p in board.joinpath(site).rglob("*"):
            if p.suffix not in (".html", ".css", ".js"):
                continue
            text = p.read_text(encoding="utf-8")
            assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text), p  # no CDN, no network
            if p.suffix != ".html":
                continue
            parser = Links()
            parser.feed(text)
            for link in parser.links:
                if link == "#":
                    continue
                target = (p.parent / unquote(link)).resolve()
                assert target.exists(), (p, link)
                checked += 1
    assert checked > 40


def test_item_page_has_its_whole_history_with_the_archived_slip(board, browser):
    index = (board / "site" / "index.html").as_uri()
    browser.get(index)
    browser.find_element(By.LINK_TEXT, "推进甲项目开工建设").click()
    history = [li.text for li in browser.find_elements(By.CSS_SELECTOR, ".history li")]
    assert history == ["2026年11月2日 交办 2026年第20次主任办公会（2026年11月2日）议定事项",
                       "2026年11月10日 出具交办单 督交〔2026〕1号",
                       "2026年11月11日 签收督交〔2026〕1号（孙伟）"]
    link = browser.find_element(By.LINK_TEXT, "督交〔2026〕1号").get_attribute("href")
    assert link.endswith(".pdf") and Path(unquote(link.removeprefix("file://"))).read_bytes().startswith(b"%PDF-")
    assert "已逾期5天" in browser.find_element(By.CSS_SELECTOR, "table.facts").text


def test_a_unit_board_shows_only_that_unit(board):
    site = board / "site-财政金融部"
    pages = list(site.rglob("*.html"))
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "做好乙项目资金保障" in text
    for other in ("推进甲项目开工建设", "落实丙村秸秆禁烧巡查", "经济发展部", "良庄镇"):
        assert other not in text, other


def test_serve_previews_the_board_on_localhost_only(board):
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen(DOCGEN + ["-o", str(board), "serve", "--port", str(port)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(50):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(p.stderr.read() if p.poll() is not None else "no answer")
        assert "督办事项调阅" in body
    finally:
        p.terminate()
        p.wait(timeout=10)


def test_register_text_is_text_on_the_board(tmp_path):
    """Whatever a clerk types shows as text: markup in an item is escaped, and the page file is named by a hash."""
    regs = {"meetings/m.yaml": """\
        meetings:
          - id: MX
            kind: 主任办公会
            title: 2026年第9次主任办公会
            date: 2026-11-02
            items:
              - {id: "X/../../evil", text: "<script>alert(1)</script>核实\\"账目\\"&整改", lead: 经济发展部}
        """}
    reg = write_registers(tmp_path / "r", regs)
    out = tmp_path / "out"
    p = cli(reg, out, "site", "--on", "2026-11-17")
    assert p.returncode == 0, p.stderr
    pages = list((out / "site").rglob("*.html"))
    assert all(p.resolve().is_relative_to((out / "site").resolve()) for p in pages)
    html = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not any("evil" in p.name for p in pages)
