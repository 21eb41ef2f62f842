/* reader.c - libhotswap: lock-free readers of the hotswapd segment.
 *
 * The protocol and the layout are in docs/shm-format.md; the labels R1..R6 and W1..W6 in
 * comments refer to its "The seqlock protocol" section. Rules kept throughout this file:
 *   - nothing here writes to shared memory (the mapping is PROT_READ);
 *   - every field in shared memory is loaded exactly once (hsl_ld*, atomics) into a local,
 *     then bounds-checked before it is used as an offset or length;
 *   - every loop has a bound that does not come from shared memory, or one that was
 *     checked against one that does not (bucket_count, node_count <= document size);
 *   - state written on the hot path is per-thread (hs_key, hs_snapshot, the thread's cache
 *     of checked headers and resolved paths) or on a separate cache line touched only on
 *     the rare paths (retry counters, remaps); a read by path that hits the thread's cache
 *     writes nothing at all.
 */
#define _GNU_SOURCE
#include "hotswap.h"
#include "hs_layout.h"
#include "hs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HS_READER_MAGIC 0x68737264u /* "hsrd" */
#define HS_KEY_MAGIC 0x68736b79u    /* "hsky" */
#define HS_SNAP_MAGIC 0x6873736eu   /* "hssn" */
#define HS_DEAD_MAGIC 0xdeadbeefu

/* A read attempt fails only when the writer lapped it into the very slot it read; this many
 * attempts in a row means something is badly wrong (or a hostile writer), so give up. */
#define HS_MAX_ATTEMPTS 100
/* After this many failed attempts, yield the CPU between attempts: the writer may be
 * running on our CPU. */
#define HS_YIELD_AFTER 8
#define HS_MAX_INSTANCE 200

#if defined(__GNUC__)
#define HS_LIKELY(x) __builtin_expect(!!(x), 1)
#define HS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HS_EXPORT __attribute__((visibility("default")))
#else
#define HS_LIKELY(x) (x)
#define HS_UNLIKELY(x) (x)
#define HS_EXPORT
#endif

/* ------------------------------------------------------------------------------------- */
/* Mappings and the reader                                                                */

struct hs_map {
    const uint8_t *base;
    const uint8_t *slots;  /* base + slots_offset */
    const uint8_t *current; /* channel 0's current word */
    uint64_t id;           /* unique in this process, never reused: keys the per-thread caches */
    size_t size;
    int owned_by_malloc; /* hsi_open_memory: free(), not munmap() */
    dev_t dev;
    ino_t ino;
    hsi_geometry g;
    struct hs_map *older; /* previous (retired) mappings, kept until hs_close */
};

struct hs_reader {
    uint32_t magic;
    int has_path;
    /* The current mapping. Loaded with acquire on every read (pairs with the release store
     * in reader_remap); written only when the daemon grows the segment. */
    _Atomic(struct hs_map *) map;
    char *path;
    /* Rare-path state, on its own cache lines so the hot line above stays read-only. */
    _Alignas(64) pthread_mutex_t remap_lock;
    _Alignas(64) _Atomic uint64_t retries;
    _Atomic uint64_t busy;
    _Atomic uint64_t remaps;
};

static const uint8_t *ch0(const struct hs_map *m) { return m->base + HSL_OFF_CHANNEL0; }

/* Ids of mappings: a new one for every mapping this process makes, so that a per-thread
 * cache entry can never be taken for one of a later mapping at a reused address. The only
 * process-wide state of the library; touched when a segment is mapped, never on a read. */
static _Atomic uint64_t hs_map_ids;

/* Completes a mapping whose header passed hsi_check_header. */
static void map_init(struct hs_map *m) {
    m->slots = m->base + m->g.slots_offset;
    m->current = m->base + HSL_OFF_CHANNEL0 + HSL_CH_CURRENT;
    m->id = atomic_fetch_add_explicit(&hs_map_ids, 1, memory_order_relaxed) + 1;
}

int hsi_check_header(const uint8_t *base, size_t size, hsi_geometry *g) {
    if (size < HSL_HEADER_SIZE) return HS_ECORRUPT;
    if (memcmp(base, HSL_MAGIC, 8) != 0) return HS_ECORRUPT;
    uint32_t abi = hsl_ld32(base + HSL_OFF_ABI);
    if (abi != HS_ABI_VERSION) return HS_EABI;
    if (hsl_ld32(base + HSL_OFF_HEADER_SIZE) != HSL_HEADER_SIZE) return HS_ECORRUPT;
    if (hsl_ld32(base + HSL_OFF_INCOMPAT) != 0) return HS_EABI;
    uint8_t hdr[HSL_HDR_CHECKED_BYTES];
    memcpy(hdr, base, sizeof hdr);
    if (hsl_bytes_hash(HSL_HEADER_SEED, hdr, sizeof hdr) != hsl_ld64(base + HSL_OFF_HDR_CHECKSUM))
        return HS_ECORRUPT;
    /* The checksummed copy is what we use from here on. */
    uint64_t seg = hsl_ld64(hdr + HSL_OFF_SEGMENT_SIZE);
    uint64_t off = hsl_ld64(hdr + HSL_OFF_SLOTS_OFFSET);
    uint64_t stride = hsl_ld64(hdr + HSL_OFF_SLOT_STRIDE);
    uint32_t count = hsl_ld32(hdr + HSL_OFF_SLOT_COUNT);
    if (seg > size || seg < HSL_HEADER_SIZE) return HS_ECORRUPT;
    if (count < 1 || count > HSL_MAX_SLOTS) return HS_ECORRUPT;
    if (off < HSL_HEADER_SIZE || off % 4096 != 0 || off > seg) return HS_ECORRUPT;
    if (stride < 4096 || stride % 4096 != 0) return HS_ECORRUPT;
    if (stride > (seg - off) / count) return HS_ECORRUPT;
    g->segment_size = seg;
    g->slots_offset = off;
    g->slot_stride = stride;
    g->capacity = stride - HSL_SLOT_HEADER_SIZE;
    g->slot_count = count;
    g->serial = hsl_ld64(hdr + HSL_OFF_SERIAL);
    return HS_OK;
}

static int errno_code(int e) {
    switch (e) {
    case ENOENT: return HS_ENOSEGMENT;
    case EACCES: case EPERM: return HS_EACCESS;
    case ENOMEM: return HS_ENOMEM;
    default: return HS_ESYSTEM;
    }
}

static void map_free(struct hs_map *m) {
    if (!m) return;
    if (m->owned_by_malloc) free((void *)m->base);
    else if (m->base) munmap((void *)m->base, m->size);
    free(m);
}

/* Opens and maps `path`; fills dev/ino; validates the header. */
static int map_open(const char *path, struct hs_map **out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno_code(errno);
    struct stat st;
    if (fstat(fd, &st) != 0) { int e = errno; close(fd); return errno_code(e); }
    if (!S_ISREG(st.st_mode) || st.st_size < (off_t)HSL_HEADER_SIZE) { close(fd); return HS_ECORRUPT; }
    if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX) { close(fd); return HS_ENOMEM; }
    struct hs_map *m = calloc(1, sizeof *m);
    if (!m) { close(fd); return HS_ENOMEM; }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd); /* the mapping keeps the file alive */
    if (p == MAP_FAILED) { free(m); return errno_code(e); }
    m->base = p;
    m->size = (size_t)st.st_size;
    m->dev = st.st_dev;
    m->ino = st.st_ino;
    int rc = hsi_check_header(m->base, m->size, &m->g);
    if (rc != HS_OK) { map_free(m); return rc; }
    map_init(m);
    *out = m;
    return HS_OK;
}

/* Switches `r` to the segment now under its name when `seen` is retired. Returns the map to
 * use: the new one, or `seen` when there is nothing newer (the writer is between retiring and
 * renaming, or died there: the old snapshot is still complete and valid). */
static struct hs_map *reader_remap(hs_reader *r, struct hs_map *seen) {
    if (!r->has_path) return seen;
    pthread_mutex_lock(&r->remap_lock);
    struct hs_map *cur = atomic_load_explicit(&r->map, memory_order_relaxed); /* under the lock */
    if (cur != seen) { pthread_mutex_unlock(&r->remap_lock); return cur; }
    int fd = open(r->path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st;
        int same = fstat(fd, &st) != 0 || (st.st_dev == cur->dev && st.st_ino == cur->ino);
        close(fd);
        struct hs_map *n = NULL;
        if (!same && map_open(r->path, &n) == HS_OK) {
            n->older = cur;
            /* Release: pairs with the acquire loads of r->map in every read, so a thread that
             * sees the new map sees it fully initialised. */
            atomic_store_explicit(&r->map, n, memory_order_release);
            atomic_fetch_add_explicit(&r->remaps, 1, memory_order_relaxed);
            cur = n;
        }
    }
    pthread_mutex_unlock(&r->remap_lock);
    return cur;
}

static int valid_instance(const char *s) {
    size_t n = strnlen(s, HS_MAX_INSTANCE + 1);
    if (n == 0 || n > HS_MAX_INSTANCE) return 0;
    if (memchr(s, '/', n)) return 0;
    if (s[0] == '.') return 0;
    return 1;
}

static hs_reader *reader_new(void) {
    hs_reader *r;
    if (posix_memalign((void **)&r, 64, sizeof *r) != 0) return NULL;
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->remap_lock, NULL);
    atomic_init(&r->map, NULL);
    atomic_init(&r->retries, 0);
    atomic_init(&r->busy, 0);
    atomic_init(&r->remaps, 0);
    r->magic = HS_READER_MAGIC;
    return r;
}

static void reader_free(hs_reader *r) {
    struct hs_map *m = atomic_load_explicit(&r->map, memory_order_relaxed);
    while (m) {
        struct hs_map *o = m->older;
        map_free(m);
        m = o;
    }
    pthread_mutex_destroy(&r->remap_lock);
    free(r->path);
    r->magic = HS_DEAD_MAGIC;
    free(r);
}

static int verify_current(hs_reader *r);

HS_EXPORT int hs_open_path(const char *path, hs_reader **out) {
    if (!path || !out || !*path) return HS_EINVAL;
    struct hs_map *m;
    int rc = map_open(path, &m);
    if (rc != HS_OK) return rc;
    hs_reader *r = reader_new();
    if (!r) { map_free(m); return HS_ENOMEM; }
    r->path = strdup(path);
    if (!r->path) { map_free(m); reader_free(r); return HS_ENOMEM; }
    r->has_path = 1;
    atomic_store_explicit(&r->map, m, memory_order_relaxed);
    rc = verify_current(r);
    if (rc != HS_OK) { reader_free(r); return rc; }
    *out = r;
    return HS_OK;
}

HS_EXPORT int hs_open(const char *instance, hs_reader **out) {
    if (!instance || !out || !valid_instance(instance)) return HS_EINVAL;
    char path[sizeof "/dev/shm/hotswap." + HS_MAX_INSTANCE];
    memcpy(path, "/dev/shm/hotswap.", sizeof "/dev/shm/hotswap." - 1);
    strcpy(path + sizeof "/dev/shm/hotswap." - 1, instance);
    return hs_open_path(path, out);
}

