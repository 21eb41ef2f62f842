/* test_basic.c - the reader's functional contract: types, both path spellings, errors,
 * buffers, resolved keys, snapshots, generations and reattaching writers; and that the
 * per-thread caches of by-path reads never answer from a stale generation, another reader's
 * segment, or half of a signal handler's store. */
#include "testutil.h"
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>

static const char *DOC =
    "{\"server\":{\"host\":\"example.org\",\"port\":8080,\"tls\":true,\"ratio\":0.25},"
    "\"servers\":[{\"host\":\"a\",\"port\":1},{\"host\":\"b\",\"port\":2}],"
    "\"a.b\":{\"c\":7},\"x/y\":1,\"t~z\":2,\"0\":\"zero\",\"\":{\"e\":3},"
    "\"nul\":\"a\\u0000b\",\"none\":null,\"big\":-9223372036854775808,\"f\":1e300,"
    "\"esc\":\"q\\\"\\\\\\n\\u0001\\u00e9\",\"empty\":{},\"list\":[],\"unicode\":\"\\u00e9\\ud83d\\ude00\"}";

static void test_types_and_paths(hs_reader *r) {
    int64_t i = 0;
    double f = 0;
    bool b = false;
    char buf[256];
    size_t len = 0;
    int type = -1;

    CHECK_RC(hs_get_i64(r, "server.port", &i), HS_OK); CHECK(i == 8080);
    CHECK_RC(hs_get_i64(r, "/server/port", &i), HS_OK); CHECK(i == 8080);
    CHECK_RC(hs_get_str(r, "servers.1.host", buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "b") == 0 && len == 1);
    CHECK_RC(hs_get_str(r, "/servers/1/host", buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "b") == 0);
    CHECK_RC(hs_get_i64(r, "servers.0.port", &i), HS_OK); CHECK(i == 1);
    CHECK_RC(hs_get_i64(r, "servers.01.port", &i), HS_ENOTFOUND);
    CHECK_RC(hs_get_i64(r, "servers.2.port", &i), HS_ENOTFOUND);
    CHECK_RC(hs_get_bool(r, "server.tls", &b), HS_OK); CHECK(b);
    CHECK_RC(hs_get_f64(r, "server.ratio", &f), HS_OK); CHECK(f == 0.25);
    CHECK_RC(hs_get_f64(r, "server.port", &f), HS_OK); CHECK(f == 8080.0);       /* int -> double */
    CHECK_RC(hs_get_i64(r, "server.ratio", &i), HS_ETYPE);                      /* no float -> int */
    CHECK_RC(hs_get_i64(r, "server.host", &i), HS_ETYPE);
    CHECK_RC(hs_get_str(r, "server.port", buf, sizeof buf, &len), HS_ETYPE);
    CHECK_RC(hs_get_bool(r, "server.port", &b), HS_ETYPE);
    CHECK_RC(hs_get_i64(r, "none", &i), HS_ETYPE);
    CHECK_RC(hs_get_type(r, "none", &type), HS_OK); CHECK(type == HS_TYPE_NULL);
    CHECK_RC(hs_get_type(r, "servers", &type), HS_OK); CHECK(type == HS_TYPE_ARRAY);
    CHECK_RC(hs_get_type(r, "", &type), HS_OK); CHECK(type == HS_TYPE_OBJECT);
    CHECK_RC(hs_get_i64(r, "big", &i), HS_OK); CHECK(i == INT64_MIN);
    CHECK_RC(hs_get_f64(r, "f", &f), HS_OK); CHECK(f == 1e300);
    CHECK_RC(hs_get_i64(r, "missing", &i), HS_ENOTFOUND);
    CHECK_RC(hs_get_i64(r, "server.port.deeper", &i), HS_ENOTFOUND);

    /* Keys that need the pointer spelling, and dotted paths with characters a pointer escapes. */
    CHECK_RC(hs_get_i64(r, "/a.b/c", &i), HS_OK); CHECK(i == 7);
    CHECK_RC(hs_get_i64(r, "a.b.c", &i), HS_ENOTFOUND);
    CHECK_RC(hs_get_i64(r, "/x~1y", &i), HS_OK); CHECK(i == 1);
    CHECK_RC(hs_get_i64(r, "x/y", &i), HS_OK); CHECK(i == 1);
    CHECK_RC(hs_get_i64(r, "/t~0z", &i), HS_OK); CHECK(i == 2);
    CHECK_RC(hs_get_i64(r, "t~z", &i), HS_OK); CHECK(i == 2);
    CHECK_RC(hs_get_str(r, "0", buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "zero") == 0);
    CHECK_RC(hs_get_i64(r, "//e", &i), HS_OK); CHECK(i == 3);                   /* key "" */

    /* Invalid paths. */
    CHECK_RC(hs_get_i64(r, "a..b", &i), HS_EINVAL);
    CHECK_RC(hs_get_i64(r, ".a", &i), HS_EINVAL);
    CHECK_RC(hs_get_i64(r, "a.", &i), HS_EINVAL);
    CHECK_RC(hs_get_i64(r, "/a~2", &i), HS_EINVAL);
    CHECK_RC(hs_get_i64(r, "/a~", &i), HS_EINVAL);
    CHECK_RC(hs_get_i64(r, NULL, &i), HS_EINVAL);
    CHECK_RC(hs_get_i64(r, "server.port", NULL), HS_EINVAL);
    CHECK_RC(hs_get_i64(NULL, "server.port", &i), HS_EINVAL);

    /* Strings with NUL bytes, escapes, non-ASCII. */
    CHECK_RC(hs_get_str(r, "nul", buf, sizeof buf, &len), HS_OK); CHECK(len == 3 && memcmp(buf, "a\0b", 4) == 0);
    CHECK_RC(hs_get_str(r, "esc", buf, sizeof buf, &len), HS_OK); CHECK(len == 7 && memcmp(buf, "q\"\\\n\001\xc3\xa9", 8) == 0);
    CHECK_RC(hs_get_json(r, "esc", buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "\"q\\\"\\\\\\n\\u0001\xc3\xa9\"") == 0);
    CHECK_RC(hs_get_str(r, "unicode", buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "\xc3\xa9\xf0\x9f\x98\x80") == 0);

    /* Buffers: too small reports the length needed; exact fit; len may be NULL. */
    CHECK_RC(hs_get_str(r, "server.host", buf, 11, &len), HS_ETOOSMALL); CHECK(len == 11);
    CHECK_RC(hs_get_str(r, "server.host", buf, 12, &len), HS_OK); CHECK(strcmp(buf, "example.org") == 0);
    CHECK_RC(hs_get_str(r, "server.host", NULL, 0, &len), HS_ETOOSMALL); CHECK(len == 11);
    CHECK_RC(hs_get_str(r, "server.host", buf, sizeof buf, NULL), HS_OK);
    CHECK_RC(hs_get_str(r, "server.host", NULL, 5, &len), HS_EINVAL);

    /* JSON of subtrees and of the whole document. */
    CHECK_RC(hs_get_json(r, "server", buf, sizeof buf, &len), HS_OK);
    CHECK(strcmp(buf, "{\"host\":\"example.org\",\"port\":8080,\"tls\":true,\"ratio\":0.25}") == 0);
    CHECK_RC(hs_get_json(r, "servers.1", buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "{\"host\":\"b\",\"port\":2}") == 0);
    CHECK_RC(hs_get_json(r, "none", buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "null") == 0);
    CHECK_RC(hs_get_json(r, "empty", buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "{}") == 0);
    CHECK_RC(hs_get_json(r, "list", buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "[]") == 0);
    CHECK_RC(hs_get_json(r, "f", buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "1e+300") == 0);
    char whole[2048];
    CHECK_RC(hs_get_json(r, "", whole, sizeof whole, &len), HS_OK);
    CHECK(len == strlen(whole) && whole[0] == '{' && whole[len - 1] == '}');
    CHECK(strstr(whole, "\"servers\":[{\"host\":\"a\",\"port\":1},{\"host\":\"b\",\"port\":2}]") != NULL);
}

