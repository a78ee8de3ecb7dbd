/*
 * hxc verify --roots ROOTS.pem --chain CHAIN.pem --host NAME_OR_IP [--time UNIX_SECONDS]
 *            [--crls CRLS.pem] [--crl-check leaf|chain] [--max-depth N]
 *
 * Runs exactly the client's certificate verification on a PEM chain (leaf
 * first, intermediates in any order) against the roots in ROOTS.pem, with
 * revocation checked against CRLS.pem when given. Prints "OK" (exit 0) or
 * "REJECT <reason>" (exit 1); usage errors and unreadable or malformed
 * files go to stderr with exit 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hxc.h"
#include "verify.h"

static int usage(const char *why)
{
    if (why != NULL)
        fprintf(stderr, "hxc verify: %s\n", why);
    fprintf(stderr,
            "usage: hxc verify --roots ROOTS.pem --chain CHAIN.pem --host NAME_OR_IP "
            "[--time UNIX_SECONDS]\n"
            "                  [--crls CRLS.pem] [--crl-check leaf|chain] [--max-depth N]\n"
            "  Verifies CHAIN.pem (leaf first, then intermediates in any order) for host\n"
            "  NAME_OR_IP against the roots in ROOTS.pem, at UNIX_SECONDS (default: now).\n"
            "  --crls: CRLs (PEM or DER, several allowed) that revocation is checked\n"
            "  against; CRLs in ROOTS.pem are loaded too. --crl-check: which certificates\n"
            "  need a current CRL of their issuer that does not list them: the leaf, or\n"
            "  the whole chain below the root (the default when --crls is given).\n"
            "  --max-depth: at most N certificates (1 to 32, leaf and root included;\n"
            "  default 10).\n"
            "  Prints OK (exit 0) or REJECT <reason> (exit 1).\n");
    return 2;
}

static int parse_time(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0)
        return -1;
    *out = (int64_t)v;
    return 0;
}

static int parse_depth(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 32)
        return -1;
    *out = (unsigned)v;
    return 0;
}

enum { A_ROOTS, A_CHAIN, A_HOST, A_TIME, A_CRLS, A_CRL_CHECK, A_MAX_DEPTH, A_COUNT };

/* 0 when parsed, otherwise the exit code of a usage error. */
static int parse_args(int argc, char **argv, hxc_verify_options *o)
{
    static const char *const opts[A_COUNT] = {"--roots", "--chain",     "--host",     "--time",
                                              "--crls",  "--crl-check", "--max-depth"};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return usage(NULL);
        size_t k = 0;
        while (k < A_COUNT && strcmp(argv[i], opts[k]) != 0)
            k++;
        if (k == A_COUNT) {
            char msg[160];
            snprintf(msg, sizeof msg, "unknown argument '%.100s'", argv[i]);
            return usage(msg);
        }
        if (i + 1 >= argc) {
            char msg[80];
            snprintf(msg, sizeof msg, "%s needs a value", opts[k]);
            return usage(msg);
        }
        const char *val = argv[++i];
        switch (k) {
        case A_ROOTS: o->roots_path = val; break;
        case A_CHAIN: o->chain_path = val; break;
        case A_HOST: o->host = val; break;
        case A_CRLS: o->crl_path = val; break;
        case A_TIME:
            if (parse_time(val, &o->unix_time) != 0)
                return usage("--time needs a positive number of seconds since 1970-01-01 UTC");
            break;
        case A_CRL_CHECK:
            if (strcmp(val, "leaf") == 0)
                o->crl_check = HXC_CRL_CHECK_LEAF;
            else if (strcmp(val, "chain") == 0)
                o->crl_check = HXC_CRL_CHECK_CHAIN;
            else
                return usage("--crl-check takes leaf or chain");
            break;
        case A_MAX_DEPTH:
            if (parse_depth(val, &o->max_depth) != 0)
                return usage("--max-depth takes a number of certificates from 1 to 32");
            break;
        }
    }
    if (o->roots_path == NULL || o->chain_path == NULL || o->host == NULL)
        return usage("--roots, --chain and --host are required");
    return 0;
}

int hxc__cli_verify(int argc, char **argv)
{
    hxc_verify_options o;
    memset(&o, 0, sizeof o);
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc;
    hxc_error err;
    memset(&err, 0, sizeof err);
    hxc_status st = hxc_verify_chain(&o, &err);
    if (st == HXC_OK) {
        printf("OK\n");
        return 0;
    }
    if (hxc_status_category(st) == HXC_CAT_CERTIFICATE) {
        printf("REJECT %s\n", err.message);
        return 1;
    }
    fprintf(stderr, "hxc verify: %s\n", err.message);
    return 2;
}
