/* docbuild.c - a C encoder of documents (docs/shm-format.md "Document") from JSON text.
 *
 * The daemon encodes with HotswapSnapshot (Swift). This second, independent implementation
 * lets the C tests, the benchmarks, the fuzz corpus and stress writers for other languages
 * build documents without Swift; for documents without floats it produces the same bytes as
 * the Swift encoder (a test checks that). Not part of libhotswap.so.
 */
#define _GNU_SOURCE
#include "hotswap_writer.h"
#include "hs_layout.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 512

typedef struct {
    uint8_t type;
    int64_t i;
    double f;
    char *s;          /* string value (unescaped) */
    size_t slen;
    char *key;        /* member name (unescaped), or NULL for array elements / root */
    size_t klen;
    uint32_t *kids;   /* parse indices of children, in document order */
    uint32_t nkids, kcap;
    uint32_t index;   /* breadth-first index */
    uint32_t pos;     /* position in its parent */
    uint32_t parent;  /* parse index of the parent */
} pnode;

typedef struct {
    const char *p, *end;
    pnode *nodes;
    uint32_t n, cap;
    int oom;
} parser;

typedef struct {
    char *b;
    size_t n, cap;
    int oom;
} buf;

static void put(buf *o, const void *p, size_t n) {
    if (o->oom || n == 0) return;
    if (o->n + n > o->cap) {
        size_t c = o->cap ? o->cap : 256;
        while (c < o->n + n) c *= 2;
        char *nb = realloc(o->b, c);
        if (!nb) { o->oom = 1; return; }
        o->b = nb;
        o->cap = c;
    }
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
static void putc1(buf *o, char c) { put(o, &c, 1); }

static void ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static int new_node(parser *ps, uint8_t type, uint32_t *out) {
    if (ps->n == ps->cap) {
        uint32_t c = ps->cap ? ps->cap * 2 : 64;
        pnode *nn = realloc(ps->nodes, c * sizeof *nn);
        if (!nn) { ps->oom = 1; return -1; }
        ps->nodes = nn;
        ps->cap = c;
    }
    memset(&ps->nodes[ps->n], 0, sizeof(pnode));
    ps->nodes[ps->n].type = type;
    *out = ps->n++;
    return 0;
}

static int add_kid(parser *ps, uint32_t parent, uint32_t kid) {
    pnode *p = &ps->nodes[parent];
    if (p->nkids == p->kcap) {
        uint32_t c = p->kcap ? p->kcap * 2 : 4;
        uint32_t *k = realloc(p->kids, c * sizeof *k);
        if (!k) { ps->oom = 1; return -1; }
        p->kids = k;
        p->kcap = c;
    }
    ps->nodes[kid].pos = p->nkids;
    ps->nodes[kid].parent = parent;
    p->kids[p->nkids++] = kid;
    return 0;
}

static int hex4(const char *p, unsigned *v) {
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        *v <<= 4;
        if (c >= '0' && c <= '9') *v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') *v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') *v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    return 0;
}

static void put_utf8(buf *o, unsigned cp) {
    char b[4];
    if (cp < 0x80) { b[0] = (char)cp; put(o, b, 1); }
    else if (cp < 0x800) { b[0] = (char)(0xc0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3f)); put(o, b, 2); }
    else if (cp < 0x10000) { b[0] = (char)(0xe0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); b[2] = (char)(0x80 | (cp & 0x3f)); put(o, b, 3); }
    else { b[0] = (char)(0xf0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3f)); b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f)); put(o, b, 4); }
}

