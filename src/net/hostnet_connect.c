/*
 * The connector of the WASI build (net/connect.h) over the host's
 * hostnet_v1 imports. The host resolves names and chooses addresses, so a
 * host name is one attempt: connect(name, port), then wait for POLLOUT and
 * read the outcome with status(). Fixed addresses (--resolve, IP literals)
 * are passed to the host as address text and tried one after another.
 * The host's policy answers -EACCES, -ENOENT or -ENOBUFS; each becomes an
 * error in words naming the host and port.
 * Compiled only for WASI (the native build has net/connect.c).
 */
#if defined(__wasi__)

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/err.h"
#include "net/connect.h"
#include "net/outcome.h"
#include "hostnet_v1.h" /* wasm/hostnet_v1.h: the documented ABI */


struct hxc__connector {
    char host[256];
    unsigned port;
    struct hxc__outcome out;
    hxc_debug_fn debug;
    void *debug_user;
    struct hxc__addr fixed[HXC_NET_MAX_ADDRS];
    size_t nfixed, next;   /* fixed addresses, next to try */
    int by_name;           /* one attempt with the host name */
    int h;                 /* the attempt in flight (host handle), or -1 */
    char target[256];      /* what the attempt passed to connect */
    struct hxc__addr addr; /* the attempt's address (family 0 for a name) */
    int64_t t0;
    size_t nfailed;
    hxc_error last;
    char all[256]; /* every connect error, "; "-joined while it fits */
    int all_overflow;
};

