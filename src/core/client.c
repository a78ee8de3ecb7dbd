/* The client: options, the connection pool (HTTP/2 multiplexing, HTTP/1.1
 * keep-alive, limits) and the single-threaded event loop that drives every
 * connection and transfer: one wait over all sockets, the earliest deadline
 * as its timeout. Transfers themselves (requests, redirects, retries,
 * completion) are in transfer.c. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/client.h"
#include "base/err.h"
#include "tls/cache.h"

#define MAX_WAIT 256

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
    c->opts.pool_timeout_ms = timeout_or_default(opts->pool_timeout_ms, 30000);
    c->opts.max_connections = opts->max_connections > 0 ? opts->max_connections : 100;
    c->opts.max_keepalive = opts->max_keepalive > 0 ? opts->max_keepalive : 20;
    c->opts.keepalive_expiry_ms = opts->keepalive_expiry_ms > 0 ? opts->keepalive_expiry_ms : 5000;

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
    c->tlscfg.cache = hxc__tls_cache_new();
    if (c->tlscfg.cache == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating a client");
        goto fail;
    }
    return c;
fail:
    hxc_client_free(c);
    return NULL;
}

#define debug_line(c, kind, ...) hxc__debugf((c)->opts.debug, (c)->opts.debug_user, kind, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* The pool                                                            */

static void close_pconn(hxc_client *c, struct pconn *pc)
{
    struct pconn **pp = &c->conns;
    while (*pp && *pp != pc)
        pp = &(*pp)->next;
    if (*pp)
        *pp = pc->next;
    c->nconns--;
    hxc__conn_free(pc->conn);
    free(pc);
}

void hxc_client_free(hxc_client *c)
{
    if (c == NULL)
        return;
    while (c->transfers) {
        struct hxc_transfer *t = c->transfers;
        c->transfers = t->next;
        hxc__transfer_free(t);
    }
    c->transfers_tail = NULL;
    while (c->conns)
        close_pconn(c, c->conns);
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
    hxc__tls_cache_free(c->tlscfg.cache);
    free(c);
}

static int known_h1(const hxc_client *c, const char *origin)
{
    for (unsigned i = 0; i < c->nh1_origins; i++)
        if (strcmp(c->h1_origins[i], origin) == 0)
            return 1;
    return 0;
}

static void learn_h1(hxc_client *c, const char *origin)
{
    if (known_h1(c, origin))
        return;
    unsigned i = c->nh1_origins < 16 ? c->nh1_origins++ : 15;
    snprintf(c->h1_origins[i], sizeof c->h1_origins[i], "%s", origin);
}

/* Where to connect for u: --connect-to, then --resolve. */
static void connect_target(hxc_client *c, const struct hxc__url *u, const char **host,
                           unsigned *port, struct hxc__addr *fixed, size_t *nfixed)
{
    *host = u->host;
    *port = u->port;
    *nfixed = 0;
    for (size_t i = 0; i < c->opts.nconnect_to; i++) {
        const hxc_connect_to *ct = &c->connect_to[i];
        if ((ct->host[0] == '\0' || strcmp(ct->host, u->host) == 0) &&
            (ct->port == 0 || ct->port == u->port)) {
            *host = ct->target_host;
            *port = ct->target_port ? ct->target_port : u->port;
            debug_line(c, HXC_DEBUG_INFO, "Connecting to %s:%u instead of %s:%u (connect-to); "
                       "the certificate is still verified for '%s'", *host, *port, u->host,
                       u->port, u->host);
            break;
        }
    }
    for (size_t i = 0; i < c->opts.nresolve; i++) {
        if (c->resolve[i].port == *port && strcmp(c->resolve[i].host, *host) == 0) {
            hxc__net_parse_ip(c->resolve[i].address, *port, &fixed[0]);
            *nfixed = 1;
            debug_line(c, HXC_DEBUG_INFO, "Resolved %s:%u to %s (--resolve)", *host, *port,
                       fixed[0].text);
            return;
        }
    }
    if (hxc__net_parse_ip(*host, *port, &fixed[0]) == 0)
        *nfixed = 1;
}

