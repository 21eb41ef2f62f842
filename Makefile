# hotswapd — build, test, install. `make help` lists the targets.
#
# A fresh clone needs nothing else: `make test` and `make build` install the Debian packages
# they need first (as root; otherwise they print the apt-get command to run).

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
SWIFT   ?= swift
PYTHON  ?= python3
CARGO   ?= cargo

# Debian packages the build and the tests need.
DEB_PACKAGES := libyaml-dev libsystemd-dev pkg-config
# Swift build folders: release for what is installed and benchmarked, debug for tests.
# Release binaries carry the Swift runtime (--static-swift-stdlib) so that an installed
# hotswapd needs no toolchain; they link only glibc, libyaml and libsystemd dynamically.
SWIFT_RELEASE := $(SWIFT) build -c release --static-swift-stdlib
RELEASE_BIN    = $(shell $(SWIFT) build -c release --show-bin-path 2>/dev/null)
DEBUG_BIN      = $(shell $(SWIFT) build --show-bin-path 2>/dev/null)

.PHONY: help deps build test test-purity test-swift test-systemd install uninstall bench fuzz run clean
.DEFAULT_GOAL := help

help:
	@echo "make run      build and start hotswapd on the example configuration in etc/"
	@echo "make test     run every test (unit, conformance, C, bindings, end-to-end)"
	@echo "make build    release build of hotswapd, hotswapctl and libhotswap"
	@echo "make bench    benchmarks, with baselines side by side"
	@echo "make fuzz     fuzz the libhotswap reader (libFuzzer, bounded time)"
	@echo "make install  install under \$$(DESTDIR)\$$(PREFIX) (PREFIX=$(PREFIX))"
	@echo "make deps     install the Debian packages the build needs"
	@echo "make clean    remove build outputs"

# Installs missing Debian packages. Cheap when everything is present (one dpkg-query).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ]; then \
	  echo "make deps: missing Debian packages:$$missing"; \
	  echo "run:  sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	fi; \
	echo "make deps: installing$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing

build: deps libhotswap
	$(SWIFT_RELEASE)

# Every test the project has. Swift tests include the conformance suites (read from
# ../shared/conformance) and the end-to-end tests of the daemon binary.
test: deps libhotswap test-purity test-swift test-c test-bindings test-systemd
	@echo "make test: all tests passed"

# The pure core does no I/O: its modules never import Glibc or Foundation, and only
# HotswapSystem touches the C library for the daemon.
PURE_MODULES := Sources/HotswapCore Sources/HotswapFormats Sources/HotswapSchema Sources/HotswapSnapshot
test-purity:
	@if grep -rnE '^import (Glibc|Foundation|FoundationEssentials)' $(PURE_MODULES) Sources/HotswapDaemon; then \
	  echo "test-purity: FAILED: a pure module (or HotswapDaemon) imports Glibc/Foundation"; exit 1; fi
	@echo "test-purity: pure modules import neither Glibc nor Foundation"

test-swift:
	$(SWIFT) build --build-tests
	HOTSWAP_BIN_DIR=$(DEBUG_BIN) HOTSWAP_LIB_DIR=$(abspath $(BUILD)/lib) $(SWIFT) test --skip-build

# The units against a real systemd 252 in ../shared/tools/systemd-sandbox (needs root).
SYSTEMD_SANDBOX ?= $(abspath ../shared/tools/systemd-sandbox)
test-systemd:
	$(SWIFT) build --product hotswapd
	$(SWIFT) build --product hotswapctl
	@if [ "$$(id -u)" -ne 0 ]; then echo "test-systemd: SKIPPED (the systemd sandbox needs root)"; \
	elif [ ! -x "$(SYSTEMD_SANDBOX)" ]; then echo "test-systemd: FAILED: $(SYSTEMD_SANDBOX) not found"; exit 1; \
	else BIN_DIR=$(DEBUG_BIN) SYSTEMD_SANDBOX=$(SYSTEMD_SANDBOX) Tests/systemd/sandbox-e2e.sh; fi

