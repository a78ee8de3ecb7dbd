/* hxc_verify_chain() and hxc_verify_chain_files(): the client's
 * verification on files. */
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "x509/x509.h"

hxc_status hxc_verify_chain_files(const char *roots_path, const char *chain_path,
                                  const char *host, int64_t unix_time, hxc_error *err)
{
    hxc_verify_options o;
    memset(&o, 0, sizeof o);
    o.roots_path = roots_path;
    o.chain_path = chain_path;
    o.host = host;
    o.unix_time = unix_time;
    return hxc_verify_chain(&o, err);
}

/* Settings of o that go into the trust store, after its files. */
static hxc_status configure(struct hxc__trust_store *ts, const hxc_verify_options *o,
                            hxc_error *err)
{
    hxc_status st = HXC_OK;
    if (o->crl_path != NULL)
        st = hxc__trust_store_add_crl_file(ts, o->crl_path, err);
    int check = o->crl_check ? o->crl_check : o->crl_path ? HXC_CRL_CHECK_CHAIN : 0;
    hxc__trust_store_set_crl_mode(ts, check == HXC_CRL_CHECK_LEAF    ? HXC_CRL_LEAF
                                      : check == HXC_CRL_CHECK_CHAIN ? HXC_CRL_CHAIN
                                                                     : HXC_CRL_NONE);
    hxc__trust_store_set_max_depth(ts, o->max_depth);
    return st;
}

hxc_status hxc_verify_chain(const hxc_verify_options *o, hxc_error *err)
{
    if (o == NULL || o->roots_path == NULL || o->chain_path == NULL || o->host == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "hxc_verify_chain needs a roots file, a chain file and a host");
    if (o->crl_check != 0 && o->crl_check != HXC_CRL_CHECK_LEAF &&
        o->crl_check != HXC_CRL_CHECK_CHAIN)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "crl_check %d is not HXC_CRL_CHECK_LEAF (1) or HXC_CRL_CHECK_CHAIN (2)",
                        o->crl_check);
    if (o->max_depth > 32)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "max depth %u is out of range (1 to 32 certificates, or 0 for the "
                        "default of 10)", o->max_depth);
    struct hxc__trust_store *ts = hxc__trust_store_new();
    if (ts == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating the trust store");
    struct hxc__der *chain = NULL;
    size_t n = 0;
    hxc_status st = hxc__trust_store_add_file(ts, o->roots_path, err);
    if (st == HXC_OK)
        st = configure(ts, o, err);
    if (st == HXC_OK)
        st = hxc__der_list_load_file(o->chain_path, &chain, &n, err);
    if (st == HXC_OK)
        st = hxc__x509_verify(ts, chain, n, o->host,
                              o->unix_time ? o->unix_time : (int64_t)time(NULL), NULL, err);
    hxc__der_list_free(chain, n);
    hxc__trust_store_free(ts);
    return st;
}
