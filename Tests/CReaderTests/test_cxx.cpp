// test_cxx.cpp - hotswap.h compiles as C++ (C++98, pedantic, all warnings as errors) and
// links against libhotswap with C linkage.
#include "hotswap.h"
#include <cstdio>

int main() {
    hs_reader *r = 0;
    int rc = hs_open("cxx-check-no-such-instance", &r);
    bool b = false;
    int64_t i = 0;
    double d = 0;
    char buf[16];
    size_t len = 0;
    if (rc == HS_OK) {
        (void)hs_get_bool(r, "a", &b);
        (void)hs_get_i64(r, "a", &i);
        (void)hs_get_f64(r, "a", &d);
        (void)hs_get_str(r, "a", buf, sizeof buf, &len);
        hs_close(r);
    }
    if (rc != HS_ENOSEGMENT || hs_abi_version() != HS_ABI_VERSION) {
        std::printf("test_cxx: FAILED (%d: %s)\n", rc, hs_strerror(rc));
        return 1;
    }
    std::printf("test_cxx: ok\n");
    return 0;
}
