/* publisher.c - a tiny segment writer for the binding test suites (Python, Rust).
 *
 * The bindings are tested against a real writer in another process, as the daemon would be,
 * without needing the Swift daemon: this program publishes through the private writer API
 * (hotswap_writer.h) compiled in from Sources/CHotswap.
 *
 *   publisher TARGET --json FILE     publish FILE once, print the generation, exit
 *   publisher TARGET --stdin         publish each input line (one JSON document) and print
 *                                    its generation, so a test waits for that line instead of
 *                                    sleeping; exits at end of input
 *   publisher TARGET --stress N [--big BYTES] [--seconds S]
 *                                    publish N invariant-carrying snapshots back to back, as
 *                                    fast as possible (stopping early after S seconds), then
 *                                    print the last generation
 *   publisher TARGET --remove        remove the segment and its lock file
 *
 * TARGET is an instance name (segment /dev/shm/hotswap.TARGET) or, when it contains '/', a
 * segment path. Errors go to stderr with a non-zero exit.
 *
 * A stress snapshot of value v (which is also its generation) encodes v in every field:
 *   {"gen":v,"check":{"a":v,"b":v,"f":v.5,"s":"g<v>"},"list":[v,v,v],"odd":v%2==1,
 *    "big":"<v as 20 digits>|" repeated up to BYTES}
 * so a reader that ever mixes two generations sees fields that disagree.
 */
#define _GNU_SOURCE
#include "hotswap_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BIG_UNIT 21 /* 20 digits and '|' */

static void die(const char *what, int rc) {
    if (rc == HS_ESYSTEM) fprintf(stderr, "publisher: %s: %s (%s)\n", what, hs_strerror(rc), strerror(errno));
    else fprintf(stderr, "publisher: %s: %s\n", what, hs_strerror(rc));
    exit(1);
}

static void usage(void) {
    fprintf(stderr, "usage: publisher TARGET (--json FILE | --stdin | --stress N [--big BYTES] [--seconds S] | --remove)\n");
    exit(2);
}

static char *segment_path(const char *target) {
    char *p;
    if (strchr(target, '/')) p = strdup(target);
    else if (asprintf(&p, "/dev/shm/hotswap.%s", target) < 0) p = NULL;
    if (!p) { perror("publisher"); exit(1); }
    return p;
}

static uint64_t publish_json(hsw_segment *w, const char *json, size_t n, uint64_t min_gen) {
    uint8_t *doc;
    size_t len;
    int rc = hsw_doc_from_json(json, n, &doc, &len);
    if (rc != HS_OK) die("encode", rc);
    uint64_t gen = 0;
    rc = hsw_publish(w, doc, len, min_gen, &gen);
    hsw_doc_free(doc);
    if (rc != HS_OK) die("publish", rc);
    return gen;
}

static char *read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "publisher: %s: %s\n", path, strerror(errno)); exit(1); }
    char *b = NULL;
    size_t cap = 0, len = 0, got;
    do {
        if (len + 65536 > cap) {
            cap = cap ? cap * 2 : 65536;
            if (!(b = realloc(b, cap))) { perror("publisher"); exit(1); }
        }
        got = fread(b + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    if (ferror(f)) { fprintf(stderr, "publisher: %s: read error\n", path); exit(1); }
    fclose(f);
    *n = len;
    return b;
}

static int run_stdin(hsw_segment *w) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        if (n == 0) continue;
        printf("%" PRIu64 "\n", publish_json(w, line, (size_t)n, 0));
        fflush(stdout);
    }
    free(line);
    return 0;
}

static double monotonic_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_stress(hsw_segment *w, uint64_t count, size_t big, double seconds) {
    double end = monotonic_seconds() + seconds;
    size_t units = big / BIG_UNIT ? big / BIG_UNIT : 1;
    char *json = malloc(units * BIG_UNIT + 512);
    if (!json) { perror("publisher"); exit(1); }
    uint64_t last = hsw_generation(w);
    for (uint64_t i = 0; i < count && (seconds <= 0 || monotonic_seconds() < end); i++) {
        uint64_t v = last + 1;
        int k = sprintf(json,
                        "{\"gen\":%" PRIu64 ",\"check\":{\"a\":%" PRIu64 ",\"b\":%" PRIu64
                        ",\"f\":%" PRIu64 ".5,\"s\":\"g%" PRIu64 "\"},\"list\":[%" PRIu64 ",%" PRIu64
                        ",%" PRIu64 "],\"odd\":%s,\"big\":\"",
                        v, v, v, v, v, v, v, v, (v & 1) ? "true" : "false");
        char *p = json + k;
        sprintf(p, "%020" PRIu64 "|", v);
        for (size_t u = 1; u < units; u++) memcpy(p + u * BIG_UNIT, p, BIG_UNIT);
        p += units * BIG_UNIT;
        memcpy(p, "\"}", 3);
        p += 2;
        /* min_generation = v makes the generation equal the encoded value, which lets
         * readers check a snapshot's generation against its content too. */
        last = publish_json(w, json, (size_t)(p - json), v);
        if (last != v) {
            fprintf(stderr, "publisher: published generation %" PRIu64 ", expected %" PRIu64 "\n", last, v);
            exit(1);
        }
    }
    free(json);
    printf("%" PRIu64 "\n", last);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) usage();
    char *path = segment_path(argv[1]);
    const char *mode = argv[2];

    if (!strcmp(mode, "--remove")) {
        int rc = hsw_remove(path);
        if (rc != HS_OK) die("remove", rc);
        free(path);
        return 0;
    }

    hsw_segment *w;
    int rc = hsw_open(path, 0644, -1, &w);
    if (rc != HS_OK) die(path, rc);
    int status;
    if (!strcmp(mode, "--json") && argc == 4) {
        size_t n;
        char *json = read_file(argv[3], &n);
        printf("%" PRIu64 "\n", publish_json(w, json, n, 0));
        free(json);
        status = 0;
    } else if (!strcmp(mode, "--stdin") && argc == 3) {
        status = run_stdin(w);
    } else if (!strcmp(mode, "--stress") && argc >= 4 && argc % 2 == 0) {
        char *end;
        errno = 0;
        uint64_t count = strtoull(argv[3], &end, 10);
        if (errno || *end || !*argv[3]) usage();
        size_t big = 4096;
        double seconds = 0;
        for (int i = 4; i < argc; i += 2) {
            const char *v = argv[i + 1];
            if (!strcmp(argv[i], "--big")) {
                big = strtoull(v, &end, 10);
                if (errno || *end || !*v || big > (64u << 20)) usage();
            } else if (!strcmp(argv[i], "--seconds")) {
                seconds = strtod(v, &end);
                if (errno || *end || !*v || !(seconds > 0)) usage();
            } else {
                usage();
            }
        }
        status = run_stress(w, count, big, seconds);
    } else {
        usage();
    }
    hsw_close(w);
    free(path);
    return status;
}
