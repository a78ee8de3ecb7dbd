/* Client certificates and private keys: every key form openssl writes (RSA,
 * EC P-256/P-384/P-521; PKCS#1, SEC1, PKCS#8; PEM, DER; encrypted PKCS#8
 * with PBES2 and legacy encrypted PEM), chains, combined files, and each
 * error (mismatch, wrong/missing password, unsupported scheme, bad files).
 * Keys and certificates are minted with the openssl CLI at test time. A
 * loaded key is checked by signing with it and verifying the signature with
 * the leaf certificate's public key. */
#include <bearssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "tls/keys.h"

#define PASS "s3cret pass"

static char tmpdir[] = "/tmp/hxc-test-keys-XXXXXX";

static const char *tmp_path(const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* Runs a shell command in the temp dir; 0 on success. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    int n = snprintf(cmd, sizeof cmd, "cd '%s' && (", tmpdir);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
    va_end(ap);
    snprintf(cmd + n, sizeof cmd - (size_t)n, ") >/dev/null 2>&1");
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc;
}

static unsigned char *read_all(const char *name, size_t *len)
{
    FILE *f = fopen(tmp_path(name), "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* --------------------------------------------------------- fixtures */

#define REQ "openssl req -x509 -new -subj /CN=hxc-client -days 2 "

static int mint(void)
{
    int rc = 0;
    /* RSA 2048 and its forms */
    rc |= sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.p8.pem");
    rc |= sh(REQ "-key rsa.p8.pem -out rsa.crt");
    rc |= sh("openssl x509 -in rsa.crt -outform DER -out rsa.crt.der");
    rc |= sh("openssl rsa -in rsa.p8.pem -traditional -out rsa.p1.pem");
    rc |= sh("openssl rsa -in rsa.p8.pem -traditional -outform DER -out rsa.p1.der");
    rc |= sh("openssl pkcs8 -topk8 -nocrypt -in rsa.p8.pem -outform DER -out rsa.p8.der");
    rc |= sh("openssl pkcs8 -topk8 -in rsa.p8.pem -v2 aes-256-cbc -v2prf hmacWithSHA256 "
             "-passout 'pass:" PASS "' -out rsa.enc-aes256-sha256.pem");
    rc |= sh("openssl pkcs8 -topk8 -in rsa.p8.pem -v2 aes-128-cbc -v2prf hmacWithSHA1 "
             "-passout 'pass:" PASS "' -out rsa.enc-aes128-sha1.pem");
    rc |= sh("openssl pkcs8 -topk8 -in rsa.p8.pem -v2 des3 -passout 'pass:" PASS
             "' -out rsa.enc-des3.pem");
    rc |= sh("openssl pkcs8 -topk8 -in rsa.p8.pem -v2 aes-192-cbc -v2prf hmacWithSHA512 "
             "-passout 'pass:" PASS "' -out rsa.enc-aes192-sha512.pem");
    rc |= sh("openssl pkcs8 -topk8 -in rsa.p8.pem -v2 aes-256-cbc -v2prf hmacWithSHA384 "
             "-iter 1000 -passout 'pass:" PASS "' -out rsa.enc-sha384.pem");
    rc |= sh("openssl pkcs8 -topk8 -in rsa.p8.pem -v2 aes-128-cbc -v2prf hmacWithSHA224 "
             "-passout 'pass:" PASS "' -out rsa.enc-sha224.pem");
    rc |= sh("openssl pkcs8 -topk8 -in rsa.p8.pem -v2 aes-256-cbc -passout 'pass:" PASS
             "' -outform DER -out rsa.enc.der");
    rc |= sh("openssl pkcs8 -topk8 -in rsa.p8.pem -v1 PBE-SHA1-3DES -passout 'pass:" PASS
             "' -out rsa.pbes1.pem");
    rc |= sh("openssl pkcs8 -topk8 -in rsa.p8.pem -scrypt -passout 'pass:" PASS
             "' -out rsa.scrypt.pem");
    rc |= sh("openssl rsa -in rsa.p8.pem -aes256 -traditional -passout 'pass:" PASS
             "' -out rsa.legacy-aes256.pem");
    rc |= sh("openssl rsa -in rsa.p8.pem -aes128 -traditional -passout 'pass:" PASS
             "' -out rsa.legacy-aes128.pem");
    rc |= sh("openssl rsa -in rsa.p8.pem -aes192 -traditional -passout 'pass:" PASS
             "' -out rsa.legacy-aes192.pem");
    rc |= sh("openssl rsa -in rsa.p8.pem -des3 -traditional -passout 'pass:" PASS
             "' -out rsa.legacy-des3.pem");
    rc |= sh("openssl rsa -in rsa.p8.pem -camellia128 -traditional -passout 'pass:" PASS
             "' -out rsa.legacy-camellia.pem");
    rc |= sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 "
             "-pass 'pass:" PASS "' -out rsag.pem");
    rc |= sh(REQ "-key rsag.pem -passin 'pass:" PASS "' -out rsag.crt");
    rc |= sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.pem");
    /* combined certificate + key files, LF and CRLF with text between */
    rc |= sh("cat rsa.crt rsa.p1.pem > rsa.combined.pem");
    rc |= sh("(echo 'Subject: the client'; cat rsa.crt; echo 'then the key:'; "
             "cat rsa.legacy-aes256.pem) | sed 's/$/\\r/' > rsa.combined-crlf.pem");
    rc |= sh("cat rsa.enc-aes256-sha256.pem rsa.crt > rsa.key-first.pem");
    /* EC */
    static const char *const curves[] = {"P-256", "P-384", "P-521"};
    for (int i = 0; i < 3; i++) {
        const char *c = curves[i];
        rc |= sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:%s -out ec%s.p8.pem",
                 c, c);
        rc |= sh(REQ "-key ec%s.p8.pem -out ec%s.crt", c, c);
        rc |= sh("openssl ec -in ec%s.p8.pem -out ec%s.sec1.pem", c, c);
        rc |= sh("openssl ec -in ec%s.p8.pem -outform DER -out ec%s.sec1.der", c, c);
        rc |= sh("openssl pkcs8 -topk8 -nocrypt -in ec%s.p8.pem -outform DER -out ec%s.p8.der",
                 c, c);
        rc |= sh("openssl pkcs8 -topk8 -in ec%s.p8.pem -v2 aes-256-cbc -v2prf hmacWithSHA256 "
                 "-passout 'pass:" PASS "' -out ec%s.enc.pem",
                 c, c);
        rc |= sh("openssl ec -in ec%s.p8.pem -aes128 -passout 'pass:" PASS
                 "' -out ec%s.legacy-aes128.pem",
                 c, c);
    }
    rc |= sh("openssl ec -in ecP-256.p8.pem -des3 -passout 'pass:" PASS
             "' -out ecP-256.legacy-des3.pem");
    rc |= sh("openssl pkcs8 -topk8 -in ecP-256.p8.pem -v2 des3 -v2prf hmacWithSHA1 "
             "-passout 'pass:" PASS "' -out ecP-256.enc-des3.pem");
    rc |= sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 "
             "-pass 'pass:" PASS "' -out ecg.pem");
    rc |= sh(REQ "-key ecg.pem -passin 'pass:" PASS "' -out ecg.crt");
    rc |= sh("openssl ecparam -name prime256v1 -genkey -out ecparam.pem");
    rc |= sh(REQ "-key ecparam.pem -out ecparam.crt");
    /* chain: EC root -> EC intermediate -> RSA leaf */
    rc |= sh("printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=keyCertSign\\n' > ca.ext");
    rc |= sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key");
    rc |= sh("openssl req -x509 -new -key root.key -subj /CN=root -days 2 -out root.crt");
    rc |= sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out int.key");
    rc |= sh("openssl req -new -key int.key -subj /CN=intermediate -out int.csr");
    rc |= sh("openssl x509 -req -in int.csr -CA root.crt -CAkey root.key -CAcreateserial "
             "-extfile ca.ext -days 2 -out int.crt");
    rc |= sh("openssl req -new -key rsa.p8.pem -subj /CN=leaf -out leaf.csr");
    rc |= sh("openssl x509 -req -in leaf.csr -CA int.crt -CAkey int.key -CAcreateserial "
             "-days 2 -out leaf.crt");
    rc |= sh("cat leaf.crt int.crt > chain.pem");
    rc |= sh("openssl x509 -in leaf.crt -outform DER -out leaf.der");
    rc |= sh("openssl x509 -in int.crt -outform DER -out int.der");
    /* key types BearSSL does not use */
    rc |= sh("openssl genpkey -algorithm ED25519 -out ed.pem");
    rc |= sh("openssl pkcs8 -topk8 -in ed.pem -v2 aes-256-cbc -passout 'pass:" PASS
             "' -out ed.enc.pem");
    rc |= sh("openssl ecparam -name secp256k1 -genkey -noout -out k1.pem");
    rc |= sh("openssl pkcs8 -topk8 -nocrypt -in k1.pem -out k1.p8.pem");
    rc |= sh("printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\\nAAAA\\n"
             "-----END OPENSSH PRIVATE KEY-----\\n' > ssh.key");
    /* odd files */
    rc |= sh(": > empty.pem");
    rc |= sh("head -c 1100000 /dev/zero > big.pem");
    rc |= sh("cat rsa.p1.pem ecP-256.sec1.pem > twokeys.pem");
    rc |= sh("head -c 300 /dev/urandom > garbage.der");
    rc |= sh("(head -n 3 rsa.p1.pem; echo 'not*base64!'; tail -n 1 rsa.p1.pem) > badb64.pem");
    rc |= sh("head -n 5 rsa.p1.pem > noend.pem");
    return rc;
}

