/*
 * test_int_tls.c - TLS end to end: stunnel4 (OpenSSL) terminates TLS on
 * 127.0.0.1 in front of the test broker, which advertises the TLS ports
 * (tls_fixture.sh sets both up, with certificates it generates). The
 * producer, the consumer and the bus API write and read through it; a wrong
 * CA, an expired certificate and a wrong host name each fail the connection
 * with their own error before any Kafka request is sent; mutual TLS works
 * with the client certificate and fails without it.
 *
 * Usage: test_int_tls STATE_DIR (the fixture's directory).
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "msgbus/consumer.h"
#include "msgbus/msgbus.h"
#include "msgbus/port_tcp.h"
#include "msgbus/producer.h"
#include "net/client.h"

static const char *g_dir;

/* Read a one-line state file of the fixture into @p buf. */
static const char *state(const char *name, char *buf, size_t cap)
{
    char path[1024];
    FILE *f;
    size_t n;
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(buf, 1, cap - 1, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    assert_true(n > 0);
    return buf;
}

/* A path in the state directory (static storage: one per slot). */
static const char *file(int slot, const char *name)
{
    static char paths[4][1024];
    snprintf(paths[slot], sizeof paths[slot], "%s/%s", g_dir, name);
    return paths[slot];
}

/* Whole file into a NUL-terminated heap buffer (for CA-from-memory). */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *b;
    long n;
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    b[n] = '\0';
    *len = (size_t)n + 1; /* PEM: mbedTLS wants the NUL counted */
    return b;
}

static void tls_sec(msgbus_security *sec, const char *ca)
{
    msgbus_security_init(sec);
    sec->protocol = MSGBUS_SECURITY_SSL;
    sec->ca.file = file(0, ca);
}

/* ---- produce and consume through TLS ---- */

#define N_MSGS 2000

static void produce_n(const msgbus_security *sec, const char *topic, int n)
{
    char boot[512], val[64], key[32];
    msgbus_producer_config pc;
    msgbus_producer *p = NULL;
    msgbus_producer_stats st;
    int i;
    msgbus_producer_config_init(&pc);
    pc.bootstrap = state("bootstrap_tls", boot, sizeof boot);
    pc.security = *sec;
    pc.linger_ms = 2;
    assert_int_equal(msgbus_producer_create(&p, &pc), 0);
    for (i = 0; i < n; i++) {
        msgbus_message m = MSGBUS_MESSAGE_INIT;
        msgbus_header h = {"n", val, 0};
        snprintf(val, sizeof val, "tls message %d", i);
        snprintf(key, sizeof key, "k%d", i % 17);
        h.value_len = strlen(val);
        m.topic = topic;
        m.key = key;
        m.key_len = strlen(key);
        m.value = val;
        m.value_len = strlen(val);
        m.headers = &h;
        m.n_headers = 1;
        while (msgbus_producer_send(p, &m) == MSGBUS_ERR_QUEUE_FULL)
            msgbus_producer_poll(p, 5);
    }
    assert_int_equal(msgbus_producer_flush(p, 30000), 0);
    msgbus_producer_stats_get(p, &st);
    assert_int_equal(st.msgs_delivered, (uint64_t)n);
    assert_int_equal(st.msgs_failed, 0);
    assert_int_equal(msgbus_producer_close(p, 5000), 0);
}

