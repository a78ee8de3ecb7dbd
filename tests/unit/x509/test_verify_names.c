/* Host name normalisation, SAN matching and name-constraint matching as
 * pure functions, DER times and names, and the verifier's early errors. */
#include <string.h>

#include "harness.h"
#include "x509/der.h"
#include "x509/verify.h"
#include "x509/x509.h"

static void test_host_parse(void)
{
    struct hxc__host h;
    CHECK(hxc__host_parse("Example.COM.", &h) == NULL);
    ASSERT_EQ(h.kind, HXC_HOST_DNS);
    ASSERT_STREQ(h.name, "example.com");
    CHECK(hxc__host_parse("localhost", &h) == NULL);
    ASSERT_STREQ(h.name, "localhost");
    CHECK(hxc__host_parse("under_score.example", &h) == NULL);

    CHECK(hxc__host_parse("127.0.0.1", &h) == NULL);
    ASSERT_EQ(h.kind, HXC_HOST_IPV4);
    ASSERT_EQ(h.addr_len, 4);
    ASSERT_EQ(h.addr[0], 127);
    ASSERT_EQ(h.addr[3], 1);
    CHECK(hxc__host_parse("::1", &h) == NULL);
    ASSERT_EQ(h.kind, HXC_HOST_IPV6);
    ASSERT_EQ(h.addr[15], 1);
    CHECK(hxc__host_parse("[2001:db8::1]", &h) == NULL);
    ASSERT_EQ(h.kind, HXC_HOST_IPV6);
    ASSERT_EQ(h.addr[0], 0x20);

    ASSERT_STREQ(hxc__host_parse("", &h), "empty host name");
    ASSERT_STREQ(hxc__host_parse(NULL, &h), "empty host name");
    ASSERT_STREQ(hxc__host_parse(".", &h), "empty host name");
    ASSERT_STREQ(hxc__host_parse("a..b", &h), "empty label in host name");
    ASSERT_STREQ(hxc__host_parse(".a", &h), "empty label in host name");
    ASSERT_STREQ(hxc__host_parse("a.b..", &h), "empty label in host name");
    ASSERT_STREQ(hxc__host_parse("*.example.com", &h), "invalid character in host name");
    ASSERT_STREQ(hxc__host_parse("a b", &h), "invalid character in host name");
    ASSERT_STREQ(hxc__host_parse("fe80::1::2", &h), "malformed IPv6 address");
    ASSERT_STREQ(hxc__host_parse("[nope]", &h), "malformed IPv6 address");
    ASSERT_STREQ(hxc__host_parse("caf\xc3\xa9.example", &h),
                 "non-ASCII host name (use its xn-- form)");
    char longlabel[80];
    memset(longlabel, 'a', 64);
    strcpy(longlabel + 64, ".com");
    ASSERT_STREQ(hxc__host_parse(longlabel, &h), "label longer than 63 characters in host name");
}

static int san(const char *pattern, const char *host)
{
    return hxc__dns_san_matches(pattern, strlen(pattern), host);
}

static void test_san_matching(void)
{
    CHECK(san("example.com", "example.com"));
    CHECK(san("EXAMPLE.com", "example.com"));
    CHECK(san("example.com.", "example.com"));
    CHECK(!san("example.com", "www.example.com"));
    CHECK(!san("www.example.com", "example.com"));
    CHECK(!san("", "example.com"));
    CHECK(!san("a..example.com", "a..example.com"));

    CHECK(san("*.example.com", "www.example.com"));
    CHECK(san("*.EXAMPLE.com", "www.example.com"));
    CHECK(!san("*.example.com", "example.com"));       /* exactly one label */
    CHECK(!san("*.example.com", "a.b.example.com"));
    CHECK(!san("*.com", "example.com"));               /* single-label suffix */
    CHECK(!san("*.", "example"));
    CHECK(!san("*", "localhost"));
    CHECK(!san("w*.example.com", "www.example.com"));  /* partial wildcards refused */
    CHECK(!san("*w.example.com", "ww.example.com"));
    CHECK(!san("www.*.com", "www.example.com"));
    CHECK(!san("*.*.example.com", "a.b.example.com"));
    CHECK(!san("*.example.com", ".example.com"));
    CHECK(!hxc__dns_san_matches("exa\0mple.com", 12, "exa"));
}

static int sub(const char *name, const char *base)
{
    return hxc__dns_in_subtree(name, strlen(name), base, strlen(base));
}

static void test_dns_constraints(void)
{
    CHECK(sub("example.com", "example.com"));
    CHECK(sub("www.example.com", "example.com"));
    CHECK(sub("WWW.Example.COM", "example.com"));
    CHECK(sub("*.example.com", "example.com"));
    CHECK(!sub("badexample.com", "example.com"));
    CHECK(!sub("example.org", "example.com"));
    CHECK(!sub("com", "example.com"));
    CHECK(sub("www.example.com", ".example.com"));
    CHECK(!sub("example.com", ".example.com"));
    CHECK(sub("anything.test", ""));
}

static void test_ip_constraints(void)
{
    const unsigned char net10[8] = {10, 0, 0, 0, 255, 0, 0, 0};
    const unsigned char a[4] = {10, 1, 2, 3}, b[4] = {11, 1, 2, 3};
    CHECK(hxc__ip_in_subtree(a, 4, net10, 8));
    CHECK(!hxc__ip_in_subtree(b, 4, net10, 8));
    unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    unsigned char c6[32] = {0x20, 0x01, 0x0d, 0xb8};
    memset(c6 + 16, 0xff, 4); /* 2001:db8::/32 */
    CHECK(hxc__ip_in_subtree(v6, 16, c6, 32));
    CHECK(!hxc__ip_in_subtree(a, 4, c6, 32)); /* families never mix */
    v6[2] = 0x0e;
    CHECK(!hxc__ip_in_subtree(v6, 16, c6, 32));
}

