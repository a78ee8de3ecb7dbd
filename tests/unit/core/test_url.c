/* URL parsing and redirect reference resolution. */
#include <stdlib.h>

#include "core/url.h"
#include "harness.h"

static void parse_ok(const char *in, const char *scheme, const char *host, unsigned port,
                     const char *path, int kind)
{
    struct hxc__url u;
    hxc_error e;
    ASSERT_EQ(hxc__url_parse(in, &u, &e), HXC_OK);
    ASSERT_STREQ(u.scheme, scheme);
    ASSERT_STREQ(u.host, host);
    ASSERT_EQ(u.port, port);
    ASSERT_STREQ(u.path, path);
    ASSERT_EQ(u.host_kind, kind);
    hxc__url_free(&u);
}

static void parse_bad(const char *in, hxc_status code, const char *msg_part)
{
    struct hxc__url u;
    hxc_error e;
    ASSERT_EQ(hxc__url_parse(in, &u, &e), code);
    ASSERT_CONTAINS(e.message, msg_part);
}

static void resolve(const char *base, const char *ref, const char *want)
{
    struct hxc__url b, r;
    hxc_error e;
    ASSERT_EQ(hxc__url_parse(base, &b, &e), HXC_OK);
    ASSERT_EQ(hxc__url_resolve(&b, ref, &r, &e), HXC_OK);
    char *s = hxc__url_string(&r);
    ASSERT_STREQ(s, want);
    free(s);
    hxc__url_free(&b);
    hxc__url_free(&r);
}

int main(void)
{
    parse_ok("https://example.com", "https", "example.com", 443, "/", HXC_HOST_NAME);
    parse_ok("HTTPS://Example.COM:8443/a/b?x=1#frag", "https", "example.com", 8443, "/a/b?x=1",
             HXC_HOST_NAME);
    parse_ok("http://127.0.0.1/", "http", "127.0.0.1", 80, "/", HXC_HOST_IPV4);
    parse_ok("https://[::1]:9443/x", "https", "::1", 9443, "/x", HXC_HOST_IPV6);
    parse_ok("https://[2001:DB8::1]/", "https", "2001:db8::1", 443, "/", HXC_HOST_IPV6);
    parse_ok("https://example.com?q", "https", "example.com", 443, "/?q", HXC_HOST_NAME);
    parse_ok("https://example.com:/", "https", "example.com", 443, "/", HXC_HOST_NAME);
    parse_ok("https://example.com./", "https", "example.com.", 443, "/", HXC_HOST_NAME);

    parse_bad("ftp://example.com/", HXC_E_UNSUPPORTED_SCHEME, "'ftp' is not supported");
    parse_bad("example.com/x", HXC_E_URL, "not absolute");
    parse_bad("https://", HXC_E_URL, "no host");
    parse_bad("https://user:pw@example.com/", HXC_E_URL, "credentials");
    parse_bad("https://example.com:99999/", HXC_E_URL, "outside 1-65535");
    parse_bad("https://example.com:8x/", HXC_E_URL, "invalid port");
    parse_bad("https://example.com:0/", HXC_E_URL, "outside 1-65535");
    parse_bad("https://[::1/", HXC_E_URL, "unterminated");
    parse_bad("https://[zz::1]/", HXC_E_URL, "invalid IPv6");
    parse_bad("https://exa mple.com/", HXC_E_URL, "invalid character");
    parse_bad("https://example.com/a b", HXC_E_URL, "space");
    parse_bad("", HXC_E_URL, "empty URL");

    /* RFC 3986 5.4.1 examples, base http://a/b/c/d;p?q */
    const char *base = "http://a/b/c/d;p?q";
    resolve(base, "g", "http://a/b/c/g");
    resolve(base, "./g", "http://a/b/c/g");
    resolve(base, "g/", "http://a/b/c/g/");
    resolve(base, "/g", "http://a/g");
    resolve(base, "//g", "http://g/");
    resolve(base, "?y", "http://a/b/c/d;p?y");
    resolve(base, "g?y", "http://a/b/c/g?y");
    resolve(base, "#s", "http://a/b/c/d;p?q");
    resolve(base, "", "http://a/b/c/d;p?q");
    resolve(base, ".", "http://a/b/c/");
    resolve(base, "./", "http://a/b/c/");
    resolve(base, "..", "http://a/b/");
    resolve(base, "../", "http://a/b/");
    resolve(base, "../g", "http://a/b/g");
    resolve(base, "../..", "http://a/");
    resolve(base, "../../g", "http://a/g");
    resolve(base, "../../../g", "http://a/g");
    resolve(base, "/./g", "http://a/g");
    resolve(base, "/../g", "http://a/g");
    resolve(base, "g.", "http://a/b/c/g.");
    resolve(base, "g/../h", "http://a/b/c/h");
    resolve(base, "https://other.example:8443/x", "https://other.example:8443/x");
    resolve("https://[::1]:9443/a/b", "c?d=1", "https://[::1]:9443/a/c?d=1");

    struct hxc__url a, b;
    hxc_error e;
    hxc__url_parse("https://x.example/", &a, &e);
    hxc__url_parse("https://x.example:443/other", &b, &e);
    CHECK(hxc__url_same_origin(&a, &b));
    hxc__url_free(&b);
    hxc__url_parse("http://x.example/", &b, &e);
    CHECK(!hxc__url_same_origin(&a, &b));
    char *auth = hxc__url_authority(&b);
    ASSERT_STREQ(auth, "x.example");
    free(auth);
    hxc__url_free(&a);
    hxc__url_free(&b);
    return HARNESS_RESULT();
}
