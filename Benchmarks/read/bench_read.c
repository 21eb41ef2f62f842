/* bench_read.c - read latency of libhotswap against three baselines, on the same
 * 10,000-key document, with readers in 1 and 2 threads.
 *
 *   hs_get_i64 by path         dotted path "s042.k17", lookup through the key index
 *   hs_get_i64 by JSON pointer the same key as "/s042/k17"
 *   by path, 10,000 keys       every key of the document in turn ("s000.k00", "s000.k01"...):
 *                              what a read costs when the per-thread cache of resolved paths
 *                              cannot help (it holds 64)
 *   hs_key_get_i64 (handle)    resolved once, revalidated by one load per read
 *   snapshot multi-key (x4)    hs_snapshot_refresh + 4 hs_snapshot_get_i64, one generation
 *   hs_get_json whole doc      the whole document as JSON into a buffer
 *   rwlock struct in shm       pthread_rwlock (process-shared) around a struct of 10,000 i64
 *   arc-swap pointer           atomically loaded pointer + refcount inc/dec, in process
 *   JSON file re-read+parse    open/read/close the JSON file and scan it for the key
 *
 * Latency: one thread runs batches of reads (a few tens of microseconds each) for a time
 * budget; the figure is the median ns/read over batches, robust to the batches that another
 * process preempted on a shared machine.
 *
 * Scaling: two threads, pinned to different CPUs when there are two, released together by a
 * barrier, each doing the same fixed number of batches as the one-thread run. A two-thread
 * figure only means something for batches during which both threads were really running, so
 * each thread records, per batch, its start and end (wall clock) and the thread's CPU time
 * around it. A batch ran without interruption when its CPU time covers its wall time (a
 * preempted thread, or a vCPU the hypervisor took away, accumulates none, while a thread
 * slowed by cache-line contention keeps burning CPU). A batch counts as concurrent when it
 * ran without interruption and so did every batch of the other thread that overlaps it in
 * time. The 2-thread median is over concurrent batches only, and the table says how many
 * there were. The arc-swap and rwlock baselines write one shared cache line per read: if the
 * threads really run at the same time, they must slow down; libhotswap's reads write no
 * shared line and should not.
 *
 * Usage: bench_read [seconds-per-case, default 0.4]
 */
#define _GNU_SOURCE
#include "hotswap.h"
#include "hotswap_writer.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SECTIONS 100
#define KEYS 100
#define NKEYS (SECTIONS * KEYS)
#define MAX_BATCHES 8192
#define ROUNDS 3 /* 1-thread and 2-thread runs alternate this many times per case */

static char g_instance[64], g_shm_path[128], g_json_path[128];
static char *g_json;
static size_t g_json_len;
static double g_seconds = 0.4;
static hs_reader *g_reader;
static char (*g_paths)[16]; /* "sNNN.kNN" for every key, for the round-robin case */
static long g_cpus;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t value_of(int s, int k) { return (int64_t)s * 1000 + k; }

static void build_json(void) {
    size_t cap = 64 + (size_t)NKEYS * 32;
    g_json = malloc(cap);
    size_t n = 0;
    n += (size_t)sprintf(g_json + n, "{");
    for (int s = 0; s < SECTIONS; s++) {
        n += (size_t)sprintf(g_json + n, "%s\"s%03d\":{", s ? "," : "", s);
        for (int k = 0; k < KEYS; k++) n += (size_t)sprintf(g_json + n, "%s\"k%02d\":%lld", k ? "," : "", k, (long long)value_of(s, k));
        n += (size_t)sprintf(g_json + n, "}");
    }
    n += (size_t)sprintf(g_json + n, "}");
    g_json_len = n;
    g_paths = malloc(sizeof *g_paths * NKEYS);
    for (int i = 0; i < NKEYS; i++) snprintf(g_paths[i], sizeof g_paths[i], "s%03d.k%02d", i / KEYS, i % KEYS);
}

/* ---- baselines ------------------------------------------------------------------------ */

typedef struct {
    pthread_rwlock_t lock;
    int64_t values[NKEYS];
} locked_config;
static locked_config *g_locked;

typedef struct {
    _Atomic long refs;
    int64_t values[NKEYS];
} counted_config;
static _Atomic(counted_config *) g_current;

/* The arc-swap model, in one process: take a reference, read, drop it. (The writer would
 * swap the pointer and free the old object when its count drops to zero.) */
static int64_t arc_read(int idx) {
    counted_config *c = atomic_load_explicit(&g_current, memory_order_acquire);
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_acquire);
    int64_t v = c->values[idx];
    atomic_fetch_sub_explicit(&c->refs, 1, memory_order_release);
    return v;
}