static void test_keys(hs_reader *r, hsw_segment *w) {
    hs_key *port, *host, *missing, *ratio, *tls;
    CHECK_RC(hs_key_open(r, "server.port", &port), HS_OK);
    CHECK_RC(hs_key_open(r, "/server/host", &host), HS_OK);
    CHECK_RC(hs_key_open(r, "later.value", &missing), HS_OK);
    CHECK_RC(hs_key_open(r, "server.ratio", &ratio), HS_OK);
    CHECK_RC(hs_key_open(r, "server.tls", &tls), HS_OK);
    CHECK_RC(hs_key_open(r, "a..b", &tls), HS_EINVAL);
    int64_t i = 0;
    double f = 0;
    bool b = false;
    char buf[64];
    size_t len;
    for (int round = 0; round < 3; round++) {
        CHECK_RC(hs_key_get_i64(port, &i), HS_OK); CHECK(i == 8080);
    }
    CHECK_RC(hs_key_get_str(host, buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "example.org") == 0);
    CHECK_RC(hs_key_get_json(host, buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "\"example.org\"") == 0);
    CHECK_RC(hs_key_get_str(host, buf, 3, &len), HS_ETOOSMALL); CHECK(len == 11);
    CHECK_RC(hs_key_get_i64(host, &i), HS_ETYPE);
    CHECK_RC(hs_key_get_i64(missing, &i), HS_ENOTFOUND);
    CHECK_RC(hs_key_get_f64(ratio, &f), HS_OK); CHECK(f == 0.25);
    CHECK_RC(hs_key_get_f64(port, &f), HS_OK); CHECK(f == 8080.0);
    CHECK_RC(hs_key_get_bool(tls, &b), HS_OK); CHECK(b);
    uint64_t g1 = hs_key_generation(port);
    CHECK(g1 == hs_generation(r));

    /* A new generation: keys revalidate, the missing key appears, types may change. */
    t_publish(w, "{\"server\":{\"host\":\"changed.example\",\"port\":9090,\"tls\":\"yes\"},\"later\":{\"value\":5}}");
    CHECK_RC(hs_key_get_i64(port, &i), HS_OK); CHECK(i == 9090);
    CHECK(hs_key_generation(port) == g1 + 1);
    CHECK_RC(hs_key_get_str(host, buf, sizeof buf, &len), HS_OK); CHECK(strcmp(buf, "changed.example") == 0);
    CHECK_RC(hs_key_get_i64(missing, &i), HS_OK); CHECK(i == 5);
    CHECK_RC(hs_key_get_f64(ratio, &f), HS_ENOTFOUND);
    CHECK_RC(hs_key_get_bool(tls, &b), HS_ETYPE);
    hs_key_close(port);
    hs_key_close(host);
    hs_key_close(missing);
    hs_key_close(ratio);
    hs_key_close(tls);
    hs_key_close(NULL);
}

