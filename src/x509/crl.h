/*
 * Certificate revocation lists (RFC 5280 section 5): a set of parsed CRLs
 * and the revocation check of one certificate against the CRLs of its
 * issuer. Part of the X.509 layer; the trust store owns one set
 * (hxc__trust_store_crls).
 *
 * Loading checks the structure: CertificateList of three elements, version
 * v2 (or v1 without any extension), the same signature AlgorithmIdentifier
 * inside and outside, times, every entry. What makes a well-formed CRL
 * unusable is kept and reported by hxc__crl_check instead (unknown critical
 * extension of the CRL or an entry, indirect CRL, onlySomeReasons), so that
 * one such CRL in a bundle does not stop the others from loading.
 */
#ifndef HXC_X509_CRL_H
#define HXC_X509_CRL_H

#include <bearssl.h>
#include <stddef.h>
#include <stdint.h>

#include "hxc.h"
#include "x509/der.h"

struct hxc__crl_set;

struct hxc__crl_set *hxc__crl_set_new(void);
void hxc__crl_set_free(struct hxc__crl_set *s);
size_t hxc__crl_set_count(const struct hxc__crl_set *s);

/* Adds every CRL of a PEM buffer ("X509 CRL" blocks, other blocks and text
 * skipped) or of a DER buffer (one or more CRLs back to back). *added
 * receives how many were added (may be NULL). A malformed CRL is an
 * HXC_E_CONFIG error naming `what` (and the PEM line or DER offset):
 * "crl.pem:12: malformed CRL: ..."; then none of the buffer's CRLs is
 * added. Finding none is not an error here (the callers decide). */
hxc_status hxc__crl_set_add_mem(struct hxc__crl_set *s, const void *data, size_t len,
                                const char *what, size_t *added, hxc_error *err);
/* Same for a file (at most HXC__X509_MAX_FILE bytes); no CRL in it is an
 * error naming the path. */
hxc_status hxc__crl_set_add_file(struct hxc__crl_set *s, const char *path, hxc_error *err);
/* One DER CRL of exactly len bytes; errors say "malformed CRL: ..." without
 * a location (the caller prefixes it). */
hxc_status hxc__crl_set_add_der(struct hxc__crl_set *s, const unsigned char *der, size_t len,
                                hxc_error *err);
/* Length of the DER element at der when it has the shape of a CRL
 * (SEQUENCE { SEQUENCE { [INTEGER] SEQUENCE SEQUENCE Time ... } ... }),
 * otherwise 0. Tells CRLs from certificates in DER bundles. */
size_t hxc__crl_der_length(const unsigned char *der, size_t len);

/*
 * The revocation status of the certificate `cert` (whole DER, cert_len
 * bytes) issued by the CA whose subject is `issuer_name` (whole Name
 * encoding, compared byte for byte with the CRLs' issuer) and whose key is
 * `issuer_key`, at `now`. From the certificate come its serial number,
 * whether it is a CA (basicConstraints cA), and its cRLDistributionPoints
 * (for the scope of CRLs with an issuingDistributionPoint). s may be NULL
 * (no CRL loaded).
 *
 * The CRLs considered are those with that issuer name. One is usable when
 * it is a complete CRL (not a delta CRL) whose scope covers the
 * certificate, signed by issuer_key with an accepted algorithm (not SHA-1
 * or MD5), without anything that makes it unusable, and current:
 * thisUpdate <= now and, when present, now <= nextUpdate. When several are
 * usable, any that lists the serial revokes (except an entry whose reason
 * is removeFromCRL).
 *
 * HXC_OK: at least one usable CRL, and none lists the serial.
 * HXC_E_CERT_REVOKED: listed; `why` is "serial 0x1003 revoked on
 *   2026-05-01 12:00:00 UTC (reason: keyCompromise)" (no reason part
 *   without a reasonCode; "; invalid since <time>" inside the parentheses
 *   with an invalidityDate). The caller writes "certificate revoked: <why>
 *   (depth N, CN=...)".
 * HXC_E_CERT_CRL: no usable CRL; `why` says why, for the CRL that came
 *   closest to being usable (current-ness is judged last, after the
 *   signature):
 *     "no CRL from issuer CN=X"
 *     "no CRL from issuer CN=X covers the certificate: it holds only CA
 *      certificates (onlyContainsCACerts)" (also onlyContainsUserCerts,
 *      onlyContainsAttributeCerts, and "its issuingDistributionPoint is
 *      not one of the certificate's CRL distribution points")
 *     "no usable CRL from issuer CN=X: delta CRLs are not supported"
 *     "CRL from CN=X is signed with SHA-1, which is refused"
 *     "CRL from CN=X has an unsupported signature algorithm RSASSA-PSS"
 *     "CRL from CN=X: signature does not verify with the issuer's key"
 *     "CRL from CN=X has an unknown critical extension 1.2.3.4"
 *     "CRL from CN=X has an unknown critical entry extension 1.2.3.4"
 *     "CRL from CN=X is indirect (indirectCRL), which is not supported"
 *     "CRL from CN=X is indirect (certificateIssuer entry extension), which
 *      is not supported"
 *     "CRL from CN=X covers only some reasons (onlySomeReasons), which is
 *      not supported"
 *     "CRL from CN=X not yet valid until 2026-07-01 00:00:00 UTC"
 *     "CRL from CN=X expired 2026-07-01 00:00:00 UTC"
 *   The caller writes "<why> (depth N, CN=...)".
 * HXC_E_CERT_MALFORMED: the certificate does not parse ("malformed
 *   certificate").
 * `why` is always NUL-terminated when whysz > 0; 200 bytes hold any of the
 * texts above with names of usual length (they are truncated to fit).
 */
hxc_status hxc__crl_check(const struct hxc__crl_set *s, const unsigned char *cert,
                          size_t cert_len, const struct der_item *issuer_name,
                          const br_x509_pkey *issuer_key, int64_t now, char *why, size_t whysz);

#endif
