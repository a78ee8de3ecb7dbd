/* hxc_ssl_context and hxc_create_ssl_context: HTTPX's SSL configuration. */
#include "tls/context.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"

void hxc_ssl_options_init(hxc_ssl_options *o)
{
    memset(o, 0, sizeof *o);
}

hxc_ssl_context *hxc_ssl_context_new(hxc_error *err)
{
    hxc_ssl_context *c = calloc(1, sizeof *c);
    if (c == NULL || (c->trust = hxc__trust_store_new()) == NULL) {
        free(c);
        hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating an SSL context");
        return NULL;
    }
    c->refs = 1;
    c->verify = 1;
    snprintf(c->description, sizeof c->description, "no trust anchors loaded");
    return c;
}

void hxc_ssl_context_free(hxc_ssl_context *c)
{
    if (c == NULL || --c->refs > 0)
        return;
    hxc__trust_store_free(c->trust);
    hxc__client_cert_free(c->client_cert);
    free(c->keylog_path);
    free(c);
}

void hxc__ssl_context_use(hxc_ssl_context *c)
{
    c->refs++;
    c->frozen = 1;
}

void hxc__ssl_context_tls_config(const hxc_ssl_context *c, hxc_http_version_pref client_pref,
                                 struct hxc__tls_config *out)
{
    memset(out, 0, sizeof *out);
    out->trust = c->trust;
    out->verify = c->verify;
    out->offer_h2 = client_pref != HXC_HTTP_1_1 && c->http_version != HXC_HTTP_1_1;
    out->client_cert = c->client_cert;
    out->keylog_path = c->keylog_path;
    out->min_version = c->min_version;
    out->max_version = c->max_version;
    out->key_update_bytes = c->key_update_bytes;
    out->no_resume = c->no_resume;
}

static hxc_status check_mutable(const hxc_ssl_context *c, hxc_error *err)
{
    if (c == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "no SSL context given");
    if (c->frozen)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "the SSL context is used by a client and can no longer be changed");
    return HXC_OK;
}

static void describe(hxc_ssl_context *c, const char *what)
{
    size_t n = strlen(c->description);
    if (strcmp(c->description, "no trust anchors loaded") == 0)
        n = 0;
    snprintf(c->description + n, sizeof c->description - n, "%s%s", n ? ", " : "", what);
}

hxc_status hxc_ssl_context_load_verify_locations(hxc_ssl_context *c, const char *cafile,
                                                 const char *capath, const void *cadata,
                                                 size_t cadata_len, hxc_error *err)
{
    hxc_status st = check_mutable(c, err);
    if (st != HXC_OK)
        return st;
    if (cafile == NULL && capath == NULL && cadata == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "load_verify_locations needs a cafile, a capath or cadata");
    if (cafile && (st = hxc__trust_store_add_file(c->trust, cafile, err)) != HXC_OK)
        return st;
    if (cafile)
        describe(c, cafile);
    if (capath && (st = hxc__trust_store_add_dir(c->trust, capath, err)) != HXC_OK)
        return st;
    if (capath)
        describe(c, capath);
    if (cadata &&
        (st = hxc__trust_store_add_mem(c->trust, cadata, cadata_len, "cadata", err)) != HXC_OK)
        return st;
    if (cadata)
        describe(c, "cadata");
    return HXC_OK;
}

hxc_status hxc_ssl_context_load_default_roots(hxc_ssl_context *c, hxc_error *err)
{
    hxc_status st = check_mutable(c, err);
    if (st == HXC_OK && (st = hxc__trust_store_add_embedded(c->trust, err)) == HXC_OK)
        describe(c, "embedded certifi roots");
    return st;
}

hxc_status hxc_ssl_context_load_native_roots(hxc_ssl_context *c, hxc_error *err)
{
    hxc_status st = check_mutable(c, err);
    if (st == HXC_OK && (st = hxc__trust_store_add_native(c->trust, err)) == HXC_OK)
        describe(c, "operating system bundle");
    return st;
}

static hxc_status set_cert(hxc_ssl_context *c, struct hxc__client_cert *cc)
{
    hxc__client_cert_free(c->client_cert);
    c->client_cert = cc;
    return HXC_OK;
}

hxc_status hxc_ssl_context_load_cert_chain(hxc_ssl_context *c, const char *certfile,
                                           const char *keyfile, const char *password,
                                           hxc_error *err)
{
    hxc_status st = check_mutable(c, err);
    if (st != HXC_OK)
        return st;
    if (certfile == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "load_cert_chain needs a certfile");
    struct hxc__client_cert *cc = NULL;
    st = hxc__client_cert_load_files(&cc, certfile, keyfile, password, err);
    return st == HXC_OK ? set_cert(c, cc) : st;
}

