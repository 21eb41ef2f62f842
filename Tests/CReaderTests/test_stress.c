/* test_stress.c - torn-read stress: a writer publishes as fast as it can, every snapshot
 * carrying one invariant (several keys, a float, a boolean and a 4 KiB string all encode the
 * same number G, and G is the snapshot's generation). Reader threads, and a reader process,
 * check the invariant on every read: single reads by path and by key, whole-document JSON,
 * and multi-key reads through a snapshot. Zero violations allowed; retries are counted.
 *
 * Usage: test_stress [min_reads] [max_seconds]   (defaults: 10000000 reads, 60 s cap)
 */
#include "testutil.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define BIG 4096
#define READER_THREADS 2

static char g_instance[128];
static atomic_int g_stop;
static atomic_ullong g_publishes;

typedef struct {
    uint64_t reads, violations, errors, retries, busy, json_reads, snapshot_reads, key_reads;
    uint64_t last_gen;
} stats;

/* The document of generation g. */
static size_t make_json(char *out, size_t cap, uint64_t g) {
    char digits[32];
    int dn = snprintf(digits, sizeof digits, "%llu", (unsigned long long)g);
    size_t n = (size_t)snprintf(out, cap,
        "{\"gen\":%llu,\"a\":{\"b\":%llu,\"c\":[%llu,%llu]},\"neg\":-%llu,\"f\":%llu.5,\"even\":%s,\"s\":\"",
        (unsigned long long)g, (unsigned long long)g, (unsigned long long)g, (unsigned long long)g,
        (unsigned long long)g, (unsigned long long)g, g % 2 == 0 ? "true" : "false");
    for (size_t i = 0; i < BIG; i++) out[n++] = digits[i % (size_t)dn];
    n += (size_t)snprintf(out + n, cap - n, "\"}");
    return n;
}

/* Whether a string of BIG bytes is the pattern of g. */
static int big_ok(const char *s, size_t len, uint64_t g) {
    char digits[32];
    int dn = snprintf(digits, sizeof digits, "%llu", (unsigned long long)g);
    if (len != BIG) return 0;
    for (size_t i = 0; i < BIG; i++) if (s[i] != digits[i % (size_t)dn]) return 0;
    return 1;
}

/* Whether a BIG-byte string is the pattern of some single g (recovered from its prefix). */
static int big_consistent(const char *s, size_t len) {
    for (int dn = 1; dn <= 20; dn++) {
        char d[32];
        if ((size_t)dn > len) return 0;
        memcpy(d, s, (size_t)dn);
        d[dn] = 0;
        if (big_ok(s, len, strtoull(d, NULL, 10))) return 1;
    }
    return 0;
}

/* Whether a whole-document JSON text is the document of its own "gen". */
static int json_ok(const char *text, size_t len) {
    unsigned long long g;
    if (sscanf(text, "{\"gen\":%llu,", &g) != 1) return 0;
    static __thread char want[BIG + 512];
    size_t n = make_json(want, sizeof want, g);
    return n == len && memcmp(want, text, len) == 0;
}

static void *writer_main(void *arg) {
    hsw_segment *w = arg;
    static char json[BIG + 512];
    while (!atomic_load(&g_stop)) {
        uint64_t g = hsw_generation(w) + 1;
        size_t n = make_json(json, sizeof json, g);
        uint8_t *doc;
        size_t len;
        if (hsw_doc_from_json(json, n, &doc, &len) != HS_OK) { fprintf(stderr, "encode failed\n"); exit(2); }
        uint64_t got;
        if (hsw_publish(w, doc, len, g, &got) != HS_OK || got != g) { fprintf(stderr, "publish failed\n"); exit(2); }
        hsw_doc_free(doc);
        atomic_fetch_add(&g_publishes, 1);
    }
    return NULL;
}

static void violation(stats *st, const char *what, uint64_t a, uint64_t b) {
    if (st->violations++ < 10) fprintf(stderr, "VIOLATION: %s (%llu vs %llu)\n", what, (unsigned long long)a, (unsigned long long)b);
}

