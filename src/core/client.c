/* The client: options, connection reuse, the blocking request built on the
 * non-blocking connection pump, redirects, timeouts, responses. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/err.h"
#include "core/response.h"
#include "core/url.h"
#include "pool/conn.h"
#include "tls/context.h"
#include "tls/tls.h"

#define MAX_CONNS 32

struct hxc_client {
    hxc_client_options opts;
    hxc_resolve *resolve;
    hxc_connect_to *connect_to;
    hxc_ssl_context *ssl;
    struct hxc__tls_config tlscfg;
    struct hxc__conn *conns[MAX_CONNS];
    size_t nconns;
};

void hxc_client_options_init(hxc_client_options *o)
{
    memset(o, 0, sizeof *o);
}

void hxc_request_init(hxc_request *r)
{
    memset(r, 0, sizeof *r);
}

static long timeout_or_default(long v, long dflt)
{
    if (v == 0)
        return dflt;
    return v < 0 ? -1 : v;
}

static hxc_status copy_resolve(hxc_client *c, const hxc_client_options *o, hxc_error *err)
{
    if (o->nresolve == 0)
        return HXC_OK;
    c->resolve = calloc(o->nresolve, sizeof *c->resolve);
    if (c->resolve == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory");
    for (size_t i = 0; i < o->nresolve; i++) {
        struct hxc__addr a;
        if (o->resolve[i].host == NULL || o->resolve[i].address == NULL ||
            hxc__net_parse_ip(o->resolve[i].address, o->resolve[i].port, &a) != 0)
            return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                            "resolve entry %zu: '%s' is not an IPv4 or IPv6 address", i,
                            o->resolve[i].address ? o->resolve[i].address : "(null)");
        c->resolve[i].host = strdup(o->resolve[i].host);
        c->resolve[i].address = strdup(o->resolve[i].address);
        c->resolve[i].port = o->resolve[i].port;
        c->opts.nresolve = i + 1;
        if (c->resolve[i].host == NULL || c->resolve[i].address == NULL)
            return hxc__err(err, HXC_E_NOMEM, 0, "out of memory");
        for (char *p = (char *)c->resolve[i].host; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    return HXC_OK;
}

static hxc_status copy_connect_to(hxc_client *c, const hxc_client_options *o, hxc_error *err)
{
    if (o->nconnect_to == 0)
        return HXC_OK;
    c->connect_to = calloc(o->nconnect_to, sizeof *c->connect_to);
    if (c->connect_to == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory");
    for (size_t i = 0; i < o->nconnect_to; i++) {
        const hxc_connect_to *in = &o->connect_to[i];
        if (in->target_host == NULL || in->target_host[0] == '\0')
            return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                            "connect-to entry %zu has no target host", i);
        c->connect_to[i] = *in;
        c->connect_to[i].host = strdup(in->host ? in->host : "");
        c->connect_to[i].target_host = strdup(in->target_host);
        c->opts.nconnect_to = i + 1;
        if (c->connect_to[i].host == NULL || c->connect_to[i].target_host == NULL)
            return hxc__err(err, HXC_E_NOMEM, 0, "out of memory");
        for (char *p = (char *)c->connect_to[i].host; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    return HXC_OK;
}

hxc_client *hxc_client_new(const hxc_client_options *opts, hxc_error *err)
{
    hxc_client_options dflt;
    if (opts == NULL) {
        hxc_client_options_init(&dflt);
        opts = &dflt;
    }
    hxc_client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating a client");
        return NULL;
    }
    c->opts = *opts;
    hxc_ssl_options_init(&c->opts.ssl); /* consumed below, pointers not kept */
    c->opts.ssl_context = NULL;
    c->opts.resolve = NULL;
    c->opts.nresolve = 0;
    c->opts.connect_to = NULL;
    c->opts.nconnect_to = 0;
    c->opts.max_redirects = opts->max_redirects == 0 ? 20 : (opts->max_redirects < 0 ? 0 : opts->max_redirects);
    c->opts.connect_timeout_ms = timeout_or_default(opts->connect_timeout_ms, 30000);
    c->opts.read_timeout_ms = timeout_or_default(opts->read_timeout_ms, 30000);
    c->opts.write_timeout_ms = timeout_or_default(opts->write_timeout_ms, 30000);
    c->opts.max_header_bytes = opts->max_header_bytes ? opts->max_header_bytes : 65536;

    if (copy_resolve(c, opts, err) != HXC_OK || copy_connect_to(c, opts, err) != HXC_OK)
        goto fail;
    if (opts->ssl_context != NULL) {
        c->ssl = opts->ssl_context;
        hxc__ssl_context_use(c->ssl);
    } else {
        c->ssl = hxc_create_ssl_context(&opts->ssl, err);
        if (c->ssl == NULL)
            goto fail;
        c->ssl->frozen = 1;
    }
    hxc__ssl_context_tls_config(c->ssl, opts->http_version, &c->tlscfg);
    return c;
