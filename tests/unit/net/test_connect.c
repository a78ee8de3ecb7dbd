/*
 * The connector (net/connect.c) against real sockets on loopback: c-ares
 * resolution of "localhost", Happy Eyeballs ordering and racing, refused
 * and unresolvable hosts, no leaked descriptors. Driven by a small poll
 * loop the way the client's loop drives it: fds -> hxc__net_wait -> step.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "net/connect.h"

static char debug_log[8192];

static void on_debug(void *user, hxc_debug_kind kind, const char *text)
{
    (void)user;
    size_t used = strlen(debug_log);
    if (kind == HXC_DEBUG_INFO)
        snprintf(debug_log + used, sizeof debug_log - used, "%s\n", text);
}

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    while (readdir(d) != NULL)
        n++;
    closedir(d);
    return n;
}

static int ipv6_loopback_usable(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    int ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* A listening socket on addr (port 0: any free port); *port gets the port. */
static int listen_on(const char *addr, unsigned want_port, int backlog, unsigned *port)
{
    struct hxc__addr a;
    if (hxc__net_parse_ip(addr, want_port, &a) != 0)
        return -1;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (a.family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)want_port);
        memcpy(&s4->sin_addr, a.bytes, 4);
        len = sizeof *s4;
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)want_port);
        memcpy(&s6->sin6_addr, a.bytes, 16);
        len = sizeof *s6;
    }
    int fd = socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a.family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, backlog) != 0) {
        close(fd);
        return -1;
    }
    socklen_t l = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &l);
    *port = ntohs(a.family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                      : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

/* A port on 127.0.0.1 and ::1 with nothing listening (bound, then closed). */
static unsigned closed_port(void)
{
    unsigned port = 0;
    int fd = listen_on("127.0.0.1", 0, 1, &port);
    close(fd);
    return port;
}

struct outcome {
    int rc;              /* step's result: 1, -1, or 0 when the drive gave up */
    int64_t elapsed_ms;
    int fd;
    struct hxc__addr peer;
    hxc_error err;
};

/* The client loop in miniature. Gives up (rc 0) after limit_ms or when the
 * connector offers nothing to wait for while in progress (a hang). */
static struct outcome drive(struct hxc__connector *c, int64_t limit_ms)
{
    struct outcome o;
    memset(&o, 0, sizeof o);
    o.fd = -1;
    int64_t start = hxc__now_ms();
    for (;;) {
        struct hxc__wait w[HXC_CONNECTOR_MAX_FDS];
        size_t n = hxc__connector_fds(c, w, HXC_CONNECTOR_MAX_FDS);
        int64_t now = hxc__now_ms(), deadline = hxc__connector_deadline(c);
        if (now - start > limit_ms)
            break;
        if (n == 0 && deadline < 0) {
            fprintf(stderr, "connector in progress with no socket and no timer\n");
            break;
        }
        int64_t timeout = start + limit_ms - now;
        if (deadline >= 0 && deadline - now < timeout)
            timeout = deadline > now ? deadline - now : 0;
        if (hxc__net_wait(w, n, timeout) < 0)
            break;
        o.rc = hxc__connector_step(c, w, n, hxc__now_ms(), &o.err);
        if (o.rc != 0)
            break;
    }
    o.elapsed_ms = hxc__now_ms() - start;
    if (o.rc == 1)
        o.fd = hxc__connector_take(c, &o.peer);
    return o;
}

static struct outcome connect_name(const char *host, unsigned port, int64_t limit_ms)
{
    hxc_error err;
    memset(&err, 0, sizeof err);
    debug_log[0] = '\0';
    struct hxc__connector *c = hxc__connector_new(host, port, NULL, 0, on_debug, NULL, &err);
    struct outcome o;
    memset(&o, 0, sizeof o);
    o.fd = -1;
    if (c == NULL) {
        fprintf(stderr, "connector_new(%s): %s\n", host, err.message);
        o.rc = -2;
        return o;
    }
    o = drive(c, limit_ms);
    hxc__connector_free(c);
    if (getenv("HXC_TEST_VERBOSE"))
        fprintf(stderr, "--- rc %d after %lld ms\n%s", o.rc, (long long)o.elapsed_ms, debug_log);
    return o;
}

static struct outcome connect_fixed(const char *const *addrs, const unsigned *ports, size_t n,
                                    int64_t limit_ms)
{
    struct hxc__addr fixed[8];
    for (size_t i = 0; i < n; i++)
        hxc__net_parse_ip(addrs[i], ports[i], &fixed[i]);
    hxc_error err;
    memset(&err, 0, sizeof err);
    debug_log[0] = '\0';
    struct hxc__connector *c = hxc__connector_new("example.test", ports[0], fixed, n, on_debug,
                                                  NULL, &err);
    struct outcome o;
    memset(&o, 0, sizeof o);
    if (c == NULL) {
        o.rc = -2;
        o.err = err;
        return o;
    }
    o = drive(c, limit_ms);
    hxc__connector_free(c);
    if (getenv("HXC_TEST_VERBOSE"))
        fprintf(stderr, "--- rc %d after %lld ms\n%s", o.rc, (long long)o.elapsed_ms, debug_log);
    return o;
}

/* Position of needle in the debug log, or -1. */
static long log_pos(const char *needle)
{
    const char *p = strstr(debug_log, needle);
    return p ? (long)(p - debug_log) : -1;
}

static void test_localhost_ipv4_listener(int v6)
{
    unsigned port = 0;
    int l = listen_on("127.0.0.1", 0, 16, &port);
    ASSERT_EQ(l >= 0, 1);
    char t6[64], t4[64];
    snprintf(t6, sizeof t6, "Trying [::1]:%u...", port);
    snprintf(t4, sizeof t4, "Trying 127.0.0.1:%u...", port);
    struct outcome o = connect_name("localhost", port, 5000);
    ASSERT_EQ(o.rc, 1);
    ASSERT_STREQ(o.peer.text, "127.0.0.1");
    ASSERT_EQ(o.peer.port, port);
    ASSERT_CONTAINS(debug_log, "Resolved localhost (IPv4): 127.0.0.1");
    ASSERT_CONTAINS(debug_log, t4);
    ASSERT_CONTAINS(debug_log, "Connected to localhost (127.0.0.1:");
    if (v6) {
        /* both families from c-ares, IPv6 tried first and refused at once:
         * IPv4 started on that failure, not after the 250 ms delay */
        ASSERT_CONTAINS(debug_log, "Resolved localhost (IPv6): ::1");
        CHECK(log_pos(t6) >= 0 && log_pos(t6) < log_pos(t4));
        CHECK(o.elapsed_ms < 240);
    }
    hxc__net_close(o.fd);
    close(l);
}

static void test_localhost_ipv6_listener(void)
{
    unsigned port = 0;
    int l = listen_on("::1", 0, 16, &port);
    ASSERT_EQ(l >= 0, 1);
    char t4[64];
    snprintf(t4, sizeof t4, "Trying 127.0.0.1:%u...", port);
    struct outcome o = connect_name("localhost", port, 5000);
    ASSERT_EQ(o.rc, 1);
    ASSERT_STREQ(o.peer.text, "::1");
    ASSERT_EQ(o.peer.family, AF_INET6);
    CHECK(log_pos("Trying [::1]") >= 0);
    CHECK(log_pos(t4) < 0); /* won at once: IPv4 never needed */
    hxc__net_close(o.fd);

    /* fixed addresses listed IPv4 first are still tried IPv6 first */
    const char *addrs[] = {"127.0.0.1", "::1"};
    unsigned ports[] = {port, port};
    o = connect_fixed(addrs, ports, 2, 5000);
    ASSERT_EQ(o.rc, 1);
    ASSERT_STREQ(o.peer.text, "::1");
    CHECK(log_pos("Resolved") < 0); /* no DNS for fixed addresses */
    CHECK(log_pos(t4) < 0);
    hxc__net_close(o.fd);
    close(l);
}

/* A listener whose accept queue is full drops further SYNs: a connect to
 * it stays pending, like one to a blackholed address. (Non-routable
 * addresses such as 10.255.255.1 or 192.0.2.1 are not reliably silent:
 * sandboxes proxy or refuse them.) Returns the listener; *filler is the
 * connection that fills the queue. */
static int blackhole(const char *addr, unsigned *port, int *filler)
{
    int l = listen_on(addr, 0, 0, port);
    if (l < 0)
        return -1;
    struct hxc__addr a;
    hxc__net_parse_ip(addr, *port, &a);
    hxc_error e;
    *filler = hxc__net_connect_start(&a, &e);
    struct hxc__wait w = {*filler, HXC_NET_OUT, 0};
    hxc__net_wait(&w, 1, 1000);
    /* probe: a further connect must stay pending */
    int probe = hxc__net_connect_start(&a, &e);
    struct hxc__wait pw = {probe, HXC_NET_OUT, 0};
    int ready = hxc__net_wait(&pw, 1, 300);
    hxc__net_close(probe);
    if (ready != 0) {
        hxc__net_close(*filler);
        close(l);
        return -1;
    }
    return l;
}

static void test_blackholed_first_address(void)
{
    unsigned bport = 0, port = 0;
    int filler = -1;
    int bl = blackhole("127.0.0.2", &bport, &filler);
    const char *baddr = "127.0.0.2";
    if (bl < 0) {
        bl = blackhole("127.0.0.1", &bport, &filler);
        baddr = "127.0.0.1";
    }
    if (bl < 0) {
        fprintf(stderr, "SKIP blackhole race: no way to make a connect hang here\n");
        return;
    }
    int l = listen_on("127.0.0.1", 0, 16, &port);
    const char *addrs[] = {baddr, "127.0.0.1"};
    unsigned ports[] = {bport, port};
    char tb[64], t2[64];
    snprintf(tb, sizeof tb, "Trying %s:%u...", baddr, bport);
    snprintf(t2, sizeof t2, "Trying 127.0.0.1:%u...", port);
    int before = count_fds();
    struct outcome o = connect_fixed(addrs, ports, 2, 5000);
    ASSERT_EQ(o.rc, 1);
    ASSERT_STREQ(o.peer.text, "127.0.0.1");
    ASSERT_EQ(o.peer.port, port);
    /* the second attempt waited for the Connection Attempt Delay, then won
     * while the first was still pending (which was closed) */
    CHECK(log_pos(tb) >= 0 && log_pos(tb) < log_pos(t2));
    CHECK(o.elapsed_ms >= 240);
    CHECK(o.elapsed_ms < 1000); /* 250 ms nominal */
    ASSERT_EQ(count_fds(), before + 1); /* only the winner remains */
    hxc__net_close(o.fd);

    /* blackholed, refused, listening: the refusal (while the first attempt
     * still hangs) starts the third attempt at once, not 250 ms later */
    const char *three[] = {baddr, "127.0.0.1", "127.0.0.1"};
    unsigned tports[] = {bport, closed_port(), port};
    o = connect_fixed(three, tports, 3, 5000);
    ASSERT_EQ(o.rc, 1);
    ASSERT_EQ(o.peer.port, port);
    CHECK(o.elapsed_ms >= 240);
    CHECK(o.elapsed_ms < 450);
    CHECK(strstr(debug_log, "Connection refused") != NULL);
    hxc__net_close(o.fd);

    /* freed while the blackholed attempt is pending: nothing leaks */
    const char *one[] = {baddr};
    o = connect_fixed(one, &bport, 1, 100);
    ASSERT_EQ(o.rc, 0);
    ASSERT_EQ(count_fds(), before);
    close(l);
    close(bl);
    hxc__net_close(filler);
}

static void test_refused(int v6)
{
    unsigned port = closed_port();
    char want[96];
    snprintf(want, sizeof want, "could not connect to 127.0.0.1:%u: Connection refused", port);
    const char *addrs[] = {"127.0.0.1"};
    struct outcome o = connect_fixed(addrs, &port, 1, 5000);
    ASSERT_EQ(o.rc, -1);
    ASSERT_EQ(o.err.code, HXC_E_CONNECT);
    ASSERT_EQ(o.err.detail, ECONNREFUSED);
    ASSERT_STREQ(o.err.message, want);
    CHECK(log_pos("Resolved") < 0); /* no DNS for fixed addresses */

    /* every address of the name refused: all of them named */
    o = connect_name("localhost", port, 5000);
    ASSERT_EQ(o.rc, -1);
    ASSERT_EQ(o.err.code, HXC_E_CONNECT);
    ASSERT_CONTAINS(o.err.message, want);
    if (v6) {
        snprintf(want, sizeof want, "could not connect to [::1]:%u: Connection refused", port);
        ASSERT_CONTAINS(o.err.message, want);
    }
    CHECK(o.elapsed_ms < 1000);
}

/* A name the hosts file maps to 127.0.0.1 only (not localhost, which is
 * answered without c-ares): the A answer comes from the file through
 * c-ares, the AAAA lookup goes on to DNS and fails or times out. */
static int hosts_file_name(char *out, size_t n)
{
    FILE *f = fopen("/etc/hosts", "r");
    char line[512];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) {
        char *save = NULL, *tok = strtok_r(line, " \t\r\n", &save);
        if (tok == NULL || strcmp(tok, "127.0.0.1") != 0)
            continue;
        while (!found && (tok = strtok_r(NULL, " \t\r\n", &save)) != NULL) {
            if (tok[0] == '#')
                break;
            size_t k = strlen(tok);
            if (strcasecmp(tok, "localhost") == 0 ||
                (k >= 10 && strcasecmp(tok + k - 10, ".localhost") == 0) || k >= n)
                continue;
            snprintf(out, n, "%s", tok);
            found = 1;
        }
    }
    if (f)
        fclose(f);
    return found;
}

