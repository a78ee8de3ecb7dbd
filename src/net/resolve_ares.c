/*
 * Native asynchronous name resolution with c-ares: one channel per
 * resolver, two ares_getaddrinfo lookups (AF_INET6 and AF_INET) so the
 * IPv6 answers can be used before the IPv4 ones arrive. The hosts file is
 * consulted first (c-ares' default lookup order "fb").
 *
 * "localhost" and names under ".localhost" are answered here, without
 * c-ares, with ::1 and 127.0.0.1 (RFC 6761 section 6.3, as curl does): a
 * hosts file listing localhost only as 127.0.0.1 would otherwise give no
 * IPv6 answer from the files, and c-ares 1.18's own loopback fallback for
 * that case leaks the name string (ares__addrinfo_localhost overwrites
 * ai->name set by the hosts file reader).
 *
 * Retries are capped so a dead or unreachable DNS server fails a lookup in
 * about three seconds per configured server: 1000 ms for the first try,
 * doubled for the second (c-ares doubles the timeout on each round), two
 * tries.
 */
#include <arpa/inet.h>
#include <ares.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "base/err.h"
#include "net/resolve.h"

#define DNS_TIMEOUT_MS 1000
#define DNS_TRIES 2

struct lookup {
    struct hxc__resolver *r;
    int family;
    int done;
};

struct hxc__resolver {
    ares_channel ch;
    unsigned port;
    hxc__resolved_fn fn;
    void *user;
    int destroying;
    struct lookup q6, q4;
};

static int library_ready;

/* ares.h's ARES_GETSOCK_WRITABLE shifts a signed 1 into the sign bit for
 * the 16th socket (undefined behaviour): test the bits unsigned. */
static unsigned sock_events(int bits, int i)
{
    unsigned b = (unsigned)bits;
    unsigned in = (b >> i) & 1u, out = (b >> (i + ARES_GETSOCK_MAXNUM)) & 1u;
    return (in ? HXC_NET_IN : 0u) | (out ? HXC_NET_OUT : 0u);
}

static int library_init(hxc_error *err)
{
    if (library_ready)
        return 0;
    int rc = ares_library_init(ARES_LIB_INIT_ALL);
    if (rc != ARES_SUCCESS) {
        hxc__err(err, HXC_E_DNS, rc, "could not initialise the c-ares resolver library: %s",
                 ares_strerror(rc));
        return -1;
    }
    library_ready = 1;
    return 0;
}

static size_t collect(const struct ares_addrinfo *res, int family, unsigned port,
                      struct hxc__addr *out, size_t max)
{
    size_t n = 0;
    for (const struct ares_addrinfo_node *ai = res ? res->nodes : NULL; ai; ai = ai->ai_next)
        if (ai->ai_family == family)
            hxc__net_addr_append(out, &n, max, ai->ai_addr, port);
    return n;
}

static void on_answer(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    (void)timeouts;
    struct lookup *q = arg;
    struct hxc__resolver *r = q->r;
    struct hxc__addr addrs[HXC_NET_MAX_ADDRS];
    size_t n = status == ARES_SUCCESS ? collect(res, q->family, r->port, addrs,
                                                HXC_NET_MAX_ADDRS)
                                      : 0;
    if (res)
        ares_freeaddrinfo(res);
    q->done = 1;
    if (r->destroying)
        return;
    if (status == ARES_SUCCESS && n == 0)
        status = ARES_ENODATA;
    r->fn(r->user, q->family, addrs, n, status, status == ARES_SUCCESS ? "" : ares_strerror(status),
          status == ARES_ENODATA);
}

static int is_localhost(const char *host)
{
    static const char name[] = "localhost";
    size_t n = strlen(host), k = sizeof name - 1;
    if (n > 0 && host[n - 1] == '.')
        n--; /* "localhost." */
    if (n < k || strncasecmp(host + n - k, name, k) != 0)
        return 0;
    return n == k || host[n - k - 1] == '.';
}

static void answer_loopback(struct hxc__resolver *r)
{
    struct hxc__addr a;
    r->q6.done = r->q4.done = 1;
    hxc__net_parse_ip("::1", r->port, &a);
    r->fn(r->user, AF_INET6, &a, 1, 0, "", 0);
    hxc__net_parse_ip("127.0.0.1", r->port, &a);
    r->fn(r->user, AF_INET, &a, 1, 0, "", 0);
}

static void start_lookup(struct hxc__resolver *r, struct lookup *q, const char *host, int family)
{
    struct ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    q->r = r;
    q->family = family;
    ares_getaddrinfo(r->ch, host, NULL, &hints, on_answer, q);
}

struct hxc__resolver *hxc__resolver_new(const char *host, unsigned port, hxc__resolved_fn fn,
                                        void *user, hxc_error *err)
{
    if (library_init(err) != 0)
        return NULL;
    struct hxc__resolver *r = calloc(1, sizeof *r);
    if (r == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory starting to resolve '%s'", host);
        return NULL;
    }
    r->port = port;
    r->fn = fn;
    r->user = user;
    if (is_localhost(host)) {
        answer_loopback(r);
        return r;
    }
    struct ares_options o;
    memset(&o, 0, sizeof o);
    o.timeout = DNS_TIMEOUT_MS;
    o.tries = DNS_TRIES;
    int rc = ares_init_options(&r->ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
    if (rc != ARES_SUCCESS) {
        free(r);
        hxc__err(err, rc == ARES_ENOMEM ? HXC_E_NOMEM : HXC_E_DNS, rc,
                 "could not resolve host '%s': c-ares resolver setup failed: %s", host,
                 ares_strerror(rc));
        return NULL;
    }
    start_lookup(r, &r->q6, host, AF_INET6);
    start_lookup(r, &r->q4, host, AF_INET);
    return r;
}

void hxc__resolver_free(struct hxc__resolver *r)
{
    if (r == NULL)
        return;
    r->destroying = 1;
    if (r->ch)
        ares_destroy(r->ch); /* pending lookups end with ARES_EDESTRUCTION */
    free(r);
}

size_t hxc__resolver_fds(struct hxc__resolver *r, struct hxc__wait *w, size_t max)
{
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    if (r->q6.done && r->q4.done)
        return 0;
    int bits = ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
    size_t n = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM && n < max; i++) {
        unsigned ev = sock_events(bits, i);
        if (ev == 0)
            continue;
        w[n].fd = socks[i];
        w[n].events = ev;
        w[n].revents = 0;
        n++;
    }
    return n;
}

int64_t hxc__resolver_deadline(const struct hxc__resolver *r, int64_t now)
{
    struct timeval tv;
    if (r->q6.done && r->q4.done)
        return -1;
    if (ares_timeout(r->ch, NULL, &tv) == NULL)
        return -1;
    /* round up so the loop does not wake a millisecond early and spin */
    return now + (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
}

void hxc__resolver_step(struct hxc__resolver *r, const struct hxc__wait *w, size_t n)
{
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    if (r->q6.done && r->q4.done)
        return;
    int bits = ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
    for (size_t k = 0; k < n; k++) {
        if (w[k].revents == 0)
            continue;
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
            if (sock_events(bits, i) == 0 || socks[i] != w[k].fd)
                continue;
            ares_socket_t rd = (w[k].revents & (HXC_NET_IN | HXC_NET_ERR)) ? w[k].fd
                                                                          : ARES_SOCKET_BAD;
            ares_socket_t wr = (w[k].revents & HXC_NET_OUT) ? w[k].fd : ARES_SOCKET_BAD;
            ares_process_fd(r->ch, rd, wr);
            break;
        }
    }
    /* timeouts and retries */
    ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}
