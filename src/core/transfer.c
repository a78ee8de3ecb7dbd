/* Transfers: one request from submission to completion, across redirect
 * hops and transparent retries (GOAWAY, REFUSED_STREAM, a pooled connection
 * that turned out closed). The blocking calls and the pull-style stream are
 * built on the same machinery. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/client.h"
#include "base/err.h"

#define MAX_RETRIES 5
#define debug_line(c, kind, ...) hxc__debugf((c)->opts.debug, (c)->opts.debug_user, kind, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Engine events                                                       */

static int is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static int ev_status(void *user, int status, int version, const char *reason, size_t reason_len,
                     int interim)
{
    struct hxc_transfer *t = user;
    t->got_bytes = 1;
    t->last_activity = hxc__now_ms();
    debug_line(t->client, HXC_DEBUG_HEADER_IN, "%s %d%s%.*s",
               version == 20 ? "HTTP/2" : (version == 10 ? "HTTP/1.0" : "HTTP/1.1"), status,
               reason_len ? " " : "", (int)reason_len, reason);
    if (interim)
        return 0;
    return hxc__response_set_status(t->resp, status, version, reason, reason_len) == HXC_OK ? 0
                                                                                           : 1;
}

static int ev_header(void *user, const char *name, size_t nlen, const char *value, size_t vlen)
{
    struct hxc_transfer *t = user;
    t->last_activity = hxc__now_ms();
    if (t->resp->status == 0)
        return 0; /* interim response header */
    debug_line(t->client, HXC_DEBUG_HEADER_IN, "%.*s: %.*s", (int)nlen, name, (int)vlen, value);
    return hxc__response_add_header(t->resp, name, nlen, value, vlen) == HXC_OK ? 0 : 1;
}

static int ev_trailer(void *user, const char *name, size_t nlen, const char *value,
                      size_t vlen)
{
    struct hxc_transfer *t = user;
    t->last_activity = hxc__now_ms();
    debug_line(t->client, HXC_DEBUG_HEADER_IN, "%.*s: %.*s (trailer)", (int)nlen, name,
               (int)vlen, value);
    return hxc__response_add_trailer(t->resp, name, nlen, value, vlen) == HXC_OK ? 0 : 1;
}

static void fill_tls_info(struct hxc_transfer *t)
{
    struct hxc__tls *tls = t->pc ? hxc__conn_tls(t->pc->conn) : NULL;
    if (tls == NULL)
        return;
    hxc__response_set_tls(t->resp, hxc__tls_version_name(tls), hxc__tls_cipher_name(tls),
                          hxc__tls_alpn(tls), hxc__tls_peer_summary(tls),
                          t->client->tlscfg.verify);
}

static int ev_headers_done(void *user)
{
    struct hxc_transfer *t = user;
    if (t->resp->status == 0)
        return 0;
    hxc_client *c = t->client;
    t->last_activity = hxc__now_ms();
    c->events++;
    if (t->pc)
        t->stream_id = hxc__conn_stream_id(t->pc->conn, t);
    fill_tls_info(t);
    t->follow = c->opts.follow_redirects && is_redirect(t->resp->status) &&
                hxc_response_header(t->resp, "location") != NULL;
    if (t->req.on_head)
        return t->req.on_head(t->req.user, t->resp);
    return 0;
}

static int ev_body(void *user, const uint8_t *data, size_t len)
{
    struct hxc_transfer *t = user;
    t->last_activity = hxc__now_ms();
    t->client->events++;
    if (t->follow)
        return 0; /* a redirect's body is discarded */
    if (t->req.on_body)
        return t->req.on_body(t->req.user, data, len);
    return hxc__response_append_body(t->resp, data, len) == HXC_OK ? 0 : 1;
}

static void ev_complete(void *user, hxc_status status, const hxc_error *err)
{
    struct hxc_transfer *t = user;
    t->client->events++;
    if (t->pc && t->stream_id == 0)
        t->stream_id = hxc__conn_stream_id(t->pc->conn, t);
    t->state = T_FINISHED;
    t->status = status;
    if (status != HXC_OK && err != NULL)
        t->err = *err;
    else if (status != HXC_OK)
        hxc__err(&t->err, status, 0, "%s", hxc_strerror(status));
}