/* "host:port", bracketing IPv6 literals. */
static const char *fmt_target(const char *host, unsigned port, char *buf, size_t n)
{
    snprintf(buf, n, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
    return buf;
}

/* One hostnet error (-errno) in words. */
static void connect_error(hxc_error *e, const char *host, unsigned port, int32_t rc)
{
    char where[300];
    int errnum = -rc;
    fmt_target(host, port, where, sizeof where);
    switch (errnum) {
    case HOSTNET_EACCES:
        hxc__err(e, HXC_E_CONNECT, errnum, "connection to %s refused by the host's policy", where);
        break;
    case HOSTNET_ENOENT:
        hxc__err(e, HXC_E_DNS, errnum, "could not resolve host '%s' (the host could not resolve it)",
                 host);
        break;
    case HOSTNET_ENOBUFS:
        hxc__err(e, HXC_E_CONNECT, errnum, "connection to %s refused: host quota exceeded", where);
        break;
    case HOSTNET_ECONNREFUSED:
        hxc__err(e, HXC_E_CONNECT, errnum, "could not connect to %s: connection refused", where);
        break;
    default:
        hxc__err(e, HXC_E_CONNECT, errnum, "could not connect to %s: %s", where, strerror(errnum));
        break;
    }
}

static void record_failure(struct hxc__connector *c, const hxc_error *e)
{
    c->last = *e;
    c->nfailed++;
    hxc__debugf(c->debug, c->debug_user, HXC_DEBUG_INFO, "%s", e->message);
    size_t used = strlen(c->all);
    int k = snprintf(c->all + used, sizeof c->all - used, "%s%s", used ? "; " : "", e->message);
    if (k < 0 || (size_t)k >= sizeof c->all - used) {
        c->all_overflow = 1;
        c->all[used] = '\0';
    }
}

static void fail(struct hxc__connector *c)
{
    /* a policy refusal, a DNS failure or a quota says it all; several
     * ordinary connect failures are listed together */
    if (c->nfailed > 1 && !c->all_overflow && c->last.code == HXC_E_CONNECT &&
        c->last.detail != HOSTNET_EACCES && c->last.detail != HOSTNET_ENOBUFS)
        hxc__err(&c->out.result, HXC_E_CONNECT, c->last.detail, "%s", c->all);
    else
        c->out.result = c->last;
    c->out.state = FAILED;
}

/* Picks the next target: the name once, or the next fixed address. */
static int next_target(struct hxc__connector *c)
{
    if (c->by_name) {
        if (c->next > 0)
            return 0;
        c->next = 1;
        memset(&c->addr, 0, sizeof c->addr);
        c->addr.port = c->port;
        snprintf(c->addr.text, sizeof c->addr.text, "%s", c->host);
        snprintf(c->target, sizeof c->target, "%s", c->host);
        return 1;
    }
    if (c->next >= c->nfixed)
        return 0;
    c->addr = c->fixed[c->next++];
    if (c->addr.port == 0)
        c->addr.port = c->port;
    snprintf(c->target, sizeof c->target, "%s", c->addr.text);
    return 1;
}

/* Starts attempts until one is in flight or none is left (then FAILED). */
static void start_next(struct hxc__connector *c)
{
    char where[300];
    while (c->h < 0 && c->out.state == CONNECTING) {
        if (!next_target(c)) {
            fail(c);
            return;
        }
        hxc__debugf(c->debug, c->debug_user, HXC_DEBUG_INFO, "Trying %s (through the host)...",
                    fmt_target(c->target, c->addr.port, where, sizeof where));
        int32_t h = hostnet_v1_connect(c->target, (int32_t)strlen(c->target),
                                         (int32_t)c->addr.port, 0);
        if (h > 0) {
            c->h = h;
            return;
        }
        hxc_error e;
        memset(&e, 0, sizeof e);
        connect_error(&e, c->target, c->addr.port, h == 0 ? -HOSTNET_EBADF : h);
        record_failure(c, &e);
    }
}

static void win(struct hxc__connector *c, int64_t now)
{
    char where[300];
    c->out.fd = c->h;
    c->h = -1;
    c->out.peer = c->addr;
    c->out.state = WON;
    hxc__debugf(c->debug, c->debug_user, HXC_DEBUG_INFO, "Connected to %s (%s) after %lld ms",
                c->host, fmt_target(c->target, c->addr.port, where, sizeof where),
                (long long)(now - c->t0));
}

/* The attempt's handle became ready (or failed): ask the host. */
static void check_attempt(struct hxc__connector *c, int64_t now)
{
    int32_t st = hostnet_v1_status(c->h);
    if (st == -HOSTNET_EINPROGRESS)
        return;
    if (st == 0) {
        win(c, now);
        return;
    }
    hxc_error e;
    memset(&e, 0, sizeof e);
    connect_error(&e, c->target, c->addr.port, st);
    record_failure(c, &e);
    (void)hostnet_v1_close(c->h);
    c->h = -1;
    start_next(c);
}

struct hxc__connector *hxc__connector_new(const char *host, unsigned port,
                                          const struct hxc__addr *fixed, size_t nfixed,
                                          hxc_debug_fn debug, void *debug_user,
                                          hxc_error *err)
{
    struct hxc__connector *c = calloc(1, sizeof *c);
    if (c == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory connecting to '%s'", host);
        return NULL;
    }
    snprintf(c->host, sizeof c->host, "%s", host);
    c->port = port;
    c->debug = debug;
    c->debug_user = debug_user;
    c->h = -1;
    c->out.fd = -1;
    c->t0 = hxc__now_ms();
    if (nfixed > HXC_NET_MAX_ADDRS)
        nfixed = HXC_NET_MAX_ADDRS;
    if (nfixed > 0)
        memcpy(c->fixed, fixed, nfixed * sizeof *fixed);
    c->nfixed = nfixed;
    c->by_name = nfixed == 0;
    start_next(c);
    return c;
}

void hxc__connector_free(struct hxc__connector *c)
{
    if (c == NULL)
        return;
    if (c->h > 0)
        (void)hostnet_v1_close(c->h);
    hxc__net_close(c->out.fd);
    free(c);
}

size_t hxc__connector_fds(struct hxc__connector *c, struct hxc__wait *w, size_t max)
{
    if (c->out.state != CONNECTING || c->h < 0 || max == 0)
        return 0;
    w[0].fd = c->h;
    w[0].events = HXC_NET_OUT;
    w[0].revents = 0;
    return 1;
}

int64_t hxc__connector_deadline(const struct hxc__connector *c)
{
    if ((c->out.state == WON || c->out.state == FAILED) && !c->out.reported)
        return c->t0; /* an outcome (e.g. from _new) waits for step: now */
    return -1;        /* connect timeouts belong to the caller */
}

int hxc__connector_step(struct hxc__connector *c, const struct hxc__wait *w, size_t n,
                        int64_t now, hxc_error *err)
{
    for (size_t k = 0; k < n && c->out.state == CONNECTING && c->h > 0; k++)
        if (w[k].fd == c->h && w[k].revents != 0)
            check_attempt(c, now);
    return hxc__outcome_report(&c->out, err);
}

int hxc__connector_take(struct hxc__connector *c, struct hxc__addr *peer)
{
    return hxc__outcome_take(&c->out, peer);
}

#endif /* __wasi__ */
