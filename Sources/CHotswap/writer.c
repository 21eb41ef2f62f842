/* writer.c - the daemon's side of the segment: reattach, publish, grow, retire.
 *
 * W1..W6 refer to docs/shm-format.md "The seqlock protocol". The writer never waits for
 * readers: it only ever writes a slot that is not current.
 */
#define _GNU_SOURCE
#include "hotswap_writer.h"
#include "hs_layout.h"
#include "hs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HSW_SLOTS 4u
/* Smallest slot: small configurations never grow, and growth doubles from here. */
#define HSW_MIN_STRIDE (64u * 1024u)
#define HSW_MAX_DOC 0xffffffffULL /* documents use u32 offsets */

struct hsw_segment {
    char *path, *lock_path, *tmp_path;
    int lock_fd;
    int fd;            /* current segment, -1 when none */
    uint8_t *base;
    size_t size;
    hsi_geometry g;
    int replace;       /* the segment under the name is unusable or retired: replace it */
    uint64_t generation;
    uint64_t serial;
    uint64_t replacements;
    uint32_t mode;
    int64_t gid;
    /* hsw_begin .. hsw_commit */
    int pending;
    uint32_t pslot;
    uint64_t pseq;
    uint64_t plen;
};

static uint64_t realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int sys_code(void) {
    return errno == ENOMEM ? HS_ENOMEM : (errno == EACCES || errno == EPERM) ? HS_EACCESS : HS_ESYSTEM;
}

static void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static _Atomic uint64_t *current_word(uint8_t *base) { return HSI_AU64(base + HSL_OFF_CHANNEL0 + HSL_CH_CURRENT); }
static _Atomic uint32_t *notify_word(uint8_t *base) { return HSI_AU32(base + HSL_OFF_CHANNEL0 + HSL_CH_NOTIFY); }
static uint8_t *wslot(hsw_segment *w, uint32_t t) { return w->base + w->g.slots_offset + (uint64_t)t * w->g.slot_stride; }

/* "<dir>/.<base><suffix>" beside `path`. */
static char *sibling(const char *path, const char *suffix) {
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
    const char *base = path + dirlen;
    size_t n = dirlen + 1 + strlen(base) + strlen(suffix) + 1;
    char *s = malloc(n);
    if (!s) return NULL;
    memcpy(s, path, dirlen);
    s[dirlen] = '.';
    strcpy(s + dirlen + 1, base);
    strcat(s, suffix);
    return s;
}

static void unmap_current(hsw_segment *w) {
    if (w->base) munmap(w->base, w->size);
    if (w->fd >= 0) close(w->fd);
    w->base = NULL;
    w->fd = -1;
    w->size = 0;
}

static int apply_owner(int fd, uint32_t mode, int64_t gid) {
    if (fchmod(fd, (mode_t)mode) != 0) return sys_code();
    if (gid >= 0 && fchown(fd, (uid_t)-1, (gid_t)gid) != 0) return sys_code();
    return HS_OK;
}

void hsw_close(hsw_segment *w) {
    if (!w) return;
    unmap_current(w);
    if (w->lock_fd >= 0) close(w->lock_fd); /* releases the flock */
    free(w->path);
    free(w->lock_path);
    free(w->tmp_path);
    free(w);
}

int hsw_open(const char *path, uint32_t mode, int64_t gid, hsw_segment **out) {
    if (!path || !*path || !out || (mode & ~07777u)) return HS_EINVAL;
    hsw_segment *w = calloc(1, sizeof *w);
    if (!w) return HS_ENOMEM;
    w->fd = -1;
    w->lock_fd = -1;
    w->mode = mode;
    w->gid = gid;
    w->path = strdup(path);
    w->lock_path = sibling(path, ".lock");
    w->tmp_path = sibling(path, ".new");
    if (!w->path || !w->lock_path || !w->tmp_path) { hsw_close(w); return HS_ENOMEM; }

    w->lock_fd = open(w->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (w->lock_fd < 0) { int rc = sys_code(); hsw_close(w); return rc; }
    if (flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int rc = errno == EWOULDBLOCK ? HS_EBUSY : sys_code();
        hsw_close(w);
        return rc;
    }

    w->fd = open(w->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (w->fd < 0) {
        if (errno != ENOENT) { int rc = sys_code(); hsw_close(w); return rc; }
        *out = w; /* nothing published yet: the first publish creates the segment */
        return HS_OK;
    }
    struct stat st;
    if (fstat(w->fd, &st) != 0) { int rc = sys_code(); hsw_close(w); return rc; }
    w->replace = 1;
    if (S_ISREG(st.st_mode) && st.st_size >= (off_t)HSL_HEADER_SIZE) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd, 0);
        if (p == MAP_FAILED) { int rc = sys_code(); hsw_close(w); return rc; }
        w->base = p;
        w->size = (size_t)st.st_size;
        if (hsi_check_header(w->base, w->size, &w->g) == HS_OK) {
            /* Reattach: continue the generations of the segment (a crash mid-publish left at
             * most one slot with an odd sequence, which hsw_begin moves past). */
            uint64_t c = atomic_load_explicit(current_word(w->base), memory_order_acquire);
            w->generation = c >> HSL_CUR_GEN_SHIFT;
            w->serial = w->g.serial;
            w->replace = (c & HSL_CUR_RETIRED) || (c & HSL_CUR_SLOT_MASK) >= w->g.slot_count || w->g.slot_count < 2;
            int rc = apply_owner(w->fd, mode, gid);
            if (rc != HS_OK) { hsw_close(w); return rc; }
        }
    }
    if (w->replace && w->base && hsi_check_header(w->base, w->size, &w->g) != HS_OK) {
        unmap_current(w); /* not ours to retire: readers of it get errors anyway */
    }
    *out = w;
    return HS_OK;
}

