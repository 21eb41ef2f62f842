/* hs_layout.h - private: the segment layout of docs/shm-format.md as C constants and
 * accessors, and the hash functions both sides must agree on. Not installed.
 *
 * Every multi-byte field is little-endian and naturally aligned; this build supports
 * little-endian hosts only (checked below), so fields are read with plain (relaxed atomic)
 * loads. Offsets are byte offsets; each constant names its section in the format doc.
 */
#ifndef HS_LAYOUT_H
#define HS_LAYOUT_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "libhotswap: the segment format is little-endian; big-endian hosts are not supported"
#endif

/* ---- Segment header (page 0, 4096 bytes). ---- */
#define HSL_MAGIC "HOTSWAP\0"            /* 8 bytes at offset 0 */
#define HSL_HEADER_SIZE 4096u
#define HSL_OFF_MAGIC 0
#define HSL_OFF_ABI 8           /* u32 */
#define HSL_OFF_HEADER_SIZE 12  /* u32 */
#define HSL_OFF_SEGMENT_SIZE 16 /* u64 */
#define HSL_OFF_SLOTS_OFFSET 24 /* u64 */
#define HSL_OFF_SLOT_STRIDE 32  /* u64 */
#define HSL_OFF_SLOT_COUNT 40   /* u32 */
#define HSL_OFF_INCOMPAT 44     /* u32 */
#define HSL_OFF_COMPAT 48       /* u32 */
#define HSL_OFF_WRITER_PID 52   /* u32 */
#define HSL_OFF_CREATED_NS 56   /* u64 */
#define HSL_OFF_SERIAL 64       /* u64 */
#define HSL_OFF_HDR_CHECKSUM 72 /* u64: hash of bytes [0, 72) */
#define HSL_HDR_CHECKED_BYTES 72
/* Channels: 64 bytes each (one cache line), channel 0 is the live document, channel 1 is
 * reserved for a canary document (inactive in ABI 1). */
#define HSL_OFF_CHANNEL0 128
#define HSL_OFF_CHANNEL1 192
#define HSL_CHANNEL_SIZE 64
#define HSL_CH_CURRENT 0  /* u64 atomic: generation << 8 | flags | slot */
#define HSL_CH_NOTIFY 8   /* u32 atomic: futex word, +1 per publish */
#define HSL_CH_FLAGS 12   /* u32: bit 0 active */
#define HSL_CH_WEIGHT 16  /* u32: canary share in 1/65536 (reserved) */
#define HSL_CH_SEED 24    /* u64: consistent-hash seed (reserved) */
/* View descriptor (reserved): which subset of the document this segment carries. */
#define HSL_OFF_VIEW 256
#define HSL_VIEW_NAME_SIZE 64

#define HSL_CUR_SLOT_MASK 0x3fULL
#define HSL_CUR_RETIRED 0x80ULL
#define HSL_CUR_GEN_SHIFT 8
#define HSL_MAX_SLOTS 64u
#define HSL_MAX_GENERATION ((1ULL << 56) - 1)

/* ---- Slot header (64 bytes at slots_offset + i * slot_stride). ---- */
#define HSL_SLOT_HEADER_SIZE 64u
#define HSL_SLOT_SEQ 0        /* u64 atomic: odd while being written */
#define HSL_SLOT_GENERATION 8 /* u64 */
#define HSL_SLOT_DOC_SIZE 16  /* u64 */
#define HSL_SLOT_PUBLISHED_NS 24 /* u64 realtime */

/* ---- Document (at slot + 64). ---- */
#define HSL_DOC_MAGIC 0x31445348u /* "HSD1" */
#define HSL_DOC_HEADER_SIZE 128u
#define HSL_D_MAGIC 0         /* u32 */
#define HSL_D_FLAGS 4         /* u32 */
#define HSL_D_CHECKSUM 8      /* u64: hash of bytes [16, total_size) */
#define HSL_D_TOTAL_SIZE 16   /* u64 */
#define HSL_D_CONTENT_HASH 24 /* u64: hash of the JSON text */
#define HSL_D_HASH_SEED 32    /* u64 */
#define HSL_D_NODE_COUNT 40   /* u32 */
#define HSL_D_BUCKET_COUNT 44 /* u32, power of two */
#define HSL_D_MAX_PROBE 48    /* u32 */
#define HSL_D_BUCKETS_OFF 52  /* u32 */
#define HSL_D_NODES_OFF 56    /* u32 */
#define HSL_D_STRINGS_OFF 60  /* u32 */
#define HSL_D_STRINGS_SIZE 64 /* u32 */
#define HSL_D_JSON_OFF 68     /* u32 */
#define HSL_D_JSON_SIZE 72    /* u32 */