static int ev_body_read(void *user, uint8_t *buf, size_t cap, size_t *len, int *eof)
{
    struct hxc_transfer *t = user;
    return t->req.body_read(t->req.user, buf, cap, len, eof);
}

const struct hxc__msg_events hxc__transfer_events = {
    .on_status = ev_status,
    .on_header = ev_header,
    .on_headers_done = ev_headers_done,
    .on_body = ev_body,
    .on_complete = ev_complete,
    .on_trailer = ev_trailer,
};

/* ------------------------------------------------------------------ */
/* Requests and hops                                                   */

static int ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

static int has_header(const struct hxc_transfer *t, const char *name)
{
    for (size_t i = 0; i < t->nheaders; i++)
        if (ieq(t->headers[i].name, name))
            return 1;
    return 0;
}

static void add_hdr(struct hxc__hdr *out, size_t *n, const char *name, const char *value)
{
    out[*n].name = name;
    out[*n].name_len = strlen(name);
    out[*n].value = value;
    out[*n].value_len = strlen(value);
    (*n)++;
}

/* The headers sent on this hop: User-Agent and Accept defaults (so that -v
 * shows exactly what is sent), then the caller's, minus what must not
 * cross origins or outlive the body. */
static size_t build_headers(const struct hxc_transfer *t, struct hxc__hdr *out)
{
    size_t n = 0;
    if (!has_header(t, "user-agent"))
        add_hdr(out, &n, "User-Agent", "hxc/" HXC_VERSION_STRING);
    if (!has_header(t, "accept"))
        add_hdr(out, &n, "Accept", "*/*");
    for (size_t i = 0; i < t->nheaders; i++) {
        const char *name = t->headers[i].name;
        const char *value = t->headers[i].value;
        if (t->cross_origin && (ieq(name, "authorization") || ieq(name, "cookie") ||
                                ieq(name, "proxy-authorization")))
            continue;
        if (!t->has_body && (ieq(name, "content-type") || ieq(name, "content-length")))
            continue;
        if (ieq(name, "host") || ieq(name, "content-length"))
            continue; /* the engines write these */
        add_hdr(out, &n, name, value);
    }
    return n;
}

static void origin_key(const struct hxc__url *u, char *buf, size_t n)
{
    snprintf(buf, n, "%s://%s:%u", u->scheme, u->host, u->port);
}

