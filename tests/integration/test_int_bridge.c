/*
 * test_int_bridge.c - the bridge between the local bus and Kafka against
 * the test broker (librdkafka's mock cluster on 127.0.0.1):
 *  - 100,000 events emitted while every broker is down, then brought up:
 *    all reach Kafka, in order per partition, none twice (RAM outbox);
 *  - the emitting process (bridge_emitter, file outbox) killed with SIGKILL
 *    half way and started again: nothing lost, duplicates only within the
 *    in-flight window, and dropping duplicates by the mb-id header leaves
 *    exactly 100,000;
 *  - records written by kcat with mb-* headers reach a local handler with
 *    id, transaction id and occurred-at taken back from them.
 * Everything is read back with msgbus's consumer API.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker_proc.h"
#include "msgbus/bridge.h"

#define N_EVENTS 100000
#define N_PARTS 4

static broker_proc g_broker;

static int setup(void **state)
{
    (void)state;
    return broker_start(&g_broker, MB_TEST_BROKER, 3, 300);
}

static int teardown(void **state)
{
    (void)state;
    broker_stop(&g_broker);
    return 0;
}

/* What was read back from a topic. */
typedef struct readback {
    long count, dups, out_of_order, warm;
    unsigned char *seen_val; /* [N_EVENTS]: times each value was read (after dedup by id) */
    uint64_t *ids;           /* every distinct mb-id */
    long n_ids;
} readback;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t header_id(const msgbus_record *rec)
{
    size_t i;
    for (i = 0; i < rec->n_headers; i++) {
        msgbus_record_header h;
        char tmp[24];
        if (msgbus_record_header_get(rec, i, &h) == 0 && h.key_len == 5 &&
            memcmp(h.key, "mb-id", 5) == 0 && h.value_len < sizeof tmp) {
            memcpy(tmp, h.value, h.value_len);
            tmp[h.value_len] = '\0';
            return strtoull(tmp, NULL, 10);
        }
    }
    return 0;
}

/* Read every record of @p topic (N_PARTS partitions) until @p want arrived
   or nothing came for 5 s; count order breaks per partition. */
static void read_back(const char *topic, long want, readback *r)
{
    msgbus_consumer_config cc;
    msgbus_consumer *c;
    msgbus_record rec;
    long last[N_PARTS];
    uint32_t idle = 0;
    int p;
    memset(r, 0, sizeof *r);
    r->seen_val = calloc(N_EVENTS, 1);
    r->ids = malloc(sizeof(uint64_t) * (size_t)(want + 20000));
    assert_non_null(r->seen_val);
    assert_non_null(r->ids);
    msgbus_consumer_config_init(&cc);
    cc.bootstrap = g_broker.bootstrap;
    cc.fetch_max_wait_ms = 10;
    assert_int_equal(msgbus_consumer_create(&c, &cc), 0);
    for (p = 0; p < N_PARTS; p++) {
        assert_int_equal(msgbus_consumer_assign(c, topic, p, MSGBUS_OFFSET_BEGINNING), 0);
        last[p] = -1;
    }
    while (r->count < want + 20000 && idle < 5000) {
        char v[16];
        long n;
        if (msgbus_consumer_poll(c, &rec, 100) != 0) {
            idle += 100;
            continue;
        }
        idle = 0;
        r->count++;
        if (r->n_ids < want + 20000)
            r->ids[r->n_ids++] = header_id(&rec);
        if (rec.value_len == 4 && memcmp(rec.value, "warm", 4) == 0) {
            r->warm++;
            continue;
        }
        assert_true(rec.value_len < sizeof v && rec.partition >= 0 && rec.partition < N_PARTS);
        memcpy(v, rec.value, rec.value_len);
        v[rec.value_len] = '\0';
        n = strtol(v, NULL, 10);
        assert_true(n >= 0 && n < N_EVENTS);
        if (n <= last[rec.partition])
            r->out_of_order++;
        last[rec.partition] = n;
        if (r->seen_val[n] < 255)
            r->seen_val[n]++;
    }
    msgbus_consumer_close(c);
    /* duplicates: the same event id read more than once */
    qsort(r->ids, (size_t)r->n_ids, sizeof(uint64_t), cmp_u64);
    {
        long i, k = 0;
        for (i = 0; i < r->n_ids; i++) {
            if (k > 0 && r->ids[i] == r->ids[k - 1]) {
                r->dups++;
                continue;
            }
            r->ids[k++] = r->ids[i];
        }
        r->n_ids = k;
    }
}

static void readback_free(readback *r)
{
    free(r->seen_val);
    free(r->ids);
}

