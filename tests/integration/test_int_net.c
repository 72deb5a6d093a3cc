/*
 * test_int_net.c - the connection layer against real peers on 127.0.0.1: the
 * test broker (librdkafka's mock cluster, its own process) with fault
 * injection, and hostile servers that are not Kafka at all. Every wait is
 * bounded; the broker process is always stopped.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker_proc.h"
#include "msgbus/port.h"
#include "msgbus/port_tcp.h"
#include "net/client.h"

/* ---- an allocator that counts, to bound what hostile peers can make us hold ---- */

static size_t g_live, g_peak;

static void *count_alloc(void *ctx, size_t n)
{
    void *p = malloc(n);
    (void)ctx;
    if (p) {
        g_live += n;
        if (g_live > g_peak)
            g_peak = g_live;
    }
    return p;
}

static void count_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    g_live -= n;
    free(p);
}

static const msgbus_allocator g_counting = {count_alloc, count_free, NULL};

/* ---- client set-up ---- */

static char g_log[8192];

static void log_keep(void *ud, int level, const char *msg)
{
    (void)ud;
    (void)level;
    if (strlen(g_log) + strlen(msg) + 2 < sizeof g_log) {
        strcat(g_log, msg);
        strcat(g_log, "\n");
    }
}

typedef struct fixture {
    msgbus_transport tcp;
    mb_client *c;
} fixture;

static int client(fixture *f, const char *bootstrap, int retries)
{
    mb_client_config cfg;
    mb_client_config_init(&cfg);
    g_log[0] = '\0';
    g_live = g_peak = 0;
    assert_int_equal(msgbus_port_tcp_transport_create(&f->tcp, &g_counting), 0);
    cfg.bootstrap = bootstrap;
    cfg.transport = &f->tcp;
    cfg.alloc = &g_counting;
    cfg.log = log_keep;
    cfg.log_level = MB_LOG_DEBUG;
    cfg.connect_retries = retries;
    cfg.connect_timeout_ms = 2000;
    cfg.request_timeout_ms = 3000;
    cfg.reconnect_backoff_ms = 100;
    cfg.reconnect_backoff_max_ms = 1000;
    cfg.max_frame_size = 1u << 20;
    return mb_client_create(&f->c, &cfg);
}

static void client_done(fixture *f)
{
    mb_client_destroy(f->c);
    msgbus_port_tcp_transport_destroy(&f->tcp);
    assert_int_equal(g_live, 0); /* everything given back */
}

/* Poll until @p pred holds or @p ms pass; 1 if it held. */
static int poll_until(mb_client *c, int (*pred)(mb_client *, void *), void *arg, uint32_t ms)
{
    uint32_t start = msgbus_port_now_ms();
    while (!pred(c, arg)) {
        if (msgbus_time_diff(msgbus_port_now_ms(), start) > (int32_t)ms)
            return 0;
        mb_client_poll(c, 50);
    }
    return 1;
}

static broker_proc g_broker;

static int start_broker(void **state)
{
    (void)state;
    return broker_start(&g_broker, MB_TEST_BROKER, 3, 120);
}

static int stop_broker(void **state)
{
    (void)state;
    broker_stop(&g_broker);
    return 0;
}

/* ---- against the test broker ---- */

static void test_metadata_three_brokers(void **state)
{
    fixture f;
    mb_cluster_view v;
    (void)state;
    assert_int_equal(client(&f, g_broker.bootstrap, 3), 0);
    assert_int_equal(mb_client_want_topic(f.c, "int-meta"), 0);
    assert_int_equal(mb_client_wait_ready(f.c, 10000), 0);
    mb_client_cluster(f.c, &v);
    assert_int_equal(v.n_brokers, 3);
    assert_int_equal(v.n_topics, 1);
    assert_string_equal(v.topics[0].name, "int-meta");
    assert_int_equal(v.topics[0].n_partitions, 4); /* the mock's auto-created topics */
    assert_true(mb_client_leader(f.c, "int-meta", 0) >= 1);
    /* ApiVersions v3 is refused by this broker: the fallback to v0 was taken */
    assert_non_null(strstr(g_log, "using v0"));
    assert_int_equal(mb_client_api_version(f.c, v.brokers[0].node_id, 3), 2);
    client_done(&f);
}

static int leader_is(mb_client *c, void *arg)
{
    return mb_client_leader(c, "int-leader", 0) == *(int32_t *)arg;
}

