# mk/bindings.mk - the Python and Rust bindings of libhotswap, and their tests.
#
#   make test-bindings   build the test publisher, then run the Python tests and
#                        `cargo test --offline` of the Rust crate against $(BUILD)/lib
#
# Included by the main Makefile (BUILD, CC, PYTHON, CARGO come from there). The library itself
# comes from the `libhotswap` target (mk/libhotswap.mk). Both suites publish through
# $(BUILD)/bindings/publisher, a small C writer built from the private writer sources, so they
# need neither the daemon nor Swift.

BINDINGS_BUILD     := $(BUILD)/bindings
BINDINGS_PUBLISHER := $(BINDINGS_BUILD)/publisher
BINDINGS_LIB_DIR    = $(abspath $(BUILD)/lib)
BINDINGS_PUBLISHER_SRC := bindings/testpublisher/publisher.c \
	$(addprefix Sources/CHotswap/,writer.c docbuild.c reader.c)
# What both test suites read: the library (Python by path, Rust at link time and through the
# rpath build.rs sets; LD_LIBRARY_PATH covers the doc tests) and the publisher.
BINDINGS_ENV = HOTSWAP_LIBRARY=$(BINDINGS_LIB_DIR)/libhotswap.so \
	HOTSWAP_LIB_DIR=$(BINDINGS_LIB_DIR) \
	HOTSWAP_PUBLISHER=$(abspath $(BINDINGS_PUBLISHER)) \
	LD_LIBRARY_PATH=$(BINDINGS_LIB_DIR)$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH}

.PHONY: test-bindings test-bindings-python test-bindings-rust

test-bindings: test-bindings-python test-bindings-rust

$(BINDINGS_PUBLISHER): $(BINDINGS_PUBLISHER_SRC) $(wildcard Sources/CHotswap/*.h Sources/CHotswap/include/*.h)
	@mkdir -p $(@D)
	$(CC) -O2 -std=gnu11 -Wall -Wextra -I Sources/CHotswap/include -I Sources/CHotswap \
		-o $@ $(BINDINGS_PUBLISHER_SRC) -lm

test-bindings-python: libhotswap $(BINDINGS_PUBLISHER)
	cd bindings/python && $(BINDINGS_ENV) PYTHONDONTWRITEBYTECODE=1 \
		$(PYTHON) -m unittest discover -s tests -t .

# The target folder lives under $(BUILD), so `make clean` removes it and the tree stays clean.
test-bindings-rust: libhotswap $(BINDINGS_PUBLISHER)
	cd bindings/rust && $(BINDINGS_ENV) CARGO_TARGET_DIR=$(abspath $(BINDINGS_BUILD)/cargo) \
		$(CARGO) test --offline -- --nocapture