/* ---------------------------------------------------------- checks */

/* Signs a hash with the loaded key and verifies it with the leaf's key. */
static int key_is_usable(const struct hxc__client_cert *cc)
{
    br_x509_decoder_context dc;
    br_x509_decoder_init(&dc, NULL, NULL);
    br_x509_decoder_push(&dc, cc->chain[0].data, cc->chain[0].data_len);
    const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
    if (pk == NULL || pk->key_type != cc->key_type)
        return 0;
    unsigned char hash[32], sig[1024], out[64];
    br_sha256_context sc;
    br_sha256_init(&sc);
    br_sha256_update(&sc, "hxc client certificate", 22);
    br_sha256_out(&sc, hash);
    if (cc->key_type == BR_KEYTYPE_RSA) {
        size_t siglen = (cc->rsa.n_bitlen + 7) / 8;
        if (!br_rsa_pkcs1_sign_get_default()(BR_HASH_OID_SHA256, hash, 32, &cc->rsa, sig))
            return 0;
        if (!br_rsa_pkcs1_vrfy_get_default()(sig, siglen, BR_HASH_OID_SHA256, 32,
                                              &pk->key.rsa, out))
            return 0;
        return memcmp(out, hash, 32) == 0;
    }
    const br_ec_impl *ec = br_ec_get_default();
    size_t siglen = br_ecdsa_sign_asn1_get_default()(ec, &br_sha256_vtable, hash, &cc->ec, sig);
    if (siglen == 0)
        return 0;
    if (!br_ecdsa_vrfy_asn1_get_default()(ec, hash, 32, &pk->key.ec, sig, siglen))
        return 0;
    /* and a signature over another message must not verify */
    hash[0] ^= 1;
    return !br_ecdsa_vrfy_asn1_get_default()(ec, hash, 32, &pk->key.ec, sig, siglen);
}