static void test_leader_move_followed(void **state)
{
    fixture f;
    int32_t want;
    char cmd[64];
    (void)state;
    assert_int_equal(broker_cmd(&g_broker, "create_topic int-leader 2 3"), 0);
    assert_int_equal(client(&f, g_broker.bootstrap, 3), 0);
    assert_int_equal(mb_client_want_topic(f.c, "int-leader"), 0);
    assert_int_equal(mb_client_wait_ready(f.c, 10000), 0);
    want = mb_client_leader(f.c, "int-leader", 0) % 3 + 1; /* another broker */
    snprintf(cmd, sizeof cmd, "leader int-leader 0 %d", (int)want);
    assert_int_equal(broker_cmd(&g_broker, cmd), 0);
    mb_client_refresh_metadata(f.c, 0);
    assert_true(poll_until(f.c, leader_is, &want, 5000));
    client_done(&f);
}

typedef struct restart_state {
    int32_t id;
    uint64_t refreshes_before;
} restart_state;

/* Back on the broker that went down, with metadata fetched since. */
static int reconnected(mb_client *c, void *arg)
{
    const restart_state *rs = arg;
    mb_client_stats st;
    mb_client_get_stats(c, &st);
    return st.disconnects >= 1 && mb_client_api_version(c, rs->id, 3) >= 0 &&
           st.metadata_refreshes > rs->refreshes_before;
}

static int disconnected(mb_client *c, void *arg)
{
    mb_client_stats st;
    (void)arg;
    mb_client_get_stats(c, &st);
    return st.disconnects >= 1;
}

static void test_broker_restart_reconnects(void **state)
{
    fixture f;
    mb_client_stats before, after;
    int32_t id = 1;
    restart_state rs;
    char cmd[32];
    (void)state;
    assert_int_equal(client(&f, g_broker.bootstrap, 3), 0);
    assert_int_equal(mb_client_wait_ready(f.c, 10000), 0);
    assert_true(mb_client_api_version(f.c, id, 3) >= 0); /* connected to broker 1 */
    mb_client_get_stats(f.c, &before);
    snprintf(cmd, sizeof cmd, "broker_down %d", (int)id);
    assert_int_equal(broker_cmd(&g_broker, cmd), 0);
    assert_true(poll_until(f.c, disconnected, NULL, 5000));
    snprintf(cmd, sizeof cmd, "broker_up %d", (int)id);
    assert_int_equal(broker_cmd(&g_broker, cmd), 0);
    rs.id = id;
    rs.refreshes_before = before.metadata_refreshes; /* metadata is fetched again */
    assert_true(poll_until(f.c, reconnected, &rs, 10000));
    mb_client_get_stats(f.c, &after);
    assert_true(after.connects > before.connects);
    client_done(&f);
}

/* ---- nothing, or the wrong thing, on the port ---- */

/* A 127.0.0.1 port that was bound and closed: nothing listens there. */
static uint16_t dead_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_down_at_connect_retries_then_fails(void **state)
{
    fixture f;
    char boot[64];
    uint32_t t0, elapsed;
    mb_client_stats st;
    (void)state;
    snprintf(boot, sizeof boot, "127.0.0.1:%u", (unsigned)dead_port());
    assert_int_equal(client(&f, boot, 3), 0);
    t0 = msgbus_port_now_ms();
    assert_int_equal(mb_client_wait_ready(f.c, 20000), MSGBUS_ERR_TRANSPORT);
    elapsed = (uint32_t)msgbus_time_diff(msgbus_port_now_ms(), t0);
    mb_client_get_stats(f.c, &st);
    assert_int_equal(st.connect_failures, 3);
    /* two backoffs between three attempts: at least 0.8 x (100 + 200) ms */
    assert_true(elapsed >= 240);
    assert_true(elapsed < 5000);
    assert_non_null(strstr(g_log, "reconnecting in"));
    client_done(&f);
}

static void test_bad_addresses(void **state)
{
    fixture f;
    static const char *bad[] = {"127.0.0.1",   "127.0.0.1:0", "127.0.0.1:65536",
                                "host name:1", "[::1:9092",   ","};
    size_t i;
    uint32_t t0;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(client(&f, bad[i], 3), MSGBUS_ERR_INVALID_ARG);
        msgbus_port_tcp_transport_destroy(&f.tcp);
    }
    assert_int_equal(client(&f, "no-such-host.invalid:9092", 2), 0);
    t0 = msgbus_port_now_ms();
    assert_int_equal(mb_client_wait_ready(f.c, 20000), MSGBUS_ERR_RESOLVE);
    assert_true(msgbus_time_diff(msgbus_port_now_ms(), t0) < 10000);
    client_done(&f);
}

