/* Public Suffix List: the lookup algorithm (longest rule, wildcards,
 * exceptions, the implicit "*"), ICANN and private rules, IDN rules as
 * A-labels, input edge cases, the table against certs/public_suffix_list.dat
 * (rule count, version, every ASCII rule), and the generator's failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "x509/psl.h"

static int ps(const char *name)
{
    return hxc__psl_is_public_suffix(name, strlen(name));
}

#define PUBLIC(name) ASSERT_EQ(ps(name), 1)
#define NOT_PUBLIC(name) ASSERT_EQ(ps(name), 0)

static void test_algorithm(void)
{
    /* ICANN */
    PUBLIC("com");
    PUBLIC("uk");
    PUBLIC("co.uk");
    PUBLIC("ac.jp");
    PUBLIC("ide.kyoto.jp");
    NOT_PUBLIC("example.com");
    NOT_PUBLIC("example.co.uk");
    NOT_PUBLIC("test.ac.jp");
    NOT_PUBLIC("b.ide.kyoto.jp");
    /* private section */
    PUBLIC("github.io");
    PUBLIC("s3.amazonaws.com");
    PUBLIC("blogspot.co.uk");
    NOT_PUBLIC("a.github.io");
    NOT_PUBLIC("amazonaws.com");
    NOT_PUBLIC("a.blogspot.co.uk");
    /* wildcard *.ck and exception !www.ck */
    PUBLIC("foo.ck");
    PUBLIC("ck");           /* no rule "ck": the implicit "*" */
    NOT_PUBLIC("www.ck");   /* !www.ck */
    NOT_PUBLIC("a.www.ck");
    NOT_PUBLIC("bar.foo.ck");
    /* *.kobe.jp and !city.kobe.jp */
    PUBLIC("c.kobe.jp");
    NOT_PUBLIC("b.c.kobe.jp");
    NOT_PUBLIC("city.kobe.jp");
    NOT_PUBLIC("www.city.kobe.jp");
    NOT_PUBLIC("kobe.jp");  /* only "jp" matches: "*.kobe.jp" needs one more label */
    /* a private wildcard: *.compute.amazonaws.com */
    PUBLIC("eu-west-1.compute.amazonaws.com");
    NOT_PUBLIC("host.eu-west-1.compute.amazonaws.com");
    /* deeper than any rule */
    NOT_PUBLIC("a.b.c.d.e.f.g.h.i.j.example.co.uk");
    NOT_PUBLIC("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.com");
    /* a single unknown label: the implicit "*" rule */
    PUBLIC("anything");
    PUBLIC("localhost");
    NOT_PUBLIC("example.anything");
    /* names that are prefixes or extensions of rules' keys */
    NOT_PUBLIC("o.uk");
    NOT_PUBLIC("xco.uk");
    PUBLIC("cox");
}

static void test_idn(void)
{
    /* рф */
    PUBLIC("xn--p1ai");
    NOT_PUBLIC("example.xn--p1ai");
    /* aéroport.ci */
    PUBLIC("xn--aroport-bya.ci");
    NOT_PUBLIC("paris.xn--aroport-bya.ci");
    /* 公司.cn */
    PUBLIC("xn--55qx5d.cn");
    NOT_PUBLIC("example.xn--55qx5d.cn");
    /* ак.срб */
    PUBLIC("xn--90a3ac");
    PUBLIC("xn--80au.xn--90a3ac");
    NOT_PUBLIC("a.xn--80au.xn--90a3ac");
    /* U-labels are not in the table: only the implicit "*" applies */
    NOT_PUBLIC("\xd0\xb0\xd0\xba.\xd1\x81\xd1\x80\xd0\xb1");
    PUBLIC("\xd1\x80\xd1\x84");
}

