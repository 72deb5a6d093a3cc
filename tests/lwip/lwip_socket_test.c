/*
 * lwip_socket_test.c - msgbus's lwIP socket-API transport (port/lwip/
 * tcp_socket.c) on Linux with lwIP's own TCP/IP stack (Debian's liblwip:
 * the tcpip thread and the unix port's tap netif) instead of the kernel's:
 * produce 1,000 messages with keys and headers, consume them back as a group
 * member, commit. Run inside a network namespace where tap0 exists
 * (scripts/lwip_socket_test.sh).
 * Usage: lwip_socket_test BROKER LWIP_IP GATEWAY [DEAD]   (exit 0: every check passed)
 * DEAD: a HOST:PORT where nothing listens; a producer towards it must fail
 * (its first send: create does not wait when application-driven) with
 * MSGBUS_ERR_TRANSPORT (the host's TCP reset) before the run.
 *
 * Test code: calls go main -> msgbus -> the transport -> lwip_* sockets ->
 * lwIP's tcpip thread -> tapif -> the namespace's tap0.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "netif/tapif.h"

#include "msgbus/consumer.h"
#include "msgbus/error.h"
#include "msgbus/producer.h"
#include "msgbus_lwip.h"

#define N_MSGS 1000u
#define TOPIC "lwipsock"

static struct netif nif;
static unsigned delivered, failed, dup_delivered;
static unsigned char dseen[N_MSGS], cseen[N_MSGS];

static uint32_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void on_delivery(void *ud, const msgbus_delivery *d)
{
    unsigned i = (unsigned)(uintptr_t)d->opaque;
    (void)ud;
    if (d->err != 0) {
        failed++;
        return;
    }
    if (i < N_MSGS && dseen[i]++)
        dup_delivered++;
    delivered++;
}

static void on_error(void *ud, int err, const char *reason)
{
    (void)ud;
    printf("error %s: %s\n", msgbus_err_name(err), reason ? reason : "");
}

static void make(unsigned i, char *key, char *val, char *seq)
{
    snprintf(key, 16, "key-%04u", i);
    snprintf(val, 64, "value-%04u-through-lwip-sockets", i);
    snprintf(seq, 12, "%u", i);
}

static int net_up(const char *ip, const char *gw)
{
    ip4_addr_t a, m, g;
    if (!ip4addr_aton(ip, &a) || !ip4addr_aton(gw, &g))
        return -1;
    IP4_ADDR(&m, 255, 255, 255, 0);
    tcpip_init(NULL, NULL);
    LOCK_TCPIP_CORE();
    if (netif_add(&nif, &a, &m, &g, NULL, tapif_init, tcpip_input) == NULL) {
        UNLOCK_TCPIP_CORE();
        return -1;
    }
    netif_set_default(&nif);
    netif_set_up(&nif);
    netif_set_link_up(&nif);
    UNLOCK_TCPIP_CORE();
    return 0;
}

static int produce(const char *broker, const msgbus_transport *t)
{
    msgbus_producer_config cfg;
    msgbus_producer *p = NULL;
    unsigned i;
    int rc;
    msgbus_producer_config_init(&cfg);
    cfg.bootstrap = broker;
    cfg.loop = MSGBUS_LOOP_APP;
    cfg.transport = t;
    cfg.idempotence = 1;
    cfg.on_delivery = on_delivery;
    cfg.on_error = on_error;
    rc = msgbus_producer_create(&p, &cfg);
    if (rc != 0) {
        printf("producer create: %s\n", msgbus_strerror(rc));
        return rc;
    }
    for (i = 0; i < N_MSGS && rc == 0; i++) {
        char key[16], val[64], seq[12];
        msgbus_header h[2] = {{"seq", seq, 0}, {"via", "lwip-sockets", 12}};
        msgbus_message m = MSGBUS_MESSAGE_INIT;
        make(i, key, val, seq);
        h[0].value_len = strlen(seq);
        m.topic = TOPIC;
        m.key = key;
        m.key_len = strlen(key);
        m.value = val;
        m.value_len = strlen(val);
        m.headers = h;
        m.n_headers = 2;
        m.opaque = (void *)(uintptr_t)i;
        while ((rc = msgbus_producer_send(p, &m)) == MSGBUS_ERR_QUEUE_FULL)
            msgbus_producer_poll(p, 10);
        msgbus_producer_poll(p, 0);
    }
    if (rc == 0)
        rc = msgbus_producer_flush(p, 30000);
    msgbus_producer_close(p, 5000);
    printf("produced %u delivered %u failed %u duplicates %u\n", N_MSGS, delivered, failed,
           dup_delivered);
    return rc == 0 && delivered == N_MSGS && failed == 0 && dup_delivered == 0 ? 0 : -1;
}

/* A producer towards @p dead (nothing listens) fails with a clear error. */
static int expect_refused(const char *dead, const msgbus_transport *t)
{
    msgbus_producer_config cfg;
    msgbus_producer *p = NULL;
    int rc;
    msgbus_producer_config_init(&cfg);
    cfg.bootstrap = dead;
    cfg.loop = MSGBUS_LOOP_APP;
    cfg.transport = t;
    cfg.connect_retries = 1;
    rc = msgbus_producer_create(&p, &cfg);
    if (rc == 0) {
        /* application-driven, create returns at once: the connect error comes
         * through the first send */
        msgbus_message m = MSGBUS_MESSAGE_INIT;
        m.topic = "lwip-refused";
        m.value = "x";
        m.value_len = 1;
        rc = msgbus_producer_send_sync(p, &m, NULL, NULL, 15000);
        msgbus_producer_close(p, 0);
        if (rc == 0)
            rc = MSGBUS_ERR_STATE; /* delivered to nobody: wrong */
    }
    printf("producer towards %s: %s\n", dead, msgbus_err_name(rc));
    return rc == MSGBUS_ERR_TRANSPORT ? 0 : -1;
}