static struct pconn *open_pconn(hxc_client *c, const struct hxc_transfer *t, hxc_error *err)
{
    const char *host;
    unsigned port;
    struct hxc__addr fixed[1];
    size_t nfixed;
    connect_target(c, &t->url, &host, &port, fixed, &nfixed);
    struct pconn *pc = calloc(1, sizeof *pc);
    if (pc == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory opening a connection");
        return NULL;
    }
    snprintf(pc->origin, sizeof pc->origin, "%s", t->origin);
    struct hxc__conn_params p = {
        .tls = strcmp(t->url.scheme, "https") == 0,
        .host = t->url.host,
        .connect_host = host,
        .connect_port = port,
        .origin_key = t->origin,
        .addrs = fixed,
        .naddrs = nfixed,
        .tlscfg = &c->tlscfg,
        .h2_prior_knowledge = c->opts.http2_prior_knowledge,
        .events = &hxc__transfer_events,
        .max_header_bytes = c->opts.max_header_bytes,
        .debug = c->opts.debug,
        .debug_user = c->opts.debug_user,
    };
    pc->conn = hxc__conn_new(&p, err);
    if (pc->conn == NULL) {
        free(pc);
        return NULL;
    }
    pc->id = ++c->next_conn_id;
    pc->next = c->conns;
    c->conns = pc;
    c->nconns++;
    debug_line(c, HXC_DEBUG_INFO, "Opening connection #%u to %s", pc->id, pc->origin);
    return pc;
}

static void submit_on(hxc_client *c, struct hxc_transfer *t, struct pconn *pc, int reused)
{
    hxc_error e;
    t->pc = pc;
    t->conn_id = pc->id;
    t->state = T_ACTIVE;
    t->last_activity = hxc__now_ms();
    t->on_idle_conn = pc->idle_since != 0;
    pc->idle_since = 0;
    if (reused)
        debug_line(c, HXC_DEBUG_INFO, "Re-using existing connection #%u to %s", pc->id,
                   pc->origin);
    if (hxc__conn_submit(pc->conn, &t->rd, strcmp(t->method, "HEAD") == 0, &e) != HXC_OK) {
        t->pc = NULL;
        hxc__transfer_fail(t, &e);
    }
}

/* The least recently used idle connection (any origin), to make room. */
static struct pconn *oldest_idle(hxc_client *c)
{
    struct pconn *best = NULL;
    for (struct pconn *pc = c->conns; pc; pc = pc->next)
        if (pc->idle_since && (best == NULL || pc->idle_since < best->idle_since))
            best = pc;
    return best;
}

/* Finds or opens a connection for a queued transfer. HTTP/2: one
 * connection per origin carries up to the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS (one stream until its SETTINGS arrive);
 * beyond that transfers wait; a new connection is opened only once the
 * current one drains (GOAWAY) or dies. HTTP/1.1: one request per
 * connection at a time, keep-alive connections reused, more connections
 * opened (up to max_connections) for concurrent requests. */
static void assign(hxc_client *c, struct hxc_transfer *t)
{
    struct pconn *h2 = NULL, *idle = NULL;
    int unknown = 0;
    for (struct pconn *pc = c->conns; pc; pc = pc->next) {
        if (strcmp(pc->origin, t->origin) != 0 || hxc__conn_dead(pc->conn))
            continue;
        if (!hxc__conn_ready(pc->conn)) {
            unknown++;
            continue;
        }
        int cap = hxc__conn_capacity(pc->conn);
        if (hxc__conn_is_h2(pc->conn)) {
            if (cap > 0 && (h2 == NULL || hxc__conn_active(pc->conn) < hxc__conn_active(h2->conn)))
                h2 = pc;
        } else {
            learn_h1(c, pc->origin);
            if (cap > 0 && hxc__conn_active(pc->conn) == 0)
                idle = pc;
        }
    }
    if (h2) {
        if (hxc__conn_active(h2->conn) < hxc__conn_capacity(h2->conn))
            submit_on(c, t, h2, 1);
        return;
    }
    if (idle) {
        submit_on(c, t, idle, 1);
        return;
    }
    if (unknown > 0 && !known_h1(c, t->origin))
        return; /* wait for the handshake to tell whether it multiplexes */
    if ((int)c->nconns >= c->opts.max_connections) {
        struct pconn *victim = oldest_idle(c);
        if (victim == NULL)
            return; /* wait for a slot (pool timeout) */
        close_pconn(c, victim);
    }
    hxc_error e;
    struct pconn *pc = open_pconn(c, t, &e);
    if (pc == NULL) {
        hxc__transfer_fail(t, &e);
        return;
    }
    submit_on(c, t, pc, 0);
}

