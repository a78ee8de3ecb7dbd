/*
 * Transports and platform services behind one small interface: non-blocking
 * TCP sockets, waiting on several sockets, the monotonic clock (name
 * resolution: net/connect.h). Knows nothing of TLS or HTTP.
 */
#ifndef HXC_NET_NET_H
#define HXC_NET_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hxc.h"

#define HXC_NET_MAX_ADDRS 16

struct hxc__addr {
    int family;                 /* AF_INET / AF_INET6 */
    unsigned char bytes[16];
    unsigned port;
    char text[64];              /* "127.0.0.1" / "::1" */
};

/* Parses an IP literal (IPv6 may be bracketed). 0 on success. */
int hxc__net_parse_ip(const char *text, unsigned port, struct hxc__addr *out);

struct sockaddr;
/* Appends a resolver's answer sa (AF_INET or AF_INET6; others ignored) with
 * port to out[0..*n), unless full or already listed; *n counts them. */
void hxc__net_addr_append(struct hxc__addr *out, size_t *n, size_t max,
                          const struct sockaddr *sa, unsigned port);

/* Starts a non-blocking connect. Returns the socket (>= 0) or -1 with err. */
int hxc__net_connect_start(const struct hxc__addr *a, hxc_error *err);
/* After the socket became writable: HXC_OK or the connect error. */
hxc_status hxc__net_connect_finish(int fd, const struct hxc__addr *a, hxc_error *err);

/* Non-blocking I/O: n > 0 bytes; 0 only from recv (EOF); HXC_NET_AGAIN
 * when it would block; HXC_NET_ERROR with errno kept in *errnum. */
#define HXC_NET_AGAIN (-1)
#define HXC_NET_ERROR (-2)
ssize_t hxc__net_send(int fd, const void *buf, size_t len, int *errnum);
ssize_t hxc__net_recv(int fd, void *buf, size_t len, int *errnum);
void hxc__net_close(int fd);

/* Waits for one of the sockets. events/revents use HXC_NET_IN/OUT. */
#define HXC_NET_IN 1
#define HXC_NET_OUT 2
#define HXC_NET_ERR 4
struct hxc__wait {
    int fd;
    unsigned events;
    unsigned revents;
};
/* timeout_ms < 0: no timeout. Returns the number ready, 0 on timeout, -1 on error. */
int hxc__net_wait(struct hxc__wait *w, size_t n, int64_t timeout_ms);

/* The earlier of two deadlines, where -1 means none. */
static inline int64_t hxc__earliest(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

/* Which transport this build has, for hxc -V. */
extern const char hxc__net_transport[];

/* Monotonic milliseconds. */
int64_t hxc__now_ms(void);

#endif
