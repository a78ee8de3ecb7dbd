/* hxc_response: status, headers, buffered body, TLS details. */
#include "core/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

hxc_response *hxc__response_new(void)
{
    return calloc(1, sizeof(hxc_response));
}

static void free_fields(char **names, char **values, size_t *n)
{
    for (size_t i = 0; i < *n; i++) {
        free(names[i]);
        free(values[i]);
    }
    *n = 0;
}

static void free_headers(hxc_response *r)
{
    free_fields(r->names, r->values, &r->nheaders);
    free_fields(r->tnames, r->tvalues, &r->ntrailers);
}

void hxc__response_reset(hxc_response *r)
{
    free_headers(r);
    r->status = 0;
    r->version = 0;
    r->reason[0] = '\0';
    r->body_len = 0;
    r->has_tls = 0;
}

void hxc_response_free(hxc_response *r)
{
    if (r == NULL)
        return;
    free_headers(r);
    free(r->names);
    free(r->values);
    free(r->tnames);
    free(r->tvalues);
    free(r->body);
    free(r->url);
    free(r);
}

hxc_status hxc__response_set_status(hxc_response *r, int status, int version, const char *reason,
                                    size_t reason_len)
{
    free_headers(r);
    r->body_len = 0;
    r->status = status;
    r->version = version;
    if (reason_len >= sizeof r->reason)
        reason_len = sizeof r->reason - 1;
    memcpy(r->reason, reason, reason_len);
    r->reason[reason_len] = '\0';
    return HXC_OK;
}

static char *dup_lower(const char *s, size_t n, int lower)
{
    char *p = malloc(n + 1);
    if (p == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        p[i] = (lower && s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    p[n] = '\0';
    return p;
}

/* Appends name/value to a field list, growing it. */
static hxc_status add_field(char ***names, char ***values, size_t *n, size_t *cap,
                            const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        char **nn = realloc(*names, ncap * sizeof *nn);
        if (nn == NULL)
            return HXC_E_NOMEM;
        *names = nn;
        char **vv = realloc(*values, ncap * sizeof *vv);
        if (vv == NULL)
            return HXC_E_NOMEM;
        *values = vv;
        *cap = ncap;
    }
    char *a = dup_lower(name, nlen, 0);
    char *b = dup_lower(value, vlen, 0);
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return HXC_E_NOMEM;
    }
    (*names)[*n] = a;
    (*values)[*n] = b;
    (*n)++;
    return HXC_OK;
}

hxc_status hxc__response_add_header(hxc_response *r, const char *name, size_t nlen,
                                    const char *value, size_t vlen)
{
    return add_field(&r->names, &r->values, &r->nheaders, &r->cap, name, nlen, value, vlen);
}

hxc_status hxc__response_add_trailer(hxc_response *r, const char *name, size_t nlen,
                                     const char *value, size_t vlen)
{
    return add_field(&r->tnames, &r->tvalues, &r->ntrailers, &r->tcap, name, nlen, value, vlen);
}

/* The first allocation of a body: exactly its Content-Length (+1 for the
 * NUL) when announced and plausible, so that it arrives without a growth
 * copy; otherwise 4 KiB, doubling. */
#define BODY_RESERVE_MAX ((size_t)1 << 30)

static size_t first_body_cap(const hxc_response *r, size_t need)
{
    const char *cl = hxc_response_header(r, "content-length");
    char *end;
    unsigned long long n = cl ? strtoull(cl, &end, 10) : 0;
    if (cl != NULL && end != cl && *end == '\0' && n + 1 >= need && n < BODY_RESERVE_MAX)
        return (size_t)n + 1;
    return need > 4096 ? need : 4096;
}

hxc_status hxc__response_append_body(hxc_response *r, const uint8_t *data, size_t len)
{
    if (r->body_len + len + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : first_body_cap(r, r->body_len + len + 1);
        while (cap < r->body_len + len + 1)
            cap *= 2;
        uint8_t *b = realloc(r->body, cap);
        if (b == NULL)
            return HXC_E_NOMEM;
        r->body = b;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, len);
    r->body_len += len;
    r->body[r->body_len] = 0; /* convenient for text bodies; not counted */
    return HXC_OK;
}

void hxc__response_set_url(hxc_response *r, const char *url)
{
    free(r->url);
    r->url = url ? strdup(url) : NULL;
}

void hxc__response_set_tls(hxc_response *r, const char *version, const char *cipher,
                           const char *alpn, const struct hxc__cert_summary *peer, int verified)
{
    r->has_tls = 1;
    snprintf(r->tls_version, sizeof r->tls_version, "%s", version ? version : "");
    snprintf(r->cipher, sizeof r->cipher, "%s", cipher ? cipher : "");
    snprintf(r->alpn, sizeof r->alpn, "%s", alpn ? alpn : "");
    if (peer)
        r->peer = *peer;
    else
        memset(&r->peer, 0, sizeof r->peer);
    r->tls.version = r->tls_version;
    r->tls.cipher = r->cipher;
    r->tls.alpn = r->alpn;
    r->tls.subject = r->peer.subject;
    r->tls.issuer = r->peer.issuer;
    r->tls.not_before = r->peer.not_before;
    r->tls.not_after = r->peer.not_after;
    r->tls.verified = verified;
}

int hxc_response_status(const hxc_response *r)
{
    return r ? r->status : 0;
}

const char *hxc_response_reason(const hxc_response *r)
{
    return r ? r->reason : "";
}

const char *hxc_response_http_version(const hxc_response *r)
{
    if (r == NULL)
        return "";
    switch (r->version) {
    case 20:
        return "HTTP/2";
    case 10:
        return "HTTP/1.0";
    default:
        return "HTTP/1.1";
    }
}

const char *hxc_response_url(const hxc_response *r)
{
    return r && r->url ? r->url : "";
}

size_t hxc_response_header_count(const hxc_response *r)
{
    return r ? r->nheaders : 0;
}

int hxc_response_header_at(const hxc_response *r, size_t i, const char **name,
                           const char **value)
{
    if (r == NULL || i >= r->nheaders)
        return -1;
    if (name)
        *name = r->names[i];
    if (value)
        *value = r->values[i];
    return 0;
}

const char *hxc_response_header(const hxc_response *r, const char *name)
{
    if (r == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->names[i], name) == 0)
            return r->values[i];
    return NULL;
}

const uint8_t *hxc_response_body(const hxc_response *r, size_t *len)
{
    if (len)
        *len = r ? r->body_len : 0;
    static const uint8_t empty[1] = {0};
    return r && r->body ? r->body : empty;
}

int hxc_response_redirects(const hxc_response *r)
{
    return r ? r->redirects : 0;
}

const hxc_tls_info *hxc_response_tls(const hxc_response *r)
{
    return r && r->has_tls ? &r->tls : NULL;
}

size_t hxc_response_trailer_count(const hxc_response *r)
{
    return r ? r->ntrailers : 0;
}

int hxc_response_trailer_at(const hxc_response *r, size_t i, const char **name,
                            const char **value)
{
    if (r == NULL || i >= r->ntrailers)
        return -1;
    if (name)
        *name = r->tnames[i];
    if (value)
        *value = r->tvalues[i];
    return 0;
}
