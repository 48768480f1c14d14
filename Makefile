# The course's commands. Each target sets up what it needs (venv, data) and is
# quick when nothing changed. Run `make help` for the list.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
WORKSPACE ?= my_work

.DEFAULT_GOAL := help
.PHONY: help setup data train test lint lab benchmark clean publish publish-remote

help:
	@echo "make setup      create $(VENV) from requirements.txt (a no-op when nothing changed)"
	@echo "make data       fetch and verify MNIST into the cache"
	@echo "make train      train the reference CNN (about 10 s on 2 CPU cores)"
	@echo "make test       run make lint, then the test suite"
	@echo "make lint       ruff: lint and format check of the code and the chapters' code cells (a few seconds)"
	@echo "make lab        copy the exercise notebooks you lack into $(WORKSPACE)/ (never overwriting) and open JupyterLab there"
	@echo "make workspace  only the copy step of make lab (for VS Code or another editor)"
	@echo "make exercises  regenerate chapters/ from solutions/ (FORCE=1 replaces changed notebooks, keeping a backup)"
	@echo "make solutions  write the full solution notebooks into build/solutions/ (from the text sources solutions/*.md)"
	@echo "make grade      grade your notebooks in $(WORKSPACE)/ (CHAPTER=04 for one chapter, NOTEBOOKS=path for others)"
	@echo "make benchmark  time-to-99 % against the keras.io convnet, data load time, widget latency, grading throughput, photo-like digits, chapter 7's 99.6 %/99.7 % (most of an hour), the live draw panel in Chromium"
	@echo "make book       build the Jupyter Book (every notebook executed; MNIST_COURSE_FAST=1 for a quick build)"
	@echo "make publish    build the book, then push book/_build/html to the gh-pages branch of the git remote origin (ghp-import)"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 10) <= v <= (3, 13) else "Python 3.10 to 3.13 is needed, found %d.%d; set PYTHON=python3.11 (for example)" % v)'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

data: setup
	$(PY) -m mnist_course data fetch

train: data
	$(PY) -m mnist_course train

# First the linter, then every chapter's solution notebook, top to bottom in fast mode
# (nbmake), then the tests.
test: lint data solutions
	MNIST_COURSE_FAST=1 $(PY) -m pytest --nbmake --nbmake-timeout=900 -p no:cacheprovider build/solutions
	$(PY) -m pytest

# ruff, configured in pyproject.toml: the package, tests, benchmarks and book/build.py,
# and the chapters' code cells, read from the notebooks `make solutions` writes.
lint: solutions
	$(PY) -m ruff check . build/solutions
	$(PY) -m ruff format --check . build/solutions

# The chapters' sources (solutions/NN_topic.md, text) as notebooks, to run or open.
solutions: setup
	$(PY) -c 'from pathlib import Path; from mnist_course.authoring import write_solution_notebooks as w; w(Path("solutions"), Path("build/solutions"))'
	@echo "wrote build/solutions/NN_topic.ipynb: the full solution notebooks (open them in JupyterLab)"

# Your workspace: the exercise notebooks you do not have yet are copied in; nothing
# already there is ever replaced.
workspace: setup
	$(PY) -m mnist_course workspace --chapters chapters --to $(WORKSPACE)

lab: data workspace
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 $(ROOT_FLAG) $(WORKSPACE)

benchmark: data
	$(PY) benchmarks/load_time.py
	$(PY) benchmarks/widget_latency.py
	$(PY) benchmarks/grading_throughput.py
	$(PY) benchmarks/time_to_accuracy.py
	$(PY) benchmarks/predict_startup.py
	$(PY) benchmarks/photo_digits.py
	$(PY) benchmarks/going_further.py
	test -f book/_build/html/intro.html || $(MAKE) book
	$(PY) benchmarks/live_panels.py

clean:
	rm -rf $(VENV) .pytest_cache

.PHONY: exercises grade workspace solutions
exercises: setup
	$(PY) -m mnist_course exercises $(if $(FORCE),--force,)

grade: setup
	@$(if $(NOTEBOOKS),true,test -d $(WORKSPACE)) || { echo "There is no $(WORKSPACE)/ yet: run \`make lab\` first (it copies the exercise notebooks there), or grade other notebooks with \`make grade NOTEBOOKS=path\`."; exit 1; }
	$(PY) -m pytest tests/grading -q -rN -p no:cacheprovider --notebooks $(or $(NOTEBOOKS),$(WORKSPACE)) $(if $(CHAPTER),--chapter $(CHAPTER),)

.PHONY: book
book: data
	$(PY) book/build.py

# Your own published copy: build the book, then push book/_build/html to the gh-pages
# branch of the git remote `origin` with ghp-import, replacing what was there (-f);
# -n adds .nojekyll, without which GitHub Pages would not serve Sphinx's _static/.
# The remote is checked first (also under make -j), so a clone without one hears so
# before a long build.
publish: publish-remote
	$(MAKE) book
	$(VENV)/bin/ghp-import -n -p -f book/_build/html
	@echo "pushed the book to the gh-pages branch of origin: in the repository's settings (Pages), choose that branch as the source"

# Fails with what to do when this clone has no git remote `origin` to publish to.
publish-remote:
	@git remote get-url origin >/dev/null 2>&1 || { echo "There is no git remote \"origin\" to publish to. Add your fork of the course, e.g. \`git remote add origin https://github.com/YOU/REPO.git\`, then run \`make publish\` again." >&2; exit 1; }
