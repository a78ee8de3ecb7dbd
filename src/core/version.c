/* hxc_version(): versions of hxc and what it was built with. */
#include <llhttp.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>

#include "hxc.h"
#include "net/net.h"
#include "tls/tls.h"
#include "x509/psl.h"
#include "x509/x509.h"

/* BearSSL has no version macro or function; Debian's package is 0.6. */
#ifndef HXC_BEARSSL_VERSION
#define HXC_BEARSSL_VERSION "0.6"
#endif

#define HXC_STR2(x) #x
#define HXC_STR(x) HXC_STR2(x)

void hxc_version(hxc_version_info *v)
{
    v->hxc = HXC_VERSION_STRING;
    v->bearssl = HXC_BEARSSL_VERSION;
    v->nghttp2 = nghttp2_version(0)->version_str;
    v->llhttp = HXC_STR(LLHTTP_VERSION_MAJOR) "." HXC_STR(LLHTTP_VERSION_MINOR) "." HXC_STR(
        LLHTTP_VERSION_PATCH);
    v->certifi = hxc__certifi_version;
    v->trust_anchors = hxc__embedded_root_count;
    v->transport = hxc__net_transport;
    v->psl = hxc__psl_version();
    v->psl_rules = hxc__psl_rule_count();
    v->crypto = hxc__tls_crypto_impls();
}
