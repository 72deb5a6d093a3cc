/* test_port_posix.c - the POSIX port: clock, random, locks, threads and the
 * TCP transport, against sockets this test opens on 127.0.0.1. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "msgbus/error.h"
#include "msgbus/port.h"
#include "msgbus/port_tcp.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A listening socket on 127.0.0.1 with a kernel-chosen port. */
static int listen_any(uint16_t *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_clock_and_random(void **state)
{
    uint32_t t0 = msgbus_port_now_ms(), t1;
    uint8_t a[32], b[32];
    (void)state;
    sleep_ms(20);
    t1 = msgbus_port_now_ms();
    assert_true(msgbus_time_diff(t1, t0) >= 19 && msgbus_time_diff(t1, t0) < 1000);
    assert_int_equal(msgbus_time_diff(0x10u, 0xfffffff0u), 0x20); /* across the wrap */
    assert_int_equal(msgbus_time_diff(0xfffffff0u, 0x10u), -0x20);
    assert_int_equal(msgbus_port_random(a, sizeof a), 0);
    assert_int_equal(msgbus_port_random(b, sizeof b), 0);
    assert_memory_not_equal(a, b, sizeof a);
}

static msgbus_port_mutex_t g_m;
static msgbus_port_cond_t g_c;
static int g_flag;

static void waker(void *arg)
{
    (void)arg;
    sleep_ms(30);
    msgbus_port_mutex_lock(&g_m);
    g_flag = 1;
    msgbus_port_cond_broadcast(&g_c);
    msgbus_port_mutex_unlock(&g_m);
}

static void test_locks_and_threads(void **state)
{
    msgbus_port_thread_t t;
    uint32_t t0;
    (void)state;
    assert_int_equal(msgbus_port_mutex_init(&g_m), 0);
    assert_int_equal(msgbus_port_cond_init(&g_c), 0);
    msgbus_port_mutex_lock(&g_m);
    t0 = msgbus_port_now_ms();
    assert_int_equal(msgbus_port_cond_wait(&g_c, &g_m, 50), MSGBUS_ERR_TIMEOUT);
    assert_true(msgbus_time_diff(msgbus_port_now_ms(), t0) >= 45);
    msgbus_port_mutex_unlock(&g_m);
    assert_int_equal(msgbus_port_thread_create(&t, waker, NULL), 0);
    msgbus_port_mutex_lock(&g_m);
    while (!g_flag)
        assert_int_equal(msgbus_port_cond_wait(&g_c, &g_m, 5000), 0);
    msgbus_port_mutex_unlock(&g_m);
    msgbus_port_thread_join(&t);
    msgbus_port_cond_destroy(&g_c);
    msgbus_port_mutex_destroy(&g_m);
}

/* Poll connect_check until it answers (bounded). */
static int wait_connect(msgbus_transport *t, msgbus_sock *s)
{
    int i, rc = 0;
    for (i = 0; i < 200 && rc == 0; i++) {
        msgbus_poll_item it = {s, MSGBUS_POLL_OUT, 0};
        t->wait(t->ctx, &it, 1, 10);
        rc = t->connect_check(t->ctx, s);
    }
    return rc;
}

static void test_tcp_send_recv_close(void **state)
{
    msgbus_transport t;
    msgbus_sock *s = NULL;
    uint16_t port;
    int lfd = listen_any(&port), peer;
    msgbus_iovec iov[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    char buf[64];
    long n, total = 0;
    static char big[1 << 16];
    (void)state;
    assert_int_equal(msgbus_port_tcp_transport_create(&t, NULL), 0);
    assert_int_equal(t.connect(t.ctx, "127.0.0.1", port, &s), 0);
    assert_int_equal(wait_connect(&t, s), 1);
    peer = accept(lfd, NULL, NULL);
    assert_true(peer >= 0);
    assert_int_equal(t.recv(t.ctx, s, buf, sizeof buf), 0); /* nothing yet: 0, not a close */
    assert_int_equal(t.send(t.ctx, s, iov, 3), 6);
    assert_int_equal(read(peer, buf, sizeof buf), 6);
    assert_memory_equal(buf, "abcdef", 6);
    /* the peer does not read: sends fill the socket buffers, then would block (0) */
    iov[0].base = big;
    iov[0].len = sizeof big;
    for (n = 1; n > 0 && total < (64L << 20); total += n)
        n = t.send(t.ctx, s, iov, 1);
    assert_int_equal(n, 0);
    assert_true(total > 0);
    assert_int_equal(write(peer, "xyz", 3), 3);
    {
        msgbus_poll_item it = {s, MSGBUS_POLL_IN, 0};
        assert_int_equal(t.wait(t.ctx, &it, 1, 2000), 1);
        assert_true(it.ready & MSGBUS_POLL_IN);
    }
    assert_int_equal(t.recv(t.ctx, s, buf, sizeof buf), 3);
    close(peer);
    sleep_ms(20);
    assert_true(t.recv(t.ctx, s, buf, sizeof buf) < 0); /* closed: negative, never 0 */
    t.close(t.ctx, s);
    close(lfd);
    msgbus_port_tcp_transport_destroy(&t);
}

static void test_tcp_failures(void **state)
{
    msgbus_transport t;
    msgbus_sock *s = NULL;
    uint16_t port;
    int lfd = listen_any(&port);
    (void)state;
    close(lfd); /* nothing listens there now */
    assert_int_equal(msgbus_port_tcp_transport_create(&t, NULL), 0);
    if (t.connect(t.ctx, "127.0.0.1", port, &s) == 0) {
        assert_int_equal(wait_connect(&t, s), MSGBUS_ERR_TRANSPORT);
        t.close(t.ctx, s);
    }
    assert_int_equal(t.connect(t.ctx, "no-such-host.invalid", 9092, &s), MSGBUS_ERR_RESOLVE);
    assert_int_equal(t.connect(t.ctx, "", 9092, &s), MSGBUS_ERR_INVALID_ARG);
    msgbus_port_tcp_transport_destroy(&t);
}

static void test_tcp_localhost_and_v6(void **state)
{
    msgbus_transport t;
    msgbus_sock *s = NULL;
    uint16_t port;
    int lfd = listen_any(&port);
    (void)state;
    assert_int_equal(msgbus_port_tcp_transport_create(&t, NULL), 0);
    /* "localhost" may resolve to ::1 first: the transport falls back to 127.0.0.1 */
    assert_int_equal(t.connect(t.ctx, "localhost", port, &s), 0);
    assert_int_equal(wait_connect(&t, s), 1);
    t.close(t.ctx, s);
    close(lfd);
    msgbus_port_tcp_transport_destroy(&t);
}

static msgbus_transport g_t;

static void wake_later(void *arg)
{
    (void)arg;
    sleep_ms(50);
    g_t.wakeup(g_t.ctx);
}

static void test_wait_timeout_and_wakeup(void **state)
{
    msgbus_port_thread_t th;
    uint32_t t0;
    (void)state;
    assert_int_equal(msgbus_port_tcp_transport_create(&g_t, NULL), 0);
    t0 = msgbus_port_now_ms();
    assert_int_equal(g_t.wait(g_t.ctx, NULL, 0, 40), 0); /* no sockets: sleeps */
    assert_true(msgbus_time_diff(msgbus_port_now_ms(), t0) >= 35);
    assert_int_equal(msgbus_port_thread_create(&th, wake_later, NULL), 0);
    t0 = msgbus_port_now_ms();
    assert_int_equal(g_t.wait(g_t.ctx, NULL, 0, 5000), 0);
    assert_true(msgbus_time_diff(msgbus_port_now_ms(), t0) < 2000); /* woken early */
    msgbus_port_thread_join(&th);
    msgbus_port_tcp_transport_destroy(&g_t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_and_random),     cmocka_unit_test(test_locks_and_threads),
        cmocka_unit_test(test_tcp_send_recv_close),  cmocka_unit_test(test_tcp_failures),
        cmocka_unit_test(test_tcp_localhost_and_v6), cmocka_unit_test(test_wait_timeout_and_wakeup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
