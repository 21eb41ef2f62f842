/* hotswap.h - the complete public API of libhotswap.
 *
 * libhotswap reads the configuration that hotswapd publishes into the shared-memory
 * segment /dev/shm/hotswap.<instance>. Reads take nanoseconds: no syscall, no lock, no
 * round trip to the daemon, and never a half-written snapshot (the segment is guarded by a
 * seqlock over several slots; see docs/shm-format.md).
 *
 * Anything not declared here is private and may change without notice.
 *
 * THREAD SAFETY
 *   An hs_reader may be shared by any number of threads; every function taking an
 *   hs_reader is safe to call concurrently, except hs_close. Readers never write to the
 *   shared segment and never block the daemon.
 *   An hs_key and an hs_snapshot cache state for speed: each must be used by one thread at
 *   a time (create one per thread; they are cheap). Different keys and snapshots of the
 *   same reader may be used concurrently.
 *   Each thread keeps a small private cache (checked headers, resolved paths), allocated
 *   on its first read and freed when it exits: a thread's first read allocates and is
 *   therefore not async-signal-safe; later reads never allocate.
 *
 * BUFFERS
 *   The library never returns pointers into shared memory. Strings and JSON are copied into
 *   the caller's buffer `buf` of `cap` bytes and NUL-terminated. `*len` receives the length
 *   without the NUL (strings may contain NUL bytes; trust `*len`, not strlen). When `cap` is
 *   too small, nothing useful is in `buf`, `*len` receives the length needed (so a buffer of
 *   `*len + 1` bytes fits) and the call returns HS_ETOOSMALL. The next snapshot may be
 *   longer still: loop until HS_OK. `len` may be NULL when the length is not wanted.
 *
 * KEY PATHS
 *   A path is either dotted ("server.port", "servers.0.host"; a numeric segment indexes an
 *   array) or, when it starts with '/', an RFC 6901 JSON Pointer ("/servers/0/host",
 *   "/a.b" for a key containing a dot, "/a~1b" for the key "a/b"). Both spellings of the
 *   same path find the same value. "" is the whole document. A token names a member when
 *   it meets an object and an index when it meets an array.
 *
 * TYPES
 *   hs_get_i64 reads integers only. hs_get_f64 reads floats and also integers, converted to
 *   the nearest double (exact up to 2^53). hs_get_bool reads booleans only. hs_get_str
 *   reads strings and date-times (date-times are stored as RFC 3339 strings). hs_get_json
 *   reads any value as compact JSON (non-finite floats appear as "nan", "inf", "-inf").
 *   null is readable through hs_get_json and hs_get_type only.
 *
 * ABI RULES
 *   Error codes and type codes are plain ints (#define), never C enums. No struct crosses
 *   the API. Handles are opaque. Exported symbols carry the version node HOTSWAP_1; later
 *   releases only add symbols (new nodes inherit HOTSWAP_1) and never change what an
 *   existing one means. HS_ABI_VERSION is the segment format this header was built for;
 *   hs_abi_version() is the one the library reads. Bindings should check they are equal.
 *   The library never prints, logs, or installs signal handlers.
 *
 * C89/C++: this header uses no C99 syntax beyond <stdint.h> and <stdbool.h> types, and is
 * usable from C++ (extern "C").
 */
#ifndef HOTSWAP_H
#define HOTSWAP_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The segment format (and C API generation) this header describes. Bumped only on an
 * incompatible change of the segment layout. */
#define HS_ABI_VERSION 1

/* ---- Return codes: HS_OK or a negative HS_E... value. ------------------------------- */

/* Success. */
#define HS_OK 0
/* No value at this path in the current snapshot. */
#define HS_ENOTFOUND (-1)
/* A value exists at this path but has another type (see TYPES above). */
#define HS_ETYPE (-2)
/* `cap` is too small; `*len` holds the length needed (without the NUL). */
#define HS_ETOOSMALL (-3)
/* No segment for this instance: the daemon never published it, or it was removed. */
#define HS_ENOSEGMENT (-4)
/* The segment was written for another ABI version (library and daemon disagree). */
#define HS_EABI (-5)
/* The segment fails validation (bad magic, checksum, or an offset or length out of
 * bounds). Never a crash: every offset read from shared memory is checked. */
