/* test_wait.c - hs_wait sleeps on the futex and wakes promptly after a publish (latency
 * measured and printed; only a generous deadline is asserted), times out correctly, returns
 * at once when the generation already moved, and follows a segment that grows. */
#define _GNU_SOURCE
#include "testutil.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>

static char g_instance[128];

typedef struct {
    hs_reader *r;
    uint64_t seen;
    int timeout_ms;
    atomic_int tid;
    int rc;
    int64_t woke_ns;
} waiter;

static void *wait_main(void *arg) {
    waiter *w = arg;
    atomic_store(&w->tid, (int)syscall(SYS_gettid));
    w->rc = hs_wait(w->r, w->seen, w->timeout_ms);
    w->woke_ns = t_now_ns();
    return NULL;
}

/* Waits (deadline 5 s) until thread `tid` sleeps in the kernel, so a publish really wakes it. */
static int wait_until_sleeping(int tid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    int64_t deadline = t_now_ns() + 5000000000LL;
    while (t_now_ns() < deadline) {
        FILE *f = fopen(path, "r");
        if (f) {
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = 0;
            char *close_paren = strrchr(buf, ')');
            if (close_paren && close_paren[1] == ' ' && close_paren[2] == 'S') return 1;
        }
        sched_yield();
    }
    return 0;
}

static int cmp64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(void) {
    char path[256];
    t_seg_path(path, sizeof path, "wait", g_instance, sizeof g_instance);
    hsw_remove(path);
    hsw_segment *w;
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    uint64_t g = t_publish(w, "{\"v\":0}");
    hs_reader *r;
    REQUIRE(hs_open(g_instance, &r) == HS_OK);

    /* Already newer: immediate. Timeout 0 with nothing new: immediate timeout. */
    CHECK_RC(hs_wait(r, g - 1, 10000), HS_OK);
    CHECK_RC(hs_wait(r, g, 0), HS_ETIMEDOUT);
    CHECK_RC(hs_wait(NULL, g, 0), HS_EINVAL);

    /* Times out after (not before) the timeout. */
    int64_t t0 = t_now_ns();
    CHECK_RC(hs_wait(r, g, 150), HS_ETIMEDOUT);
    int64_t waited = t_now_ns() - t0;
    CHECK(waited >= 150000000LL && waited < 5000000000LL);
    printf("wait: a 150 ms timeout returned after %.1f ms\n", (double)waited / 1e6);

    /* Wake-up latency: publish while the waiter sleeps in FUTEX_WAIT. */
    enum { ROUNDS = 50 };
    int64_t lat[ROUNDS];
    uint8_t *doc;
    size_t len;
    REQUIRE(hsw_doc_from_json("{\"v\":1}", 7, &doc, &len) == HS_OK);
    for (int i = 0; i < ROUNDS; i++) {
        waiter wt = { r, hsw_generation(w), 10000, 0, -100, 0 };
        pthread_t th;
        pthread_create(&th, NULL, wait_main, &wt);
        while (atomic_load(&wt.tid) == 0) sched_yield();
        CHECK(wait_until_sleeping(atomic_load(&wt.tid)));
        int64_t before = t_now_ns();
        uint64_t ng;
        CHECK_RC(hsw_publish(w, doc, len, 0, &ng), HS_OK);
        pthread_join(th, NULL);
        CHECK_RC(wt.rc, HS_OK);
        CHECK(hs_generation(r) == ng);
        lat[i] = wt.woke_ns - before;
        CHECK(lat[i] < 5000000000LL);
    }
    hsw_doc_free(doc);
    qsort(lat, ROUNDS, sizeof *lat, cmp64);
    printf("wait: wake-up after publish (publish call included), %d rounds: median %.1f us, p90 %.1f us, max %.1f us\n",
           ROUNDS, (double)lat[ROUNDS / 2] / 1e3, (double)lat[ROUNDS * 9 / 10] / 1e3, (double)lat[ROUNDS - 1] / 1e3);

    /* A waiter on a segment that is replaced by a larger one wakes and sees the new generation. */
    {
        waiter wt = { r, hsw_generation(w), 10000, 0, -100, 0 };
        pthread_t th;
        pthread_create(&th, NULL, wait_main, &wt);
        while (atomic_load(&wt.tid) == 0) sched_yield();
        CHECK(wait_until_sleeping(atomic_load(&wt.tid)));
        size_t big = hsw_capacity(w) + 100;
        char *json = malloc(big + 32);
        int n = snprintf(json, 32, "{\"v\":2,\"blob\":\"");
        memset(json + n, 'z', big);
        memcpy(json + n + big, "\"}", 3);
        uint64_t before_replacements = hsw_replacements(w);
        t_publish(w, json);
        free(json);
        CHECK(hsw_replacements(w) == before_replacements + 1);
        pthread_join(th, NULL);
        CHECK_RC(wt.rc, HS_OK);
        int64_t v = 0;
        CHECK_RC(hs_get_i64(r, "v", &v), HS_OK);
        CHECK(v == 2);
        CHECK(hs_stat(r, HS_STAT_REMAPS) == 1);
    }
    hs_close(r);
    hsw_close(w);
    hsw_remove(path);
    return t_finish("test_wait");
}
