# Everything installs itself: pipenv (if missing), the venv in .venv/, node_modules/.
SHELL := /bin/bash
.DEFAULT_GOAL := synth

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_NOSPIN := 1
export PIPENV_YES := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1

PYTHON := .venv/bin/python
PIPENV := python3 -m pipenv

.PHONY: install synth test check lint bench clean preview diff docs

install: .venv/.synced node_modules/.synced

.venv/.synced: Pipfile.lock
	@python3 -m pipenv --version >/dev/null 2>&1 || python3 -m pip install --quiet pipenv
	$(PIPENV) sync --dev
	@touch $@

node_modules/.synced: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

synth: install
	$(PYTHON) main.py

test: install
	$(PYTHON) -m pytest

check: synth
	$(PYTHON) -m hashistack check cdktf.out

# A pull request's review: BASE (a git ref, synthesized with its own code, or a
# synth output) against this tree's synth. Markdown in review.md, as CI posts it;
# exit 3 when access broadens or an alarm fires (FAIL_ON=alarm|none to relax).
BASE ?= origin/main
FAIL_ON ?= broadening
preview: synth
	@rm -f review.md; status=0; \
	$(PYTHON) -m hashistack review "$(BASE)" cdktf.out --format markdown --output review.md \
		--fail-on $(FAIL_ON) || status=$$?; \
	if [ -f review.md ]; then cat review.md; fi; exit $$status

# `cdktf diff` of one environment's stacks, in deploy order (needs the products'
# tokens in the environment, as `cdktf deploy` does): make diff ENV=staging
# <env>-nomad-acl is not in STACKS by default: refreshing Nomad ACL policies
# takes a management token, which CI's leased ci-deploy token is not. With one:
# make diff ENV=prod STACKS=nomad-acl
STACKS ?= vault consul nomad
diff: install
	@test -n "$(ENV)" || { echo "make diff ENV=<environment> [STACKS=\"vault consul nomad\"]"; exit 2; }
	for product in $(STACKS); do \
		HASHISTACK_ENV=$(ENV) CHECKPOINT_DISABLE=1 npx cdktf diff "$(ENV)-$$product" || exit $$?; \
	done

# Library against raw cdktf at N = 5, 100, 500 apps (a few minutes); see BENCHMARKS.md.
bench: install
	$(PYTHON) benchmarks/synth_scale.py $(BENCH_ARGS)

# The API reference, HTML from the docstrings (pdoc): build/docs/index.html.
docs: install
	$(PYTHON) tools/docs.py build/docs

lint: install
	$(PYTHON) -m ruff check .

clean:
	rm -rf cdktf.out .pytest_cache