/* Parses a string literal at ps->p (on the opening quote) into a malloc'd buffer. */
static int parse_string(parser *ps, char **out, size_t *len) {
    buf o = { 0 };
    ps->p++;
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) goto bad;
        if (c != '\\') {
            const char *run = ps->p;
            while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' && (unsigned char)*ps->p >= 0x20) ps->p++;
            put(&o, run, (size_t)(ps->p - run));
            continue;
        }
        if (ps->end - ps->p < 2) goto bad;
        char e = ps->p[1];
        ps->p += 2;
        switch (e) {
        case '"': putc1(&o, '"'); break;
        case '\\': putc1(&o, '\\'); break;
        case '/': putc1(&o, '/'); break;
        case 'b': putc1(&o, '\b'); break;
        case 'f': putc1(&o, '\f'); break;
        case 'n': putc1(&o, '\n'); break;
        case 'r': putc1(&o, '\r'); break;
        case 't': putc1(&o, '\t'); break;
        case 'u': {
            unsigned cp, lo;
            if (ps->end - ps->p < 4 || hex4(ps->p, &cp)) goto bad;
            ps->p += 4;
            if (cp >= 0xdc00 && cp <= 0xdfff) goto bad;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || hex4(ps->p + 2, &lo)) goto bad;
                if (lo < 0xdc00 || lo > 0xdfff) goto bad;
                ps->p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            put_utf8(&o, cp);
            break;
        }
        default: goto bad;
        }
    }
    if (ps->p >= ps->end) goto bad;
    ps->p++;
    putc1(&o, '\0');
    if (o.oom) { free(o.b); ps->oom = 1; return -1; }
    *out = o.b;
    *len = o.n - 1;
    return 0;
bad:
    free(o.b);
    return -1;
}

static int parse_value(parser *ps, uint32_t *out, int depth);

static int parse_number(parser *ps, uint32_t *out) {
    const char *s = ps->p;
    const char *q = s;
    int is_float = 0;
    if (q < ps->end && *q == '-') q++;
    if (q >= ps->end) return -1;
    if (*q == '0') q++;
    else if (*q >= '1' && *q <= '9') { while (q < ps->end && *q >= '0' && *q <= '9') q++; }
    else return -1;
    if (q < ps->end && *q == '.') {
        is_float = 1;
        q++;
        if (q >= ps->end || *q < '0' || *q > '9') return -1;
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        is_float = 1;
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) q++;
        if (q >= ps->end || *q < '0' || *q > '9') return -1;
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    char tmp[512];
    size_t n = (size_t)(q - s);
    if (n >= sizeof tmp) return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    uint32_t idx;
    if (!is_float) {
        errno = 0;
        long long v = strtoll(tmp, NULL, 10);
        if (errno == 0) {
            if (new_node(ps, HS_TYPE_INT, &idx)) return -1;
            ps->nodes[idx].i = v;
            ps->p = q;
            *out = idx;
            return 0;
        }
    }
    if (new_node(ps, HS_TYPE_FLOAT, &idx)) return -1;
    ps->nodes[idx].f = strtod(tmp, NULL);
    ps->p = q;
    *out = idx;
    return 0;
}

static int lit(parser *ps, const char *w) {
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0) return -1;
    ps->p += n;
    return 0;
}

static int parse_value(parser *ps, uint32_t *out, int depth) {
    if (depth > MAX_DEPTH) return -1;
    ws(ps);
    if (ps->p >= ps->end) return -1;
    uint32_t idx;
    switch (*ps->p) {
    case '{': {
        if (new_node(ps, HS_TYPE_OBJECT, &idx)) return -1;
        ps->p++;
        ws(ps);
        if (ps->p < ps->end && *ps->p == '}') { ps->p++; *out = idx; return 0; }
        for (;;) {
            ws(ps);
            if (ps->p >= ps->end || *ps->p != '"') return -1;
            char *key;
            size_t klen;
            if (parse_string(ps, &key, &klen)) return -1;
            for (uint32_t k = 0; k < ps->nodes[idx].nkids; k++) {
                pnode *o = &ps->nodes[ps->nodes[idx].kids[k]];
                if (o->klen == klen && memcmp(o->key, key, klen) == 0) { free(key); return -1; }
            }
            ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') { free(key); return -1; }
            ps->p++;
            uint32_t kid;
            if (parse_value(ps, &kid, depth + 1)) { free(key); return -1; }
            ps->nodes[kid].key = key;
            ps->nodes[kid].klen = klen;
            if (add_kid(ps, idx, kid)) return -1;
            ws(ps);
            if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
            if (ps->p < ps->end && *ps->p == '}') { ps->p++; break; }
            return -1;
        }
        break;
    }
    case '[': {
        if (new_node(ps, HS_TYPE_ARRAY, &idx)) return -1;
        ps->p++;
        ws(ps);
        if (ps->p < ps->end && *ps->p == ']') { ps->p++; *out = idx; return 0; }
        for (;;) {
            uint32_t kid;
            if (parse_value(ps, &kid, depth + 1)) return -1;
            if (add_kid(ps, idx, kid)) return -1;
            ws(ps);
            if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
            if (ps->p < ps->end && *ps->p == ']') { ps->p++; break; }
            return -1;
        }
        break;
    }
    case '"': {
        char *s;
        size_t n;
        if (parse_string(ps, &s, &n)) return -1;
        if (new_node(ps, HS_TYPE_STRING, &idx)) { free(s); return -1; }
        ps->nodes[idx].s = s;
        ps->nodes[idx].slen = n;
        break;
    }
    case 't':
        if (lit(ps, "true") || new_node(ps, HS_TYPE_BOOL, &idx)) return -1;
        ps->nodes[idx].i = 1;
        break;
    case 'f':
        if (lit(ps, "false") || new_node(ps, HS_TYPE_BOOL, &idx)) return -1;
        break;
    case 'n':
        if (lit(ps, "null") || new_node(ps, HS_TYPE_NULL, &idx)) return -1;
        break;
    default:
        return parse_number(ps, out);
    }
    *out = idx;
    return 0;
}

