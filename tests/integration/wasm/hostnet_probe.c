/* hostnet_probe: a tiny WASI command that exercises the hostnet_v1 imports
 * for tests/integration/test_wasm_host_abi.py. Each subcommand prints
 * key=value results on stdout; the test compares them. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostnet_v1.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int32_t do_connect(const char *host, int port)
{
    return hostnet_v1_connect(host, (int32_t)strlen(host), port, 0);
}

/* Wait for the connect result: 0 or -errno. */
static int32_t wait_connected(int32_t h)
{
    for (int i = 0; i < 100; i++) {
        int32_t st = hostnet_v1_status(h);
        if (st != -HOSTNET_EINPROGRESS)
            return st;
        struct hostnet_pollfd p = { h, HOSTNET_POLLOUT, 0 };
        hostnet_v1_poll(&p, 1, 100);
    }
    return -HOSTNET_ETIMEDOUT;
}

static int cmd_connect(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    int32_t h = do_connect(argv[2], atoi(argv[3]));
    printf("connect=%d\n", h > 0 ? 1 : h);
    if (h > 0) {
        printf("status=%d\n", wait_connected(h));
        printf("close=%d\n", hostnet_v1_close(h));
    }
    return 0;
}

/* connect N times without closing: the quota test */
static int cmd_many(int argc, char **argv)
{
    if (argc < 5)
        return 2;
    int n = atoi(argv[4]);
    for (int i = 0; i < n; i++) {
        int32_t h = do_connect(argv[2], atoi(argv[3]));
        printf("connect%d=%d\n", i, h > 0 ? 1 : h);
        if (h > 0 && argc > 5) /* "close": the total-connections quota */
            hostnet_v1_close(h);
    }
    return 0;
}

static int cmd_badhandle(void)
{
    char buf[16] = "x";
    printf("status=%d\n", hostnet_v1_status(999));
    printf("send=%d\n", hostnet_v1_send(999, buf, 1));
    printf("recv=%d\n", hostnet_v1_recv(999, buf, sizeof buf));
    printf("shutdown=%d\n", hostnet_v1_shutdown(999, 2));
    printf("close=%d\n", hostnet_v1_close(999));
    struct hostnet_pollfd p[2] = { { 999, HOSTNET_POLLIN, 0 }, { -1, HOSTNET_POLLIN, 0 } };
    int32_t r = hostnet_v1_poll(p, 2, 0);
    printf("poll=%d revents0=0x%x revents1=0x%x\n", r, (unsigned)(uint16_t)p[0].revents,
           (unsigned)(uint16_t)p[1].revents);
    return 0;
}

static int cmd_efault(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    char *far = (char *)(uintptr_t)0xFFFFFF00u;
    printf("connect=%d\n", hostnet_v1_connect(far, 200, 80, 0));
    int32_t h = do_connect(argv[2], atoi(argv[3]));
    printf("h=%d\n", h > 0 ? 1 : h);
    printf("status=%d\n", wait_connected(h));
    printf("send=%d\n", hostnet_v1_send(h, far, 1024));
    printf("recv=%d\n", hostnet_v1_recv(h, far, 1024));
    printf("poll=%d\n", hostnet_v1_poll((struct hostnet_pollfd *)far, 64, 0));
    printf("sendneg=%d\n", hostnet_v1_send(h, "x", -1));
    printf("flags=%d\n", hostnet_v1_connect(argv[2], (int32_t)strlen(argv[2]), atoi(argv[3]), 1));
    printf("port=%d\n", hostnet_v1_connect(argv[2], (int32_t)strlen(argv[2]), 70000, 0));
    printf("how=%d\n", hostnet_v1_shutdown(h, 7));
    printf("close=%d\n", hostnet_v1_close(h));
    printf("close2=%d\n", hostnet_v1_close(h));
    return 0;
}

