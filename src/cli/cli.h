/* The hxc command: shared declarations of the CLI's modules.
 * The CLI sees only the public header include/hxc.h. */
#ifndef HXC_CLI_H
#define HXC_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "hxc.h"

/* Exit codes (curl-compatible where curl has one). The full table is in
 * main.c's opening comment. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_OTHER = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_URL = 3,
    CLI_EXIT_DNS = 6,
    CLI_EXIT_CONNECT = 7,
    CLI_EXIT_HTTP = 8,
    CLI_EXIT_HTTP2 = 16,
    CLI_EXIT_HTTP_STATUS = 22,
    CLI_EXIT_WRITE = 23,
    CLI_EXIT_READ = 26,
    CLI_EXIT_NOMEM = 27,
    CLI_EXIT_TIMEOUT = 28,
    CLI_EXIT_TLS = 35,
    CLI_EXIT_ABORTED = 42,
    CLI_EXIT_REDIRECTS = 47,
    CLI_EXIT_SEND = 55,
    CLI_EXIT_RECV = 56,
    CLI_EXIT_CLIENT_CERT = 58,
    CLI_EXIT_CERT = 60,
    CLI_EXIT_CACERT = 77,
    CLI_EXIT_CRLFILE = 82
};

enum cli_action {
    CLI_ACTION_REQUEST = 0,
    CLI_ACTION_HELP = 1,
    CLI_ACTION_VERSION = 2
};

/* A growable byte buffer. */
struct cli_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

/* Everything the command line asked for. Strings point into argv unless
 * noted; the arrays are heap-allocated and freed by hxc__cli_opts_free. */
/* One -o FILE or -O, paired with the URLs in order (curl's rule: the n-th
 * output option belongs to the n-th URL wherever it appears). */
struct cli_outspec {
    const char *path;     /* -o FILE ("-" = stdout); NULL for -O */
    int remote_name;      /* -O: the URL's last path segment */
};

struct cli_opts {
    enum cli_action action;
    const char **urls;    /* in command-line order; heap array of argv pointers */
    size_t nurls;
    struct cli_outspec *outputs; /* heap; outputs[i] belongs to urls[i] */
    size_t noutputs;
    const char *output_dir; /* --output-dir DIR: prefix of relative -o / -O names */
    int parallel;         /* -Z */
    long parallel_max;    /* --parallel-max N; 0 = default 50 */
    const char *method;   /* -X */
    const char *cacert;   /* --cacert */
    const char *capath;   /* --capath DIR */
    const char *crlfile;  /* --crlfile FILE */
    int ca_native;        /* --ca-native */
    int no_trust_env;     /* --no-trust-env */
    const char *cert;     /* --cert FILE (certificate chain, maybe with the key) */
    const char *key;      /* --key FILE */
    char *password;       /* --pass, resolved (env:/file:/pass:); heap, wiped on free */
    const char *keylog;   /* --keylog FILE */
    int tls_min, tls_max; /* --tlsv1.2 / --tlsv1.3, --tls-max (HXC_TLS_1_*; 0: default) */
    uint64_t tls_key_update; /* --tls13-key-update N */
    int no_sessionid;        /* --no-sessionid */
    int h2_prior_knowledge; /* --http2-prior-knowledge */
    int include_head;     /* -i */
    int head_only;        /* -I */
    int silent;           /* -s */
    int show_error;       /* -S */
    int verbose;          /* -v */
    int follow;           /* -L */
    int max_redirs;       /* --max-redirs, curl semantics: -1 unlimited */
    int max_redirs_set;
    int insecure;         /* -k */
    int fail;             /* --fail */
    hxc_http_version_pref http_version;
    long connect_timeout_ms; /* 0 = library default */
    long max_time_ms;        /* 0 = none */
    hxc_header *headers;     /* -H; name/value strings are heap copies */
    size_t nheaders;
    hxc_resolve *resolve;    /* --resolve; host/address are heap copies */
    size_t nresolve;
    hxc_connect_to *connect_to; /* --connect-to; host strings are heap copies */
    size_t nconnect_to;
    int has_data;            /* -d / --data-binary given */
    struct cli_buf data;     /* request body, joined with '&' like curl */
};

/* Parses argv (argv[0] is the program name). Returns CLI_EXIT_OK or an exit
 * code after printing the reason on stderr (usage errors: 2; unreadable
 * @file or --pass file:PATH: 26). */
int hxc__cli_parse_args(int argc, char **argv, struct cli_opts *opts);
void hxc__cli_opts_free(struct cli_opts *opts);
void hxc__cli_print_help(void);

/* Buffer helpers; return 0 on success, -1 when out of memory. */
int hxc__cli_buf_append(struct cli_buf *buf, const void *data, size_t len);
/* Room for cap bytes in all (no growth copies up to there); 0 or -1. */
int hxc__cli_buf_reserve(struct cli_buf *buf, size_t cap);
void hxc__cli_buf_free(struct cli_buf *buf);

/* Output sink: stdout, or a temporary file beside the target that is renamed
 * over it only when the transfer succeeded ("complete or not left behind"). */
struct cli_output {
    const char *path;   /* target; NULL for stdout */
    char *tmp_path;     /* heap; the temporary file while open */
    int fd;             /* -1 for stdout */
    int failed;         /* a write failed */
    char error[256];    /* why it failed, in words */
};

/* path NULL or "-": stdout. An existing target that is not a regular file
 * (/dev/null, a FIFO, a terminal) is written in place: no temporary file. */
int hxc__cli_output_open(struct cli_output *out, const char *path);
/* Writes all of data; returns 0, or -1 with out->error set. */
int hxc__cli_output_write(struct cli_output *out, const void *data, size_t len);
/* ok != 0: flush and rename into place (returns -1 with out->error on
 * failure); ok == 0: remove the temporary file. Always releases. */
int hxc__cli_output_close(struct cli_output *out, int ok);

/* ------------------------------------------------------ transfers */

#define CLI_PARALLEL_MAX_DEFAULT 50

/* hxc_status -> the documented exit code (table in main.c). */
int hxc__cli_exit_code(hxc_status code);

/* Fetches every URL of opts on client: one after the other, or with -Z up
 * to --parallel-max at a time. Reports each failure on stderr and returns
 * the exit code of the first failing URL in command-line order (0 when all
 * succeeded). */
int hxc__cli_run_transfers(const struct cli_opts *opts, hxc_client *client);

#endif
