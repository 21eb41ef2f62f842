/* test_c89.c - hotswap.h is usable from strict C89/C90 code (compiled with -std=c89
 * -pedantic -Werror; <stdint.h> and <stdbool.h> are the only newer headers it needs). */
#include "hotswap.h"

int hs_c89_check(hs_reader *r) {
    int64_t v;
    int rc;
    rc = hs_get_i64(r, "a.b", &v);
    return rc == HS_OK ? 0 : rc;
}