static void load_ok(const char *cert, const char *key, const char *password, int key_type,
                    size_t chain_len)
{
    struct hxc__client_cert *cc = NULL;
    hxc_error err;
    memset(&err, 0, sizeof err);
    char certp[512], keyp[512];
    snprintf(certp, sizeof certp, "%s", tmp_path(cert));
    snprintf(keyp, sizeof keyp, "%s", key ? tmp_path(key) : "");
    hxc_status st = hxc__client_cert_load_files(&cc, certp, key ? keyp : NULL, password, &err);
    if (st != HXC_OK)
        fprintf(stderr, "load %s + %s failed: %s\n", cert, key ? key : "(none)", err.message);
    ASSERT_EQ(st, HXC_OK);
    if (cc == NULL)
        return;
    ASSERT_EQ(cc->key_type, key_type);
    ASSERT_EQ(cc->chain_len, chain_len);
    int usable = key_is_usable(cc);
    if (!usable)
        fprintf(stderr, "key %s is not usable with %s\n", key ? key : cert, cert);
    CHECK(usable);
    hxc__client_cert_free(cc);
}

/* Loads and expects failure with `code` and a message containing `needle`. */
static void load_fails(const char *cert, const char *key, const char *password,
                       hxc_status code, const char *needle)
{
    struct hxc__client_cert *cc = (struct hxc__client_cert *)1;
    hxc_error err;
    memset(&err, 0, sizeof err);
    char certp[512], keyp[512];
    snprintf(certp, sizeof certp, "%s", tmp_path(cert));
    snprintf(keyp, sizeof keyp, "%s", key ? tmp_path(key) : "");
    hxc_status st = hxc__client_cert_load_files(&cc, certp, key ? keyp : NULL, password, &err);
    if (st != code)
        fprintf(stderr, "load %s + %s: got %d (%s)\n", cert, key ? key : "(none)", (int)st,
                err.message);
    ASSERT_EQ(st, code);
    CHECK(cc == NULL);
    ASSERT_CONTAINS(err.message, needle);
    if (st == HXC_OK)
        hxc__client_cert_free(cc);
}