/* Read every partition of @p topic from the beginning; count what matches. */
static int consume_all(const msgbus_security *sec, const char *topic, int expect)
{
    char boot[512];
    msgbus_consumer_config cc;
    msgbus_consumer *c = NULL;
    msgbus_record rec;
    int32_t n_parts = 0, i;
    int got = 0, tries = 0;
    static unsigned char seen[N_MSGS];
    memset(seen, 0, sizeof seen);
    msgbus_consumer_config_init(&cc);
    cc.bootstrap = state("bootstrap_tls", boot, sizeof boot);
    cc.security = *sec;
    cc.fetch_max_wait_ms = 10;
    assert_int_equal(msgbus_consumer_create(&c, &cc), 0);
    assert_int_equal(msgbus_consumer_partition_count(c, topic, &n_parts, 10000), 0);
    assert_true(n_parts > 0);
    for (i = 0; i < n_parts; i++)
        assert_int_equal(msgbus_consumer_assign(c, topic, i, MSGBUS_OFFSET_BEGINNING), 0);
    while (got < expect && tries < 400) {
        int rc = msgbus_consumer_poll(c, &rec, 50);
        if (rc == MSGBUS_ERR_NO_MESSAGE || rc == MSGBUS_ERR_TIMEOUT) {
            tries++;
            continue;
        }
        assert_int_equal(rc, 0);
        {
            int k;
            msgbus_record_header h;
            assert_true(rec.value_len > 12 && rec.value_len < 40);
            assert_memory_equal(rec.value, "tls message ", 12);
            k = atoi((const char *)rec.value + 12);
            assert_true(k >= 0 && k < expect);
            assert_int_equal(seen[k], 0);
            seen[k] = 1;
            assert_int_equal(rec.n_headers, 1);
            assert_int_equal(msgbus_record_header_get(&rec, 0, &h), 0);
            assert_int_equal(h.value_len, rec.value_len);
            assert_memory_equal(h.value, rec.value, rec.value_len);
        }
        got++;
    }
    msgbus_consumer_close(c);
    return got;
}

static void test_produce_consume_tls(void **st)
{
    msgbus_security sec;
    char topic[64];
    (void)st;
    snprintf(topic, sizeof topic, "tls-roundtrip-%ld", (long)getpid());
    tls_sec(&sec, "ca.pem");
    produce_n(&sec, topic, N_MSGS);
    assert_int_equal(consume_all(&sec, topic, N_MSGS), N_MSGS);
    printf("produced and consumed %d messages over TLS\n", N_MSGS);
}

/* The CA from memory instead of a file, and the bus API (Go shape). */
static void test_bus_tls_ca_in_memory(void **st)
{
    char boot[512], buf[64], topic[64];
    unsigned char *ca;
    size_t ca_len, len = 0;
    msgbus_config cfg;
    msgbus *w = NULL, *r = NULL;
    int i, seen = 0;
    (void)st;
    ca = slurp(file(1, "ca.pem"), &ca_len);
    snprintf(topic, sizeof topic, "tls-bus-%ld", (long)getpid());
    msgbus_config_init(&cfg);
    cfg.bootstrap = state("bootstrap_tls", boot, sizeof boot);
    cfg.topic = topic;
    cfg.security.protocol = MSGBUS_SECURITY_SSL;
    cfg.security.ca.data = ca;
    cfg.security.ca.len = ca_len;
    assert_int_equal(msgbus_connect(&w, &cfg), 0);
    for (i = 0; i < 5; i++) {
        snprintf(buf, sizeof buf, "bus over tls %d", i);
        assert_int_equal(msgbus_write_str(w, buf), 0);
    }
    msgbus_disconnect(w);
    msgbus_destroy(w);

    cfg.direction = MSGBUS_READER;
    cfg.start = MSGBUS_START_EARLIEST;
    cfg.read_timeout_ms = 10000;
    assert_int_equal(msgbus_connect(&r, &cfg), 0);
    free(ca);                 /* read at connect, not kept */
    for (i = 0; i < 5; i++) { /* partitions interleave: any order, each once */
        int k;
        assert_int_equal(msgbus_read(r, buf, sizeof buf - 1, &len), 0);
        buf[len] = '\0';
        assert_int_equal(strncmp(buf, "bus over tls ", 13), 0);
        k = atoi(buf + 13);
        assert_true(k >= 0 && k < 5);
        assert_int_equal(seen & (1 << k), 0);
        seen |= 1 << k;
    }
    assert_int_equal(seen, 0x1f);
    msgbus_disconnect(r);
    msgbus_destroy(r);
}

