/* instr_read.c - instructions per read, counted by callgrind: a figure that, unlike the
 * medians of bench_read, does not move with the load of a shared machine.
 *
 * Builds the same 10,000-key document as bench_read, then runs each case N times between
 * CALLGRIND_ZERO_STATS and CALLGRIND_DUMP_STATS_AT("case name @N"). count_instructions.sh runs it
 * under `valgrind --tool=callgrind --instr-atstart=no`, reads the dumps and prints
 * instructions per read (loop overhead of a few instructions included, the same in every
 * case). Outside valgrind the client requests are no-ops and the program just runs.
 *
 * Usage: instr_read [reads-per-case, default 100000]      publish, measure, remove
 *        instr_read --publish NAME | --remove NAME      only publish (or remove) the segment
 *        instr_read [reads] --instance NAME             measure an existing segment
 * Built with -DINSTR_READER_ONLY, only the last form exists and the program needs nothing
 * but the public API: that is how libhotswap.so itself is measured (its private writer
 * helpers are not exported).
 */
#define _GNU_SOURCE
#include "hotswap.h"
#ifndef INSTR_READER_ONLY
#include "hotswap_writer.h"
#endif

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_ZERO_STATS
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

#define SECTIONS 100
#define KEYS 100
#define NKEYS (SECTIONS * KEYS)

static int64_t value_of(int s, int k) { return (int64_t)s * 1000 + k; }

static char *build_json(size_t *len) {
    char *j = malloc(64 + (size_t)NKEYS * 32);
    size_t n = (size_t)sprintf(j, "{");
    for (int s = 0; s < SECTIONS; s++) {
        n += (size_t)sprintf(j + n, "%s\"s%03d\":{", s ? "," : "", s);
        for (int k = 0; k < KEYS; k++) n += (size_t)sprintf(j + n, "%s\"k%02d\":%lld", k ? "," : "", k, (long long)value_of(s, k));
        n += (size_t)sprintf(j + n, "}");
    }
    n += (size_t)sprintf(j + n, "}");
    *len = n;
    return j;
}

typedef struct {
    pthread_rwlock_t lock;
    int64_t values[NKEYS];
} locked_config;

typedef struct {
    _Atomic long refs;
    int64_t values[NKEYS];
} counted_config;

static _Atomic(counted_config *) g_current;

/* The same baselines as bench_read. */
static __attribute__((noinline)) int64_t arc_read(int idx) {
    counted_config *c = atomic_load_explicit(&g_current, memory_order_acquire);
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_acquire);
    int64_t v = c->values[idx];
    atomic_fetch_sub_explicit(&c->refs, 1, memory_order_release);
    return v;
}

static __attribute__((noinline)) int64_t rwlock_read(locked_config *l, int idx) {
    pthread_rwlock_rdlock(&l->lock);
    int64_t v = l->values[idx];
    pthread_rwlock_unlock(&l->lock);
    return v;
}

static volatile int64_t g_sink;
static int g_failed;

#define RUN(name, ...) do {                                                     \
        int64_t sink_ = 0;                                                     \
        int failed_ = 0;                                                       \
        CALLGRIND_ZERO_STATS;                                                  \
        for (long i_ = 0; i_ < n; i_++) { __VA_ARGS__ }                           \
        char label_[128];                                                      \
        snprintf(label_, sizeof label_, "%s @%ld", name, n);                   \
        CALLGRIND_DUMP_STATS_AT(label_);                                       \
        g_sink += sink_;                                                       \
        if (failed_) { fprintf(stderr, "%s: failed reads\n", name); g_failed = 1; } \
    } while (0)

#ifndef INSTR_READER_ONLY
static int publish(const char *instance, hsw_segment **w, uint8_t **doc) {
    char path[128];
    size_t json_len, doc_len;
    snprintf(path, sizeof path, "/dev/shm/hotswap.%s", instance);
    char *json = build_json(&json_len);
    int rc = hsw_open(path, 0644, -1, w);
    if (rc == HS_OK) rc = hsw_doc_from_json(json, json_len, doc, &doc_len);
    if (rc == HS_OK) rc = hsw_publish(*w, *doc, doc_len, 0, NULL);
    free(json);
    return rc;
}
#endif

int main(int argc, char **argv) {
    long n = 100000;
    const char *existing = NULL;
    char instance[64];
    snprintf(instance, sizeof instance, "instr-%d", (int)getpid());
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--instance") == 0 && i + 1 < argc) existing = argv[++i];
#ifndef INSTR_READER_ONLY
        else if (strcmp(argv[i], "--publish") == 0 && i + 1 < argc) {
            hsw_segment *w;
            uint8_t *doc;
            if (publish(argv[i + 1], &w, &doc) != HS_OK) { fprintf(stderr, "instr_read: cannot publish\n"); return 1; }
            hsw_close(w);
            hsw_doc_free(doc);
            return 0;
        } else if (strcmp(argv[i], "--remove") == 0 && i + 1 < argc) {
            char path[128];
            snprintf(path, sizeof path, "/dev/shm/hotswap.%s", argv[i + 1]);
            return hsw_remove(path) == HS_OK ? 0 : 1;
        }
#endif
        else n = atol(argv[i]);
    }
    if (n < 1) n = 1;
