/*
 * Private key decryption for keys.c, on BearSSL's primitives:
 *  - PKCS#8 EncryptedPrivateKeyInfo with PBES2 (RFC 8018): PBKDF2 with
 *    HMAC-SHA1/SHA-224/SHA-256/SHA-384/SHA-512; AES-128/192/256-CBC,
 *    DES-EDE3-CBC;
 *  - legacy OpenSSL PEM encryption ("DEK-Info: <cipher>,<hex iv>", key from
 *    EVP_BytesToKey with MD5 and one iteration).
 * The plaintext is malloc'ed; callers wipe and free it (hxc__keys_wipe_free).
 */
#ifndef HXC_TLS_KEYS_DECRYPT_H
#define HXC_TLS_KEYS_DECRYPT_H

#include <stddef.h>

#include "hxc.h"

/* 1 when `der` is shaped like an EncryptedPrivateKeyInfo:
 * SEQUENCE { SEQUENCE { OID, ... }, OCTET STRING }. */
int hxc__keys_is_epki(const unsigned char *der, size_t len);

/* Decrypts an EncryptedPrivateKeyInfo. Errors (HXC_E_CONFIG), naming `what`:
 * malformed structure, unsupported scheme (named), wrong password (bad padding). */
hxc_status hxc__keys_pkcs8_decrypt(const unsigned char *der, size_t len, const char *password,
                                   const char *what, unsigned char **out, size_t *out_len,
                                   hxc_error *err);

/* Decrypts a legacy encrypted PEM body, `dek_info` being the DEK-Info header
 * value ("AES-256-CBC,00112233..."). Same errors. */
hxc_status hxc__keys_legacy_decrypt(const char *dek_info, const unsigned char *data,
                                    size_t len, const char *password, const char *what,
                                    unsigned char **out, size_t *out_len, hxc_error *err);

/* Zeroes `len` bytes (not optimised away) then frees. */
void hxc__keys_wipe_free(void *p, size_t len);
void hxc__keys_wipe(void *p, size_t len);

#endif