/* A server that is not Kafka: answers each connection with @c reply and
 * either closes or keeps the connection open until stopped. */
typedef struct fake_server {
    int lfd;
    uint16_t port;
    const uint8_t *reply;
    size_t reply_len;
    int keep_open;
    atomic_int stop;
    pthread_t th;
} fake_server;

static void *serve(void *arg)
{
    fake_server *s = arg;
    int open_fds[16], n_open = 0, i;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {s->lfd, POLLIN, 0};
        int fd;
        char buf[512];
        if (poll(&p, 1, 50) <= 0)
            continue;
        fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        p.fd = fd;
        if (poll(&p, 1, 1000) > 0) /* the client's ApiVersions request */
            (void)!read(fd, buf, sizeof buf);
        (void)!write(fd, s->reply, s->reply_len);
        if (s->keep_open && n_open < 16)
            open_fds[n_open++] = fd;
        else
            close(fd);
    }
    for (i = 0; i < n_open; i++)
        close(open_fds[i]);
    return NULL;
}

static void server_start(fake_server *s, const void *reply, size_t len, int keep_open)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    memset(s, 0, sizeof *s);
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->lfd, 8), 0);
    getsockname(s->lfd, (struct sockaddr *)&a, &alen);
    s->port = ntohs(a.sin_port);
    s->reply = reply;
    s->reply_len = len;
    s->keep_open = keep_open;
    pthread_create(&s->th, NULL, serve, s);
}

static void server_stop(fake_server *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->th, NULL);
    close(s->lfd);
}

/* Connect to a hostile server: a clear error, bounded time and memory. */
static void hostile(const void *reply, size_t len, int keep_open, const char *expect_log)
{
    fake_server s;
    fixture f;
    char boot[64];
    uint32_t t0;
    int rc;
    server_start(&s, reply, len, keep_open);
    snprintf(boot, sizeof boot, "127.0.0.1:%u", (unsigned)s.port);
    assert_int_equal(client(&f, boot, 2), 0);
    t0 = msgbus_port_now_ms();
    rc = mb_client_wait_ready(f.c, 15000);
    assert_true(rc < 0);
    assert_true(rc != MSGBUS_ERR_TIMEOUT || keep_open); /* a kept connection may time out */
    assert_true(msgbus_time_diff(msgbus_port_now_ms(), t0) < 15000);
    if (!strstr(g_log, expect_log))
        fail_msg("log lacks \"%s\":\n%s", expect_log, g_log);
    assert_true(g_peak < (1u << 20)); /* the 2 GB prefix allocated nothing like it */
    client_done(&f);
    server_stop(&s);
}

static void test_http_server(void **state)
{
    static const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    (void)state;
    /* "HTTP" read as a size prefix is 1.2 GB: refused before buffering */
    hostile(http, sizeof http - 1, 0, "MSGBUS_ERR_FRAME_TOO_LARGE");
}

static void test_garbage_server(void **state)
{
    uint8_t junk[300];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37u + 11u);
    junk[0] = 0; /* a small size prefix, then nonsense in place of a response */
    junk[1] = 0;
    junk[2] = 0;
    junk[3] = 40;
    hostile(junk, sizeof junk, 0, "broker -1");
}

static void test_two_gigabyte_prefix(void **state)
{
    static const uint8_t prefix[4] = {0x7f, 0xff, 0xff, 0xf0};
    (void)state;
    hostile(prefix, sizeof prefix, 1, "MSGBUS_ERR_FRAME_TOO_LARGE");
}

int main(void)
{
    const struct CMUnitTest broker_tests[] = {
        cmocka_unit_test(test_metadata_three_brokers),
        cmocka_unit_test(test_leader_move_followed),
        cmocka_unit_test(test_broker_restart_reconnects),
    };
    const struct CMUnitTest peer_tests[] = {
        cmocka_unit_test(test_down_at_connect_retries_then_fails),
        cmocka_unit_test(test_bad_addresses),
        cmocka_unit_test(test_http_server),
        cmocka_unit_test(test_garbage_server),
        cmocka_unit_test(test_two_gigabyte_prefix),
    };
    int failed =
        cmocka_run_group_tests_name("test broker", broker_tests, start_broker, stop_broker);
    failed += cmocka_run_group_tests_name("not kafka", peer_tests, NULL, NULL);
    return failed;
}