static void test_input_forms(void)
{
    /* empty name, empty labels */
    ASSERT_EQ(hxc__psl_is_public_suffix("", 0), 0);
    ASSERT_EQ(hxc__psl_is_public_suffix("com", 0), 0);
    NOT_PUBLIC(".");
    NOT_PUBLIC("..");
    NOT_PUBLIC(".com");
    NOT_PUBLIC("com..");
    NOT_PUBLIC("co..uk");
    /* one trailing dot is the absolute form of the same name */
    PUBLIC("com.");
    PUBLIC("co.uk.");
    PUBLIC("foo.ck.");
    NOT_PUBLIC("example.com.");
    NOT_PUBLIC("www.ck.");
    /* upper case folds */
    PUBLIC("COM");
    PUBLIC("Co.Uk");
    PUBLIC("GitHub.IO");
    PUBLIC("XN--P1AI");
    NOT_PUBLIC("Example.COM");
    NOT_PUBLIC("WWW.CK");
    /* the length is honoured: "co.uk" out of "co.ukx", "com" out of "community" */
    ASSERT_EQ(hxc__psl_is_public_suffix("co.ukx", 5), 1);
    ASSERT_EQ(hxc__psl_is_public_suffix("example.com!", 11), 0);
    /* 253 bytes at most */
    char name[300];
    memset(name, 'a', sizeof name);
    for (size_t i = 63; i < 250; i += 64)
        name[i] = '.';
    name[249] = '.';
    memcpy(name + 250, "com", 3); /* 253 bytes: 4 labels and "com" */
    ASSERT_EQ(hxc__psl_is_public_suffix(name, 253), 0);
    ASSERT_EQ(hxc__psl_is_public_suffix(name + 250, 3), 1);
    memset(name, 'a', sizeof name);
    ASSERT_EQ(hxc__psl_is_public_suffix(name, 253), 1); /* one long label */
    ASSERT_EQ(hxc__psl_is_public_suffix(name, 254), 0);
    name[253] = '.';
    ASSERT_EQ(hxc__psl_is_public_suffix(name, 254), 1); /* 253 plus the dot */
}


/* Every rule of the list: counted, and each ASCII one checked against the
 * table (IDN rules are in test_idn). */
static void test_table_matches_list(void)
{
    const char *src = getenv("HXC_SOURCE_DIR");
    CHECK(src != NULL);
    if (src == NULL)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/certs/PSL_VERSION", src);
    char *version = harness_read_file(path, NULL);
    CHECK(version != NULL);
    if (version) {
        version[strcspn(version, "\r\n")] = '\0';
        ASSERT_STREQ(hxc__psl_version(), version);
    }
    free(version);

    snprintf(path, sizeof path, "%s/certs/public_suffix_list.dat", src);
    char *text = harness_read_file(path, NULL);
    CHECK(text != NULL);
    if (text == NULL)
        return;
    size_t rules = 0, checked = 0, idn = 0;
    for (char *line = text; *line;) {
        char *eol = line + strcspn(line, "\n");
        char *s = line + strspn(line, " \t\r");
        size_t len = strcspn(s, " \t\r\n"); /* a rule ends at the first whitespace */
        line = *eol ? eol + 1 : eol;
        if (len == 0 || (len >= 2 && s[0] == '/' && s[1] == '/'))
            continue;
        rules++;
        int ascii = 1;
        for (size_t i = 0; i < len; i++)
            ascii &= (unsigned char)s[i] < 0x80;
        if (!ascii) {
            idn++;
            continue;
        }
        char name[300];
        if (s[0] == '!') {
            snprintf(name, sizeof name, "%.*s", (int)len - 1, s + 1);
            if (ps(name) != 0)
                fprintf(stderr, "exception rule !%s: %s is a public suffix\n", name, name);
            ASSERT_EQ(ps(name), 0);
        } else if (s[0] == '*') {
            snprintf(name, sizeof name, "hxc-test%.*s", (int)len - 1, s + 1);
            if (ps(name) != 1)
                fprintf(stderr, "wildcard rule %.*s: %s is not a public suffix\n", (int)len, s,
                        name);
            ASSERT_EQ(ps(name), 1);
        } else {
            snprintf(name, sizeof name, "%.*s", (int)len, s);
            if (ps(name) != 1)
                fprintf(stderr, "rule %s is not a public suffix\n", name);
            ASSERT_EQ(ps(name), 1);
        }
        checked++;
    }
    free(text);
    ASSERT_EQ(hxc__psl_rule_count(), rules);
    ASSERT_EQ(hxc__psl_table.rules, rules);
    CHECK(idn > 0 && checked + idn == rules);
    fprintf(stderr, "%zu rules (%zu ASCII checked, %zu IDN), version %s\n", rules, checked, idn,
            hxc__psl_version());
}

/* ------------------------------------------------------------ generator */


/* Runs src/x509/gen_psl.py on LIST: exit status, its stderr in OUT. */
static int run_generator(const char *list, const char *output, char *out, size_t outsz)
{
    const char *src = getenv("HXC_SOURCE_DIR");
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "python3 '%s/src/x509/gen_psl.py' '%s' 9.9 '%s' 2>&1",
             src ? src : ".", list, output);
    return harness_run(cmd, out, outsz);
}