static void test_rsa_forms(void)
{
    static const char *const plain[] = {"rsa.p1.pem", "rsa.p8.pem", "rsa.p8.der",
                                        "rsa.p1.der"};
    for (size_t i = 0; i < 4; i++)
        load_ok("rsa.crt", plain[i], NULL, BR_KEYTYPE_RSA, 1);
    static const char *const enc[] = {
        "rsa.enc-aes256-sha256.pem", "rsa.enc-aes128-sha1.pem", "rsa.enc-des3.pem",
        "rsa.enc-aes192-sha512.pem", "rsa.enc-sha384.pem",      "rsa.enc-sha224.pem",
        "rsa.enc.der",               "rsa.legacy-aes256.pem",   "rsa.legacy-aes128.pem",
        "rsa.legacy-aes192.pem",     "rsa.legacy-des3.pem"};
    for (size_t i = 0; i < sizeof enc / sizeof enc[0]; i++)
        load_ok("rsa.crt", enc[i], PASS, BR_KEYTYPE_RSA, 1);
    /* a password given for a plain key is ignored */
    load_ok("rsa.crt", "rsa.p1.pem", PASS, BR_KEYTYPE_RSA, 1);
    load_ok("rsag.crt", "rsag.pem", PASS, BR_KEYTYPE_RSA, 1);
    load_ok("rsa.crt.der", "rsa.p8.pem", NULL, BR_KEYTYPE_RSA, 1);
}

static void test_ec_forms(void)
{
    static const char *const curves[] = {"P-256", "P-384", "P-521"};
    static const char *const forms[] = {"p8.pem", "sec1.pem", "sec1.der", "p8.der", "enc.pem",
                                        "legacy-aes128.pem"};
    char crt[64], key[64];
    for (int c = 0; c < 3; c++) {
        snprintf(crt, sizeof crt, "ec%s.crt", curves[c]);
        for (int f = 0; f < 6; f++) {
            snprintf(key, sizeof key, "ec%s.%s", curves[c], forms[f]);
            load_ok(crt, key, f >= 4 ? PASS : NULL, BR_KEYTYPE_EC, 1);
        }
    }
    load_ok("ecP-256.crt", "ecP-256.legacy-des3.pem", PASS, BR_KEYTYPE_EC, 1);
    load_ok("ecP-256.crt", "ecP-256.enc-des3.pem", PASS, BR_KEYTYPE_EC, 1);
    load_ok("ecg.crt", "ecg.pem", PASS, BR_KEYTYPE_EC, 1);
    /* "EC PARAMETERS" block before the key (openssl ecparam -genkey) */
    load_ok("ecparam.crt", "ecparam.pem", NULL, BR_KEYTYPE_EC, 1);
}

static void test_combined_and_chain(void)
{
    load_ok("rsa.combined.pem", NULL, NULL, BR_KEYTYPE_RSA, 1);
    load_ok("rsa.combined-crlf.pem", NULL, PASS, BR_KEYTYPE_RSA, 1);
    load_ok("rsa.key-first.pem", NULL, PASS, BR_KEYTYPE_RSA, 1);
    load_ok("chain.pem", "rsa.p1.pem", NULL, BR_KEYTYPE_RSA, 2);

    /* leaf first, then the intermediate, as given; issuer signature type */
    struct hxc__client_cert *cc = NULL;
    hxc_error err;
    char certp[512];
    snprintf(certp, sizeof certp, "%s", tmp_path("chain.pem"));
    ASSERT_EQ(hxc__client_cert_load_files(&cc, certp, tmp_path("rsa.p8.pem"), NULL, &err),
              HXC_OK);
    size_t leaf_len = 0, int_len = 0;
    unsigned char *leaf = read_all("leaf.der", &leaf_len);
    unsigned char *inter = read_all("int.der", &int_len);
    if (cc && leaf && inter && cc->chain_len == 2) {
        CHECK(cc->chain[0].data_len == leaf_len &&
              memcmp(cc->chain[0].data, leaf, leaf_len) == 0);
        CHECK(cc->chain[1].data_len == int_len &&
              memcmp(cc->chain[1].data, inter, int_len) == 0);
        ASSERT_EQ(cc->leaf_sig_key_type, BR_KEYTYPE_EC); /* issued by the EC intermediate */
    } else {
        CHECK(0);
    }
    free(leaf);
    free(inter);
    hxc__client_cert_free(cc);

    cc = NULL;
    snprintf(certp, sizeof certp, "%s", tmp_path("rsa.crt"));
    ASSERT_EQ(hxc__client_cert_load_files(&cc, certp, tmp_path("rsa.p1.pem"), NULL, &err),
              HXC_OK);
    if (cc)
        ASSERT_EQ(cc->leaf_sig_key_type, BR_KEYTYPE_RSA); /* self-signed RSA */
    hxc__client_cert_free(cc);
}