/* Send SIZE bytes to an echo server, read them back, compare. */
static int cmd_echo(int argc, char **argv)
{
    if (argc < 5)
        return 2;
    int32_t size = atoi(argv[4]);
    unsigned char *out = malloc((size_t)size), *in = malloc((size_t)size);
    for (int32_t i = 0; i < size; i++)
        out[i] = (unsigned char)(i * 7 + i / 251);
    int32_t h = do_connect(argv[2], atoi(argv[3]));
    printf("status=%d\n", wait_connected(h));
    int32_t sent = 0, got = 0, partial = 0, maxchunk = 0;
    int shut = 0;
    int64_t deadline = now_ms() + 10000;
    while (got < size && now_ms() < deadline) {
        struct hostnet_pollfd p = { h, HOSTNET_POLLIN | (sent < size ? HOSTNET_POLLOUT : 0), 0 };
        if (hostnet_v1_poll(&p, 1, 1000) < 0)
            break;
        if (sent < size && (p.revents & HOSTNET_POLLOUT)) {
            int32_t n = hostnet_v1_send(h, out + sent, size - sent);
            if (n > 0) {
                if (n < size - sent)
                    partial++;
                if (n > maxchunk)
                    maxchunk = n;
                sent += n;
            } else if (n != -HOSTNET_EAGAIN) {
                printf("send_error=%d\n", n);
                break;
            }
        }
        if (sent == size && !shut) {
            printf("shutdown=%d\n", hostnet_v1_shutdown(h, 1));
            shut = 1;
        }
        if (p.revents & (HOSTNET_POLLIN | HOSTNET_POLLHUP | HOSTNET_POLLERR)) {
            int32_t n = hostnet_v1_recv(h, in + got, size - got);
            if (n > 0)
                got += n;
            else if (n == 0) {
                printf("early_eof\n");
                break;
            } else if (n != -HOSTNET_EAGAIN) {
                printf("recv_error=%d\n", n);
                break;
            }
        }
    }
    /* after everything: the server closes; expect EOF */
    int32_t eof = -1;
    for (int i = 0; i < 50; i++) {
        char c;
        struct hostnet_pollfd p = { h, HOSTNET_POLLIN, 0 };
        hostnet_v1_poll(&p, 1, 100);
        eof = hostnet_v1_recv(h, &c, 1);
        if (eof != -HOSTNET_EAGAIN)
            break;
    }
    printf("sent=%d got=%d same=%d partial=%d maxchunk_ge_16k=%d eof=%d\n", sent, got,
           got == size && memcmp(in, out, (size_t)size) == 0, partial > 0, maxchunk >= 16384, eof);
    printf("send_after_shut=%d\n", hostnet_v1_send(h, "x", 1));
    printf("close=%d\n", hostnet_v1_close(h));
    free(out);
    free(in);
    return 0;
}

/* Two connections: one server talks after a delay, one never does. */
static int cmd_twopoll(int argc, char **argv)
{
    if (argc < 5)
        return 2;
    int32_t a = do_connect(argv[2], atoi(argv[3]));
    int32_t b = do_connect(argv[2], atoi(argv[4]));
    printf("status=%d,%d\n", wait_connected(a), wait_connected(b));
    struct hostnet_pollfd p[3] = { { a, HOSTNET_POLLIN, 0 }, { b, HOSTNET_POLLIN, 0 }, { -1, 0, 0 } };
    int64_t t0 = now_ms();
    int32_t r = hostnet_v1_poll(p, 3, 100);
    int64_t t1 = now_ms();
    printf("poll1=%d waited_ge_90=%d\n", r, t1 - t0 >= 90);
    r = hostnet_v1_poll(p, 3, 5000);
    printf("poll2=%d a_in=%d b_in=%d\n", r, (p[0].revents & HOSTNET_POLLIN) != 0,
           (p[1].revents & HOSTNET_POLLIN) != 0);
    char buf[64] = { 0 };
    int32_t n = hostnet_v1_recv(b, buf, sizeof buf - 1);
    printf("recv_b=%s recv_a=%d\n", n > 0 ? buf : "-", hostnet_v1_recv(a, buf, sizeof buf));
    hostnet_v1_close(a);
    hostnet_v1_close(b);
    return 0;
}

/* Send until the byte quota refuses. */
static int cmd_bytes(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    static char buf[8192];
    int32_t h = do_connect(argv[2], atoi(argv[3]));
    printf("status=%d\n", wait_connected(h));
    int32_t total = 0, r = 0;
    for (int i = 0; i < 1000; i++) {
        r = hostnet_v1_send(h, buf, sizeof buf);
        if (r == -HOSTNET_EAGAIN) {
            struct hostnet_pollfd p = { h, HOSTNET_POLLOUT, 0 };
            hostnet_v1_poll(&p, 1, 100);
            continue;
        }
        if (r < 0)
            break;
        total += r;
    }
    printf("total=%d last=%d\n", total, r);
    return 0;
}

