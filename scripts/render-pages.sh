#!/usr/bin/env bash
# Renders the pages of the demo's documents as PNG (pdftoppm -r 60) into docs/pages/, so that anyone can see
# what docgen prints. Run after `make demo` (it reads output/).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d output/sample ] || { echo "先运行 make demo" >&2; exit 1; }
dst=docs/pages
rm -rf "$dst" && mkdir -p "$dst"
render() {  # pdf name
  pdftoppm -r 60 -png "$1" "$dst/$2"
}
render output/sample/样例公文.pdf sample
render "output/slips/交办单/督交〔2026〕3号.pdf" assign-slip
render "output/slips/催办单/督催〔2026〕1号.pdf" urge-slip
render "output/slips/整改单/督改〔2026〕1号.pdf" rectify-slip
render "output/batches/2026-11-20-交办单-1/签收登记表.pdf" signoff
render "output/bulletins/督导通报2026年第2期.pdf" bulletin
ls "$dst"
