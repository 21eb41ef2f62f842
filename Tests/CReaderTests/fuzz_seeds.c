/* fuzz_seeds.c - writes the fuzz target's seed corpus: documents (mode 1) and one whole
 * segment (mode 0) built by the real encoder and writer. Usage: fuzz_seeds DIR */
#include "testutil.h"
#include <fcntl.h>
#include <sys/stat.h>

static void put_file(const char *dir, const char *name, uint8_t mode, const void *p, size_t n) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    fputc(mode, f);
    fwrite(p, 1, n, f);
    fclose(f);
}

int main(int argc, char **argv) {
    REQUIRE(argc == 2);
    static const char *docs[] = {
        "{\"a\":{\"b\":1,\"c\":\"str\"},\"list\":[1,{\"x\":2.5}],\"s\":\"hello\",\"x/y\":null,\"0\":true}",
        "[1,2,[3,[4,[5]]],{\"a\":{\"b\":-1}}]",
        "{\"a.b\":{\"~\":[]},\"\":{\"\":{}},\"s\":\"\\u0000\\u00e9\"}",
        "42",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        uint8_t *doc;
        size_t len;
        REQUIRE(hsw_doc_from_json(docs[i], strlen(docs[i]), &doc, &len) == HS_OK);
        char name[32];
        snprintf(name, sizeof name, "doc%zu", i);
        put_file(argv[1], name, 1, doc, len);
        hsw_doc_free(doc);
    }
    char path[256], instance[128];
    t_seg_path(path, sizeof path, "fuzzseed", instance, sizeof instance);
    hsw_remove(path);
    hsw_segment *w;
    REQUIRE(hsw_open(path, 0644, -1, &w) == HS_OK);
    t_publish(w, docs[0]);
    hsw_close(w);
    int fd = open(path, O_RDONLY);
    REQUIRE(fd >= 0);
    /* Only the header and the first slot: enough structure, small input. */
    static uint8_t seg[4096 + 8192];
    ssize_t n = read(fd, seg, sizeof seg);
    close(fd);
    hsw_remove(path);
    REQUIRE(n > 4096);
    put_file(argv[1], "segment", 0, seg, (size_t)n);
    return 0;
}
