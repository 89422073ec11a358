#!/usr/bin/env bash
# Renders the pages of the demo's documents as PNG (pdftoppm -r 100, as a proofreader looks at them) into docs/pages/, so that anyone can see
# what docgen prints. Run after `make demo` (it reads output/).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d output/sample ] || { echo "先运行 make demo" >&2; exit 1; }
dst=docs/pages
mkdir -p "$dst"
# what this script makes (the platform's screenshots come from tests/test_platform_browser.py and stay)
find "$dst" -name '*.png' ! -name 'platform-*' -delete
render() {  # pdf name
  pdftoppm -r 100 -png "$1" "$dst/$2"
}
render output/sample/样例公文.pdf sample
render "output/slips/交办单/督交〔2026〕3号.pdf" assign-slip
# a red (overdue) and a blue (due soon) 催办单
for f in output/slips/催办单/*.docx; do
  level=$(unzip -p "$f" word/document.xml | grep -o '红色预警\|蓝色预警' | head -1)
  case "$level" in
    红色预警) [ -e "$dst/urge-slip-red-1.png" ] || render "${f%.docx}.pdf" urge-slip-red ;;
    蓝色预警) [ -e "$dst/urge-slip-blue-1.png" ] || render "${f%.docx}.pdf" urge-slip-blue ;;
  esac
done
render "output/slips/整改单/督改〔2026〕1号.pdf" rectify-slip
batch=output/batches/2026-11-20-交办单-1
render "$batch/签收登记表.pdf" signoff
render "$(ls "$batch"/01-*.pdf)" batch-unit
render "$(ls output/forms/延期申请表-*.pdf)" form-extension
render "$(ls output/forms/办结反馈单-*.pdf)" form-feedback
render "output/bulletins/督导通报2026年第2期.pdf" bulletin
# the Q3 bulletin: 年度目标推进情况 and 项目调度情况 (issue 19)
render "output/bulletins/督导通报2026年第1期.pdf" bulletin-q3
# issue 20: a 提请协调单 and the Q3 得分情况通报
render "$(ls output/documents/提请协调单/*.pdf | head -1)" coordination
render "$(ls output/documents/得分情况通报/*.pdf | head -1)" notice
# the Excel 台账 as LibreOffice Calc prints it (the first two pages)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
FONTCONFIG_FILE="$PWD/docgen/fonts/fonts.conf" soffice -env:UserInstallation=file://"$tmp"/profile --headless \
  --convert-to pdf --outdir "$tmp" output/台账.xlsx >/dev/null 2>&1
pdftoppm -r 100 -png -f 1 -l 2 "$tmp/台账.pdf" "$dst/ledger-xlsx"
.venv/bin/python scripts/screenshot-site.py output/site/index.html "$dst/site-overview.png"
# a target's, a project's and a 包保 leader's page of the board (issue 19)
for g in targets projects leaders; do
  .venv/bin/python scripts/screenshot-site.py "$(ls output/site/$g/*.html | head -1)" "$dst/site-$g.png"
done
ls "$dst"