/* Send a command to the fixture's broker (its stdin is a fifo in the state directory). */
static void broker_command(const char *cmd)
{
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/fifo", g_dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", cmd);
    fclose(f);
}

static int g_reconnects;

static void count_reconnects(void *ud, int level, const char *msg)
{
    (void)ud;
    (void)level;
    if (strstr(msg, "while ready; reconnecting"))
        g_reconnects++;
}

/*
 * A message of 900 KB crosses TLS as many records (and many partial writes),
 * and the brokers drop every connection halfway: the producer reconnects
 * through stunnel with a new handshake each time, and nothing is lost.
 */
static void test_large_messages_and_reconnects(void **st)
{
    char boot[512], topic[64];
    msgbus_security sec;
    msgbus_producer_config pc;
    msgbus_producer *p = NULL;
    msgbus_producer_stats pst;
    msgbus_consumer_config cc;
    msgbus_consumer *c = NULL;
    msgbus_record rec;
    unsigned char *big;
    const size_t big_len = 900 * 1024;
    int i, got = 0, bigs = 0, tries = 0;
    size_t k;
    (void)st;
    snprintf(topic, sizeof topic, "tls-big-%ld", (long)getpid());
    big = malloc(big_len);
    assert_non_null(big);
    for (k = 0; k < big_len; k++)
        big[k] = (unsigned char)(k * 131u + 7u);
    tls_sec(&sec, "ca.pem");
    msgbus_producer_config_init(&pc);
    pc.bootstrap = state("bootstrap_tls", boot, sizeof boot);
    pc.security = sec;
    pc.max_message_size = 1024 * 1024;
    pc.batch_size = 1024 * 1024;
    pc.retry_backoff_ms = 50;
    pc.log = count_reconnects;
    pc.log_level = MSGBUS_LOG_WARN;
    g_reconnects = 0;
    assert_int_equal(msgbus_producer_create(&p, &pc), 0);
    for (i = 0; i < 400; i++) {
        msgbus_message m = MSGBUS_MESSAGE_INIT;
        char small[32];
        m.topic = topic;
        m.partition = i % 2;
        if (i % 100 == 0) {
            m.value = big;
            m.value_len = big_len;
        } else {
            snprintf(small, sizeof small, "small %d", i);
            m.value = small;
            m.value_len = strlen(small);
        }
        while (msgbus_producer_send(p, &m) == MSGBUS_ERR_QUEUE_FULL)
            msgbus_producer_poll(p, 5);
        if (i == 200) { /* every broker drops its connections, then comes back */
            assert_int_equal(msgbus_producer_flush(p, 30000), 0);
            broker_command("broker_down 1");
            broker_command("broker_down 2");
            broker_command("broker_down 3");
            msgbus_producer_poll(p, 300);
            broker_command("broker_up 1");
            broker_command("broker_up 2");
            broker_command("broker_up 3");
        }
    }
    assert_int_equal(msgbus_producer_flush(p, 60000), 0);
    msgbus_producer_stats_get(p, &pst);
    assert_int_equal(pst.msgs_delivered, 400);
    assert_int_equal(pst.msgs_failed, 0);
    assert_int_equal(msgbus_producer_close(p, 5000), 0);
    assert_true(g_reconnects >= 1); /* the drop was seen, and survived */

    msgbus_consumer_config_init(&cc);
    cc.bootstrap = boot;
    cc.security = sec;
    cc.fetch_max_wait_ms = 10;
    assert_int_equal(msgbus_consumer_create(&c, &cc), 0);
    assert_int_equal(msgbus_consumer_assign(c, topic, 0, MSGBUS_OFFSET_BEGINNING), 0);
    assert_int_equal(msgbus_consumer_assign(c, topic, 1, MSGBUS_OFFSET_BEGINNING), 0);
    while (got < 400 && tries < 400) {
        int rc = msgbus_consumer_poll(c, &rec, 50);
        if (rc == MSGBUS_ERR_NO_MESSAGE || rc == MSGBUS_ERR_TIMEOUT) {
            tries++;
            continue;
        }
        assert_int_equal(rc, 0);
        if (rec.value_len == big_len) {
            assert_memory_equal(rec.value, big, big_len);
            bigs++;
        }
        got++;
    }
    msgbus_consumer_close(c);
    free(big);
    assert_int_equal(got, 400);
    assert_int_equal(bigs, 4);
    printf("400 messages (4 of 900 KB) over TLS across a drop of every connection "
           "(%d reconnects)\n",
           g_reconnects);
}

