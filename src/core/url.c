/* URL parsing (RFC 3986 subset for http/https) and reference resolution. */
#include "core/url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

static char *dup_range(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

void hxc__url_free(struct hxc__url *u)
{
    if (u == NULL)
        return;
    free(u->scheme);
    free(u->host);
    free(u->path);
    memset(u, 0, sizeof *u);
}

/* Length of a scheme followed by ':' at the start of s, or 0. */
static size_t scheme_len(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return 0;
    size_t i = 1;
    while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
        i++;
    return s[i] == ':' ? i : 0;
}

static int host_char_ok(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

static hxc_status parse_host_port(const char *a, size_t n, struct hxc__url *out, const char *url,
                                  hxc_error *err)
{
    const char *host = a;
    size_t hlen;
    const char *rest;

    if (memchr(a, '@', n) != NULL)
        return hxc__err(err, HXC_E_URL, 0,
                        "URL '%s' contains user credentials; pass them in a header instead", url);
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (close == NULL)
            return hxc__err(err, HXC_E_URL, 0, "URL '%s' has an unterminated '[' in its host",
                            url);
        host = a + 1;
        hlen = (size_t)(close - host);
        rest = close + 1;
        char tmp[64];
        unsigned char bin[16];
        if (hlen == 0 || hlen >= sizeof tmp)
            return hxc__err(err, HXC_E_URL, 0, "URL '%s' has an invalid IPv6 address", url);
        memcpy(tmp, host, hlen);
        tmp[hlen] = '\0';
        if (inet_pton(AF_INET6, tmp, bin) != 1)
            return hxc__err(err, HXC_E_URL, 0, "URL '%s' has an invalid IPv6 address '%s'", url,
                            tmp);
        out->host_kind = HXC_HOST_IPV6;
    } else {
        const char *colon = memchr(a, ':', n);
        hlen = colon ? (size_t)(colon - a) : n;
        rest = a + hlen;
        for (size_t i = 0; i < hlen; i++)
            if (!host_char_ok(a[i]))
                return hxc__err(err, HXC_E_URL, 0,
                                "URL '%s' has an invalid character '%c' in its host name", url,
                                isprint((unsigned char)a[i]) ? a[i] : '?');
        out->host_kind = HXC_HOST_NAME;
    }
    if (hlen == 0)
        return hxc__err(err, HXC_E_URL, 0, "URL '%s' has no host", url);
    out->host = dup_range(host, hlen);
    if (out->host == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory parsing URL");
    lower(out->host);
    if (out->host_kind == HXC_HOST_NAME) {
        unsigned char bin[4];
        if (inet_pton(AF_INET, out->host, bin) == 1)
            out->host_kind = HXC_HOST_IPV4;
    }

    size_t rlen = (size_t)(a + n - rest);
    out->port = strcmp(out->scheme, "https") == 0 ? 443 : 80;
    if (rlen == 0)
        return HXC_OK;
    if (rest[0] != ':')
        return hxc__err(err, HXC_E_URL, 0, "URL '%s' has junk after its host", url);
    if (rlen == 1)
        return HXC_OK; /* "host:" means the default port */
    unsigned long port = 0;
    for (size_t i = 1; i < rlen; i++) {
        if (!isdigit((unsigned char)rest[i]) || port > 65535)
            return hxc__err(err, HXC_E_URL, 0, "URL '%s' has an invalid port", url);
        port = port * 10 + (unsigned long)(rest[i] - '0');
    }
    if (port == 0 || port > 65535)
        return hxc__err(err, HXC_E_URL, 0, "URL '%s' has port %lu, outside 1-65535", url, port);
    out->port = (unsigned)port;
    out->port_given = 1;
    return HXC_OK;
}

static hxc_status set_path(struct hxc__url *out, const char *p, size_t n, const char *url,
                           hxc_error *err)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c == 0x7f)
            return hxc__err(err, HXC_E_URL, 0,
                            "URL '%s' contains a space or control character; percent-encode it",
                            url);
    }
    int need_slash = (n == 0 || p[0] != '/');
    out->path = malloc(n + 2);
    if (out->path == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory parsing URL");
    size_t k = 0;
    if (need_slash)
        out->path[k++] = '/';
    memcpy(out->path + k, p, n);
    out->path[k + n] = '\0';
    return HXC_OK;
}

hxc_status hxc__url_parse(const char *s, struct hxc__url *out, hxc_error *err)
{
    memset(out, 0, sizeof *out);
    if (s == NULL || *s == '\0')
        return hxc__err(err, HXC_E_URL, 0, "empty URL");
    size_t sl = scheme_len(s);
    if (sl == 0 || strncmp(s + sl, "://", 3) != 0)
        return hxc__err(err, HXC_E_URL, 0, "URL '%s' is not absolute (expected https://host/...)",
                        s);
    out->scheme = dup_range(s, sl);
    if (out->scheme == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory parsing URL");
    lower(out->scheme);
    if (strcmp(out->scheme, "https") != 0 && strcmp(out->scheme, "http") != 0) {
        hxc_status st = hxc__err(err, HXC_E_UNSUPPORTED_SCHEME, 0,
                                 "URL scheme '%s' is not supported (only https and http)",
                                 out->scheme);
        hxc__url_free(out);
        return st;
    }
    const char *auth = s + sl + 3;
    size_t alen = strcspn(auth, "/?#");
    hxc_status st = parse_host_port(auth, alen, out, s, err);
    if (st == HXC_OK) {
        const char *p = auth + alen;
        st = set_path(out, p, strcspn(p, "#"), s, err);
    }
    if (st != HXC_OK)
        hxc__url_free(out);
    return st;
}

/* RFC 3986 5.2.4, on a NUL-terminated path (query excluded); in place. */
static void remove_dot_segments(char *path)
{
    char *in = path, *out = path;
    while (*in) {
        if (strncmp(in, "../", 3) == 0) {
            in += 3;
        } else if (strncmp(in, "./", 2) == 0) {
            in += 2;
        } else if (strncmp(in, "/./", 3) == 0) {
            in += 2;
        } else if (strcmp(in, "/.") == 0) {
            in[1] = '\0';
        } else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
            in += 3;
            if (*in == '\0') {
                in--;
                *in = '/';
            }
            while (out > path && *--out != '/') {
            }
        } else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0) {
            break;
        } else {
            do {
                *out++ = *in++;
            } while (*in && *in != '/');
        }
    }
    *out = '\0';
}