/* JSON string literal, escaped exactly as HotswapFormats' JSON.writeString does. */
static void emit_string(buf *o, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    putc1(o, '"');
    for (size_t i = 0; i < n; i++) {
        size_t run = i;
        while (run < n && (unsigned char)s[run] >= 0x20 && s[run] != '"' && s[run] != '\\') run++;
        if (run > i) { put(o, s + i, run - i); i = run; if (i == n) break; }
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': put(o, "\\\"", 2); break;
        case '\\': put(o, "\\\\", 2); break;
        case '\n': put(o, "\\n", 2); break;
        case '\r': put(o, "\\r", 2); break;
        case '\t': put(o, "\\t", 2); break;
        case '\b': put(o, "\\b", 2); break;
        case '\f': put(o, "\\f", 2); break;
        default:
            if (c < 0x20) {
                char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
                put(o, e, 6);
            } else {
                putc1(o, (char)c);
            }
        }
    }
    putc1(o, '"');
}

static void emit_float(buf *o, double d) {
    char t[40];
    /* JSON has no spelling for these: write the strings the Swift encoder writes (JSON.emit),
     * so the document's JSON stays parseable and the two encoders stay byte-identical. */
    if (d != d) { put(o, "\"nan\"", 5); return; }
    if (d > 1.7976931348623157e308) { put(o, "\"inf\"", 5); return; }
    if (d < -1.7976931348623157e308) { put(o, "\"-inf\"", 6); return; }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(t, sizeof t, "%.*g", prec, d);
        if (strtod(t, NULL) == d) break;
    }
    put(o, t, strlen(t));
    if (!strpbrk(t, ".eE")) put(o, ".0", 2);
}

typedef struct {
    uint32_t json_off, json_len;
} span;

static void emit(parser *ps, uint32_t i, buf *o, span *sp) {
    pnode *n = &ps->nodes[i];
    size_t start = o->n;
    char t[32];
    switch (n->type) {
    case HS_TYPE_NULL: put(o, "null", 4); break;
    case HS_TYPE_BOOL: if (n->i) put(o, "true", 4); else put(o, "false", 5); break;
    case HS_TYPE_INT: snprintf(t, sizeof t, "%lld", (long long)n->i); put(o, t, strlen(t)); break;
    case HS_TYPE_FLOAT: emit_float(o, n->f); break;
    case HS_TYPE_STRING: emit_string(o, n->s, n->slen); break;
    case HS_TYPE_ARRAY:
        putc1(o, '[');
        for (uint32_t k = 0; k < n->nkids; k++) {
            if (k) putc1(o, ',');
            emit(ps, n->kids[k], o, sp);
        }
        putc1(o, ']');
        break;
    case HS_TYPE_OBJECT:
        putc1(o, '{');
        for (uint32_t k = 0; k < n->nkids; k++) {
            if (k) putc1(o, ',');
            pnode *kid = &ps->nodes[n->kids[k]];
            emit_string(o, kid->key, kid->klen);
            putc1(o, ':');
            emit(ps, n->kids[k], o, sp);
        }
        putc1(o, '}');
        break;
    }
    sp[n->index].json_off = (uint32_t)start;
    sp[n->index].json_len = (uint32_t)(o->n - start);
}

static void free_parser(parser *ps) {
    for (uint32_t i = 0; i < ps->n; i++) {
        free(ps->nodes[i].s);
        free(ps->nodes[i].key);
        free(ps->nodes[i].kids);
    }
    free(ps->nodes);
}

