/*
 * What a client remembers about the TLS servers it talked to, per origin
 * ("https://host:port"): that a server answered TLS 1.2 to our TLS 1.3
 * ClientHello (so later connections go straight to TLS 1.2), the server's
 * TLS 1.3 session tickets (for PSK resumption) and its TLS 1.2 session (for
 * session-ID resumption). One per client:
 * a client's SSL settings are fixed, so its tickets fit every connection
 * it makes. Single-threaded like the rest of the core.
 */
#ifndef HXC_TLS_CACHE_H
#define HXC_TLS_CACHE_H

#include <bearssl.h>
#include <stdint.h>

#include "tls/tls13.h"
#include "x509/x509.h"

struct hxc__tls_cache;

struct hxc__tls_cache *hxc__tls_cache_new(void);
void hxc__tls_cache_free(struct hxc__tls_cache *c);

int hxc__tls_cache_tls12_only(const struct hxc__tls_cache *c, const char *origin);
void hxc__tls_cache_set_tls12_only(struct hxc__tls_cache *c, const char *origin);

/* Copies the ticket (memory permitting: a ticket that cannot be kept is
 * simply not kept). At most HXC__TLS_CACHE_TICKETS per origin, newest kept. */
#define HXC__TLS_CACHE_TICKETS 4
void hxc__tls_cache_put_ticket(struct hxc__tls_cache *c, const char *origin,
                               const struct hxc__tls13_ticket *t);
/* Takes the newest ticket still valid at now_ms out of the cache (tickets
 * are used once, RFC 8446 C.4). 1: *out filled (free with
 * hxc__tls13_ticket_clear), 0: none. */
int hxc__tls_cache_take_ticket(struct hxc__tls_cache *c, const char *origin, int64_t now_ms,
                               struct hxc__tls13_ticket *out);

/* The TLS 1.2 session (BearSSL's session parameters: ID, version, suite,
 * master secret) of the last full TLS 1.2 handshake with the origin, for
 * session-ID resumption (RFC 5246 7.3). One per origin; a session ID may
 * be offered by several connections at once. get: 1 when *out is filled. */
void hxc__tls_cache_put_session12(struct hxc__tls_cache *c, const char *origin,
                                  const br_ssl_session_parameters *p);
int hxc__tls_cache_get_session12(const struct hxc__tls_cache *c, const char *origin,
                                 br_ssl_session_parameters *out);

/* The server certificate's details from the last full handshake with the
 * origin, for connections that resume (they see no certificate). */
void hxc__tls_cache_put_summary(struct hxc__tls_cache *c, const char *origin,
                                const struct hxc__cert_summary *s);
int hxc__tls_cache_get_summary(const struct hxc__tls_cache *c, const char *origin,
                               struct hxc__cert_summary *out);

#endif