static void test_snapshot(hs_reader *r, hsw_segment *w) {
    t_publish(w, "{\"db\":{\"host\":\"h1\",\"port\":1}}");
    hs_snapshot *s;
    CHECK_RC(hs_snapshot_open(r, &s), HS_OK);
    uint64_t g = hs_snapshot_generation(s);
    CHECK(g == hs_generation(r));
    t_publish(w, "{\"db\":{\"host\":\"h2\",\"port\":2}}");
    /* Not refreshed: still the old generation, both keys from it. */
    char buf[16];
    int64_t port;
    CHECK_RC(hs_snapshot_get_str(s, "db.host", buf, sizeof buf, NULL), HS_OK); CHECK(strcmp(buf, "h1") == 0);
    CHECK_RC(hs_snapshot_get_i64(s, "db.port", &port), HS_OK); CHECK(port == 1);
    int changed = -1;
    CHECK_RC(hs_snapshot_refresh(s, &changed), HS_OK); CHECK(changed == 1);
    CHECK(hs_snapshot_generation(s) == g + 1);
    CHECK_RC(hs_snapshot_get_str(s, "/db/host", buf, sizeof buf, NULL), HS_OK); CHECK(strcmp(buf, "h2") == 0);
    CHECK_RC(hs_snapshot_get_i64(s, "db.port", &port), HS_OK); CHECK(port == 2);
    CHECK_RC(hs_snapshot_refresh(s, &changed), HS_OK); CHECK(changed == 0);
    CHECK(hs_snapshot_stat(s, HS_STAT_COPIES) == 2);
    int type;
    CHECK_RC(hs_snapshot_get_type(s, "db", &type), HS_OK); CHECK(type == HS_TYPE_OBJECT);
    CHECK_RC(hs_snapshot_get_json(s, "", buf, sizeof buf, NULL), HS_ETOOSMALL);
    hs_snapshot_close(s);
}

/* ---- The per-thread caches (checked headers, resolved paths) never serve a stale answer. */

/* Generation g: "k.v" is 10 * g, preceded by g % 5 padding members (so it moves to another
 * node, and the hash seed changes with the content); "even.only" exists in even generations
 * only; strings and JSON change with g. */
