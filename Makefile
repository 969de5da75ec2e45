# Two commands: `make lab` (set up, open the course) and `make test` (set up, run every test).
# Both create .venv with `python3 -m venv` when it is missing and install the course into it, every package
# at the version constraints.txt pins; the install is skipped while pyproject.toml and constraints.txt are unchanged.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.installed-lab
BOOK_STAMP := $(VENV)/.installed-book
NOTEBOOKS ?= notebooks
# `make test` runs test files (and notebooks) on TEST_WORKERS processes at once, each file whole in one of them
# (pytest-xdist, --dist loadfile: a notebook's cells and a module's fixtures stay together); TEST_WORKERS=0: one process
TEST_WORKERS ?= 2
PARALLEL := -n $(TEST_WORKERS) --dist loadfile
NBVAL := --nbval-lax --nbval-current-env --sanitize-with tests/nbval_sanitize.cfg --ignore=$(NOTEBOOKS)/zh
# WHEELHOUSE=folder installs from a folder of wheels (`make wheelhouse`) with no network: `make lab WHEELHOUSE=wheelhouse`
WHEELHOUSE ?=
FROM_WHEELHOUSE := $(if $(WHEELHOUSE),--no-index --find-links $(abspath $(WHEELHOUSE)),)
# The versions the tests passed with (`make constraints` rewrites the file; CONSTRAINTS= installs the newest releases)
CONSTRAINTS ?= constraints.txt
PINNED := $(if $(CONSTRAINTS),--constraint $(abspath $(CONSTRAINTS)),)
# `make wheelhouse`: this machine's platform; add others with PLATFORMS="macosx_12_0_arm64" PY_VERSION=3.11
WHEELHOUSE_DIR ?= wheelhouse
PLATFORMS ?=
PY_VERSION ?= 3.11

.PHONY: lab test install book book-install unit notebooks-test execute-notebooks zh-notebooks doctor clean wheelhouse slides constraints

$(BIN)/python:
	@$(PYTHON) -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
		'$(PYTHON) is Python %d.%d; the course needs 3.11 or newer: make $(MAKECMDGOALS) PYTHON=python3.11' % sys.version_info[:2])"
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml setup.py $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install $(FROM_WHEELHOUSE) $(PINNED) --upgrade pip
	$(BIN)/python -m pip install $(FROM_WHEELHOUSE) $(PINNED) -e ".[test,bench]"
	# Colab's ipywidgets, beside ours, so the widget tests run on both (tests/test_widgets.py)
	$(BIN)/python -m pip install $(FROM_WHEELHOUSE) --no-deps --upgrade --target $(VENV)/ipywidgets77 \
		ipywidgets==7.7.1 ipython_genutils
	touch $(STAMP)

install: $(STAMP)

# `make lab` alone installs the course and JupyterLab, no test tools
$(LAB_STAMP): pyproject.toml setup.py $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install $(FROM_WHEELHOUSE) $(PINNED) --upgrade pip
	$(BIN)/python -m pip install $(FROM_WHEELHOUSE) $(PINNED) -e .
	touch $(LAB_STAMP)

# `make book`: the course as a static, searchable site of both editions from the committed runs (nothing is
# executed): book/_build/html, the Chinese edition under zh/ (tools/book.py; Sphinx warnings are errors).
$(BOOK_STAMP): pyproject.toml setup.py $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install $(FROM_WHEELHOUSE) $(PINNED) --upgrade pip
	$(BIN)/python -m pip install $(FROM_WHEELHOUSE) $(PINNED) -e ".[book]"
	touch $(BOOK_STAMP)

book-install: $(BOOK_STAMP)

book: $(BOOK_STAMP)
	$(BIN)/python tools/book.py

# Pin what passed: after `make clean && make install CONSTRAINTS= && make test` (the newest releases, tested),
# `make constraints` writes every installed distribution's version into constraints.txt (commit it).
constraints: | $(BIN)/python
	{ echo "# The versions \`make install\` installs: the environment the tests last passed in. Refresh: README, 'Pinned versions'."; \
	  $(BIN)/python -m pip freeze --all --exclude-editable | grep -v -i '^ganstyle.edu'; } > $(CONSTRAINTS).tmp
	mv $(CONSTRAINTS).tmp $(CONSTRAINTS)

