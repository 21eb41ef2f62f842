/* Implementations of the shims declared in include/shim.h. _GNU_SOURCE is needed for
 * struct ucred; it is kept out of the header so the header does not clash with the Glibc
 * module's view of the system headers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

/* epoll_create1(EPOLL_CLOEXEC) */
int hs_shim_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

/* epoll_ctl with the 64-bit user data set to `token`. */
int hs_shim_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = token;
    return epoll_ctl(epfd, op, fd, &ev);
}

/* epoll_wait into parallel arrays, so Swift needs no packed-struct layout. */
int hs_shim_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event evs[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) {
        tokens[i] = evs[i].data.u64;
        events[i] = evs[i].events;
    }
    return n;
}

const uint32_t HS_SHIM_EPOLLIN = EPOLLIN;
const uint32_t HS_SHIM_EPOLLOUT = EPOLLOUT;
const uint32_t HS_SHIM_EPOLLERR = EPOLLERR;
const uint32_t HS_SHIM_EPOLLHUP = EPOLLHUP;
const uint32_t HS_SHIM_EPOLLRDHUP = EPOLLRDHUP;
const int HS_SHIM_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int HS_SHIM_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int HS_SHIM_EPOLL_CTL_DEL = EPOLL_CTL_DEL;

/* Blocks the given signals for the calling thread (sigprocmask) and returns a signalfd that
 * reports them; -1 on error. `signals` holds `count` signal numbers. */
int hs_shim_signalfd(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Reads one signal from a signalfd: the signal number, 0 when none is pending, -1 on error. */
int hs_shim_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
}

/* timerfd_create(CLOCK_MONOTONIC, nonblocking, cloexec) */
int hs_shim_timerfd_create(void) {
    return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

/* Arms a one-shot timer `ns` nanoseconds from now, repeating every `interval_ns` when not 0;
 * ns == 0 disarms it. */
int hs_shim_timerfd_arm(int fd, uint64_t ns, uint64_t interval_ns) {
    struct itimerspec its;
    its.it_value.tv_sec = (time_t)(ns / 1000000000u);
    its.it_value.tv_nsec = (long)(ns % 1000000000u);
    its.it_interval.tv_sec = (time_t)(interval_ns / 1000000000u);
    its.it_interval.tv_nsec = (long)(interval_ns % 1000000000u);
    return timerfd_settime(fd, 0, &its, NULL);
}

/* Reads how many times the timer expired (0 when it has not). */
int64_t hs_shim_timerfd_read(int fd) {
    uint64_t n = 0;
    ssize_t r = read(fd, &n, sizeof n);
    if (r == (ssize_t)sizeof n) return (int64_t)n;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
}

/* The uid, gid and pid of the process at the other end of a Unix socket (SO_PEERCRED). */
int hs_shim_peercred(int fd, uint32_t *uid, uint32_t *gid, int32_t *pid) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *uid = cred.uid;
    *gid = cred.gid;
    *pid = cred.pid;
    return 0;
}

/* fcntl(fd, F_SETFL, flags | O_NONBLOCK) */
int hs_shim_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Binds a Unix stream socket to `path`, listens, and returns it (nonblocking, cloexec). A
 * stale socket file at `path` is removed first. -1 on error with errno set. */
int hs_shim_unix_listen(const char *path, int backlog) {
    struct sockaddr_un addr;
    if (strlen(path) >= sizeof addr.sun_path) { errno = ENAMETOOLONG; return -1; }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, backlog) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* Connects a blocking Unix stream socket to `path`; -1 on error with errno set. */
int hs_shim_unix_connect(const char *path) {
    struct sockaddr_un addr;
    if (strlen(path) >= sizeof addr.sun_path) { errno = ENAMETOOLONG; return -1; }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, path);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* Binds a Unix datagram socket to `path` (tests use one as NOTIFY_SOCKET). */
int hs_shim_unix_dgram_bind(const char *path) {
    struct sockaddr_un addr;
    if (strlen(path) >= sizeof addr.sun_path) { errno = ENAMETOOLONG; return -1; }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* setsockopt(SO_RCVTIMEO) in milliseconds, so blocking reads in clients and tests end. */
int hs_shim_set_recv_timeout(int fd, int ms) {
    struct timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* CLOCK_MONOTONIC in microseconds (sd_notify's MONOTONIC_USEC). */
uint64_t hs_shim_monotonic_usec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t hs_shim_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CLOCK_REALTIME in nanoseconds since the epoch. */
uint64_t hs_shim_realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}


/* accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC) */
int hs_shim_accept(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }
