/* hs_internal.h - private functions shared by reader.c, writer.c, the C tests and the fuzz
 * target. Prefixed hsi_ so the version script keeps them local to libhotswap.so. */
#ifndef HS_INTERNAL_H
#define HS_INTERNAL_H

#include <stdint.h>
#include <stddef.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/futex.h>
#include "hotswap.h"

/* Validated geometry of a segment, copied out of its header once. */
typedef struct {
    uint64_t segment_size;
    uint64_t slots_offset;
    uint64_t slot_stride;
    uint64_t capacity; /* slot_stride - 64: the largest document a slot holds */
    uint32_t slot_count;
    uint64_t serial;
} hsi_geometry;

/* Checks the header of a segment of `size` mapped bytes (docs/shm-format.md "What a reader
 * validates"). Returns HS_OK, HS_EABI or HS_ECORRUPT. */
int hsi_check_header(const uint8_t *base, size_t size, hsi_geometry *g);

/* Checks a whole document (sections, every node, checksum). Returns HS_OK or HS_ECORRUPT. */
int hsi_check_document(const uint8_t *doc, uint64_t size);

/* Opens a reader over a private copy of `n` bytes (fuzzing and tests): no file, no remap. */
int hsi_open_memory(const void *bytes, size_t n, hs_reader **out);

/* The futex syscall: glibc has no wrapper. Shared (not private) futexes, because the word is
 * in a MAP_SHARED file mapping used by several processes. */
static inline long hsi_futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *timeout) {
    return syscall(SYS_futex, (uint32_t *)word, op, val, timeout, NULL, 0);
}

/* Views of mapped memory as atomics. The mapping is shared between processes; the C11
 * atomics used here are lock-free and address-free (C11 7.17.5), which is what makes them
 * valid across processes. Readers only ever load through these. */
#define HSI_AU64(p) ((_Atomic uint64_t *)(uintptr_t)(p))
#define HSI_AU32(p) ((_Atomic uint32_t *)(uintptr_t)(p))

#endif