static int64_t rwlock_read(int idx) {
    pthread_rwlock_rdlock(&g_locked->lock);
    int64_t v = g_locked->values[idx];
    pthread_rwlock_unlock(&g_locked->lock);
    return v;
}

/* Re-reads the JSON file and finds "sNNN" then "kNN" in it: a minimal scan, no allocation. */
static _Thread_local char g_file_buf[1 << 20];
static int64_t file_read(int s, int k) {
    int fd = open(g_json_path, O_RDONLY);
    ssize_t n = read(fd, g_file_buf, sizeof g_file_buf - 1);
    close(fd);
    if (n <= 0) return -1;
    g_file_buf[n] = 0;
    char want[16];
    snprintf(want, sizeof want, "\"s%03d\":{", s);
    char *p = strstr(g_file_buf, want);
    if (!p) return -1;
    snprintf(want, sizeof want, "\"k%02d\":", k);
    p = strstr(p, want);
    return p ? strtoll(p + strlen(want), NULL, 10) : -1;
}

/* ---- the harness ---------------------------------------------------------------------- */

enum { B_PATH, B_POINTER, B_PATH_ALL, B_KEY, B_SNAPSHOT, B_JSON, B_RWLOCK, B_ARC, B_FILE, B_COUNT };
static const char *NAMES[B_COUNT] = {
    "hs_get_i64 by path", "hs_get_i64 by JSON pointer", "by path, 10,000 keys in turn",
    "hs_key_get_i64 (resolved handle)", "snapshot multi-key read (4 keys)", "hs_get_json whole document",
    "baseline: rwlock struct in shm", "baseline: arc-swap refcounted ptr", "baseline: re-read + parse JSON file",
};
/* Reads per batch: a batch takes some tens of microseconds, far below a scheduler time slice. */
static const int BATCH[B_COUNT] = { 2000, 2000, 2000, 20000, 500, 5, 5000, 5000, 1 };

typedef struct {
    int64_t t0, t1;   /* wall clock */
    int64_t cpu;      /* thread CPU time from just before t0 to just after t1 */
} span;

/* One per thread, on its own cache lines: the harness must not share written lines either. */
typedef struct {
    _Alignas(128) int bench;
    int cpu;           /* -1: not pinned */
    int batches;       /* 0: until the time budget runs out */
    pthread_barrier_t *start;
    span *spans;
    int nspans;
    int64_t wall0, wall1, cpu_ns;
    int64_t sink;
    int failures;
    char pad[128];
} worker;