/* One reader: runs rounds of mixed reads until told to stop. */
static void reader_loop(stats *st, atomic_int *stop) {
    hs_reader *r;
    if (hs_open(g_instance, &r) != HS_OK) { st->errors++; return; }
    hs_key *kgen, *kab, *ks;
    hs_snapshot *snap;
    if (hs_key_open(r, "gen", &kgen) || hs_key_open(r, "/a/b", &kab) || hs_key_open(r, "s", &ks) || hs_snapshot_open(r, &snap)) {
        st->errors++;
        return;
    }
    static __thread char buf[BIG + 512];
    size_t len;
    uint64_t round = 0;
    while (!atomic_load_explicit(stop, memory_order_relaxed)) {
        round++;
        int64_t v = 0, w = 0;
        /* Scalar reads by path and by key: generations never go backwards. */
        for (int i = 0; i < 64; i++) {
            if (hs_get_i64(r, "gen", &v) != HS_OK) st->errors++;
            if ((uint64_t)v < st->last_gen) violation(st, "generation went backwards (path)", (uint64_t)v, st->last_gen);
            st->last_gen = (uint64_t)v;
            if (hs_key_get_i64(kgen, &w) != HS_OK) st->errors++;
            if ((uint64_t)w < st->last_gen) violation(st, "generation went backwards (key)", (uint64_t)w, st->last_gen);
            st->last_gen = (uint64_t)w;
            if (hs_key_get_i64(kab, &w) != HS_OK) st->errors++;
            st->reads += 3;
            st->key_reads += 2;
        }
        /* Other keys by path, both spellings (the per-thread caches answer most of these):
         * each value belongs to a generation no older than one already seen, and to the key
         * asked for (a wrong node would give another key's sign, type or parity). */
        for (int i = 0; i < 16; i++) {
            uint64_t seen = st->last_gen;
            int64_t x = 0, y = 0;
            double f = 0;
            bool even = false;
            if (hs_get_i64(r, i % 2 ? "/neg" : "neg", &x) != HS_OK) st->errors++;
            else if (x >= 0 || (uint64_t)-x < seen) violation(st, "neg by path stale or wrong", (uint64_t)-x, seen);
            if (hs_get_i64(r, i % 2 ? "a.c.1" : "/a/c/1", &y) != HS_OK) st->errors++;
            else if ((uint64_t)y < seen) violation(st, "a.c.1 by path stale", (uint64_t)y, seen);
            if (hs_get_f64(r, "f", &f) != HS_OK) st->errors++;
            else if (f < (double)seen + 0.5 || f - 0.5 != (double)(int64_t)(f - 0.5)) violation(st, "f by path stale or wrong", (uint64_t)f, seen);
            if (hs_get_i64(r, "even", &x) != HS_ETYPE) st->errors++; /* a boolean */
            if (hs_get_bool(r, "/even", &even) != HS_OK) st->errors++;
            st->reads += 5;
        }
        /* The 4 KiB string, by path and by key: one read, one generation. */
        if (hs_get_str(r, "s", buf, sizeof buf, &len) != HS_OK) st->errors++;
        else if (!big_consistent(buf, len)) violation(st, "torn string (path)", 0, 0);
        if (hs_key_get_str(ks, buf, sizeof buf, &len) != HS_OK) st->errors++;
        else if (!big_ok(buf, len, hs_key_generation(ks))) violation(st, "torn string (key)", 0, hs_key_generation(ks));
        st->reads += 2;
        st->key_reads += 1;
        /* Whole document as JSON. */
        if (round % 4 == 0) {
            if (hs_get_json(r, "", buf, sizeof buf, &len) != HS_OK) st->errors++;
            else if (!json_ok(buf, len)) violation(st, "torn whole-document JSON", 0, 0);
            st->reads++;
            st->json_reads++;
        }
        /* Multi-key read from one snapshot: every key agrees with the snapshot's generation. */
        int changed;
        if (hs_snapshot_refresh(snap, &changed) != HS_OK) st->errors++;
        uint64_t sg = hs_snapshot_generation(snap);
        int64_t gen, ab, c0, c1, neg;
        double f;
        bool even;
        if (hs_snapshot_get_i64(snap, "gen", &gen) || hs_snapshot_get_i64(snap, "a.b", &ab) ||
            hs_snapshot_get_i64(snap, "a.c.0", &c0) || hs_snapshot_get_i64(snap, "/a/c/1", &c1) ||
            hs_snapshot_get_i64(snap, "neg", &neg) || hs_snapshot_get_f64(snap, "f", &f) ||
            hs_snapshot_get_bool(snap, "even", &even) || hs_snapshot_get_str(snap, "s", buf, sizeof buf, &len)) {
            st->errors++;
        } else if ((uint64_t)gen != sg || ab != gen || c0 != gen || c1 != gen || neg != -gen || f != (double)gen + 0.5 ||
                   even != (gen % 2 == 0) || !big_ok(buf, len, sg)) {
            violation(st, "multi-key snapshot read mixed generations", (uint64_t)gen, sg);
        }
        st->reads += 8;
        st->snapshot_reads += 8;
    }
    st->retries = hs_stat(r, HS_STAT_RETRIES) + hs_key_stat(kgen, HS_STAT_RETRIES) + hs_key_stat(kab, HS_STAT_RETRIES) +
                  hs_key_stat(ks, HS_STAT_RETRIES) + hs_snapshot_stat(snap, HS_STAT_RETRIES);
    st->busy = hs_stat(r, HS_STAT_BUSY) + hs_key_stat(ks, HS_STAT_BUSY) + hs_snapshot_stat(snap, HS_STAT_BUSY);
    hs_key_close(kgen);
    hs_key_close(kab);
    hs_key_close(ks);
    hs_snapshot_close(snap);
    hs_close(r);
}