static void test_der_time_and_names(void)
{
    struct der_item t = {.tag = DER_UTC_TIME, .val = (const unsigned char *)"260103000000Z",
                         .len = 13};
    int64_t v = 0;
    CHECK(hxc__der_time(&t, &v) == 0);
    ASSERT_EQ(v, 1767398400); /* 2026-01-03 00:00:00 UTC */
    char buf[64];
    hxc__der_format_date(v, buf, sizeof buf);
    ASSERT_STREQ(buf, "2026-01-03");
    hxc__der_format_time(v + 3723, buf, sizeof buf);
    ASSERT_STREQ(buf, "2026-01-03 01:02:03 UTC");
    t.val = (const unsigned char *)"491231235959Z";
    CHECK(hxc__der_time(&t, &v) == 0);
    hxc__der_format_date(v, buf, sizeof buf);
    ASSERT_STREQ(buf, "2049-12-31");
    t.val = (const unsigned char *)"500101000000Z"; /* 1950 by RFC 5280 */
    CHECK(hxc__der_time(&t, &v) == 0);
    CHECK(v < 0);
    struct der_item g = {.tag = DER_GENERALIZED_TIME,
                         .val = (const unsigned char *)"20500101000000Z", .len = 15};
    CHECK(hxc__der_time(&g, &v) == 0);
    ASSERT_EQ(v, 2524608000);
    g.val = (const unsigned char *)"20250230000000Z"; /* no 30 February */
    CHECK(hxc__der_time(&g, &v) != 0);
    g.val = (const unsigned char *)"20250101000000+";
    CHECK(hxc__der_time(&g, &v) != 0);

    /* SEQUENCE { SET { SEQ { O, "hxc test" } } SET { SEQ { CN, "local,host" } } } */
    static const unsigned char name[] = {
        0x30, 0x29, 0x31, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x08,
        'h',  'x',  'c',  ' ',  't',  'e',  's',  't',  0x31, 0x14, 0x30, 0x12, 0x06,
        0x03, 0x55, 0x04, 0x03, 0x0c, 0x0b, 'l',  'o',  'c',  'a',  'l',  ',',  'h',
        'o',  's',  't',  0x00};
    hxc__der_format_name(name, sizeof name, buf, sizeof buf);
    ASSERT_STREQ(buf, "CN=local\\,host\\00, O=hxc test");
    hxc__der_format_short_name(name, sizeof name, buf, sizeof buf);
    ASSERT_STREQ(buf, "CN=local\\,host\\00");
    hxc__der_format_name(name, 10, buf, sizeof buf);
    ASSERT_STREQ(buf, "(malformed name)");
    const unsigned char empty[] = {0x30, 0x00};
    hxc__der_format_name(empty, 2, buf, sizeof buf);
    ASSERT_STREQ(buf, "(empty)");
    char small[8];
    hxc__der_format_name(name, sizeof name, small, sizeof small);
    ASSERT_STREQ(small, "CN=loca");

    const unsigned char oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
    hxc__der_oid_text(oid, sizeof oid, buf, sizeof buf);
    ASSERT_STREQ(buf, "1.2.840.113549.1.1.11");
}

static void test_verify_early_errors(void)
{
    struct hxc__trust_store *ts = hxc__trust_store_new();
    hxc_error err;
    struct hxc__cert_summary sum;
    const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    struct hxc__der chain = {junk, sizeof junk};
    ASSERT_EQ(hxc__x509_verify(ts, NULL, 0, "example.com", 0, &sum, &err), HXC_E_CERT_NO_CHAIN);
    ASSERT_STREQ(err.message,
                 "certificate verify failed for 'example.com': server sent no certificate");
    ASSERT_EQ(hxc__x509_verify(ts, &chain, 1, "a..b", 0, &sum, &err), HXC_E_CERT_BAD_NAME);
    ASSERT_STREQ(err.message,
                 "certificate verify failed for 'a..b': invalid host name (empty label in host "
                 "name)");
    ASSERT_EQ(hxc__x509_verify(ts, &chain, 1, "example.com", 0, &sum, &err),
              HXC_E_CERT_MALFORMED);
    ASSERT_STREQ(err.message, "certificate verify failed for 'example.com': malformed "
                              "certificate: not a DER certificate (depth 0)");
    ASSERT_STREQ(sum.subject, "");

    /* An embedded root as a leaf, against an empty store: refused as a CA
     * used as an end entity, and the summary is filled. */
    const struct hxc__embedded_root *r = &hxc__embedded_roots[0];
    struct hxc__der leaf = {r->der, r->der_len};
    ASSERT_EQ(hxc__x509_verify(ts, &leaf, 1, "example.com", 1800000000, &sum, &err),
              HXC_E_CERT_PROFILE);
    ASSERT_CONTAINS(err.message, "a CA certificate (basicConstraints cA=TRUE) cannot be the "
                                 "server's certificate (depth 0, CN=");
    CHECK(strstr(sum.subject, "CN=") != NULL);
    ASSERT_STREQ(sum.subject, sum.issuer);
    ASSERT_CONTAINS(sum.not_after, " UTC");
    ASSERT_EQ(strlen(sum.not_before), 23);
    hxc__trust_store_free(ts);
}

int main(void)
{
    test_host_parse();
    test_san_matching();
    test_dns_constraints();
    test_ip_constraints();
    test_der_time_and_names();
    test_verify_early_errors();
    return HARNESS_RESULT();
}
