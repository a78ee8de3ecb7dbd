/*
 * Client certificates: a certificate chain plus its private key, loaded from
 * PEM or DER, files or memory. Keys: RSA or EC; PKCS#1, SEC1, PKCS#8;
 * encrypted PKCS#8 (PBES2: PBKDF2 with HMAC-SHA1/SHA-224/SHA-256/SHA-384/
 * SHA-512, AES-128/192/256-CBC, DES-EDE3-CBC) and legacy encrypted PEM
 * ("Proc-Type: 4,ENCRYPTED", DEK-Info AES-128/192/256-CBC, DES-EDE3-CBC).
 * BearSSL reads only unencrypted keys; decryption is built here on
 * BearSSL's primitives (br_hmac, br_aes_*_cbcdec, br_des_*_cbcdec, br_md5).
 */
#ifndef HXC_TLS_KEYS_H
#define HXC_TLS_KEYS_H

#include <bearssl.h>
#include <stddef.h>

#include "hxc.h"

struct hxc__client_cert {
    br_x509_certificate *chain;  /* leaf first; each data malloc'ed */
    size_t chain_len;
    int key_type;                /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
    br_rsa_private_key rsa;      /* when RSA: points into key_buf */
    br_ec_private_key ec;        /* when EC: points into key_buf */
    unsigned char *key_buf;
    size_t key_buf_len;
    int leaf_sig_key_type;       /* key type of the leaf certificate's issuer signature
                                    (BR_KEYTYPE_RSA / BR_KEYTYPE_EC), for set_single_ec */
};

/*
 * Loads a certificate chain and a private key.
 *  cert/cert_len: PEM (one or more CERTIFICATE blocks, possibly also the key)
 *                 or DER (one certificate).
 *  key/key_len:   PEM or DER private key; NULL to take the key from `cert`.
 *  password:      for encrypted keys (NULL or "" when none).
 *  cert_what / key_what: names for messages (file paths, or "in-memory certificate").
 * Errors, each naming the file:
 *  HXC_E_FILE_READ   unreadable file (the _files variant)
 *  HXC_E_CONFIG      no certificate; no private key; malformed PEM/DER;
 *                    encrypted key without a password ("... is encrypted: a password is needed");
 *                    wrong password ("... could not be decrypted: wrong password");
 *                    unsupported encryption scheme (names the OID or cipher);
 *                    key does not match the certificate ("the private key in K does not
 *                    match the certificate in C").
 */
hxc_status hxc__client_cert_load(struct hxc__client_cert **out, const void *cert,
                                 size_t cert_len, const char *cert_what, const void *key,
                                 size_t key_len, const char *key_what, const char *password,
                                 hxc_error *err);
hxc_status hxc__client_cert_load_files(struct hxc__client_cert **out, const char *certfile,
                                       const char *keyfile, const char *password,
                                       hxc_error *err);
void hxc__client_cert_free(struct hxc__client_cert *cc);

#endif
