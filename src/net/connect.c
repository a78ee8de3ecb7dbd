/*
 * Non-blocking connection establishment: Happy Eyeballs v2 (RFC 8305)
 * over the addresses of an asynchronous resolver (net/resolve.h) or over
 * fixed addresses (--resolve, IP literals).
 *
 * - Answers are kept per family, each in the resolver's order (RFC 6724
 *   within the family), and attempts alternate families, IPv6 first
 *   (section 4). Addresses arriving while attempts are running join the
 *   queues.
 * - IPv6 answers start connecting at once; IPv4 answers that arrive first
 *   wait up to 50 ms for the IPv6 ones (Resolution Delay, section 3).
 * - A new attempt starts 250 ms after the previous one (Connection Attempt
 *   Delay, section 5) or as soon as one fails; several stay in flight; the
 *   first that completes (writable, SO_ERROR 0) wins, the others are closed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/err.h"
#include "net/connect.h"
#include "net/outcome.h"
#include "net/resolve.h"

#define ATTEMPT_DELAY_MS 250
#define RESOLUTION_DELAY_MS 50
#define MAX_INFLIGHT 8


struct attempt {
    int fd;
    struct hxc__addr addr;
};

struct family_queue {
    struct hxc__addr addrs[HXC_NET_MAX_ADDRS];
    size_t n, next;       /* received, next to try */
    int done;             /* lookup finished (or fixed addresses) */
    long status;          /* resolver status when the lookup failed */
    int nodata;           /* ... and it was only "no record of this family" */
    char why[96];
};

struct hxc__connector {
    char host[256];
    struct hxc__outcome out;
    hxc_debug_fn debug;
    void *debug_user;
    struct hxc__resolver *res;
    struct family_queue q6, q4;
    int64_t t0;
    int64_t v4_arrived;   /* resolution delay start, -1 until A answers */
    int64_t next_start;   /* earliest start of the next attempt */
    int last_family;      /* family of the latest attempt */
    struct attempt att[MAX_INFLIGHT];
    size_t natt;
    size_t nfailed;
    hxc_error last;       /* latest connect error */
    char all[256];        /* every connect error, "; "-joined while it fits */
    int all_overflow;
};

static struct family_queue *queue_for(struct hxc__connector *c, int family)
{
    return family == AF_INET6 ? &c->q6 : &c->q4;
}

static void queue_add(struct family_queue *q, const struct hxc__addr *a, unsigned port)
{
    if (q->n >= HXC_NET_MAX_ADDRS)
        return;
    q->addrs[q->n] = *a;
    if (q->addrs[q->n].port == 0)
        q->addrs[q->n].port = port;
    q->n++;
}

static const char *fmt_addr(const struct hxc__addr *a, char *buf, size_t n)
{
    snprintf(buf, n, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a->text, a->port);
    return buf;
}

static void log_resolved(struct hxc__connector *c, int family, const struct hxc__addr *addrs,
                         size_t n)
{
    char list[512];
    size_t used = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n && used + 2 < sizeof list; i++) {
        int k = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", addrs[i].text);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    hxc__debugf(c->debug, c->debug_user, HXC_DEBUG_INFO, "Resolved %s (%s): %s", c->host,
                family == AF_INET6 ? "IPv6" : "IPv4", list);
}

static void on_resolved(void *user, int family, const struct hxc__addr *addrs, size_t n,
                        long status, const char *why, int nodata)
{
    struct hxc__connector *c = user;
    struct family_queue *q = queue_for(c, family);
    q->done = 1;
    q->status = status;
    q->nodata = nodata;
    snprintf(q->why, sizeof q->why, "%s", why);
    for (size_t i = 0; i < n; i++)
        queue_add(q, &addrs[i], 0);
    if (family == AF_INET && n > 0)
        c->v4_arrived = hxc__now_ms();
    if (n > 0)
        log_resolved(c, family, addrs, n);
}

static void close_attempt(struct hxc__connector *c, size_t i)
{
    hxc__net_close(c->att[i].fd);
    c->att[i] = c->att[--c->natt];
}

