# Neural-network basics with Keras and TensorFlow: every command a learner or CI needs.
# `make help` lists them; `make lesson-01` sets everything up on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=
# `make test` spreads the test files over this many processes (pytest-xdist; a file's tests
# stay together). Most tests wait on a chapter starting in its own process, so 2 finish the
# suite in about half the time on 2 cores; TEST_WORKERS=0 runs it in one (for -s or --pdb).
TEST_WORKERS ?= 2
export TF_CPP_MIN_LOG_LEVEL ?= 2  # TensorFlow's C++ INFO/WARNING lines stay quiet (0 shows them)
LESSONS := $(sort $(wildcard lessons/lesson_[0-9][0-9]_*.py))

.DEFAULT_GOAL := help
.PHONY: help setup data lessons exercises test faults bench lint notebooks book clean distclean

help:  ## list the commands and the lessons
	@echo "Usage: make <target> [ARGS=\"--quick --seed 3\"]"
	@echo
	@grep -E '^[a-z%-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z%-]+):.*## (.*)/  make \1\t\2/' | sed 's/lesson-%/lesson-NN/; s/exercise-%/exercise-NN/' | expand -t 22
	@echo
	@echo "Lessons (run in order; each prints a report and writes outputs/lesson-NN/):"
	@for f in $(LESSONS); do \
	  n=$$(basename $$f | cut -d_ -f2); \
	  t=$$(grep -m1 -E '^# # ' $$f | sed -E 's/^# # //'); \
	  printf "  make lesson-%s\t%s\n" "$$n" "$$t" | expand -t 22; \
	done

setup: $(STAMP)  ## create .venv and install the pinned requirements (idempotent)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; ok = (3, 10) <= v <= (3, 13); \
	  print(f"Python {v[0]}.{v[1]} found at {sys.executable}."); \
	  sys.exit(0 if ok else "TensorFlow 2.21 needs Python 3.10 to 3.13. Install one of those and run: make setup PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@# The chapters, data loaders and graders import from the repository root, also in a
	@# Jupyter kernel started in notebooks/: put the root on the venv's path.
	@$(PY) -c 'import site, sys; open(site.getsitepackages()[0] + "/course-root.pth", "w").write(sys.argv[1] + "\n")' "$(CURDIR)"
	$(PY) -m book.mathjax
	@$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null  # the kernel make notebooks uses
	@touch $(STAMP)
	@echo "Set-up complete: $(VENV) holds TensorFlow, Keras and the course library."

data: setup  ## download / prepare and verify every data set (offline-first)
	$(PY) -m datasets prepare

lesson-%:  ## run one lesson, e.g. make lesson-01 ARGS="--quick --seed 3"
	@n=$$(echo "$*" | sed -E 's/^0+([0-9])/\1/'); \
	case "$$n" in ''|*[!0-9]*) ;; *) n=$$(printf '%02d' "$$n");; esac; \
	f=$$(ls lessons/lesson_$${n}_*.py 2>/dev/null | head -n1); \
	if [ -z "$$f" ]; then \
	  echo "There is no lesson $* here. Available: $$(ls lessons/lesson_[0-9][0-9]_*.py 2>/dev/null | sed -E 's/.*lesson_([0-9]+)_.*/\1/' | tr '\n' ' ')(see: make help)"; \
	  exit 2; \
	fi; \
	$(MAKE) --no-print-directory -s setup && $(PY) -m lessons.$$(basename $$f .py) $(ARGS)

lessons: setup  ## run every lesson in order with default settings
	@for f in $(LESSONS); do $(PY) -m lessons.$$(basename $$f .py) $(ARGS) || exit 1; done

test: setup data  ## run the test suite sealed from the network (every lesson in --quick mode)
	$(PY) -m tests.sealed $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(ARGS)

faults: setup  ## inject every fault the course promises to survive; print fault | expected | observed
	$(PY) -m tests.fault_table $(ARGS)

exercise-%: setup  ## grade your answers in exercises/lesson_NN.py, e.g. make exercise-03
	@$(PY) -m grading $*

exercises: setup  ## grade every lesson's exercises
	@$(PY) -m grading all

bench: setup  ## benchmark the custom layers/optimizers/loop against the Keras built-ins
	$(PY) -m bench $(ARGS)

lint: setup  ## ruff: style and errors
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

notebooks: setup data  ## execute every chapter into notebooks/ (outputs and figures inline), e.g. make notebooks ARGS="05 07"
	$(PY) -m book.execute $(ARGS)

book: setup  ## render notebooks/ into an offline HTML book: book/_build/html/index.html (no re-run)
	$(PY) -m book.build $(ARGS)

clean:  ## remove outputs, the built book and caches (keeps .venv, data/ and notebooks/)
	rm -rf outputs book/_build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

distclean: clean  ## also remove .venv and the prepared data in data/
	rm -rf $(VENV) data *.egg-info