static int hdr_is(const msgbus_record *r, size_t i, const char *k, const char *v)
{
    msgbus_record_header h;
    return msgbus_record_header_get(r, i, &h) == 0 && h.key_len == strlen(k) &&
           memcmp(h.key, k, h.key_len) == 0 && h.value != NULL && h.value_len == strlen(v) &&
           memcmp(h.value, v, h.value_len) == 0;
}

/* 1: a good record seen for the first time; 0: a duplicate; -1: damaged. */
static int check(const msgbus_record *r)
{
    char key[16], val[64], seq[12];
    unsigned i;
    if (r->key_len != 8 || memcmp(r->key, "key-", 4) != 0)
        return -1;
    i = (unsigned)strtoul((const char *)r->key + 4, NULL, 10);
    if (i >= N_MSGS)
        return -1;
    make(i, key, val, seq);
    if (memcmp(r->key, key, 8) != 0 || r->value_len != strlen(val) ||
        memcmp(r->value, val, r->value_len) != 0 || r->n_headers != 2 ||
        !hdr_is(r, 0, "seq", seq) || !hdr_is(r, 1, "via", "lwip-sockets"))
        return -1;
    return cseen[i]++ ? 0 : 1;
}

static int consume(const char *broker, const msgbus_transport *t)
{
    msgbus_consumer_config cfg;
    msgbus_consumer *c = NULL;
    const char *topics[1] = {TOPIC};
    unsigned got = 0, bad = 0, dup = 0;
    uint32_t t0 = now_ms();
    msgbus_record r;
    int rc;
    msgbus_consumer_config_init(&cfg);
    cfg.bootstrap = broker;
    cfg.transport = t;
    cfg.group_id = "lwip-sock-group";
    cfg.session_timeout_ms = 6000;
    cfg.heartbeat_interval_ms = 1000;
    cfg.auto_commit_interval_ms = 0;
    cfg.on_error = on_error;
    rc = msgbus_consumer_create(&c, &cfg);
    if (rc == 0)
        rc = msgbus_consumer_subscribe(c, topics, 1);
    if (rc != 0) {
        printf("consumer: %s\n", msgbus_strerror(rc));
        if (c)
            msgbus_consumer_close(c);
        return rc;
    }
    while (got < N_MSGS && now_ms() - t0 < 60000) {
        if (msgbus_consumer_poll(c, &r, 100) != 0)
            continue;
        switch (check(&r)) {
        case 1:
            got++;
            break;
        case 0:
            dup++;
            break;
        default:
            bad++;
        }
    }
    rc = msgbus_consumer_commit(c, 10000);
    printf("consumed %u bad %u duplicates %u, commit: %s\n", got, bad, dup,
           rc == 0 ? "ok" : msgbus_strerror(rc));
    msgbus_consumer_close(c);
    return rc == 0 && got == N_MSGS && bad == 0 && dup == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    msgbus_transport t;
    int rc;
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: lwip_socket_test BROKER LWIP_IP GATEWAY [DEAD]\n");
        return 2;
    }
    if (net_up(argv[2], argv[3]) != 0) {
        printf("lwIP: cannot bring up the tap interface\n");
        return 1;
    }
    msgbus_lwip_socket_transport(&t);
    rc = argc == 5 ? expect_refused(argv[4], &t) : 0;
    if (rc == 0)
        rc = produce(argv[1], &t);
    if (rc == 0)
        rc = consume(argv[1], &t);
    printf("RESULT %s\n", rc == 0 ? "PASS" : "FAIL");
    return rc == 0 ? 0 : 1;
}
