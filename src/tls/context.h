/* hxc_ssl_context: the SSL settings a client uses (trust anchors, verify
 * flag, client certificate, key log, ALPN preference). Reference counted;
 * frozen (immutable) once a client uses it. */
#ifndef HXC_TLS_CONTEXT_H
#define HXC_TLS_CONTEXT_H

#include "hxc.h"
#include "tls/keys.h"
#include "tls/tls.h"
#include "x509/x509.h"

struct hxc_ssl_context {
    int refs;
    int frozen;
    struct hxc__trust_store *trust;
    int verify;
    hxc_http_version_pref http_version;
    char *keylog_path;
    int min_version, max_version; /* 0: defaults */
    uint64_t key_update_bytes;
    int no_resume;
    struct hxc__client_cert *client_cert;
    char description[128]; /* where the roots came from, for -v */
};

/* Takes a reference for a client and freezes the context. */
void hxc__ssl_context_use(hxc_ssl_context *ctx);
/* Fills a TLS configuration that links into ctx (valid while referenced). */
void hxc__ssl_context_tls_config(const hxc_ssl_context *ctx, hxc_http_version_pref client_pref,
                                 struct hxc__tls_config *out);

#endif