static atomic_int g_reader_stop;

static void *reader_main(void *arg) {
    reader_loop(arg, &g_reader_stop);
    return NULL;
}

/* Set by SIGTERM in the reader process; a lock-free atomic is safe to store from a handler. */
static atomic_int g_child_stop;
static void on_term(int sig) { (void)sig; atomic_store(&g_child_stop, 1); }

int main(int argc, char **argv) {
    uint64_t min_reads = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000ULL;
    double max_seconds = argc > 2 ? atof(argv[2]) : 60;
    const uint64_t min_publishes = 2000;
    char path[256];
    t_seg_path(path, sizeof path, "stress", g_instance, sizeof g_instance);
    hsw_remove(path);
    hsw_segment *w;
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    char json[BIG + 512];
    size_t n = make_json(json, sizeof json, 1);
    json[n] = 0;
    REQUIRE(t_publish(w, json) == 1);

    /* A reader process: same checks, its own mapping, results through a pipe. */
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(fds[0]);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term;
        sigaction(SIGTERM, &sa, NULL);
        stats cs;
        memset(&cs, 0, sizeof cs);
        reader_loop(&cs, &g_child_stop);
        _exit(write(fds[1], &cs, sizeof cs) == (ssize_t)sizeof cs ? 0 : 3);
    }
    close(fds[1]);

    pthread_t writer, readers[READER_THREADS];
    stats st[READER_THREADS];
    memset(st, 0, sizeof st);
    for (int i = 0; i < READER_THREADS; i++) pthread_create(&readers[i], NULL, reader_main, &st[i]);
    pthread_create(&writer, NULL, writer_main, w);

    int64_t start = t_now_ns();
    for (;;) {
        usleep(100000); /* progress check every 100 ms; correctness never depends on it */
        uint64_t reads = 0;
        for (int i = 0; i < READER_THREADS; i++) reads += __atomic_load_n(&st[i].reads, __ATOMIC_RELAXED);
        double elapsed = (double)(t_now_ns() - start) / 1e9;
        if ((reads >= min_reads && atomic_load(&g_publishes) >= min_publishes) || elapsed > max_seconds) break;
    }
    atomic_store(&g_stop, 1);
    pthread_join(writer, NULL);
    atomic_store(&g_reader_stop, 1);
    for (int i = 0; i < READER_THREADS; i++) pthread_join(readers[i], NULL);
    double elapsed = (double)(t_now_ns() - start) / 1e9;

    kill(child, SIGTERM);
    stats cs;
    memset(&cs, 0, sizeof cs);
    ssize_t got = read(fds[0], &cs, sizeof cs);
    int status;
    waitpid(child, &status, 0);
    close(fds[0]);
    CHECK(got == (ssize_t)sizeof cs && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("stress: reader process: %llu reads, violations %llu, errors %llu, retried reads %llu\n",
           (unsigned long long)cs.reads, (unsigned long long)cs.violations, (unsigned long long)cs.errors,
           (unsigned long long)cs.retries);

    stats total;
    memset(&total, 0, sizeof total);
    for (int i = 0; i < READER_THREADS; i++) {
        total.reads += st[i].reads;
        total.violations += st[i].violations;
        total.errors += st[i].errors;
        total.retries += st[i].retries;
        total.busy += st[i].busy;
        total.json_reads += st[i].json_reads;
        total.snapshot_reads += st[i].snapshot_reads;
        total.key_reads += st[i].key_reads;
    }
    uint64_t pubs = atomic_load(&g_publishes);
    printf("stress: %llu reads (%llu by key, %llu in multi-key snapshot reads, %llu whole-document JSON) "
           "over %llu publishes in %.1f s; violations %llu, errors %llu, retried reads %llu, busy %llu\n",
           (unsigned long long)total.reads, (unsigned long long)total.key_reads, (unsigned long long)total.snapshot_reads,
           (unsigned long long)total.json_reads, (unsigned long long)pubs, elapsed, (unsigned long long)total.violations,
           (unsigned long long)total.errors, (unsigned long long)total.retries, (unsigned long long)total.busy);
    CHECK(total.violations == 0 && cs.violations == 0);
    CHECK(total.errors == 0 && cs.errors == 0);
    CHECK(cs.reads > 0);
    CHECK(total.reads >= min_reads);
    CHECK(pubs >= min_publishes);
    hsw_close(w);
    hsw_remove(path);
    return t_finish("test_stress");
}