int hsi_open_memory(const void *bytes, size_t n, hs_reader **out) {
    if (!bytes || !out) return HS_EINVAL;
    struct hs_map *m = calloc(1, sizeof *m);
    if (!m) return HS_ENOMEM;
    void *copy = NULL;
    if (posix_memalign(&copy, 4096, n ? n : 1) != 0) { free(m); return HS_ENOMEM; }
    memcpy(copy, bytes, n);
    m->base = copy;
    m->size = n;
    m->owned_by_malloc = 1;
    int rc = hsi_check_header(m->base, m->size, &m->g);
    if (rc != HS_OK) { map_free(m); return rc; }
    map_init(m);
    hs_reader *r = reader_new();
    if (!r) { map_free(m); return HS_ENOMEM; }
    atomic_store_explicit(&r->map, m, memory_order_relaxed);
    rc = verify_current(r);
    if (rc != HS_OK) { reader_free(r); return rc; }
    *out = r;
    return HS_OK;
}

HS_EXPORT void hs_close(hs_reader *r) {
    if (!r || r->magic != HS_READER_MAGIC) return;
    reader_free(r);
}

HS_EXPORT int hs_abi_version(void) { return HS_ABI_VERSION; }

HS_EXPORT const char *hs_strerror(int code) {
    switch (code) {
    case HS_OK: return "success";
    case HS_ENOTFOUND: return "no value at this path";
    case HS_ETYPE: return "the value has another type";
    case HS_ETOOSMALL: return "buffer too small (the length needed is in *len)";
    case HS_ENOSEGMENT: return "no hotswap segment for this instance (is hotswapd running?)";
    case HS_EABI: return "the segment was written for an incompatible ABI version";
    case HS_ECORRUPT: return "the segment is corrupt";
    case HS_EINVAL: return "invalid argument (handle, instance name or path)";
    case HS_EBUSY: return "the snapshot kept changing during the read; retries exhausted";
    case HS_ENOMEM: return "out of memory";
    case HS_EACCESS: return "permission denied reading the segment";
    case HS_ESYSTEM: return "system error (see errno)";
    case HS_ETIMEDOUT: return "timed out waiting for a new generation";
    case HS_EINTR: return "interrupted by a signal";
    default: return "unknown libhotswap error";
    }
}

/* ------------------------------------------------------------------------------------- */
/* Paths                                                                                   */

/* Paths up to this many tokens are split and hashed in one pass; longer ones (legal, rare)
 * are hashed by a second scan. */
#define HS_FAST_TOKENS 32

typedef struct {
    const char *s;
    size_t n;
    int pointer; /* JSON Pointer spelling (starts with '/') */
    int plain;   /* no byte needs escaping or unescaping: no '~', and no '/' in a dotted path */
    uint32_t ntok;
    uint64_t th[HS_FAST_TOKENS]; /* token hashes: they do not depend on the document's seed */
} hs_path;

/* Hash of one pointer token that contains escapes: unescape while absorbing bytes. */
static uint64_t token_hash_escaped(const char *s, size_t raw) {
    size_t n = 0;
    for (size_t i = 0; i < raw; i++) { if (s[i] == '~') i++; n++; }
    uint64_t h = (uint64_t)n * HSL_K2, w = 0;
    unsigned k = 0;
    for (size_t i = 0; i < raw; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == '~') { i++; c = s[i] == '0' ? '~' : '/'; }
        w |= (uint64_t)c << (8 * k);
        if (++k == 8) { h = hsl_rotl((h ^ w) * HSL_K1, 31); w = 0; k = 0; }
    }
    if (k) h = hsl_rotl((h ^ w) * HSL_K1, 31);
    return h;
}

static inline __attribute__((always_inline)) uint64_t token_hash_at(const hs_path *p, const char *s, size_t n) {
    return p->pointer && !p->plain ? token_hash_escaped(s, n) : hsl_token_hash((const uint8_t *)s, n);
}

/* The byte-at-a-time parser: any spelling, escapes included. Validates the spelling, splits
 * it into tokens and hashes each token. `p->s`, `p->n` and `p->pointer` are set. */
static __attribute__((noinline)) int path_parse_bytes(hs_path *p) {
    const char *s = p->s;
    p->plain = 1;
    p->ntok = 0;
    char sep = p->pointer ? '/' : '.';
    size_t i = p->pointer ? 1 : 0, start = i;
    for (;; i++) {
        char c = s[i];
        /* Letters and digits are above '/' (0x2f); only '~' (0x7e) among them matters. */
        if (HS_LIKELY((unsigned char)c > '/' && c != '~')) continue;
        if (c == sep || c == 0) {
            if (!p->pointer && i == start) return HS_EINVAL; /* "a..b", ".a", "a." */
            if (p->ntok < HS_FAST_TOKENS) {
                /* Escapes are known by now: a '~' sets plain = 0 before its token ends. */
                p->th[p->ntok] = p->pointer && !p->plain ? token_hash_escaped(s + start, i - start)
                                                          : hsl_token_hash((const uint8_t *)s + start, i - start);
            }
            p->ntok++;
            if (c == 0) break;
            start = i + 1;
        } else if (c == '~') {
            p->plain = 0;
            if (p->pointer) {
                if (s[i + 1] != '0' && s[i + 1] != '1') return HS_EINVAL;
                i++;
            }
        } else if (c == '/') {
            p->plain = 0; /* only reachable in a dotted path */
        }
    }
    return HS_OK;
}

#define HS_BYTES_01 0x0101010101010101ULL
#define HS_BYTES_7F 0x7f7f7f7f7f7f7f7fULL

/* The high bit of each byte of `w` that equals `c`, and no other bit: exact, because no
 * carry crosses a byte (the low seven bits are added separately from the high one). */
static inline uint64_t bytes_equal(uint64_t w, uint8_t c) {
    uint64_t t = w ^ (HS_BYTES_01 * c);
    return ~(((t & HS_BYTES_7F) + HS_BYTES_7F) | t | HS_BYTES_7F);
}

/* The `n` bytes at `s` as a little-endian word, zero-padded: 8-byte chunks of a string of
 * known length, never reading past it. */
static inline uint64_t chunk_at(const uint8_t *s, size_t n) {
    return n >= 8 ? hsl_word(s) : hsl_tail(s, n);
}

/* The common spelling (no '~', no '/' inside a dotted token, at most HS_FAST_TOKENS tokens),
 * eight bytes at a time: separators are found with word arithmetic, then each token is
 * hashed with word loads inside [start, end). Returns HS_OK, HS_EINVAL, or 1 when the path
 * needs the byte-at-a-time parser. None of the bytes looked for is 0, so the zero padding
 * of the last chunk never matches. */
static inline __attribute__((always_inline)) int path_parse_words(hs_path *p) {
    const uint8_t *s = (const uint8_t *)p->s;
    const size_t n = p->n;
    const int pointer = p->pointer;
    const uint8_t sep = pointer ? '/' : '.';
    size_t start = (size_t)pointer; /* a pointer's first token starts after its '/' */
    uint32_t nt = 0;
    for (size_t o = 0; o < n; o += 8) {
        uint64_t w = chunk_at(s + o, n - o);
        uint64_t odd = bytes_equal(w, '~') | (pointer ? 0 : bytes_equal(w, '/'));
        if (HS_UNLIKELY(odd != 0)) return 1;
        uint64_t seps = bytes_equal(w, sep);
        if (o == 0) seps &= ~((uint64_t)pointer << 7); /* the leading '/' starts, not ends, a token */
        while (seps) {
            size_t q = o + ((size_t)__builtin_ctzll(seps) >> 3);
            seps &= seps - 1;
            if (!pointer && q == start) return HS_EINVAL; /* "a..b", ".a" */
            if (HS_UNLIKELY(nt == HS_FAST_TOKENS - 1)) return 1;
            p->th[nt++] = hsl_token_hash(s + start, q - start);
            start = q + 1;
        }
    }
    if (!pointer && start == n) return HS_EINVAL; /* "a." */
    p->th[nt++] = hsl_token_hash(s + start, n - start);
    p->ntok = nt;
    p->plain = 1;
    return HS_OK;
}

static inline __attribute__((always_inline)) int path_parse(const char *s, hs_path *p) {
    if (!s) return HS_EINVAL;
    p->s = s;
    p->n = strlen(s);
    p->pointer = s[0] == '/';
    if (p->n == 0) { p->ntok = 0; p->plain = 1; return HS_OK; }
    int rc = path_parse_words(p);
    return HS_LIKELY(rc <= 0) ? rc : path_parse_bytes(p);
}

/* A path of more than HS_FAST_TOKENS tokens: split it again. */
static __attribute__((noinline)) uint64_t path_hash_deep(const hs_path *p, uint64_t seed) {
    uint64_t h = seed;
    char sep = p->pointer ? '/' : '.';
    const char *s = p->s + (p->pointer ? 1 : 0), *end = p->s + p->n;
    for (;;) {
        const char *e = memchr(s, sep, (size_t)(end - s));
        if (!e) e = end;
        h = hsl_path_step(h, token_hash_at(p, s, (size_t)(e - s)));
        if (e == end) break;
        s = e + 1;
    }
    return hsl_path_final(h, p->ntok);
}

static inline __attribute__((always_inline)) uint64_t path_hash(const hs_path *p, uint64_t seed) {
    if (HS_UNLIKELY(p->ntok > HS_FAST_TOKENS)) return path_hash_deep(p, seed);
    uint64_t h = seed;
    for (uint32_t t = 0; t < p->ntok; t++) h = hsl_path_step(h, p->th[t]);
    return hsl_path_final(h, p->ntok);
}

/* Whether the n bytes at a and b are equal, a word at a time (the last word overlaps the one
 * before it rather than reading past the end). */
static inline __attribute__((always_inline)) int same_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    if (n < 8) return n == 0 || hsl_tail(a, n) == hsl_tail(b, n);
    for (size_t i = 0; i + 8 < n; i += 8)
        if (hsl_word(a + i) != hsl_word(b + i)) return 0;
    return hsl_word(a + n - 8) == hsl_word(b + n - 8);
}

/* A dotted-path word as the pointer word it denotes: every '.' (0x2e) becomes '/' (0x2f) by
 * adding 1 to exactly the bytes equal to '.' (no carry: 0x2e + 1 < 0x100). */
static inline uint64_t dots_to_slashes(uint64_t w) { return w + (bytes_equal(w, '.') >> 7); }

/* Whether the stored canonical pointer `sp` (length `sl`) names the path `s` (`n` bytes,
 * a pointer when `pointer`, else dotted), for a path without escapes (no '~', no '/' in a
 * dotted path). A valid pointer has exactly one spelling, so pointers compare bytewise; a
 * dotted path compares as the pointer it denotes. */
