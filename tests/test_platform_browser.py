"""The platform in a real headless Chromium (Debian's chromium and chromium-driver, driven by selenium) with
JavaScript switched off: a unit signs in, signs for its 交办单, reports completion with a PDF; the clerk accepts
both; the item then shows 已办结待核查. Screenshots of each page go to docs/pages/platform-*.png."""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sys

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import QUICK_SOFFICE, ROOT, docgen
from test_platform import ITEM, PDF, SLIP, Server, add_account

DAY = dt.date(2026, 11, 20)
PAGES = ROOT / "docs" / "pages"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    d = tmp_path_factory.mktemp("platform-browser")
    soffice = d / "soffice"
    soffice.write_text(f"#!{sys.executable}\n" + QUICK_SOFFICE, encoding="utf-8")
    soffice.chmod(0o755)
    reg = d / "registers"
    shutil.copytree(ROOT / "registers", reg)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCGEN_SOFFICE", str(soffice))
        p = docgen(["-r", reg, "-o", d / "out", "build", "--on", DAY.isoformat()])
    assert p.returncode == 0, p.stderr
    pw = {"良庄镇": add_account(reg, "良庄镇"), "王芳": add_account(reg, "--clerk", "王芳")}
    srv = Server(reg)
    yield {"reg": reg, "pw": pw, "url": f"http://127.0.0.1:{srv.port}", "dir": d}
    srv.close()


@pytest.fixture(scope="module")
def nojs():
    """Chromium with JavaScript off: every form must work without it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1100"):
        o.add_argument(a)
    o.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    yield d
    d.quit()


def sign_in(b, office, name):
    b.delete_all_cookies()
    b.get(office["url"] + "/login")
    b.find_element(By.ID, "name").send_keys(name)
    b.find_element(By.ID, "password").send_keys(office["pw"][name])
    submit(b, By.CSS_SELECTOR, "form.login button")
    assert b.current_url == office["url"] + "/items"


def submit(b, by, what):
    """Click a submit button and wait for the next page (a form post is a page load: no script here).

    The old page is gone once its <html> is no longer in the document. Chromium says so as a stale element, or,
    when it is asked while the new document is replacing the old one, as "Node with given id does not belong to
    the document" (an unknown error to selenium: CI saw it once in EC.staleness_of); both mean the page changed."""
    page = b.find_element(By.TAG_NAME, "html")
    b.find_element(by, what).click()

    def replaced(_):
        try:
            page.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if "does not belong to the document" in (e.msg or ""):
                return True
            raise
        return False

    WebDriverWait(b, 30).until(replaced)


def shot(b, name):
    PAGES.mkdir(exist_ok=True)
    b.save_screenshot(str(PAGES / f"platform-{name}.png"))


def errors(b) -> list[str]:
    return [e["message"] for e in b.get_log("browser") if e["level"] == "SEVERE"]


def test_a_unit_signs_for_reports_completion_and_the_clerk_accepts(office, nojs, tmp_path):
    b = nojs
    b.get(office["url"] + "/items")
    assert b.current_url == office["url"] + "/login"  # signed out: only the sign-in page
    shot(b, "login")
    sign_in(b, office, "良庄镇")
    rows = b.find_elements(By.CSS_SELECTOR, "#items tbody tr")
    assert len(rows) == 7  # the seven items naming 良庄镇, its Q3 专报 among them (tests/test_platform.py: LIANGZHUANG)
    shot(b, "items")
    submit(b, By.LINK_TEXT, "按《关于立即开展秋冬季秸秆禁烧巡查的通知》要求办理并上报办理结果")
    assert b.find_element(By.ID, "state").text == "逾期·红"

    Select(b.find_element(By.ID, "type")).select_by_visible_text("签收")
    Select(b.find_element(By.ID, "slip")).select_by_visible_text(SLIP)
    b.find_element(By.ID, "by").send_keys("邓超")
    submit(b, By.ID, "send")
    assert "已报送（第1号），待泰安高新区管委会督导工作专班审核" in b.find_element(By.ID, "sent").text

    pdf = tmp_path / "办结报告.pdf"
    pdf.write_bytes(PDF)
    Select(b.find_element(By.ID, "type")).select_by_visible_text("办结")
    b.find_element(By.ID, "note").send_keys("三级网格责任已落实，巡查记录已补齐")
    b.find_element(By.ID, "attachment").send_keys(str(pdf))
    submit(b, By.ID, "send")
    assert "已报送（第2号）" in b.find_element(By.ID, "sent").text, b.page_source[-3000:]
    cells = [r.text for r in b.find_elements(By.CSS_SELECTOR, "#reports tbody tr")]
    assert cells == [f"1 2026年11月20日 良庄镇 签收 {SLIP}（签收人：邓超） 待审核",
                     "2 2026年11月20日 良庄镇 办结 三级网格责任已落实，巡查记录已补齐 附件 待审核"]
    assert b.find_element(By.ID, "state").text == "逾期·红"  # nothing changes before the clerk accepts
    shot(b, "report")

    sign_in(b, office, "王芳")
    b.get(office["url"] + "/inbox")
    assert len(b.find_elements(By.CSS_SELECTOR, "#pending tbody tr")) == 2
    shot(b, "inbox")
    submit(b, By.ID, "accept-1")
    assert b.find_element(By.ID, "done").text == "第1号报送已审核。"
    submit(b, By.ID, "accept-2")
    assert "没有待审核的报送。" in b.page_source

    sign_in(b, office, "良庄镇")
    b.get(office["url"] + "/items/" + ITEM)
    assert b.find_element(By.ID, "state").text == "已办结待核查"
    history = [li.text for li in b.find_elements(By.CSS_SELECTOR, ".history li")]
    assert history[-2:] == [f"2026年11月20日 签收{SLIP}（邓超）", "2026年11月20日 办结 三级网格责任已落实，巡查记录已补齐"]
    shot(b, "accepted")
    assert errors(b) == []
    text = (office["reg"] / "progress" / "online-2026.yaml").read_text(encoding="utf-8")
    assert f'  - {{item: "{ITEM}", date: 2026-11-20, type: 签收, slip: "{SLIP}", by: "邓超"}}\n' in text
    sha = hashlib.sha256(PDF).hexdigest()
    assert f"采纳；附件在归档的 inbox/{sha[:2]}/{sha[2:4]}/{sha}.pdf\n" in text  # the completion's PDF, for the clerk
    assert docgen(["-r", office["reg"], "check"]).returncode == 0