/* (Re)builds what the engine sees for the current hop. */
hxc_status hxc__transfer_prepare_hop(struct hxc_transfer *t, hxc_error *err)
{
    free(t->authority);
    t->authority = hxc__url_authority(&t->url);
    if (t->authority == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory");
    origin_key(&t->url, t->origin, sizeof t->origin);
    struct hxc__req_desc rd = {
        .method = t->method,
        .scheme = t->url.scheme,
        .authority = t->authority,
        .path = t->url.path,
        .headers = t->hdrs,
        .nheaders = build_headers(t, t->hdrs),
        .body = t->body,
        .body_len = t->body_len,
        .has_body = t->has_body,
        .body_read = t->req.body_read && t->body == NULL && t->has_body ? ev_body_read : NULL,
        .body_read_length = t->req.body_read_length,
        .user = t,
    };
    t->rd = rd;
    char *s = hxc__url_string(&t->url);
    hxc__response_set_url(t->resp, s);
    free(s);
    return HXC_OK;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void hxc__transfer_free(struct hxc_transfer *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nheaders; i++) {
        free((char *)t->headers[i].name);
        free((char *)t->headers[i].value);
    }
    free(t->headers);
    free(t->hdrs);
    free(t->authority);
    free(t->method_buf);
    free(t->url_buf);
    hxc__url_free(&t->url);
    hxc_response_free(t->resp);
    hxc_response_free(t->final_resp);
    free(t);
}

static struct hxc_transfer *transfer_new(hxc_client *c, const hxc_request *req, hxc_error *err)
{
    struct hxc_transfer *t = calloc(1, sizeof *t);
    if (t == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory");
        return NULL;
    }
    t->client = c;
    t->req = *req;
    t->method_buf = dup_or_null(req->method);
    t->url_buf = dup_or_null(req->url);
    t->headers = calloc(req->nheaders + 1, sizeof *t->headers);
    t->hdrs = calloc(req->nheaders + 2, sizeof *t->hdrs);
    t->resp = hxc__response_new();
    if ((req->method && !t->method_buf) || !t->url_buf || !t->headers || !t->hdrs || !t->resp)
        goto nomem;
    for (size_t i = 0; i < req->nheaders; i++) {
        t->headers[i].name = dup_or_null(req->headers[i].name ? req->headers[i].name : "");
        t->headers[i].value = dup_or_null(req->headers[i].value ? req->headers[i].value : "");
        t->nheaders = i + 1;
        if (!t->headers[i].name || !t->headers[i].value)
            goto nomem;
    }
    t->req.method = t->method_buf;
    t->req.url = t->url_buf;
    t->req.headers = t->headers;
    if (hxc__url_parse(t->url_buf, &t->url, err) != HXC_OK) {
        hxc__transfer_free(t);
        return NULL;
    }
    int has_body = req->body != NULL || req->body_read != NULL;
    t->method = t->method_buf ? t->method_buf : (has_body ? "POST" : "GET");
    t->body = req->body;
    t->body_len = req->body_len;
    t->has_body = has_body;
    t->started = t->queued_at = t->last_activity = hxc__now_ms();
    t->total_deadline = c->opts.total_timeout_ms > 0 ? t->started + c->opts.total_timeout_ms : -1;
    if (hxc__transfer_prepare_hop(t, err) != HXC_OK) {
        hxc__transfer_free(t);
        return NULL;
    }
    return t;
nomem:
    hxc__transfer_free(t);
    hxc__err(err, HXC_E_NOMEM, 0, "out of memory");
    return NULL;
}

static void link_transfer(hxc_client *c, struct hxc_transfer *t)
{
    t->next = NULL;
    t->prev = c->transfers_tail;
    if (c->transfers_tail)
        c->transfers_tail->next = t;
    else
        c->transfers = t;
    c->transfers_tail = t;
    c->ntransfers++;
}

static void unlink_transfer(hxc_client *c, struct hxc_transfer *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        c->transfers = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        c->transfers_tail = t->prev;
    t->next = t->prev = NULL;
    c->ntransfers--;
}

/* Completes a transfer that never reached an engine (or whose engine
 * refused it) with err. */
void hxc__transfer_fail(struct hxc_transfer *t, const hxc_error *err)
{
    t->state = T_FINISHED;
    t->status = err->code;
    t->err = *err;
}

/* ------------------------------------------------------------------ */
/* Completion: redirect, retry, or done                                */

/* RFC 9110 15.4: 303 -> GET (except HEAD); 301/302 turn POST into GET, as
 * browsers, curl and HTTPX do; 307/308 keep method and body. */
static void redirect_method(struct hxc_transfer *t, int status)
{
    if ((status == 303 && strcmp(t->method, "HEAD") != 0) ||
        ((status == 301 || status == 302) && strcmp(t->method, "POST") == 0)) {
        t->method = "GET";
        t->body = NULL;
        t->body_len = 0;
        t->has_body = 0;
    }
}

static int follow_redirect(struct hxc_transfer *t, hxc_error *err)
{
    hxc_client *c = t->client;
    if (t->redirects >= c->opts.max_redirects) {
        hxc__err(err, HXC_E_HTTP_TOO_MANY_REDIRECTS, t->redirects,
                 "too many redirects: stopped after %d (the limit)", t->redirects);
        return -1;
    }
    const char *loc = hxc_response_header(t->resp, "location");
    struct hxc__url next;
    if (hxc__url_resolve(&t->url, loc, &next, err) != HXC_OK) {
        hxc__err_prefix(err, "cannot follow the redirect to '%s'", loc);
        if (err)
            err->code = HXC_E_HTTP_BAD_REDIRECT;
        return -1;
    }
    if (t->has_body && t->req.body_read && t->resp->status != 303 &&
        !((t->resp->status == 301 || t->resp->status == 302) && strcmp(t->method, "POST") == 0)) {
        hxc__url_free(&next);
        hxc__err(err, HXC_E_HTTP_BAD_REDIRECT, t->resp->status,
                 "cannot follow the %d redirect to '%s': the streamed request body cannot be "
                 "sent again", t->resp->status, loc);
        return -1;
    }
    debug_line(c, HXC_DEBUG_INFO, "Following redirect (%d) to %s", t->resp->status, loc);
    redirect_method(t, t->resp->status);
    if (!hxc__url_same_origin(&t->url, &next))
        t->cross_origin = 1;
    hxc__url_free(&t->url);
    t->url = next;
    t->redirects++;
    t->resp->redirects = t->redirects;
    return hxc__transfer_prepare_hop(t, err) == HXC_OK ? 0 : -1;
}

static int idempotent(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "PUT") == 0 ||
           strcmp(m, "DELETE") == 0 || strcmp(m, "OPTIONS") == 0 || strcmp(m, "TRACE") == 0;
}

