/* hotswap_writer.h - PRIVATE: the daemon's side of the segment (publishing), and a C
 * encoder of documents for tests, benchmarks and stress writers. Not installed, not part of
 * libhotswap.so; hotswapd reaches it through the CHotswap module (HotswapSystem's
 * SegmentPublisher). Functions return the HS_ codes of hotswap.h; on HS_ESYSTEM, errno holds
 * the cause.
 *
 * One process writes a segment at a time: hsw_open takes an exclusive flock(2) on the lock
 * file beside the segment and holds it until hsw_close. An hsw_segment is not thread-safe;
 * use it from one thread at a time.
 */
#ifndef HOTSWAP_WRITER_H
#define HOTSWAP_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include "hotswap.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hsw_segment hsw_segment;

/* Opens the writer side of the segment file `path` (e.g. "/dev/shm/hotswap.demo").
 * Takes the lock (HS_EBUSY when another writer holds it). When a valid segment exists, it is
 * reattached: generations continue from its current one, its mode (and group, when
 * gid >= 0) are set to `mode`/`gid`. A missing, incompatible, corrupt or retired segment is
 * replaced, completely built, on the first publish. */
int hsw_open(const char *path, uint32_t mode, int64_t gid, hsw_segment **out);

/* Publishes the document `doc` (bytes as produced by the encoder) as generation
 * max(current + 1, min_generation). Grows the segment when the document does not fit.
 * Stores the new generation in *generation (may be NULL). The document is checked as
 * readers check it (structure and checksum) first: HS_EINVAL, and nothing published, when
 * it fails. */
int hsw_publish(hsw_segment *w, const void *doc, size_t len, uint64_t min_generation, uint64_t *generation);

/* The generation of the current snapshot (0 when nothing was ever published). */
uint64_t hsw_generation(const hsw_segment *w);
/* The largest document that fits without growing (0 before the first publish). */
uint64_t hsw_capacity(const hsw_segment *w);
/* Number of segments this writer built (first creation and every growth). */
uint64_t hsw_replacements(const hsw_segment *w);

/* Releases the lock and unmaps. The segment stays readable. NULL is a no-op. */
void hsw_close(hsw_segment *w);

/* Removes the segment, its lock file and any leftover segment under construction. */
int hsw_remove(const char *path);

/* Split publish, the test hook for crash tests (and zero-copy encoding): hsw_begin makes
 * the target slot's sequence odd (W1, W2) and returns where to write `len` bytes;
 * hsw_commit stores generation and size and publishes (W3..W6). A process killed between
 * the two leaves readers on the previous snapshot. HS_ETOOSMALL when `len` does not fit
 * (use hsw_publish, which grows). */
int hsw_begin(hsw_segment *w, size_t len, void **dst);
int hsw_commit(hsw_segment *w, uint64_t min_generation, uint64_t *generation);

/* Encodes a JSON text (RFC 8259, UTF-8, no duplicate keys, nesting <= 512) into a document
 * (docs/shm-format.md "Document"). On success stores a malloc'd buffer in *doc (free with
 * hsw_doc_free) and its size in *len. HS_EINVAL for invalid JSON, HS_ENOMEM. */
int hsw_doc_from_json(const char *json, size_t json_len, uint8_t **doc, size_t *len);
void hsw_doc_free(uint8_t *doc);

#ifdef __cplusplus
}
#endif

#endif