hxc_status hxc_ssl_context_load_cert_chain_mem(hxc_ssl_context *c, const void *cert,
                                               size_t cert_len, const void *key, size_t key_len,
                                               const char *password, hxc_error *err)
{
    hxc_status st = check_mutable(c, err);
    if (st != HXC_OK)
        return st;
    if (cert == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0, "load_cert_chain needs a certificate");
    struct hxc__client_cert *cc = NULL;
    st = hxc__client_cert_load(&cc, cert, cert_len, "in-memory certificate", key, key_len,
                               "in-memory key", password, err);
    return st == HXC_OK ? set_cert(c, cc) : st;
}

hxc_status hxc_ssl_context_set_verify(hxc_ssl_context *c, int verify, hxc_error *err)
{
    hxc_status st = check_mutable(c, err);
    if (st == HXC_OK)
        c->verify = verify != 0;
    return st;
}

hxc_status hxc_ssl_context_set_keylog_file(hxc_ssl_context *c, const char *path, hxc_error *err)
{
    hxc_status st = check_mutable(c, err);
    if (st != HXC_OK)
        return st;
    char *p = NULL;
    if (path != NULL && (p = strdup(path)) == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory");
    free(c->keylog_path);
    c->keylog_path = p;
    return HXC_OK;
}

hxc_status hxc_ssl_context_set_http_version(hxc_ssl_context *c, hxc_http_version_pref pref,
                                            hxc_error *err)
{
    hxc_status st = check_mutable(c, err);
    if (st == HXC_OK)
        c->http_version = pref;
    return st;
}

static const char *version_text(int v)
{
    return v == HXC_TLS_1_2 ? "TLS 1.2" : v == HXC_TLS_1_3 ? "TLS 1.3" : "an unknown version";
}

hxc_status hxc_ssl_context_set_tls_versions(hxc_ssl_context *c, int min_version,
                                            int max_version, hxc_error *err)
{
    hxc_status st = check_mutable(c, err);
    if (st != HXC_OK)
        return st;
    int lo = min_version ? min_version : HXC_TLS_1_2, hi = max_version ? max_version : HXC_TLS_1_3;
    if ((lo != HXC_TLS_1_2 && lo != HXC_TLS_1_3) || (hi != HXC_TLS_1_2 && hi != HXC_TLS_1_3))
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "unsupported TLS version 0x%04x (hxc speaks TLS 1.2 = 0x0303 and TLS "
                        "1.3 = 0x0304)", (unsigned)(lo != HXC_TLS_1_2 && lo != HXC_TLS_1_3 ? lo : hi));
    if (lo > hi)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "the minimum TLS version (%s) is above the maximum (%s)",
                        version_text(lo), version_text(hi));
    c->min_version = lo;
    c->max_version = hi;
    return HXC_OK;
}

hxc_status hxc_ssl_context_set_verify_flags(hxc_ssl_context *c, unsigned flags, hxc_error *err)
{
    hxc_status st = check_mutable(c, err);
    if (st != HXC_OK)
        return st;
    if (flags & ~(unsigned)HXC_VERIFY_CRL_CHECK_CHAIN)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "unsupported verify flags 0x%x (hxc knows HXC_VERIFY_CRL_CHECK_LEAF = "
                        "0x4 and HXC_VERIFY_CRL_CHECK_CHAIN = 0xc)",
                        flags & ~(unsigned)HXC_VERIFY_CRL_CHECK_CHAIN);
    /* 0x8 (OpenSSL's X509_V_FLAG_CRL_CHECK_ALL) is the "chain" part */
    enum hxc__crl_mode mode = (flags & 0x8)                        ? HXC_CRL_CHAIN
                              : (flags & HXC_VERIFY_CRL_CHECK_LEAF) ? HXC_CRL_LEAF
                                                                    : HXC_CRL_NONE;
    hxc__trust_store_set_crl_mode(c->trust, mode);
    return HXC_OK;
}

hxc_status hxc_ssl_context_set_verify_max_depth(hxc_ssl_context *c, unsigned max_depth,
                                                hxc_error *err)
{
    hxc_status st = check_mutable(c, err);
    if (st != HXC_OK)
        return st;
    if (max_depth > 32)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "verify max depth %u is out of range (1 to 32 certificates, or 0 for "
                        "the default of 10)", max_depth);
    hxc__trust_store_set_max_depth(c->trust, max_depth);
    return HXC_OK;
}

/* crlfile, crl_check and verify_max_depth of the options. */
static hxc_status configure_revocation(hxc_ssl_context *c, const hxc_ssl_options *o,
                                       hxc_error *err)
{
    hxc_status st = HXC_OK;
    if (o->crl_check != 0 && o->crl_check != HXC_CRL_CHECK_LEAF &&
        o->crl_check != HXC_CRL_CHECK_CHAIN)
        return hxc__err(err, HXC_E_CONFIG, 0,
                        "crl_check %d is not HXC_CRL_CHECK_LEAF (1) or HXC_CRL_CHECK_CHAIN (2)",
                        o->crl_check);
    if (o->crlfile != NULL)
        st = hxc__trust_store_add_crl_file(c->trust, o->crlfile, err);
    if (st != HXC_OK)
        return st;
    int check = o->crl_check ? o->crl_check : o->crlfile ? HXC_CRL_CHECK_CHAIN : 0;
    if (check != 0)
        st = hxc_ssl_context_set_verify_flags(
            c, check == HXC_CRL_CHECK_LEAF ? HXC_VERIFY_CRL_CHECK_LEAF : HXC_VERIFY_CRL_CHECK_CHAIN,
            err);
    if (st == HXC_OK && o->verify_max_depth != 0)
        st = hxc_ssl_context_set_verify_max_depth(c, o->verify_max_depth, err);
    return st;
}