static inline __attribute__((always_inline)) int plain_path_equal(const uint8_t *s, size_t n, int pointer,
                                                                  const uint8_t *sp, uint64_t sl) {
    if (pointer) return sl == n && same_bytes(sp, s, n);
    if (n == 0) return sl == 0;
    if (sl != n + 1 || sp[0] != '/') return 0;
    const uint8_t *a = sp + 1;
    if (n < 8) return hsl_tail(a, n) == dots_to_slashes(hsl_tail(s, n));
    for (size_t i = 0; i + 8 < n; i += 8)
        if (hsl_word(a + i) != dots_to_slashes(hsl_word(s + i))) return 0;
    return hsl_word(a + n - 8) == dots_to_slashes(hsl_word(s + n - 8));
}

/* Whether the stored canonical pointer `sp` (length `sl`) names the path `p`. */
static inline __attribute__((always_inline)) int path_equal(const hs_path *p, const uint8_t *sp, uint64_t sl) {
    if (HS_LIKELY(p->plain || p->pointer)) return plain_path_equal((const uint8_t *)p->s, p->n, p->pointer, sp, sl);
    /* Dotted with '~' or '/' inside tokens: escape on the fly. */
    uint64_t j = 0;
    if (sl == 0 || sp[j++] != '/') return 0;
    for (size_t i = 0; i < p->n; i++) {
        char c = p->s[i];
        const char *want = c == '.' ? "/" : c == '~' ? "~0" : c == '/' ? "~1" : NULL;
        if (want) {
            for (; *want; want++) { if (j >= sl || sp[j++] != (uint8_t)*want) return 0; }
        } else if (j >= sl || sp[j++] != (uint8_t)c) {
            return 0;
        }
    }
    return j == sl;
}

/* ------------------------------------------------------------------------------------- */
/* Documents                                                                               */

/* What a read wants from the node it finds. */
enum { OP_I64, OP_F64, OP_BOOL, OP_STR, OP_JSON, OP_TYPE };

/* The document header, loaded once and checked. */
typedef struct {
    const uint8_t *doc;
    uint64_t size;
    uint64_t seed;
    uint32_t node_count, bucket_mask, max_probe;
    const uint8_t *buckets, *nodes, *strings, *json;
    uint64_t strings_size, json_size;
} hs_doc;

static inline __attribute__((always_inline)) int doc_open(const uint8_t *doc, uint64_t size, hs_doc *d) {
    if (size < HSL_DOC_HEADER_SIZE) return HS_ECORRUPT;
    if (hsl_ld32(doc + HSL_D_MAGIC) != HSL_DOC_MAGIC) return HS_ECORRUPT;
    if (hsl_ld64(doc + HSL_D_TOTAL_SIZE) != size) return HS_ECORRUPT;
    uint64_t nodes = hsl_ld32(doc + HSL_D_NODE_COUNT), buckets = hsl_ld32(doc + HSL_D_BUCKET_COUNT);
    uint64_t probe = hsl_ld32(doc + HSL_D_MAX_PROBE);
    uint64_t boff = hsl_ld32(doc + HSL_D_BUCKETS_OFF), noff = hsl_ld32(doc + HSL_D_NODES_OFF);
    uint64_t soff = hsl_ld32(doc + HSL_D_STRINGS_OFF), ssz = hsl_ld32(doc + HSL_D_STRINGS_SIZE);
    uint64_t joff = hsl_ld32(doc + HSL_D_JSON_OFF), jsz = hsl_ld32(doc + HSL_D_JSON_SIZE);
    if (nodes < 1 || buckets <= nodes || (buckets & (buckets - 1)) != 0 || probe >= buckets) return HS_ECORRUPT;
    if (boff % 8 || noff % 8) return HS_ECORRUPT;
    if (boff + buckets * HSL_BUCKET_SIZE > size) return HS_ECORRUPT;
    if (noff + nodes * HSL_NODE_SIZE > size) return HS_ECORRUPT;
    if (soff + ssz > size || joff + jsz > size) return HS_ECORRUPT;
    d->doc = doc;
    d->size = size;
    d->seed = hsl_ld64(doc + HSL_D_HASH_SEED);
    d->node_count = (uint32_t)nodes;
    d->bucket_mask = (uint32_t)(buckets - 1);
    d->max_probe = (uint32_t)probe;
    d->buckets = doc + boff;
    d->nodes = doc + noff;
    d->strings = doc + soff;
    d->strings_size = ssz;
    d->json = doc + joff;
    d->json_size = jsz;
    return HS_OK;
}

static inline __attribute__((always_inline)) int doc_find(const hs_doc *d, const hs_path *p, uint32_t *node) {
    if (p->n == 0) { *node = 0; return HS_OK; }
    uint64_t h = path_hash(p, d->seed);
    uint32_t tag = (uint32_t)(h >> 32), i = (uint32_t)h;
    for (uint32_t probe = 0; probe <= d->max_probe; probe++) {
        const uint8_t *b = d->buckets + (uint64_t)((i + probe) & d->bucket_mask) * HSL_BUCKET_SIZE;
        uint64_t bw = hsl_ld64(b); /* node, tag: one load (buckets are 8-aligned) */
        uint32_t idx = (uint32_t)bw;
        if (idx == HSL_NONE) return HS_ENOTFOUND;
        if ((uint32_t)(bw >> 32) != tag) continue;
        if (idx >= d->node_count) return HS_ECORRUPT;
        const uint8_t *n = d->nodes + (uint64_t)idx * HSL_NODE_SIZE;
        uint64_t pw = hsl_ld64(n + HSL_N_PATH_OFF); /* path offset, length (nodes are 8-aligned) */
        uint64_t po = (uint32_t)pw, pl = pw >> 32;
        if (po + pl > d->strings_size) return HS_ECORRUPT;
        if (path_equal(p, d->strings + po, pl)) { *node = idx; return HS_OK; }
    }
    return HS_ENOTFOUND;
}


typedef struct {
    int op;
    int64_t i;
    double f;
    int b;
    int type;
    char *buf;
    size_t cap;
    size_t len;
} hs_op;

/* A node's value, loaded once and bounds-checked; `bytes` points into the document. */
typedef struct {
    uint8_t type;
    uint64_t payload;
    const uint8_t *str;
    uint64_t str_len;
    const uint8_t *json;
    uint64_t json_len;
} hs_val;

/* Loads node `idx`: type and payload always; the string and JSON spans only when `want`
 * (an OP_ kind, or -1 for everything) needs them, since loads from shared memory are atomic
 * and the compiler cannot drop unused ones. */
static inline __attribute__((always_inline)) int node_load(const hs_doc *d, uint32_t idx, hs_val *v, int want) {
    const uint8_t *n = d->nodes + (uint64_t)idx * HSL_NODE_SIZE;
    v->type = hsl_ld8(n + HSL_N_TYPE);
    v->payload = hsl_ld64(n + HSL_N_PAYLOAD);
    if (v->type > HS_TYPE_OBJECT) return HS_ECORRUPT;
    v->json = NULL;
    v->json_len = 0;
    if (want < 0 || want == OP_JSON) {
        uint64_t jo = hsl_ld32(n + HSL_N_JSON_OFF), jl = hsl_ld32(n + HSL_N_JSON_LEN);
        if (jo + jl > d->json_size) return HS_ECORRUPT;
        v->json = d->json + jo;
        v->json_len = jl;
    }
    v->str = NULL;
    v->str_len = 0;
    if ((want < 0 || want == OP_STR) && (v->type == HS_TYPE_STRING || v->type == HS_TYPE_DATETIME)) {
        uint64_t so = (uint32_t)v->payload, sl = v->payload >> 32;
        if (so + sl > d->strings_size) return HS_ECORRUPT;
        v->str = d->strings + so;
        v->str_len = sl;
    }
    return HS_OK;
}

static int copy_out(hs_op *op, const uint8_t *src, uint64_t n) {
    op->len = (size_t)n;
    if (n >= op->cap) return HS_ETOOSMALL;
    memcpy(op->buf, src, (size_t)n);
    op->buf[n] = '\0';
    return HS_OK;
}

/* Applies `op` to a loaded value. Copies read shared memory: only trusted after the seqlock
 * re-check. */
static inline __attribute__((always_inline)) int val_apply(const hs_val *v, hs_op *op) {
    switch (op->op) {
    case OP_I64:
        if (v->type != HS_TYPE_INT) return HS_ETYPE;
        op->i = (int64_t)v->payload;
        return HS_OK;
    case OP_F64:
        if (v->type == HS_TYPE_FLOAT) { memcpy(&op->f, &v->payload, 8); return HS_OK; }
        if (v->type == HS_TYPE_INT) { op->f = (double)(int64_t)v->payload; return HS_OK; }
        return HS_ETYPE;
    case OP_BOOL:
        if (v->type != HS_TYPE_BOOL) return HS_ETYPE;
        op->b = v->payload != 0;
        return HS_OK;
    case OP_STR:
        if (!v->str) return HS_ETYPE;
        return copy_out(op, v->str, v->str_len);
    case OP_JSON:
        return copy_out(op, v->json, v->json_len);
    case OP_TYPE:
        op->type = v->type;
        return HS_OK;
    }
    return HS_EINVAL;
}

int hsi_check_document(const uint8_t *doc, uint64_t size) {
    hs_doc d;
    int rc = doc_open(doc, size, &d);
    if (rc != HS_OK) return rc;
    if (hsl_bytes_hash(HSL_CHECKSUM_SEED, doc + 16, (size_t)(size - 16)) != hsl_ld64(doc + HSL_D_CHECKSUM))
        return HS_ECORRUPT;
    for (uint32_t i = 0; i <= d.bucket_mask; i++) {
        uint32_t idx = hsl_ld32(d.buckets + (uint64_t)i * HSL_BUCKET_SIZE);
        if (idx != HSL_NONE && idx >= d.node_count) return HS_ECORRUPT;
    }
    for (uint32_t i = 0; i < d.node_count; i++) {
        hs_val v;
        if (node_load(&d, i, &v, -1) != HS_OK) return HS_ECORRUPT;
        const uint8_t *n = d.nodes + (uint64_t)i * HSL_NODE_SIZE;
        uint64_t po = hsl_ld32(n + HSL_N_PATH_OFF), pl = hsl_ld32(n + HSL_N_PATH_LEN);
        if (po + pl > d.strings_size) return HS_ECORRUPT;
        uint32_t parent = hsl_ld32(n + HSL_N_PARENT);
        if (i == 0 ? parent != HSL_NONE : parent >= i) return HS_ECORRUPT;
        if (v.type == HS_TYPE_ARRAY || v.type == HS_TYPE_OBJECT) {
            uint64_t first = (uint32_t)v.payload, count = v.payload >> 32;
            if (count && (first <= i || first + count > d.node_count)) return HS_ECORRUPT;
        }
    }
    return HS_OK;
}

/* ------------------------------------------------------------------------------------- */
/* The seqlock read loop                                                                   */

/* One consistent view of the current slot: what R1..R3 established. */
typedef struct {
    struct hs_map *map;
    uint64_t cur;          /* channel-0 current word (R1) */
    const uint8_t *slot;
    uint64_t seq;          /* even sequence (R3) */
    const uint8_t *doc;
    uint64_t doc_size;     /* set by view_size: clamped, a size above capacity is corrupt */
    int size_ok;
} hs_view;