static void test_hosts_file_name(void)
{
    char name[128], want[160];
    if (!hosts_file_name(name, sizeof name)) {
        fprintf(stderr, "SKIP hosts file: no name other than localhost for 127.0.0.1\n");
        return;
    }
    unsigned port = 0;
    int l = listen_on("127.0.0.1", 0, 16, &port);
    struct outcome o = connect_name(name, port, 10000);
    ASSERT_EQ(o.rc, 1);
    ASSERT_STREQ(o.peer.text, "127.0.0.1");
    snprintf(want, sizeof want, "Resolved %s (IPv4): 127.0.0.1", name);
    ASSERT_CONTAINS(debug_log, want);
    fprintf(stderr, "hosts file name '%s' connected after %lld ms\n", name,
            (long long)o.elapsed_ms);
    hxc__net_close(o.fd);
    close(l);
}

static void test_localhost_subdomain(int v6)
{
    unsigned port = 0;
    int l = listen_on(v6 ? "::1" : "127.0.0.1", 0, 16, &port);
    struct outcome o = connect_name("API.localhost.", port, 5000);
    ASSERT_EQ(o.rc, 1);
    ASSERT_STREQ(o.peer.text, v6 ? "::1" : "127.0.0.1");
    hxc__net_close(o.fd);
    close(l);
}