#define HS_ECORRUPT (-6)
/* A bad argument: NULL handle or output, a closed handle, an invalid instance name, or a
 * malformed path (empty dotted segment "a..b", a '~' not followed by 0 or 1). */
#define HS_EINVAL (-7)
/* The daemon replaced the snapshot under this read more times in a row than the retry
 * bound allows (see hs_stat). Retrying later normally succeeds. */
#define HS_EBUSY (-8)
/* Out of memory. */
#define HS_ENOMEM (-9)
/* The segment exists but this process may not read it (segment mode and group). */
#define HS_EACCESS (-10)
/* Another system error; errno holds the cause. */
#define HS_ESYSTEM (-11)
/* hs_wait: the timeout elapsed before a newer generation was published. */
#define HS_ETIMEDOUT (-12)
/* hs_wait: interrupted by a signal handler; call again if appropriate. */
#define HS_EINTR (-13)

/* ---- Value types (hs_get_type). -------------------------------------------------------- */
#define HS_TYPE_NULL 0
#define HS_TYPE_BOOL 1
#define HS_TYPE_INT 2
#define HS_TYPE_FLOAT 3
#define HS_TYPE_STRING 4
#define HS_TYPE_DATETIME 5
#define HS_TYPE_ARRAY 6
#define HS_TYPE_OBJECT 7

/* ---- Counters (hs_stat, hs_key_stat, hs_snapshot_stat). -------------------------------- */
/* Reads that overlapped a publish into the slot they read and were retried (each retry
 * counts once). */
#define HS_STAT_RETRIES 1
/* Reads that gave up with HS_EBUSY after the retry bound. */
#define HS_STAT_BUSY 2
/* Times a newer, larger segment was mapped after the daemon grew the segment. */
#define HS_STAT_REMAPS 3
/* hs_snapshot only: times the private copy was refreshed from shared memory. */
#define HS_STAT_COPIES 4

/* Opaque handles. */
typedef struct hs_reader hs_reader;     /* one per hs_open; shared by threads */
typedef struct hs_key hs_key;           /* a resolved path; one thread at a time */
typedef struct hs_snapshot hs_snapshot; /* a private consistent copy; one thread at a time */

/* The segment ABI version the library reads (HS_ABI_VERSION of the library's own build). */
int hs_abi_version(void);

/* The message for a return code ("key not found", ...). Never NULL; unknown codes get a
 * generic message. The string is static. */
const char *hs_strerror(int code);

/* ---- Opening. ------------------------------------------------------------------------- */

/* Maps the segment of `instance` (/dev/shm/hotswap.<instance>) read-only and checks its
 * magic, ABI version, header checksum and current document. On success stores a new reader
 * in *out and returns HS_OK; on failure leaves *out untouched and returns HS_ENOSEGMENT,
 * HS_EACCESS, HS_EABI, HS_ECORRUPT, HS_EINVAL (name empty, longer than 200 bytes, or
 * containing '/'), HS_ENOMEM or HS_ESYSTEM. Thread-safe. */
int hs_open(const char *instance, hs_reader **out);

/* Like hs_open, for a segment file given by its path (tests, tools, other mount points).
 * When the daemon grows the segment, the reader reopens the same path. */
int hs_open_path(const char *path, hs_reader **out);

/* Unmaps the segment(s) and frees `r`. NULL is a no-op. Must not run concurrently with any
 * other call on `r`, and every hs_key and hs_snapshot of `r` must be closed first. */
void hs_close(hs_reader *r);

/* The generation of the current snapshot (generations start at 1 and only grow), or 0 when
 * `r` is NULL or invalid. A segment grown by the daemon is remapped here too. */
uint64_t hs_generation(hs_reader *r);

/* ---- Reading by path: each call reads one consistent snapshot. ----------------------- */

/* Reads the integer at `path`. Lock-free; retries internally (a bounded number of times)
 * when a publish overlapped the read. */