static int retryable(const struct hxc_transfer *t)
{
    if (t->retries >= MAX_RETRIES || t->override || t->finished_by_user)
        return 0;
    if (t->status == HXC_E_H2_GOAWAY)
        return 1; /* not processed by the server (RFC 9113 6.8) */
    if (t->status == HXC_E_H2_STREAM_RESET && t->err.detail == 7 /* REFUSED_STREAM */)
        return 1;
    /* a keep-alive connection the server closed while it sat idle: the
     * request never reached it; retried for idempotent methods only (RFC 9110
     * 9.2.2). Any other connection failure fails what was in flight. */
    if (!t->on_idle_conn || t->got_bytes || (t->req.body_read && t->has_body) ||
        !idempotent(t->method))
        return 0;
    return t->status == HXC_E_CONN_CLOSED || t->status == HXC_E_TLS_TRUNCATED ||
           t->status == HXC_E_SEND || t->status == HXC_E_RECV;
}

static void requeue(struct hxc_transfer *t)
{
    t->state = T_QUEUED;
    t->queued_at = t->last_activity = hxc__now_ms();
    t->pc = NULL;
    t->stream_id = 0;
    t->follow = 0;
    t->got_bytes = 0;
    t->status = HXC_OK;
    hxc__response_reset(t->resp);
}

static void finish(hxc_client *c, struct hxc_transfer *t, hxc_status st, const hxc_error *err)
{
    unlink_transfer(c, t);
    hxc_response *resp = NULL;
    if (st == HXC_OK) {
        resp = t->resp;
        t->resp = NULL;
    }
    if (t->keep_result) {
        t->done = 1;
        t->final_status = st;
        if (err)
            t->final_err = *err;
        t->final_resp = resp;
        return;
    }
    if (t->req.on_done)
        t->req.on_done(t->req.user, t, st, st == HXC_OK ? NULL : err, resp);
    else
        hxc_response_free(resp);
    hxc__transfer_free(t);
}

