#!/usr/bin/env bash
# Installs what docgen needs from Debian's packages: python3-venv, a headless LibreOffice (Writer for the
# documents, Calc to open the Excel 台账 in the tests), the CJK fonts the fontconfig map (docgen/fonts/fonts.conf)
# points at, poppler (pdftoppm, for looking at pages), and Chromium with its WebDriver (the status board's
# browser tests). Idempotent.
set -euo pipefail

need=()
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
[ -e /usr/lib/libreoffice/program/libsclo.so ] || need+=(libreoffice-calc-nogui)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v fc-match >/dev/null 2>&1 || need+=(fontconfig)
[ -f /usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc ] || need+=(fonts-noto-cjk)
[ -f /usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf ] || need+=(texlive-lang-chinese)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "正在安装系统软件包：${need[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "需要 root 权限安装：apt-get install ${need[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
