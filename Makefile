# docgen: `make demo` builds the example registers into output/; `make test` runs the whole test suite.
# Both install what they need first: Debian packages (LibreOffice, fonts) and a virtualenv at .venv.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The demo is pinned to one as-of date so that its output is the same whichever day it runs.
DEMO_DATE := 2026-11-20
DOCGEN := $(BIN)/docgen

.PHONY: demo test system venv clean bench

system:
	@bash scripts/install-system.sh

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

venv: $(VENV)/.installed

# The demo works on a copy of the example registers in output/registers, so its ledger (output/registers/
# ledger.jsonl) and its archive (output/registers/archive, the default inside the registers) stay in output/ and the committed
# registers never change. The example office starts with no ledger: the demo issues its year from the start.
DEMO := $(DOCGEN) -r output/registers -o output

demo: system venv
	rm -rf output
	mkdir -p output
	cp -r registers output/registers
	$(DEMO) check
	$(DEMO) status --on $(DEMO_DATE) | tee output/status.txt
	$(DEMO) status --on $(DEMO_DATE) --json > output/status.json
	$(DEMO) due --rule doc.single --from 2026-09-30
	$(DEMO) sample --on $(DEMO_DATE)
	# the office's year, replayed on fixed dates through the daily `build`, bulletins after each period
	$(DEMO) build --on 2026-10-12
	$(DEMO) bulletin --period 2026-Q3 --on 2026-10-12
	$(DEMO) scores --period 2026-Q3 --on 2026-10-12 --xlsx > output/scores-2026-Q3.txt
	$(DEMO) scores --period 2026-Q3 --on 2026-10-12 --notice
	# a coordination matter raised to the 分管领导 (registers/coordination/): its numbered 提请协调单
	$(DEMO) coordinate 2026-XT01 --on 2026-11-04
	$(DEMO) build --on 2026-11-16
	$(DEMO) build --on $(DEMO_DATE)
	$(DEMO) bulletin --period 2026-10 --on $(DEMO_DATE)
	$(DEMO) scores --period 2026-Q4 --on $(DEMO_DATE) --xlsx > output/scores-2026-Q4.txt
	$(DEMO) scores --period 2026 --on $(DEMO_DATE) --xlsx > output/scores-2026.txt
	$(DEMO) accountability --period 2026-Q4 --on $(DEMO_DATE) > output/accountability.txt
	$(DEMO) warn --on $(DEMO_DATE) | tee output/warn.txt
	$(DEMO) remind --on $(DEMO_DATE)
	$(DEMO) site --unit 良庄镇 --on $(DEMO_DATE)
	$(DEMO) build --on $(DEMO_DATE)
	$(DEMO) form 延期申请 2026-GW05-4 --on $(DEMO_DATE)
	$(DEMO) form 办结反馈 2026-GW05-3 --on $(DEMO_DATE)
	$(DEMO) templates check
	$(DEMO) archive verify
	@echo "示例输出在 output/：sample/ slips/ batches/ bulletins/ documents/ scores/ forms/ site/；账本和归档在 output/registers/（ledger.jsonl、archive/）"

test: system venv
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

bench: system venv
	$(BIN)/python bench/bench_check.py

clean:
	rm -rf output
