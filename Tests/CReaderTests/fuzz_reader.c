/* fuzz_reader.c - libFuzzer target: the reader over arbitrary segment bytes.
 *
 * The first input byte picks a mode. Mode 0: the rest is a whole segment; its header
 * checksum is fixed up so the fuzzer gets past it and reaches the geometry and slot checks.
 * Mode 1: the rest is a document, wrapped into a valid one-slot segment with its checksum
 * fixed up, so the fuzzer explores the document parser (index, nodes, strings, JSON). The
 * last bytes also choose a path to look up. Any crash, hang or sanitizer report is a bug. */
#include "hotswap.h"
#include "hs_layout.h"
#include "hs_internal.h"
#include <stdlib.h>
#include <string.h>

static void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void exercise(hs_reader *r, const char *extra) {
    const char *paths[] = { "", "a", "a.b", "/a/b", "0", "list.0", "s", "/x~1y", extra };
    char buf[256];
    size_t len;
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        int64_t v;
        double d;
        bool b;
        int t;
        (void)hs_get_i64(r, paths[i], &v);
        (void)hs_get_f64(r, paths[i], &d);
        (void)hs_get_bool(r, paths[i], &b);
        (void)hs_get_type(r, paths[i], &t);
        (void)hs_get_str(r, paths[i], buf, sizeof buf, &len);
        (void)hs_get_json(r, paths[i], buf, sizeof buf, &len);
    }
    hs_key *k;
    if (hs_key_open(r, extra, &k) == HS_OK) {
        int64_t v;
        (void)hs_key_get_i64(k, &v);
        (void)hs_key_get_json(k, buf, sizeof buf, &len);
        hs_key_close(k);
    }
    hs_snapshot *s;
    if (hs_snapshot_open(r, &s) == HS_OK) {
        int64_t v;
        (void)hs_snapshot_get_i64(s, extra, &v);
        (void)hs_snapshot_refresh(s, NULL);
        hs_snapshot_close(s);
    }
    (void)hs_generation(r);
    (void)hs_wait(r, UINT64_MAX, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t mode = data[0] & 1;
    data++;
    size--;
    char extra[24];
    size_t en = size < 16 ? size : 16;
    memcpy(extra, data + size - en, en);
    extra[en] = 0;
    uint8_t *seg;
    size_t n;
    if (mode == 0) {
        n = size;
        seg = malloc(n ? n : 1);
        memcpy(seg, data, n);
        if (n >= HSL_HEADER_SIZE)
            st64(seg + HSL_OFF_HDR_CHECKSUM, hsl_bytes_hash(HSL_HEADER_SEED, seg, HSL_HDR_CHECKED_BYTES));
    } else {
        uint64_t stride = (HSL_SLOT_HEADER_SIZE + size + 4095) & ~4095ULL;
        n = HSL_HEADER_SIZE + stride;
        seg = calloc(1, n);
        memcpy(seg, HSL_MAGIC, 8);
        st32(seg + HSL_OFF_ABI, HS_ABI_VERSION);
        st32(seg + HSL_OFF_HEADER_SIZE, HSL_HEADER_SIZE);
        st64(seg + HSL_OFF_SEGMENT_SIZE, n);
        st64(seg + HSL_OFF_SLOTS_OFFSET, HSL_HEADER_SIZE);
        st64(seg + HSL_OFF_SLOT_STRIDE, stride);
        st32(seg + HSL_OFF_SLOT_COUNT, 1);
        st64(seg + HSL_OFF_HDR_CHECKSUM, hsl_bytes_hash(HSL_HEADER_SEED, seg, HSL_HDR_CHECKED_BYTES));
        st64(seg + HSL_OFF_CHANNEL0 + HSL_CH_CURRENT, 1ULL << HSL_CUR_GEN_SHIFT);
        uint8_t *slot = seg + HSL_HEADER_SIZE;
        st64(slot + HSL_SLOT_SEQ, 2);
        st64(slot + HSL_SLOT_GENERATION, 1);
        st64(slot + HSL_SLOT_DOC_SIZE, size);
        uint8_t *doc = slot + HSL_SLOT_HEADER_SIZE;
        memcpy(doc, data, size);
        if (size >= 16) st64(doc + HSL_D_CHECKSUM, hsl_bytes_hash(HSL_CHECKSUM_SEED, doc + 16, size - 16));
    }
    hs_reader *r;
    if (hsi_open_memory(seg, n, &r) == HS_OK) {
        exercise(r, extra);
        hs_close(r);
    }
    free(seg);
    return 0;
}