static void poll_until_empty(msgbus_bridge *b, int seconds)
{
    msgbus_bridge_stats st;
    int i;
    for (i = 0; i < seconds * 10; i++) {
        msgbus_bridge_poll(b, 100);
        msgbus_bridge_stats_get(b, &st);
        if (st.kept == 0)
            return;
    }
    fail_msg("the outbox still holds %llu events", (unsigned long long)st.kept);
}

/* 100,000 events while every broker is down; then up: all arrive once. */
static void test_brokers_down(void **state)
{
    static msgbus_local bus;
    static const msgbus_bridge_out out = {"ev.down", "br.down", MSGBUS_BRIDGE_KEY_ID};
    msgbus_bridge_config cfg;
    msgbus_bridge *b;
    msgbus_bridge_stats st;
    readback r;
    long i, missing = 0;
    (void)state;
    assert_int_equal(broker_cmd(&g_broker, "create_topic br.down 4 3"), 0);
    assert_int_equal(msgbus_local_init(&bus, NULL), 0);
    msgbus_bridge_config_init(&cfg);
    cfg.bus = &bus;
    cfg.out = &out;
    cfg.n_out = 1;
    cfg.outbox_bytes = 16u << 20;
    cfg.max_events = 200000;
    cfg.producer.bootstrap = g_broker.bootstrap;
    cfg.producer.linger_ms = 2;
    assert_int_equal(msgbus_bridge_create(&b, &cfg), 0);
    /* one event while the brokers are up: the producer learns the topic */
    assert_int_equal(msgbus_local_emit(&bus, "ev.down", "warm", 4, 0, NULL), 0);
    poll_until_empty(b, 20);
    assert_int_equal(broker_cmd(&g_broker, "broker_down 1"), 0);
    assert_int_equal(broker_cmd(&g_broker, "broker_down 2"), 0);
    assert_int_equal(broker_cmd(&g_broker, "broker_down 3"), 0);
    for (i = 0; i < N_EVENTS; i++) {
        char v[16];
        int n = snprintf(v, sizeof v, "%07ld", i);
        assert_int_equal(msgbus_local_emit(&bus, "ev.down", v, (size_t)n, 0, NULL), 0);
        if (i % 1000 == 999)
            msgbus_bridge_poll(b, 0);
    }
    msgbus_bridge_poll(b, 1000);
    msgbus_bridge_stats_get(b, &st);
    assert_true(st.acked == 1 && st.kept == N_EVENTS); /* nothing got through */
    assert_int_equal(broker_cmd(&g_broker, "broker_up 1"), 0);
    assert_int_equal(broker_cmd(&g_broker, "broker_up 2"), 0);
    assert_int_equal(broker_cmd(&g_broker, "broker_up 3"), 0);
    poll_until_empty(b, 50);
    msgbus_bridge_stats_get(b, &st);
    print_message("brokers down: accepted %llu, sent %llu, acked %llu, resends %llu\n",
                  (unsigned long long)st.accepted, (unsigned long long)st.sent,
                  (unsigned long long)st.acked, (unsigned long long)st.resends);
    msgbus_bridge_destroy(b, 1000);
    msgbus_local_destroy(&bus);
    read_back("br.down", N_EVENTS + 1, &r);
    for (i = 0; i < N_EVENTS; i++)
        missing += r.seen_val[i] == 0;
    print_message("brokers down: read %ld, missing %ld, duplicates %ld, out of order %ld\n",
                  r.count, missing, r.dups, r.out_of_order);
    assert_int_equal(r.warm, 1);
    assert_int_equal(missing, 0);
    assert_int_equal(r.dups, 0);         /* none twice */
    assert_int_equal(r.out_of_order, 0); /* in order per partition */
    assert_int_equal(r.count, N_EVENTS + 1);
    readback_free(&r);
}

