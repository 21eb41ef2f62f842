/* test_corrupt.c - hostile and corrupt segments give error codes, never a crash or a hang:
 * random bytes, truncated files, wrong magic, wrong ABI, bad header fields, and (through a
 * writable mapping, as a hostile writer would) every kind of bad offset in a live segment.
 * Built with AddressSanitizer and UBSan by `make test-c`. */
#define _GNU_SOURCE
#include "testutil.h"
#include "hs_layout.h"
#include "hs_internal.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

static char g_dir_path[256];

static int write_file(const char *path, const void *p, size_t n) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    ssize_t w = n ? write(fd, p, n) : 0;
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}

static int valid_code(int rc) { return rc <= 0 && rc >= HS_EINTR; }

/* Every API call on `r`; checks that each returns a documented code. */
static void exercise(hs_reader *r) {
    static const char *paths[] = { "", "a", "a.b", "/a/b", "list.0", "list.1.x", "s", "deep.0.0.0", "nope", "/x~1y" };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        int64_t v;
        double d;
        bool b;
        int t;
        char buf[64];
        size_t len;
        CHECK(valid_code(hs_get_i64(r, paths[i], &v)));
        CHECK(valid_code(hs_get_f64(r, paths[i], &d)));
        CHECK(valid_code(hs_get_bool(r, paths[i], &b)));
        CHECK(valid_code(hs_get_type(r, paths[i], &t)));
        CHECK(valid_code(hs_get_str(r, paths[i], buf, sizeof buf, &len)));
        CHECK(valid_code(hs_get_json(r, paths[i], buf, sizeof buf, &len)));
        hs_key *k;
        if (hs_key_open(r, paths[i], &k) == HS_OK) {
            CHECK(valid_code(hs_key_get_i64(k, &v)));
            CHECK(valid_code(hs_key_get_str(k, buf, sizeof buf, &len)));
            CHECK(valid_code(hs_key_get_json(k, buf, sizeof buf, &len)));
            hs_key_close(k);
        }
    }
    (void)hs_generation(r);
    CHECK(valid_code(hs_wait(r, UINT64_MAX, 0)));
    hs_snapshot *s;
    int rc = hs_snapshot_open(r, &s);
    CHECK(valid_code(rc));
    if (rc == HS_OK) {
        CHECK(valid_code(hs_snapshot_refresh(s, NULL)));
        int64_t v;
        CHECK(valid_code(hs_snapshot_get_i64(s, "a.b", &v)));
        hs_snapshot_close(s);
    }
}

static const char *DOC = "{\"a\":{\"b\":1,\"c\":\"str\"},\"list\":[1,{\"x\":2.5}],\"s\":\"hello world\","
                         "\"deep\":[[[[true]]]],\"x/y\":null}";

/* A valid segment file's bytes. */
static uint8_t *valid_segment(const char *path, size_t *n) {
    hsw_remove(path);
    hsw_segment *w;
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    t_publish(w, DOC);
    t_publish(w, DOC);
    hsw_close(w);
    int fd = open(path, O_RDONLY);
    REQUIRE(fd >= 0);
    struct stat st;
    fstat(fd, &st);
    *n = (size_t)st.st_size;
    uint8_t *p = malloc(*n);
    REQUIRE(read(fd, p, *n) == (ssize_t)*n);
    close(fd);
    return p;
}

static void fix_header_checksum(uint8_t *p) {
    uint64_t c = hsl_bytes_hash(HSL_HEADER_SEED, p, HSL_HDR_CHECKED_BYTES);
    memcpy(p + HSL_OFF_HDR_CHECKSUM, &c, 8);
}

static int open_bytes(const uint8_t *p, size_t n) {
    REQUIRE(write_file(g_dir_path, p, n) == 0);
    hs_reader *r = NULL;
    int rc = hs_open_path(g_dir_path, &r);
    if (rc == HS_OK) { exercise(r); hs_close(r); }
    return rc;
}

/* Rewrites bytes of a live slot as a writer publishing in place would (W1..W4): the
 * sequence odd, the bytes, then the sequence even and larger, so readers see a new snapshot
 * and check it afresh. A reader may keep using a header or a path resolution it checked under
 * an unchanged sequence, so corruption that is to be detected goes through here. */
