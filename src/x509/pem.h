/*
 * PEM decoding and whole-file reading shared by the trust store
 * (certificates) and the CRL set (src/x509/crl.c). Implemented in
 * src/x509/trust.c on BearSSL's br_pem_decoder.
 */
#ifndef HXC_X509_PEM_H
#define HXC_X509_PEM_H

#include <stddef.h>

#include "hxc.h"

/* Largest certificate, bundle or CRL file read (a CRL of 100 000 entries
 * is about 3.5 MB). */
#define HXC__X509_MAX_FILE (16u * 1024 * 1024)

/* What a PEM block holds, from its BEGIN line's name. */
enum hxc__pem_kind {
    HXC_PEM_OTHER = 0,       /* keys, parameters...: skipped */
    HXC_PEM_CERTIFICATE = 1, /* CERTIFICATE, X509 CERTIFICATE, TRUSTED CERTIFICATE */
    HXC_PEM_CRL = 2          /* X509 CRL */
};
#define HXC_PEM_WANT(kind) (1u << (kind))

enum hxc__pem_kind hxc__pem_kind(const char *block_name);

/* 1 when the buffer holds a "-----BEGIN " line somewhere. */
int hxc__pem_detect(const void *data, size_t len);

/* Receives one decoded block: its DER bytes (a temporary buffer: copy
 * them) and the 1-based line of its BEGIN line. An error stops the walk;
 * the callback names `line` itself. */
typedef hxc_status (*hxc__pem_fn)(void *ctx, enum hxc__pem_kind kind, const unsigned char *der,
                                  size_t len, unsigned line, hxc_error *err);

/* Walks every PEM block of data: blocks whose kind is in `wanted` (a mask
 * of HXC_PEM_WANT(kind)) go to fn, the others and any text between blocks
 * are skipped. Bad base64, a stray line inside a block or a block without
 * END line are HXC_E_CONFIG errors naming "what:line". Finding no block is
 * not an error here. */
hxc_status hxc__pem_decode(const void *data, size_t len, const char *what, unsigned wanted,
                           hxc__pem_fn fn, void *ctx, hxc_error *err);

/* Reads a whole file (at most HXC__X509_MAX_FILE bytes) into a malloc'ed
 * buffer (caller frees). Errors name the file with `noun`: "cannot open
 * CRL file 'x.pem': No such file or directory". */
hxc_status hxc__x509_read_file(const char *path, const char *noun, unsigned char **out,
                               size_t *len, hxc_error *err);

#endif