/* Run bridge_emitter; with @p kill_at, SIGKILL it once it reported that many. */
static long run_emitter(const char *dir, long kill_at, const char *in_flight)
{
    int fds[2];
    pid_t pid;
    FILE *fp;
    char line[128];
    long emitted = 0;
    int status, done = 0;
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char total[16];
        snprintf(total, sizeof total, "%d", N_EVENTS);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        alarm(60);
        execl(MB_BRIDGE_EMITTER, "bridge_emitter", g_broker.bootstrap, dir, total, "br.kill",
              in_flight, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    fp = fdopen(fds[0], "r");
    while (fgets(line, sizeof line, fp)) {
        if (sscanf(line, "emitted %ld", &emitted) == 1 && kill_at && emitted >= kill_at) {
            kill(pid, SIGKILL);
            break;
        }
        if (strncmp(line, "done kept=0", 11) == 0)
            done = 1;
    }
    fclose(fp);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (kill_at) {
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    } else {
        assert_true(done && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    return emitted;
}

static void test_kill_and_restart(void **state)
{
    char dir[] = "/tmp/mb_bridge_XXXXXX", cmd[128];
    readback r;
    long i, missing = 0, extra = 0, at_kill;
    (void)state;
    assert_int_equal(broker_cmd(&g_broker, "create_topic br.kill 4 3"), 0);
    assert_non_null(mkdtemp(dir));
    at_kill = run_emitter(dir, N_EVENTS / 2, "2000");
    assert_true(at_kill >= N_EVENTS / 2);
    run_emitter(dir, 0, "2000");
    read_back("br.kill", N_EVENTS, &r);
    for (i = 0; i < N_EVENTS; i++) {
        missing += r.seen_val[i] == 0;
        extra += r.seen_val[i] > 1 ? r.seen_val[i] - 1 : 0;
    }
    print_message("kill -9 at %ld: read %ld, missing %ld, duplicates by id %ld, distinct ids "
                  "%ld\n",
                  at_kill, r.count, missing, r.dups, r.n_ids);
    assert_int_equal(missing, 0);        /* nothing lost */
    assert_true(r.dups <= 2000);         /* only the in-flight window, at most */
    assert_int_equal(extra, r.dups);     /* every duplicate carries its event's id */
    assert_int_equal(r.n_ids, N_EVENTS); /* dedup by mb-id leaves exactly 100,000 */
    readback_free(&r);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* kcat writes records with mb-* headers; a local handler sees them mapped back. */
static msgbus_local_event g_got[4];
static char g_data[4][32];
static int g_n;
static int on_in(void *ud, const msgbus_local_event *ev)
{
    (void)ud;
    if (g_n < 4) {
        g_got[g_n] = *ev;
        snprintf(g_data[g_n], sizeof g_data[g_n], "%.*s", (int)ev->len, (const char *)ev->data);
        g_got[g_n].data = g_data[g_n];
        g_n++;
    }
    return 0;
}

static void test_kafka_to_local(void **state)
{
    static msgbus_local bus;
    static const msgbus_bridge_in in = {"br.in", "from.kafka"};
    msgbus_bridge_config cfg;
    msgbus_bridge *b;
    msgbus_bridge_stats st;
    char cmd[1024];
    int i;
    (void)state;
    assert_int_equal(broker_cmd(&g_broker, "create_topic br.in 1 1"), 0);
    snprintf(cmd, sizeof cmd,
             "printf 'hello\\n' | kcat -P -b %s -t br.in -H mb-id=123456789 -H mb-tx=42 "
             "-H mb-at=1700000000123456789 && printf 'plain\\n' | kcat -P -b %s -t br.in",
             g_broker.bootstrap, g_broker.bootstrap);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(msgbus_local_init(&bus, NULL), 0);
    assert_int_equal(msgbus_local_register_handler(&bus, "in", "^from\\.kafka$", on_in, NULL), 0);
    msgbus_bridge_config_init(&cfg);
    cfg.bus = &bus;
    cfg.in = &in;
    cfg.n_in = 1;
    cfg.in_start = MSGBUS_OFFSET_BEGINNING;
    cfg.producer.bootstrap = g_broker.bootstrap;
    cfg.consumer.fetch_max_wait_ms = 10;
    assert_int_equal(msgbus_bridge_create(&b, &cfg), 0);
    for (i = 0; i < 100 && g_n < 2; i++)
        msgbus_bridge_poll(b, 100);
    msgbus_bridge_stats_get(b, &st);
    assert_int_equal(g_n, 2);
    assert_true(st.received == 2 && st.in_errors == 0);
    assert_string_equal(g_got[0].topic, "from.kafka");
    assert_string_equal(g_data[0], "hello");
    assert_true(g_got[0].id == 123456789u);
    assert_true(g_got[0].tx_id == 42u);
    assert_true(g_got[0].occurred_at_ns == 1700000000123456789LL);
    /* without headers: a new id and tx id, occurred-at from the record's timestamp */
    assert_string_equal(g_data[1], "plain");
    assert_true(g_got[1].id != 0 && g_got[1].id != 123456789u && g_got[1].tx_id != 0);
    assert_true(g_got[1].occurred_at_ns > 0);
    msgbus_bridge_destroy(b, 0);
    msgbus_local_destroy(&bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brokers_down),
        cmocka_unit_test(test_kill_and_restart),
        cmocka_unit_test(test_kafka_to_local),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
