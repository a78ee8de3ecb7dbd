/*
 * hostnet_v1.h - the host socket ABI imported by hxc.wasm (and by any module
 * linked with the wasm32 libhxc.a).
 *
 * The full specification, for runtime authors, is wasm/README.md. Summary:
 *   - import module name "hostnet_v1"; seven functions, all arguments and
 *     results are i32;
 *   - a negative result is -errno with WASI preview1 errno numbers (below);
 *   - handles are the host's own small positive integers, not WASI fds;
 *   - every call is non-blocking except poll;
 *   - policy refusals are -EACCES (never a trap), unresolvable names -ENOENT,
 *     quotas -ENOBUFS, out-of-bounds pointers -EFAULT, unknown handles -EBADF.
 * v1 is frozen: additions go into a new import module name (hostnet_v2...).
 *
 * This header is C99/C11, has no dependencies beyond <stdint.h>, and may be
 * included by native code too (the constants and the pollfd layout are
 * available everywhere; the import declarations only on wasm32).
 */
#ifndef HOSTNET_V1_H
#define HOSTNET_V1_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HOSTNET_V1_MODULE "hostnet_v1"

/* WASI preview1 errno numbers (wasi_snapshot_preview1 `errno` enum). The
 * ABI returns them negated. Only these values are produced by a v1 host. */
#define HOSTNET_EACCES 2        /* refused by the host's connection policy */
#define HOSTNET_EAGAIN 6        /* would block: poll, then retry */
#define HOSTNET_EBADF 8         /* unknown or closed handle */
#define HOSTNET_ECONNREFUSED 14 /* peer refused the connection */
#define HOSTNET_ECONNRESET 15   /* connection reset by the peer */
#define HOSTNET_EFAULT 21       /* pointer/length outside linear memory */
#define HOSTNET_EHOSTUNREACH 23 /* no route to host */
#define HOSTNET_EINPROGRESS 26  /* connect still in progress (status) */
#define HOSTNET_EINVAL 28       /* bad argument (port, flags, how, nfds) */
#define HOSTNET_ENETUNREACH 40  /* network unreachable */
#define HOSTNET_ENOBUFS 42      /* a host quota was exceeded */
#define HOSTNET_ENOENT 44       /* host name could not be resolved */
#define HOSTNET_ENOTCONN 53     /* not connected (yet, or any more) */
#define HOSTNET_EPIPE 64        /* send after the write side was shut down */
#define HOSTNET_ETIMEDOUT 73    /* connect timed out in the host */

/* poll event bits, identical to wasi-libc's <poll.h> values. */
#define HOSTNET_POLLIN 0x0001
#define HOSTNET_POLLOUT 0x0002
#define HOSTNET_POLLERR 0x1000  /* revents only */
#define HOSTNET_POLLHUP 0x2000  /* revents only */
#define HOSTNET_POLLNVAL 0x4000 /* revents only: handle unknown */

/* shutdown `how` */
#define HOSTNET_SHUT_RD 0
#define HOSTNET_SHUT_WR 1
#define HOSTNET_SHUT_RDWR 2

/* One poll entry: 8 bytes, little-endian, 4-byte aligned; the same layout as
 * wasi-libc's `struct pollfd` (so an array of those may be passed as is).
 *   offset 0: i32 fd      - a hostnet handle (entries with fd < 0 are ignored
 *                           and get revents 0)
 *   offset 4: i16 events  - requested POLLIN / POLLOUT
 *   offset 6: i16 revents - written by the host */
struct hostnet_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct hostnet_pollfd) == 8, "hostnet_pollfd is 8 bytes");
#endif

#if defined(__wasm__)

#define HOSTNET_V1_IMPORT(name) \
    __attribute__((import_module(HOSTNET_V1_MODULE), import_name(name)))

/* Start a non-blocking TCP connection to `host` (a name or an IP literal,
 * `host_len` bytes, not NUL-terminated) on `port` (1..65535). `flags` must be
 * 0. Returns a handle (> 0) or -errno: -EACCES (policy), -ENOENT (name does
 * not resolve), -ENOBUFS (connection quota), -EINVAL, -EFAULT. The result of
 * the TCP handshake is reported later by hostnet_v1_status and poll. */
HOSTNET_V1_IMPORT("connect")
int32_t hostnet_v1_connect(const char *host, int32_t host_len, int32_t port, int32_t flags);

/* The connect result: 0 connected, -EINPROGRESS still connecting, or the
 * -errno the connection failed with (-ECONNREFUSED, -ETIMEDOUT, -EACCES, ...). */
HOSTNET_V1_IMPORT("status")
int32_t hostnet_v1_status(int32_t h);

/* Queue up to `len` bytes; returns the count accepted (>= 1, possibly fewer
 * than len: a partial send), -EAGAIN if the host's send buffer is full or the
 * connect is still in progress, or -errno (-EPIPE, -ECONNRESET, -ENOBUFS for
 * the byte quota, -ENOTCONN). */
HOSTNET_V1_IMPORT("send")
int32_t hostnet_v1_send(int32_t h, const void *buf, int32_t len);

/* Copy up to `len` received bytes; returns the count (>= 1), 0 at end of
 * stream, -EAGAIN if nothing is buffered yet, or -errno. */
HOSTNET_V1_IMPORT("recv")
int32_t hostnet_v1_recv(int32_t h, void *buf, int32_t len);

/* Wait until at least one entry is ready or `timeout_ms` passes (-1: no
 * limit, 0: just check). Sets each entry's revents; returns the number of
 * entries with revents != 0 (0 on timeout), or -errno (-EFAULT, -EINVAL).
 * The only call that blocks. */
HOSTNET_V1_IMPORT("poll")
int32_t hostnet_v1_poll(struct hostnet_pollfd *fds, int32_t nfds, int32_t timeout_ms);

/* Shut down the read side (0), write side (1, sends FIN once queued data is
 * flushed) or both (2). Returns 0 or -errno. */
HOSTNET_V1_IMPORT("shutdown")
int32_t hostnet_v1_shutdown(int32_t h, int32_t how);

/* Release the handle (the connection is closed; queued outgoing bytes are
 * still flushed). Returns 0 or -EBADF. The number may be reused later. */
HOSTNET_V1_IMPORT("close")
int32_t hostnet_v1_close(int32_t h);

#undef HOSTNET_V1_IMPORT

#endif /* __wasm__ */

#ifdef __cplusplus
}
#endif

#endif /* HOSTNET_V1_H */
