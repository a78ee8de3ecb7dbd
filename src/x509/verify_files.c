/* hxc_verify_chain_files(): the client's verification on files. */
#include <time.h>

#include "base/err.h"
#include "x509/x509.h"

hxc_status hxc_verify_chain_files(const char *roots_path, const char *chain_path,
                                  const char *host, int64_t unix_time, hxc_error *err)
{
    if (roots_path == NULL || chain_path == NULL || host == NULL)
        return hxc__err(err, HXC_E_INVALID_ARGUMENT, 0,
                        "hxc_verify_chain_files needs a roots file, a chain file and a host");
    struct hxc__trust_store *ts = hxc__trust_store_new();
    if (ts == NULL)
        return hxc__err(err, HXC_E_NOMEM, 0, "out of memory creating the trust store");
    struct hxc__der *chain = NULL;
    size_t n = 0;
    hxc_status st = hxc__trust_store_add_file(ts, roots_path, err);
    if (st == HXC_OK)
        st = hxc__der_list_load_file(chain_path, &chain, &n, err);
    if (st == HXC_OK)
        st = hxc__x509_verify(ts, chain, n, host, unix_time ? unix_time : (int64_t)time(NULL),
                              NULL, err);
    hxc__der_list_free(chain, n);
    hxc__trust_store_free(ts);
    return st;
}
