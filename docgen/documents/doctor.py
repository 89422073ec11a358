"""`docgen doctor`: is this machine able to make the PDFs, and with which fonts."""
from __future__ import annotations

import os
import shutil
import subprocess

from .gbt9704 import STANDARD_FACES
from .pdf import FONTS_CONF, INSTALL_HINT, find_soffice, soffice_version

EXPECTED = {  # standard face -> (stand-in family, Debian package)
    "仿宋_GB2312": ("FandolFang", "texlive-lang-chinese"),
    "方正小标宋简体": ("Noto Serif CJK SC", "fonts-noto-cjk"),
    "黑体": ("Noto Sans CJK SC", "fonts-noto-cjk"),
    "楷体_GB2312": ("FandolKai", "texlive-lang-chinese"),
    "宋体": ("Noto Serif CJK SC", "fonts-noto-cjk"),
}


def resolve(face: str) -> str | None:
    """The family and style fontconfig picks for a face under docgen's font map, e.g. 'FandolFang Regular'."""
    if not shutil.which("fc-match"):
        return None
    env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
    out = subprocess.run(["fc-match", "-f", "%{family[0]}|%{style[0]}|%{file}", face], capture_output=True,
                         text=True, env=env, timeout=30).stdout
    return out or None


def report() -> tuple[bool, str]:
    lines, missing = [], []
    soffice = find_soffice()
    if soffice:
        lines.append(f"LibreOffice：{soffice}（{soffice_version(soffice)}）")
    else:
        lines.append("LibreOffice：未找到")
        missing.append(("LibreOffice", INSTALL_HINT))
    if not shutil.which("fc-match"):
        missing.append(("fontconfig", "apt-get install fontconfig"))
    lines.append(f"字体映射：{FONTS_CONF}")
    for face in STANDARD_FACES:
        want, pkg = EXPECTED[face]
        got = resolve(face)
        if not got:
            lines.append(f"  {face} → （无法查询）")
            continue
        fam, style, path = got.split("|", 2)
        ok = fam == want
        lines.append(f"  {face} → {fam} {style}（{path}）" + ("" if ok else f"  ✗ 应为 {want}"))
        if not ok:
            missing.append((f"字体 {want}", f"apt-get install {pkg}"))
    if missing:
        lines.append("缺少：")
        lines += [f"  {what}：{cmd}" for what, cmd in missing]
    else:
        lines.append("环境完整，可以生成 PDF。")
    return not missing, "\n".join(lines)
