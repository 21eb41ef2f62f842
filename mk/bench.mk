# mk/bench.mk - the benchmark suite of the parsers, the schema engine, the daemon and the
# control socket (docs/benchmarks.md). Included by the main Makefile, which defines BUILD,
# SWIFT, PYTHON, SWIFT_RELEASE and RELEASE_BIN; `make bench` runs bench-read (mk/libhotswap.mk)
# and then this. Every variable here is prefixed BENCH_.
#
#   make bench-suite                      the whole suite (~5-10 minutes on a 2-core VM)
#   make bench-suite BENCH_ARGS=--quick   fewer runs: a smoke test of the suite
#   make bench-suite BENCH_SCRATCH=DIR    build with `swift build --scratch-path DIR`
#
# The suite needs Python >= 3.11 (tomllib), PyYAML (with its libyaml C loader) and jsonschema;
# missing Python packages are installed with `pip install --user`, saying so.

BENCH_SCRATCH ?=
BENCH_ARGS    ?=
BENCH_SWIFT_FLAGS := $(if $(BENCH_SCRATCH),--scratch-path $(BENCH_SCRATCH),)
BENCH_BIN      = $(if $(BENCH_SCRATCH),$(shell $(SWIFT) build -c release $(BENCH_SWIFT_FLAGS) --show-bin-path 2>/dev/null),$(RELEASE_BIN))
BENCH_RESULTS := $(BUILD)/bench/suite.json
# PyPI package for each Python module the baselines import.
BENCH_PY_MODULES := yaml:PyYAML jsonschema:jsonschema

.PHONY: bench-suite bench-python-deps

bench-python-deps:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	    { echo "bench-suite: Python >= 3.11 is needed (tomllib); set PYTHON=python3.11 or newer"; exit 1; }
	@for m in $(BENCH_PY_MODULES); do mod=$${m%%:*}; pkg=$${m#*:}; \
	  $(PYTHON) -c "import $$mod" 2>/dev/null && continue; \
	  echo "bench-suite: Python module $$mod is missing: running $(PYTHON) -m pip install --user $$pkg"; \
	  $(PYTHON) -m pip install --user $$pkg || exit 1; \
	done

# One release build of every product (hotswapd, hotswapctl, hotswap-bench), as `make build`
# does; the suite then runs against those binaries and $(BUILD)/lib/libhotswap.so.
bench-suite: deps libhotswap bench-python-deps
	$(SWIFT_RELEASE) $(BENCH_SWIFT_FLAGS)
	@mkdir -p $(dir $(BENCH_RESULTS))
	cd Benchmarks/python && \
	    HOTSWAP_LIBRARY=$(abspath $(BUILD)/lib/libhotswap.so) PYTHONPATH=$(abspath bindings/python) \
	    PYTHONDONTWRITEBYTECODE=1 $(PYTHON) suite.py --bench $(BENCH_BIN)/hotswap-bench \
	    --hotswapd $(BENCH_BIN)/hotswapd --hotswapctl $(BENCH_BIN)/hotswapctl \
	    --results $(abspath $(BENCH_RESULTS)) $(BENCH_ARGS)
