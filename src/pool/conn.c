/* A connection: socket -> (TLS) -> h1 or h2 engine, pumped without blocking. */
#include "pool/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/err.h"
#include "h1/h1.h"
#include "h2/h2.h"

#define MAX_PENDING 64

enum conn_state { ST_CONNECTING, ST_HANDSHAKE, ST_READY, ST_DEAD };

struct pending {
    const struct hxc__req_desc *req; /* linked until submitted to the engine */
    int is_head;
};

struct hxc__conn {
    enum conn_state state;
    int fd;
    int tls_on;
    int h2_prior_knowledge;
    char host[256];
    char origin[300];
    struct hxc__addr addrs[HXC_NET_MAX_ADDRS];
    size_t naddrs, addr_idx;
    hxc_error connect_err;       /* last connect failure, reported if all fail */
    const struct hxc__tls_config *tlscfg;
    struct hxc__tls *tls;
    int version;                 /* 11 or 20 */
    struct hxc__h1 *h1;
    struct hxc__h2 *h2;
    const struct hxc__msg_events *ev;
    size_t max_header_bytes;
    struct pending pending[MAX_PENDING];
    size_t npending;
    hxc_debug_fn debug;
    void *debug_user;
    int64_t last_rx, last_tx;
    int want_out;
    uint8_t rbuf[16384];         /* plaintext HTTP receive buffer */
};

#define dbg(c, kind, ...) hxc__debugf((c)->debug, (c)->debug_user, kind, __VA_ARGS__)

static void addr_text(const struct hxc__addr *a, char *buf, size_t n)
{
    if (a->family == AF_INET6)
        snprintf(buf, n, "[%s]:%u", a->text, a->port);
    else
        snprintf(buf, n, "%s:%u", a->text, a->port);
}

