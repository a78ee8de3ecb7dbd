/*
 * Name resolution with the C library's getaddrinfo, for the WASI 0.2
 * component (hxc.component.wasm): wasi-libc implements getaddrinfo over
 * wasi:sockets/ip-name-lookup, so the runtime resolves the name and its
 * policy sees it. The lookup blocks inside hxc__resolver_new (one call
 * answers both families; the runtime's resolver has its own timeout) and
 * both families are reported from there, which net/resolve.h allows.
 * wasi-libc's getaddrinfo ignores the service argument: the port is set
 * here.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/err.h"
#include "net/resolve.h"

struct hxc__resolver {
    int unused;
};

/* The addresses of one family, in the resolver's order, without repeats. */
static size_t collect(const struct addrinfo *res, int family, unsigned port,
                      struct hxc__addr *out, size_t max)
{
    size_t n = 0;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if (ai->ai_family == family)
            hxc__net_addr_append(out, &n, max, ai->ai_addr, port);
    return n;
}

static void report(hxc__resolved_fn fn, void *user, const struct addrinfo *res, int rc,
                   int family, unsigned port)
{
    struct hxc__addr addrs[HXC_NET_MAX_ADDRS];
    size_t n = rc == 0 ? collect(res, family, port, addrs, HXC_NET_MAX_ADDRS) : 0;
    if (n > 0)
        fn(user, family, addrs, n, 0, "", 0);
    else if (rc == 0) /* the name has addresses, none of this family */
        fn(user, family, addrs, 0, EAI_NONAME, "no address of this family", 1);
    else if (rc == EAI_FAIL) /* wasmtime's answer when name lookups are not allowed */
        fn(user, family, addrs, 0, rc,
           "the runtime refused or failed the lookup (wasmtime: -S allow-ip-name-lookup)", 0);
    else
        fn(user, family, addrs, 0, rc, gai_strerror(rc), 0);
}

struct hxc__resolver *hxc__resolver_new(const char *host, unsigned port, hxc__resolved_fn fn,
                                        void *user, hxc_error *err)
{
    struct hxc__resolver *r = calloc(1, sizeof *r);
    if (r == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory starting to resolve '%s'", host);
        return NULL;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    report(fn, user, res, rc, AF_INET6, port);
    report(fn, user, res, rc, AF_INET, port);
    if (res)
        freeaddrinfo(res);
    return r;
}

void hxc__resolver_free(struct hxc__resolver *r)
{
    free(r);
}

size_t hxc__resolver_fds(struct hxc__resolver *r, struct hxc__wait *w, size_t max)
{
    (void)r;
    (void)w;
    (void)max;
    return 0;
}

int64_t hxc__resolver_deadline(const struct hxc__resolver *r, int64_t now)
{
    (void)r;
    (void)now;
    return -1;
}

void hxc__resolver_step(struct hxc__resolver *r, const struct hxc__wait *w, size_t n)
{
    (void)r;
    (void)w;
    (void)n;
}