fail:
    hxc_client_free(c);
    return NULL;
}

static void drop_conn(hxc_client *c, size_t i)
{
    hxc__conn_free(c->conns[i]);
    c->conns[i] = c->conns[--c->nconns];
}

void hxc_client_free(hxc_client *c)
{
    if (c == NULL)
        return;
    while (c->nconns > 0)
        drop_conn(c, c->nconns - 1);
    for (size_t i = 0; i < c->opts.nresolve; i++) {
        free((char *)c->resolve[i].host);
        free((char *)c->resolve[i].address);
    }
    free(c->resolve);
    for (size_t i = 0; i < c->opts.nconnect_to; i++) {
        free((char *)c->connect_to[i].host);
        free((char *)c->connect_to[i].target_host);
    }
    free(c->connect_to);
    hxc_ssl_context_free(c->ssl);
    free(c);
}

/* ------------------------------------------------------------------ */
/* One exchange on one connection                                      */

struct transfer {
    hxc_client *client;
    const hxc_request *req;
    hxc_response *resp;      /* response being received */
    int follow;              /* this response is a redirect that will be followed */
    int done;
    int got_bytes;           /* any response byte arrived */
    hxc_status status;
    hxc_error err;
};

#define debug_line(c, kind, ...) hxc__debugf((c)->opts.debug, (c)->opts.debug_user, kind, __VA_ARGS__)

static int ev_status(void *user, int status, int version, const char *reason, size_t reason_len,
                     int interim)
{
    struct transfer *t = user;
    t->got_bytes = 1;
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
    struct transfer *t = user;
    if (t->resp->status == 0)
        return 0; /* interim response header */
    debug_line(t->client, HXC_DEBUG_HEADER_IN, "%.*s: %.*s", (int)nlen, name, (int)vlen, value);
    return hxc__response_add_header(t->resp, name, nlen, value, vlen) == HXC_OK ? 0 : 1;
}

static int is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static int ev_headers_done(void *user)
{
    struct transfer *t = user;
    if (t->resp->status == 0)
        return 0;
    hxc_client *c = t->client;
    t->follow = c->opts.follow_redirects && is_redirect(t->resp->status) &&
                hxc_response_header(t->resp, "location") != NULL;
    if (t->req->on_head)
        return t->req->on_head(t->req->user, t->resp);
    return 0;
}

static int ev_body(void *user, const uint8_t *data, size_t len)
{
    struct transfer *t = user;
    if (t->follow)
        return 0; /* a redirect's body is discarded */
    if (t->req->on_body)
        return t->req->on_body(t->req->user, data, len);
    return hxc__response_append_body(t->resp, data, len) == HXC_OK ? 0 : 1;
}

static void ev_complete(void *user, hxc_status status, const hxc_error *err)
{
    struct transfer *t = user;
    t->done = 1;
    t->status = status;
    if (status != HXC_OK && err != NULL)
        t->err = *err;
    else if (status != HXC_OK)
        hxc__err(&t->err, status, 0, "%s", hxc_strerror(status));
}

static const struct hxc__msg_events transfer_events = {
    ev_status, ev_header, ev_headers_done, ev_body, ev_complete,
};

/* ------------------------------------------------------------------ */
/* Connections                                                         */

