/* test_crash.c - a writer SIGKILLed mid-publish (between the odd and the even sequence
 * stores, through the hsw_begin/hsw_commit hook) leaves readers on the previous snapshot,
 * and a new writer continues the generations. Also: a writer that died after retiring a
 * segment but before renaming its replacement into place. */
#define _GNU_SOURCE
#include "testutil.h"
#include "hs_layout.h"
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char g_instance[128];
static atomic_int g_stop;
static atomic_ullong g_reads, g_failures, g_wrong;

/* Reads continuously during the whole scenario: every read succeeds and sees a complete
 * snapshot ("v" and "w" agree). */
static void *background_reader(void *arg) {
    (void)arg;
    hs_reader *r;
    if (hs_open(g_instance, &r) != HS_OK) { atomic_fetch_add(&g_failures, 1); return NULL; }
    hs_snapshot *s;
    if (hs_snapshot_open(r, &s) != HS_OK) { atomic_fetch_add(&g_failures, 1); return NULL; }
    while (!atomic_load(&g_stop)) {
        int64_t v, w;
        if (hs_get_i64(r, "v", &v) != HS_OK) atomic_fetch_add(&g_failures, 1);
        if (hs_snapshot_refresh(s, NULL) != HS_OK || hs_snapshot_get_i64(s, "v", &v) || hs_snapshot_get_i64(s, "w", &w))
            atomic_fetch_add(&g_failures, 1);
        else if (w != v * 10) atomic_fetch_add(&g_wrong, 1);
        atomic_fetch_add(&g_reads, 2);
    }
    hs_snapshot_close(s);
    hs_close(r);
    return NULL;
}

static void encode(int64_t v, uint8_t **doc, size_t *len) {
    char json[128];
    int n = snprintf(json, sizeof json, "{\"v\":%lld,\"w\":%lld,\"pad\":\"%s\"}", (long long)v, (long long)v * 10, "xxxxxxxxxxxxxxxx");
    REQUIRE(hsw_doc_from_json(json, (size_t)n, doc, len) == HS_OK);
}

/* Child: reattach, start publishing v, write half the document, report, wait to be killed. */
static void crashing_writer(const char *path, int64_t v, int ready_fd) {
    hsw_segment *w;
    if (hsw_open(path, 0644, -1, &w) != HS_OK) _exit(3);
    uint8_t *doc;
    size_t len;
    encode(v, &doc, &len);
    void *dst;
    if (hsw_begin(w, len, &dst) != HS_OK) _exit(4);
    memcpy(dst, doc, len / 2);                 /* a torn document: the first half only */
    memset((char *)dst + len / 2, 0x5a, len - len / 2);
    uint64_t gen = hsw_generation(w);
    if (write(ready_fd, &gen, sizeof gen) != (ssize_t)sizeof gen) _exit(5);
    for (;;) pause();                          /* between W1 and W4, until SIGKILL */
}

static int64_t read_v(hs_reader *r) {
    int64_t v = -1;
    CHECK_RC(hs_get_i64(r, "v", &v), HS_OK);
    return v;
}