size_t hxc_ssl_context_anchor_count(const hxc_ssl_context *c)
{
    return c ? hxc__trust_store_count(c->trust) : 0;
}

/* SSL_CERT_FILE / SSL_CERT_DIR from the environment (trust_env), with
 * HTTPX's precedence: SSL_CERT_FILE when set, else SSL_CERT_DIR. A path
 * that does not exist is an error (HTTPX ignores it silently). Returns 1
 * when one was loaded, 0 when neither is set, -1 on error. */
static int load_env_roots(hxc_ssl_context *c, hxc_error *err)
{
    const char *file = getenv("SSL_CERT_FILE");
    const char *dir = getenv("SSL_CERT_DIR");
    if (file != NULL && file[0] != '\0') {
        if (hxc__trust_store_add_file(c->trust, file, err) != HXC_OK) {
            hxc__err_prefix(err, "SSL_CERT_FILE");
            return -1;
        }
        describe(c, "SSL_CERT_FILE");
        return 1;
    }
    if (dir != NULL && dir[0] != '\0') {
        if (hxc__trust_store_add_dir(c->trust, dir, err) != HXC_OK) {
            hxc__err_prefix(err, "SSL_CERT_DIR");
            return -1;
        }
        describe(c, "SSL_CERT_DIR");
        return 1;
    }
    return 0;
}

static hxc_status configure(hxc_ssl_context *c, const hxc_ssl_options *o, hxc_error *err)
{
    int trust_env = o->trust_env != HXC_TRUST_ENV_OFF;
    hxc_status st = HXC_OK;
    c->verify = !o->insecure;
    c->http_version = o->http_version;
    c->key_update_bytes = o->tls13_key_update_bytes;
    c->no_resume = o->no_session_resumption;
    if (o->min_tls_version || o->max_tls_version)
        st = hxc_ssl_context_set_tls_versions(c, o->min_tls_version, o->max_tls_version, err);
    if (st != HXC_OK)
        return st;
    int explicit_roots = o->cafile || o->capath || o->cadata || o->ca_native;
    if (o->cafile || o->capath || o->cadata)
        st = hxc_ssl_context_load_verify_locations(c, o->cafile, o->capath, o->cadata,
                                                   o->cadata_len, err);
    if (st == HXC_OK && o->ca_native)
        st = hxc_ssl_context_load_native_roots(c, err);
    /* verify=False needs no roots: the environment's bundles and the
     * embedded ones are not even read (a CA directory can take longer to
     * parse than the transfers it would not be used for). */
    if (st == HXC_OK && !explicit_roots && c->verify) {
        int env = trust_env ? load_env_roots(c, err) : 0;
        if (env < 0)
            return err ? err->code : HXC_E_CONFIG;
        if (env == 0)
            st = hxc_ssl_context_load_default_roots(c, err);
    }
    if (st == HXC_OK)
        st = configure_revocation(c, o, err);
    if (st != HXC_OK)
        return st;
    if (o->cert_data)
        st = hxc_ssl_context_load_cert_chain_mem(c, o->cert_data, o->cert_data_len, o->key_data,
                                                 o->key_data_len, o->key_password, err);
    else if (o->cert_file)
        st = hxc_ssl_context_load_cert_chain(c, o->cert_file, o->key_file, o->key_password,
                                             err);
    else if (o->key_file || o->key_data)
        st = hxc__err(err, HXC_E_CONFIG, 0, "a private key was given without a certificate");
    if (st != HXC_OK)
        return st;
    const char *keylog = o->keylog_file;
    if (keylog == NULL && trust_env) {
        keylog = getenv("SSLKEYLOGFILE");
        if (keylog != NULL && keylog[0] == '\0')
            keylog = NULL;
    }
    if (keylog)
        st = hxc_ssl_context_set_keylog_file(c, keylog, err);
    return st;
}

hxc_ssl_context *hxc_create_ssl_context(const hxc_ssl_options *opts, hxc_error *err)
{
    hxc_ssl_options dflt;
    if (opts == NULL) {
        hxc_ssl_options_init(&dflt);
        opts = &dflt;
    }
    hxc_ssl_context *c = hxc_ssl_context_new(err);
    if (c == NULL)
        return NULL;
    if (configure(c, opts, err) != HXC_OK) {
        hxc_ssl_context_free(c);
        return NULL;
    }
    return c;
}