static hxc_status lookup(hxc_client *c, const struct hxc__url *u, struct hxc__addr *addrs,
                         size_t *n, hxc_error *err)
{
    const char *host = u->host;
    unsigned port = u->port;
    for (size_t i = 0; i < c->opts.nconnect_to; i++) {
        const hxc_connect_to *ct = &c->connect_to[i];
        if ((ct->host[0] == '\0' || strcmp(ct->host, u->host) == 0) &&
            (ct->port == 0 || ct->port == u->port)) {
            host = ct->target_host;
            port = ct->target_port ? ct->target_port : u->port;
            debug_line(c, HXC_DEBUG_INFO, "Connecting to %s:%u instead of %s:%u (connect-to); "
                       "the certificate is still verified for '%s'", host, port, u->host,
                       u->port, u->host);
            break;
        }
    }
    for (size_t i = 0; i < c->opts.nresolve; i++) {
        if (c->resolve[i].port == port && strcmp(c->resolve[i].host, host) == 0) {
            hxc__net_parse_ip(c->resolve[i].address, port, &addrs[0]);
            *n = 1;
            debug_line(c, HXC_DEBUG_INFO, "Resolved %s:%u to %s (--resolve)", host, port,
                       addrs[0].text);
            return HXC_OK;
        }
    }
    return hxc__net_resolve(host, port, addrs, n, err);
}

static void origin_key(const struct hxc__url *u, char *buf, size_t n)
{
    snprintf(buf, n, "%s://%s:%u", u->scheme, u->host, u->port);
}

/* An idle pooled connection to this origin that is still alive, or NULL. */
static struct hxc__conn *pooled(hxc_client *c, const char *key)
{
    for (size_t i = 0; i < c->nconns; i++) {
        struct hxc__conn *k = c->conns[i];
        if (strcmp(hxc__conn_origin(k), key) != 0 || !hxc__conn_idle(k))
            continue;
        hxc_error e;
        /* notice a server that closed the idle connection */
        if (hxc__conn_pump(k, &e) != HXC_OK || !hxc__conn_reusable(k)) {
            drop_conn(c, i--);
            continue;
        }
        return k;
    }
    return NULL;
}

static struct hxc__conn *open_conn(hxc_client *c, const struct hxc__url *u, const char *key,
                                   hxc_error *err)
{
    struct hxc__addr addrs[HXC_NET_MAX_ADDRS];
    size_t n = 0;
    if (lookup(c, u, addrs, &n, err) != HXC_OK)
        return NULL;
    if (c->nconns == MAX_CONNS)
        drop_conn(c, 0);
    struct hxc__conn_params p = {
        .tls = strcmp(u->scheme, "https") == 0,
        .host = u->host,
        .port = u->port,
        .origin_key = key,
        .addrs = addrs,
        .naddrs = n,
        .tlscfg = &c->tlscfg,
        .h2_prior_knowledge = c->opts.http2_prior_knowledge,
        .events = &transfer_events,
        .max_header_bytes = c->opts.max_header_bytes,
        .debug = c->opts.debug,
        .debug_user = c->opts.debug_user,
    };
    struct hxc__conn *k = hxc__conn_new(&p, err);
    if (k != NULL)
        c->conns[c->nconns++] = k;
    return k;
}

static void remove_conn(hxc_client *c, struct hxc__conn *k)
{
    for (size_t i = 0; i < c->nconns; i++)
        if (c->conns[i] == k) {
            drop_conn(c, i);
            return;
        }
}