#define SECTIONS(icann, private)                                                   \
    "// ===BEGIN ICANN DOMAINS===\n" icann "// ===END ICANN DOMAINS===\n"         \
    "// ===BEGIN PRIVATE DOMAINS===\n" private "// ===END PRIVATE DOMAINS===\n"

static void expect_generator_failure(const char *name, const char *content, const char *needle)
{
    char list[600], output[700], msg[4096], expected[800];
    snprintf(list, sizeof list, "%s", harness_write_file(name, content, strlen(content)));
    snprintf(output, sizeof output, "%s.c", list);
    ASSERT_EQ(run_generator(list, output, msg, sizeof msg), 1);
    snprintf(expected, sizeof expected, "%s:%s", list, needle);
    ASSERT_CONTAINS(msg, expected);
    CHECK(access(output, F_OK) != 0); /* nothing left behind */
}

static void test_generator(void)
{
    if (getenv("HXC_SOURCE_DIR") == NULL) {
        fprintf(stderr, "HXC_SOURCE_DIR unset: generator tests skipped\n");
        return;
    }
    /* IDNA 2003 would store "strasse", IDNA 2008 "xn--strae-oqa": refused */
    expect_generator_failure("sharp-s.dat", SECTIONS("com\n\nstra\xc3\x9f" "e.de\n", ""),
                             "4: label 'stra\xc3\x9f" "e': IDNA 2003 gives strasse");
    expect_generator_failure("underscore.dat", SECTIONS("com\nfoo_bar.com\n", ""),
                             "3: rule 'foo_bar.com': label 'foo_bar'");
    expect_generator_failure("empty-label.dat", SECTIONS("a..com\n", ""),
                             "2: rule 'a..com' has an empty label");
    expect_generator_failure("inner-star.dat", SECTIONS("", "a.*.com\n"),
                             "4: rule 'a.*.com': '*' is allowed only");
    expect_generator_failure("duplicate.dat", SECTIONS("com\nnet\n", "com\n"),
                             "6: duplicate rule (first on line 2)");
    expect_generator_failure("no-private.dat",
                             "// ===BEGIN ICANN DOMAINS===\ncom\n// ===END ICANN DOMAINS===\n",
                             "1: no ===BEGIN PRIVATE DOMAINS=== section");
    expect_generator_failure("not-utf8.dat", SECTIONS("com\n\xff.net\n", ""), "3: not UTF-8");

    /* A small good list generates: keys reversed, flags, IDN as A-labels. */
    char list[600], output[700], msg[4096];
    const char *good = SECTIONS("// comment\nCOM\nco.uk   trailing text\n*.ck\n"
                                "!www.ck\n\xd1\x80\xd1\x84\n",
                                "github.io\n");
    snprintf(list, sizeof list, "%s", harness_write_file("good.dat", good, strlen(good)));
    snprintf(output, sizeof output, "%s.c", list);
    ASSERT_EQ(run_generator(list, output, msg, sizeof msg), 0);
    ASSERT_STREQ(msg, "");
    char *c = harness_read_file(output, NULL);
    CHECK(c != NULL);
    if (c) {
        ASSERT_CONTAINS(c, "#include \"x509/psl.h\"");
        ASSERT_CONTAINS(c, "6 rules (ICANN 5, private 1) in 6 entries");
        ASSERT_CONTAINS(c, "\"\\000ck\\002\""); /* *.ck */
        ASSERT_CONTAINS(c, "\"\\002.www\\004\""); /* !www.ck after "ck" */
        ASSERT_CONTAINS(c, "\"\\001om\\001\""); /* "com" after "ck.www" */
        ASSERT_CONTAINS(c, "\"\\000io.github\\001\"");
        ASSERT_CONTAINS(c, "\"\\000uk.co\\001\"");
        ASSERT_CONTAINS(c, "\"\\000xn--p1ai\\001\"");
        ASSERT_CONTAINS(c, "\"9.9\"");
    }
    free(c);
}

int main(void)
{
    if (harness_tmp_init("psl") != 0)
        return 1;
    test_algorithm();
    test_idn();
    test_input_forms();
    test_table_matches_list();
    test_generator();
    return HARNESS_RESULT();
}
