/* test_basic.c - the reader's functional contract: types, both path spellings, errors,
 * buffers, resolved keys, snapshots, generations and reattaching writers. */
#include "testutil.h"
#include <math.h>
#include <sys/stat.h>

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
    hsw_remove(path);
    return t_finish("test_basic");
}
