import atexit
import subprocess
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

# The suite never reads or writes the user's own cache (~/.cache/docgen: font widths, templates found sound,
# LibreOffice's profiles). Each test has a cache of its own (the fixture `user_cache` below), inherited by every
# docgen process it starts; only LibreOffice's user profiles are shared by the whole run (a fresh profile costs
# LibreOffice seconds to set up and holds nothing of docgen's): the test's lo-profiles is a link to the run's.
_CACHE = tempfile.mkdtemp(prefix="docgen-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)
_PROFILES = Path(_CACHE) / "docgen" / "lo-profiles"
_PROFILES.mkdir(parents=True)

from docgen.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

MINI_SETTINGS = """\
office:
  committee: 泰安高新技术产业开发区管理委员会
  name: 泰安高新区管委会督导工作专班
  contact: 张明
  phone: 0538-8526001
  print_organ: 泰安高新区综合管理部
  cc: [党工委组织部, 纪工委]
issuers:
  - id: dudao
    name: 泰安高新区管委会督导工作专班
    prefixes: {assign: 督交, urge: 督催, rectify: 督改}
"""

MINI_UNITS = """\
units:
  - {name: 经济发展部, contact: 孙伟, mobile: "13905381002"}
  - {name: 财政金融部, contact: 周敏, mobile: "13905381003"}
  - {name: 良庄镇, contact: 邓超}
"""


def fake_today(monkeypatch, day):
    """docgen's clock (cli's dt.date.today) set to `day`: `check` has no --on, it looks from today (and derives the
    recurring work through today's year, registers/recurring.py)."""
    import datetime as dt
    import types

    from docgen import cli

    class Day(dt.date):
        @classmethod
        def today(cls):
            return cls(day.year, day.month, day.day)

    fake = types.ModuleType("datetime")
    fake.__dict__.update(dt.__dict__)
    fake.date = Day
    monkeypatch.setattr(cli, "dt", fake)


def write_registers(root: Path, files: dict[str, str]) -> Path:
    """A registers folder with the given files (texts are dedented); settings and units default to MINI_*."""
    root.mkdir(parents=True, exist_ok=True)
    base = {"settings.yaml": MINI_SETTINGS, "units.yaml": MINI_UNITS}
    base.update(files)
    for rel, text in base.items():
        if text is None:
            continue
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def user_cache(tmp_path_factory, monkeypatch):
    """This test's own user cache ($XDG_CACHE_HOME), empty but for the link to the run's LibreOffice profiles."""
    cache = tmp_path_factory.mktemp("cache")
    (cache / "docgen").mkdir()
    (cache / "docgen" / "lo-profiles").symlink_to(_PROFILES, target_is_directory=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache / "docgen"


@pytest.fixture
def run(capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""

    def _run(*args):
        rc = main(list(args))
        out = capsys.readouterr()
        return rc, out.out, out.err

    return _run


@pytest.fixture
def example_registers(tmp_path):
    dst = tmp_path / "registers"
    shutil.copytree(ROOT / "registers", dst)
    return dst


@pytest.fixture(scope="module")
def example_registers_module(tmp_path_factory):
    dst = tmp_path_factory.mktemp("reg") / "registers"
    shutil.copytree(ROOT / "registers", dst)
    return dst


QUICK_SOFFICE = """\
import pathlib, sys
from pypdf import PdfWriter
args = sys.argv[1:]
i = args.index("--outdir")
out = pathlib.Path(args[i + 1])
for a in args[i + 2:]:
    w = PdfWriter()
    w.add_blank_page(595, 842)
    with open(out / (pathlib.Path(a).stem + ".pdf"), "wb") as f:
        w.write(f)
"""


@pytest.fixture
def quick_pdf(tmp_path_factory, monkeypatch):
    """For tests about numbers and records, not pages: LibreOffice replaced by a program that makes each .docx a
    one-page blank PDF (a real PDF that merges into print batches), so that issuing (numbers, records, archive,
    batches) runs in a fraction of the time. Tests of what a page shows use the real LibreOffice."""
    import sys

    d = tmp_path_factory.mktemp("quick-soffice")
    script = d / "soffice"
    script.write_text(f"#!{sys.executable}\n" + QUICK_SOFFICE, encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("DOCGEN_SOFFICE", str(script))
    return script


def docgen(args, cwd=None) -> subprocess.CompletedProcess:
    """Run the CLI in this process, as a clerk's shell would run `docgen ARGS`: exit code, stdout and stderr as
    text, like subprocess.run(..., capture_output=True, text=True). Tests where a separate process is the point
    (a kill, two clerks at once, an installed wheel) start one instead."""

    from click.testing import CliRunner

    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with runner.isolation() as (out, err, *_):
            rc = main([str(a) for a in args])
            o, e = out.getvalue(), err.getvalue()
    finally:
        os.chdir(old)
    return subprocess.CompletedProcess(["docgen", *map(str, args)], rc, o.decode("utf-8"), e.decode("utf-8"))


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (Debian's chromium and chromium-driver, driven by selenium), one per test module."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600",
              "--allow-file-access-from-files"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    yield d
    d.quit()