static hxc_status start_next_address(struct hxc__conn *c, hxc_error *err)
{
    while (c->addr_idx < c->naddrs) {
        const struct hxc__addr *a = &c->addrs[c->addr_idx];
        char where[96];
        addr_text(a, where, sizeof where);
        dbg(c, HXC_DEBUG_INFO, "Trying %s...", where);
        c->fd = hxc__net_connect_start(a, &c->connect_err);
        if (c->fd >= 0)
            return HXC_OK;
        c->addr_idx++;
    }
    if (err)
        *err = c->connect_err;
    return c->connect_err.code ? c->connect_err.code : HXC_E_CONNECT;
}

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
    c->naddrs = p->naddrs > HXC_NET_MAX_ADDRS ? HXC_NET_MAX_ADDRS : p->naddrs;
    memcpy(c->addrs, p->addrs, c->naddrs * sizeof c->addrs[0]);
    c->tlscfg = p->tlscfg;
    c->ev = p->events;
    c->max_header_bytes = p->max_header_bytes;
    c->debug = p->debug;
    c->debug_user = p->debug_user;
    c->state = ST_CONNECTING;
    c->last_rx = c->last_tx = hxc__now_ms();
    if (start_next_address(c, err) != HXC_OK) {
        free(c);
        return NULL;
    }
    return c;
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
            hxc__conn_pump(c, &e);
        }
        if (c->tls && c->state == ST_READY) {
            hxc__tls_close(c->tls);
            size_t len;
            uint8_t *out = hxc__tls_rec_out(c->tls, &len);
            int errnum;
            if (out && len)
                (void)hxc__net_send(c->fd, out, len, &errnum);
        }
    }
    hxc__h1_free(c->h1);
    hxc__h2_free(c->h2);
    hxc__tls_free(c->tls);
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
        dbg(c, HXC_DEBUG_INFO, "TLS handshake done: %s / %s", hxc__tls_version_name(c->tls),
            hxc__tls_cipher_name(c->tls));
        dbg(c, HXC_DEBUG_INFO, "ALPN: server accepted %s", alpn[0] ? alpn : "(none)");
        if (s) {
            dbg(c, HXC_DEBUG_INFO, "Server certificate:");
            dbg(c, HXC_DEBUG_INFO, " subject: %s", s->subject);
            dbg(c, HXC_DEBUG_INFO, " issuer: %s", s->issuer);
            dbg(c, HXC_DEBUG_INFO, " start date: %s", s->not_before);
            dbg(c, HXC_DEBUG_INFO, " expire date: %s", s->not_after);
            dbg(c, HXC_DEBUG_INFO, " verification: %s",
                c->tlscfg->verify ? "OK" : "skipped (--insecure)");
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

static hxc_status finish_connect(struct hxc__conn *c, hxc_error *err)
{
    const struct hxc__addr *a = &c->addrs[c->addr_idx];
    if (hxc__net_connect_finish(c->fd, a, &c->connect_err) != HXC_OK) {
        dbg(c, HXC_DEBUG_INFO, "%s", c->connect_err.message);
        hxc__net_close(c->fd);
        c->fd = -1;
        c->addr_idx++;
        if (start_next_address(c, err) != HXC_OK) {
            hxc_error e = c->connect_err;
            return die(c, &e, err);
        }
        return HXC_OK;
    }
    char where[96];
    addr_text(a, where, sizeof where);
    dbg(c, HXC_DEBUG_INFO, "Connected to %s (%s)", c->host, where);
    c->last_rx = c->last_tx = hxc__now_ms();
    if (!c->tls_on)
        return become_ready(c, err);
    hxc_error e;
    c->tls = hxc__tls_new(c->tlscfg, c->host, &e);
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
        ssize_t r = hxc__net_recv(c->fd, c->rbuf, sizeof c->rbuf, &errnum);
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

/* TLS engine closed: cleanly (close_notify) or with an error. */
static hxc_status tls_closed(struct hxc__conn *c, hxc_error *err)
{
    hxc_error e;
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
        if (st & HXC_TLS_CLOSED)
            return tls_closed(c, err);
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
        if (st & HXC_TLS_RECVREC) {
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

hxc_status hxc__conn_pump(struct hxc__conn *c, hxc_error *err)
{
    if (c->state == ST_DEAD)
        return hxc__err(err, HXC_E_CONN_CLOSED, 0, "connection to %s is closed", c->origin);
    if (c->state == ST_CONNECTING) {
        struct hxc__wait w = {c->fd, HXC_NET_OUT, 0};
        if (hxc__net_wait(&w, 1, 0) <= 0)
            return HXC_OK;
        hxc_status st = finish_connect(c, err);
        if (st != HXC_OK || c->state == ST_CONNECTING)
            return st;
    }
    if (c->tls_on)
        return pump_tls(c, err);
    return pump_plain(c, err);
}

int hxc__conn_fd(const struct hxc__conn *c)
{
    return c->fd;
}

unsigned hxc__conn_wants(const struct hxc__conn *c)
{
    switch (c->state) {
    case ST_CONNECTING:
        return HXC_NET_OUT;
    case ST_DEAD:
        return 0;
    default:
        break;
    }
    if (!c->tls_on)
        return HXC_NET_IN | (c->want_out ? HXC_NET_OUT : 0);
    unsigned st = hxc__tls_state(c->tls);
    unsigned w = 0;
    if (st & HXC_TLS_SENDREC)
        w |= HXC_NET_OUT;
    if (st & HXC_TLS_RECVREC)
        w |= HXC_NET_IN;
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

const char *hxc__conn_origin(const struct hxc__conn *c)
{
    return c->origin;
}

int64_t hxc__conn_last_rx(const struct hxc__conn *c)
{
    return c->last_rx;
}

int64_t hxc__conn_last_tx(const struct hxc__conn *c)
{
    return c->last_tx;
}

int hxc__conn_has_output(const struct hxc__conn *c)
{
    return c->want_out;
}

struct hxc__tls *hxc__conn_tls(const struct hxc__conn *c)
{
    return c->tls;
}