static void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

int hsw_doc_from_json(const char *json, size_t json_len, uint8_t **doc_out, size_t *len_out) {
    if (!json || !doc_out || !len_out) return HS_EINVAL;
    parser ps = { json, json + json_len, NULL, 0, 0, 0 };
    uint32_t root;
    int rc = HS_OK;
    uint32_t *order = NULL, *hstate_depth = NULL;
    uint64_t *hstate = NULL;
    span *sp = NULL;
    buf js = { 0 }, strs = { 0 }, paths_tmp = { 0 };
    uint32_t *path_off = NULL, *path_len = NULL, *str_off = NULL;
    uint8_t *doc = NULL;

    if (parse_value(&ps, &root, 0)) { rc = ps.oom ? HS_ENOMEM : HS_EINVAL; goto out; }
    ws(&ps);
    if (ps.p != ps.end || root != 0) { rc = HS_EINVAL; goto out; }
    uint32_t n = ps.n;

    /* Breadth-first order: children of each container get consecutive indices. */
    order = malloc(n * sizeof *order);
    sp = calloc(n, sizeof *sp);
    hstate = malloc(n * sizeof *hstate);
    hstate_depth = malloc(n * sizeof *hstate_depth);
    path_off = malloc(n * sizeof *path_off);
    path_len = malloc(n * sizeof *path_len);
    str_off = calloc(n, sizeof *str_off);
    if (!order || !sp || !hstate || !hstate_depth || !path_off || !path_len || !str_off) { rc = HS_ENOMEM; goto out; }
    uint32_t head = 0, tail = 0;
    order[tail++] = 0;
    ps.nodes[0].index = 0;
    while (head < tail) {
        pnode *p = &ps.nodes[order[head++]];
        for (uint32_t k = 0; k < p->nkids; k++) {
            ps.nodes[p->kids[k]].index = tail;
            order[tail++] = p->kids[k];
        }
    }

    emit(&ps, 0, &js, sp);
    if (js.oom) { rc = HS_ENOMEM; goto out; }
    uint64_t content_hash = hsl_bytes_hash(HSL_CONTENT_SEED, (const uint8_t *)js.b, js.n);
    uint64_t seed = content_hash;

    /* Paths (canonical pointers) and string values, in node order; path hash states. */
    for (uint32_t b = 0; b < n; b++) {
        pnode *p = &ps.nodes[order[b]];
        paths_tmp.n = 0;
        uint64_t h = seed;
        uint32_t depth = 0;
        if (b != 0) {
            pnode *parent = &ps.nodes[p->parent];
            uint32_t pb = parent->index;
            put(&paths_tmp, strs.b + path_off[pb], path_len[pb]);
            char t[16];
            const char *tok;
            size_t tlen;
            if (parent->type == HS_TYPE_OBJECT) { tok = p->key; tlen = p->klen; }
            else { snprintf(t, sizeof t, "%u", p->pos); tok = t; tlen = strlen(t); }
            putc1(&paths_tmp, '/');
            for (size_t i = 0; i < tlen; i++) {
                if (tok[i] == '~') put(&paths_tmp, "~0", 2);
                else if (tok[i] == '/') put(&paths_tmp, "~1", 2);
                else putc1(&paths_tmp, tok[i]);
            }
            h = hsl_path_step(hstate[pb], hsl_token_hash((const uint8_t *)tok, tlen));
            depth = hstate_depth[pb] + 1;
        }
        hstate[b] = h;
        hstate_depth[b] = depth;
        path_off[b] = (uint32_t)strs.n;
        path_len[b] = (uint32_t)paths_tmp.n;
        if (paths_tmp.n) put(&strs, paths_tmp.b, paths_tmp.n);
        putc1(&strs, '\0');
        if (p->type == HS_TYPE_STRING) {
            str_off[b] = (uint32_t)strs.n;
            put(&strs, p->s, p->slen);
            putc1(&strs, '\0');
        }
        if (strs.oom || paths_tmp.oom) { rc = HS_ENOMEM; goto out; }
    }

    uint64_t buckets = 8;
    while (buckets < 2 * (uint64_t)n) buckets *= 2;
    uint64_t boff = HSL_DOC_HEADER_SIZE;
    uint64_t noff = (boff + buckets * HSL_BUCKET_SIZE + 7) & ~7ULL;
    uint64_t soff = noff + (uint64_t)n * HSL_NODE_SIZE;
    uint64_t joff = (soff + strs.n + 7) & ~7ULL;
    uint64_t total = joff + js.n;
    if (total > 0xffffffffULL) { rc = HS_EINVAL; goto out; }
    doc = calloc(1, (size_t)total);
    if (!doc) { rc = HS_ENOMEM; goto out; }

    for (uint64_t b = 0; b < buckets; b++) st32(doc + boff + b * HSL_BUCKET_SIZE, HSL_NONE); /* empty: tag 0 */
    uint32_t max_probe = 0;
    for (uint32_t b = 0; b < n; b++) {
        uint64_t h = hsl_path_final(hstate[b], hstate_depth[b]);
        uint32_t i = (uint32_t)h, probe = 0;
        for (;; probe++) {
            uint8_t *bk = doc + boff + (uint64_t)((i + probe) & (buckets - 1)) * HSL_BUCKET_SIZE;
            uint32_t cur;
            memcpy(&cur, bk, 4);
            if (cur == HSL_NONE) { st32(bk, b); st32(bk + 4, (uint32_t)(h >> 32)); break; }
        }
        if (probe > max_probe) max_probe = probe;
    }
    for (uint32_t b = 0; b < n; b++) {
        pnode *p = &ps.nodes[order[b]];
        uint8_t *nd = doc + noff + (uint64_t)b * HSL_NODE_SIZE;
        nd[HSL_N_TYPE] = p->type;
        st32(nd + HSL_N_PARENT, b == 0 ? HSL_NONE : ps.nodes[p->parent].index);
        uint64_t payload = 0;
        switch (p->type) {
        case HS_TYPE_BOOL: case HS_TYPE_INT: payload = (uint64_t)p->i; break;
        case HS_TYPE_FLOAT: memcpy(&payload, &p->f, 8); break;
        case HS_TYPE_STRING: payload = (uint64_t)str_off[b] | (uint64_t)p->slen << 32; break;
        case HS_TYPE_ARRAY: case HS_TYPE_OBJECT:
            payload = (p->nkids ? (uint64_t)ps.nodes[p->kids[0]].index : 0) | (uint64_t)p->nkids << 32;
            break;
        }
        st64(nd + HSL_N_PAYLOAD, payload);
        st32(nd + HSL_N_PATH_OFF, path_off[b]);
        st32(nd + HSL_N_PATH_LEN, path_len[b]);
        st32(nd + HSL_N_JSON_OFF, sp[b].json_off);
        st32(nd + HSL_N_JSON_LEN, sp[b].json_len);
    }
    memcpy(doc + soff, strs.b, strs.n);
    memcpy(doc + joff, js.b, js.n);
    st32(doc + HSL_D_MAGIC, HSL_DOC_MAGIC);
    st64(doc + HSL_D_TOTAL_SIZE, total);
    st64(doc + HSL_D_CONTENT_HASH, content_hash);
    st64(doc + HSL_D_HASH_SEED, seed);
    st32(doc + HSL_D_NODE_COUNT, n);
    st32(doc + HSL_D_BUCKET_COUNT, (uint32_t)buckets);
    st32(doc + HSL_D_MAX_PROBE, max_probe);
    st32(doc + HSL_D_BUCKETS_OFF, (uint32_t)boff);
    st32(doc + HSL_D_NODES_OFF, (uint32_t)noff);
    st32(doc + HSL_D_STRINGS_OFF, (uint32_t)soff);
    st32(doc + HSL_D_STRINGS_SIZE, (uint32_t)strs.n);
    st32(doc + HSL_D_JSON_OFF, (uint32_t)joff);
    st32(doc + HSL_D_JSON_SIZE, (uint32_t)js.n);
    st64(doc + HSL_D_CHECKSUM, hsl_bytes_hash(HSL_CHECKSUM_SEED, doc + 16, (size_t)(total - 16)));
    *doc_out = doc;
    *len_out = (size_t)total;
    doc = NULL;
out:
    free(doc);
    free(order);
    free(sp);
    free(hstate);
    free(hstate_depth);
    free(path_off);
    free(path_len);
    free(str_off);
    free(js.b);
    free(strs.b);
    free(paths_tmp.b);
    free_parser(&ps);
    return rc;
}

void hsw_doc_free(uint8_t *doc) { free(doc); }
