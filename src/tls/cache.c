/* Per-client TLS memory: TLS 1.2-only origins, TLS 1.3 tickets, TLS 1.2
 * sessions and certificate summaries. */
#include "tls/cache.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ORIGINS 256

struct origin {
    struct origin *next;
    int tls12_only;
    int have_summary;
    struct hxc__cert_summary summary;
    int have_session12;
    br_ssl_session_parameters session12;
    size_t nticket;
    struct hxc__tls13_ticket tickets[HXC__TLS_CACHE_TICKETS]; /* oldest first */
    char name[];
};

struct hxc__tls_cache {
    struct origin *list; /* most recently added first */
    size_t n;
};

struct hxc__tls_cache *hxc__tls_cache_new(void)
{
    return calloc(1, sizeof(struct hxc__tls_cache));
}

static void origin_free(struct origin *o)
{
    memset(&o->session12, 0, sizeof o->session12); /* the master secret */
    for (size_t i = 0; i < o->nticket; i++)
        hxc__tls13_ticket_clear(&o->tickets[i]);
    free(o);
}

void hxc__tls_cache_free(struct hxc__tls_cache *c)
{
    if (c == NULL)
        return;
    for (struct origin *o = c->list, *next; o != NULL; o = next) {
        next = o->next;
        origin_free(o);
    }
    free(c);
}

static struct origin *find(const struct hxc__tls_cache *c, const char *name)
{
    for (struct origin *o = c ? c->list : NULL; o != NULL; o = o->next)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

/* The origin's entry, created when missing (the oldest goes past MAX_ORIGINS). */
static struct origin *get(struct hxc__tls_cache *c, const char *name)
{
    struct origin *o = find(c, name);
    if (o != NULL || c == NULL)
        return o;
    size_t len = strlen(name);
    o = calloc(1, sizeof *o + len + 1);
    if (o == NULL)
        return NULL;
    memcpy(o->name, name, len + 1);
    o->next = c->list;
    c->list = o;
    if (++c->n > MAX_ORIGINS) {
        struct origin **pp = &c->list;
        while ((*pp)->next != NULL)
            pp = &(*pp)->next;
        origin_free(*pp);
        *pp = NULL;
        c->n--;
    }
    return o;
}

int hxc__tls_cache_tls12_only(const struct hxc__tls_cache *c, const char *origin)
{
    const struct origin *o = find(c, origin);
    return o != NULL && o->tls12_only;
}

void hxc__tls_cache_set_tls12_only(struct hxc__tls_cache *c, const char *origin)
{
    struct origin *o = get(c, origin);
    if (o != NULL)
        o->tls12_only = 1;
}

void hxc__tls_cache_put_ticket(struct hxc__tls_cache *c, const char *origin,
                               const struct hxc__tls13_ticket *t)
{
    struct origin *o = get(c, origin);
    if (o == NULL)
        return;
    unsigned char *copy = malloc(t->ticket_len);
    if (copy == NULL)
        return;
    memcpy(copy, t->ticket, t->ticket_len);
    if (o->nticket == HXC__TLS_CACHE_TICKETS) {
        hxc__tls13_ticket_clear(&o->tickets[0]);
        memmove(&o->tickets[0], &o->tickets[1], (o->nticket - 1) * sizeof o->tickets[0]);
        o->nticket--;
    }
    o->tickets[o->nticket] = *t;
    o->tickets[o->nticket].ticket = copy;
    o->nticket++;
}

void hxc__tls_cache_put_session12(struct hxc__tls_cache *c, const char *origin,
                                  const br_ssl_session_parameters *p)
{
    struct origin *o = get(c, origin);
    if (o != NULL) {
        o->session12 = *p;
        o->have_session12 = 1;
    }
}

int hxc__tls_cache_get_session12(const struct hxc__tls_cache *c, const char *origin,
                                 br_ssl_session_parameters *out)
{
    const struct origin *o = find(c, origin);
    if (o == NULL || !o->have_session12)
        return 0;
    *out = o->session12;
    return 1;
}

void hxc__tls_cache_put_summary(struct hxc__tls_cache *c, const char *origin,
                                const struct hxc__cert_summary *s)
{
    struct origin *o = get(c, origin);
    if (o != NULL) {
        o->summary = *s;
        o->have_summary = 1;
    }
}

int hxc__tls_cache_get_summary(const struct hxc__tls_cache *c, const char *origin,
                               struct hxc__cert_summary *out)
{
    const struct origin *o = find(c, origin);
    if (o == NULL || !o->have_summary)
        return 0;
    *out = o->summary;
    return 1;
}

int hxc__tls_cache_take_ticket(struct hxc__tls_cache *c, const char *origin, int64_t now_ms,
                               struct hxc__tls13_ticket *out)
{
    struct origin *o = find(c, origin);
    while (o != NULL && o->nticket > 0) {
        struct hxc__tls13_ticket *t = &o->tickets[--o->nticket];
        if (now_ms - t->received_ms < (int64_t)t->lifetime_s * 1000) {
            *out = *t;
            memset(t, 0, sizeof *t);
            return 1;
        }
        hxc__tls13_ticket_clear(t);
    }
    return 0;
}