static void test_in_memory(void)
{
    size_t clen = 0, klen = 0;
    unsigned char *cert = read_all("ecP-384.crt", &clen);
    unsigned char *key = read_all("ecP-384.enc.pem", &klen);
    struct hxc__client_cert *cc = NULL;
    hxc_error err;
    memset(&err, 0, sizeof err);
    ASSERT_EQ(hxc__client_cert_load(&cc, cert, clen, "in-memory certificate", key, klen,
                                    "in-memory key", PASS, &err),
              HXC_OK);
    CHECK(cc != NULL && key_is_usable(cc));
    hxc__client_cert_free(cc);
    cc = NULL;
    ASSERT_EQ(hxc__client_cert_load(&cc, cert, clen, "in-memory certificate", key, klen,
                                    "in-memory key", "nope", &err),
              HXC_E_CONFIG);
    ASSERT_STREQ(err.message,
                 "the private key in 'in-memory key' could not be decrypted: wrong password");
    free(cert);
    free(key);

    /* DER certificate + DER key in memory */
    cert = read_all("rsa.crt.der", &clen);
    key = read_all("rsa.p1.der", &klen);
    ASSERT_EQ(hxc__client_cert_load(&cc, cert, clen, "cert.der", key, klen, "key.der", NULL,
                                    &err),
              HXC_OK);
    CHECK(cc != NULL && key_is_usable(cc));
    hxc__client_cert_free(cc);
    cc = NULL;
    ASSERT_EQ(hxc__client_cert_load(&cc, cert, clen, "cert.der", NULL, 0, NULL, NULL, &err),
              HXC_E_CONFIG);
    ASSERT_CONTAINS(err.message, "no private key in 'cert.der'");
    free(cert);
    free(key);
    hxc__client_cert_free(NULL);
}