void hxc__client_dispatch(hxc_client *c)
{
    for (struct hxc_transfer *t = c->transfers; t; t = t->next)
        if (t->state == T_QUEUED)
            assign(c, t);
}

/* ------------------------------------------------------------------ */
/* Deadlines                                                           */

/* Cancels an active transfer for a timeout, reporting err instead. */
static void expire(struct hxc_transfer *t, const hxc_error *err)
{
    t->override = err->code;
    t->override_err = *err;
    if (t->state == T_ACTIVE && t->pc)
        hxc__conn_cancel(t->pc->conn, t);
    else if (t->state == T_QUEUED)
        hxc__transfer_fail(t, err);
}

static int64_t transfer_deadlines(hxc_client *c, struct hxc_transfer *t, int64_t now)
{
    const hxc_client_options *o = &c->opts;
    hxc_error e;
    int64_t next = t->total_deadline;
    if (t->total_deadline >= 0 && now >= t->total_deadline) {
        hxc__err(&e, HXC_E_TIMEOUT_TOTAL, o->total_timeout_ms,
                 "transfer to %s exceeded the %ld ms time limit", t->url.host,
                 o->total_timeout_ms);
        expire(t, &e);
        return -1;
    }
    if (t->state == T_QUEUED && o->pool_timeout_ms >= 0) {
        int64_t d = t->queued_at + o->pool_timeout_ms;
        if (now >= d) {
            hxc__err(&e, HXC_E_TIMEOUT_POOL, o->pool_timeout_ms,
                     "no connection to %s became available within %ld ms", t->origin,
                     o->pool_timeout_ms);
            expire(t, &e);
            return -1;
        }
        return hxc__earliest(next, d);
    }
    if (t->state != T_ACTIVE || t->pc == NULL || !hxc__conn_ready(t->pc->conn))
        return next;
    if (o->read_timeout_ms >= 0) {
        int64_t tx = hxc__conn_last_tx(t->pc->conn);
        int64_t d = (t->last_activity > tx ? t->last_activity : tx) + o->read_timeout_ms;
        if (now >= d) {
            hxc__err(&e, HXC_E_TIMEOUT_READ, o->read_timeout_ms,
                     "reading from %s timed out: nothing received for %ld ms", t->url.host,
                     o->read_timeout_ms);
            expire(t, &e);
            return -1;
        }
        next = hxc__earliest(next, d);
    }
    return next;
}

/* Connection-level deadlines: connect (TCP + TLS), write progress,
 * keep-alive expiry. Returns the next one. */
static int64_t conn_deadlines(hxc_client *c, struct pconn *pc, int64_t now)
{
    const hxc_client_options *o = &c->opts;
    struct hxc__conn *k = pc->conn;
    hxc_error e;
    int64_t next = hxc__conn_deadline(k);
    if (!hxc__conn_ready(k)) {
        if (o->connect_timeout_ms < 0)
            return next;
        int64_t d = hxc__conn_created(k) + o->connect_timeout_ms;
        if (now >= d) {
            hxc__err(&e, HXC_E_TIMEOUT_CONNECT, o->connect_timeout_ms,
                     "connecting to %s timed out after %ld ms", pc->origin,
                     o->connect_timeout_ms);
            hxc__conn_fail(k, &e);
            return -1;
        }
        return hxc__earliest(next, d);
    }
    if (hxc__conn_has_output(k) && o->write_timeout_ms >= 0) {
        int64_t d = hxc__conn_last_tx(k) + o->write_timeout_ms;
        if (now >= d) {
            hxc__err(&e, HXC_E_TIMEOUT_WRITE, o->write_timeout_ms,
                     "sending to %s timed out: no progress for %ld ms", pc->origin,
                     o->write_timeout_ms);
            hxc__conn_fail(k, &e);
            return -1;
        }
        next = hxc__earliest(next, d);
    }
    if (pc->idle_since)
        next = hxc__earliest(next, pc->idle_since + o->keepalive_expiry_ms);
    return next;
}

/* Drops dead connections, marks idle ones, closes expired or surplus idle
 * ones. */