static void publish_generation(hsw_segment *w, int g) {
    char json[1024];
    size_t n = 0;
    n += (size_t)snprintf(json + n, sizeof json - n, "{\"k\":{");
    for (int i = 0; i < g % 5; i++) n += (size_t)snprintf(json + n, sizeof json - n, "\"pad%d\":%d,", i, i);
    n += (size_t)snprintf(json + n, sizeof json - n, "\"v\":%d,\"s\":\"s%d\",\"f\":%d.5,\"t\":%s}", 10 * g, g, g, g % 2 ? "true" : "false");
    if (g % 2 == 0) n += (size_t)snprintf(json + n, sizeof json - n, ",\"even\":{\"only\":%d}", g);
    n += (size_t)snprintf(json + n, sizeof json - n, ",\"averyveryverylongmembername\":{\"another_long_member\":%d}", g);
    n += (size_t)snprintf(json + n, sizeof json - n, ",\"longer/than~eight\":{\"x\":%d},\"longer.than.eight\":%d}", g, -g);
    t_publish(w, json);
}

static void check_generation(hs_reader *r, int g) {
    int64_t i = 0;
    double f = 0;
    bool b = false;
    int type = -1;
    char buf[64];
    size_t len = 0;
    for (int round = 0; round < 3; round++) { /* a miss fills the caches, then hits */
        CHECK_RC(hs_get_i64(r, "k.v", &i), HS_OK); CHECK(i == 10 * g);
        CHECK_RC(hs_get_i64(r, "/k/v", &i), HS_OK); CHECK(i == 10 * g);
        CHECK_RC(hs_get_f64(r, "k.f", &f), HS_OK); CHECK(f == g + 0.5);
        CHECK_RC(hs_get_bool(r, "k.t", &b), HS_OK); CHECK(b == (g % 2 != 0));
        CHECK_RC(hs_get_type(r, "k", &type), HS_OK); CHECK(type == HS_TYPE_OBJECT);
        CHECK_RC(hs_get_str(r, "k.s", buf, sizeof buf, &len), HS_OK);
        { char want[16]; snprintf(want, sizeof want, "s%d", g); CHECK(strcmp(buf, want) == 0 && len == strlen(want)); }
        CHECK_RC(hs_get_json(r, "/k/v", buf, sizeof buf, &len), HS_OK);
        { char want[16]; snprintf(want, sizeof want, "%d", 10 * g); CHECK(strcmp(buf, want) == 0); }
        if (g % 2 == 0) { CHECK_RC(hs_get_i64(r, "even.only", &i), HS_OK); CHECK(i == g); }
        else CHECK_RC(hs_get_i64(r, "even.only", &i), HS_ENOTFOUND);
        CHECK_RC(hs_get_i64(r, "k.missing", &i), HS_ENOTFOUND);
        CHECK_RC(hs_get_i64(r, "averyveryverylongmembername.another_long_member", &i), HS_OK); CHECK(i == g);
        CHECK_RC(hs_get_i64(r, "/averyveryverylongmembername/another_long_member", &i), HS_OK); CHECK(i == g);
        /* Escapes in tokens of 8 bytes or more (the slow path's business) */
        CHECK_RC(hs_get_i64(r, "longer/than~eight.x", &i), HS_OK); CHECK(i == g);
        CHECK_RC(hs_get_i64(r, "/longer~1than~0eight/x", &i), HS_OK); CHECK(i == g);
        CHECK_RC(hs_get_i64(r, "/longer.than.eight", &i), HS_OK); CHECK(i == -g);
        CHECK_RC(hs_get_i64(r, "longer.than.eight", &i), HS_ENOTFOUND);
        CHECK_RC(hs_get_str(r, "k.v", buf, sizeof buf, &len), HS_ETYPE);
        CHECK_RC(hs_get_i64(r, "k..v", &i), HS_EINVAL);
        CHECK_RC(hs_get_i64(r, "k.v.", &i), HS_EINVAL);
    }
}

/* Twelve publishes over four slots: every slot is reused with a new sequence and a new
 * layout; a cache keyed on anything less than (mapping, slot, sequence) would answer from
 * an old generation. */
static void test_cache_generations(void) {
    char path[256], instance[128];
    t_seg_path(path, sizeof path, "cachegen", instance, sizeof instance);
    hsw_remove(path);
    hsw_segment *w;
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    publish_generation(w, 1);
    hs_reader *r;
    REQUIRE(hs_open(instance, &r) == HS_OK);
    for (int g = 1; g <= 12; g++) {
        if (g > 1) publish_generation(w, g);
        check_generation(r, g);
    }
    /* Four or eight publishes between reads: the read finds the very slot its cache entries
     * name, rewritten under a new sequence. */
    for (int g = 13; g <= 60; g++) {
        publish_generation(w, g);
        if (g % 4 == 0 && g % 8 != 0) continue;
        if (g % 4 == 0) check_generation(r, g);
    }
    hs_close(r);
    hsw_close(w);
    hsw_remove(path);
}

