/* A connection: socket -> (TLS) -> h1 or h2 engine, pumped without blocking. */
#include "pool/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/err.h"
#include "h1/h1.h"
#include "h2/h2.h"
#include "net/connect.h"

#define MAX_PENDING 64

enum conn_state { ST_CONNECTING, ST_HANDSHAKE, ST_READY, ST_DEAD };

struct pending {
    const struct hxc__req_desc *req; /* linked until submitted to the engine */
    int is_head;
};

/* Small TLS records (a handshake flight: ClientKeyExchange, ChangeCipherSpec,
 * Finished; HTTP/2 control frames and request headers) are gathered and
 * written with one send. BearSSL hands out one record at a time, and where
 * TCP_NODELAY cannot be set (wasi:sockets 0.2 has no such option) a second
 * small segment would wait for the ACK of the first, which the server delays
 * by ~40 ms: Nagle's algorithm meeting delayed ACKs. Natively it saves
 * syscalls. Records larger than GATHER_MAX are written straight from
 * BearSSL's buffer (bulk data is not copied). */
#define GATHER_BYTES 4096
#define GATHER_MAX 2048

struct hxc__conn {
    enum conn_state state;
    int fd;
    int tls_on;
    int h2_prior_knowledge;
    char host[256];
    char origin[300];
    struct hxc__connector *connector; /* while connecting */
    struct hxc__addr peer;
    const struct hxc__tls_config *tlscfg;
    struct hxc__tls *tls;
    int tls_fallback;            /* reconnected with TLS 1.2 after a TLS 1.2 answer */
    int version;                 /* 11 or 20 */
    struct hxc__h1 *h1;
    struct hxc__h2 *h2;
    const struct hxc__msg_events *ev;
    size_t max_header_bytes;
    struct pending pending[MAX_PENDING];
    size_t npending;
    hxc_debug_fn debug;
    void *debug_user;
    int64_t created, last_rx, last_tx;
    int want_out;
    int read_paused;             /* a reader is behind: stop reading the socket */
    uint8_t rbuf[16384];         /* plaintext HTTP receive buffer */
    size_t wlen;                 /* small TLS records gathered in wbuf, not sent yet */
    uint8_t wbuf[GATHER_BYTES];
};

static unsigned wants(const struct hxc__conn *c);

#define dbg(c, kind, ...) hxc__debugf((c)->debug, (c)->debug_user, kind, __VA_ARGS__)

