/*
 * WASI transport: sockets are the host's, reached through the hostnet_v1
 * imports (wasm/hostnet_v1.h, the header documented in wasm/README.md);
 * time is the WASI monotonic clock. Name resolution happens in the host
 * (connect takes the name); net/hostnet_connect.c is the connector.
 * Compiled only for WASI (the native build has net/posix.c).
 */
#if defined(__wasi__)

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "hostnet_v1.h" /* wasm/hostnet_v1.h: the documented ABI */
#include "net/net.h"

#define MAX_POLL 64

const char hxc__net_transport[] = "hostnet_v1 (the host's sockets)";

/* The ABI's errno numbers are WASI preview1's, which are wasi-libc's E*
 * values: a host result -r can be stored in errno and named by strerror(). */
_Static_assert(HOSTNET_EAGAIN == EAGAIN && HOSTNET_EACCES == EACCES && HOSTNET_ENOENT == ENOENT &&
                   HOSTNET_ENOBUFS == ENOBUFS && HOSTNET_EINPROGRESS == EINPROGRESS &&
                   HOSTNET_ECONNREFUSED == ECONNREFUSED && HOSTNET_EBADF == EBADF,
               "hostnet_v1 errno numbers are wasi-libc's");

static int32_t clamp_len(size_t len)
{
    return len > INT32_MAX ? INT32_MAX : (int32_t)len;
}

/* Host results: n >= 0, or -errno. */
static ssize_t io_result(int32_t r, int *errnum)
{
    if (r >= 0)
        return r;
    if (r == -HOSTNET_EAGAIN)
        return HXC_NET_AGAIN;
    *errnum = -r;
    return HXC_NET_ERROR;
}

ssize_t hxc__net_send(int fd, const void *buf, size_t len, int *errnum)
{
    return io_result(hostnet_v1_send(fd, buf, clamp_len(len)), errnum);
}

ssize_t hxc__net_recv(int fd, void *buf, size_t len, int *errnum)
{
    return io_result(hostnet_v1_recv(fd, buf, clamp_len(len)), errnum);
}

void hxc__net_close(int fd)
{
    if (fd > 0) /* host handles are positive */
        (void)hostnet_v1_close(fd);
}

static int16_t to_host_events(unsigned events)
{
    int16_t e = 0;
    if (events & HXC_NET_IN)
        e |= HOSTNET_POLLIN;
    if (events & HXC_NET_OUT)
        e |= HOSTNET_POLLOUT;
    return e;
}

static unsigned from_host_events(int16_t revents)
{
    unsigned r = 0;
    if (revents & HOSTNET_POLLIN)
        r |= HXC_NET_IN;
    if (revents & HOSTNET_POLLOUT)
        r |= HXC_NET_OUT;
    if (revents & (HOSTNET_POLLERR | HOSTNET_POLLHUP | HOSTNET_POLLNVAL))
        r |= HXC_NET_ERR;
    return r;
}

/* The only blocking call: the host's poll, also with no handles (a sleep
 * the host can see and cut short). */
int hxc__net_wait(struct hxc__wait *w, size_t n, int64_t timeout_ms)
{
    struct hostnet_pollfd pfd[MAX_POLL];
    if (n > MAX_POLL)
        n = MAX_POLL;
    for (size_t i = 0; i < n; i++) {
        pfd[i].fd = w[i].fd;
        pfd[i].events = to_host_events(w[i].events);
        pfd[i].revents = 0;
        w[i].revents = 0;
    }
    int32_t t = timeout_ms < 0 ? -1 : (timeout_ms > INT32_MAX ? INT32_MAX : (int32_t)timeout_ms);
    int32_t rc = hostnet_v1_poll(pfd, (int32_t)n, t);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        w[i].revents = from_host_events(pfd[i].revents);
    return rc;
}

int64_t hxc__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif /* __wasi__ */