/* The same checks through a snapshot: its resolved-path cache must follow each new copy. */
static void check_snapshot_generation(hs_snapshot *s, int g) {
    int64_t i = 0;
    double f = 0;
    bool b = false;
    int type = -1;
    char buf[64];
    size_t len = 0;
    CHECK((int)hs_snapshot_generation(s) >= 1);
    for (int round = 0; round < 3; round++) {
        CHECK_RC(hs_snapshot_get_i64(s, "k.v", &i), HS_OK); CHECK(i == 10 * g);
        CHECK_RC(hs_snapshot_get_i64(s, "/k/v", &i), HS_OK); CHECK(i == 10 * g);
        CHECK_RC(hs_snapshot_get_f64(s, "k.f", &f), HS_OK); CHECK(f == g + 0.5);
        CHECK_RC(hs_snapshot_get_bool(s, "k.t", &b), HS_OK); CHECK(b == (g % 2 != 0));
        CHECK_RC(hs_snapshot_get_type(s, "k", &type), HS_OK); CHECK(type == HS_TYPE_OBJECT);
        CHECK_RC(hs_snapshot_get_type(s, "", &type), HS_OK); CHECK(type == HS_TYPE_OBJECT);
        CHECK_RC(hs_snapshot_get_str(s, "k.s", buf, sizeof buf, &len), HS_OK);
        { char want[16]; snprintf(want, sizeof want, "s%d", g); CHECK(strcmp(buf, want) == 0 && len == strlen(want)); }
        CHECK_RC(hs_snapshot_get_json(s, "/k/v", buf, sizeof buf, &len), HS_OK);
        { char want[16]; snprintf(want, sizeof want, "%d", 10 * g); CHECK(strcmp(buf, want) == 0); }
        if (g % 2 == 0) { CHECK_RC(hs_snapshot_get_i64(s, "even.only", &i), HS_OK); CHECK(i == g); }
        else CHECK_RC(hs_snapshot_get_i64(s, "even.only", &i), HS_ENOTFOUND);
        CHECK_RC(hs_snapshot_get_i64(s, "averyveryverylongmembername.another_long_member", &i), HS_OK); CHECK(i == g);
        CHECK_RC(hs_snapshot_get_i64(s, "longer/than~eight.x", &i), HS_OK); CHECK(i == g);
        CHECK_RC(hs_snapshot_get_i64(s, "/longer~1than~0eight/x", &i), HS_OK); CHECK(i == g);
        CHECK_RC(hs_snapshot_get_i64(s, "/longer.than.eight", &i), HS_OK); CHECK(i == -g);
        CHECK_RC(hs_snapshot_get_i64(s, "longer.than.eight", &i), HS_ENOTFOUND);
        CHECK_RC(hs_snapshot_get_i64(s, "k..v", &i), HS_EINVAL);
        CHECK_RC(hs_snapshot_get_i64(s, NULL, &i), HS_EINVAL);
    }
}

static void test_snapshot_cache(void) {
    char path[256], instance[128];
    t_seg_path(path, sizeof path, "cachesnap", instance, sizeof instance);
    hsw_remove(path);
    hsw_segment *w;
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    publish_generation(w, 1);
    hs_reader *r;
    REQUIRE(hs_open(instance, &r) == HS_OK);
    hs_snapshot *s;
    REQUIRE(hs_snapshot_open(r, &s) == HS_OK);
    check_snapshot_generation(s, 1);
    for (int g = 2; g <= 9; g++) {
        publish_generation(w, g);
        check_snapshot_generation(s, g - 1); /* not refreshed: still the old copy */
        int changed = 0;
        CHECK_RC(hs_snapshot_refresh(s, &changed), HS_OK);
        CHECK(changed == 1);
        check_snapshot_generation(s, g);
    }
    hs_snapshot_close(s);
    hs_close(r);
    hsw_close(w);
    hsw_remove(path);
}

/* Readers opened and closed one after another (their mappings and handles land at reused
 * addresses, their slots and sequences are equal), and three readers in turn (two of them
 * share a header-cache way): each reads its own document. */