/* R1..R3: finds the current slot and its sequence. Returns 1 when `v` is usable, 0 when the
 * attempt must be retried (odd sequence), or a negative error. */
static inline __attribute__((always_inline)) int view_begin(hs_reader *r, hs_view *v) {
    struct hs_map *m = atomic_load_explicit(&r->map, memory_order_acquire); /* pairs with reader_remap's release */
    /* R1, load-acquire: pairs with W5 (store-release of current by the writer). */
    uint64_t c = atomic_load_explicit(HSI_AU64(ch0(m) + HSL_CH_CURRENT), memory_order_acquire);
    if (HS_UNLIKELY(c & HSL_CUR_RETIRED)) {
        struct hs_map *n = reader_remap(r, m);
        if (n != m) {
            m = n;
            c = atomic_load_explicit(HSI_AU64(ch0(m) + HSL_CH_CURRENT), memory_order_acquire); /* R1 again */
        }
    }
    uint64_t t = c & HSL_CUR_SLOT_MASK;
    if (HS_UNLIKELY(t >= m->g.slot_count)) return HS_ECORRUPT;
    const uint8_t *slot = m->slots + t * m->g.slot_stride;
    /* R3, load-acquire: pairs with W4 (store-release of the even sequence). */
    uint64_t s1 = atomic_load_explicit(HSI_AU64(slot + HSL_SLOT_SEQ), memory_order_acquire);
    if (HS_UNLIKELY(s1 & 1)) return 0; /* lapped: the writer is rewriting the slot we were sent to */
    v->map = m;
    v->cur = c;
    v->slot = slot;
    v->seq = s1;
    v->doc = slot + HSL_SLOT_HEADER_SIZE;
    return 1;
}

/* R4, first load: the document size, bounded by the slot's capacity (private geometry). */
static inline __attribute__((always_inline)) void view_size(hs_view *v) {
    uint64_t sz = hsl_ld64(v->slot + HSL_SLOT_DOC_SIZE);
    v->size_ok = sz <= v->map->g.capacity;
    v->doc_size = v->size_ok ? sz : 0;
}

/* R5 + R6: whether nothing was written to the slot since view_begin. */
static inline __attribute__((always_inline)) int view_still_valid(const hs_view *v) {
    /* R5: acquire fence, pairs with W2 (the writer's release fence after making seq odd):
     * keeps the data loads above from being performed after the sequence re-load below. */
    atomic_thread_fence(memory_order_acquire);
    /* R6: a relaxed load suffices after the fence. */
    return atomic_load_explicit(HSI_AU64(v->slot + HSL_SLOT_SEQ), memory_order_relaxed) == v->seq;
}

static void backoff(int attempt) {
    if (attempt >= HS_YIELD_AFTER) sched_yield();
}

/* ---- Per-thread caches: checked document headers and resolved paths. ----
 *
 * Checking a document header (doc_open: a dozen loads and bounds checks) and resolving a
 * path (split, hash, probe, compare the stored path) were most of a by-path read. Both are
 * functions of what the read finds at R1..R3: (mapping, slot, even sequence). The writer
 * moves a slot's sequence to a new odd value before it writes the slot and to a new even one
 * after (W1, W4); sequences only grow; and every mapping gets an id that is never reused in
 * this process. So a header checked, or a path resolved to a node index, under a stable
 * sequence (R6 passed) stays valid for every later read that finds the same mapping, slot
 * and sequence. Each thread keeps:
 *   - per mapping (2 ways, by id), the checked header of the last slot it read, tagged with
 *     (map id, slot, sequence) and a stamp that is new for every entry stored;
 *   - 64 resolved paths (exact path bytes, up to 32, and length -> node index or "absent"),
 *     each tagged with the stamp of the header entry it was resolved against, so that a new
 *     header entry invalidates them all at once. A path is admitted on its second miss in a
 *     row at its entry: reads that keep asking for new paths gain nothing from the cache and
 *     should not pay for filling it.
 * A read that finds a tagged entry skips what the entry records; everything else still
 * happens on every read: R1..R3, loading the node's type and payload (or string span) from
 * shared memory, R5 + R6 before the result is used. Entries are only stored after R6.
 *
 * What this does not weaken:
 *   - Bounds: every offset a header entry holds was checked against a document size that
 *     was checked against the slot capacity of our private geometry; a cached node index
 *     was checked against that header's node count. The mapping stays mapped until hs_close.
 *     A writer that breaks the protocol (rewrites a header or the index in place without
 *     moving the sequence) can only get its change ignored until the next publish, never
 *     make a read leave the slot. A string or JSON span is checked on every read.
 *   - Sharing: the caches are thread-local: readers in different threads write no common
 *     cache line, and nothing is written to shared memory.
 *   - Signal handlers that read on the thread they interrupted: `busy` is odd while this
 *     thread stores into its cache (a handler then neither uses nor stores entries) and
 *     moves by 2 per store, so a read interrupted between loading entries and using them by
 *     a handler's store sees `busy` changed and does the work itself.
 *
 * Where the cache lives: a 4.4 KiB block per thread, allocated on the thread's first read by
 * path and freed when the thread exits (a thread-exit destructor registered the way C++
 * thread_local objects register theirs, so that glibc keeps libhotswap.so loaded until the
 * destructors ran, even across dlclose). Reads find it through one initial-exec thread-local
 * pointer: a single %fs-relative load. (A dynamic-model thread-local block would cost a
 * __tls_get_addr call per read in libhotswap.so, about 50 instructions; an initial-exec one
 * would need the whole block in static TLS, which a dlopen'ed library cannot get: ctypes
 * failed with "cannot allocate memory in static TLS block". 8 bytes fit.) The first read of
 * a thread allocates, so it is not async-signal-safe; later reads take no lock and call
 * nothing that allocates. */
#define HS_DOC_CACHE_WAYS 2   /* a power of two: header entries indexed by mapping id */
#define HS_PATH_CACHE_BITS 6  /* 64 resolved paths per thread */
#define HS_PATH_CACHE_MAX 32  /* longer paths are resolved on every read */

typedef struct {
    _Alignas(128) uint64_t map_id; /* 0: empty (ids start at 1) */
    const uint8_t *slot;
    uint64_t seq;
    uint64_t stamp;        /* new for every entry stored: tags the resolved paths */
    hs_doc d;
} hs_doc_entry;            /* 128 bytes: the index is a shift */

/* A path as four words: injective for a given length (overlapping loads, no padding). */
typedef struct { uint64_t w0, w1, w2, w3; } hs_pwords;

typedef struct {
    hs_pwords key;
    uint64_t stamp;        /* of the header entry it was resolved against; 0: empty */
    uint32_t len;
    uint32_t node;         /* HSL_NONE: the path is absent from that document */
    /* Admission: a path that misses stores its tag here and is only stored in the entry when
     * it misses again with its tag still here (so that reads of ever new paths, which the
     * cache cannot help, pay one small store, not a whole entry). A hint only: nothing reads
     * it for safety, so it needs no `busy` protection. */
    _Atomic uint32_t candidate;
    uint32_t pad[3];       /* 64 bytes: one cache line, and the index is a shift */
} hs_path_entry;

typedef struct {
    unsigned busy;
    uint64_t stamps;       /* last stamp given out */
    hs_doc_entry docs[HS_DOC_CACHE_WAYS];
    _Alignas(64) hs_path_entry paths[1u << HS_PATH_CACHE_BITS];
} hs_tcache;

static __thread hs_tcache *hs_tls __attribute__((tls_model("initial-exec")));

/* glibc (2.18+) and musl: runs dtor(obj) when the calling thread exits, and keeps the object
 * containing dso_symbol loaded until then. */
extern int __cxa_thread_atexit_impl(void (*dtor)(void *), void *obj, void *dso_symbol);
extern void *__dso_handle;

static void tcache_free(void *p) {
    if (hs_tls == p) hs_tls = NULL;
    free(p);
}

/* This thread's cache, allocated on first use; NULL when memory is short (reads then go
 * without). The fast path reads hs_tls directly and leaves a NULL one to the slow path. */
static __attribute__((noinline)) hs_tcache *tcache(void) {
    hs_tcache *c = hs_tls;
    if (HS_LIKELY(c != NULL)) return c;
    void *p = NULL;
    if (posix_memalign(&p, 128, sizeof(hs_tcache)) != 0) return NULL;
    memset(p, 0, sizeof(hs_tcache));
    if (__cxa_thread_atexit_impl(tcache_free, p, &__dso_handle) != 0) {
        free(p);
        return NULL;
    }
    hs_tls = p;
    return p;
}

static inline __attribute__((always_inline)) hs_pwords path_words(const uint8_t *s, size_t n) {
    hs_pwords k = { 0, 0, 0, 0 };
    if (n < 8) { if (n) k.w0 = hsl_tail(s, n); return k; }
    k.w0 = hsl_word(s);
    k.w3 = hsl_word(s + n - 8);
    if (n > 16) k.w1 = hsl_word(s + 8);
    if (n > 24) k.w2 = hsl_word(s + 16);
    return k;
}

/* The hash of a path's words: its top bits pick the entry, lower ones make the admission tag. */
static inline uint64_t path_mix(hs_pwords k, size_t n) {
    return ((k.w0 ^ hsl_rotl(k.w3, 29)) + (k.w1 ^ hsl_rotl(k.w2, 43)) + n) * HSL_K1;
}
static inline uint32_t path_tag(uint64_t mix) { return (uint32_t)(mix >> 16) | 1; /* never 0, the initial value */ }

/* Copies the checked header for `v` into `d`; 0 when there is none. */
static inline __attribute__((always_inline)) int doc_cache_get(const hs_view *v, hs_doc *d) {
    hs_tcache *c = tcache();
    if (HS_UNLIKELY(!c)) return 0;
    unsigned busy = c->busy;
    atomic_signal_fence(memory_order_seq_cst); /* compiler barrier: our own signal handlers */
    const hs_doc_entry *e = &c->docs[v->map->id & (HS_DOC_CACHE_WAYS - 1)];
    if (HS_UNLIKELY(busy & 1) || e->map_id != v->map->id || e->slot != v->slot || e->seq != v->seq) return 0;
    *d = e->d;
    atomic_signal_fence(memory_order_seq_cst);
    return HS_LIKELY(c->busy == busy);
}

/* Remembers `d`, checked under the stable sequence of `v`. */
static __attribute__((noinline)) void doc_cache_put(const hs_view *v, const hs_doc *d) {
    hs_tcache *c = tcache();
    if (!c) return;
    unsigned busy = c->busy;
    if (busy & 1) return; /* we interrupted this thread's own store: leave it alone */
    c->busy = busy + 1;
    atomic_signal_fence(memory_order_seq_cst);
    hs_doc_entry *e = &c->docs[v->map->id & (HS_DOC_CACHE_WAYS - 1)];
    e->map_id = v->map->id;
    e->slot = v->slot;
    e->seq = v->seq;
    e->stamp = ++c->stamps;
    e->d = *d;
    atomic_signal_fence(memory_order_seq_cst);
    c->busy = busy + 2;
}

