/*
 * Platform entropy for the TLS engine's DRBG. Natively getrandom(2); on
 * WASI getentropy() (which the WASI libc maps to random_get).
 */
#ifndef HXC_TLS_ENTROPY_H
#define HXC_TLS_ENTROPY_H

#include <stddef.h>

/* Fills buf with len bytes from the operating system's CSPRNG.
 * Returns 0 on success, or an errno value (never 0) on failure. */
int hxc__entropy(void *buf, size_t len);

#endif