int hs_get_i64(hs_reader *r, const char *path, int64_t *out);
/* Reads the float at `path`; an integer value is converted to double. */
int hs_get_f64(hs_reader *r, const char *path, double *out);
/* Reads the boolean at `path`. */
int hs_get_bool(hs_reader *r, const char *path, bool *out);
/* Copies the string (or date-time) at `path` into buf; see BUFFERS. */
int hs_get_str(hs_reader *r, const char *path, char *buf, size_t cap, size_t *len);
/* Copies the value at `path` as compact JSON into buf; "" is the whole document. */
int hs_get_json(hs_reader *r, const char *path, char *buf, size_t cap, size_t *len);
/* Stores the HS_TYPE_... of the value at `path` in *type. */
int hs_get_type(hs_reader *r, const char *path, int *type);

/* ---- Change notification. ------------------------------------------------------------- */

/* Blocks until the generation is greater than `seen_generation`, sleeping on a futex in the
 * segment (no polling). `timeout_ms` < 0 waits forever, 0 only checks. Returns HS_OK when a
 * newer generation is current (read it with hs_generation), HS_ETIMEDOUT, HS_EINTR when a
 * signal handler ran, or an error code. */
int hs_wait(hs_reader *r, uint64_t seen_generation, int timeout_ms);

/* Reader counters (HS_STAT_RETRIES, HS_STAT_BUSY, HS_STAT_REMAPS) for path reads, hs_wait
 * and hs_generation on `r`; 0 for unknown counters. Counters of keys and snapshots are
 * separate (they are per-thread objects, so counting costs no shared cache line). */
uint64_t hs_stat(hs_reader *r, int counter);

/* ---- Resolved keys: the fast path. ---------------------------------------------------- */

/* Creates a handle for `path`. The path need not exist yet (reads return HS_ENOTFOUND until
 * it does). The handle remembers where the value was in the last snapshot it saw and looks
 * it up again only when the generation or the segment changes; an unchanged integer, float
 * or boolean is then read with one load from shared memory. Returns HS_OK, HS_EINVAL or
 * HS_ENOMEM. */
int hs_key_open(hs_reader *r, const char *path, hs_key **out);
/* Frees `k`. NULL is a no-op. */
void hs_key_close(hs_key *k);
int hs_key_get_i64(hs_key *k, int64_t *out);
int hs_key_get_f64(hs_key *k, double *out);
int hs_key_get_bool(hs_key *k, bool *out);
int hs_key_get_str(hs_key *k, char *buf, size_t cap, size_t *len);
int hs_key_get_json(hs_key *k, char *buf, size_t cap, size_t *len);
int hs_key_get_type(hs_key *k, int *type);
/* The generation the key's last successful read came from (0 before any read). */
uint64_t hs_key_generation(hs_key *k);
uint64_t hs_key_stat(hs_key *k, int counter);

/* ---- Consistent multi-key reads. ------------------------------------------------------ */

/* Creates a private copy of the current snapshot (its checksum and structure verified).
 * Reads through the snapshot all come from that one generation, so "host" and "port" read
 * together can never mix two generations. Returns HS_OK, HS_ENOMEM, HS_ECORRUPT, HS_EBUSY,
 * HS_EINVAL. */
int hs_snapshot_open(hs_reader *r, hs_snapshot **out);
/* Frees `s`. NULL is a no-op. */
void hs_snapshot_close(hs_snapshot *s);
/* Makes the copy current: a no-op (one load) when the generation has not moved, otherwise a
 * new copy. On failure the previous copy stays intact and readable. Stores 1 in *changed
 * (if not NULL) when the generation moved, else 0. */
int hs_snapshot_refresh(hs_snapshot *s, int *changed);
/* The generation of the copy. */
uint64_t hs_snapshot_generation(hs_snapshot *s);
int hs_snapshot_get_i64(hs_snapshot *s, const char *path, int64_t *out);
int hs_snapshot_get_f64(hs_snapshot *s, const char *path, double *out);
int hs_snapshot_get_bool(hs_snapshot *s, const char *path, bool *out);
int hs_snapshot_get_str(hs_snapshot *s, const char *path, char *buf, size_t cap, size_t *len);
int hs_snapshot_get_json(hs_snapshot *s, const char *path, char *buf, size_t cap, size_t *len);
int hs_snapshot_get_type(hs_snapshot *s, const char *path, int *type);
uint64_t hs_snapshot_stat(hs_snapshot *s, int counter);

#ifdef __cplusplus
}
#endif

#endif /* HOTSWAP_H */
