/* test_growth.c - snapshots growing from 1 KiB to 64 MiB while reader threads read: the
 * writer builds larger segments and renames them into place; readers remap on their next
 * read and no read fails (HS_ETOOSMALL just means "grow your buffer and read again"). */
#include "testutil.h"
#include <pthread.h>
#include <stdatomic.h>

#define READERS 2
#define MAX_BLOB (64u << 20)

static char g_instance[128];
static atomic_int g_stop;

typedef struct {
    uint64_t reads, failures, violations, too_small, remaps, max_len;
} stats;

static char blob_char(uint64_t g) { return (char)('a' + g % 26); }

static void *reader_main(void *arg) {
    stats *st = arg;
    hs_reader *r;
    if (hs_open(g_instance, &r) != HS_OK) { st->failures++; return NULL; }
    hs_snapshot *snap;
    hs_key *kgen;
    if (hs_snapshot_open(r, &snap) != HS_OK || hs_key_open(r, "gen", &kgen) != HS_OK) { st->failures++; return NULL; }
    size_t cap = 4096;
    char *buf = malloc(cap);
    uint64_t last = 0;
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        int64_t g = 0;
        if (hs_get_i64(r, "gen", &g) != HS_OK) st->failures++;
        if (hs_key_get_i64(kgen, &g) != HS_OK) st->failures++;
        if ((uint64_t)g < last) st->violations++;
        last = (uint64_t)g;
        size_t len = 0;
        int rc = hs_get_str(r, "blob", buf, cap, &len);
        if (rc == HS_ETOOSMALL) {
            st->too_small++;
            cap = len + 1;
            buf = realloc(buf, cap);
        } else if (rc != HS_OK) {
            st->failures++;
        } else {
            /* one read, one snapshot: every byte of the blob is the same letter */
            if (len && memchr(buf, buf[0] == 'a' ? 'b' : 'a', len)) st->violations++;
            if (len > st->max_len) st->max_len = len;
        }
        /* multi-key: generation, declared size and the blob agree */
        if (hs_snapshot_refresh(snap, NULL) != HS_OK) { st->failures++; continue; }
        int64_t sg = 0, size = 0;
        if (hs_snapshot_get_i64(snap, "gen", &sg) || hs_snapshot_get_i64(snap, "size", &size)) { st->failures++; continue; }
        rc = hs_snapshot_get_str(snap, "blob", buf, cap, &len);
        if (rc == HS_ETOOSMALL) { cap = len + 1; buf = realloc(buf, cap); st->too_small++; continue; }
        if (rc != HS_OK) { st->failures++; continue; }
        if ((uint64_t)sg != hs_snapshot_generation(snap) || (size_t)size != len || (len && buf[len / 2] != blob_char((uint64_t)sg)))
            st->violations++;
        st->reads += 6;
    }
    st->remaps = hs_stat(r, HS_STAT_REMAPS);
    free(buf);
    hs_key_close(kgen);
    hs_snapshot_close(snap);
    hs_close(r);
    return NULL;
}

static void publish_blob(hsw_segment *w, size_t size) {
    uint64_t g = hsw_generation(w) + 1;
    char *json = malloc(size + 128);
    int n = snprintf(json, 128, "{\"gen\":%llu,\"size\":%zu,\"blob\":\"", (unsigned long long)g, size);
    memset(json + n, blob_char(g), size);
    memcpy(json + n + size, "\"}", 3);
    uint8_t *doc;
    size_t len;
    REQUIRE(hsw_doc_from_json(json, (size_t)n + size + 2, &doc, &len) == HS_OK);
    uint64_t got;
    REQUIRE(hsw_publish(w, doc, len, g, &got) == HS_OK && got == g);
    hsw_doc_free(doc);
    free(json);
}

int main(void) {
    char path[256];
    t_seg_path(path, sizeof path, "growth", g_instance, sizeof g_instance);
    hsw_remove(path);
    hsw_segment *w;
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    publish_blob(w, 1024);
    pthread_t th[READERS];
    stats st[READERS];
    memset(st, 0, sizeof st);
    for (int i = 0; i < READERS; i++) pthread_create(&th[i], NULL, reader_main, &st[i]);
    int64_t start = t_now_ns();
    uint64_t capacities = 0, last_cap = hsw_capacity(w);
    for (size_t size = 1024; size <= MAX_BLOB; size *= 2) {
        for (int i = 0; i < 2; i++) publish_blob(w, size); /* several publishes per size: slots rotate */
        if (hsw_capacity(w) != last_cap) { capacities++; last_cap = hsw_capacity(w); }
    }
    /* and back down: a smaller snapshot reuses the big segment */
    publish_blob(w, 10);
    atomic_store(&g_stop, 1);
    stats total;
    memset(&total, 0, sizeof total);
    for (int i = 0; i < READERS; i++) {
        pthread_join(th[i], NULL);
        total.reads += st[i].reads;
        total.failures += st[i].failures;
        total.violations += st[i].violations;
        total.too_small += st[i].too_small;
        total.remaps += st[i].remaps;
        if (st[i].max_len > total.max_len) total.max_len = st[i].max_len;
    }
    printf("growth: 1 KiB -> %u MiB in %.1f s: %llu segments built, readers remapped %llu times, %llu reads, "
           "largest blob read %llu bytes, %llu buffer regrowths, failed reads %llu, violations %llu\n",
           MAX_BLOB >> 20, (double)(t_now_ns() - start) / 1e9, (unsigned long long)hsw_replacements(w),
           (unsigned long long)total.remaps, (unsigned long long)total.reads, (unsigned long long)total.max_len,
           (unsigned long long)total.too_small, (unsigned long long)total.failures, (unsigned long long)total.violations);
    CHECK(total.failures == 0);
    CHECK(total.violations == 0);
    CHECK(hsw_replacements(w) >= 8);
    CHECK(capacities >= 7);
    CHECK(total.remaps >= 1);
    hs_reader *r;
    REQUIRE(hs_open(g_instance, &r) == HS_OK);
    char small[64];
    size_t len;
    CHECK_RC(hs_get_str(r, "blob", small, sizeof small, &len), HS_OK);
    CHECK(len == 10);
    hs_close(r);
    hsw_close(w);
    hsw_remove(path);
    return t_finish("test_growth");
}