#ifdef INSTR_READER_ONLY
    if (!existing) { fprintf(stderr, "instr_read: built reader-only: --instance NAME is required\n"); return 2; }
#else
    hsw_segment *w = NULL;
    uint8_t *doc = NULL;
    if (!existing && publish(instance, &w, &doc) != HS_OK) {
        fprintf(stderr, "instr_read: cannot set up the segment\n");
        return 1;
    }
#endif
    hs_reader *r;
    if (hs_open(existing ? existing : instance, &r) != HS_OK) {
        fprintf(stderr, "instr_read: cannot open the segment\n");
        return 1;
    }
    size_t json_len;
    char *json = build_json(&json_len);
    hs_key *key;
    hs_snapshot *snap;
    char *buf = malloc(json_len + 1);
    locked_config *locked = calloc(1, sizeof *locked);
    counted_config *cc = calloc(1, sizeof *cc);
    if (!buf || !locked || !cc || hs_key_open(r, "s042.k17", &key) || hs_snapshot_open(r, &snap)) return 1;
    pthread_rwlock_init(&locked->lock, NULL);
    atomic_init(&cc->refs, 1);
    for (int i = 0; i < NKEYS; i++) locked->values[i] = cc->values[i] = value_of(i / KEYS, i % KEYS);
    atomic_store(&g_current, cc);
    /* Warm up: the first read of each kind fills whatever a reader caches. */
    int64_t v;
    size_t len;
    hs_get_i64(r, "s042.k17", &v);
    hs_get_i64(r, "/s042/k17", &v);
    hs_key_get_i64(key, &v);

    CALLGRIND_START_INSTRUMENTATION;
    RUN("hs_get_i64 by path", { failed_ |= hs_get_i64(r, "s042.k17", &v); sink_ += v; });
    RUN("hs_get_i64 by JSON pointer", { failed_ |= hs_get_i64(r, "/s042/k17", &v); sink_ += v; });
    {
        char (*paths)[16] = malloc(sizeof *paths * NKEYS);
        for (int i = 0; i < NKEYS; i++) snprintf(paths[i], sizeof paths[i], "s%03d.k%02d", i / KEYS, i % KEYS);
        unsigned rr = 0;
        RUN("by path, 10,000 keys in turn", {
            failed_ |= hs_get_i64(r, paths[rr], &v);
            sink_ += v;
            rr = rr + 1 == NKEYS ? 0 : rr + 1;
        });
        free(paths);
    }
    RUN("hs_get_f64 by path", { double f; failed_ |= hs_get_f64(r, "s077.k03", &f); sink_ += (int64_t)f; });
    RUN("hs_get_str (missing key)", { failed_ |= hs_get_str(r, "s077.nope", buf, 64, &len) != HS_ENOTFOUND; });
    RUN("hs_key_get_i64 (resolved handle)", { failed_ |= hs_key_get_i64(key, &v); sink_ += v; });
    RUN("snapshot refresh + 4 gets", {
        int64_t a, b, c, d;
        failed_ |= hs_snapshot_refresh(snap, NULL) | hs_snapshot_get_i64(snap, "s042.k17", &a) |
                   hs_snapshot_get_i64(snap, "s042.k18", &b) | hs_snapshot_get_i64(snap, "s077.k03", &c) |
                   hs_snapshot_get_i64(snap, "s099.k99", &d);
        sink_ += a + b + c + d;
    });
    RUN("baseline: rwlock struct", { sink_ += rwlock_read(locked, 42 * KEYS + 17); });
    RUN("baseline: arc-swap refcounted ptr", { sink_ += arc_read(42 * KEYS + 17); });
    long whole = n / 1000 ? n / 1000 : 1;
    {
        long n_saved = n;
        n = whole;
        RUN("hs_get_json whole document", { failed_ |= hs_get_json(r, "", buf, json_len + 1, &len); sink_ += (int64_t)len; });
        n = n_saved;
    }
    CALLGRIND_STOP_INSTRUMENTATION;
    printf("instr_read: %ld reads per case (%ld for the whole document)\n", n, whole);

    hs_key_close(key);
    hs_snapshot_close(snap);
    hs_close(r);
#ifndef INSTR_READER_ONLY
    if (!existing) {
        char path[128];
        snprintf(path, sizeof path, "/dev/shm/hotswap.%s", instance);
        hsw_close(w);
        hsw_remove(path);
        hsw_doc_free(doc);
    }
#endif
    free(json);
    free(buf);
    return g_failed;
}
