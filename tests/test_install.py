"""docgen is a package: its wheel, installed in a fresh virtualenv, runs the daily build from a folder outside the
checkout, reading the templates, the board's assets and the font map from the installed package (issue 16)."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env():
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return env


def test_wheel_installs_and_builds_outside_the_checkout(tmp_path):
    # built from a copy of the sources, so that the build leaves nothing in the checkout
    src = tmp_path / "src"
    src.mkdir()
    for name in ["pyproject.toml", "README.md", "docgen", "templates"]:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, src / name, **({"symlinks": True, "ignore": shutil.ignore_patterns("__pycache__")}
                                        if copy is shutil.copytree else {}))
    wheels = tmp_path / "wheels"
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                        "-w", str(wheels), str(src)], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    (wheel,) = wheels.glob("docgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    # what docgen reads at run time travels in the wheel; test-only libraries are not its dependencies
    for name in ["docgen/templates/交办单.docx", "docgen/templates/签收登记表.docx", "docgen/templates/通报/总体情况.j2",
                 "docgen/templates/site/index.html.j2", "docgen/templates/site/assets/board.css",
                 "docgen/fonts/fonts.conf", "docgen/templates/README.md"]:
        assert name in names, name
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    requires = [ln for ln in zipfile.ZipFile(wheel).read(meta).decode().splitlines() if ln.startswith("Requires-Dist:")]
    runtime = [r for r in requires if "extra ==" not in r]
    assert not [r for r in runtime if "pdfplumber" in r or "pytest" in r or "selenium" in r], runtime

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=_env())
    p = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-c", str(ROOT / "constraints.txt"), str(wheel)],
                       capture_output=True, text=True, env=_env(), cwd=tmp_path)
    assert p.returncode == 0, p.stderr

    office = tmp_path / "office"
    shutil.copytree(ROOT / "registers", office / "registers")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    py = str(venv / "bin" / "python")
    where = subprocess.run([py, "-c", "import docgen, docgen.core.files as f; print(docgen.__file__); "
                                      "print(f.shipped('templates'))"],
                           capture_output=True, text=True, cwd=elsewhere, env=_env(), check=True).stdout.split()
    assert all(str(venv) in w and str(ROOT) not in w for w in where), where

    docgen = str(venv / "bin" / "docgen")
    reg, out = str(office / "registers"), str(office / "output")
    p = subprocess.run([docgen, "-r", reg, "-o", out, "build", "--on", "2026-10-12", "--workers", "2"],
                       capture_output=True, text=True, cwd=elsewhere, env=_env())
    assert p.returncode == 0, p.stdout + p.stderr
    # the example office's first day: 交办单 as PDFs, a print batch, the board with its stylesheet, the Excel 台账
    pdfs = sorted((office / "output" / "slips" / "交办单").glob("*.pdf"))
    assert pdfs and pdfs[0].read_bytes().startswith(b"%PDF")
    assert list((office / "output" / "batches").glob("2026-10-12-交办单-*"))
    assert (office / "output" / "site" / "assets" / "board.css").read_bytes() == \
        (ROOT / "templates" / "site" / "assets" / "board.css").read_bytes()
    assert (office / "output" / "台账.xlsx").exists()
    p = subprocess.run([docgen, "-r", reg, "-o", out, "archive", "verify"], capture_output=True, text=True,
                       cwd=elsewhere, env=_env())
    assert p.returncode == 0, p.stdout + p.stderr
    # the office can take copies of the shipped templates from the installed package
    p = subprocess.run([docgen, "-r", reg, "templates", "init"], capture_output=True, text=True, cwd=elsewhere,
                       env=_env())
    assert p.returncode == 0, p.stderr
    assert (office / "registers" / "templates" / "交办单.docx").read_bytes() == \
        (ROOT / "templates" / "交办单.docx").read_bytes()
    # nothing was written into the checkout or the folder the command ran in
    assert not any(elsewhere.iterdir())
