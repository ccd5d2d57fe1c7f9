# Nara — two commands for a newcomer: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.12 || ls $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | tail -1 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test venv lint screens bench-complaints bench-signatures bench-participation bench-documents bench-ab messages clean

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

venv: $(VENV)/.installed

run: venv
	PORT=$(PORT) bash scripts/run.sh

test: venv
	bash scripts/test.sh

# Screenshots for the README (docs/screens/), taken in Chromium from a scratch demo site.
screens: venv
	$(PY) scripts/screens.py

lint: venv
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench-complaints: venv
	$(PY) bench/complaints.py

bench-signatures: venv
	$(PY) bench/signatures.py

bench-participation: venv
	$(PY) bench/participation.py

# DATA=path/to/data for the sample petitions elsewhere than ../shared/data.
bench-documents: venv
	$(PY) bench/documents.py $(if $(DATA),--data $(DATA))

# A/B of the machinery switches (bench/README.md, "A/B"); AB_ARGS="--ab-rounds 4" for more rounds.
bench-ab: venv
	$(PY) bench/complaints.py --ab $(AB_ARGS)
	$(PY) bench/participation.py --ab $(AB_ARGS)
	$(PY) bench/signatures.py --ab $(AB_ARGS)

messages: venv
	DEBUG=1 $(PY) manage.py makemessages -l ko -l en --ignore=.venv --ignore=tests --ignore=bench --ignore=var --no-obsolete
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var staticfiles
