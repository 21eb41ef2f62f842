/* testutil.h - helpers shared by the C test programs of libhotswap. */
#ifndef HS_TESTUTIL_H
#define HS_TESTUTIL_H

#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hotswap.h"
#include "hotswap_writer.h"

static int t_failures;

#define CHECK(cond) do { if (!(cond)) { t_failures++; fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_RC(expr, want) do { int rc_ = (expr); if (rc_ != (want)) { t_failures++; \
    fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s)\n", __FILE__, __LINE__, #expr, rc_, hs_strerror(rc_), (want), hs_strerror(want)); } } while (0)
#define REQUIRE(cond) do { if (!(cond)) { fprintf(stderr, "%s:%d: requirement failed: %s\n", __FILE__, __LINE__, #cond); exit(2); } } while (0)

/* A segment path unique to this process and test: /dev/shm/hotswap.ctest-<pid>-<name>. */
static inline void t_seg_path(char *out, size_t cap, const char *name, char *instance, size_t icap) {
    snprintf(instance, icap, "ctest-%d-%s", (int)getpid(), name);
    snprintf(out, cap, "/dev/shm/hotswap.%s", instance);
}

static inline int64_t t_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Encodes `json` and publishes it; exits on failure (a broken fixture, not a test result). */
static inline uint64_t t_publish(hsw_segment *w, const char *json) {
    uint8_t *doc;
    size_t len;
    int rc = hsw_doc_from_json(json, strlen(json), &doc, &len);
    if (rc != HS_OK) { fprintf(stderr, "fixture JSON rejected (%d): %.200s\n", rc, json); exit(2); }
    uint64_t gen = 0;
    rc = hsw_publish(w, doc, len, 0, &gen);
    if (rc != HS_OK) { fprintf(stderr, "publish failed: %s\n", hs_strerror(rc)); exit(2); }
    hsw_doc_free(doc);
    return gen;
}

static inline int t_finish(const char *name) {
    if (t_failures) { fprintf(stderr, "%s: %d check(s) FAILED\n", name, t_failures); return 1; }
    printf("%s: ok\n", name);
    return 0;
}

#endif