/* ---- failures before any Kafka request ---- */

/*
 * Connect with @p sec to @p endpoint through the connection layer and
 * return the error; when TLS fails, the client's counters must show that
 * no request was sent.
 */
static int connect_err_x(const msgbus_security *sec, const char *endpoint, int silent)
{
    mb_client_config cfg;
    msgbus_transport tcp;
    mb_client *c = NULL;
    mb_client_stats stats;
    int rc;
    assert_int_equal(msgbus_port_tcp_transport_create(&tcp, NULL), 0);
    mb_client_config_init(&cfg);
    cfg.bootstrap = endpoint;
    cfg.transport = &tcp;
    cfg.security = sec;
    cfg.connect_retries = 2;
    cfg.reconnect_backoff_ms = 20;
    cfg.connect_timeout_ms = 5000;
    rc = mb_client_create(&c, &cfg);
    if (rc == 0) {
        mb_client_refresh_metadata(c, 1);
        rc = mb_client_wait_ready(c, 10000);
        mb_client_get_stats(c, &stats);
        if (rc != 0 && silent) { /* TLS failed: not even ApiVersions left */
            assert_int_equal(stats.requests_sent, 0);
            assert_true(stats.connect_failures >= 2);
        }
        mb_client_destroy(c);
    }
    msgbus_port_tcp_transport_destroy(&tcp);
    return rc;
}

static int connect_err(const msgbus_security *sec, const char *endpoint)
{
    return connect_err_x(sec, endpoint, sec != NULL);
}

static void test_wrong_ca(void **st)
{
    msgbus_security sec;
    char ep[256];
    msgbus_producer_config pc;
    msgbus_producer *p = (msgbus_producer *)&pc;
    (void)st;
    tls_sec(&sec, "other_ca.pem");
    assert_int_equal(connect_err(&sec, state("bootstrap_tls", ep, sizeof ep)),
                     MSGBUS_ERR_CERT_UNTRUSTED);
    /* The producer reports the same. */
    msgbus_producer_config_init(&pc);
    pc.bootstrap = ep;
    pc.security = sec;
    pc.connect_retries = 1;
    assert_int_equal(msgbus_producer_create(&p, &pc), MSGBUS_ERR_CERT_UNTRUSTED);
    assert_null(p);
    /* And a consumer whose configuration only names the protocol and the CA:
     * verification is on unless turned off. */
    {
        msgbus_consumer_config cc;
        msgbus_consumer *c = (msgbus_consumer *)&cc;
        msgbus_consumer_config_init(&cc);
        cc.bootstrap = ep;
        cc.security.protocol = MSGBUS_SECURITY_SSL;
        cc.security.ca.file = file(0, "other_ca.pem");
        cc.connect_retries = 1;
        assert_int_equal(msgbus_consumer_create(&c, &cc), MSGBUS_ERR_CERT_UNTRUSTED);
        assert_null(c);
    }
}

static void test_expired_certificate(void **st)
{
    msgbus_security sec;
    char ep[256];
    (void)st;
    tls_sec(&sec, "ca.pem");
    assert_int_equal(connect_err(&sec, state("endpoint_expired", ep, sizeof ep)),
                     MSGBUS_ERR_CERT_EXPIRED);
}