static void *run_worker(void *arg) {
    worker *w = arg;
    if (w->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(w->cpu, &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* best effort */
    }
    hs_key *key = NULL;
    hs_snapshot *snap = NULL;
    char *buf = NULL;
    size_t cap = g_json_len + 1;
    if (w->bench == B_KEY && hs_key_open(g_reader, "s042.k17", &key) != HS_OK) w->failures++;
    if (w->bench == B_SNAPSHOT && hs_snapshot_open(g_reader, &snap) != HS_OK) w->failures++;
    if (w->bench == B_JSON) buf = malloc(cap);
    /* Warm up: the first read of a thread sets up its caches. */
    int64_t v0;
    (void)hs_get_i64(g_reader, "s042.k17", &v0);
    pthread_barrier_wait(w->start);
    int64_t end = now_ns() + (int64_t)(g_seconds * 1e9);
    int64_t sink = 0;
    unsigned rr = 0;
    const int limit = w->batches ? w->batches : MAX_BATCHES;
    w->cpu_ns = thread_cpu_ns();
    w->wall0 = now_ns();
    while (w->nspans < limit && (w->batches || now_ns() < end)) {
        int64_t c0 = thread_cpu_ns();
        int64_t t0 = now_ns();
        const int n = BATCH[w->bench];
        int failed = 0;
        size_t len;
        /* One tight loop per case, so the harness costs the same little in every case. */
        switch (w->bench) {
        case B_PATH:
            for (int i = 0; i < n; i++) { int64_t v; failed |= hs_get_i64(g_reader, "s042.k17", &v); sink += v; }
            break;
        case B_POINTER:
            for (int i = 0; i < n; i++) { int64_t v; failed |= hs_get_i64(g_reader, "/s042/k17", &v); sink += v; }
            break;
        case B_PATH_ALL:
            for (int i = 0; i < n; i++) {
                int64_t v;
                failed |= hs_get_i64(g_reader, g_paths[rr], &v);
                sink += v;
                rr = rr + 1 == NKEYS ? 0 : rr + 1;
            }
            break;
        case B_KEY:
            for (int i = 0; i < n; i++) { int64_t v; failed |= hs_key_get_i64(key, &v); sink += v; }
            break;
        case B_SNAPSHOT:
            for (int i = 0; i < n; i++) {
                int64_t a, b, c, d;
                failed |= hs_snapshot_refresh(snap, NULL) | hs_snapshot_get_i64(snap, "s042.k17", &a) |
                          hs_snapshot_get_i64(snap, "s042.k18", &b) | hs_snapshot_get_i64(snap, "s077.k03", &c) |
                          hs_snapshot_get_i64(snap, "s099.k99", &d);
                sink += a + b + c + d;
            }
            break;
        case B_JSON:
            for (int i = 0; i < n; i++) { failed |= hs_get_json(g_reader, "", buf, cap, &len); sink += (int64_t)len; }
            break;
        case B_RWLOCK:
            for (int i = 0; i < n; i++) sink += rwlock_read(42 * KEYS + 17);
            break;
        case B_ARC:
            for (int i = 0; i < n; i++) sink += arc_read(42 * KEYS + 17);
            break;
        case B_FILE:
            for (int i = 0; i < n; i++) { int64_t v = file_read(42, 17); failed |= v != value_of(42, 17); sink += v; }
            break;
        }
        if (failed) w->failures++;
        int64_t t1 = now_ns();
        w->spans[w->nspans].t0 = t0;
        w->spans[w->nspans].t1 = t1;
        w->spans[w->nspans].cpu = thread_cpu_ns() - c0;
        w->nspans++;
    }
    w->wall1 = now_ns();
    w->cpu_ns = thread_cpu_ns() - w->cpu_ns;
    w->sink = sink;
    hs_key_close(key);
    hs_snapshot_close(snap);
    free(buf);
    return NULL;
}

/* How fast this CPU is right now: ns per dependent 64-bit multiply-add (about 1.3-1.6 ns on
 * an idle 2.5-3 GHz x86 core; more when the core is shared or throttled). Printed so the
 * figures below can be compared across machines and moments. */
static double calibrate(void) {
    volatile uint64_t seed = 1;
    uint64_t x = seed;
    int64_t t0 = now_ns();
    for (long i = 0; i < 50000000; i++) x = x * 0x9e3779b97f4a7c15ULL + 1;
    int64_t t1 = now_ns();
    seed = x;
    return (double)(t1 - t0) / 5e7;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    if (n == 0) return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Whether the thread ran through the whole batch: its CPU time covers (nearly) all of the
 * batch's wall time. */
static int uninterrupted(span s) { return (double)s.cpu >= 0.9 * (double)(s.t1 - s.t0); }

/* ns/read samples of one case, pooled over rounds. */
typedef struct {
    double *v;
    int n, cap;
} pool;

static void pool_add(pool *p, double x) {
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 1024;
        p->v = realloc(p->v, sizeof *p->v * (size_t)p->cap);
    }
    p->v[p->n++] = x;
}

typedef struct {
    double ns;                /* median ns per read over uninterrupted (2 threads: concurrent) batches */
    int batches;              /* batches per thread */
    int concurrent;           /* uninterrupted batches (2 threads: concurrent ones, of both threads) */
    int total;                /* batches (2 threads: of both) */
    double wall_ms[2];        /* the fixed work's wall time, per thread */
    double on_cpu[2];         /* thread CPU time / wall time */
    double overlap;           /* 2 threads: the fraction of the union of both runs they shared */
    int pinned;
} result;

/* Runs `bench` in `threads` threads (1 or 2); `batches` 0 means "for the time budget".
 * Adds the per-batch ns/read that count (see the top of the file) to `samples`. */
static result measure(int bench, int threads, int batches, pool *samples) {
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    pthread_t th[2];
    worker *w = aligned_alloc(128, sizeof(worker) * 2);
    result res;
    memset(&res, 0, sizeof res);
    res.pinned = g_cpus >= 2;
    for (int i = 0; i < threads; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].bench = bench;
        w[i].cpu = g_cpus >= 2 ? i : -1;
        w[i].batches = batches;
        w[i].start = &start;
        w[i].spans = aligned_alloc(128, MAX_BATCHES * sizeof(span));
        pthread_create(&th[i], NULL, run_worker, &w[i]);
    }
    int failures = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        failures += w[i].failures;
        res.wall_ms[i] = (double)(w[i].wall1 - w[i].wall0) / 1e6;
        res.on_cpu[i] = w[i].wall1 > w[i].wall0 ? (double)w[i].cpu_ns / (double)(w[i].wall1 - w[i].wall0) : 0;
    }
    pthread_barrier_destroy(&start);
    if (failures) { fprintf(stderr, "%s: %d batches with failed reads\n", NAMES[bench], failures); exit(1); }
    res.batches = w[0].nspans;
    const double per = BATCH[bench];
    if (threads == 1) {
        /* Uninterrupted batches only. */
        for (int i = 0; i < w[0].nspans; i++) {
            if (!uninterrupted(w[0].spans[i])) continue;
            pool_add(samples, (double)(w[0].spans[i].t1 - w[0].spans[i].t0) / per);
            res.concurrent++;
        }
        res.total = w[0].nspans;
    } else {
        int64_t lo = w[0].wall0 > w[1].wall0 ? w[0].wall0 : w[1].wall0;
        int64_t hi = w[0].wall1 < w[1].wall1 ? w[0].wall1 : w[1].wall1;
        int64_t ulo = w[0].wall0 < w[1].wall0 ? w[0].wall0 : w[1].wall0;
        int64_t uhi = w[0].wall1 > w[1].wall1 ? w[0].wall1 : w[1].wall1;
        res.overlap = hi > lo && uhi > ulo ? (double)(hi - lo) / (double)(uhi - ulo) : 0;
        for (int a = 0; a < 2; a++) {
            const worker *me = &w[a], *other = &w[1 - a];
            int j = 0;
            for (int i = 0; i < me->nspans; i++) {
                span s = me->spans[i];
                res.total++;
                if (!uninterrupted(s)) continue;
                if (s.t0 < other->wall0 || s.t1 > other->wall1) continue; /* the other was not in its loop */
                while (j < other->nspans && other->spans[j].t1 < s.t0) j++;
                int ok = 1;
                for (int k = j; k < other->nspans && other->spans[k].t0 <= s.t1; k++)
                    if (!uninterrupted(other->spans[k])) { ok = 0; break; }
                if (!ok) continue;
                pool_add(samples, (double)(s.t1 - s.t0) / per);
                res.concurrent++;
            }
        }
    }
    for (int i = 0; i < threads; i++) free(w[i].spans);
    free(w);
    return res;
}

