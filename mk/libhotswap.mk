# mk/libhotswap.mk - libhotswap: the shared and static library, its header and pkg-config
# file, the C tests, the fuzz target and the read benchmark. Included by the main Makefile,
# which defines BUILD, PREFIX, DESTDIR and CC. Every variable and helper here is prefixed HS_.
#
# Targets: libhotswap, install-libhotswap, test-c, fuzz-libhotswap, bench-read.

HS_SRC        := Sources/CHotswap
HS_TESTS      := Tests/CReaderTests
HS_BENCH_SRC  := Benchmarks/read
HS_VERSION    := 1.0.0
HS_SOMAJOR    := 1
HS_LIBDIR     := $(BUILD)/lib
HS_OBJDIR     := $(BUILD)/obj/libhotswap
HS_TESTDIR    := $(BUILD)/tests/c
HS_FUZZDIR    := $(BUILD)/fuzz/libhotswap
HS_SO         := $(HS_LIBDIR)/libhotswap.so.$(HS_VERSION)
HS_A          := $(HS_LIBDIR)/libhotswap.a
HS_PC         := $(HS_LIBDIR)/pkgconfig/hotswap.pc
HS_HEADERS    := $(wildcard $(HS_SRC)/*.h $(HS_SRC)/include/*.h)

HS_WARN       := -Wall -Wextra -Wshadow -Wstrict-prototypes
HS_CFLAGS     := -O2 -g -std=gnu11 -fPIC -fvisibility=hidden $(HS_WARN) -I$(HS_SRC)/include -I$(HS_SRC)
HS_TEST_CFLAGS := -O2 -g -std=gnu11 $(HS_WARN) -I$(HS_SRC)/include -I$(HS_SRC)
HS_SAN        := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
HS_LIBS       := -lpthread -lm
# The writer side and the C document encoder: private, linked into tests, never into the .so.
HS_WRITER     := $(HS_SRC)/reader.c $(HS_SRC)/writer.c $(HS_SRC)/docbuild.c
HS_FUZZ_CC    ?= clang
# lld when available (the default gold linker warns about every sanitizer symbol).
HS_FUZZ_LD    := $(if $(shell command -v ld.lld 2>/dev/null),-fuse-ld=lld,)
FUZZ_SECONDS  ?= 60
HS_STRESS_READS ?= 10000000

.PHONY: libhotswap install-libhotswap test-c fuzz-libhotswap bench-read HS_FORCE
HS_FORCE:

libhotswap: $(HS_SO) $(HS_LIBDIR)/libhotswap.so.$(HS_SOMAJOR) $(HS_LIBDIR)/libhotswap.so $(HS_A) $(HS_PC)

$(HS_OBJDIR)/reader.o: $(HS_SRC)/reader.c $(HS_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(HS_CFLAGS) -c $< -o $@

$(HS_SO): $(HS_OBJDIR)/reader.o $(HS_SRC)/libhotswap.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libhotswap.so.$(HS_SOMAJOR) -Wl,--version-script=$(HS_SRC)/libhotswap.map \
	    -Wl,-z,defs -o $@ $(HS_OBJDIR)/reader.o -lpthread

$(HS_LIBDIR)/libhotswap.so.$(HS_SOMAJOR): $(HS_SO)
	ln -sf libhotswap.so.$(HS_VERSION) $@

$(HS_LIBDIR)/libhotswap.so: $(HS_LIBDIR)/libhotswap.so.$(HS_SOMAJOR)
	ln -sf libhotswap.so.$(HS_SOMAJOR) $@

$(HS_A): $(HS_OBJDIR)/reader.o
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# Regenerated on every build: the prefix may change between invocations.
$(HS_PC): HS_FORCE
	@mkdir -p $(@D)
	@printf '%s\n' 'prefix=$(PREFIX)' 'exec_prefix=$${prefix}' 'libdir=$${exec_prefix}/lib' \
	    'includedir=$${prefix}/include' '' 'Name: hotswap' \
	    'Description: lock-free reader of hotswapd configuration snapshots in shared memory' \
	    'Version: $(HS_VERSION)' 'Libs: -L$${libdir} -lhotswap' 'Libs.private: -lpthread' \
	    'Cflags: -I$${includedir}' > $@

install-libhotswap: libhotswap
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 0755 $(HS_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libhotswap.so.$(HS_VERSION) $(DESTDIR)$(PREFIX)/lib/libhotswap.so.$(HS_SOMAJOR)
	ln -sf libhotswap.so.$(HS_SOMAJOR) $(DESTDIR)$(PREFIX)/lib/libhotswap.so
	install -m 0644 $(HS_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 $(HS_SRC)/include/hotswap.h $(DESTDIR)$(PREFIX)/include/
	install -m 0644 $(HS_PC) $(DESTDIR)$(PREFIX)/lib/pkgconfig/

# ---- tests ----------------------------------------------------------------------------
# Functional and hostile-input tests run under AddressSanitizer and UBSan; the stress and
# growth tests are optimised builds (sanitizers would hide the races they look for).

HS_TEST_SAN   := basic corrupt crash
HS_TEST_OPT   := wait stress growth
HS_TEST_BINS  := $(addprefix $(HS_TESTDIR)/test_,$(HS_TEST_SAN) $(HS_TEST_OPT)) $(HS_TESTDIR)/test_cxx

$(addprefix $(HS_TESTDIR)/test_,$(HS_TEST_SAN)): $(HS_TESTDIR)/test_%: $(HS_TESTS)/test_%.c $(HS_TESTS)/testutil.h $(HS_WRITER) $(HS_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(HS_TEST_CFLAGS) $(HS_SAN) $< $(HS_WRITER) -o $@ $(HS_LIBS)

$(addprefix $(HS_TESTDIR)/test_,$(HS_TEST_OPT)): $(HS_TESTDIR)/test_%: $(HS_TESTS)/test_%.c $(HS_TESTS)/testutil.h $(HS_WRITER) $(HS_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(HS_TEST_CFLAGS) $< $(HS_WRITER) -o $@ $(HS_LIBS)

# The C++ check links against the built shared library: it also proves the exports.
$(HS_TESTDIR)/test_cxx: $(HS_TESTS)/test_cxx.cpp $(HS_SRC)/include/hotswap.h libhotswap
	@mkdir -p $(@D)
	$(CXX) -std=c++98 -pedantic -Wall -Wextra -Werror -I$(HS_SRC)/include $< -o $@ \
	    -L$(HS_LIBDIR) -lhotswap -Wl,-rpath,$(abspath $(HS_LIBDIR))

test-c: libhotswap $(HS_TEST_BINS)
	@echo "== hotswap.h as strict C89 (bool needs the _Bool extension of C99-era compilers)"
	$(CC) -std=c89 -pedantic -Wall -Wextra -Werror -Wno-c99-extensions -I$(HS_SRC)/include -c $(HS_TESTS)/test_c89.c -o $(HS_TESTDIR)/test_c89.o
	@echo "== libhotswap.so exports only hs_* symbols, all at version HOTSWAP_1"
	@bad=$$(nm -D --defined-only $(HS_SO) | awk '$$2 ~ /^[TDBR]$$/ {print $$3}' | grep -v '^hs_' | grep -v '^HOTSWAP_1$$' || true); \
	    if [ -n "$$bad" ]; then echo "unexpected exports: $$bad"; exit 1; fi
	@n=$$(readelf --dyn-syms -W $(HS_SO) | grep -c ' hs_[a-z0-9_]*@@HOTSWAP_1'); echo "$$n hs_* symbols at HOTSWAP_1"; test $$n -ge 30
	@readelf -d $(HS_SO) | grep -q 'SONAME.*libhotswap.so.$(HS_SOMAJOR)' && echo "SONAME libhotswap.so.$(HS_SOMAJOR)"
	$(HS_TESTDIR)/test_cxx
	$(HS_TESTDIR)/test_basic
	$(HS_TESTDIR)/test_corrupt
	$(HS_TESTDIR)/test_crash
	$(HS_TESTDIR)/test_wait
	$(HS_TESTDIR)/test_stress $(HS_STRESS_READS) 90
	$(HS_TESTDIR)/test_growth

# ---- fuzzing --------------------------------------------------------------------------

$(HS_FUZZDIR)/fuzz_reader: $(HS_TESTS)/fuzz_reader.c $(HS_SRC)/reader.c $(HS_HEADERS)
	@mkdir -p $(@D)
	$(HS_FUZZ_CC) $(HS_FUZZ_LD) -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -I$(HS_SRC)/include -I$(HS_SRC) \
	    $< $(HS_SRC)/reader.c -o $@ -lpthread

$(HS_FUZZDIR)/fuzz_seeds: $(HS_TESTS)/fuzz_seeds.c $(HS_WRITER) $(HS_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(HS_TEST_CFLAGS) $< $(HS_WRITER) -o $@ $(HS_LIBS)

fuzz-libhotswap: $(HS_FUZZDIR)/fuzz_reader $(HS_FUZZDIR)/fuzz_seeds
	@mkdir -p $(HS_FUZZDIR)/corpus
	$(HS_FUZZDIR)/fuzz_seeds $(HS_FUZZDIR)/corpus
	$(HS_FUZZDIR)/fuzz_reader -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -timeout=5 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix=$(HS_FUZZDIR)/ $(HS_FUZZDIR)/corpus

# ---- benchmark ------------------------------------------------------------------------

$(BUILD)/bench/bench_read: $(HS_BENCH_SRC)/bench_read.c $(HS_WRITER) $(HS_HEADERS)
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 -march=native $(HS_WARN) -I$(HS_SRC)/include -I$(HS_SRC) $< $(HS_WRITER) -o $@ $(HS_LIBS)

bench-read: $(BUILD)/bench/bench_read
	$(BUILD)/bench/bench_read
