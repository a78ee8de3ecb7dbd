/* POSIX transport: non-blocking sockets, poll, the monotonic clock (names
 * are resolved asynchronously by net/resolve_ares.c). Also the transport of
 * the WASI 0.2 component (hxc.component.wasm), where wasi-libc implements
 * these calls over wasi:sockets and its poll over the sockets' pollables;
 * there the runtime decides which addresses may be reached (net/resolve_gai.c
 * resolves names). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "net/net.h"

static socklen_t to_sockaddr(const struct hxc__addr *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a->family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)a->port);
        memcpy(&sin->sin_addr, a->bytes, 4);
        return sizeof *sin;
    }
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)a->port);
    memcpy(&sin6->sin6_addr, a->bytes, 16);
    return sizeof *sin6;
}

static const char *fmt_addr(const struct hxc__addr *a, char *buf, size_t n)
{
    if (a->family == AF_INET6)
        snprintf(buf, n, "[%s]:%u", a->text, a->port);
    else
        snprintf(buf, n, "%s:%u", a->text, a->port);
    return buf;
}

#if defined(__wasi__)
const char hxc__net_transport[] = "wasi:sockets (WASI 0.2)";
#else
const char hxc__net_transport[] = "POSIX sockets";
#endif

#if defined(__wasi__)
/* Under WASI, access denied means the runtime's network policy said no. */
static int refused_by_runtime(const struct hxc__addr *a, int e, hxc_error *err)
{
    char where[96];
    if (e != EACCES && e != EPERM)
        return 0;
    hxc__err(err, HXC_E_CONNECT, e,
             "connection to %s refused by the WebAssembly runtime's network policy (access "
             "denied; stock `wasmtime run` denies every address without -S inherit-network)",
             fmt_addr(a, where, sizeof where));
    return 1;
}
#else
static int refused_by_runtime(const struct hxc__addr *a, int e, hxc_error *err)
{
    (void)a;
    (void)e;
    (void)err;
    return 0;
}
#endif

int hxc__net_connect_start(const struct hxc__addr *a, hxc_error *err)
{
    char where[96];
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(a, &ss);
    int fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) {
        if (!refused_by_runtime(a, errno, err))
            hxc__err(err, HXC_E_CONNECT, errno, "could not create a socket for %s: %s",
                     fmt_addr(a, where, sizeof where), strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        if (!refused_by_runtime(a, e, err))
            hxc__err(err, HXC_E_CONNECT, e, "could not connect to %s: %s",
                     fmt_addr(a, where, sizeof where), strerror(e));
        return -1;
    }
    return fd;
}

hxc_status hxc__net_connect_finish(int fd, const struct hxc__addr *a, hxc_error *err)
{
    int e = 0;
    socklen_t l = sizeof e;
    char where[96];
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) != 0)
        e = errno;
    if (e == 0)
        return HXC_OK;
    if (refused_by_runtime(a, e, err))
        return HXC_E_CONNECT;
    return hxc__err(err, HXC_E_CONNECT, e, "could not connect to %s: %s",
                    fmt_addr(a, where, sizeof where), strerror(e));
}

ssize_t hxc__net_send(int fd, const void *buf, size_t len, int *errnum)
{
    for (;;) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return HXC_NET_AGAIN;
        *errnum = errno;
        return HXC_NET_ERROR;
    }
}

ssize_t hxc__net_recv(int fd, void *buf, size_t len, int *errnum)
{
    for (;;) {
        ssize_t n = recv(fd, buf, len, 0);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return HXC_NET_AGAIN;
        *errnum = errno;
        return HXC_NET_ERROR;
    }
}

void hxc__net_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

int hxc__net_wait(struct hxc__wait *w, size_t n, int64_t timeout_ms)
{
    struct pollfd pfd[64];
    if (n > 64)
        n = 64;
    for (size_t i = 0; i < n; i++) {
        pfd[i].fd = w[i].fd;
        pfd[i].events = (short)(((w[i].events & HXC_NET_IN) ? POLLIN : 0) |
                                ((w[i].events & HXC_NET_OUT) ? POLLOUT : 0));
        pfd[i].revents = 0;
    }
    int t = timeout_ms < 0 ? -1 : (timeout_ms > 0x7fffffff ? 0x7fffffff : (int)timeout_ms);
    int rc;
    do {
        rc = poll(pfd, (nfds_t)n, t);
    } while (rc < 0 && errno == EINTR);
    for (size_t i = 0; i < n; i++) {
        w[i].revents = 0;
        if (pfd[i].revents & POLLIN)
            w[i].revents |= HXC_NET_IN;
        if (pfd[i].revents & POLLOUT)
            w[i].revents |= HXC_NET_OUT;
        if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL))
            w[i].revents |= HXC_NET_ERR;
    }
    return rc;
}

int64_t hxc__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