void hxc__transfer_process_finished(hxc_client *c)
{
    if (c->processing)
        return; /* re-entered from on_done: the outer call goes on */
    c->processing = 1;
    /* one pass; finish() unlinks only the transfer it is given, and on_done
     * may only append (submit) or mark others finished (cancel) */
    for (struct hxc_transfer *t = c->transfers, *next; t; t = next) {
        next = t->next;
        if (t->state != T_FINISHED)
            continue;
        hxc_error e = t->err;
        hxc_status st = t->status;
        if (t->finished_by_user) {
            st = HXC_E_CANCELLED;
            hxc__err(&e, st, 0, "transfer cancelled");
        } else if (t->override) {
            st = t->override;
            e = t->override_err;
        }
        if (st == HXC_OK && t->follow) {
            if (follow_redirect(t, &e) == 0) {
                requeue(t);
                continue;
            }
            st = e.code;
        } else if (st != HXC_OK && retryable(t)) {
            t->retries++;
            debug_line(c, HXC_DEBUG_INFO, "Retrying %s on another connection: %s", t->url_buf,
                       t->err.message);
            requeue(t);
            continue;
        }
        finish(c, t, st, &e);
    }
    c->processing = 0;
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

static hxc_status submit(hxc_client *c, const hxc_request *req, int keep,
                         struct hxc_transfer **out, hxc_error *err)
{
    if (c == NULL || req == NULL || req->url == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "a request needs a client and a URL");
    if (req->body != NULL && req->body_read != NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "a request has either a body buffer or a body_read source, not both");
    struct hxc_transfer *t = transfer_new(c, req, err);
    if (t == NULL)
        return err ? err->code : HXC_E_NOMEM;
    t->keep_result = keep;
    link_transfer(c, t);
    if (out)
        *out = t;
    return HXC_OK;
}

hxc_status hxc_client_submit(hxc_client *c, const hxc_request *req, hxc_transfer **out,
                             hxc_error *err)
{
    if (out)
        *out = NULL;
    return submit(c, req, 0, out, err);
}

void hxc_transfer_cancel(hxc_transfer *t)
{
    if (t == NULL || t->done || t->finished_by_user)
        return;
    t->finished_by_user = 1;
    if (t->state == T_ACTIVE && t->pc)
        hxc__conn_cancel(t->pc->conn, t);
    if (t->state != T_FINISHED) {
        hxc_error e;
        hxc__err(&e, HXC_E_CANCELLED, 0, "transfer cancelled");
        hxc__transfer_fail(t, &e);
    }
    hxc__transfer_process_finished(t->client);
}

void hxc_transfer_resume(hxc_transfer *t)
{
    if (t && t->state == T_ACTIVE && t->pc)
        hxc__conn_resume(t->pc->conn, t);
}

unsigned hxc_transfer_connection_id(const hxc_transfer *t)
{
    return t ? t->conn_id : 0;
}

int32_t hxc_transfer_stream_id(const hxc_transfer *t)
{
    if (t == NULL)
        return 0;
    if (t->state == T_ACTIVE && t->pc)
        return hxc__conn_stream_id(t->pc->conn, (void *)t);
    return t->stream_id;
}

/* Runs the loop until t is done; collects its result. */
static hxc_status wait_done(hxc_client *c, struct hxc_transfer *t, hxc_response **out,
                            hxc_error *err)
{
    while (!t->done)
        hxc__client_loop_step(c, -1, err);
    hxc_status st = t->final_status;
    if (st != HXC_OK && err)
        *err = t->final_err;
    if (out) {
        *out = t->final_resp;
        t->final_resp = NULL;
    }
    hxc__transfer_free(t);
    return st;
}

hxc_status hxc_client_request(hxc_client *c, const hxc_request *req, hxc_response **out,
                              hxc_error *err)
{
    if (out)
        *out = NULL;
    if (out == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "hxc_client_request needs an output");
    struct hxc_transfer *t;
    hxc_status st = submit(c, req, 1, &t, err);
    if (st != HXC_OK)
        return st;
    return wait_done(c, t, out, err);
}

hxc_status hxc_get(const char *url, hxc_response **out, hxc_error *err)
{
    hxc_client *c = hxc_client_new(NULL, err);
    if (c == NULL)
        return err ? err->code : HXC_E_NOMEM;
    hxc_request r;
    hxc_request_init(&r);
    r.url = url;
    hxc_status st = hxc_client_request(c, &r, out, err);
    hxc_client_free(c);
    return st;
}

/* ------------------------------------------------------------------ */
/* Pull-style streams                                                  */

/* Backpressure for a pull-style reader. On HTTP/2 its stream is held: only
 * what the reader takes reopens the stream's flow-control window, so an
 * unread stream holds at most that window (16 MiB) and the other streams
 * of the connection go on. On HTTP/1.1 (one response per connection) the
 * connection stops reading past this much unread body, and resumes below a
 * quarter of it. */
#define STREAM_HIGH_WATER (4u << 20)

#define CHUNK_SIZE 65536

struct chunk {
    struct chunk *next;
    size_t off, len, cap; /* data[off..len) is unread */
    uint8_t data[];
};

struct hxc_stream {
    hxc_client *client;
    struct hxc_transfer *t;
    hxc_head_fn user_head;
    void *user;
    int head;                /* the final response head arrived */
    struct chunk *first, *last; /* received, not yet read: a list, so that */
    size_t unread;              /* holding more never copies what is held */
    struct pconn *paused;    /* HTTP/1.1 connection we stopped reading */
    struct pconn *held;      /* HTTP/2 connection whose stream we hold */
};

static void stream_unpause(struct hxc_stream *s)
{
    if (s->paused && s->t->pc == s->paused)
        hxc__conn_pause_reading(s->paused->conn, 0);
    s->paused = NULL;
}

static int stream_head(void *user, const hxc_response *resp)
{
    struct hxc_stream *s = user;
    if (!s->t->follow)
        s->head = 1;
    return s->user_head ? s->user_head(s->user, resp) : 0;
}

static int stream_body(void *user, const uint8_t *data, size_t len)
{
    struct hxc_stream *s = user;
    if (s->held == NULL && s->t->pc && hxc__conn_is_h2(s->t->pc->conn)) {
        hxc__conn_hold_stream(s->t->pc->conn, s->t, 1); /* these bytes count already */
        s->held = s->t->pc;
    }
    while (len > 0) {
        struct chunk *c = s->last;
        if (c == NULL || c->len == c->cap) {
            size_t cap = len > CHUNK_SIZE ? len : CHUNK_SIZE;
            if ((c = malloc(sizeof *c + cap)) == NULL)
                return 1;
            c->next = NULL;
            c->off = c->len = 0;
            c->cap = cap;
            if (s->last)
                s->last->next = c;
            else
                s->first = c;
            s->last = c;
        }
        size_t n = c->cap - c->len < len ? c->cap - c->len : len;
        memcpy(c->data + c->len, data, n);
        c->len += n;
        s->unread += n;
        data += n;
        len -= n;
    }
    if (s->held == NULL && s->unread >= STREAM_HIGH_WATER && s->t->pc) {
        hxc__conn_pause_reading(s->t->pc->conn, 1);
        s->paused = s->t->pc;
    }
    return 0;
}

hxc_status hxc_client_open(hxc_client *c, const hxc_request *req, hxc_stream **out,
                           hxc_error *err)
{
    if (out)
        *out = NULL;
    if (out == NULL || req == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "hxc_client_open needs a request and an output");
    struct hxc_stream *s = calloc(1, sizeof *s);
    if (s == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory");
    hxc_request r = *req;
    s->client = c;
    s->user_head = req->on_head;
    s->user = req->user;
    r.on_head = stream_head;
    r.on_body = stream_body;
    r.on_done = NULL;
    r.user = s;
    hxc_status st = submit(c, &r, 1, &s->t, err);
    if (st != HXC_OK) {
        free(s);
        return st;
    }
    while (!s->head && !s->t->done)
        hxc__client_loop_step(c, -1, err);
    if (s->t->done && s->t->final_status != HXC_OK) {
        st = s->t->final_status;
        if (err)
            *err = s->t->final_err;
        hxc_stream_close(s);
        return st;
    }
    *out = s;
    return HXC_OK;
}

const hxc_response *hxc_stream_response(const hxc_stream *s)
{
    if (s == NULL)
        return NULL;
    return s->t->done ? s->t->final_resp : s->t->resp;
}

hxc_status hxc_stream_read(hxc_stream *s, void *buf, size_t cap, size_t *len, hxc_error *err)
{
    *len = 0;
    if (s == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "no stream");
    while (s->unread == 0 && !s->t->done)
        hxc__client_loop_step(s->client, -1, err);
    if (s->unread > 0) {
        struct chunk *c = s->first;
        size_t n = c->len - c->off < cap ? c->len - c->off : cap;
        memcpy(buf, c->data + c->off, n);
        c->off += n;
        s->unread -= n;
        if (c->off == c->len) {
            s->first = c->next;
            if (s->first == NULL)
                s->last = NULL;
            free(c);
        }
        *len = n;
        if (s->held && s->t->pc == s->held)
            hxc__conn_stream_consumed(s->held->conn, s->t, n);
        if (s->paused && s->unread < STREAM_HIGH_WATER / 4)
            stream_unpause(s);
        return HXC_OK;
    }
    if (s->t->final_status != HXC_OK && err)
        *err = s->t->final_err;
    return s->t->final_status;
}

void hxc_stream_close(hxc_stream *s)
{
    if (s == NULL)
        return;
    stream_unpause(s);
    if (!s->t->done)
        hxc_transfer_cancel(s->t);
    while (!s->t->done)
        hxc__client_loop_step(s->client, -1, NULL);
    hxc__transfer_free(s->t);
    for (struct chunk *c = s->first, *next; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    free(s);
}