int main(int argc, char **argv) {
    if (argc > 1) g_seconds = atof(argv[1]);
    snprintf(g_instance, sizeof g_instance, "bench-%d", (int)getpid());
    snprintf(g_shm_path, sizeof g_shm_path, "/dev/shm/hotswap.%s", g_instance);
    snprintf(g_json_path, sizeof g_json_path, "/tmp/hotswap-bench-%d.json", (int)getpid());
    build_json();

    hsw_segment *wr;
    uint8_t *doc;
    size_t doc_len;
    if (hsw_open(g_shm_path, 0644, -1, &wr) || hsw_doc_from_json(g_json, g_json_len, &doc, &doc_len) ||
        hsw_publish(wr, doc, doc_len, 0, NULL) || hs_open(g_instance, &g_reader)) {
        fprintf(stderr, "bench: cannot set up the segment\n");
        return 1;
    }

    int fd = open(g_json_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, g_json, g_json_len) != (ssize_t)g_json_len) return 1;
    close(fd);

    g_locked = mmap(NULL, sizeof *g_locked, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_rwlock_init(&g_locked->lock, &attr);
    counted_config *cc = aligned_alloc(64, sizeof *cc);
    atomic_init(&cc->refs, 1);
    for (int s = 0; s < SECTIONS; s++)
        for (int k = 0; k < KEYS; k++) g_locked->values[s * KEYS + k] = cc->values[s * KEYS + k] = value_of(s, k);
    atomic_store(&g_current, cc);

    g_cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double loadavg[1] = { -1 };
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) { if (fscanf(la, "%lf", &loadavg[0]) != 1) loadavg[0] = -1; fclose(la); }
    printf("libhotswap read benchmark: %d keys, document %zu bytes (JSON %zu bytes), %ld CPUs, load average %.2f, %.1f s per case\n",
           NKEYS, doc_len, g_json_len, g_cpus, loadavg[0], g_seconds);
    printf("CPU calibration: %.2f ns per dependent multiply-add (about 1.3-1.6 on an idle 2.5-3 GHz core)\n", calibrate());
    printf("median ns per read over batches not interrupted (1 thread); 2 threads %s, started together,\n"
           "the same fixed work each, %d rounds of 1 and 2 threads in turn; the 2-thread median counts only batches\n"
           "during which both threads ran (conc: how many of all batches); 'x2/x1' is the 2-thread latency over the\n"
           "1-thread one: 1.00 = perfect scaling, above = the threads slowed each other down\n\n",
           g_cpus >= 2 ? "pinned to CPUs 0 and 1" : "(one CPU: not concurrent)", ROUNDS);
    printf("%-36s %10s %10s %7s %12s %8s %9s\n", "case", "1 thread", "2 threads", "x2/x1", "conc", "vs arc", "vs rwlock");
    /* Rounds of (1 thread, 2 threads) in turn, so that both see the same drifting machine. */
    result r1[B_COUNT], r2[B_COUNT];
    memset(r1, 0, sizeof r1);
    memset(r2, 0, sizeof r2);
    const double budget = g_seconds;
    g_seconds = budget / ROUNDS;
    for (int b = 0; b < B_COUNT; b++) {
        pool p1 = { NULL, 0, 0 }, p2 = { NULL, 0, 0 };
        for (int round = 0; round < ROUNDS; round++) {
            result a = measure(b, 1, 0, &p1);
            result c = measure(b, 2, a.batches, &p2);
            r1[b].concurrent += a.concurrent;
            r1[b].total += a.total;
            r1[b].wall_ms[0] += a.wall_ms[0] / ROUNDS;
            r1[b].on_cpu[0] += a.on_cpu[0] / ROUNDS;
            r2[b].concurrent += c.concurrent;
            r2[b].total += c.total;
            for (int i = 0; i < 2; i++) {
                r2[b].wall_ms[i] += c.wall_ms[i] / ROUNDS;
                r2[b].on_cpu[i] += c.on_cpu[i] / ROUNDS;
            }
            r2[b].overlap += c.overlap / ROUNDS;
        }
        r1[b].ns = median(p1.v, p1.n);
        r2[b].ns = median(p2.v, p2.n);
        free(p1.v);
        free(p2.v);
    }
    g_seconds = budget;
    for (int b = 0; b < B_COUNT; b++) {
        char conc[32];
        snprintf(conc, sizeof conc, "%d/%d", r2[b].concurrent, r2[b].total);
        if (r2[b].concurrent)
            printf("%-36s %10.2f %10.2f %7.2f %12s %8.2f %9.2f\n", NAMES[b], r1[b].ns, r2[b].ns, r2[b].ns / r1[b].ns, conc,
                   r1[b].ns / r1[B_ARC].ns, r1[b].ns / r1[B_RWLOCK].ns);
        else
            printf("%-36s %10.2f %10s %7s %12s %8.2f %9.2f\n", NAMES[b], r1[b].ns, "-", "-", conc,
                   r1[b].ns / r1[B_ARC].ns, r1[b].ns / r1[B_RWLOCK].ns);
    }
    printf("\n(vs columns: 1-thread ratio to the baseline; below 1.00 means faster than the baseline)\n");
    printf("snapshot multi-key read per key: %.2f ns (1 thread), %.2f ns (2 threads)\n", r1[B_SNAPSHOT].ns / 4, r2[B_SNAPSHOT].ns / 4);
    printf("targets: by handle <= 5 ns: %s (%.2f); by path <= 30 ns: %s (%.2f); handle vs arc-swap: %.2fx; path vs arc-swap: %.2fx\n",
           r1[B_KEY].ns <= 5 ? "met" : "MISSED", r1[B_KEY].ns, r1[B_PATH].ns <= 30 ? "met" : "MISSED", r1[B_PATH].ns,
           r1[B_KEY].ns / r1[B_ARC].ns, r1[B_PATH].ns / r1[B_ARC].ns);
    printf("\nthread scaling detail (fixed work per thread; on-CPU = thread CPU time / wall time of its run;\n"
           "overlap = share of the two runs' union during which both were in their loops; means over the rounds)\n");
    printf("%-36s %9s %9s %9s %7s %7s %7s %8s\n", "case", "1T wall", "2T wall A", "2T wall B", "1T cpu", "A cpu", "B cpu", "overlap");
    for (int b = 0; b < B_COUNT; b++)
        printf("%-36s %7.1fms %7.1fms %7.1fms %6.0f%% %6.0f%% %6.0f%% %7.0f%%\n", NAMES[b], r1[b].wall_ms[0], r2[b].wall_ms[0],
               r2[b].wall_ms[1], 100 * r1[b].on_cpu[0], 100 * r2[b].on_cpu[0], 100 * r2[b].on_cpu[1], 100 * r2[b].overlap);

    hs_close(g_reader);
    hsw_close(wr);
    hsw_remove(g_shm_path);
    unlink(g_json_path);
    hsw_doc_free(doc);
    return 0;
}