uint64_t hsw_generation(const hsw_segment *w) { return w ? w->generation : 0; }
uint64_t hsw_capacity(const hsw_segment *w) { return w && w->base && !w->replace ? w->g.capacity : 0; }
uint64_t hsw_replacements(const hsw_segment *w) { return w ? w->replacements : 0; }

int hsw_begin(hsw_segment *w, size_t len, void **dst) {
    if (!w || !dst || w->pending) return HS_EINVAL;
    if (!w->base || w->replace || len > w->g.capacity || len > HSW_MAX_DOC) return HS_ETOOSMALL;
    uint64_t c = atomic_load_explicit(current_word(w->base), memory_order_relaxed); /* only we write it */
    uint32_t t = (uint32_t)(((c & HSL_CUR_SLOT_MASK) + 1) % w->g.slot_count); /* never the current slot */
    _Atomic uint64_t *seq = HSI_AU64(wslot(w, t) + HSL_SLOT_SEQ);
    uint64_t s = atomic_load_explicit(seq, memory_order_relaxed);
    uint64_t odd = (s & 1) ? s + 2 : s + 1; /* odd, and larger than anything a reader saw */
    /* W1: relaxed; ordering comes from the fence. */
    atomic_store_explicit(seq, odd, memory_order_relaxed);
    /* W2: release fence, pairs with the reader's acquire fence R5: any reader that observes a
     * byte written after this fence will see this odd (or a later) sequence at R6. */
    atomic_thread_fence(memory_order_release);
    w->pending = 1;
    w->pslot = t;
    w->pseq = odd;
    w->plen = len;
    *dst = wslot(w, t) + HSL_SLOT_HEADER_SIZE;
    return HS_OK;
}

int hsw_commit(hsw_segment *w, uint64_t min_generation, uint64_t *generation) {
    if (!w || !w->pending) return HS_EINVAL;
    uint64_t gen = w->generation + 1 > min_generation ? w->generation + 1 : min_generation;
    if (gen > HSL_MAX_GENERATION) return HS_EINVAL;
    uint8_t *slot = wslot(w, w->pslot);
    /* W3 (rest): plain stores, covered by the odd sequence. */
    st64(slot + HSL_SLOT_GENERATION, gen);
    st64(slot + HSL_SLOT_DOC_SIZE, w->plen);
    st64(slot + HSL_SLOT_PUBLISHED_NS, realtime_ns());
    /* W4: store-release of the even sequence, pairs with the reader's acquire load R3. */
    atomic_store_explicit(HSI_AU64(slot + HSL_SLOT_SEQ), w->pseq + 1, memory_order_release);
    /* W5: store-release of current, pairs with the reader's acquire load R1. */
    atomic_store_explicit(current_word(w->base), gen << HSL_CUR_GEN_SHIFT | w->pslot, memory_order_release);
    /* W6: release, pairs with hs_wait's acquire load of the futex word; then wake. */
    atomic_fetch_add_explicit(notify_word(w->base), 1, memory_order_release);
    hsi_futex(notify_word(w->base), FUTEX_WAKE, INT_MAX, NULL);
    w->pending = 0;
    w->generation = gen;
    if (generation) *generation = gen;
    return HS_OK;
}