#define HSL_BUCKET_SIZE 8u    /* u32 node (0xffffffff empty), u32 tag (hash >> 32) */
#define HSL_NODE_SIZE 32u
#define HSL_N_TYPE 0          /* u8 */
#define HSL_N_PARENT 4        /* u32 */
#define HSL_N_PAYLOAD 8       /* u64 or (u32 offset, u32 length) */
#define HSL_N_PATH_OFF 16     /* u32, strings-relative */
#define HSL_N_PATH_LEN 20
#define HSL_N_JSON_OFF 24     /* u32, json-relative */
#define HSL_N_JSON_LEN 28
#define HSL_NONE 0xffffffffu

#define HSL_CHECKSUM_SEED 0x6873636b73756d31ULL /* "hsckxsum1" */
#define HSL_CONTENT_SEED 0x6873636f6e74656eULL
#define HSL_HEADER_SEED 0x6873686561646572ULL

/* ---- Loads of fields in shared memory: exactly once, never re-read by the compiler. ---- */
static inline uint32_t hsl_ld32(const uint8_t *p) { return __atomic_load_n((const uint32_t *)(const void *)p, __ATOMIC_RELAXED); }
static inline uint64_t hsl_ld64(const uint8_t *p) { return __atomic_load_n((const uint64_t *)(const void *)p, __ATOMIC_RELAXED); }
static inline uint8_t hsl_ld8(const uint8_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }

/* ---- Hashing (docs/shm-format.md "Hash functions"). ---- */
#define HSL_K1 0x9e3779b97f4a7c15ULL
#define HSL_K2 0xc2b2ae3d27d4eb4fULL

static inline uint64_t hsl_rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* The finaliser: spreads every input bit over every output bit. */
static inline uint64_t hsl_fmix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t hsl_word(const uint8_t *p) { uint64_t w; memcpy(&w, p, 8); return w; }

/* The n (1..7) bytes at s as a zero-padded little-endian word, reading only those bytes:
 * two overlapping loads (the overlap holds the same bytes, so OR-ing is exact). */
static inline uint64_t hsl_tail(const uint8_t *s, size_t n) {
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + n - 4, 4);
        return (uint64_t)lo | (uint64_t)hi << (8 * (n - 4));
    }
    return (uint64_t)s[0] | (uint64_t)s[n / 2] << (8 * (n / 2)) | (uint64_t)s[n - 1] << (8 * (n - 1));
}

/* Token hash: state starts at n * K2; each 8-byte little-endian word (the last one
 * zero-padded) is absorbed as h = rotl((h ^ w) * K1, 31). */
static inline uint64_t hsl_token_hash(const uint8_t *s, size_t n) {
    uint64_t h = (uint64_t)n * HSL_K2;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) h = hsl_rotl((h ^ hsl_word(s + i)) * HSL_K1, 31);
    if (i < n) h = hsl_rotl((h ^ hsl_tail(s + i, n - i)) * HSL_K1, 31);
    return h;
}

/* Path hash: h = seed; per token h = rotl((h ^ token_hash) * K2, 27) + K1; result
 * fmix(h ^ token_count). The root (no tokens) hashes to fmix(seed). */
static inline uint64_t hsl_path_step(uint64_t h, uint64_t th) { return hsl_rotl((h ^ th) * HSL_K2, 27) + HSL_K1; }
static inline uint64_t hsl_path_final(uint64_t h, uint64_t ntokens) { return hsl_fmix(h ^ ntokens); }

/* Byte-string hash for checksums: h = seed ^ (n * K2), words absorbed as in the token
 * hash, result fmix(h). */
static inline uint64_t hsl_bytes_hash(uint64_t seed, const uint8_t *s, size_t n) {
    uint64_t h = seed ^ ((uint64_t)n * HSL_K2);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) h = hsl_rotl((h ^ hsl_word(s + i)) * HSL_K1, 31);
    if (i < n) h = hsl_rotl((h ^ hsl_tail(s + i, n - i)) * HSL_K1, 31);
    return hsl_fmix(h);
}

#endif