static void sweep(hxc_client *c, int64_t now)
{
    int idle = 0;
    for (struct pconn *pc = c->conns, *next; pc; pc = next) {
        next = pc->next;
        struct hxc__conn *k = pc->conn;
        if (hxc__conn_dead(k)) {
            close_pconn(c, pc);
            continue;
        }
        if (!hxc__conn_ready(k) || !hxc__conn_idle(k)) {
            pc->idle_since = 0;
            continue;
        }
        if (!hxc__conn_reusable(k)) {
            close_pconn(c, pc);
            continue;
        }
        if (pc->idle_since == 0)
            pc->idle_since = now;
        if (now - pc->idle_since >= c->opts.keepalive_expiry_ms) {
            debug_line(c, HXC_DEBUG_INFO, "Closing idle connection #%u to %s (keep-alive expiry)",
                       pc->id, pc->origin);
            close_pconn(c, pc);
            continue;
        }
        idle++;
    }
    while (idle > c->opts.max_keepalive) {
        close_pconn(c, oldest_idle(c));
        idle--;
    }
}

/* ------------------------------------------------------------------ */
/* The loop                                                            */

static void pump_all(hxc_client *c, const struct hxc__wait *w, size_t n)
{
    for (struct pconn *pc = c->conns; pc; pc = pc->next) {
        hxc_error e;
        if (!hxc__conn_dead(pc->conn))
            hxc__conn_pump(pc->conn, w, n, &e);
    }
}

/* Settles everything that can be settled without waiting. */
static void settle(hxc_client *c)
{
    for (int round = 0; round < 8; round++) {
        unsigned before = c->ntransfers;
        /* notice connections the server closed before handing them work */
        pump_all(c, NULL, 0);
        sweep(c, hxc__now_ms());
        hxc__client_dispatch(c);
        pump_all(c, NULL, 0);
        hxc__transfer_process_finished(c);
        int queued = 0;
        for (struct hxc_transfer *t = c->transfers; t; t = t->next)
            queued += t->state == T_QUEUED;
        if (!queued || c->ntransfers == before)
            break;
    }
}

int hxc__client_loop_step(hxc_client *c, long timeout_ms, hxc_error *err)
{
    (void)err;
    unsigned long events = c->events;
    settle(c);
    int64_t now = hxc__now_ms();
    int64_t next = -1;
    for (struct hxc_transfer *t = c->transfers; t; t = t->next)
        if (t->state != T_FINISHED)
            next = hxc__earliest(next, transfer_deadlines(c, t, now));
    for (struct pconn *pc = c->conns; pc; pc = pc->next)
        if (!hxc__conn_dead(pc->conn))
            next = hxc__earliest(next, conn_deadlines(c, pc, now));
    hxc__transfer_process_finished(c);
    sweep(c, now);
    hxc__client_dispatch(c);

    struct hxc__wait w[MAX_WAIT];
    size_t n = 0;
    for (struct pconn *pc = c->conns; pc && n < MAX_WAIT; pc = pc->next)
        if (!hxc__conn_dead(pc->conn))
            n += hxc__conn_fds(pc->conn, w + n, MAX_WAIT - n);
    int64_t wait = timeout_ms < 0 ? -1 : timeout_ms;
    if (next >= 0)
        wait = hxc__earliest(wait, next > now ? next - now : 0);
    if (c->ntransfers == 0)
        return 0; /* nothing to wait for */
    if (c->events != events)
        wait = 0; /* something was delivered: let the caller look before blocking */
    if (n > 0 || wait != 0)
        hxc__net_wait(w, n, wait);
    pump_all(c, w, n);
    hxc__transfer_process_finished(c);
    settle(c);
    sweep(c, hxc__now_ms());
    return (int)c->ntransfers;
}

hxc_status hxc_client_run(hxc_client *c, hxc_error *err)
{
    if (c == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "hxc_client_run needs a client");
    while (c->ntransfers > 0)
        if (hxc__client_loop_step(c, -1, err) < 0)
            return err ? err->code : HXC_E_INTERNAL;
    return HXC_OK;
}

int hxc_client_step(hxc_client *c, long timeout_ms, hxc_error *err)
{
    if (c == NULL) {
        hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "hxc_client_step needs a client");
        return -1;
    }
    return hxc__client_loop_step(c, timeout_ms, err);
}
