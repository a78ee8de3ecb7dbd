/* Internal error helpers shared by every layer. */
#ifndef HXC_BASE_ERR_H
#define HXC_BASE_ERR_H

#include <stdarg.h>

#include "hxc.h"

#if defined(__GNUC__)
#define HXC__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HXC__PRINTF(a, b)
/* Formats one debug line and hands it to fn (no-op when fn is NULL). */
void hxc__debugf(hxc_debug_fn fn, void *user, hxc_debug_kind kind, const char *fmt, ...)
    HXC__PRINTF(4, 5);

#endif

/* Fills err (if not NULL) with code, detail and a printf-formatted message.
 * Returns code, so callers can write `return hxc__err(err, ...);`. */
hxc_status hxc__err(hxc_error *err, hxc_status code, long detail, const char *fmt, ...)
    HXC__PRINTF(4, 5);

/* hxc__err with a va_list. */
hxc_status hxc__verr(hxc_error *err, hxc_status code, long detail, const char *fmt, va_list ap)
    HXC__PRINTF(4, 0);

/* Prefixes an existing message: "<prefix>: <old message>". */
void hxc__err_prefix(hxc_error *err, const char *fmt, ...) HXC__PRINTF(2, 3);

/* Formats one debug line and hands it to fn (no-op when fn is NULL). */
void hxc__debugf(hxc_debug_fn fn, void *user, hxc_debug_kind kind, const char *fmt, ...)
    HXC__PRINTF(4, 5);

#endif
