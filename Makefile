# Two commands: `make lab` (set up, open the course) and `make test` (set up, run every test).
# Both create .venv with `python3 -m venv` when it is missing and install the course into it;
# the install is skipped while pyproject.toml is unchanged.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS ?= notebooks
NBVAL := --nbval-lax --nbval-current-env --sanitize-with tests/nbval_sanitize.cfg

.PHONY: lab test install unit notebooks-test execute-notebooks doctor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[test,bench]"
	# Colab's ipywidgets, beside ours, so the widget tests run on both (tests/test_widgets.py)
	$(BIN)/python -m pip install --no-deps --upgrade --target $(VENV)/ipywidgets77 ipywidgets==7.7.1 ipython_genutils
	touch $(STAMP)

install: $(STAMP)

# LAB_ARGS passes options to JupyterLab, e.g. `make lab LAB_ARGS="--no-browser --port 8899"`.
lab: $(STAMP)
	$(BIN)/jupyter lab $(NOTEBOOKS) $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

# Unit tests, then every notebook through nbval in fast mode; prints the wall time.
test: $(STAMP)
	@start=$$(date +%s); \
	GANSTYLE_MODE=fast $(BIN)/python -m pytest tests $(NBVAL) $(NOTEBOOKS); \
	status=$$?; \
	echo "make test: wall time $$(( $$(date +%s) - start )) s"; \
	exit $$status

unit: $(STAMP)
	GANSTYLE_MODE=fast $(BIN)/python -m pytest tests

notebooks-test: $(STAMP)
	GANSTYLE_MODE=fast $(BIN)/python -m pytest $(NBVAL) $(NOTEBOOKS)

# Re-run the notebooks top to bottom and save their outputs (cpu mode unless GANSTYLE_MODE says otherwise),
# then drop the saved widget state (nbclient needs it while executing; readers on GitHub cannot use it).
execute-notebooks: $(STAMP)
	GANSTYLE_MODE=$${GANSTYLE_MODE:-cpu} $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=-1 $(NOTEBOOKS)/*.ipynb
	for notebook in $(NOTEBOOKS)/*.ipynb; do $(BIN)/python -c "import sys, nbformat; \
		nb = nbformat.read(sys.argv[1], 4); nb.metadata.pop('widgets', None); nbformat.write(nb, sys.argv[1])" \
		$$notebook; done

doctor: $(STAMP)
	$(BIN)/ganstyle-edu doctor

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