static int64_t earliest(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

/* Which deadline is due, as an error, or HXC_OK. */
static hxc_status check_deadlines(hxc_client *c, struct hxc__conn *k, const struct hxc__url *u,
                                  int64_t started, int64_t total_deadline, int64_t now,
                                  int64_t *next, hxc_error *err)
{
    const hxc_client_options *o = &c->opts;
    *next = total_deadline;
    if (total_deadline >= 0 && now >= total_deadline)
        return hxc__err(err, HXC_E_TIMEOUT_TOTAL, o->total_timeout_ms,
                        "transfer to %s exceeded the %ld ms time limit", u->host,
                        o->total_timeout_ms);
    if (!hxc__conn_ready(k)) {
        if (o->connect_timeout_ms >= 0) {
            int64_t d = started + o->connect_timeout_ms;
            if (now >= d)
                return hxc__err(err, HXC_E_TIMEOUT_CONNECT, o->connect_timeout_ms,
                                "connecting to %s:%u timed out after %ld ms", u->host, u->port,
                                o->connect_timeout_ms);
            *next = earliest(*next, d);
        }
        return HXC_OK;
    }
    if (hxc__conn_has_output(k) && o->write_timeout_ms >= 0) {
        int64_t d = hxc__conn_last_tx(k) + o->write_timeout_ms;
        if (now >= d)
            return hxc__err(err, HXC_E_TIMEOUT_WRITE, o->write_timeout_ms,
                            "sending to %s timed out: no progress for %ld ms", u->host,
                            o->write_timeout_ms);
        *next = earliest(*next, d);
    }
    if (o->read_timeout_ms >= 0) {
        int64_t last = hxc__conn_last_rx(k);
        int64_t tx = hxc__conn_last_tx(k);
        int64_t d = (last > tx ? last : tx) + o->read_timeout_ms;
        if (now >= d)
            return hxc__err(err, HXC_E_TIMEOUT_READ, o->read_timeout_ms,
                            "reading from %s timed out: nothing received for %ld ms", u->host,
                            o->read_timeout_ms);
        *next = earliest(*next, d);
    }
    return HXC_OK;
}

static void fill_tls_info(hxc_response *r, struct hxc__conn *k, int verified)
{
    struct hxc__tls *tls = hxc__conn_tls(k);
    if (tls == NULL)
        return;
    hxc__response_set_tls(r, hxc__tls_version_name(tls), hxc__tls_cipher_name(tls),
                          hxc__tls_alpn(tls), hxc__tls_peer_summary(tls), verified);
}

/* Runs one request/response on a (new or pooled) connection to u. */
static hxc_status exchange(hxc_client *c, struct transfer *t, const struct hxc__url *u,
                           const struct hxc__req_desc *rd, int is_head, int64_t total_deadline,
                           int *retryable)
{
    char key[300];
    origin_key(u, key, sizeof key);
    *retryable = 0;
    struct hxc__conn *k = pooled(c, key);
    int reused = k != NULL;
    if (reused)
        debug_line(c, HXC_DEBUG_INFO, "Re-using existing connection to %s", key);
    if (k == NULL)
        k = open_conn(c, u, key, &t->err);
    if (k == NULL)
        return t->err.code;
    if (hxc__conn_submit(k, rd, is_head, &t->err) != HXC_OK)
        return t->err.code;

    int64_t started = hxc__now_ms();
    while (!t->done) {
        hxc_error e;
        hxc__conn_pump(k, &e);
        if (t->done)
            break;
        int64_t next;
        int64_t now = hxc__now_ms();
        if (check_deadlines(c, k, u, started, total_deadline, now, &next, &e) != HXC_OK) {
            hxc__conn_fail(k, &e);
            break;
        }
        struct hxc__wait w = {hxc__conn_fd(k), hxc__conn_wants(k), 0};
        if (w.events == 0 && !hxc__conn_dead(k))
            w.events = HXC_NET_IN;
        hxc__net_wait(&w, 1, next < 0 ? -1 : next - now);
    }
    if (hxc__conn_ready(k) || hxc__conn_tls(k))
        fill_tls_info(t->resp, k, c->tlscfg.verify);
    if (t->status != HXC_OK && reused && !t->got_bytes &&
        (t->status == HXC_E_CONN_CLOSED || t->status == HXC_E_TLS_TRUNCATED ||
         t->status == HXC_E_SEND || t->status == HXC_E_RECV))
        *retryable = 1;
    if (hxc__conn_dead(k) || !hxc__conn_reusable(k))
        remove_conn(c, k);
    return t->status;
}

/* ------------------------------------------------------------------ */
/* Requests and redirects                                              */

static int ieq(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

struct hop {
    const char *method;
    const void *body;
    size_t body_len;
    int has_body;
    int cross_origin_seen;  /* Authorization dropped once the origin changed */
};

static int has_header(const hxc_request *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (ieq(req->headers[i].name, name))
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
 * cross origins or outlive the body. out has room for nheaders + 2. */
static size_t build_headers(const hxc_request *req, const struct hop *h, struct hxc__hdr *out)
{
    size_t n = 0;
    if (!has_header(req, "user-agent"))
        add_hdr(out, &n, "User-Agent", "hxc/" HXC_VERSION_STRING);
    if (!has_header(req, "accept"))
        add_hdr(out, &n, "Accept", "*/*");
    for (size_t i = 0; i < req->nheaders; i++) {
        const char *name = req->headers[i].name;
        const char *value = req->headers[i].value ? req->headers[i].value : "";
        if (h->cross_origin_seen && (ieq(name, "authorization") || ieq(name, "cookie") ||
                                     ieq(name, "proxy-authorization")))
            continue;
        if (!h->has_body && (ieq(name, "content-type") || ieq(name, "content-length")))
            continue;
        if (ieq(name, "host") || ieq(name, "content-length"))
            continue; /* the engines write these */
        add_hdr(out, &n, name, value);
    }
    return n;
}

/* RFC 9110 15.4: 303 -> GET (except HEAD); 301/302 turn POST into GET, as
 * browsers, curl and HTTPX do; 307/308 keep method and body. */
static void redirect_method(int status, struct hop *h)
{
    if ((status == 303 && strcmp(h->method, "HEAD") != 0) ||
        ((status == 301 || status == 302) && strcmp(h->method, "POST") == 0)) {
        h->method = "GET";
        h->body = NULL;
        h->body_len = 0;
        h->has_body = 0;
    }
}

static hxc_status one_hop(hxc_client *c, const hxc_request *req, const struct hxc__url *u,
                          const struct hop *h, hxc_response *resp, int64_t total_deadline,
                          int *follow, hxc_error *err)
{
    struct hxc__hdr *hdrs = calloc(req->nheaders + 2, sizeof *hdrs);
    char *authority = hxc__url_authority(u);
    hxc_status st;
    if (hdrs == NULL || authority == NULL) {
        st = hxc__err(err, HXC_E_NOMEM, 0, "out of memory");
        goto out;
    }
    struct hxc__req_desc rd = {
        .method = h->method,
        .scheme = u->scheme,
        .authority = authority,
        .path = u->path,
        .headers = hdrs,
        .nheaders = build_headers(req, h, hdrs),
        .body = h->body,
        .body_len = h->body_len,
        .has_body = h->has_body,
    };
    for (int attempt = 0; attempt < 2; attempt++) {
        struct transfer t;
        memset(&t, 0, sizeof t);
        t.client = c;
        t.req = req;
        t.resp = resp;
        rd.user = &t;
        hxc__response_reset(resp);
        int retryable = 0;
        st = exchange(c, &t, u, &rd, strcmp(h->method, "HEAD") == 0, total_deadline, &retryable);
        *follow = t.follow;
        if (st == HXC_OK || !retryable) {
            if (st != HXC_OK && err)
                *err = t.err;
            break;
        }
        debug_line(c, HXC_DEBUG_INFO, "Pooled connection was closed (%s); retrying",
                   t.err.message);
    }
out:
    free(hdrs);
    free(authority);
    return st;
}

hxc_status hxc_client_request(hxc_client *c, const hxc_request *req, hxc_response **out,
                              hxc_error *err)
{
    if (out)
        *out = NULL;
    if (c == NULL || req == NULL || req->url == NULL || out == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "hxc_client_request needs a client, a request with a URL and an output");
    struct hxc__url u;
    hxc_status st = hxc__url_parse(req->url, &u, err);
    if (st != HXC_OK)
        return st;
    hxc_response *resp = hxc__response_new();
    if (resp == NULL) {
        hxc__url_free(&u);
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory");
    }
    struct hop h = {
        .method = req->method ? req->method : (req->body ? "POST" : "GET"),
        .body = req->body,
        .body_len = req->body_len,
        .has_body = req->body != NULL,
    };
    int64_t total_deadline =
        c->opts.total_timeout_ms > 0 ? hxc__now_ms() + c->opts.total_timeout_ms : -1;
    for (int hops = 0;; hops++) {
        char *s = hxc__url_string(&u);
        hxc__response_set_url(resp, s);
        free(s);
        int follow = 0;
        st = one_hop(c, req, &u, &h, resp, total_deadline, &follow, err);
        if (st != HXC_OK || !follow)
            break;
        if (hops >= c->opts.max_redirects) {
            st = hxc__err(err, HXC_E_HTTP_TOO_MANY_REDIRECTS, hops,
                          "too many redirects: stopped after %d (the limit)", hops);
            break;
        }
        const char *loc = hxc_response_header(resp, "location");
        struct hxc__url next;
        st = hxc__url_resolve(&u, loc, &next, err);
        if (st != HXC_OK) {
            hxc__err_prefix(err, "cannot follow the redirect to '%s'", loc);
            if (err)
                err->code = HXC_E_HTTP_BAD_REDIRECT;
            st = HXC_E_HTTP_BAD_REDIRECT;
            break;
        }
        debug_line(c, HXC_DEBUG_INFO, "Following redirect (%d) to %s", resp->status, loc);
        redirect_method(resp->status, &h);
        if (!hxc__url_same_origin(&u, &next))
            h.cross_origin_seen = 1;
        hxc__url_free(&u);
        u = next;
        resp->redirects = hops + 1;
    }
    hxc__url_free(&u);
    if (st != HXC_OK) {
        hxc_response_free(resp);
        return st;
    }
    *out = resp;
    return HXC_OK;
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