# LAB_ARGS passes options to JupyterLab, e.g. `make lab LAB_ARGS="--no-browser --port 8899"`.
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab $(NOTEBOOKS) $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

# Unit tests, then every notebook through nbval in fast mode; prints the 25 slowest tests and the wall time.
test: $(STAMP)
	@start=$$(date +%s); \
	GANSTYLE_MODE=fast $(BIN)/python -m pytest $(PARALLEL) --durations=25 tests $(NBVAL) $(NOTEBOOKS); \
	status=$$?; \
	echo "make test: wall time $$(( $$(date +%s) - start )) s"; \
	exit $$status

unit: $(STAMP)
	GANSTYLE_MODE=fast $(BIN)/python -m pytest $(PARALLEL) tests

notebooks-test: $(STAMP)
	GANSTYLE_MODE=fast $(BIN)/python -m pytest $(PARALLEL) $(NBVAL) $(NOTEBOOKS)

# Re-run the notebooks top to bottom and save their outputs (cpu mode unless GANSTYLE_MODE says otherwise),
# then drop the saved widget state (nbclient needs it while executing; readers on GitHub cannot use it).
execute-notebooks: $(STAMP)
	GANSTYLE_MODE=$${GANSTYLE_MODE:-cpu} $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=-1 $(NOTEBOOKS)/*.ipynb
	for notebook in $(NOTEBOOKS)/*.ipynb; do $(BIN)/python -c "import sys, nbformat; \
		nb = nbformat.read(sys.argv[1], 4); nb.metadata.pop('widgets', None); nbformat.write(nb, sys.argv[1])" \
		$$notebook; done
	$(BIN)/python tools/zh_notebooks.py

# The Chinese edition (notebooks/zh/): copy code and outputs of the English run into it (tools/zh_notebooks.py).
zh-notebooks:
	$(PYTHON) tools/zh_notebooks.py

doctor: $(STAMP)
	$(BIN)/ganstyle-edu doctor

# Every wheel the course needs, for a room of laptops with bad Wi-Fi (workshop/SETUP.md).
wheelhouse:
	mkdir -p $(WHEELHOUSE_DIR)
	$(PYTHON) workshop/requirements.py > $(WHEELHOUSE_DIR)/requirements.txt
	$(PYTHON) -m pip download --dest $(WHEELHOUSE_DIR) $(PINNED) -r $(WHEELHOUSE_DIR)/requirements.txt
	$(PYTHON) -m pip download --dest $(WHEELHOUSE_DIR) --no-deps ipywidgets==7.7.1 ipython_genutils
	for platform in $(PLATFORMS); do \
		$(PYTHON) -m pip download --dest $(WHEELHOUSE_DIR) --only-binary=:all: --platform $$platform \
			--python-version $(PY_VERSION) $(PINNED) -r $(WHEELHOUSE_DIR)/requirements.txt || exit 1; \
		$(PYTHON) -m pip download --dest $(WHEELHOUSE_DIR) --only-binary=:all: --platform $$platform \
			--python-version $(PY_VERSION) --no-deps ipywidgets==7.7.1 ipython_genutils || exit 1; \
	done
	du -sh $(WHEELHOUSE_DIR)

# reveal.js slides of chosen notebooks, one slide per "## " section (workshop/slides.py), e.g.
# `make slides SLIDES="notebooks/01_style_as_statistics.ipynb"`. The slides load reveal.js from REVEAL when opened
# (default: its CDN; offline, point it at an unpacked copy of reveal.js 4).
SLIDES ?= $(NOTEBOOKS)/*.ipynb
REVEAL ?= https://unpkg.com/reveal.js@4.0.2
slides: $(STAMP)
	for notebook in $(SLIDES); do $(BIN)/python workshop/slides.py $$notebook slides/marked || exit 1; done
	$(BIN)/jupyter nbconvert --to slides --output-dir slides --SlidesExporter.reveal_url_prefix=$(REVEAL) \
		slides/marked/*.ipynb
	rm -rf slides/marked

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache book/_build