static void test_dns_failure(void)
{
    struct outcome o = connect_name("nonexistent.invalid", 443, 15000);
    ASSERT_EQ(o.rc, -1);
    ASSERT_EQ(o.err.code, HXC_E_DNS);
    ASSERT_CONTAINS(o.err.message, "could not resolve host 'nonexistent.invalid': ");
    CHECK(o.err.detail != 0);
    CHECK(o.elapsed_ms < 8000); /* c-ares capped at ~3 s per DNS server */
    CHECK(log_pos("Trying") < 0);
    fprintf(stderr, "DNS failure after %lld ms: %s\n", (long long)o.elapsed_ms, o.err.message);
}

static void test_ip_literal_and_take(void)
{
    unsigned port = 0;
    int l = listen_on("127.0.0.1", 0, 16, &port);
    hxc_error err;
    debug_log[0] = '\0';
    struct hxc__connector *c = hxc__connector_new("127.0.0.1", port, NULL, 0, on_debug, NULL,
                                                  &err);
    ASSERT_EQ(c != NULL, 1);
    if (c == NULL)
        return;
    struct hxc__addr peer;
    ASSERT_EQ(hxc__connector_take(c, &peer), -1); /* nothing won yet */
    struct outcome o = drive(c, 5000);
    ASSERT_EQ(o.rc, 1);
    ASSERT_EQ(hxc__connector_step(c, NULL, 0, hxc__now_ms(), &err), 1); /* stays done */
    ASSERT_EQ(hxc__connector_deadline(c), -1);
    hxc__connector_free(c);
    CHECK(log_pos("Resolved") < 0);
    /* the taken socket survives the connector and is non-blocking */
    int fl = fcntl(o.fd, F_GETFL);
    CHECK(fl >= 0 && (fl & O_NONBLOCK));
    hxc__net_close(o.fd);
    close(l);
}

int main(void)
{
    int v6 = ipv6_loopback_usable();
    int before = count_fds();
    fprintf(stderr, "IPv6 loopback %s\n", v6 ? "usable" : "not usable: IPv6 checks skipped");
    test_localhost_ipv4_listener(v6);
    if (v6)
        test_localhost_ipv6_listener();
    test_blackholed_first_address();
    test_refused(v6);
    test_dns_failure();
    test_hosts_file_name();
    test_localhost_subdomain(v6);
    test_ip_literal_and_take();
    ASSERT_EQ(count_fds(), before);
    fprintf(stderr, "last debug log:\n%s", debug_log);
    return HARNESS_RESULT();
}