static void test_cache_readers(void) {
    char paths[3][256], instances[3][128];
    hsw_segment *ws[3];
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "cacherd%d", i);
        t_seg_path(paths[i], sizeof paths[i], name, instances[i], sizeof instances[i]);
        hsw_remove(paths[i]);
        REQUIRE(hsw_open(paths[i], 0644, -1, &ws[i]) == HS_OK);
        char json[256];
        /* Different layouts: "x.v" sits at a different node in each. */
        snprintf(json, sizeof json, "{%s\"x\":{%s\"v\":%d},\"only%d\":1}", i == 1 ? "\"a\":0," : "",
                 i == 2 ? "\"b\":0,\"c\":0," : "", 100 + i, i);
        t_publish(ws[i], json);
    }
    for (int round = 0; round < 60; round++) {
        int i = round % 3;
        hs_reader *r;
        REQUIRE(hs_open(instances[i], &r) == HS_OK);
        int64_t v = 0;
        for (int k = 0; k < 2; k++) {
            CHECK_RC(hs_get_i64(r, "x.v", &v), HS_OK); CHECK(v == 100 + i);
            for (int j = 0; j < 3; j++) {
                char key[16];
                snprintf(key, sizeof key, "only%d", j);
                CHECK_RC(hs_get_i64(r, key, &v), j == i ? HS_OK : HS_ENOTFOUND);
            }
        }
        hs_close(r);
    }
    hs_reader *rs[3];
    for (int i = 0; i < 3; i++) REQUIRE(hs_open(instances[i], &rs[i]) == HS_OK);
    for (int round = 0; round < 300; round++) {
        int i = (round * 7) % 3;
        int64_t v = 0;
        CHECK_RC(hs_get_i64(rs[i], "x.v", &v), HS_OK); CHECK(v == 100 + i);
        CHECK_RC(hs_get_i64(rs[i], "/x/v", &v), HS_OK); CHECK(v == 100 + i);
        if (round % 50 == 0) t_publish(ws[i], i == 0 ? "{\"x\":{\"v\":100},\"only0\":1}" : i == 1 ? "{\"a\":0,\"x\":{\"v\":101},\"only1\":1}" : "{\"x\":{\"b\":0,\"c\":0,\"v\":102},\"only2\":1}");
    }
    for (int i = 0; i < 3; i++) {
        hs_close(rs[i]);
        hsw_close(ws[i]);
        hsw_remove(paths[i]);
    }
}

/* More distinct paths than the resolved-path cache holds, of every length around its limits
 * (7, 8, 9, 16, 17, 24, 25, 32, 33 bytes), read in an order that keeps evicting entries. */
