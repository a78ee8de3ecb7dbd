/*
 * One connection to an origin: a socket, optionally a TLS engine, and the
 * protocol engine chosen by ALPN (h2 or HTTP/1.1). The connection does no
 * blocking: hxc__conn_pump moves every byte it can and returns; the caller
 * waits on hxc__conn_fds() together with every other connection and
 * enforces deadlines.
 */
#ifndef HXC_POOL_CONN_H
#define HXC_POOL_CONN_H

#include <stdint.h>

#include "base/proto.h"
#include "net/net.h"
#include "tls/tls.h"

struct hxc__conn;

struct hxc__conn_params {
    int tls;                              /* https */
    const char *host;                     /* URL host (verified name, SNI) */
    const char *connect_host;             /* where to connect (after --connect-to) */
    unsigned connect_port;
    const char *origin_key;               /* "https://host:port" for pooling */
    const struct hxc__addr *addrs;        /* fixed addresses (--resolve), or none: DNS */
    size_t naddrs;
    const struct hxc__tls_config *tlscfg; /* linked, https only */
    int h2_prior_knowledge;               /* http: speak h2c without negotiation */
    const struct hxc__msg_events *events; /* linked */
    size_t max_header_bytes;              /* response head limit (0 = 65536) */
    hxc_debug_fn debug;                   /* linked, may be NULL */
    void *debug_user;
};

/* Starts connecting to the first address. NULL + err when no socket could
 * even be started. */
struct hxc__conn *hxc__conn_new(const struct hxc__conn_params *p, hxc_error *err);
/* Sends close_notify / GOAWAY best-effort and frees everything. Requests
 * still in flight are NOT completed (fail them first with hxc__conn_fail). */
void hxc__conn_free(struct hxc__conn *c);

/* Queues a request; it is written once the connection is ready. Its events
 * go to req->user. Completes through on_complete exactly once, also when
 * the connection fails before it was sent. */
hxc_status hxc__conn_submit(struct hxc__conn *c, const struct hxc__req_desc *req, int is_head,
                            hxc_error *err);

/* Moves bytes without blocking. w/n: the result of the last wait (may be
 * NULL/0), used while connecting. Returns HXC_OK while the connection is
 * alive; otherwise the connection is dead, every request on it has been
 * completed with the error, and err says why. */
hxc_status hxc__conn_pump(struct hxc__conn *c, const struct hxc__wait *w, size_t n,
                          hxc_error *err);

/* Fails every request on the connection with err and marks it dead. */
void hxc__conn_fail(struct hxc__conn *c, const hxc_error *err);

/* Sockets to wait on (events set); how many were written. */
size_t hxc__conn_fds(const struct hxc__conn *c, struct hxc__wait *w, size_t max);
/* The connector's next timer while connecting, else -1. */
int64_t hxc__conn_deadline(const struct hxc__conn *c);

/* Multiplexing. */
int hxc__conn_is_h2(const struct hxc__conn *c);
int hxc__conn_active(const struct hxc__conn *c);   /* requests queued or in flight */
int hxc__conn_capacity(const struct hxc__conn *c); /* how many it may carry at once now */
void hxc__conn_cancel(struct hxc__conn *c, void *user); /* completes with HXC_E_CANCELLED */
void hxc__conn_resume(struct hxc__conn *c, void *user);
int32_t hxc__conn_stream_id(const struct hxc__conn *c, void *user);
/* Stops (1) or resumes (0) reading from the socket: backpressure for a
 * pull-style reader that is behind on HTTP/1.1 (the only request on it). */
void hxc__conn_pause_reading(struct hxc__conn *c, int paused);
/* HTTP/2: only that stream waits for its reader (hxc__h2_hold / _consumed);
 * no-ops on HTTP/1.1. */
void hxc__conn_hold_stream(struct hxc__conn *c, void *user, int hold);
void hxc__conn_stream_consumed(struct hxc__conn *c, void *user, size_t n);
int64_t hxc__conn_created(const struct hxc__conn *c);

int hxc__conn_ready(const struct hxc__conn *c);     /* connected, handshake done: h1 or h2 decided */
int hxc__conn_dead(const struct hxc__conn *c);
int hxc__conn_idle(const struct hxc__conn *c);      /* no request in flight */
int hxc__conn_reusable(const struct hxc__conn *c);  /* alive, can take another request */
int64_t hxc__conn_last_tx(const struct hxc__conn *c);
int hxc__conn_has_output(const struct hxc__conn *c); /* bytes waiting to be sent */
struct hxc__tls *hxc__conn_tls(const struct hxc__conn *c);

#endif
