/* C shims for what Swift cannot call directly on Linux: epoll, signalfd, timerfd are
 * missing from the Glibc module, struct ucred needs _GNU_SOURCE, and variadic functions
 * (fcntl with an argument) are unavailable. Each wrapper is a thin function named after the
 * C call it wraps (see shim.c). Only fixed-width types cross this boundary. */
#ifndef HOTSWAP_CSHIM_H
#define HOTSWAP_CSHIM_H

#include <stdint.h>

/* epoll_create1(EPOLL_CLOEXEC) */
int hs_shim_epoll_create(void);

/* epoll_ctl with the 64-bit user data set to `token`. */
int hs_shim_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t token);

/* epoll_wait into parallel arrays, so Swift needs no packed-struct layout. */
int hs_shim_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max, int timeout_ms);

extern const uint32_t HS_SHIM_EPOLLIN;

extern const uint32_t HS_SHIM_EPOLLOUT;

extern const uint32_t HS_SHIM_EPOLLERR;

extern const uint32_t HS_SHIM_EPOLLHUP;

extern const uint32_t HS_SHIM_EPOLLRDHUP;

extern const int HS_SHIM_EPOLL_CTL_ADD;

extern const int HS_SHIM_EPOLL_CTL_MOD;

extern const int HS_SHIM_EPOLL_CTL_DEL;

/* Blocks the given signals for the calling thread (sigprocmask) and returns a signalfd that
 * reports them; -1 on error. `signals` holds `count` signal numbers. */
int hs_shim_signalfd(const int *signals, int count);

/* Reads one signal from a signalfd: the signal number, 0 when none is pending, -1 on error. */
int hs_shim_signalfd_read(int fd);

/* timerfd_create(CLOCK_MONOTONIC, nonblocking, cloexec) */
int hs_shim_timerfd_create(void);

/* Arms a one-shot timer `ns` nanoseconds from now, repeating every `interval_ns` when not 0;
 * ns == 0 disarms it. */
int hs_shim_timerfd_arm(int fd, uint64_t ns, uint64_t interval_ns);

/* Reads how many times the timer expired (0 when it has not). */
int64_t hs_shim_timerfd_read(int fd);

/* The uid, gid and pid of the process at the other end of a Unix socket (SO_PEERCRED). */
int hs_shim_peercred(int fd, uint32_t *uid, uint32_t *gid, int32_t *pid);

/* fcntl(fd, F_SETFL, flags | O_NONBLOCK) */
int hs_shim_set_nonblocking(int fd);

/* Binds a Unix stream socket to `path`, listens, and returns it (nonblocking, cloexec). A
 * stale socket file at `path` is removed first. -1 on error with errno set. */
int hs_shim_unix_listen(const char *path, int backlog);

/* Connects a blocking Unix stream socket to `path`; -1 on error with errno set. */
int hs_shim_unix_connect(const char *path);

/* Binds a Unix datagram socket to `path` (tests use one as NOTIFY_SOCKET). */
int hs_shim_unix_dgram_bind(const char *path);

/* setsockopt(SO_RCVTIMEO) in milliseconds, so blocking reads in clients and tests end. */
int hs_shim_set_recv_timeout(int fd, int ms);

/* CLOCK_MONOTONIC in microseconds (sd_notify's MONOTONIC_USEC). */
uint64_t hs_shim_monotonic_usec(void);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t hs_shim_monotonic_ns(void);

/* CLOCK_REALTIME in nanoseconds since the epoch. */
uint64_t hs_shim_realtime_ns(void);

/* accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC) */
int hs_shim_accept(int fd);

#endif