/* After a miss at `e` (the entry of path `s`, `n` <= HS_PATH_CACHE_MAX bytes, whose
 * path_mix is `mix`, resolved to node `node` or absent, in the document of the header entry
 * stamped `stamp`): stores the resolution when the path missed here just before (its tag is
 * the candidate), else makes it the candidate. */
static __attribute__((noinline)) void path_cache_admit(hs_tcache *c, hs_path_entry *e, const uint8_t *s, size_t n,
                                                       uint64_t mix, uint64_t stamp, uint32_t node) {
    uint32_t tag = path_tag(mix);
    if (atomic_load_explicit(&e->candidate, memory_order_relaxed) != tag) {
        atomic_store_explicit(&e->candidate, tag, memory_order_relaxed);
        return;
    }
    hs_pwords k = path_words(s, n);
    unsigned busy = c->busy;
    if (busy & 1) return; /* we interrupted this thread's own store: leave it alone */
    c->busy = busy + 1;
    atomic_signal_fence(memory_order_seq_cst);
    e->key = k;
    e->len = (uint32_t)n;
    e->node = node;
    e->stamp = stamp;
    atomic_signal_fence(memory_order_seq_cst);
    c->busy = busy + 2;
}

/* The document header of `v`: the cached checked copy, or loaded and checked now (then
 * *fresh = 1: the caller stores it once R6 confirms it). */
static inline __attribute__((always_inline)) int view_doc(hs_view *v, hs_doc *d, int *fresh) {
    if (HS_LIKELY(doc_cache_get(v, d))) { *fresh = 0; return HS_OK; }
    view_size(v);
    int rc = v->size_ok ? doc_open(v->doc, v->doc_size, d) : HS_ECORRUPT;
    *fresh = rc == HS_OK;
    return rc;
}

static inline __attribute__((always_inline)) int reader_read(hs_reader *r, const hs_path *p, hs_op *op) {
    for (int attempt = 0; attempt < HS_MAX_ATTEMPTS; attempt++) {
        if (HS_UNLIKELY(attempt)) {
            atomic_fetch_add_explicit(&r->retries, 1, memory_order_relaxed);
            backoff(attempt);
        }
        hs_view v;
        int rc = view_begin(r, &v);
        if (HS_UNLIKELY(rc <= 0)) {
            if (rc < 0) return rc;
            continue;
        }
        hs_doc d;
        uint32_t idx;
        hs_val val;
        int fresh;
        rc = view_doc(&v, &d, &fresh);
        if (HS_LIKELY(rc == HS_OK)) rc = doc_find(&d, p, &idx);
        if (HS_LIKELY(rc == HS_OK)) rc = node_load(&d, idx, &val, op->op);
        if (HS_LIKELY(rc == HS_OK)) rc = val_apply(&val, op);
        if (HS_UNLIKELY(!view_still_valid(&v))) continue;
        if (HS_UNLIKELY(fresh)) doc_cache_put(&v, &d);
        return rc; /* a stable sequence: the result (or the corruption) is real */
    }
    atomic_fetch_add_explicit(&r->busy, 1, memory_order_relaxed);
    return HS_EBUSY;
}

/* Checks the current document completely (checksum included), in place. */
static int verify_current(hs_reader *r) {
    for (int attempt = 0; attempt < HS_MAX_ATTEMPTS; attempt++) {
        if (attempt) backoff(attempt);
        hs_view v;
        int rc = view_begin(r, &v);
        if (rc < 0) return rc;
        if (rc == 0) continue;
        view_size(&v);
        if (v.cur >> HSL_CUR_GEN_SHIFT == 0) rc = HS_ECORRUPT; /* a visible segment always holds a snapshot */
        else rc = v.size_ok ? hsi_check_document(v.doc, v.doc_size) : HS_ECORRUPT;
        if (!view_still_valid(&v)) continue;
        return rc;
    }
    return HS_EBUSY;
}

#define CHECK_READER(r) do { if (HS_UNLIKELY(!(r) || (r)->magic != HS_READER_MAGIC)) return HS_EINVAL; } while (0)

/* ---- The fast path of reads by path. ----
 *
 * The common case in one pass, written so that the compiler keeps it in registers: the
 * header comes from the per-thread cache, the path's node from the resolved-path cache or,
 * failing that, from splitting and hashing the path a word at a time straight into the path
 * hash (no token array), one probe sequence and one stored-path comparison. Anything else
 * (a cold cache, escapes in the path, a retired segment, an odd or moved sequence, anything
 * that looks corrupt) returns HS_SLOW, and the general code (reader_read) does the read from
 * scratch and decides. Every protocol step and bounds check of the general path is here too:
 * R1, R3, the bucket's node index against node_count, the path span against strings_size,
 * R5 + R6 before the result is used. */
#define HS_SLOW 1

/* A flag in the high bit of each byte of `w` that is zero; the lowest flag is always a
 * true zero byte (a borrow only runs upwards from one), which is all the callers use. */
static inline uint64_t zero_bytes(uint64_t w) { return (w - HS_BYTES_01) & ~w & (HS_BYTES_01 << 7); }

/* Whether the path `s` (`n` > 0 bytes) holds a byte that needs the general parser: '~' (an
 * escape in a pointer; escaped when compared in a dotted path), or '/' inside a dotted path.
 * A word at a time, the last word overlapping the one before it. */
static inline __attribute__((always_inline)) int has_odd_bytes(const uint8_t *s, size_t n, int pointer) {
    const uint64_t tilde = HS_BYTES_01 * '~', slash = HS_BYTES_01 * '/';
    uint64_t odd = 0, w;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            w = hsl_word(s + i);
            odd |= zero_bytes(w ^ tilde) | (pointer ? 0 : zero_bytes(w ^ slash));
        }
        w = hsl_word(s + n - 8);
    } else {
        w = hsl_tail(s, n); /* zero padding: neither '~' nor '/' */
    }
    odd |= zero_bytes(w ^ tilde) | (pointer ? 0 : zero_bytes(w ^ slash));
    return odd != 0;
}

/* A token of 8 bytes or more starting at `a` whose first word holds no separator: finds its
 * end and hashes it whole (its hash starts from its length). */
static __attribute__((noinline)) uint64_t long_token(const uint8_t *s, size_t n, size_t a, uint64_t sepw, size_t *len) {
    size_t e = a + 8; /* [a, e) is known to be inside the token */
    while (e < n) {
        size_t left = n - e;
        uint64_t z = zero_bytes((left >= 8 ? hsl_word(s + e) : hsl_tail(s + e, left)) ^ sepw);
        if (z) { e += (size_t)__builtin_ctzll(z) >> 3; break; }
        e += left >= 8 ? 8 : left;
    }
    *len = e - a;
    return hsl_token_hash(s + a, e - a);
}

/* Hash of the path `s` (`n` > 0 bytes) with `seed`, tokens found and hashed a word at a
 * time: each token's first eight bytes are one load at its start, so a token of up to 7
 * bytes followed by its separator (or 8 at the end of the path) costs one load, a separator
 * search and one multiply; longer tokens are scanned first (long_token). Returns 0 and the
 * hash, HS_EINVAL for an empty dotted token, or HS_SLOW for escapes (the general parser's
 * business). */
static inline __attribute__((always_inline)) int fast_path_hash(const uint8_t *s, size_t n, int pointer,
                                                                 uint64_t seed, uint64_t *hash) {
    if (HS_UNLIKELY(has_odd_bytes(s, n, pointer))) return HS_SLOW;
    const uint64_t sepw = HS_BYTES_01 * (pointer ? '/' : '.');
    uint64_t h = seed, ntok = 0;
    size_t a = (size_t)pointer; /* start of the current token */
    for (;;) {
        size_t left = n - a, len;
        uint64_t w, th;
        if (left >= 8) w = hsl_word(s + a);
        else if (n >= 8) w = left ? hsl_word(s + n - 8) >> (64 - 8 * left) : 0; /* the last bytes, one load */
        else w = left ? hsl_tail(s + a, left) : 0;
        uint64_t z = zero_bytes(w ^ sepw); /* the zero padding never matches a separator */
        if (z || left <= 8) {
            len = z ? (size_t)__builtin_ctzll(z) >> 3 : left; /* no separator: the last token */
            th = (uint64_t)len * HSL_K2;
            if (len) th = hsl_rotl((th ^ (len < 8 ? w & ((1ULL << (8 * len)) - 1) : w)) * HSL_K1, 31);
        } else {
            th = long_token(s, n, a, sepw, &len);
        }
        if (!pointer && len == 0) return HS_EINVAL; /* "a..b", ".a", "a." */
        h = hsl_path_step(h, th);
        ntok++;
        if (a + len == n) break;
        a += len + 1;
    }
    *hash = hsl_path_final(h, ntok);
    return 0;
}

/* Resolves `s` (`n` > 0 bytes) in the checked header `d`: HS_OK with the node index
 * (HSL_NONE: absent), HS_EINVAL, or HS_SLOW. Loads only buckets and node paths, each
 * bounds-checked; the caller validates the read (R6) before trusting the answer. */
static inline __attribute__((always_inline)) int fast_resolve(const hs_doc *d, const uint8_t *s, size_t n, uint32_t *node) {
    const int pointer = s[0] == '/';
    uint64_t h;
    int rc = fast_path_hash(s, n, pointer, d->seed, &h);
    if (HS_UNLIKELY(rc != 0)) return rc;
    const uint32_t tag = (uint32_t)(h >> 32), home = (uint32_t)h;
    for (uint32_t probe = 0; probe <= d->max_probe; probe++) {
        uint64_t bw = hsl_ld64(d->buckets + (uint64_t)((home + probe) & d->bucket_mask) * HSL_BUCKET_SIZE);
        uint32_t idx = (uint32_t)bw;
        if (idx == HSL_NONE) break;
        if ((uint32_t)(bw >> 32) != tag) continue;
        if (HS_UNLIKELY(idx >= d->node_count)) return HS_SLOW;
        uint64_t pw = hsl_ld64(d->nodes + (uint64_t)idx * HSL_NODE_SIZE + HSL_N_PATH_OFF);
        uint64_t po = (uint32_t)pw, pl = pw >> 32;
        if (HS_UNLIKELY(po + pl > d->strings_size)) return HS_SLOW;
        if (HS_LIKELY(plain_path_equal(s, n, pointer, d->strings + po, pl))) { *node = idx; return HS_OK; }
    }
    *node = HSL_NONE;
    return HS_OK;
}

/* The fast path's resolution when the path is not in the resolved-path cache: from the
 * header entry `de`, copied first and checked against a signal handler's store. Returns the
 * node index (HSL_NONE: absent) in the low 32 bits and HS_OK, HS_EINVAL or HS_SLOW in the
 * high 32 (one register: nothing of the caller's goes through memory). */
static __attribute__((noinline)) uint64_t fast_miss(const hs_tcache *tc, unsigned busy, const hs_doc_entry *de,
                                                    const uint8_t *s, size_t n) {
    hs_doc d; /* what fast_resolve uses */
    d.seed = de->d.seed;
    d.bucket_mask = de->d.bucket_mask;
    d.max_probe = de->d.max_probe;
    d.node_count = de->d.node_count;
    d.buckets = de->d.buckets;
    d.nodes = de->d.nodes;
    d.strings = de->d.strings;
    d.strings_size = de->d.strings_size;
    atomic_signal_fence(memory_order_seq_cst);
    if (HS_UNLIKELY(tc->busy != busy)) return (uint64_t)(uint32_t)HS_SLOW << 32;
    uint32_t idx = 0; /* "" is the root, node 0 (node_count >= 1 was checked) */
    int rc = n == 0 ? HS_OK : fast_resolve(&d, s, n, &idx);
    return (uint64_t)(uint32_t)rc << 32 | idx;
}

/* A read by path on the fast path: HS_SLOW when it cannot answer (nothing of `op` is then
 * final: the general path starts over). `op->op` is a constant in every caller, so each
 * getter keeps only its own part. */
static inline __attribute__((always_inline)) int fast_read(hs_reader *r, const char *path, hs_op *op) {
    const int kind = op->op;
    const int bytes = kind == OP_STR || kind == OP_JSON;
    /* First, while little is live across the call. */
    const uint8_t *s = (const uint8_t *)path;
    const size_t n = strlen(path);
    struct hs_map *m = atomic_load_explicit(&r->map, memory_order_acquire); /* pairs with reader_remap */
    /* R1, load-acquire (pairs with W5). RETIRED (bit 7) makes the index >= 64 >= slot_count,
     * so a retired segment takes the general path, which remaps. */
    uint64_t c = atomic_load_explicit(HSI_AU64(m->current), memory_order_acquire);
    uint64_t t = c & (HSL_CUR_SLOT_MASK | HSL_CUR_RETIRED);
    if (HS_UNLIKELY(t >= m->g.slot_count)) return HS_SLOW;
    const uint8_t *slot = m->slots + t * m->g.slot_stride;
    /* R3, load-acquire (pairs with W4). An odd sequence never equals a cached one (cached
     * sequences are even), so the cache test below also sends a lapped read to the slow path. */
    uint64_t s1 = atomic_load_explicit(HSI_AU64(slot + HSL_SLOT_SEQ), memory_order_acquire);

    hs_tcache *tc = hs_tls;
    if (HS_UNLIKELY(!tc)) return HS_SLOW;
    unsigned busy = tc->busy;
    atomic_signal_fence(memory_order_seq_cst); /* compiler barrier: our own signal handlers */
    const hs_doc_entry *de = &tc->docs[m->id & (HS_DOC_CACHE_WAYS - 1)];
    if (HS_UNLIKELY(de->map_id != m->id || de->slot != slot || de->seq != s1 || (busy & 1))) return HS_SLOW;
    /* Everything used from the entries is loaded before `busy` is checked again. */
    const uint8_t *const nodes = de->d.nodes;
    const uint64_t stamp = de->stamp;
    const uint8_t *strings = NULL, *json = NULL;
    uint64_t strings_size = 0, json_size = 0;
    if (bytes) {
        strings = de->d.strings;
        strings_size = de->d.strings_size;
        json = de->d.json;
        json_size = de->d.json_size;
    }
    uint32_t idx = 0;
    int resolved = 0;
    hs_path_entry *pe = NULL;
    uint64_t mix = 0;
    if (HS_LIKELY(n <= HS_PATH_CACHE_MAX)) {
        /* path_words, spelt out on scalars so that they stay in registers. An entry matches
         * on stamp, length and words (an entry of the same length has the same words zero). */
        uint64_t w0 = 0, w1 = 0, w2 = 0, w3 = 0;
        if (n >= 8) {
            w0 = hsl_word(s);
            w3 = hsl_word(s + n - 8);
            if (n > 16) w1 = hsl_word(s + 8);
            if (n > 24) w2 = hsl_word(s + 16);
        } else if (n) {
            w0 = hsl_tail(s, n);
        }
        hs_pwords key = { w0, w1, w2, w3 };
        mix = path_mix(key, n);
        pe = &tc->paths[mix >> (64 - HS_PATH_CACHE_BITS)];
        if (HS_LIKELY(pe->stamp == stamp && pe->len == n &&
                      ((pe->key.w0 ^ w0) | (pe->key.w3 ^ w3) | (n > 16 ? (pe->key.w1 ^ w1) | (pe->key.w2 ^ w2) : 0)) == 0)) {
            idx = pe->node;
            resolved = 1;
        }
    }
    atomic_signal_fence(memory_order_seq_cst);
    if (HS_UNLIKELY(tc->busy != busy)) return HS_SLOW; /* a signal handler replaced entries */
    if (HS_UNLIKELY(!resolved)) {
        uint64_t res = fast_miss(tc, busy, de, s, n);
        int rc = (int)(uint32_t)(res >> 32);
        if (HS_UNLIKELY(rc != HS_OK)) return rc;
        idx = (uint32_t)res;
    }

    hs_val v = { 0, 0, NULL, 0, NULL, 0 };
    int rc = HS_ENOTFOUND;
    if (HS_LIKELY(idx != HSL_NONE)) {
        const uint8_t *node = nodes + (uint64_t)idx * HSL_NODE_SIZE;
        v.type = hsl_ld8(node + HSL_N_TYPE);
        v.payload = hsl_ld64(node + HSL_N_PAYLOAD);
        if (HS_UNLIKELY(v.type > HS_TYPE_OBJECT)) return HS_SLOW;
        if (kind == OP_STR && (v.type == HS_TYPE_STRING || v.type == HS_TYPE_DATETIME)) {
            uint64_t so = (uint32_t)v.payload, sl = v.payload >> 32;
            if (HS_UNLIKELY(so + sl > strings_size)) return HS_SLOW;
            v.str = strings + so;
            v.str_len = sl;
        }
        if (kind == OP_JSON) {
            uint64_t jw = hsl_ld64(node + HSL_N_JSON_OFF); /* offset, length */
            uint64_t jo = (uint32_t)jw, jl = jw >> 32;
            if (HS_UNLIKELY(jo + jl > json_size)) return HS_SLOW;
            v.json = json + jo;
            v.json_len = jl;
        }
        rc = val_apply(&v, op); /* string and JSON copies are only trusted after R6 */
    }
    /* R5 (acquire fence, pairs with W2) + R6. */
    atomic_thread_fence(memory_order_acquire);
    if (HS_UNLIKELY(atomic_load_explicit(HSI_AU64(slot + HSL_SLOT_SEQ), memory_order_relaxed) != s1)) {
        atomic_fetch_add_explicit(&r->retries, 1, memory_order_relaxed); /* rare path, own cache line */
        return HS_SLOW;
    }
    if (HS_UNLIKELY(!resolved) && pe) path_cache_admit(tc, pe, s, n, mix, stamp, idx);
    return rc;
}

/* The general read: any path spelling, any operation, retries, remaps, a cold cache. The
 * operation comes by value and the result goes to `res`, so that the caller's own hs_op
 * never has its address taken and stays in registers on the fast path. */
static __attribute__((noinline)) int get_slow(hs_reader *r, const char *path, int kind, char *buf, size_t cap, hs_op *res) {
    hs_op op = { kind, 0, 0, 0, 0, buf, cap, 0 };
    int rc = HS_EINVAL;
    hs_path p;
    if (path) rc = path_parse(path, &p);
    if (rc == HS_OK) rc = reader_read(r, &p, &op);
    *res = op;
    return rc;
}

/* Every getter by path: the fast path, else the general one. */
static inline __attribute__((always_inline)) int get(hs_reader *r, const char *path, hs_op *op) {
    CHECK_READER(r);
    if (HS_LIKELY(path != NULL)) {
        int rc = fast_read(r, path, op);
        if (HS_LIKELY(rc != HS_SLOW)) return rc;
    }
    hs_op res;
    int rc = get_slow(r, path, op->op, op->buf, op->cap, &res);
    *op = res;
    return rc;
}

HS_EXPORT int hs_get_i64(hs_reader *r, const char *path, int64_t *out) {
    hs_op op = { OP_I64, 0, 0, 0, 0, NULL, 0, 0 };
    if (!out) return HS_EINVAL;
    int rc = get(r, path, &op);
    if (rc == HS_OK) *out = op.i;
    return rc;
}

HS_EXPORT int hs_get_f64(hs_reader *r, const char *path, double *out) {
    hs_op op = { OP_F64, 0, 0, 0, 0, NULL, 0, 0 };
    if (!out) return HS_EINVAL;
    int rc = get(r, path, &op);
    if (rc == HS_OK) *out = op.f;
    return rc;
}

HS_EXPORT int hs_get_bool(hs_reader *r, const char *path, bool *out) {
    hs_op op = { OP_BOOL, 0, 0, 0, 0, NULL, 0, 0 };
    if (!out) return HS_EINVAL;
    int rc = get(r, path, &op);
    if (rc == HS_OK) *out = op.b != 0;
    return rc;
}

static int get_bytes(hs_reader *r, const char *path, int kind, char *buf, size_t cap, size_t *len) {
    hs_op op = { kind, 0, 0, 0, 0, buf, cap, 0 };
    if (!buf && cap) return HS_EINVAL;
    int rc = get(r, path, &op);
    if ((rc == HS_OK || rc == HS_ETOOSMALL) && len) *len = op.len;
    return rc;
}

HS_EXPORT int hs_get_str(hs_reader *r, const char *path, char *buf, size_t cap, size_t *len) {
    return get_bytes(r, path, OP_STR, buf, cap, len);
}

HS_EXPORT int hs_get_json(hs_reader *r, const char *path, char *buf, size_t cap, size_t *len) {
    return get_bytes(r, path, OP_JSON, buf, cap, len);
}

HS_EXPORT int hs_get_type(hs_reader *r, const char *path, int *type) {
    hs_op op = { OP_TYPE, 0, 0, 0, 0, NULL, 0, 0 };
    if (!type) return HS_EINVAL;
    int rc = get(r, path, &op);
    if (rc == HS_OK) *type = op.type;
    return rc;
}

HS_EXPORT uint64_t hs_generation(hs_reader *r) {
    if (!r || r->magic != HS_READER_MAGIC) return 0;
    struct hs_map *m = atomic_load_explicit(&r->map, memory_order_acquire); /* pairs with reader_remap */
    /* Acquire pairs with W5: a caller that then reads sees at least this generation. */
    uint64_t c = atomic_load_explicit(HSI_AU64(ch0(m) + HSL_CH_CURRENT), memory_order_acquire);
    if (HS_UNLIKELY(c & HSL_CUR_RETIRED)) {
        struct hs_map *n = reader_remap(r, m);
        if (n != m) c = atomic_load_explicit(HSI_AU64(ch0(n) + HSL_CH_CURRENT), memory_order_acquire);
    }
    return c >> HSL_CUR_GEN_SHIFT;
}

HS_EXPORT uint64_t hs_stat(hs_reader *r, int counter) {
    if (!r || r->magic != HS_READER_MAGIC) return 0;
    switch (counter) {
    case HS_STAT_RETRIES: return atomic_load_explicit(&r->retries, memory_order_relaxed);
    case HS_STAT_BUSY: return atomic_load_explicit(&r->busy, memory_order_relaxed);
    case HS_STAT_REMAPS: return atomic_load_explicit(&r->remaps, memory_order_relaxed);
    default: return 0;
    }
}