static void test_cache_many_paths(void) {
    char path[256], instance[128];
    t_seg_path(path, sizeof path, "cachemany", instance, sizeof instance);
    hsw_remove(path);
    hsw_segment *w;
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    enum { KEYS = 150 };
    /* Path lengths ("m." + member): 6, 7, 8, 9, 15, 16, 17, 24, 25, 31, 32, 33, 40. */
    static const int lens[] = { 4, 5, 6, 7, 13, 14, 15, 22, 23, 29, 30, 31, 38 };
    char names[KEYS][48];
    char *json = malloc(KEYS * 64 + 16);
    size_t n = (size_t)sprintf(json, "{\"m\":{");
    for (int k = 0; k < KEYS; k++) {
        int want = lens[k % (int)(sizeof lens / sizeof *lens)];
        snprintf(names[k], sizeof names[k], "k%03d%.*s", k, want - 4, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop");
        n += (size_t)sprintf(json + n, "%s\"%s\":%d", k ? "," : "", names[k], k);
    }
    sprintf(json + n, "}}");
    t_publish(w, json);
    const char *json_many = json;
    hs_reader *r;
    REQUIRE(hs_open(instance, &r) == HS_OK);
    /* Paths that differ only in length and repeat one byte (their overlapping word loads are
     * equal, so only the length tells their cache entries apart), and paths that differ only
     * in bytes 8 to n - 9 (only the middle words do). Many groups, so that some share a cache
     * entry. */
    hs_close(r);
    char *rep = malloc(65536);
    n = (size_t)sprintf(rep, "{");
    for (int c = 0; c < 26; c++) {
        for (int len = 9; len <= 40; len++) {
            char key[48];
            memset(key, 'a' + c, (size_t)len);
            key[len] = 0;
            n += (size_t)sprintf(rep + n, "%s\"%s\":%d", n > 1 ? "," : "", key, c * 100 + len);
            if (len >= 17) { /* same first and last 8 bytes as its group, another middle */
                memset(key + 8, 'A' + c, (size_t)len - 16);
                n += (size_t)sprintf(rep + n, ",\"%s\":%d", key, 10000 + c * 100 + len);
            }
        }
    }
    sprintf(rep + n, "}");
    t_publish(w, rep);
    free(rep);
    REQUIRE(hs_open(instance, &r) == HS_OK);
    for (int round = 0; round < 3; round++) {
        for (int c = 0; c < 26; c++) {
            for (int len = 9; len <= 40; len++) {
                char key[48], p[64];
                int64_t v = -1;
                memset(key, 'a' + c, (size_t)len);
                key[len] = 0;
                snprintf(p, sizeof p, round == 1 ? "/%s" : "%s", key);
                CHECK_RC(hs_get_i64(r, p, &v), HS_OK);
                CHECK(v == c * 100 + len);
                if (len >= 17) {
                    memset(key + 8, 'A' + c, (size_t)len - 16);
                    snprintf(p, sizeof p, round == 1 ? "/%s" : "%s", key);
                    CHECK_RC(hs_get_i64(r, p, &v), HS_OK);
                    CHECK(v == 10000 + c * 100 + len);
                }
            }
        }
    }
    t_publish(w, json_many);
    for (int round = 0; round < 4; round++) {
        for (int k = 0; k < KEYS; k++) {
            int j = (k * 37 + round) % KEYS;
            char p[64];
            int64_t v = -1;
            snprintf(p, sizeof p, round % 2 ? "/m/%s" : "m.%s", names[j]);
            CHECK_RC(hs_get_i64(r, p, &v), HS_OK);
            CHECK(v == j);
            p[strlen(p) - 1] ^= 1; /* a path one byte off: absent */
            CHECK_RC(hs_get_i64(r, p, &v), HS_ENOTFOUND);
        }
    }
    free(json);
    hs_close(r);
    hsw_close(w);
    hsw_remove(path);
}

/* Signal handlers that read on the thread they interrupted, through readers whose header
 * entries share a way with the interrupted ones, while the interrupted thread stores
 * entries (a publish every few reads): both always get their own answers. */
static hs_reader *g_sig_readers[3];
static volatile sig_atomic_t g_sig_bad, g_sig_runs;

static void on_alarm(int sig) {
    (void)sig;
    int saved = errno;
    for (int i = 2; i >= 0; i--) {
        int64_t v = -1;
        char key[16];
        snprintf(key, sizeof key, "s.k%d", (int)(g_sig_runs % 20));
        if (hs_get_i64(g_sig_readers[i], "v", &v) != HS_OK || v != i) g_sig_bad = 1;
        if (hs_get_i64(g_sig_readers[i], key, &v) != HS_OK || v != 1000 * i + (int)(g_sig_runs % 20)) g_sig_bad = 1;
    }
    g_sig_runs++;
    errno = saved;
}

static void test_cache_signal_handlers(void) {
    char paths[3][256], instances[3][128];
    hsw_segment *ws[3];
    char json[1024];
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "cachesig%d", i);
        t_seg_path(paths[i], sizeof paths[i], name, instances[i], sizeof instances[i]);
        hsw_remove(paths[i]);
        REQUIRE(hsw_open(paths[i], 0644, -1, &ws[i]) == HS_OK);
        size_t n = (size_t)snprintf(json, sizeof json, "{\"v\":%d,\"s\":{", i);
        for (int k = 0; k < 20; k++) n += (size_t)snprintf(json + n, sizeof json - n, "%s\"k%d\":%d", k ? "," : "", k, 1000 * i + k);
        snprintf(json + n, sizeof json - n, "}}");
        t_publish(ws[i], json);
        REQUIRE(hs_open(instances[i], &g_sig_readers[i]) == HS_OK);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    REQUIRE(sigaction(SIGALRM, &sa, NULL) == 0);
    struct itimerval it = { { 0, 50 }, { 0, 50 } };
    REQUIRE(setitimer(ITIMER_REAL, &it, NULL) == 0);
    int64_t end = t_now_ns() + 300000000LL;
    long reads = 0, bad = 0;
    while (t_now_ns() < end || g_sig_runs < 50) {
        for (int i = 0; i < 3; i++) {
            int64_t v = -1;
            char key[16];
            snprintf(key, sizeof key, "s.k%ld", reads % 20);
            if (hs_get_i64(g_sig_readers[i], "v", &v) != HS_OK || v != i) bad++;
            if (hs_get_i64(g_sig_readers[i], key, &v) != HS_OK || v != 1000 * i + reads % 20) bad++;
            reads++;
        }
        if (reads % 300 == 0) { /* the same values, a new snapshot: entries are stored again */
            int i = (int)(reads / 300 % 3);
            size_t n = (size_t)snprintf(json, sizeof json, "{\"v\":%d,\"s\":{", i);
            for (int k = 0; k < 20; k++) n += (size_t)snprintf(json + n, sizeof json - n, "%s\"k%d\":%d", k ? "," : "", k, 1000 * i + k);
            snprintf(json + n, sizeof json - n, "}}");
            t_publish(ws[i], json);
        }
        if (t_now_ns() > end + 5000000000LL) break; /* the timer never fired: reported below */
    }
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_DFL);
    printf("signal handlers: %ld reads, %d handler runs\n", reads, (int)g_sig_runs);
    CHECK(bad == 0);
    CHECK(g_sig_bad == 0);
    CHECK(g_sig_runs >= 50);
    for (int i = 0; i < 3; i++) {
        hs_close(g_sig_readers[i]);
        hsw_close(ws[i]);
        hsw_remove(paths[i]);
    }
}

