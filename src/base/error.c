/* The status table (from HXC_STATUS_LIST in hxc.h) and error helpers. */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct status_entry {
    hxc_status code;
    const char *name;
    const char *message;
};

static const struct status_entry status_table[] = {
#define HXC_X_ENTRY(name, value, msg) {name, #name, msg},
    HXC_STATUS_LIST(HXC_X_ENTRY)
#undef HXC_X_ENTRY
};

static const struct status_entry *find_status(hxc_status code)
{
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
        if (status_table[i].code == code)
            return &status_table[i];
    return NULL;
}

const char *hxc_strerror(hxc_status code)
{
    const struct status_entry *e = find_status(code);
    return e ? e->message : "unknown status code";
}

const char *hxc_status_name(hxc_status code)
{
    const struct status_entry *e = find_status(code);
    return e ? e->name : "HXC_E_UNKNOWN";
}

hxc_category hxc_status_category(hxc_status code)
{
    int v = (int)code;
    if (v == 0)
        return HXC_CAT_OK;
    if (v < 100)
        return HXC_CAT_USAGE;
    if (v < 200)
        return HXC_CAT_NETWORK;
    if (v < 300)
        return HXC_CAT_TLS;
    if (v < 400)
        return HXC_CAT_CERTIFICATE;
    if (v < 500)
        return HXC_CAT_HTTP2;
    if (v < 600)
        return HXC_CAT_HTTP;
    return HXC_CAT_INTERNAL;
}

hxc_status hxc__verr(hxc_error *err, hxc_status code, long detail, const char *fmt, va_list ap)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->detail = detail;
    if (fmt == NULL)
        snprintf(err->message, sizeof err->message, "%s", hxc_strerror(code));
    else
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    return code;
}

hxc_status hxc__err(hxc_error *err, hxc_status code, long detail, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hxc__verr(err, code, detail, fmt, ap);
    va_end(ap);
    return code;
}

void hxc__err_prefix(hxc_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    char prefix[sizeof err->message];
    char old[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof err->message - 3)
        n = sizeof err->message - 3;
    memcpy(err->message, prefix, n);
    memcpy(err->message + n, ": ", 2);
    n += 2;
    size_t m = strnlen(old, sizeof old);
    if (m > sizeof err->message - 1 - n)
        m = sizeof err->message - 1 - n;
    memcpy(err->message + n, old, m);
    err->message[n + m] = '\0';
}

void hxc__debugf(hxc_debug_fn fn, void *user, hxc_debug_kind kind, const char *fmt, ...)
{
    if (fn == NULL)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fn(user, kind, line);
}