static void test_errors(void)
{
    char msg[600];
    /* mismatches */
    snprintf(msg, sizeof msg, "the private key in '%s' does not match the certificate in '%s'",
             tmp_path("other.pem"), tmp_path("rsa.crt"));
    load_fails("rsa.crt", "other.pem", NULL, HXC_E_CONFIG, msg);
    load_fails("rsa.crt", "ecP-256.p8.pem", NULL, HXC_E_CONFIG, "does not match the certificate");
    load_fails("ecP-256.crt", "ecP-384.p8.pem", NULL, HXC_E_CONFIG,
               "does not match the certificate");
    load_fails("ecP-256.crt", "ecg.pem", PASS, HXC_E_CONFIG, "does not match the certificate");
    load_fails("chain.pem", "other.pem", NULL, HXC_E_CONFIG, "does not match the certificate");

    /* wrong password, every scheme */
    static const char *const enc[] = {"rsa.enc-aes256-sha256.pem", "rsa.enc-des3.pem",
                                      "rsa.enc.der", "rsa.legacy-aes256.pem",
                                      "rsa.legacy-des3.pem", "rsa.legacy-aes128.pem"};
    for (size_t i = 0; i < sizeof enc / sizeof enc[0]; i++) {
        snprintf(msg, sizeof msg,
                 "the private key in '%s' could not be decrypted: wrong password",
                 tmp_path(enc[i]));
        load_fails("rsa.crt", enc[i], "wrong", HXC_E_CONFIG, msg);
    }
    load_fails("ecP-256.crt", "ecP-256.legacy-aes128.pem", "wrong", HXC_E_CONFIG,
               "could not be decrypted: wrong password");
    load_fails("rsa.combined-crlf.pem", NULL, "wrong", HXC_E_CONFIG,
               "could not be decrypted: wrong password");

    /* missing password */
    snprintf(msg, sizeof msg, "the private key in '%s' is encrypted: a password is needed",
             tmp_path("rsa.enc-aes256-sha256.pem"));
    load_fails("rsa.crt", "rsa.enc-aes256-sha256.pem", NULL, HXC_E_CONFIG, msg);
    load_fails("rsa.crt", "rsa.legacy-aes256.pem", "", HXC_E_CONFIG,
               "is encrypted: a password is needed");
    load_fails("rsa.crt", "rsa.enc.der", NULL, HXC_E_CONFIG,
               "is encrypted: a password is needed");

    /* unsupported schemes */
    load_fails("rsa.crt", "rsa.pbes1.pem", PASS, HXC_E_CONFIG,
               "unsupported encryption scheme: pbeWithSHAAnd3-KeyTripleDES-CBC (PKCS#12 PBE) "
               "(OID 1.2.840.113549.1.12.1.3)");
    load_fails("rsa.crt", "rsa.scrypt.pem", PASS, HXC_E_CONFIG,
               "unsupported key derivation function: scrypt");
    load_fails("rsa.crt", "rsa.legacy-camellia.pem", PASS, HXC_E_CONFIG,
               "unsupported cipher: CAMELLIA-128-CBC");

    /* key algorithms and curves other than RSA / EC P-256, P-384, P-521 */
    load_fails("rsa.crt", "ed.pem", NULL, HXC_E_CONFIG,
               "is a key of type Ed25519 (OID 1.3.101.112): only RSA and EC (P-256, P-384, "
               "P-521) keys are supported");
    load_fails("rsa.crt", "ed.enc.pem", PASS, HXC_E_CONFIG, "is a key of type Ed25519");
    load_fails("rsa.crt", "ed.enc.pem", "wrong", HXC_E_CONFIG,
               "could not be decrypted: wrong password");
    load_fails("rsa.crt", "k1.p8.pem", NULL, HXC_E_CONFIG,
               "is an EC key on curve OID 1.3.132.0.10");
    load_fails("rsa.crt", "k1.pem", NULL, HXC_E_CONFIG, "only RSA and EC");
    load_fails("rsa.crt", "ssh.key", NULL, HXC_E_CONFIG,
               "unsupported private key type \"OPENSSH PRIVATE KEY\"");
    load_fails("rsa.crt", "rsa.crt.der", NULL, HXC_E_CONFIG, "no private key found in");

    /* files */
    snprintf(msg, sizeof msg,
             "cannot read client certificate file '%s': No such file or directory",
             tmp_path("missing.pem"));
    load_fails("missing.pem", "rsa.p1.pem", NULL, HXC_E_FILE_READ, msg);
    snprintf(msg, sizeof msg, "cannot read private key file '%s': No such file or directory",
             tmp_path("missing.key"));
    load_fails("rsa.crt", "missing.key", NULL, HXC_E_FILE_READ, msg);
    load_fails("empty.pem", "rsa.p1.pem", NULL, HXC_E_CONFIG, "no certificate found in");
    load_fails("rsa.crt", "empty.pem", NULL, HXC_E_CONFIG, "no private key found in");
    load_fails("rsa.p1.pem", NULL, NULL, HXC_E_CONFIG, "no certificate found in");
    load_fails("garbage.der", "rsa.p1.pem", NULL, HXC_E_CONFIG, "no certificate found");
    load_fails("rsa.crt", "garbage.der", NULL, HXC_E_CONFIG, "no private key found in");
    load_fails("rsa.crt", NULL, NULL, HXC_E_CONFIG, "no private key in");
    load_fails("rsa.crt", "rsa.crt", NULL, HXC_E_CONFIG, "no private key found in");
    load_fails("rsa.crt", "badb64.pem", NULL, HXC_E_CONFIG, "invalid base64");
    load_fails("rsa.crt", "noend.pem", NULL, HXC_E_CONFIG, "has no END line");
    load_fails("rsa.crt", "twokeys.pem", NULL, HXC_E_CONFIG,
               "holds more than one private key (lines 1 and");
    load_fails("big.pem", "rsa.p1.pem", NULL, HXC_E_FILE_READ,
               "cannot read client certificate file");
    load_fails("rsa.crt", "big.pem", NULL, HXC_E_FILE_READ, "larger than 1048576 bytes");
}

int main(void)
{
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    int rc = mint();
    CHECK(rc == 0);
    if (rc == 0) {
        test_rsa_forms();
        test_ec_forms();
        test_combined_and_chain();
        test_in_memory();
        test_errors();
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return HARNESS_RESULT();
}