static void test_errors_and_reattach(const char *path, const char *instance) {
    hs_reader *r = NULL;
    CHECK_RC(hs_open("ctest-no-such-instance-xyz", &r), HS_ENOSEGMENT);
    CHECK_RC(hs_open("", &r), HS_EINVAL);
    CHECK_RC(hs_open("a/b", &r), HS_EINVAL);
    CHECK_RC(hs_open(NULL, &r), HS_EINVAL);
    CHECK(r == NULL);
    CHECK(strcmp(hs_strerror(HS_ENOTFOUND), "no value at this path") == 0);
    CHECK(hs_strerror(-999) != NULL);
    CHECK(hs_abi_version() == HS_ABI_VERSION);

    /* A second writer is refused while the first holds the lock. */
    hsw_segment *w1, *w2;
    CHECK_RC(hsw_open(path, 0640, -1, &w1), HS_OK);
    CHECK_RC(hsw_open(path, 0640, -1, &w2), HS_EBUSY);
    uint64_t g = t_publish(w1, "{\"v\":1}");
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
    hsw_close(w1);
    /* A new writer continues the generations; minimum generations are honoured. */
    CHECK_RC(hsw_open(path, 0644, -1, &w2), HS_OK);
    CHECK(hsw_generation(w2) == g);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
    uint8_t *doc;
    size_t len;
    CHECK_RC(hsw_doc_from_json("{\"v\":2}", 7, &doc, &len), HS_OK);
    uint64_t g2 = 0;
    CHECK_RC(hsw_publish(w2, doc, len, g + 100, &g2), HS_OK);
    CHECK(g2 == g + 100);
    CHECK_RC(hsw_publish(w2, doc, len, 0, &g2), HS_OK);
    CHECK(g2 == g + 101);
    hsw_doc_free(doc);
    CHECK_RC(hs_open(instance, &r), HS_OK);
    CHECK(hs_generation(r) == g + 101);
    hs_close(r);
    hsw_close(w2);
    CHECK_RC(hsw_doc_from_json("{\"a\":1,\"a\":2}", 13, &doc, &len), HS_EINVAL);
    CHECK_RC(hsw_doc_from_json("[1,]", 4, &doc, &len), HS_EINVAL);
}

int main(void) {
    char path[256], instance[128];
    t_seg_path(path, sizeof path, "basic", instance, sizeof instance);
    hsw_remove(path);
    hsw_segment *w;
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    CHECK(hsw_generation(w) == 0);
    hs_reader *r = NULL;
    CHECK_RC(hs_open(instance, &r), HS_ENOSEGMENT); /* nothing published yet */
    uint64_t g = t_publish(w, DOC);
    CHECK(g == 1);
    REQUIRE(hs_open(instance, &r) == HS_OK);
    CHECK(hs_generation(r) == 1);
    test_types_and_paths(r);
    test_keys(r, w);
    test_snapshot(r, w);
    hs_close(r);
    hs_close(NULL);
    hsw_close(w);
    char p2[256], i2[128];
    t_seg_path(p2, sizeof p2, "reattach", i2, sizeof i2);
    hsw_remove(p2);
    test_errors_and_reattach(p2, i2);
    hsw_remove(p2);
    test_cache_generations();
    test_snapshot_cache();
    test_cache_readers();
    test_cache_many_paths();
    test_cache_signal_handlers();
    hsw_remove(path);
    return t_finish("test_basic");
}
