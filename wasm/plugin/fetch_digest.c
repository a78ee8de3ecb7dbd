/* fetch_digest: hxc's sample plugin (issue 5), "sandboxed plugin HTTP access".
 *
 *   fetch_digest URL [CAFILE]
 *
 * A WASI command module built against the wasm32 libhxc.a with nothing but
 * include/hxc.h. The host gives it a URL (and optionally a CA bundle in a
 * preopened directory); it fetches the URL with an hxc client, streams the
 * body through a SHA-256 (no buffering: the body may be larger than the
 * module's memory) and prints one line on stdout:
 *
 *   sha256 <64 hex digits> <body bytes> <HTTP status> <HTTP version>
 *
 * Exit status: 0 for a 2xx response; 3 for any other HTTP status (the line
 * is still printed, so the host sees what came back); 1 when hxc failed
 * (its message in words on stderr, e.g. "connection to evil.example:443
 * refused by the host's policy"); 2 for bad arguments.
 *
 * TCP, and with it the decision where the plugin may connect, belongs to the
 * host (hostnet_v1, see wasm/README.md); TLS, HTTP/2 and certificate checks
 * run here, inside the sandbox, against the embedded certifi roots or CAFILE.
 *
 * hxc's public API has no hash function, so the SHA-256 (FIPS 180-4) is a
 * small one of the plugin's own, below.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hxc.h"

/* ------------------------------------------------------------ SHA-256 */

struct sha256 {
    uint32_t h[8];
    uint64_t total;     /* bytes hashed */
    uint8_t block[64];
    size_t fill;        /* bytes waiting in block */
};

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_init(struct sha256 *s)
{
    static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->h, iv, sizeof iv);
    s->total = 0;
    s->fill = 0;
}

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, h, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t e = v[4], a = v[0];
        uint32_t t1 = v[7] + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & v[5]) ^ (~e & v[6])) +
                      K256[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += v[i];
}

static void sha256_update(struct sha256 *s, const uint8_t *p, size_t n)
{
    s->total += n;
    if (s->fill > 0) {
        size_t take = n < 64 - s->fill ? n : 64 - s->fill;
        memcpy(s->block + s->fill, p, take);
        s->fill += take;
        p += take;
        n -= take;
        if (s->fill < 64)
            return;
        sha256_block(s->h, s->block);
        s->fill = 0;
    }
    for (; n >= 64; p += 64, n -= 64)
        sha256_block(s->h, p);
    memcpy(s->block, p, n);
    s->fill = n;
}

static void sha256_final(struct sha256 *s, uint8_t out[32])
{
    uint64_t bits = s->total * 8;
    uint8_t pad[72] = { 0x80 };
    size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
    for (int i = 0; i < 8; i++)
        pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(s, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

/* -------------------------------------------------------------- fetch */

static int on_body(void *user, const uint8_t *data, size_t len)
{
    sha256_update(user, data, len);
    return 0;
}

static void print_digest(struct sha256 *s, const hxc_response *resp)
{
    uint8_t d[32];
    char hex[65];
    uint64_t bytes = s->total;
    sha256_final(s, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    printf("sha256 %s %llu %d %s\n", hex, (unsigned long long)bytes, hxc_response_status(resp),
           hxc_response_http_version(resp));
}

static int fail(const hxc_error *err)
{
    fprintf(stderr, "fetch_digest: %s (%s)\n", err->message, hxc_status_name(err->code));
    return 1;
}

static int fetch(const char *url, const char *cafile)
{
    hxc_client_options co;
    hxc_error err;
    hxc_client_options_init(&co);
    co.ssl.cafile = cafile; /* NULL: the embedded certifi roots */
    hxc_client *client = hxc_client_new(&co, &err);
    if (!client)
        return fail(&err);

    struct sha256 sha;
    sha256_init(&sha);
    hxc_request req;
    hxc_request_init(&req);
    req.url = url;
    req.on_body = on_body;
    req.user = &sha;
    hxc_response *resp = NULL;
    hxc_status st = hxc_client_request(client, &req, &resp, &err);
    hxc_client_free(client);
    if (st != HXC_OK)
        return fail(&err);

    int status = hxc_response_status(resp);
    print_digest(&sha, resp);
    hxc_response_free(resp);
    if (fflush(stdout) != 0) {
        perror("fetch_digest: cannot write the digest to standard output");
        return 1;
    }
    if (status < 200 || status > 299) {
        fprintf(stderr, "fetch_digest: %s answered with HTTP status %d\n", url, status);
        return 3;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || argv[1][0] == '-') {
        fprintf(stderr, "usage: fetch_digest URL [CAFILE]\n"
                        "prints: sha256 <hex> <bytes> <status> <http version>\n");
        return 2;
    }
    return fetch(argv[1], argc == 3 ? argv[2] : NULL);
}