static void test_wrong_hostname(void **st)
{
    msgbus_security sec;
    char ep[256];
    (void)st;
    tls_sec(&sec, "ca.pem");
    state("endpoint_wronghost", ep, sizeof ep);
    assert_int_equal(connect_err(&sec, ep), MSGBUS_ERR_CERT_HOSTNAME);
    /* The same certificate is fine when the name it carries is the one expected. */
    sec.sni_hostname = "wrong.example";
    assert_int_equal(connect_err(&sec, ep), 0);
    /* ... or, for tests only, when host names are not checked (the chain still is). */
    sec.sni_hostname = NULL;
    sec.no_hostname_check = 1;
    assert_int_equal(connect_err(&sec, ep), 0);
    sec.ca.file = file(0, "other_ca.pem");
    assert_int_equal(connect_err(&sec, ep), MSGBUS_ERR_CERT_UNTRUSTED);
}

static void test_plaintext_client_to_tls_port(void **st)
{
    char ep[256];
    int rc;
    (void)st;
    rc = connect_err(NULL, state("endpoint_expired", ep, sizeof ep));
    assert_true(rc == MSGBUS_ERR_TRANSPORT || rc == MSGBUS_ERR_MALFORMED ||
                rc == MSGBUS_ERR_FRAME_TOO_LARGE || rc == MSGBUS_ERR_TIMEOUT);
}

static void test_mutual_tls(void **st)
{
    msgbus_security sec;
    char ep[256];
    int rc;
    (void)st;
    tls_sec(&sec, "ca.pem");
    state("endpoint_mtls", ep, sizeof ep);
    /* stunnel refuses a client without a certificate: during the handshake
     * with TLS 1.2, with an alert after the client's Finished with TLS 1.3
     * (so there ApiVersions may already have left) */
    rc = connect_err_x(&sec, ep, 0);
    assert_true(rc == MSGBUS_ERR_TLS || rc == MSGBUS_ERR_TRANSPORT);
    sec.cert.file = file(1, "client.pem");
    sec.key.file = file(2, "client.key");
    assert_int_equal(connect_err(&sec, ep), 0);
}

static void test_bad_settings(void **st)
{
    msgbus_security sec;
    char ep[256];
    (void)st;
    state("bootstrap_tls", ep, sizeof ep);
    tls_sec(&sec, "no-such-ca.pem");
    assert_int_equal(connect_err(&sec, ep), MSGBUS_ERR_CONFIG);
    tls_sec(&sec, "ca.pem");
    sec.cert.file = file(1, "client.pem"); /* a certificate without its key */
    assert_int_equal(connect_err(&sec, ep), MSGBUS_ERR_CONFIG);
    sec.key.file = file(2, "server.pem"); /* a "key" that is not one */
    assert_int_equal(connect_err(&sec, ep), MSGBUS_ERR_CONFIG);
    tls_sec(&sec, "ca.pem");
    sec.ca.file = NULL; /* verification on, nothing to verify against */
    assert_int_equal(connect_err(&sec, ep), MSGBUS_ERR_CONFIG);
    tls_sec(&sec, "ca.pem");
    sec.tls_min_version = 11;
    assert_int_equal(connect_err(&sec, ep), MSGBUS_ERR_CONFIG);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_produce_consume_tls),
        cmocka_unit_test(test_bus_tls_ca_in_memory),
        cmocka_unit_test(test_large_messages_and_reconnects),
        cmocka_unit_test(test_wrong_ca),
        cmocka_unit_test(test_expired_certificate),
        cmocka_unit_test(test_wrong_hostname),
        cmocka_unit_test(test_plaintext_client_to_tls_port),
        cmocka_unit_test(test_mutual_tls),
        cmocka_unit_test(test_bad_settings),
    };
    if (argc != 2) {
        fprintf(stderr, "usage: %s STATE_DIR\n", argv[0]);
        return 2;
    }
    g_dir = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