static void record_failure(struct hxc__connector *c, const hxc_error *e)
{
    c->last = *e;
    c->nfailed++;
    hxc__debugf(c->debug, c->debug_user, HXC_DEBUG_INFO, "%s", e->message);
    size_t used = strlen(c->all);
    int k = snprintf(c->all + used, sizeof c->all - used, "%s%s", used ? "; " : "",
                     e->message);
    if (k < 0 || (size_t)k >= sizeof c->all - used) {
        c->all_overflow = 1;
        c->all[used] = '\0';
    }
}

static int untried(const struct family_queue *q)
{
    return q->next < q->n;
}

/* Alternates families, IPv6 first (RFC 8305 section 4). */
static struct family_queue *pick_queue(struct hxc__connector *c)
{
    struct family_queue *first = c->last_family == AF_INET6 ? &c->q4 : &c->q6;
    struct family_queue *second = first == &c->q6 ? &c->q4 : &c->q6;
    if (untried(first))
        return first;
    return untried(second) ? second : NULL;
}

/* IPv4 answers alone wait for the IPv6 lookup up to the Resolution Delay. */
static int resolution_delay_active(const struct hxc__connector *c, int64_t now)
{
    if (c->q6.done || untried(&c->q6) || c->q6.next > 0 || c->nfailed > 0 || c->natt > 0)
        return 0;
    return c->v4_arrived >= 0 && now < c->v4_arrived + RESOLUTION_DELAY_MS;
}

static void start_attempts(struct hxc__connector *c, int64_t now)
{
    char where[96];
    while (c->natt < MAX_INFLIGHT && (c->natt == 0 || now >= c->next_start)) {
        if (resolution_delay_active(c, now))
            return;
        struct family_queue *q = pick_queue(c);
        if (q == NULL)
            return;
        const struct hxc__addr *a = &q->addrs[q->next++];
        c->last_family = a->family;
        hxc__debugf(c->debug, c->debug_user, HXC_DEBUG_INFO, "Trying %s...",
                    fmt_addr(a, where, sizeof where));
        hxc_error e;
        memset(&e, 0, sizeof e);
        int fd = hxc__net_connect_start(a, &e);
        if (fd < 0) {
            record_failure(c, &e); /* failed at once: next one right away */
            continue;
        }
        c->att[c->natt].fd = fd;
        c->att[c->natt].addr = *a;
        c->natt++;
        c->next_start = now + ATTEMPT_DELAY_MS;
    }
}

static void fail_dns(struct hxc__connector *c)
{
    /* prefer the cause that is not merely "no such record": a timeout or
     * an unreachable server says more than the other family's NODATA */
    const struct family_queue *q = &c->q4;
    if (c->q4.status == 0 || (c->q4.nodata && c->q6.status != 0 && !c->q6.nodata))
        q = &c->q6;
    hxc__err(&c->out.result, HXC_E_DNS, q->status, "could not resolve host '%s': %s", c->host,
             q->why[0] ? q->why : "no IPv4 or IPv6 address");
    c->out.state = FAILED;
}

static void fail_connect(struct hxc__connector *c)
{
    if (c->nfailed > 1 && !c->all_overflow)
        hxc__err(&c->out.result, HXC_E_CONNECT, c->last.detail, "%s", c->all);
    else
        c->out.result = c->last;
    c->out.state = FAILED;
}

static void finish_if_exhausted(struct hxc__connector *c)
{
    if (c->out.state != CONNECTING || c->natt > 0 || !c->q6.done || !c->q4.done)
        return;
    if (untried(&c->q6) || untried(&c->q4))
        return;
    if (c->q6.n == 0 && c->q4.n == 0)
        fail_dns(c);
    else
        fail_connect(c);
}

static void drop_resolver(struct hxc__connector *c)
{
    hxc__resolver_free(c->res);
    c->res = NULL;
}

static void win(struct hxc__connector *c, size_t i, int64_t now)
{
    char where[96];
    c->out.fd = c->att[i].fd;
    c->out.peer = c->att[i].addr;
    c->att[i] = c->att[--c->natt];
    while (c->natt > 0)
        close_attempt(c, c->natt - 1);
    drop_resolver(c);
    c->out.state = WON;
    hxc__debugf(c->debug, c->debug_user, HXC_DEBUG_INFO, "Connected to %s (%s) after %lld ms",
                c->host, fmt_addr(&c->out.peer, where, sizeof where), (long long)(now - c->t0));
}