/* Builds a new segment with `doc` published at `gen`, then swaps it in under the name. */
static int replace_segment(hsw_segment *w, const void *doc, size_t len, uint64_t gen) {
    /* Room for 1.5 times this document, and at least double the old slot when growing, so
     * a steadily growing configuration replaces the segment O(log size) times. */
    uint64_t stride = (uint64_t)len + len / 2 + HSL_SLOT_HEADER_SIZE;
    if (w->base && !w->replace && len > w->g.capacity && stride < 2 * w->g.slot_stride) stride = 2 * w->g.slot_stride;
    if (stride < HSW_MIN_STRIDE) stride = HSW_MIN_STRIDE;
    stride = (stride + 4095) & ~(uint64_t)4095;
    uint64_t size = HSL_HEADER_SIZE + (uint64_t)HSW_SLOTS * stride;
    if (size > (uint64_t)SIZE_MAX / 2) return HS_ENOMEM;

    (void)unlink(w->tmp_path); /* a leftover of a writer that died mid-growth */
    int fd = open(w->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return sys_code();
    int rc = apply_owner(fd, w->mode, w->gid);
    if (rc == HS_OK && ftruncate(fd, (off_t)size) != 0) rc = sys_code();
    uint8_t *base = NULL;
    if (rc == HS_OK) {
        void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) rc = sys_code();
        else base = p;
    }
    if (rc != HS_OK) {
        close(fd);
        (void)unlink(w->tmp_path);
        return rc;
    }
    /* Nobody can see this file yet: plain stores. rename(2) publishes it as a whole. */
    memcpy(base, HSL_MAGIC, 8);
    st32(base + HSL_OFF_ABI, HS_ABI_VERSION);
    st32(base + HSL_OFF_HEADER_SIZE, HSL_HEADER_SIZE);
    st64(base + HSL_OFF_SEGMENT_SIZE, size);
    st64(base + HSL_OFF_SLOTS_OFFSET, HSL_HEADER_SIZE);
    st64(base + HSL_OFF_SLOT_STRIDE, stride);
    st32(base + HSL_OFF_SLOT_COUNT, HSW_SLOTS);
    st32(base + HSL_OFF_WRITER_PID, (uint32_t)getpid());
    st64(base + HSL_OFF_CREATED_NS, realtime_ns());
    st64(base + HSL_OFF_SERIAL, w->serial + 1);
    st64(base + HSL_OFF_HDR_CHECKSUM, hsl_bytes_hash(HSL_HEADER_SEED, base, HSL_HDR_CHECKED_BYTES));
    st32(base + HSL_OFF_CHANNEL0 + HSL_CH_FLAGS, 1);
    uint8_t *slot0 = base + HSL_HEADER_SIZE;
    memcpy(slot0 + HSL_SLOT_HEADER_SIZE, doc, len);
    st64(slot0 + HSL_SLOT_GENERATION, gen);
    st64(slot0 + HSL_SLOT_DOC_SIZE, len);
    st64(slot0 + HSL_SLOT_PUBLISHED_NS, realtime_ns());
    st64(slot0 + HSL_SLOT_SEQ, 2);
    st64(base + HSL_OFF_CHANNEL0 + HSL_CH_CURRENT, gen << HSL_CUR_GEN_SHIFT | 0);

    /* Retire the old segment first: if we die between this and the rename, the next writer
     * finds it retired under the name and replaces it, so its readers always move on. */
    int old_valid = w->base && !w->replace;
    if (old_valid) atomic_fetch_or_explicit(current_word(w->base), HSL_CUR_RETIRED, memory_order_release);
    if (rename(w->tmp_path, w->path) != 0) {
        rc = sys_code();
        if (old_valid) atomic_fetch_and_explicit(current_word(w->base), ~HSL_CUR_RETIRED, memory_order_release);
        munmap(base, (size_t)size);
        close(fd);
        (void)unlink(w->tmp_path);
        return rc;
    }
    if (w->base) {
        /* Wake waiters of the old segment: they remap and wait on the new one. Release pairs
         * with hs_wait's acquire load of the word. */
        atomic_fetch_add_explicit(notify_word(w->base), 1, memory_order_release);
        hsi_futex(notify_word(w->base), FUTEX_WAKE, INT_MAX, NULL);
    }
    unmap_current(w);
    w->fd = fd;
    w->base = base;
    w->size = (size_t)size;
    hsi_check_header(base, (size_t)size, &w->g);
    w->serial++;
    w->replace = 0;
    w->generation = gen;
    w->replacements++;
    return HS_OK;
}

int hsw_publish(hsw_segment *w, const void *doc, size_t len, uint64_t min_generation, uint64_t *generation) {
    if (!w || (!doc && len) || w->pending) return HS_EINVAL;
    if (len > HSW_MAX_DOC) return HS_ETOOSMALL;
    /* Never publish what every reader would refuse: the live snapshot stays instead. */
    if (hsi_check_document(doc, len) != HS_OK) return HS_EINVAL;
    if (!w->base || w->replace || len > w->g.capacity) {
        uint64_t gen = w->generation + 1 > min_generation ? w->generation + 1 : min_generation;
        if (gen > HSL_MAX_GENERATION) return HS_EINVAL;
        int rc = replace_segment(w, doc, len, gen);
        if (rc == HS_OK && generation) *generation = gen;
        return rc;
    }
    void *dst;
    int rc = hsw_begin(w, len, &dst);
    if (rc != HS_OK) return rc;
    memcpy(dst, doc, len); /* W3 */
    return hsw_commit(w, min_generation, generation);
}

int hsw_remove(const char *path) {
    if (!path) return HS_EINVAL;
    char *lock = sibling(path, ".lock"), *tmp = sibling(path, ".new");
    int rc = HS_OK;
    if (unlink(path) != 0 && errno != ENOENT) rc = sys_code();
    if (tmp) (void)unlink(tmp);
    if (lock) (void)unlink(lock);
    free(lock);
    free(tmp);
    return rc;
}
