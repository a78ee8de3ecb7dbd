/*
 * Asynchronous name resolution behind a small pollable interface, used by
 * the connector (net/connect.c). The native implementation is c-ares
 * (net/resolve_ares.c, the only file that includes ares.h); a WASI build
 * supplies its own (the host resolves names).
 *
 * One resolver resolves one host name for IPv6 (AAAA) and IPv4 (A) as two
 * independent lookups, so the connector can start on the first answers
 * (RFC 8305 section 3). Each family reports exactly once through the
 * callback, possibly from inside hxc__resolver_new (hosts file answers) or
 * hxc__resolver_step; never after hxc__resolver_free.
 */
#ifndef HXC_NET_RESOLVE_H
#define HXC_NET_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "hxc.h"
#include "net/net.h"

struct hxc__resolver;

/* family: AF_INET6 or AF_INET. status 0 with n >= 1 addresses, or status
 * != 0 (the resolver's own code, kept as error detail) with why naming the
 * cause in words ("Domain name not found"); nodata is 1 when the name
 * exists but has no address of this family (a weaker cause than a timeout
 * or an unreachable server when choosing which failure to report). */
typedef void (*hxc__resolved_fn)(void *user, int family, const struct hxc__addr *addrs,
                                 size_t n, long status, const char *why, int nodata);

/* Starts both lookups. NULL + err (HXC_E_DNS or HXC_E_NOMEM) only when the
 * resolver itself cannot be set up. */
struct hxc__resolver *hxc__resolver_new(const char *host, unsigned port, hxc__resolved_fn fn,
                                        void *user, hxc_error *err);
void hxc__resolver_free(struct hxc__resolver *r);

/* The resolver's sockets (events set), at most max. */
size_t hxc__resolver_fds(struct hxc__resolver *r, struct hxc__wait *w, size_t max);
/* Monotonic ms of the resolver's next retry/timeout, or -1. */
int64_t hxc__resolver_deadline(const struct hxc__resolver *r, int64_t now);
/* Processes readiness of its own sockets in w (others ignored) and due
 * timers; may call the callback. */
void hxc__resolver_step(struct hxc__resolver *r, const struct hxc__wait *w, size_t n);

#endif
