/*
 * Non-blocking connection establishment: asynchronous name resolution
 * (c-ares natively; the WASI build's host resolves names instead) and
 * Happy Eyeballs v2 (RFC 8305): IPv6 first, the next address family after
 * a 250 ms head start (or immediately when an attempt fails), further
 * attempts staggered, the first to complete wins and the others are closed.
 * Driven by the client's loop like any other pollable object.
 */
#ifndef HXC_NET_CONNECT_H
#define HXC_NET_CONNECT_H

#include <stdint.h>

#include "hxc.h"
#include "net/net.h"

struct hxc__connector;

#define HXC_CONNECTOR_MAX_FDS 16

/* Starts resolving host (unless fixed addresses are given, e.g. from
 * --resolve or an IP literal: then connects right away). NULL + err only
 * for immediate failures (out of memory, c-ares init). */
struct hxc__connector *hxc__connector_new(const char *host, unsigned port,
                                          const struct hxc__addr *fixed, size_t nfixed,
                                          hxc_debug_fn debug, void *debug_user,
                                          hxc_error *err);
void hxc__connector_free(struct hxc__connector *c);

/* Sockets to wait on now (DNS sockets and connection attempts), written to
 * w (at most max entries, events set); returns how many. */
size_t hxc__connector_fds(struct hxc__connector *c, struct hxc__wait *w, size_t max);
/* Monotonic ms of the connector's next timer (DNS retry, next attempt), or -1. */
int64_t hxc__connector_deadline(const struct hxc__connector *c);

/* Processes readiness (w/n as returned by the wait; entries for other
 * sockets are ignored) and due timers. Returns 0 while in progress, 1 when
 * a connection is established, -1 when every address failed (err: the
 * DNS error "could not resolve host 'x': ..." HXC_E_DNS, or the last
 * connect error HXC_E_CONNECT naming the address). */
int hxc__connector_step(struct hxc__connector *c, const struct hxc__wait *w, size_t n,
                        int64_t now, hxc_error *err);
/* After step returned 1: the connected non-blocking socket (ownership
 * passes to the caller) and its peer address. */
int hxc__connector_take(struct hxc__connector *c, struct hxc__addr *peer);

#endif
