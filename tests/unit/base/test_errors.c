/* Every status code has a name and a message, from one table; values are
 * unique and categories follow the ranges. */
#include "base/err.h"
#include "harness.h"

static const struct {
    hxc_status code;
    int value;
    const char *name;
} all[] = {
#define X(name, value, msg) {name, value, #name},
    HXC_STATUS_LIST(X)
#undef X
};

int main(void)
{
    size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        ASSERT_EQ((int)all[i].code, all[i].value);
        ASSERT_STREQ(hxc_status_name(all[i].code), all[i].name);
        CHECK(strcmp(hxc_strerror(all[i].code), "unknown status code") != 0);
        CHECK(strlen(hxc_strerror(all[i].code)) > 3);
        for (size_t j = i + 1; j < n; j++)
            CHECK(all[i].value != all[j].value);
    }
    ASSERT_STREQ(hxc_strerror((hxc_status)12345), "unknown status code");
    ASSERT_EQ(hxc_status_category(HXC_OK), HXC_CAT_OK);
    ASSERT_EQ(hxc_status_category(HXC_E_URL), HXC_CAT_USAGE);
    ASSERT_EQ(hxc_status_category(HXC_E_DNS), HXC_CAT_NETWORK);
    ASSERT_EQ(hxc_status_category(HXC_E_TLS_ALERT), HXC_CAT_TLS);
    ASSERT_EQ(hxc_status_category(HXC_E_CERT_EXPIRED), HXC_CAT_CERTIFICATE);
    ASSERT_EQ(hxc_status_category(HXC_E_H2_GOAWAY), HXC_CAT_HTTP2);
    ASSERT_EQ(hxc_status_category(HXC_E_HTTP_PARSE), HXC_CAT_HTTP);
    ASSERT_EQ(hxc_status_category(HXC_E_INTERNAL), HXC_CAT_INTERNAL);

    hxc_error e;
    ASSERT_EQ(hxc__err(&e, HXC_E_CERT_EXPIRED, 7, "certificate expired %s", "2026-01-03"),
              HXC_E_CERT_EXPIRED);
    ASSERT_EQ(e.detail, 7);
    ASSERT_STREQ(e.message, "certificate expired 2026-01-03");
    hxc__err_prefix(&e, "host '%s'", "a.example");
    ASSERT_STREQ(e.message, "host 'a.example': certificate expired 2026-01-03");
    ASSERT_EQ(hxc__err(NULL, HXC_E_DNS, 0, "x"), HXC_E_DNS);
    return HARNESS_RESULT();
}
