/* Trust sources beyond one file: a CA directory and the OS bundle. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"
#include "x509/crl.h"
#include "x509/x509.h"

hxc_status hxc__trust_store_add_dir(struct hxc__trust_store *ts, const char *path,
                                    hxc_error *err)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return hxc__err(err, HXC_E_FILE_READ, errno, "cannot open CA directory '%s': %s", path,
                        strerror(errno));
    size_t loaded = 0; /* files with certificates (duplicates of anchors count too) */
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char file[4096];
        if ((size_t)snprintf(file, sizeof file, "%s/%s", path, de->d_name) >= sizeof file)
            continue;
        struct stat st;
        if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        hxc_error one;
        size_t had = hxc__trust_store_count(ts);
        size_t had_crls = hxc__crl_set_count(hxc__trust_store_crls(ts));
        /* files that hold no certificate (READMEs) are skipped; CRLs (OpenSSL's
         * HASH.r0 files) join the store's CRL set but are not certificates */
        hxc_status fst = hxc__trust_store_add_file(ts, file, &one);
        if (fst == HXC_E_NOMEM) {
            closedir(d);
            if (err != NULL)
                *err = one;
            return fst;
        }
        int only_crls = hxc__crl_set_count(hxc__trust_store_crls(ts)) > had_crls;
        if (hxc__trust_store_count(ts) > had || (fst == HXC_OK && !only_crls))
            loaded++;
    }
    closedir(d);
    if (loaded == 0)
        return hxc__err(err, HXC_E_CONFIG, 0, "CA directory '%s' holds no certificate", path);
    return HXC_OK;
}

static const char *const native_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Alpine */
    "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL */
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7+ */
    "/etc/ssl/ca-bundle.pem",                            /* openSUSE */
    "/etc/ssl/cert.pem",                                 /* Alpine, macOS, BSDs */
};

hxc_status hxc__trust_store_add_native(struct hxc__trust_store *ts, hxc_error *err)
{
    for (size_t i = 0; i < sizeof native_bundles / sizeof native_bundles[0]; i++) {
        struct stat st;
        if (stat(native_bundles[i], &st) == 0 && S_ISREG(st.st_mode))
            return hxc__trust_store_add_file(ts, native_bundles[i], err);
    }
    return hxc__err(err, HXC_E_FILE_READ, ENOENT,
                    "no operating system CA bundle found (tried %s, %s, %s, %s, %s)",
                    native_bundles[0], native_bundles[1], native_bundles[2], native_bundles[3],
                    native_bundles[4]);
}