/* ------------------------------------------------------------------------------------- */
/* hs_wait                                                                                 */

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

HS_EXPORT int hs_wait(hs_reader *r, uint64_t seen, int timeout_ms) {
    CHECK_READER(r);
    int64_t deadline = timeout_ms > 0 ? mono_ns() + (int64_t)timeout_ms * 1000000 : 0;
    int remaps_left = 64; /* a writer growing without pause cannot keep us remapping forever */
    for (;;) {
        struct hs_map *m = atomic_load_explicit(&r->map, memory_order_acquire); /* pairs with reader_remap */
        _Atomic uint32_t *word = HSI_AU32(ch0(m) + HSL_CH_NOTIFY);
        /* Sample the futex word before checking the generation. Acquire pairs with W6: if this
         * load sees a publish's increment, the load of current below sees that publish. */
        uint32_t w = atomic_load_explicit(word, memory_order_acquire);
        uint64_t c = atomic_load_explicit(HSI_AU64(ch0(m) + HSL_CH_CURRENT), memory_order_acquire); /* R1 */
        if ((c & HSL_CUR_RETIRED) && remaps_left > 0) {
            remaps_left--;
            if (reader_remap(r, m) != m) continue;
        }
        if ((c >> HSL_CUR_GEN_SHIFT) > seen) return HS_OK;
        if (timeout_ms == 0) return HS_ETIMEDOUT;
        struct timespec ts, *tsp = NULL;
        if (timeout_ms > 0) {
            int64_t left = deadline - mono_ns();
            if (left <= 0) return HS_ETIMEDOUT;
            ts.tv_sec = left / 1000000000;
            ts.tv_nsec = left % 1000000000;
            tsp = &ts;
        }
        /* Sleeps only while the word still equals w: a publish between the sample and this
         * call changed it, and FUTEX_WAIT returns EAGAIN at once (no lost wake-up). */
        if (hsi_futex(word, FUTEX_WAIT, w, tsp) != 0) {
            if (errno == EINTR) return HS_EINTR;
            if (errno != EAGAIN && errno != ETIMEDOUT) return HS_ESYSTEM;
        }
    }
}

/* ------------------------------------------------------------------------------------- */
/* Resolved keys                                                                           */

struct hs_key {
    /* What a scalar read uses first, on one cache line. */
    uint32_t magic;
    uint8_t fast_type; /* val.type while map != NULL and rc == HS_OK, else HS_NO_FAST_TYPE */
    /* The resolution cache: valid while the channel-0 current word of `map` equals `cur`.
     * The writer never writes the current slot, and current only grows, so an unchanged
     * current word means an unchanged slot. */
    const uint8_t *cur_word;
    uint64_t cur;
    hs_val val;    /* when rc == HS_OK; str/json point into the slot */
    struct hs_map *map;
    const uint8_t *slot;
    uint64_t seq;
    int rc;        /* HS_OK or HS_ENOTFOUND: the cached lookup result */
    hs_reader *r;
    uint64_t generation;
    uint64_t retries, busy;
    hs_path path;
    char text[];   /* the path */
};

#define HS_NO_FAST_TYPE 0xff

/* Keeps fast_type in step with map, rc and val. */
static inline void key_sync(hs_key *k) {
    k->fast_type = k->map && k->rc == HS_OK ? k->val.type : HS_NO_FAST_TYPE;
}

#define CHECK_KEY(k) do { if (HS_UNLIKELY(!(k) || (k)->magic != HS_KEY_MAGIC)) return HS_EINVAL; } while (0)

HS_EXPORT int hs_key_open(hs_reader *r, const char *path, hs_key **out) {
    CHECK_READER(r);
    if (!path || !out) return HS_EINVAL;
    hs_path p;
    int rc = path_parse(path, &p);
    if (rc != HS_OK) return rc;
    hs_key *k = calloc(1, sizeof *k + p.n + 1);
    if (!k) return HS_ENOMEM;
    memcpy(k->text, path, p.n + 1);
    k->path = p;
    k->path.s = k->text;
    k->r = r;
    k->fast_type = HS_NO_FAST_TYPE;
    k->magic = HS_KEY_MAGIC;
    *out = k;
    return HS_OK;
}

HS_EXPORT void hs_key_close(hs_key *k) {
    if (!k || k->magic != HS_KEY_MAGIC) return;
    k->magic = HS_DEAD_MAGIC;
    free(k);
}

/* Looks the key up again in the current slot and caches the result. */
static int key_resolve(hs_key *k) {
    hs_reader *r = k->r;
    k->map = NULL;
    key_sync(k);
    for (int attempt = 0; attempt < HS_MAX_ATTEMPTS; attempt++) {
        if (attempt) { k->retries++; backoff(attempt); }
        hs_view v;
        int rc = view_begin(r, &v);
        if (rc < 0) return rc;
        if (rc == 0) continue;
        hs_doc d;
        uint32_t idx = 0;
        hs_val val;
        memset(&val, 0, sizeof val);
        view_size(&v);
        rc = v.size_ok ? doc_open(v.doc, v.doc_size, &d) : HS_ECORRUPT;
        if (rc == HS_OK) rc = doc_find(&d, &k->path, &idx);
        if (rc == HS_OK) rc = node_load(&d, idx, &val, -1);
        uint64_t gen = hsl_ld64(v.slot + HSL_SLOT_GENERATION);
        if (!view_still_valid(&v)) continue;
        if (rc != HS_OK && rc != HS_ENOTFOUND) return rc;
        k->rc = rc;
        k->val = val;
        k->generation = gen;
        if (!(v.cur & HSL_CUR_RETIRED)) { /* never cache a retired segment: it never changes again */
            k->map = v.map;
            k->cur_word = ch0(v.map) + HSL_CH_CURRENT;
            k->cur = v.cur;
            k->slot = v.slot;
            k->seq = v.seq;
        }
        key_sync(k);
        return HS_OK;
    }
    k->busy++;
    return HS_EBUSY;
}

/* Whether the cached resolution still describes the current snapshot. */
static inline int key_fresh(const hs_key *k) {
    /* R1, load-acquire (pairs with W5). Equal to the cached word: the same slot is still
     * current, so it was not rewritten since the key resolved it. */
    return k->map && atomic_load_explicit(HSI_AU64(k->cur_word), memory_order_acquire) == k->cur;
}

static int key_scalar(hs_key *k, hs_op *op) {
    CHECK_KEY(k);
    if (HS_UNLIKELY(!key_fresh(k))) {
        int rc = key_resolve(k);
        if (rc != HS_OK) return rc;
    }
    if (k->rc != HS_OK) return k->rc;
    return val_apply(&k->val, op); /* scalars are cached: no shared memory touched */
}

/* Whether the key's cached resolution (of type `type`) is current: R1, load-acquire (pairs
 * with W5), and a comparison. An invalid handle or a NULL output takes the slow path, which
 * reports it. */
#define KEY_FAST(k, out, cond) \
    (HS_LIKELY((k) != NULL && (out) != NULL && (k)->magic == HS_KEY_MAGIC && (cond) && \
               atomic_load_explicit(HSI_AU64((k)->cur_word), memory_order_acquire) == (k)->cur))

/* Everything but the hot path of the scalar key getters: checks, a stale or missing
 * resolution, conversions. `out` is an int64_t, double or bool by `kind`. Out of line, so
 * that the getters need no stack frame. */
static __attribute__((noinline)) int key_get_slow(hs_key *k, int kind, void *out) {
    CHECK_KEY(k);
    if (!out) return HS_EINVAL;
    hs_op op = { kind, 0, 0, 0, 0, NULL, 0, 0 };
    int rc = key_scalar(k, &op);
    if (rc != HS_OK) return rc;
    if (kind == OP_I64) *(int64_t *)out = op.i;
    else if (kind == OP_F64) *(double *)out = op.f;
    else *(bool *)out = op.b != 0;
    return HS_OK;
}

HS_EXPORT int hs_key_get_i64(hs_key *k, int64_t *out) {
    if (KEY_FAST(k, out, k->fast_type == HS_TYPE_INT)) {
        *out = (int64_t)k->val.payload;
        return HS_OK;
    }
    return key_get_slow(k, OP_I64, out);
}

HS_EXPORT int hs_key_get_f64(hs_key *k, double *out) {
    if (KEY_FAST(k, out, k->fast_type == HS_TYPE_FLOAT)) {
        memcpy(out, &k->val.payload, 8);
        return HS_OK;
    }
    return key_get_slow(k, OP_F64, out);
}

HS_EXPORT int hs_key_get_bool(hs_key *k, bool *out) {
    if (KEY_FAST(k, out, k->fast_type == HS_TYPE_BOOL)) {
        *out = k->val.payload != 0;
        return HS_OK;
    }
    return key_get_slow(k, OP_BOOL, out);
}

HS_EXPORT int hs_key_get_type(hs_key *k, int *type) {
    if (!type) return HS_EINVAL;
    hs_op op = { OP_TYPE, 0, 0, 0, 0, NULL, 0, 0 };
    int rc = key_scalar(k, &op);
    if (rc == HS_OK) *type = op.type;
    return rc;
}

static int key_bytes(hs_key *k, int kind, char *buf, size_t cap, size_t *len) {
    CHECK_KEY(k);
    if (!buf && cap) return HS_EINVAL;
    hs_op op = { kind, 0, 0, 0, 0, buf, cap, 0 };
    for (int attempt = 0; attempt < HS_MAX_ATTEMPTS; attempt++) {
        if (attempt) { k->retries++; backoff(attempt); }
        if (!key_fresh(k)) {
            int rc = key_resolve(k);
            if (rc != HS_OK) return rc;
        }
        if (k->rc != HS_OK) return k->rc;
        int rc = val_apply(&k->val, &op); /* copies from the slot */
        if (k->map) {
            /* R5 + R6 against the cached sequence: the slot may have stopped being current
             * and been rewritten while we copied. */
            atomic_thread_fence(memory_order_acquire); /* pairs with W2 */
            if (atomic_load_explicit(HSI_AU64(k->slot + HSL_SLOT_SEQ), memory_order_relaxed) != k->seq) {
                k->map = NULL;
                key_sync(k);
                continue;
            }
        }
        /* (k->map == NULL: resolved on a retired segment, which is never written again.) */
        if ((rc == HS_OK || rc == HS_ETOOSMALL) && len) *len = op.len;
        return rc;
    }
    k->busy++;
    return HS_EBUSY;
}

HS_EXPORT int hs_key_get_str(hs_key *k, char *buf, size_t cap, size_t *len) { return key_bytes(k, OP_STR, buf, cap, len); }
HS_EXPORT int hs_key_get_json(hs_key *k, char *buf, size_t cap, size_t *len) { return key_bytes(k, OP_JSON, buf, cap, len); }

HS_EXPORT uint64_t hs_key_generation(hs_key *k) {
    return k && k->magic == HS_KEY_MAGIC ? k->generation : 0;
}