static void slot_write(uint8_t *slot, size_t off, const void *src, size_t n) {
    uint64_t *seq = (uint64_t *)(void *)slot;
    uint64_t s = __atomic_load_n(seq, __ATOMIC_RELAXED);
    uint64_t odd = (s | 1) + (s & 1 ? 2 : 0);
    __atomic_store_n(seq, odd, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memcpy(slot + off, src, n);
    __atomic_store_n(seq, odd + 1, __ATOMIC_RELEASE);
}

/* Puts the saved slot back, as a new publish (the sequence keeps growing). */
static void slot_restore(uint8_t *slot, const uint8_t *saved, size_t stride) {
    slot_write(slot, 8, saved + 8, stride - 8);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

int main(void) {
    char path[256], instance[128];
    t_seg_path(path, sizeof path, "corrupt", instance, sizeof instance);
    snprintf(g_dir_path, sizeof g_dir_path, "/dev/shm/hotswap.%s-file", instance);
    size_t n;
    uint8_t *good = valid_segment(path, &n);
    uint8_t *p = malloc(n);

    /* The pristine bytes open and read. */
    CHECK_RC(open_bytes(good, n), HS_OK);

    /* Random bytes of many sizes. */
    for (int i = 0; i < 200; i++) {
        size_t sz = (size_t)(next_rand() % 20000);
        for (size_t j = 0; j < sz; j++) p[j] = (uint8_t)next_rand();
        int rc = open_bytes(p, sz);
        CHECK(rc == HS_ECORRUPT || rc == HS_EABI);
    }
    /* Random bytes behind a valid magic and ABI, with a correct header checksum. */
    for (int i = 0; i < 200; i++) {
        for (size_t j = 0; j < n; j++) p[j] = (uint8_t)next_rand();
        memcpy(p, HSL_MAGIC, 8);
        uint32_t abi = HS_ABI_VERSION, hs = HSL_HEADER_SIZE, zero = 0;
        memcpy(p + HSL_OFF_ABI, &abi, 4);
        memcpy(p + HSL_OFF_HEADER_SIZE, &hs, 4);
        memcpy(p + HSL_OFF_INCOMPAT, &zero, 4);
        fix_header_checksum(p);
        CHECK(valid_code(open_bytes(p, n)));
    }
    /* Truncated files. */
    size_t cuts[] = { 0, 1, 8, 100, 4095, 4096, 4097, 4096 + 64, 4096 + 200, n / 2, n - 1 };
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        int rc = open_bytes(good, cuts[i]);
        CHECK(rc == HS_ECORRUPT);
    }
    /* Wrong magic, wrong ABI, unknown incompatible feature, bad checksum, bad geometry. */
    memcpy(p, good, n); p[0] = 'X';
    CHECK_RC(open_bytes(p, n), HS_ECORRUPT);
    memcpy(p, good, n); { uint32_t v = 2; memcpy(p + HSL_OFF_ABI, &v, 4); fix_header_checksum(p); }
    CHECK_RC(open_bytes(p, n), HS_EABI);
    memcpy(p, good, n); { uint32_t v = 1; memcpy(p + HSL_OFF_INCOMPAT, &v, 4); fix_header_checksum(p); }
    CHECK_RC(open_bytes(p, n), HS_EABI);
    memcpy(p, good, n); p[HSL_OFF_SERIAL] ^= 1;
    CHECK_RC(open_bytes(p, n), HS_ECORRUPT);
    struct { size_t off; uint64_t value; int width; } geom[] = {
        { HSL_OFF_SEGMENT_SIZE, 1ULL << 40, 8 }, { HSL_OFF_SEGMENT_SIZE, 100, 8 },
        { HSL_OFF_SLOTS_OFFSET, 0, 8 }, { HSL_OFF_SLOTS_OFFSET, 4097, 8 }, { HSL_OFF_SLOTS_OFFSET, 1ULL << 62, 8 },
        { HSL_OFF_SLOT_STRIDE, 0, 8 }, { HSL_OFF_SLOT_STRIDE, 1ULL << 63, 8 }, { HSL_OFF_SLOT_STRIDE, 4100, 8 },
        { HSL_OFF_SLOT_COUNT, 0, 4 }, { HSL_OFF_SLOT_COUNT, 65, 4 }, { HSL_OFF_SLOT_COUNT, 0xffffffff, 4 },
        { HSL_OFF_HEADER_SIZE, 8192, 4 },
    };
    for (size_t i = 0; i < sizeof geom / sizeof *geom; i++) {
        memcpy(p, good, n);
        memcpy(p + geom[i].off, &geom[i].value, (size_t)geom[i].width);
        fix_header_checksum(p);
        CHECK_RC(open_bytes(p, n), HS_ECORRUPT);
    }

    /* A live segment corrupted after the reader opened it: every field of the current slot's
     * header and document, set to hostile values one at a time, then random bytes. */
    REQUIRE(write_file(g_dir_path, good, n) == 0);
    hs_reader *r;
    REQUIRE(hs_open_path(g_dir_path, &r) == HS_OK);
    int fd = open(g_dir_path, O_RDWR);
    uint8_t *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(m != MAP_FAILED);
    hsi_geometry g;
    REQUIRE(hsi_check_header(m, n, &g) == HS_OK);
    uint64_t cur;
    memcpy(&cur, m + HSL_OFF_CHANNEL0, 8);
    uint8_t *slot = m + g.slots_offset + (cur & HSL_CUR_SLOT_MASK) * g.slot_stride;
    uint8_t *doc = slot + HSL_SLOT_HEADER_SIZE;
    uint64_t doc_size;
    memcpy(&doc_size, slot + HSL_SLOT_DOC_SIZE, 8);
    uint8_t *saved = malloc(g.slot_stride);
    memcpy(saved, slot, g.slot_stride);
    uint32_t hostile32[] = { 0, 1, 7, 8, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff, (uint32_t)doc_size, (uint32_t)doc_size - 1 };
    int corrupt_seen = 0;
    int64_t v;
    for (size_t off = 8; off < HSL_DOC_HEADER_SIZE; off += 4) {
        for (size_t h = 0; h < sizeof hostile32 / sizeof *hostile32; h++) {
            CHECK_RC(hs_get_i64(r, "a.b", &v), HS_OK); /* the pristine document, cached */
            slot_write(slot, HSL_SLOT_HEADER_SIZE + off, &hostile32[h], 4);
            if (hs_get_i64(r, "a.b", &v) == HS_ECORRUPT) corrupt_seen++;
            exercise(r);
            slot_restore(slot, saved, g.slot_stride);
        }
    }
    CHECK(corrupt_seen > 20);
    /* Node and bucket fields: every 4-byte word of the first part of the document. */
    size_t limit = doc_size < 2048 ? doc_size : 2048;
    for (size_t off = HSL_DOC_HEADER_SIZE; off + 4 <= limit; off += 4) {
        for (size_t h = 0; h < sizeof hostile32 / sizeof *hostile32; h += 3) {
            exercise(r);
            slot_write(slot, HSL_SLOT_HEADER_SIZE + off, &hostile32[h], 4);
            exercise(r);
            slot_restore(slot, saved, g.slot_stride);
        }
    }
    CHECK_RC(hs_get_i64(r, "a.b", &v), HS_OK);
    CHECK(v == 1);
    /* The same rewrites in place, without moving the sequence (a writer breaking the
     * protocol), with every cache warm: never a crash, only documented codes, and reads of
     * what was not rewritten stay right (a header checked under this sequence is reused). */
    for (size_t off = 8; off < HSL_DOC_HEADER_SIZE; off += 4) {
        for (size_t h = 0; h < sizeof hostile32 / sizeof *hostile32; h++) {
            exercise(r);
            memcpy(doc + off, &hostile32[h], 4);
            exercise(r);
            memcpy(doc + off, saved + HSL_SLOT_HEADER_SIZE + off, 4);
            CHECK_RC(hs_get_i64(r, "a.b", &v), HS_OK);
            CHECK(v == 1);
        }
    }
    for (size_t off = HSL_DOC_HEADER_SIZE; off + 4 <= limit; off += 4) {
        for (size_t h = 0; h < sizeof hostile32 / sizeof *hostile32; h += 3) {
            exercise(r);
            memcpy(doc + off, &hostile32[h], 4);
            exercise(r);
            memcpy(doc + off, saved + HSL_SLOT_HEADER_SIZE + off, 4);
        }
    }
    CHECK_RC(hs_get_i64(r, "a.b", &v), HS_OK);
    CHECK(v == 1);
    /* A node rewritten in place under a cached path resolution: its type and payload are
     * loaded on every read, so a bad type is still refused. */
    {
        CHECK_RC(hs_get_i64(r, "a.b", &v), HS_OK);
        uint32_t nodes_off, node_count;
        memcpy(&nodes_off, doc + HSL_D_NODES_OFF, 4);
        memcpy(&node_count, doc + HSL_D_NODE_COUNT, 4);
        int patched = 0;
        for (uint32_t i = 0; i < node_count; i++) { /* the node holding the integer 1 ("a.b") */
            uint8_t *node = doc + nodes_off + (size_t)i * HSL_NODE_SIZE;
            int64_t payload;
            memcpy(&payload, node + HSL_N_PAYLOAD, 8);
            if (node[HSL_N_TYPE] == HS_TYPE_INT && payload == 1) {
                node[HSL_N_TYPE] = 0xee;
                CHECK_RC(hs_get_i64(r, "a.b", &v), HS_ECORRUPT);
                CHECK_RC(hs_get_i64(r, "/a/b", &v), HS_ECORRUPT);
                node[HSL_N_TYPE] = HS_TYPE_INT;
                payload = 77;
                memcpy(node + HSL_N_PAYLOAD, &payload, 8);
                CHECK_RC(hs_get_i64(r, "a.b", &v), HS_OK);
                CHECK(v == 77);
                memcpy(slot + 8, saved + 8, g.slot_stride - 8); /* in place; the sequence never goes back */
                patched = 1;
                break;
            }
        }
        CHECK(patched);
    }
    /* Slot header: a huge size, a size beyond capacity, a sequence stuck odd. */
    uint64_t huge = g.capacity + 1;
    slot_write(slot, HSL_SLOT_DOC_SIZE, &huge, 8);
    CHECK_RC(hs_get_i64(r, "a.b", &v), HS_ECORRUPT);
    slot_restore(slot, saved, g.slot_stride);
    uint64_t odd;
    memcpy(&odd, slot + HSL_SLOT_SEQ, 8);
    odd |= 1;
    memcpy(slot + HSL_SLOT_SEQ, &odd, 8);
    int64_t t0 = t_now_ns();
    CHECK_RC(hs_get_i64(r, "a.b", &v), HS_EBUSY); /* bounded retries, then give up */
    CHECK(t_now_ns() - t0 < 2000000000LL);
    CHECK(hs_stat(r, HS_STAT_BUSY) >= 1);
    slot_restore(slot, saved, g.slot_stride);
    /* current pointing at a slot that does not exist */
    uint64_t bad = cur | 63;
    memcpy(m + HSL_OFF_CHANNEL0, &bad, 8);
    CHECK_RC(hs_get_i64(r, "a.b", &v), HS_ECORRUPT);
    exercise(r);
    memcpy(m + HSL_OFF_CHANNEL0, &cur, 8);
    CHECK_RC(hs_get_i64(r, "a.b", &v), HS_OK);
    CHECK(v == 1);
    /* Retired, with nothing newer under its name (a writer between retiring and renaming,
     * or dead there): the old snapshot keeps being served, by path, by keys first resolved
     * now (they cannot cache a retired segment) and by snapshots. */
    {
        uint64_t retired = cur | HSL_CUR_RETIRED;
        memcpy(m + HSL_OFF_CHANNEL0, &retired, 8);
        hs_key *k;
        REQUIRE(hs_key_open(r, "a.b", &k) == HS_OK);
        for (int i = 0; i < 3; i++) {
            v = 0;
            CHECK_RC(hs_key_get_i64(k, &v), HS_OK); CHECK(v == 1);
            double d = 0;
            CHECK_RC(hs_key_get_f64(k, &d), HS_OK); CHECK(d == 1.0);
            bool b;
            CHECK_RC(hs_key_get_bool(k, &b), HS_ETYPE);
            v = 0;
            CHECK_RC(hs_get_i64(r, "a.b", &v), HS_OK); CHECK(v == 1);
            CHECK_RC(hs_get_i64(r, "/a/b", &v), HS_OK); CHECK(v == 1);
        }
        hs_snapshot *sn;
        CHECK_RC(hs_snapshot_open(r, &sn), HS_OK);
        if (sn) {
            CHECK_RC(hs_snapshot_refresh(sn, NULL), HS_OK);
            CHECK_RC(hs_snapshot_get_i64(sn, "a.b", &v), HS_OK); CHECK(v == 1);
            hs_snapshot_close(sn);
        }
        memcpy(m + HSL_OFF_CHANNEL0, &cur, 8);
        CHECK_RC(hs_key_get_i64(k, &v), HS_OK); CHECK(v == 1);
        hs_key_close(k);
    }
    /* Random bytes in the document, many times: published (caches see a new snapshot), and
     * every tenth time written in place under warm caches. */
    for (int i = 0; i < 2000; i++) {
        int k = 1 + (int)(next_rand() % 8);
        int in_place = i % 10 == 0;
        for (int j = 0; j < k; j++) {
            size_t at = (size_t)(next_rand() % doc_size);
            uint8_t b = (uint8_t)next_rand();
            if (in_place) doc[at] = b;
            else slot_write(slot, HSL_SLOT_HEADER_SIZE + at, &b, 1);
        }
        exercise(r);
        slot_restore(slot, saved, g.slot_stride);
        CHECK_RC(hs_get_i64(r, "a.b", &v), HS_OK);
    }
    munmap(m, n);
    close(fd);
    hs_close(r);

    /* The internal open-from-memory path (the fuzz target's entry) on the same inputs. */
    CHECK_RC(hsi_open_memory(good, n, &r), HS_OK);
    hs_close(r);
    CHECK(hsi_open_memory(good, 100, &r) == HS_ECORRUPT);

    unlink(g_dir_path);
    hsw_remove(path);
    free(saved);
    free(p);
    free(good);
    return t_finish("test_corrupt");
}
