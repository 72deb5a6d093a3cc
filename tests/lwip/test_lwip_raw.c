/*
 * test_lwip_raw.c - unit tests of the raw-API lwIP transport
 * (port/lwip/tcp_raw.c) against the real lwIP 2.1.3 (Debian's source, built
 * NO_SYS for the host with tests/lwip/raw/lwipopts.h). A raw-API server in
 * the same lwIP stack answers on 127.0.0.1 through lwIP's loopback netif,
 * which the transport's service hook polls. Checks the transport contract:
 * connect completes or fails, sends are partial when lwIP is full and 0 when
 * it would block, recv never returns 0 on a close, a reset is an error.
 *
 * A DNS responder (UDP port 53 in the same stack) answers lwIP's resolver:
 * names through dns_gethostbyname, both from lwIP's local table and by query.
 *
 * Test code: calls go test -> transport -> lwIP -> loopback -> the server's
 * and the responder's callbacks (this file) and back.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include "msgbus/error.h"
#include "msgbus_lwip.h"

#define SRV_PORT 7000
#define SRV_BUF (256 * 1024)

static msgbus_transport tr;

/* ---- the server, in the same lwIP ----------------------------------------- */

static struct tcp_pcb *srv_conn;
static int srv_hold; /* 1: leave received data unread (the window closes) */
static int srv_echo;
static int srv_fin;
static struct pbuf *srv_held;
static unsigned char srv_buf[SRV_BUF];
static size_t srv_len;

u32_t sys_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void srv_take(struct tcp_pcb *pcb, struct pbuf *p)
{
    u16_t n = p->tot_len;
    if (srv_len + n <= SRV_BUF) {
        pbuf_copy_partial(p, srv_buf + srv_len, n, 0);
        srv_len += n;
    }
    tcp_recved(pcb, n);
    if (srv_echo) {
        unsigned char tmp[4096];
        u16_t m = n < sizeof tmp ? n : (u16_t)sizeof tmp;
        pbuf_copy_partial(p, tmp, m, 0);
        tcp_write(pcb, tmp, m, TCP_WRITE_FLAG_COPY);
        tcp_output(pcb);
    }
    pbuf_free(p);
}

static err_t srv_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL) {
        srv_fin = 1;
        return ERR_OK;
    }
    if (srv_hold) {
        if (srv_held == NULL)
            srv_held = p;
        else
            pbuf_cat(srv_held, p);
        return ERR_OK;
    }
    srv_take(pcb, p);
    return ERR_OK;
}

static void srv_err(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    srv_conn = NULL;
}

static err_t srv_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)err;
    srv_conn = pcb;
    tcp_recv(pcb, srv_recv);
    tcp_err(pcb, srv_err);
    return ERR_OK;
}

/* ---- the DNS responder ------------------------------------------------------- */

static unsigned dns_queries;
static int dns_hold; /* 1: keep the next query unanswered until dns_release() */
static struct pbuf *dns_held;
static ip_addr_t dns_held_addr;
static u16_t dns_held_port;
static struct udp_pcb *dns_pcb;

/* Answer @p q (a query): 127.0.0.1 for names starting "kafka", else NXDOMAIN. */
static void dns_answer(struct pbuf *q, const ip_addr_t *addr, u16_t port)
{
    static const unsigned char answer[16] = {0xc0, 0x0c, 0, 1, 0,   1, 0, 0,
                                             0,    60,   0, 4, 127, 0, 0, 1};
    unsigned char msg[512];
    u16_t len = q->tot_len;
    int found;
    struct pbuf *r;
    if (len < 13 || len + sizeof answer > sizeof msg)
        return;
    pbuf_copy_partial(q, msg, len, 0);
    found = msg[12] >= 5 && memcmp(msg + 13, "kafka", 5) == 0;
    msg[2] = 0x81;                                 /* response, recursion desired */
    msg[3] = (unsigned char)(found ? 0x80 : 0x83); /* recursion available; NXDOMAIN */
    msg[7] = (unsigned char)(found ? 1 : 0);       /* answers */
    if (found) {
        memcpy(msg + len, answer, sizeof answer);
        len = (u16_t)(len + sizeof answer);
    }
    r = pbuf_alloc(PBUF_TRANSPORT, len, PBUF_RAM);
    if (r == NULL)
        return;
    pbuf_take(r, msg, len);
    udp_sendto(dns_pcb, r, addr, port);
    pbuf_free(r);
}

static void dns_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                     u16_t port)
{
    (void)arg;
    (void)pcb;
    dns_queries++;
    if (dns_hold && dns_held == NULL) {
        dns_held = p;
        ip_addr_copy(dns_held_addr, *addr);
        dns_held_port = port;
        return;
    }
    dns_answer(p, addr, port);
    pbuf_free(p);
}

