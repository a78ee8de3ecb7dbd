/* URL parsing and reference resolution for http:// and https:// URLs. */
#ifndef HXC_CORE_URL_H
#define HXC_CORE_URL_H

#include "hxc.h"

struct hxc__url {
    char *scheme;    /* "http" / "https", lowercase */
    char *host;      /* lowercase; IPv6 without brackets; trailing dot kept */
    unsigned port;   /* explicit or the scheme's default */
    int port_given;  /* the URL spelled the port out */
    char *path;      /* origin-form: "/path?query", at least "/" */
    int host_kind;   /* HXC_HOST_NAME, HXC_HOST_IPV4, HXC_HOST_IPV6 */
};

#define HXC_HOST_NAME 0
#define HXC_HOST_IPV4 1
#define HXC_HOST_IPV6 2

/* Parses an absolute http(s) URL. Userinfo is refused (credentials go in
 * headers), the fragment is dropped. Errors: HXC_E_URL / HXC_E_UNSUPPORTED_SCHEME
 * with the reason and the URL in the message. */
hxc_status hxc__url_parse(const char *s, struct hxc__url *out, hxc_error *err);

/* Resolves a reference (a Location header) against base, RFC 3986 section 5.2. */
hxc_status hxc__url_resolve(const struct hxc__url *base, const char *ref, struct hxc__url *out,
                            hxc_error *err);

void hxc__url_free(struct hxc__url *u);

/* "host[:port]" for Host / :authority (port only when not the default;
 * IPv6 in brackets). Returns a malloc'ed string or NULL. */
char *hxc__url_authority(const struct hxc__url *u);
/* The whole URL, malloc'ed. */
char *hxc__url_string(const struct hxc__url *u);
/* Same scheme, host and port. */
int hxc__url_same_origin(const struct hxc__url *a, const struct hxc__url *b);

#endif
