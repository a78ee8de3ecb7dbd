/* The response object (opaque to users), filled by the client. */
#ifndef HXC_CORE_RESPONSE_H
#define HXC_CORE_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "hxc.h"
#include "x509/x509.h"

struct hxc_response {
    int status;
    int version;             /* 10, 11, 20 */
    char reason[128];
    char *url;
    char **names;
    char **values;
    size_t nheaders, cap;
    char **tnames;           /* trailers */
    char **tvalues;
    size_t ntrailers, tcap;
    uint8_t *body;
    size_t body_len, body_cap;
    int redirects;
    int has_tls;
    hxc_tls_info tls;
    char tls_version[16], cipher[64], alpn[32];
    struct hxc__cert_summary peer;
};

hxc_response *hxc__response_new(void);
/* Clears status, headers, body and TLS details (not the URL or redirect count). */
void hxc__response_reset(hxc_response *r);
hxc_status hxc__response_set_status(hxc_response *r, int status, int version, const char *reason,
                                    size_t reason_len);
hxc_status hxc__response_add_header(hxc_response *r, const char *name, size_t nlen,
                                    const char *value, size_t vlen);
hxc_status hxc__response_add_trailer(hxc_response *r, const char *name, size_t nlen,
                                     const char *value, size_t vlen);
hxc_status hxc__response_append_body(hxc_response *r, const uint8_t *data, size_t len);
void hxc__response_set_url(hxc_response *r, const char *url);
void hxc__response_set_tls(hxc_response *r, const char *version, const char *cipher,
                           const char *alpn, const struct hxc__cert_summary *peer, int verified);

#endif