static void dns_release(void)
{
    if (dns_held != NULL) {
        dns_answer(dns_held, &dns_held_addr, dns_held_port);
        pbuf_free(dns_held);
        dns_held = NULL;
    }
    dns_hold = 0;
}

static void service(void *ud)
{
    (void)ud;
    netif_poll_all();
}

/* Run the stack for @p ms. */
static void run_for(uint32_t ms)
{
    msgbus_poll_item none;
    memset(&none, 0, sizeof none);
    tr.wait(tr.ctx, &none, 0, ms);
}

static int group_setup(void **state)
{
    static int started;
    struct tcp_pcb *l;
    msgbus_lwip_raw_config cfg;
    (void)state;
    if (!started) {
        lwip_init();
        l = tcp_new();
        if (l == NULL || tcp_bind(l, IP_ADDR_ANY, SRV_PORT) != ERR_OK)
            return -1;
        l = tcp_listen(l);
        tcp_accept(l, srv_accept);
        dns_pcb = udp_new();
        if (dns_pcb == NULL || udp_bind(dns_pcb, IP_ADDR_ANY, 53) != ERR_OK)
            return -1;
        udp_recv(dns_pcb, dns_recv, NULL);
        {
            ip_addr_t lo;
            IP_ADDR4(&lo, 127, 0, 0, 1);
            dns_setserver(0, &lo);
        }
        started = 1;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.service = service;
    return msgbus_lwip_raw_transport(&tr, &cfg);
}

static int reset_server(void **state)
{
    (void)state;
    if (srv_held != NULL)
        pbuf_free(srv_held);
    srv_held = NULL;
    srv_conn = NULL;
    srv_hold = srv_echo = srv_fin = 0;
    srv_len = 0;
    dns_release();
    return 0;
}

/* Connect to the server and wait until the connection is up. */
static msgbus_sock *connect_up(void)
{
    msgbus_sock *s = NULL;
    msgbus_poll_item it;
    assert_int_equal(tr.connect(tr.ctx, "127.0.0.1", SRV_PORT, &s), 0);
    assert_non_null(s);
    it.sock = s;
    it.want = MSGBUS_POLL_OUT;
    it.ready = 0;
    assert_int_equal(tr.wait(tr.ctx, &it, 1, 2000), 1);
    assert_true(it.ready & MSGBUS_POLL_OUT);
    assert_int_equal(tr.connect_check(tr.ctx, s), 1);
    run_for(5);
    assert_non_null(srv_conn);
    return s;
}

/* ---- tests --------------------------------------------------------------------- */

static void test_bad_arguments(void **state)
{
    msgbus_sock *s = NULL;
    msgbus_lwip_raw_config cfg;
    msgbus_transport t;
    (void)state;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(msgbus_lwip_raw_transport(&t, &cfg), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(msgbus_lwip_raw_transport(NULL, &cfg), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(tr.connect(tr.ctx, NULL, SRV_PORT, &s), MSGBUS_ERR_INVALID_ARG);
    assert_int_equal(tr.connect(tr.ctx, "127.0.0.1", 0, &s), MSGBUS_ERR_INVALID_ARG);
    {
        /* Longer than DNS_MAX_NAME_LENGTH: lwIP's resolver refuses it at once. */
        char name[300];
        memset(name, 'a', sizeof name - 1);
        name[sizeof name - 1] = '\0';
        assert_int_equal(tr.connect(tr.ctx, name, SRV_PORT, &s), MSGBUS_ERR_RESOLVE);
    }
    assert_null(s);
}

/* Wait until @p s connected (1) or failed (MSGBUS_ERR_TRANSPORT). */
static int settle(msgbus_sock *s)
{
    msgbus_poll_item it;
    it.sock = s;
    it.want = MSGBUS_POLL_OUT;
    it.ready = 0;
    (void)tr.wait(tr.ctx, &it, 1, 3000);
    return tr.connect_check(tr.ctx, s);
}

static void test_dns_local_table(void **state)
{
    msgbus_sock *s = NULL;
    unsigned q = dns_queries;
    (void)state;
    assert_int_equal(tr.connect(tr.ctx, "local.broker", SRV_PORT, &s), 0);
    assert_int_equal(settle(s), 1);
    assert_int_equal(dns_queries, q); /* no query went out */
    tr.close(tr.ctx, s);
    run_for(10);
}

static void test_dns_query(void **state)
{
    msgbus_sock *s = NULL;
    unsigned q = dns_queries;
    (void)state;
    assert_int_equal(tr.connect(tr.ctx, "kafka-1.test", SRV_PORT, &s), 0);
    assert_int_equal(tr.connect_check(tr.ctx, s), 0); /* resolving */
    assert_int_equal(settle(s), 1);
    assert_int_equal(dns_queries, q + 1);
    run_for(5);
    assert_non_null(srv_conn);
    tr.close(tr.ctx, s);
    run_for(10);
}

static void test_dns_unknown_name_fails(void **state)
{
    msgbus_sock *s = NULL;
    (void)state;
    assert_int_equal(tr.connect(tr.ctx, "nowhere.test", SRV_PORT, &s), 0);
    assert_int_equal(settle(s), MSGBUS_ERR_TRANSPORT);
    tr.close(tr.ctx, s);
}

static void test_close_while_resolving(void **state)
{
    msgbus_sock *s = NULL, *all[MSGBUS_LWIP_RAW_MAX_SOCKS];
    size_t i;
    (void)state;
    dns_hold = 1;
    assert_int_equal(tr.connect(tr.ctx, "kafka-2.test", SRV_PORT, &s), 0);
    run_for(10);
    assert_non_null(dns_held);
    tr.close(tr.ctx, s); /* the resolver still holds the slot */
    dns_release();       /* the answer comes: the slot is freed, nothing connects */
    run_for(20);
    assert_null(srv_conn);
    for (i = 0; i < MSGBUS_LWIP_RAW_MAX_SOCKS; i++) /* every slot is back */
        assert_int_equal(tr.connect(tr.ctx, "127.0.0.1", SRV_PORT, &all[i]), 0);
    for (i = 0; i < MSGBUS_LWIP_RAW_MAX_SOCKS; i++)
        tr.close(tr.ctx, all[i]);
    run_for(20);
}

static void test_echo_with_iovecs(void **state)
{
    msgbus_sock *s;
    msgbus_iovec iov[3] = {{"hello ", 6}, {"lwip ", 5}, {"raw", 3}};
    msgbus_poll_item it;
    char got[32];
    size_t have = 0;
    (void)state;
    srv_echo = 1;
    s = connect_up();
    assert_int_equal(tr.send(tr.ctx, s, iov, 3), 14);
    assert_int_equal(tr.recv(tr.ctx, s, got, sizeof got), 0); /* nothing yet: 0, not an error */
    while (have < 14) {
        long n;
        it.sock = s;
        it.want = MSGBUS_POLL_IN;
        assert_int_equal(tr.wait(tr.ctx, &it, 1, 2000), 1);
        n = tr.recv(tr.ctx, s, got + have, 4); /* small reads walk the pbuf chain */
        assert_true(n > 0 && n <= 4);
        have += (size_t)n;
    }
    assert_memory_equal(got, "hello lwip raw", 14);
    assert_int_equal(srv_len, 14);
    tr.close(tr.ctx, s);
    run_for(20);
    assert_true(srv_fin);
}

static void test_refused_connect_is_an_error(void **state)
{
    msgbus_sock *s = NULL;
    msgbus_poll_item it;
    msgbus_lwip_raw_stats before, after;
    char b[4];
    (void)state;
    msgbus_lwip_raw_stats_get(&before);
    assert_int_equal(tr.connect(tr.ctx, "127.0.0.1", SRV_PORT + 1, &s), 0);
    it.sock = s;
    it.want = MSGBUS_POLL_OUT;
    assert_int_equal(tr.wait(tr.ctx, &it, 1, 2000), 1);
    assert_true(it.ready & MSGBUS_POLL_ERR);
    assert_int_equal(tr.connect_check(tr.ctx, s), MSGBUS_ERR_TRANSPORT);
    assert_int_equal(tr.recv(tr.ctx, s, b, sizeof b), MSGBUS_ERR_TRANSPORT);
    msgbus_lwip_raw_stats_get(&after);
    assert_int_equal(after.connect_fails, before.connect_fails + 1);
    tr.close(tr.ctx, s);
}

static void test_peer_close_never_reads_zero(void **state)
{
    msgbus_sock *s;
    char b[16];
    long n;
    (void)state;
    s = connect_up();
    tcp_write(srv_conn, "bye", 3, TCP_WRITE_FLAG_COPY);
    tcp_close(srv_conn);
    srv_conn = NULL;
    run_for(20);
    n = tr.recv(tr.ctx, s, b, sizeof b);
    assert_int_equal(n, 3); /* data first */
    assert_memory_equal(b, "bye", 3);
    assert_int_equal(tr.recv(tr.ctx, s, b, sizeof b), MSGBUS_ERR_TRANSPORT);
    {
        msgbus_iovec v = {"x", 1};
        assert_int_equal(tr.send(tr.ctx, s, &v, 1), MSGBUS_ERR_TRANSPORT);
    }
    tr.close(tr.ctx, s);
}

static void test_partial_send_then_would_block(void **state)
{
    static unsigned char big[64 * 1024];
    msgbus_sock *s;
    msgbus_iovec v;
    msgbus_poll_item it;
    size_t sent = 0;
    long n;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)(i * 7);
    srv_hold = 1; /* the server reads nothing: its window closes */
    s = connect_up();
    v.base = big;
    v.len = sizeof big;
    n = tr.send(tr.ctx, s, &v, 1);
    assert_true(n > 0 && (size_t)n < sizeof big); /* partial */
    sent = (size_t)n;
    /* Keep sending until lwIP is full: then 0, and wait() says not writable. */
    for (i = 0; i < 100; i++) {
        run_for(5);
        v.base = big + sent;
        v.len = sizeof big - sent;
        n = tr.send(tr.ctx, s, &v, 1);
        assert_true(n >= 0);
        if (n == 0)
            break;
        sent += (size_t)n;
    }
    assert_int_equal(n, 0);
    it.sock = s;
    it.want = MSGBUS_POLL_OUT;
    assert_int_equal(tr.wait(tr.ctx, &it, 1, 50), 0);
    /* The server reads: the window opens, the rest goes through, in order. */
    srv_hold = 0;
    if (srv_held != NULL) {
        struct pbuf *p = srv_held;
        srv_held = NULL;
        srv_take(srv_conn, p);
    }
    while (sent < sizeof big) {
        it.sock = s;
        it.want = MSGBUS_POLL_OUT;
        assert_int_equal(tr.wait(tr.ctx, &it, 1, 2000), 1);
        v.base = big + sent;
        v.len = sizeof big - sent;
        n = tr.send(tr.ctx, s, &v, 1);
        assert_true(n >= 0);
        sent += (size_t)n;
    }
    for (i = 0; i < 200 && srv_len < sizeof big; i++)
        run_for(5);
    assert_int_equal(srv_len, sizeof big);
    assert_memory_equal(srv_buf, big, sizeof big);
    tr.close(tr.ctx, s);
}

static void test_reset_is_reported(void **state)
{
    msgbus_sock *s;
    msgbus_poll_item it;
    msgbus_lwip_raw_stats before, after;
    char b[4];
    (void)state;
    msgbus_lwip_raw_stats_get(&before);
    s = connect_up();
    tcp_abort(srv_conn); /* sends a RST */
    srv_conn = NULL;
    it.sock = s;
    it.want = MSGBUS_POLL_IN;
    assert_int_equal(tr.wait(tr.ctx, &it, 1, 2000), 1);
    assert_true(it.ready & MSGBUS_POLL_ERR);
    assert_int_equal(tr.recv(tr.ctx, s, b, sizeof b), MSGBUS_ERR_TRANSPORT);
    msgbus_lwip_raw_stats_get(&after);
    assert_int_equal(after.resets, before.resets + 1);
    tr.close(tr.ctx, s);
}

static void test_pool_exhaustion(void **state)
{
    msgbus_sock *s[MSGBUS_LWIP_RAW_MAX_SOCKS + 1];
    size_t i;
    (void)state;
    for (i = 0; i < MSGBUS_LWIP_RAW_MAX_SOCKS; i++)
        assert_int_equal(tr.connect(tr.ctx, "127.0.0.1", SRV_PORT, &s[i]), 0);
    assert_int_equal(tr.connect(tr.ctx, "127.0.0.1", SRV_PORT, &s[i]), MSGBUS_ERR_NOMEM);
    for (i = 0; i < MSGBUS_LWIP_RAW_MAX_SOCKS; i++)
        tr.close(tr.ctx, s[i]);
    run_for(20);
    assert_int_equal(tr.connect(tr.ctx, "127.0.0.1", SRV_PORT, &s[0]), 0); /* slots came back */
    tr.close(tr.ctx, s[0]);
    run_for(20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_arguments, reset_server, reset_server),
        cmocka_unit_test_setup_teardown(test_dns_local_table, reset_server, reset_server),
        cmocka_unit_test_setup_teardown(test_dns_query, reset_server, reset_server),
        cmocka_unit_test_setup_teardown(test_dns_unknown_name_fails, reset_server, reset_server),
        cmocka_unit_test_setup_teardown(test_close_while_resolving, reset_server, reset_server),
        cmocka_unit_test_setup_teardown(test_echo_with_iovecs, reset_server, reset_server),
        cmocka_unit_test_setup_teardown(test_refused_connect_is_an_error, reset_server,
                                        reset_server),
        cmocka_unit_test_setup_teardown(test_peer_close_never_reads_zero, reset_server,
                                        reset_server),
        cmocka_unit_test_setup_teardown(test_partial_send_then_would_block, reset_server,
                                        reset_server),
        cmocka_unit_test_setup_teardown(test_reset_is_reported, reset_server, reset_server),
        cmocka_unit_test_setup_teardown(test_pool_exhaustion, reset_server, reset_server),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