/* Receive until EOF or an error: the bytes-in quota test. */
static int cmd_recvall(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    static char buf[65536];
    int32_t h = do_connect(argv[2], atoi(argv[3]));
    printf("status=%d\n", wait_connected(h));
    int32_t total = 0, r = 0;
    int64_t deadline = now_ms() + 10000;
    while (now_ms() < deadline) {
        struct hostnet_pollfd p = { h, HOSTNET_POLLIN, 0 };
        hostnet_v1_poll(&p, 1, 1000);
        r = hostnet_v1_recv(h, buf, sizeof buf);
        if (r > 0)
            total += r;
        else if (r != -HOSTNET_EAGAIN)
            break;
    }
    printf("total=%d last=%d\n", total, r);
    printf("close=%d\n", hostnet_v1_close(h));
    return 0;
}

/* Fill the host's send buffer towards a peer that never reads, then close
 * and exit: the host must not wait for that data to drain. */
static int cmd_stuck(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    static char buf[65536];
    int32_t h = do_connect(argv[2], atoi(argv[3]));
    printf("status=%d\n", wait_connected(h));
    int32_t total = 0, r = 0;
    for (int i = 0; i < 2000; i++) {
        r = hostnet_v1_send(h, buf, sizeof buf);
        if (r > 0) {
            total += r;
            continue;
        }
        if (r != -HOSTNET_EAGAIN)
            break;
        struct hostnet_pollfd p = { h, HOSTNET_POLLOUT, 0 };
        if (hostnet_v1_poll(&p, 1, 300) == 0)
            break; /* the host's buffer stays full: the peer does not read */
    }
    printf("queued_ge_1m=%d last=%d\n", total >= 1 << 20, r);
    printf("close=%d\n", hostnet_v1_close(h));
    return 0;
}

/* --dir: read argv[2], write argv[3] (if given) with "written by the module". */
static int cmd_file(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    char buf[256] = { 0 };
    FILE *f = fopen(argv[2], "r");
    if (f == NULL) {
        printf("read_errno=%d\n", errno);
    } else {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[strcspn(buf, "\r\n")] = '\0';
        printf("read=%s n=%zu\n", buf, n);
    }
    if (argc > 3) {
        FILE *w = fopen(argv[3], "w");
        if (w == NULL) {
            printf("write_errno=%d\n", errno);
        } else {
            int ok = fputs("written by the module\n", w) >= 0;
            printf("write=%d\n", (fclose(w) == 0) && ok);
        }
    }
    return 0;
}

/* --env: each argument's value, "(unset)" if the module does not have it;
 * then how many variables it has in all. */
static int cmd_env(int argc, char **argv)
{
    extern char **environ;
    for (int i = 2; i < argc; i++) {
        const char *v = getenv(argv[i]);
        printf("%s=%s\n", argv[i], v ? v : "(unset)");
    }
    int n = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    printf("environ_count=%d\n", n);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2)
        return 2;
    const char *c = argv[1];
    if (!strcmp(c, "connect")) return cmd_connect(argc, argv);
    if (!strcmp(c, "many")) return cmd_many(argc, argv);
    if (!strcmp(c, "badhandle")) return cmd_badhandle();
    if (!strcmp(c, "efault")) return cmd_efault(argc, argv);
    if (!strcmp(c, "echo")) return cmd_echo(argc, argv);
    if (!strcmp(c, "twopoll")) return cmd_twopoll(argc, argv);
    if (!strcmp(c, "bytes")) return cmd_bytes(argc, argv);
    if (!strcmp(c, "recvall")) return cmd_recvall(argc, argv);
    if (!strcmp(c, "stuck")) return cmd_stuck(argc, argv);
    if (!strcmp(c, "file")) return cmd_file(argc, argv);
    if (!strcmp(c, "env")) return cmd_env(argc, argv);
    if (!strcmp(c, "exit")) return atoi(argv[2]);
    if (!strcmp(c, "flood")) { /* stdout into a slow pipe: writes must block, not fail */
        static char chunk[65536];
        int n = argc > 2 ? atoi(argv[2]) : 64; /* chunks of 64 KiB */
        memset(chunk, 'x', sizeof chunk);
        for (int i = 0; i < n; i++)
            if (fwrite(chunk, 1, sizeof chunk, stdout) != sizeof chunk) {
                perror("flood: write to stdout");
                return 1;
            }
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (!strcmp(c, "spin")) {
        volatile unsigned long x = 0;
        for (;;)
            x++;
    }
    if (!strcmp(c, "block")) {
        printf("poll=%d\n", hostnet_v1_poll(NULL, 0, -1));
        return 0;
    }
    return 2;
}