static void check_attempts(struct hxc__connector *c, const struct hxc__wait *w, size_t n,
                           int64_t now)
{
    for (size_t k = 0; k < n && c->out.state == CONNECTING; k++) {
        if (w[k].revents == 0)
            continue;
        for (size_t i = 0; i < c->natt; i++) {
            if (c->att[i].fd != w[k].fd)
                continue;
            hxc_error e;
            memset(&e, 0, sizeof e);
            if (hxc__net_connect_finish(c->att[i].fd, &c->att[i].addr, &e) == HXC_OK) {
                win(c, i, now);
                break;
            }
            record_failure(c, &e);
            close_attempt(c, i);
            c->next_start = now; /* a failure starts the next attempt at once */
            break;
        }
    }
}

struct hxc__connector *hxc__connector_new(const char *host, unsigned port,
                                          const struct hxc__addr *fixed, size_t nfixed,
                                          hxc_debug_fn debug, void *debug_user,
                                          hxc_error *err)
{
    struct hxc__connector *c = calloc(1, sizeof *c);
    if (c == NULL) {
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory connecting to '%s'", host);
        return NULL;
    }
    snprintf(c->host, sizeof c->host, "%s", host);
    c->debug = debug;
    c->debug_user = debug_user;
    c->out.fd = -1;
    c->t0 = hxc__now_ms();
    c->v4_arrived = -1;
    c->last_family = AF_INET;
    struct hxc__addr literal;
    if (nfixed == 0 && hxc__net_parse_ip(host, port, &literal) == 0) {
        fixed = &literal;
        nfixed = 1;
    }
    if (nfixed > 0) {
        for (size_t i = 0; i < nfixed; i++)
            queue_add(queue_for(c, fixed[i].family), &fixed[i], port);
        c->q6.done = c->q4.done = 1;
    } else {
        c->res = hxc__resolver_new(host, port, on_resolved, c, err);
        if (c->res == NULL) {
            free(c);
            return NULL;
        }
    }
    start_attempts(c, c->t0);
    finish_if_exhausted(c);
    if (c->q6.done && c->q4.done)
        drop_resolver(c);
    return c;
}

void hxc__connector_free(struct hxc__connector *c)
{
    if (c == NULL)
        return;
    while (c->natt > 0)
        close_attempt(c, c->natt - 1);
    drop_resolver(c);
    hxc__net_close(c->out.fd);
    free(c);
}

size_t hxc__connector_fds(struct hxc__connector *c, struct hxc__wait *w, size_t max)
{
    size_t n = 0;
    if (c->out.state != CONNECTING)
        return 0;
    for (size_t i = 0; i < c->natt && n < max; i++) {
        w[n].fd = c->att[i].fd;
        w[n].events = HXC_NET_OUT;
        w[n].revents = 0;
        n++;
    }
    if (c->res)
        n += hxc__resolver_fds(c->res, w + n, max - n);
    return n;
}

int64_t hxc__connector_deadline(const struct hxc__connector *c)
{
    if ((c->out.state == WON || c->out.state == FAILED) && !c->out.reported)
        return c->t0; /* an outcome (e.g. from _new) waits for step: now */
    if (c->out.state != CONNECTING)
        return -1;
    int64_t now = hxc__now_ms(), d = -1;
    if (c->res)
        d = hxc__resolver_deadline(c->res, now);
    if (!untried(&c->q6) && !untried(&c->q4))
        return d;
    if (resolution_delay_active(c, now))
        return hxc__earliest(d, c->v4_arrived + RESOLUTION_DELAY_MS);
    if (c->natt == 0)
        return hxc__earliest(d, now);
    if (c->natt < MAX_INFLIGHT)
        return hxc__earliest(d, c->next_start);
    return d;
}

int hxc__connector_step(struct hxc__connector *c, const struct hxc__wait *w, size_t n,
                        int64_t now, hxc_error *err)
{
    if (c->out.state == CONNECTING) {
        check_attempts(c, w, n, now);
        if (c->out.state == CONNECTING && c->res) {
            hxc__resolver_step(c->res, w, n);
            if (c->q6.done && c->q4.done)
                drop_resolver(c);
        }
        if (c->out.state == CONNECTING)
            start_attempts(c, now);
        finish_if_exhausted(c);
    }
    return hxc__outcome_report(&c->out, err);
}

int hxc__connector_take(struct hxc__connector *c, struct hxc__addr *peer)
{
    return hxc__outcome_take(&c->out, peer);
}