struct hxc__conn *hxc__conn_new(const struct hxc__conn_params *p, hxc_error *err)
{
    struct hxc__conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating a connection");
        return NULL;
    }
    c->fd = -1;
    c->tls_on = p->tls;
    c->h2_prior_knowledge = p->h2_prior_knowledge;
    snprintf(c->host, sizeof c->host, "%s", p->host);
    snprintf(c->origin, sizeof c->origin, "%s", p->origin_key);
    c->tlscfg = p->tlscfg;
    c->ev = p->events;
    c->max_header_bytes = p->max_header_bytes;
    c->debug = p->debug;
    c->debug_user = p->debug_user;
    c->state = ST_CONNECTING;
    c->created = c->last_rx = c->last_tx = hxc__now_ms();
    c->connector = hxc__connector_new(p->connect_host, p->connect_port, p->addrs, p->naddrs,
                                      p->debug, p->debug_user, err);
    if (c->connector == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

/* Sends what wbuf holds: 1 when something went out, 0 when the socket is
 * full (want_out set), -1 on error (errnum). */
static int send_gathered(struct hxc__conn *c, int *errnum)
{
    ssize_t w = hxc__net_send(c->fd, c->wbuf, c->wlen, errnum);
    if (w == HXC_NET_ERROR)
        return -1;
    if (w <= 0) {
        c->want_out = 1;
        return 0;
    }
    c->wlen -= (size_t)w;
    memmove(c->wbuf, c->wbuf + w, c->wlen);
    c->last_tx = hxc__now_ms();
    if (c->wlen > 0)
        c->want_out = 1;
    return 1;
}

void hxc__conn_free(struct hxc__conn *c)
{
    if (c == NULL)
        return;
    if (c->state == ST_READY && c->fd >= 0) {
        /* best effort, non-blocking: GOAWAY then close_notify */
        if (c->h2) {
            hxc__h2_shutdown(c->h2);
            hxc_error e;
            hxc__conn_pump(c, NULL, 0, &e);
        }
        if (c->tls && c->state == ST_READY) {
            hxc__tls_close(c->tls);
            size_t len;
            uint8_t *out = hxc__tls_rec_out(c->tls, &len);
            int errnum;
            if (c->wlen > 0) /* records gathered earlier go first */
                (void)send_gathered(c, &errnum);
            if (c->wlen == 0 && out && len)
                (void)hxc__net_send(c->fd, out, len, &errnum);
        }
    }
    hxc__h1_free(c->h1);
    hxc__h2_free(c->h2);
    hxc__tls_free(c->tls);
    hxc__connector_free(c->connector);
    hxc__net_close(c->fd);
    free(c);
}

/* Completes queued (not yet submitted) requests with err. */
static void fail_pending(struct hxc__conn *c, const hxc_error *err)
{
    size_t n = c->npending;
    c->npending = 0;
    for (size_t i = 0; i < n; i++)
        c->ev->on_complete(c->pending[i].req->user, err->code, err);
}

void hxc__conn_fail(struct hxc__conn *c, const hxc_error *err)
{
    if (c->state == ST_DEAD)
        return;
    c->state = ST_DEAD;
    if (c->h1)
        hxc__h1_abort(c->h1, err);
    if (c->h2)
        hxc__h2_abort(c->h2, err);
    fail_pending(c, err);
}

static hxc_status die(struct hxc__conn *c, const hxc_error *e, hxc_error *err)
{
    hxc__conn_fail(c, e);
    if (err)
        *err = *e;
    return e->code;
}

static void debug_request(struct hxc__conn *c, const struct hxc__req_desc *r)
{
    if (c->debug == NULL)
        return;
    dbg(c, HXC_DEBUG_HEADER_OUT, "%s %s %s", r->method, r->path,
        c->version == 20 ? "HTTP/2" : "HTTP/1.1");
    dbg(c, HXC_DEBUG_HEADER_OUT, "Host: %s", r->authority);
    for (size_t i = 0; i < r->nheaders; i++)
        dbg(c, HXC_DEBUG_HEADER_OUT, "%.*s: %.*s", (int)r->headers[i].name_len,
            r->headers[i].name, (int)r->headers[i].value_len, r->headers[i].value);
    if (r->has_body)
        dbg(c, HXC_DEBUG_HEADER_OUT, "Content-Length: %zu", r->body_len);
}

static hxc_status submit_now(struct hxc__conn *c, const struct hxc__req_desc *r, int is_head,
                             hxc_error *err)
{
    debug_request(c, r);
    if (c->version == 20)
        return hxc__h2_submit(c->h2, r, err) > 0 ? HXC_OK : (err ? err->code : HXC_E_H2_PROTOCOL);
    return hxc__h1_submit(c->h1, r, is_head, err);
}

hxc_status hxc__conn_submit(struct hxc__conn *c, const struct hxc__req_desc *req, int is_head,
                            hxc_error *err)
{
    if (c->state == ST_DEAD)
        return hxc__err(err, HXC_E_INTERNAL, 0, "connection to %s is closed", c->origin);
    if (c->state == ST_READY)
        return submit_now(c, req, is_head, err);
    if (c->npending == MAX_PENDING)
        return hxc__err(err, HXC_E_INTERNAL, 0, "too many requests queued on %s", c->origin);
    c->pending[c->npending].req = req;
    c->pending[c->npending].is_head = is_head;
    c->npending++;
    return HXC_OK;
}

static void submit_pending(struct hxc__conn *c)
{
    size_t n = c->npending;
    struct pending q[MAX_PENDING];
    memcpy(q, c->pending, n * sizeof q[0]);
    c->npending = 0;
    for (size_t i = 0; i < n; i++) {
        hxc_error e;
        memset(&e, 0, sizeof e);
        if (submit_now(c, q[i].req, q[i].is_head, &e) != HXC_OK)
            c->ev->on_complete(q[i].req->user, e.code, &e);
    }
}

static hxc_status become_ready(struct hxc__conn *c, hxc_error *err)
{
    const char *alpn = c->tls ? hxc__tls_alpn(c->tls) : "";
    if (c->tls) {
        const struct hxc__cert_summary *s = hxc__tls_peer_summary(c->tls);
        char how[160];
        hxc__tls_describe(c->tls, how, sizeof how);
        dbg(c, HXC_DEBUG_INFO, "TLS handshake done: %s / %s (%s)",
            hxc__tls_version_name(c->tls), hxc__tls_cipher_name(c->tls), how);
        dbg(c, HXC_DEBUG_INFO, "ALPN: server accepted %s", alpn[0] ? alpn : "(none)");
        if (s) {
            dbg(c, HXC_DEBUG_INFO, "Server certificate:");
            dbg(c, HXC_DEBUG_INFO, " subject: %s", s->subject);
            dbg(c, HXC_DEBUG_INFO, " issuer: %s", s->issuer);
            dbg(c, HXC_DEBUG_INFO, " start date: %s", s->not_before);
            dbg(c, HXC_DEBUG_INFO, " expire date: %s", s->not_after);
            dbg(c, HXC_DEBUG_INFO, " verification: %s",
                !c->tlscfg->verify        ? "skipped (--insecure)"
                : hxc__tls_resumed(c->tls) ? "OK (when the resumed session was established)"
                                           : "OK");
        }
    }
    if (strcmp(alpn, "h2") == 0 || (c->tls == NULL && c->h2_prior_knowledge)) {
        c->version = 20;
        c->h2 = hxc__h2_new(c->ev, c->max_header_bytes, err);
        if (c->h2 == NULL)
            return err ? err->code : HXC_E_H2_PROTOCOL;
    } else {
        c->version = 11;
        c->h1 = hxc__h1_new(c->ev, c->max_header_bytes);
        if (c->h1 == NULL)
            return hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating an HTTP/1.1 parser");
    }
    dbg(c, HXC_DEBUG_INFO, "Using %s", c->version == 20 ? "HTTP/2" : "HTTP/1.1");
    c->state = ST_READY;
    submit_pending(c);
    return HXC_OK;
}

/* Plaintext the protocol engine wants to send. */
static size_t proto_out(struct hxc__conn *c, const uint8_t **p)
{
    if (c->h2)
        return hxc__h2_pending_out(c->h2, p);
    if (c->h1)
        return hxc__h1_pending_out(c->h1, p);
    return 0;
}

static void proto_consume(struct hxc__conn *c, size_t n)
{
    if (c->h2)
        hxc__h2_consume_out(c->h2, n);
    else if (c->h1)
        hxc__h1_consume_out(c->h1, n);
}

static hxc_status proto_feed(struct hxc__conn *c, const uint8_t *p, size_t n, hxc_error *err)
{
    if (c->h2)
        return hxc__h2_feed(c->h2, p, n, err);
    if (c->h1)
        return hxc__h1_feed(c->h1, p, n, err);
    return hxc__err(err, HXC_E_INTERNAL, 0, "data from %s before any request", c->origin);
}

static int proto_busy(struct hxc__conn *c)
{
    if (c->h2)
        return hxc__h2_open_streams(c->h2) > 0;
    if (c->h1)
        return hxc__h1_busy(c->h1);
    return 0;
}

/* The peer ended the byte stream cleanly (TCP EOF for http, close_notify
 * for https). */
static hxc_status peer_closed(struct hxc__conn *c, hxc_error *err)
{
    hxc_error e;
    hxc__err(&e, HXC_E_CONN_CLOSED, 0, "the server %s closed the connection", c->origin);
    if (c->h1)
        hxc__h1_eof(c->h1);
    if (c->h2)
        hxc__h2_eof(c->h2);
    return die(c, &e, err);
}

static hxc_status io_error(struct hxc__conn *c, hxc_status code, int errnum, const char *what,
                           hxc_error *err)
{
    hxc_error e;
    if (c->tls != NULL && hxc__tls_transport_error(c->tls, errnum, &e) != HXC_OK)
        return die(c, &e, err);
    hxc__err(&e, code, errnum, "%s %s failed: %s", what, c->origin, strerror(errnum));
    return die(c, &e, err);
}

/* Drives the connector; once connected, starts TLS or the protocol. */
static hxc_status step_connect(struct hxc__conn *c, const struct hxc__wait *w, size_t n,
                               hxc_error *err)
{
    hxc_error e;
    int r = hxc__connector_step(c->connector, w, n, hxc__now_ms(), &e);
    if (r == 0)
        return HXC_OK;
    if (r < 0)
        return die(c, &e, err);
    c->fd = hxc__connector_take(c->connector, &c->peer);
    hxc__connector_free(c->connector);
    c->connector = NULL;
    c->last_rx = c->last_tx = hxc__now_ms();
    if (!c->tls_on)
        return become_ready(c, &e) == HXC_OK ? HXC_OK : die(c, &e, err);
    c->tls = hxc__tls_new(c->tlscfg, c->host, c->origin, c->tls_fallback, &e);
    if (c->tls == NULL)
        return die(c, &e, err);
    c->state = ST_HANDSHAKE;
    return HXC_OK;
}

static hxc_status pump_plain(struct hxc__conn *c, hxc_error *err)
{
    for (;;) {
        int progress = 0, errnum = 0;
        const uint8_t *p;
        size_t n = proto_out(c, &p);
        c->want_out = 0;
        if (n > 0) {
            ssize_t w = hxc__net_send(c->fd, p, n, &errnum);
            if (w == HXC_NET_ERROR)
                return io_error(c, HXC_E_SEND, errnum, "sending to", err);
            if (w > 0) {
                proto_consume(c, (size_t)w);
                c->last_tx = hxc__now_ms();
                progress = 1;
            } else {
                c->want_out = 1;
            }
        }
        ssize_t r = c->read_paused ? HXC_NET_AGAIN
                                   : hxc__net_recv(c->fd, c->rbuf, sizeof c->rbuf, &errnum);
        if (r == HXC_NET_ERROR)
            return io_error(c, HXC_E_RECV, errnum, "receiving from", err);
        if (r == 0)
            return peer_closed(c, err);
        if (r > 0) {
            c->last_rx = hxc__now_ms();
            hxc_error e;
            if (proto_feed(c, c->rbuf, (size_t)r, &e) != HXC_OK)
                return die(c, &e, err);
            progress = 1;
        }
        if (!progress)
            return HXC_OK;
    }
}

/* The server answered our TLS 1.3 ClientHello with TLS 1.2: one new
 * connection to the same address, TLS 1.2 through BearSSL (the client
 * remembers the origin, so this happens once per origin). */
static hxc_status fall_back_to_tls12(struct hxc__conn *c, hxc_error *err)
{
    hxc_error e;
    dbg(c, HXC_DEBUG_INFO, "the server %s answered TLS 1.2 to TLS 1.3: reconnecting with TLS 1.2",
        c->origin);
    hxc__tls_free(c->tls);
    c->tls = NULL;
    hxc__net_close(c->fd);
    c->fd = -1;
    c->wlen = 0;
    c->tls_fallback = 1;
    c->state = ST_CONNECTING;
    c->connector = hxc__connector_new(c->host, c->peer.port, &c->peer, 1, c->debug,
                                      c->debug_user, &e);
    return c->connector != NULL ? HXC_OK : die(c, &e, err);
}

/* TLS engine closed: cleanly (close_notify) or with an error. */
static hxc_status tls_closed(struct hxc__conn *c, hxc_error *err)
{
    hxc_error e;
    if (!c->tls_fallback && hxc__tls_wants_tls12(c->tls))
        return fall_back_to_tls12(c, err);
    if (hxc__tls_result(c->tls, &e) == HXC_OK)
        return peer_closed(c, err);
    return die(c, &e, err);
}

/* TCP EOF without close_notify. */
static hxc_status tls_eof(struct hxc__conn *c, hxc_error *err)
{
    hxc_error e;
    if (c->state == ST_READY && !proto_busy(c) && c->npending == 0) {
        /* idle connection dropped: harmless, nothing was lost */
        hxc__err(&e, HXC_E_CONN_CLOSED, 0, "the server %s closed the idle connection",
                 c->origin);
        return die(c, &e, err);
    }
    hxc__tls_eof_error(c->tls, &e);
    return die(c, &e, err);
}

static hxc_status pump_tls(struct hxc__conn *c, hxc_error *err)
{
    for (int guard = 0; guard < 100000; guard++) {
        int progress = 0, errnum = 0;
        unsigned st = hxc__tls_state(c->tls);
        if (st & HXC_TLS_CLOSED) {
            if (c->wlen > 0) /* a last alert or close_notify: best effort */
                (void)send_gathered(c, &errnum);
            return tls_closed(c, err);
        }
        if (c->state == ST_HANDSHAKE && hxc__tls_handshake_done(c->tls)) {
            hxc_error e;
            if (become_ready(c, &e) != HXC_OK)
                return die(c, &e, err);
            progress = 1;
        }
        if (c->state == ST_READY && (st & HXC_TLS_SENDAPP)) {
            const uint8_t *p;
            size_t n = proto_out(c, &p);
            if (n > 0) {
                size_t space;
                uint8_t *buf = hxc__tls_app_out(c->tls, &space);
                size_t m = n < space ? n : space;
                memcpy(buf, p, m);
                hxc__tls_app_out_ack(c->tls, m);
                proto_consume(c, m);
                if (proto_out(c, &p) == 0)
                    hxc__tls_flush(c->tls);
                progress = 1;
            }
        }
        st = hxc__tls_state(c->tls);
        c->want_out = 0;
        if (st & HXC_TLS_SENDREC) {
            size_t len;
            uint8_t *buf = hxc__tls_rec_out(c->tls, &len);
            if (len <= GATHER_MAX && len <= sizeof c->wbuf - c->wlen) {
                memcpy(c->wbuf + c->wlen, buf, len);
                c->wlen += len;
                hxc__tls_rec_out_ack(c->tls, len);
                progress = 1;
            } else if (c->wlen > 0) {
                /* what was gathered goes first */
                int r = send_gathered(c, &errnum);
                if (r < 0)
                    return io_error(c, HXC_E_SEND, errnum, "sending to", err);
                progress |= r;
            } else {
                ssize_t w = hxc__net_send(c->fd, buf, len, &errnum);
                if (w == HXC_NET_ERROR)
                    return io_error(c, HXC_E_SEND, errnum, "sending to", err);
                if (w > 0) {
                    hxc__tls_rec_out_ack(c->tls, (size_t)w);
                    c->last_tx = hxc__now_ms();
                    progress = 1;
                } else {
                    c->want_out = 1;
                }
            }
        }
        /* the engine has nothing more to add: send the gathered records */
        if (c->wlen > 0 && !(hxc__tls_state(c->tls) & HXC_TLS_SENDREC)) {
            int r = send_gathered(c, &errnum);
            if (r < 0)
                return io_error(c, HXC_E_SEND, errnum, "sending to", err);
            progress |= r;
        }
        st = hxc__tls_state(c->tls);
        if (st & HXC_TLS_RECVAPP) {
            size_t len;
            uint8_t *buf = hxc__tls_app_in(c->tls, &len);
            hxc_error e;
            hxc_status fs = proto_feed(c, buf, len, &e);
            hxc__tls_app_in_ack(c->tls, len);
            if (fs != HXC_OK)
                return die(c, &e, err);
            progress = 1;
        }
        st = hxc__tls_state(c->tls);
        if ((st & HXC_TLS_RECVREC) && !c->read_paused) {
            size_t space;
            uint8_t *buf = hxc__tls_rec_in(c->tls, &space);
            ssize_t r = hxc__net_recv(c->fd, buf, space, &errnum);
            if (r == HXC_NET_ERROR)
                return io_error(c, HXC_E_RECV, errnum, "receiving from", err);
            if (r == 0)
                return tls_eof(c, err);
            if (r > 0) {
                hxc__tls_rec_in_ack(c->tls, (size_t)r);
                c->last_rx = hxc__now_ms();
                progress = 1;
            }
        }
        if (!progress)
            return HXC_OK;
    }
    return HXC_OK;
}

hxc_status hxc__conn_pump(struct hxc__conn *c, const struct hxc__wait *w, size_t n,
                          hxc_error *err)
{
    if (c->state == ST_DEAD)
        return hxc__err(err, HXC_E_CONN_CLOSED, 0, "connection to %s is closed", c->origin);
    if (c->state == ST_CONNECTING) {
        hxc_status st = step_connect(c, w, n, err);
        if (st != HXC_OK || c->state == ST_CONNECTING)
            return st;
    }
    if (c->tls_on)
        return pump_tls(c, err);
    return pump_plain(c, err);
}

size_t hxc__conn_fds(const struct hxc__conn *c, struct hxc__wait *w, size_t max)
{
    if (c->state == ST_CONNECTING)
        return hxc__connector_fds(c->connector, w, max);
    if (c->state == ST_DEAD || max == 0)
        return 0;
    w[0].fd = c->fd;
    w[0].events = wants(c);
    w[0].revents = 0;
    if (w[0].events == 0 && !c->read_paused)
        w[0].events = HXC_NET_IN;
    return w[0].events ? 1 : 0;
}

int64_t hxc__conn_deadline(const struct hxc__conn *c)
{
    return c->state == ST_CONNECTING ? hxc__connector_deadline(c->connector) : -1;
}

int64_t hxc__conn_created(const struct hxc__conn *c)
{
    return c->created;
}

int hxc__conn_is_h2(const struct hxc__conn *c)
{
    return c->h2 != NULL;
}

int hxc__conn_active(const struct hxc__conn *c)
{
    int n = (int)c->npending;
    if (c->h2)
        n += hxc__h2_open_streams(c->h2);
    else if (c->h1 && hxc__h1_busy(c->h1))
        n += 1;
    return n;
}

int hxc__conn_capacity(const struct hxc__conn *c)
{
    if (c->state != ST_READY)
        return 1;
    if (c->h2)
        return hxc__h2_can_submit(c->h2) ? hxc__h2_max_streams(c->h2) : 0;
    return hxc__h1_reusable(c->h1) || hxc__h1_busy(c->h1) ? 1 : 0;
}

void hxc__conn_cancel(struct hxc__conn *c, void *user)
{
    for (size_t i = 0; i < c->npending; i++) {
        if (c->pending[i].req->user == user) {
            memmove(&c->pending[i], &c->pending[i + 1],
                    (c->npending - i - 1) * sizeof c->pending[0]);
            c->npending--;
            hxc_error e;
            hxc__err(&e, HXC_E_CANCELLED, 0, "transfer cancelled");
            c->ev->on_complete(user, HXC_E_CANCELLED, &e);
            return;
        }
    }
    if (c->h2)
        hxc__h2_cancel(c->h2, user);
    else if (c->h1 && hxc__h1_busy(c->h1))
        hxc__h1_cancel(c->h1);
}

void hxc__conn_resume(struct hxc__conn *c, void *user)
{
    if (c->h2)
        hxc__h2_resume(c->h2, user);
    else if (c->h1)
        hxc__h1_resume(c->h1);
}

void hxc__conn_pause_reading(struct hxc__conn *c, int paused)
{
    c->read_paused = paused;
}

void hxc__conn_hold_stream(struct hxc__conn *c, void *user, int hold)
{
    if (c->h2)
        hxc__h2_hold(c->h2, user, hold);
}

void hxc__conn_stream_consumed(struct hxc__conn *c, void *user, size_t n)
{
    if (c->h2)
        hxc__h2_consumed(c->h2, user, n);
}

int32_t hxc__conn_stream_id(const struct hxc__conn *c, void *user)
{
    return c->h2 ? hxc__h2_stream_id(c->h2, user) : 0;
}

static unsigned wants(const struct hxc__conn *c)
{
    switch (c->state) {
    case ST_CONNECTING:
        return HXC_NET_OUT;
    case ST_DEAD:
        return 0;
    default:
        break;
    }
    unsigned in = c->read_paused ? 0 : HXC_NET_IN;
    if (!c->tls_on)
        return in | (c->want_out ? HXC_NET_OUT : 0);
    unsigned st = hxc__tls_state(c->tls);
    unsigned w = 0;
    if ((st & HXC_TLS_SENDREC) || c->wlen > 0)
        w |= HXC_NET_OUT;
    if (st & HXC_TLS_RECVREC)
        w |= in;
    return w;
}

int hxc__conn_ready(const struct hxc__conn *c)
{
    return c->state == ST_READY;
}

int hxc__conn_dead(const struct hxc__conn *c)
{
    return c->state == ST_DEAD;
}

int hxc__conn_idle(const struct hxc__conn *c)
{
    return c->npending == 0 && !((c->h2 && hxc__h2_open_streams(c->h2) > 0) ||
                                 (c->h1 && hxc__h1_busy(c->h1)));
}

int hxc__conn_reusable(const struct hxc__conn *c)
{
    if (c->state != ST_READY)
        return 0;
    if (c->h2)
        return !hxc__h2_goaway_received(c->h2);
    return c->h1 && hxc__h1_reusable(c->h1);
}

int64_t hxc__conn_last_tx(const struct hxc__conn *c)
{
    return c->last_tx;
}

int hxc__conn_has_output(const struct hxc__conn *c)
{
    return c->want_out || c->wlen > 0;
}

struct hxc__tls *hxc__conn_tls(const struct hxc__conn *c)
{
    return c->tls;
}