HS_EXPORT uint64_t hs_key_stat(hs_key *k, int counter) {
    if (!k || k->magic != HS_KEY_MAGIC) return 0;
    return counter == HS_STAT_RETRIES ? k->retries : counter == HS_STAT_BUSY ? k->busy : 0;
}

/* ------------------------------------------------------------------------------------- */
/* Snapshots: private, verified copies                                                     */

#define HS_SNAP_PATH_BITS 5 /* 32 resolved paths per snapshot */

struct hs_snapshot {
    uint32_t magic;
    hs_reader *r;
    struct hs_map *map; /* source of the copy */
    uint64_t cur;       /* channel-0 current word the copy was taken under */
    uint8_t *doc;       /* the copy (8-byte aligned) */
    uint64_t size;
    size_t cap;
    uint8_t *spare;     /* the buffer the next copy goes into */
    size_t spare_cap;
    uint64_t generation;
    hs_doc view;        /* the copy's header, checked once when the copy was taken */
    uint64_t retries, busy, copies;
    /* Resolved paths of the copy, tagged with `copies` when they were resolved (a new copy
     * invalidates them all), admitted as in the per-thread cache of reads by path. The copy
     * is private and was checked completely, so there is no sequence to check; node fields
     * are still bounds-checked on every read. A snapshot is used by one thread at a time. */
    _Alignas(64) hs_path_entry paths[1u << HS_SNAP_PATH_BITS];
};

#define CHECK_SNAP(s) do { if (HS_UNLIKELY(!(s) || (s)->magic != HS_SNAP_MAGIC)) return HS_EINVAL; } while (0)

static int ensure_spare(hs_snapshot *s, uint64_t n) {
    if (n <= s->spare_cap) return HS_OK;
    if (n > SIZE_MAX - 4096) return HS_ENOMEM;
    size_t want = (size_t)n + 4096;
    void *p = NULL;
    if (posix_memalign(&p, 64, want) != 0) return HS_ENOMEM;
    free(s->spare);
    s->spare = p;
    s->spare_cap = want;
    return HS_OK;
}

static int snapshot_copy(hs_snapshot *s) {
    for (int attempt = 0; attempt < HS_MAX_ATTEMPTS; attempt++) {
        if (attempt) { s->retries++; backoff(attempt); }
        hs_view v;
        int rc = view_begin(s->r, &v);
        if (rc < 0) return rc;
        if (rc == 0) continue;
        view_size(&v);
        if (!v.size_ok) {
            if (!view_still_valid(&v)) continue;
            return HS_ECORRUPT;
        }
        rc = ensure_spare(s, v.doc_size);
        if (rc != HS_OK) return rc;
        memcpy(s->spare, v.doc, (size_t)v.doc_size);
        uint64_t gen = hsl_ld64(v.slot + HSL_SLOT_GENERATION);
        if (!view_still_valid(&v)) continue;
        /* The copy is private now: check it completely, then trust it. */
        rc = hsi_check_document(s->spare, v.doc_size);
        if (rc != HS_OK) return rc;
        uint8_t *old = s->doc;
        size_t old_cap = s->cap;
        s->doc = s->spare;
        s->cap = s->spare_cap;
        s->spare = old;
        s->spare_cap = old_cap;
        s->size = v.doc_size;
        doc_open(s->doc, s->size, &s->view); /* cannot fail: hsi_check_document passed */
        s->map = v.map;
        s->cur = v.cur;
        s->generation = gen;
        s->copies++;
        return HS_OK;
    }
    s->busy++;
    return HS_EBUSY;
}

HS_EXPORT int hs_snapshot_open(hs_reader *r, hs_snapshot **out) {
    CHECK_READER(r);
    if (!out) return HS_EINVAL;
    hs_snapshot *s;
    if (posix_memalign((void **)&s, 64, sizeof *s) != 0) return HS_ENOMEM;
    memset(s, 0, sizeof *s);
    s->r = r;
    s->magic = HS_SNAP_MAGIC;
    int rc = snapshot_copy(s);
    if (rc != HS_OK) { hs_snapshot_close(s); return rc; }
    *out = s;
    return HS_OK;
}

HS_EXPORT void hs_snapshot_close(hs_snapshot *s) {
    if (!s || s->magic != HS_SNAP_MAGIC) return;
    s->magic = HS_DEAD_MAGIC;
    free(s->doc);
    free(s->spare);
    free(s);
}

HS_EXPORT int hs_snapshot_refresh(hs_snapshot *s, int *changed) {
    CHECK_SNAP(s);
    if (changed) *changed = 0;
    struct hs_map *m = atomic_load_explicit(&s->r->map, memory_order_acquire); /* pairs with reader_remap */
    /* R1 (pairs with W5): the same current word of the same map means the same snapshot. */
    uint64_t c = atomic_load_explicit(HSI_AU64(ch0(m) + HSL_CH_CURRENT), memory_order_acquire);
    if (HS_LIKELY(m == s->map && c == s->cur && !(c & HSL_CUR_RETIRED))) return HS_OK;
    uint64_t before = s->generation;
    int rc = snapshot_copy(s);
    if (rc == HS_OK && changed) *changed = s->generation != before;
    return rc;
}

HS_EXPORT uint64_t hs_snapshot_generation(hs_snapshot *s) {
    return s && s->magic == HS_SNAP_MAGIC ? s->generation : 0;
}

/* The general lookup in a snapshot's copy (escapes, deep paths). */
static __attribute__((noinline)) int snap_find_slow(hs_snapshot *s, const char *path, uint32_t *idx) {
    hs_path p;
    int rc = path_parse(path, &p);
    if (rc == HS_OK) rc = doc_find(&s->view, &p, idx);
    if (rc == HS_ENOTFOUND) { *idx = HSL_NONE; rc = HS_OK; }
    return rc;
}

/* After a miss at `e`: as path_cache_admit, for a snapshot's own cache. */
static __attribute__((noinline)) void snap_admit(hs_snapshot *s, hs_path_entry *e, const uint8_t *p, size_t n, uint32_t node) {
    hs_pwords k = path_words(p, n);
    uint32_t tag = path_tag(path_mix(k, n));
    if (atomic_load_explicit(&e->candidate, memory_order_relaxed) != tag) {
        atomic_store_explicit(&e->candidate, tag, memory_order_relaxed);
        return;
    }
    e->key = k;
    e->len = (uint32_t)n;
    e->node = node;
    e->stamp = s->copies;
}

static inline __attribute__((always_inline)) int snap_get(hs_snapshot *s, const char *path, hs_op *op) {
    CHECK_SNAP(s);
    if (!path) return HS_EINVAL;
    /* Private, checked memory: no seqlock, no header re-check (node fields still bounds-checked). */
    const uint8_t *p = (const uint8_t *)path;
    const size_t n = strlen(path);
    uint32_t idx = 0;
    hs_path_entry *e = NULL;
    if (HS_LIKELY(n <= HS_PATH_CACHE_MAX)) {
        uint64_t w0 = 0, w1 = 0, w2 = 0, w3 = 0;
        if (n >= 8) {
            w0 = hsl_word(p);
            w3 = hsl_word(p + n - 8);
            if (n > 16) w1 = hsl_word(p + 8);
            if (n > 24) w2 = hsl_word(p + 16);
        } else if (n) {
            w0 = hsl_tail(p, n);
        }
        hs_pwords key = { w0, w1, w2, w3 };
        e = &s->paths[path_mix(key, n) >> (64 - HS_SNAP_PATH_BITS)];
        if (HS_LIKELY(e->stamp == s->copies && e->len == n &&
                      ((e->key.w0 ^ w0) | (e->key.w3 ^ w3) | (n > 16 ? (e->key.w1 ^ w1) | (e->key.w2 ^ w2) : 0)) == 0)) {
            idx = e->node;
            goto found;
        }
    }
    if (n != 0) {
        int rc = fast_resolve(&s->view, p, n, &idx);
        if (HS_UNLIKELY(rc == HS_SLOW)) rc = snap_find_slow(s, path, &idx);
        if (rc != HS_OK) return rc;
    }
    if (e) snap_admit(s, e, p, n, idx);
found:
    if (idx == HSL_NONE) return HS_ENOTFOUND;
    if (HS_UNLIKELY(idx >= s->view.node_count)) return HS_ECORRUPT; /* cannot happen: checked when stored */
    hs_val v;
    int rc = node_load(&s->view, idx, &v, op->op);
    if (rc == HS_OK) rc = val_apply(&v, op);
    return rc;
}

HS_EXPORT int hs_snapshot_get_i64(hs_snapshot *s, const char *path, int64_t *out) {
    hs_op op = { OP_I64, 0, 0, 0, 0, NULL, 0, 0 };
    if (!out) return HS_EINVAL;
    int rc = snap_get(s, path, &op);
    if (rc == HS_OK) *out = op.i;
    return rc;
}

HS_EXPORT int hs_snapshot_get_f64(hs_snapshot *s, const char *path, double *out) {
    hs_op op = { OP_F64, 0, 0, 0, 0, NULL, 0, 0 };
    if (!out) return HS_EINVAL;
    int rc = snap_get(s, path, &op);
    if (rc == HS_OK) *out = op.f;
    return rc;
}

HS_EXPORT int hs_snapshot_get_bool(hs_snapshot *s, const char *path, bool *out) {
    hs_op op = { OP_BOOL, 0, 0, 0, 0, NULL, 0, 0 };
    if (!out) return HS_EINVAL;
    int rc = snap_get(s, path, &op);
    if (rc == HS_OK) *out = op.b != 0;
    return rc;
}

HS_EXPORT int hs_snapshot_get_type(hs_snapshot *s, const char *path, int *type) {
    hs_op op = { OP_TYPE, 0, 0, 0, 0, NULL, 0, 0 };
    if (!type) return HS_EINVAL;
    int rc = snap_get(s, path, &op);
    if (rc == HS_OK) *type = op.type;
    return rc;
}

static int snap_bytes(hs_snapshot *s, const char *path, int kind, char *buf, size_t cap, size_t *len) {
    hs_op op = { kind, 0, 0, 0, 0, buf, cap, 0 };
    if (!buf && cap) return HS_EINVAL;
    int rc = snap_get(s, path, &op);
    if ((rc == HS_OK || rc == HS_ETOOSMALL) && len) *len = op.len;
    return rc;
}

HS_EXPORT int hs_snapshot_get_str(hs_snapshot *s, const char *path, char *buf, size_t cap, size_t *len) {
    return snap_bytes(s, path, OP_STR, buf, cap, len);
}

HS_EXPORT int hs_snapshot_get_json(hs_snapshot *s, const char *path, char *buf, size_t cap, size_t *len) {
    return snap_bytes(s, path, OP_JSON, buf, cap, len);
}

HS_EXPORT uint64_t hs_snapshot_stat(hs_snapshot *s, int counter) {
    if (!s || s->magic != HS_SNAP_MAGIC) return 0;
    switch (counter) {
    case HS_STAT_RETRIES: return s->retries;
    case HS_STAT_BUSY: return s->busy;
    case HS_STAT_COPIES: return s->copies;
    default: return 0;
    }
}