install: build install-libhotswap
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/systemd/system \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/hotswapd/etc/app/conf.d
	install -m 0755 $(RELEASE_BIN)/hotswapd $(RELEASE_BIN)/hotswapctl $(DESTDIR)$(PREFIX)/bin/
	for u in hotswapd.service hotswapd@.service; do \
	  sed 's|/usr/local/bin/|$(PREFIX)/bin/|g' systemd/$$u > $(DESTDIR)$(PREFIX)/lib/systemd/system/$$u; \
	  chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/$$u; done
	install -m 0644 docs/man/hotswapctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 docs/man/libhotswap.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 0644 docs/man/hotswapd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 completion/hotswapctl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/hotswapctl
	install -m 0644 etc/hotswapd.yaml $(DESTDIR)$(PREFIX)/share/hotswapd/etc/
	install -m 0644 etc/app/*.yaml $(DESTDIR)$(PREFIX)/share/hotswapd/etc/app/
	install -m 0644 etc/app/conf.d/* $(DESTDIR)$(PREFIX)/share/hotswapd/etc/app/conf.d/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/hotswapd $(DESTDIR)$(PREFIX)/bin/hotswapctl \
	    $(DESTDIR)$(PREFIX)/lib/systemd/system/hotswapd.service $(DESTDIR)$(PREFIX)/lib/systemd/system/hotswapd@.service \
	    $(DESTDIR)$(PREFIX)/share/man/man1/hotswapctl.1 $(DESTDIR)$(PREFIX)/share/man/man3/libhotswap.3 \
	    $(DESTDIR)$(PREFIX)/share/man/man8/hotswapd.8 $(DESTDIR)$(PREFIX)/share/bash-completion/completions/hotswapctl
	rm -rf $(DESTDIR)$(PREFIX)/share/hotswapd

# Benchmarks print medians and ratios against baselines run side by side (see
# docs/benchmarks.md). Never part of `make test`: the machines are shared and noisy.
bench: deps libhotswap bench-read bench-suite

fuzz: deps fuzz-libhotswap

# Starts the daemon in the foreground on etc/hotswapd.yaml as a normal user: state and
# control socket under ./.run instead of /var/lib and /run; the segment is
# /dev/shm/hotswap.demo. Ctrl-C stops it (the segment stays readable).
run: deps libhotswap
	$(SWIFT) build
	@mkdir -p .run
	@echo ""
	@echo "hotswapd is starting on etc/hotswapd.yaml (instance demo). From another terminal:"
	@echo "  $(DEBUG_BIN)/hotswapctl --instance demo get server.port"
	@echo "  $(DEBUG_BIN)/hotswapctl --socket .run/demo.sock status"
	@echo "  $(DEBUG_BIN)/hotswapctl --socket .run/demo.sock set server.port 9090"
	@echo "  HOTSWAP_LIBRARY=$(abspath $(BUILD)/lib/libhotswap.so) PYTHONPATH=bindings/python python3 -c 'import hotswap; print(hotswap.Reader(\"demo\").get(\"server.port\"))'"
	@echo "Edit etc/app/*.yaml and watch the generation move. Ctrl-C stops the daemon."
	@echo ""
	exec $(DEBUG_BIN)/hotswapd --config etc/hotswapd.yaml --state-dir .run/state --socket .run/demo.sock

clean:
	rm -rf .build $(BUILD)

# Pieces kept in their own fragments (libhotswap: library, C tests, fuzzing, read benchmark).
include $(wildcard mk/*.mk)

# Empty stand-ins while the libhotswap fragment does not exist yet.
ifeq ($(wildcard mk/libhotswap.mk),)
libhotswap test-c install-libhotswap bench-read fuzz-libhotswap:
endif
ifeq ($(wildcard mk/bindings.mk),)
test-bindings:
endif
ifeq ($(wildcard mk/bench.mk),)
bench-suite:
endif
