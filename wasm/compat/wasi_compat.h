/*
 * POSIX calls the CLI uses that wasi-libc leaves out (WASI preview1 has no
 * temporary-file helpers, no permission bits, no umask). Force-included into
 * the CLI's sources of the WASI build only (wasm/wasi.cmake).
 */
#ifndef HXC_WASI_COMPAT_H
#define HXC_WASI_COMPAT_H

#include <stdio.h>
#include <sys/types.h>

/* Renamed so that a wasi-libc that has some of them (newer ones define an
 * fchmod that fails with ENOTSUP) neither clashes at link time nor changes
 * what the CLI gets. */
#define mkstemp hxc__wasi_mkstemp
#define umask hxc__wasi_umask
#define fchmod hxc__wasi_fchmod
#define tmpfile hxc__wasi_tmpfile

/* Replaces the trailing XXXXXX with random characters (WASI random_get)
 * and creates the file with O_CREAT|O_EXCL; -1 with errno on failure. */
int mkstemp(char *tmpl);
/* WASI files carry no permission bits: both succeed and change nothing. */
mode_t umask(mode_t mask);
int fchmod(int fd, mode_t mode);
/* wasi-libc declares tmpfile() (deprecated) but has none: WASI has no
 * temporary directory. Fails with ENOTSUP; callers fall back to memory. */
FILE *tmpfile(void);

#endif