/* Joins base path's directory with a relative reference (no scheme, no
 * authority, not starting with '/'); then removes dot segments. */
static char *merge_paths(const char *base_path, const char *ref)
{
    size_t blen = strcspn(base_path, "?");
    const char *slash = NULL;
    for (size_t i = 0; i < blen; i++)
        if (base_path[i] == '/')
            slash = base_path + i;
    size_t dir = slash ? (size_t)(slash - base_path) + 1 : 0;
    size_t rlen = strlen(ref);
    char *m = malloc(dir + rlen + 2);
    if (m == NULL)
        return NULL;
    memcpy(m, base_path, dir);
    memcpy(m + dir, ref, rlen + 1);
    return m;
}

static char *normalise_path(char *p)
{
    /* dot segments are removed from the path part only, not the query */
    size_t q = strcspn(p, "?");
    char saved = p[q];
    char *query = saved ? strdup(p + q) : NULL;
    p[q] = '\0';
    remove_dot_segments(p);
    if (query) {
        char *r = malloc(strlen(p) + strlen(query) + 2);
        if (r)
            sprintf(r, "%s%s", p, query);
        free(query);
        free(p);
        return r;
    }
    (void)saved;
    return p;
}

hxc_status hxc__url_resolve(const struct hxc__url *base, const char *ref, struct hxc__url *out,
                            hxc_error *err)
{
    memset(out, 0, sizeof *out);
    size_t sl = scheme_len(ref);
    if (sl > 0)
        return hxc__url_parse(ref, out, err);
    if (ref[0] == '/' && ref[1] == '/') {
        char *abs = malloc(strlen(base->scheme) + strlen(ref) + 2);
        if (abs == NULL)
            return hxc__err(err, HXC_E_NOMEM, 0, "out of memory resolving URL");
        sprintf(abs, "%s:%s", base->scheme, ref);
        hxc_status st = hxc__url_parse(abs, out, err);
        free(abs);
        return st;
    }
    /* same authority */
    out->scheme = strdup(base->scheme);
    out->host = strdup(base->host);
    out->port = base->port;
    out->port_given = base->port_given;
    out->host_kind = base->host_kind;
    if (out->scheme == NULL || out->host == NULL)
        goto nomem;
    size_t rlen = strcspn(ref, "#");
    char *r = dup_range(ref, rlen);
    if (r == NULL)
        goto nomem;
    for (size_t i = 0; i < rlen; i++) {
        unsigned char c = (unsigned char)r[i];
        if (c <= 0x20 || c == 0x7f) {
            free(r);
            hxc__url_free(out);
            return hxc__err(err, HXC_E_URL, 0,
                            "redirect location '%s' contains a space or control character", ref);
        }
    }
    char *p;
    if (rlen == 0) {
        free(r);
        p = strdup(base->path);
    } else if (r[0] == '?') {
        size_t blen = strcspn(base->path, "?");
        p = malloc(blen + rlen + 1);
        if (p) {
            memcpy(p, base->path, blen);
            memcpy(p + blen, r, rlen + 1);
        }
        free(r);
    } else if (r[0] == '/') {
        p = r;
    } else {
        p = merge_paths(base->path, r);
        free(r);
    }
    if (p == NULL)
        goto nomem;
    out->path = normalise_path(p);
    if (out->path == NULL)
        goto nomem;
    if (out->path[0] != '/') {
        char *fixed = malloc(strlen(out->path) + 2);
        if (fixed == NULL)
            goto nomem;
        sprintf(fixed, "/%s", out->path);
        free(out->path);
        out->path = fixed;
    }
    return HXC_OK;
nomem:
    hxc__url_free(out);
    return hxc__err(err, HXC_E_NOMEM, 0, "out of memory resolving URL");
}

static int default_port(const struct hxc__url *u)
{
    return u->port == (strcmp(u->scheme, "https") == 0 ? 443u : 80u);
}

char *hxc__url_authority(const struct hxc__url *u)
{
    size_t n = strlen(u->host) + 16;
    char *a = malloc(n);
    if (a == NULL)
        return NULL;
    const char *lb = u->host_kind == HXC_HOST_IPV6 ? "[" : "";
    const char *rb = u->host_kind == HXC_HOST_IPV6 ? "]" : "";
    if (default_port(u))
        snprintf(a, n, "%s%s%s", lb, u->host, rb);
    else
        snprintf(a, n, "%s%s%s:%u", lb, u->host, rb, u->port);
    return a;
}

char *hxc__url_string(const struct hxc__url *u)
{
    char *auth = hxc__url_authority(u);
    if (auth == NULL)
        return NULL;
    size_t n = strlen(u->scheme) + strlen(auth) + strlen(u->path) + 4;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s://%s%s", u->scheme, auth, u->path);
    free(auth);
    return s;
}

int hxc__url_same_origin(const struct hxc__url *a, const struct hxc__url *b)
{
    return strcmp(a->scheme, b->scheme) == 0 && strcmp(a->host, b->host) == 0 &&
           a->port == b->port;
}