static void test_kill_mid_publish(const char *path) {
    hsw_segment *w;
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    uint8_t *doc;
    size_t len;
    encode(1, &doc, &len);
    uint64_t g1;
    REQUIRE(hsw_publish(w, doc, len, 0, &g1) == HS_OK);
    hsw_doc_free(doc);
    hsw_close(w); /* releases the lock for the child */

    hs_reader *r;
    REQUIRE(hs_open(g_instance, &r) == HS_OK);
    pthread_t bg;
    pthread_create(&bg, NULL, background_reader, NULL);

    /* Kill writers mid-publish several times in a row: each leaves the next slot with a larger
     * odd sequence, which the next writer must move past. */
    for (int round = 0; round < 6; round++) {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        pid_t child = fork();
        REQUIRE(child >= 0);
        if (child == 0) { close(fds[0]); crashing_writer(path, 1000 + round, fds[1]); }
        close(fds[1]);
        uint64_t child_gen = 0;
        REQUIRE(read(fds[0], &child_gen, sizeof child_gen) == (ssize_t)sizeof child_gen);
        close(fds[0]);
        /* The child is now stopped between the odd and the even store. */
        CHECK(read_v(r) == 1);
        CHECK(hs_generation(r) == g1);
        CHECK(child_gen == g1);
        REQUIRE(kill(child, SIGKILL) == 0);
        int status;
        REQUIRE(waitpid(child, &status, 0) == child);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        CHECK(read_v(r) == 1);
        CHECK(hs_generation(r) == g1);
        CHECK_RC(hs_wait(r, g1, 20), HS_ETIMEDOUT); /* nothing was published */
    }

    /* A new writer continues with a higher generation; readers see it. */
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    CHECK(hsw_generation(w) == g1);
    for (int i = 2; i < 12; i++) { /* cycles through every slot, the odd ones included */
        encode(i, &doc, &len);
        uint64_t g;
        CHECK_RC(hsw_publish(w, doc, len, 0, &g), HS_OK);
        CHECK(g == g1 + (uint64_t)i - 1);
        hsw_doc_free(doc);
        CHECK(read_v(r) == i);
        CHECK(hs_generation(r) == g);
    }
    hsw_close(w);
    atomic_store(&g_stop, 1);
    pthread_join(bg, NULL);
    hs_close(r);
    printf("crash: 6 writers killed mid-publish; background reader: %llu reads, %llu failed, %llu inconsistent\n",
           (unsigned long long)atomic_load(&g_reads), (unsigned long long)atomic_load(&g_failures),
           (unsigned long long)atomic_load(&g_wrong));
    CHECK(atomic_load(&g_failures) == 0);
    CHECK(atomic_load(&g_wrong) == 0);
}

/* A writer that retired the segment (growth step 2) and died before the rename (step 3). */
static void test_died_between_retire_and_rename(const char *path) {
    hsw_segment *w;
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    uint8_t *doc;
    size_t len;
    encode(7, &doc, &len);
    uint64_t g;
    REQUIRE(hsw_publish(w, doc, len, 0, &g) == HS_OK);
    hsw_doc_free(doc);
    hsw_close(w);
    hs_reader *r;
    REQUIRE(hs_open(g_instance, &r) == HS_OK);

    int fd = open(path, O_RDWR);
    REQUIRE(fd >= 0);
    uint8_t *base = mmap(NULL, HSL_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(base != MAP_FAILED);
    __atomic_fetch_or((uint64_t *)(void *)(base + HSL_OFF_CHANNEL0 + HSL_CH_CURRENT), HSL_CUR_RETIRED, __ATOMIC_RELEASE);
    munmap(base, HSL_HEADER_SIZE);
    close(fd);

    /* Readers keep the complete (retired) snapshot: nothing newer exists yet. */
    CHECK(read_v(r) == 7);
    CHECK(hs_generation(r) == g);
    hs_key *k;
    REQUIRE(hs_key_open(r, "v", &k) == HS_OK);
    int64_t v = 0;
    CHECK_RC(hs_key_get_i64(k, &v), HS_OK); CHECK(v == 7);

    /* The next writer replaces the retired segment; readers move over on their next read. */
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    CHECK(hsw_generation(w) == g);
    encode(8, &doc, &len);
    uint64_t g2;
    CHECK_RC(hsw_publish(w, doc, len, 0, &g2), HS_OK);
    hsw_doc_free(doc);
    CHECK(g2 == g + 1);
    CHECK(hsw_replacements(w) == 1);
    CHECK(read_v(r) == 8);
    CHECK_RC(hs_key_get_i64(k, &v), HS_OK); CHECK(v == 8);
    CHECK(hs_stat(r, HS_STAT_REMAPS) == 1);
    hs_key_close(k);
    hs_close(r);
    hsw_close(w);
}

int main(void) {
    char path[256];
    t_seg_path(path, sizeof path, "crash", g_instance, sizeof g_instance);
    hsw_remove(path);
    test_kill_mid_publish(path);
    hsw_remove(path);
    test_died_between_retire_and_rename(path);
    hsw_remove(path);
    return t_finish("test_crash");
}
