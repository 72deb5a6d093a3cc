/*
 * bench_latency.c - latency and round-trip figures of msgbus beside
 * librdkafka's, same broker, same run.
 *
 * Starts mb_test_broker (librdkafka's mock cluster, one broker) as a child
 * process and prints four tables, each with the ratio msgbus / librdkafka:
 *
 *  1. First message, produce: from creating the client (connect, ApiVersions,
 *     Metadata) to the first message's acknowledgement (acks=1), a fresh
 *     client each run, clients alternating; median [min-max]. Each library's
 *     first client in the process (its one-time start-up) is a row of its own.
 *  2. First message, group: from creating a consumer (connect, find the
 *     coordinator, JoinGroup, SyncGroup, offsets) to the first record it is
 *     handed, a fresh group each run (session timeout 6 s, heartbeat 1 s,
 *     from the earliest offset, fetch wait 100 ms). The test broker holds the
 *     first JoinGroup of a group for ~3 s (as a real broker's
 *     group.initial.rebalance.delay.ms does); that wait is the same for both.
 *  3. Produce throughput with broker round trip: the broker delays every
 *     answer by 0, 1, 5 and 20 ms (broker_rtt); N messages (default 200,000)
 *     of 100 B to one partition, acks=1, linger 5 ms, 64 KiB batches (msgbus's
 *     default batch size; many requests, so the round trip decides), from
 *     the first send to the last acknowledgement. Each client keeps its own
 *     default window of requests in flight (msgbus 5 per broker, librdkafka
 *     max.in.flight 1000000): that window is what this table is about.
 *     Cross-check: rdk_min_produce, whole process, same settings and round
 *     trip.
 *  4. End to end at 10,000 msg/s for 2 s, each library's own producer to its
 *     own consumer (assigned at the end of a fresh partition, fetch wait 1 ms
 *     on both, polling on a thread of its own), linger 1 ms and 0; p50 and p99
 *     of receive - send (CLOCK_MONOTONIC carried in the value). At linger 0
 *     the test broker decides the figure (one batch per partition per Fetch,
 *     one message per batch): the table says so.
 *
 * librdkafka's settings and why (INTRODUCTION.md, CONFIGURATION.md):
 * linger.ms as msgbus's in each row; batch.size as msgbus's batch_size (the
 * same batches on the wire); queue.buffering.max.messages 1000000 (never
 * blocks the sender); acks=1 as msgbus; compression none; consumer
 * fetch.wait.max.ms as msgbus's fetch_max_wait_ms, fetch.min.bytes 1
 * (answer as soon as data is there, the low-latency advice), group.id with
 * assign() where msgbus assigns (librdkafka 2.0.2 needs one; no JoinGroup).
 *
 * Usage: bench_latency [-n COUNT] [-r RUNS] [BROKER_PATH]
 * Exit status: 0 when every run of both clients succeeded, 1 otherwise.
 * Ratios are informative only; no ratio makes the bench fail.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "msgbus/consumer.h"
#include "msgbus/error.h"
#include "msgbus/producer.h"

#define VALUE_SIZE 100
#define DEFAULT_TP_MSGS 200000
#define DEFAULT_RUNS 8
#define GROUP_RUNS 3
#define TP_RUNS 3
#define TP_BATCH 65536
#define LAT_RATE 10000
#define LAT_MSGS 20000
#define WAIT_MS 30000
#define MAX_RUNS 50

static const char *const names[2] = {"msgbus", "librdkafka"};

/* ---- clocks and statistics ---------------------------------------------- */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until_ns(int64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000000), (long)(t % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts @p v; its median (or 0 without samples). */
static double median(double *v, int n)
{
    if (n <= 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Run @p argv (stdout to /dev/null) and keep up to @p len - 1 bytes of its
 * stderr in @p out. Returns its exit status, or -1.
 */
static int run_capture(char *const argv[], char *out, size_t len)
{
    int fds[2], status;
    size_t used = 0;
    ssize_t n;
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL); /* nothing buffered may be written twice by the child */
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    while (pid > 0 && (n = read(fds[0], out + used, len - 1 - used)) > 0)
        used += (size_t)n;
    out[used] = '\0';
    close(fds[0]);
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* rdk_min_produce's "first_ack_us F [p50_us P p99_us Q]" line, in us; -1 if absent. */
static int parse_rdk_min(const char *text, double v[3])
{
    const char *line = strstr(text, "rdk_min_produce: first_ack_us");
    v[0] = v[1] = v[2] = -1;
    if (!line)
        return -1;
    int n = sscanf(line, "rdk_min_produce: first_ack_us %lf p50_us %lf p99_us %lf", &v[0], &v[1],
                   &v[2]);
    return n >= 1 ? 0 : -1;
}

/* ---- the broker child ------------------------------------------------ */

typedef struct broker {
    pid_t pid;
    FILE *in, *out;
    char bootstrap[512];
    int seq; /* for topic and group names */
} broker;

static int broker_start(broker *b, const char *path)
{
    int cmd[2], ans[2];
    if (pipe(cmd) || pipe(ans) || (b->pid = fork()) < 0)
        return -1;
    if (b->pid == 0) {
        dup2(cmd[0], STDIN_FILENO);
        dup2(ans[1], STDOUT_FILENO);
        close(cmd[1]);
        close(ans[0]);
        execl(path, path, "-n", "1", "-t", "900", (char *)NULL);
        fprintf(stderr, "bench_latency: cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(cmd[0]);
    close(ans[1]);
    b->in = fdopen(cmd[1], "w");
    b->out = fdopen(ans[0], "r");
    if (!b->in || !b->out || !fgets(b->bootstrap, sizeof b->bootstrap, b->out))
        return -1;
    b->bootstrap[strcspn(b->bootstrap, "\r\n")] = '\0';
    return b->bootstrap[0] ? 0 : -1;
}

/* One command; 0 when the broker answered "ok". */
static int broker_cmd(broker *b, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vfprintf(b->in, fmt, ap);
    va_end(ap);
    fputc('\n', b->in);
    fflush(b->in);
    if (!fgets(line, sizeof line, b->out))
        return -1;
    line[strcspn(line, "\r\n")] = '\0';
    if (strcmp(line, "ok") == 0)
        return 0;
    fprintf(stderr, "bench_latency: broker: %s\n", line);
    return -1;
}

/* A fresh topic of @p partitions; its name into @p name. */
static int new_topic(broker *b, char *name, size_t len, const char *tag, int partitions)
{
    snprintf(name, len, "lat-%ld-%d-%s", (long)getpid(), b->seq++, tag);
    return broker_cmd(b, "create_topic %s %d 1", name, partitions);
}

static void broker_stop(broker *b)
{
    if (b->in)
        fclose(b->in);
    if (b->out)
        fclose(b->out);
    if (b->pid > 0)
        waitpid(b->pid, NULL, 0);
}

/* ---- librdkafka configuration -------------------------------------------- */

static int rk_set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
    char err[256];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) == RD_KAFKA_CONF_OK)
        return 0;
    fprintf(stderr, "bench_latency: librdkafka %s=%s: %s\n", name, value, err);
    return -1;
}

static int rk_set_u(rd_kafka_conf_t *conf, const char *name, unsigned v)
{
    char s[24];
    snprintf(s, sizeof s, "%u", v);
    return rk_set(conf, name, s);
}

/* 0: librdkafka's default max.in.flight (1000000); else this window. */
static unsigned rk_max_in_flight;

/* Producer: the settings stated at the top of this file. */
static rd_kafka_t *rk_producer(const char *bootstrap, unsigned linger, unsigned batch, void *ud,
                               void (*dr)(rd_kafka_t *, const rd_kafka_message_t *, void *))
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rk_set(conf, "bootstrap.servers", bootstrap) || rk_set(conf, "acks", "1") ||
        rk_set_u(conf, "linger.ms", linger) || rk_set_u(conf, "batch.size", batch) ||
        rk_set(conf, "queue.buffering.max.messages", "1000000") ||
        rk_set(conf, "compression.codec", "none") ||
        (rk_max_in_flight && rk_set_u(conf, "max.in.flight", rk_max_in_flight))) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr);
    rd_kafka_conf_set_opaque(conf, ud);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        fprintf(stderr, "bench_latency: rd_kafka_new: %s\n", err);
    return rk;
}

/* Consumer; @p group NULL: a fixed group.id for assign() (no JoinGroup). */
static rd_kafka_t *rk_consumer(const char *bootstrap, const char *group, unsigned wait_ms)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int bad = rk_set(conf, "bootstrap.servers", bootstrap) ||
              rk_set(conf, "group.id", group ? group : "bench_latency") ||
              rk_set(conf, "enable.auto.commit", "false") ||
              rk_set(conf, "auto.offset.reset", "earliest") ||
              rk_set_u(conf, "fetch.wait.max.ms", wait_ms) || rk_set(conf, "fetch.min.bytes", "1");
    if (!bad && group)
        bad = rk_set(conf, "session.timeout.ms", "6000") ||
              rk_set(conf, "heartbeat.interval.ms", "1000");
    if (bad) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk)
        fprintf(stderr, "bench_latency: rd_kafka_new: %s\n", err);
    return rk;
}

static void rk_close_consumer(rd_kafka_t *rk)
{
    if (rk) {
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
}

/* ---- msgbus configuration ------------------------------------------------ */

typedef struct counter {
    atomic_long ok, failed;
} counter;

static void mb_count(void *ud, const msgbus_delivery *d)
{
    counter *c = ud;
    atomic_fetch_add(d->err ? &c->failed : &c->ok, 1);
}

static msgbus_producer *mb_producer(const char *bootstrap, unsigned linger, unsigned batch,
                                    counter *c)
{
    msgbus_producer_config cfg;
    msgbus_producer *p = NULL;
    msgbus_producer_config_init(&cfg);
    cfg.bootstrap = bootstrap;
    cfg.acks = 1;
    cfg.linger_ms = linger;
    cfg.batch_size = batch;
    cfg.queue_max_msgs = 1000000;
    cfg.queue_max_bytes = 256u << 20;
    cfg.on_delivery = mb_count;
    cfg.delivery_ud = c;
    int err = msgbus_producer_create(&p, &cfg);
    if (err)
        fprintf(stderr, "bench_latency: msgbus producer: %s\n", msgbus_strerror(err));
    return p;
}

static msgbus_consumer *mb_consumer(const char *bootstrap, const char *group, unsigned wait_ms)
{
    msgbus_consumer_config cfg;
    msgbus_consumer *c = NULL;
    msgbus_consumer_config_init(&cfg);
    cfg.bootstrap = bootstrap;
    cfg.fetch_max_wait_ms = wait_ms;
    cfg.group_id = group;
    if (group) {
        cfg.session_timeout_ms = 6000;
        cfg.heartbeat_interval_ms = 1000;
        cfg.auto_commit_interval_ms = 0;
        cfg.auto_offset_reset = MSGBUS_OFFSET_BEGINNING;
    }
    int err = msgbus_consumer_create(&c, &cfg);
    if (err)
        fprintf(stderr, "bench_latency: msgbus consumer: %s\n", msgbus_strerror(err));
    return c;
}

/* Send one value to @p topic, waiting while the queue is full. */
static int mb_send(msgbus_producer *p, const char *topic, const void *v, size_t len)
{
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    int rc;
    m.topic = topic;
    m.partition = 0;
    m.value = v;
    m.value_len = len;
    while ((rc = msgbus_producer_send(p, &m)) == MSGBUS_ERR_QUEUE_FULL)
        msgbus_producer_poll(p, 1);
    return rc;
}

static void rk_count(rd_kafka_t *rk, const rd_kafka_message_t *m, void *ud)
{
    counter *c = ud;
    (void)rk;
    atomic_fetch_add(m->err ? &c->failed : &c->ok, 1);
}

static int rk_send(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const void *v, size_t len)
{
    while (rd_kafka_produce(rkt, 0, RD_KAFKA_MSG_F_COPY, (void *)v, len, NULL, 0, NULL) != 0) {
        if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return -1;
        rd_kafka_poll(rk, 1);
    }
    return 0;
}

/* ---- 1. first message produced ------------------------------------------ */

static double first_produce_msgbus(const char *bootstrap, const char *topic)
{
    static const char value[VALUE_SIZE];
    counter c = {0, 0};
    int64_t t0 = mono_ns();
    msgbus_producer *p = mb_producer(bootstrap, 0, TP_BATCH, &c);
    int ok = p && mb_send(p, topic, value, sizeof value) == 0 &&
             msgbus_producer_flush(p, WAIT_MS) == 0 && atomic_load(&c.ok) == 1;
    double s = (double)(mono_ns() - t0) / 1e9;
    if (p)
        msgbus_producer_close(p, WAIT_MS);
    return ok ? s : -1;
}

static double first_produce_rdkafka(const char *bootstrap, const char *topic)
{
    static const char value[VALUE_SIZE];
    counter c = {0, 0};
    int64_t t0 = mono_ns();
    rd_kafka_t *rk = rk_producer(bootstrap, 0, TP_BATCH, &c, rk_count);
    rd_kafka_topic_t *rkt = rk ? rd_kafka_topic_new(rk, topic, NULL) : NULL;
    int ok = rkt && rk_send(rk, rkt, value, sizeof value) == 0 &&
             rd_kafka_flush(rk, WAIT_MS) == 0 && atomic_load(&c.ok) == 1;
    double s = (double)(mono_ns() - t0) / 1e9;
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    if (rk)
        rd_kafka_destroy(rk);
    return ok ? s : -1;
}

/* ---- 2. first record through a group ------------------------------------- */

static double first_group_msgbus(const char *bootstrap, const char *topic, const char *group)
{
    msgbus_record rec;
    int64_t t0 = mono_ns(), end = t0 + (int64_t)WAIT_MS * 1000000;
    msgbus_consumer *c = mb_consumer(bootstrap, group, 100);
    int rc = c ? msgbus_consumer_subscribe(c, &topic, 1) : -1;
    while (rc == 0 && mono_ns() < end) {
        rc = msgbus_consumer_poll(c, &rec, 100);
        if (rc == 0)
            break;
        rc = rc == MSGBUS_ERR_NO_MESSAGE ? 0 : rc;
    }
    double s = (double)(mono_ns() - t0) / 1e9;
    int ok = rc == 0 && mono_ns() < end;
    if (c)
        msgbus_consumer_close(c);
    return ok ? s : -1;
}

static double first_group_rdkafka(const char *bootstrap, const char *topic, const char *group)
{
    int64_t t0 = mono_ns(), end = t0 + (int64_t)WAIT_MS * 1000000;
    rd_kafka_t *rk = rk_consumer(bootstrap, group, 100);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
    int ok = rk && rd_kafka_subscribe(rk, l) == 0, got = 0;
    rd_kafka_topic_partition_list_destroy(l);
    while (ok && !got && mono_ns() < end) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m) {
            got = m->err == 0;
            ok = m->err == 0 || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            rd_kafka_message_destroy(m);
        }
    }
    double s = (double)(mono_ns() - t0) / 1e9;
    rk_close_consumer(rk);
    return ok && got ? s : -1;
}

/* ---- 3. throughput with broker round trip --------------------------------- */

static double tp_msgbus(const char *bootstrap, const char *topic, long n)
{
    static const char value[VALUE_SIZE];
    counter c = {0, 0};
    msgbus_producer *p = mb_producer(bootstrap, 5, TP_BATCH, &c);
    /* The first message (connect, metadata) stays outside the clock. */
    int ok =
        p && mb_send(p, topic, value, sizeof value) == 0 && msgbus_producer_flush(p, WAIT_MS) == 0;
    int64_t t0 = mono_ns();
    for (long i = 0; ok && i < n; i++)
        ok = mb_send(p, topic, value, sizeof value) == 0;
    ok = ok && msgbus_producer_flush(p, 120000) == 0 && atomic_load(&c.ok) == n + 1;
    double s = (double)(mono_ns() - t0) / 1e9;
    if (p)
        msgbus_producer_close(p, WAIT_MS);
    return ok ? s : -1;
}

static double tp_rdkafka(const char *bootstrap, const char *topic, long n)
{
    static const char value[VALUE_SIZE];
    counter c = {0, 0};
    rd_kafka_t *rk = rk_producer(bootstrap, 5, TP_BATCH, &c, rk_count);
    rd_kafka_topic_t *rkt = rk ? rd_kafka_topic_new(rk, topic, NULL) : NULL;
    int ok = rkt && rk_send(rk, rkt, value, sizeof value) == 0 && rd_kafka_flush(rk, WAIT_MS) == 0;
    int64_t t0 = mono_ns();
    for (long i = 0; ok && i < n; i++) {
        ok = rk_send(rk, rkt, value, sizeof value) == 0;
        if (i % 1000 == 999) /* serve delivery reports now and then */
            rd_kafka_poll(rk, 0);
    }
    ok = ok && rd_kafka_flush(rk, 120000) == 0 && atomic_load(&c.ok) == n + 1;
    double s = (double)(mono_ns() - t0) / 1e9;
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    if (rk)
        rd_kafka_destroy(rk);
    return ok ? s : -1;
}

/* rdk_min_produce (next to this program) as a whole process: wall seconds or -1. */
static double tp_rdk_min(const char *self_dir, const char *bootstrap, const char *topic, long n)
{
    char exe[PATH_MAX + 32], count[24];
    int status;
    snprintf(exe, sizeof exe, "%s/rdk_min_produce", self_dir);
    snprintf(count, sizeof count, "%ld", n);
    int64_t t0 = mono_ns();
    fflush(NULL); /* nothing buffered may be written twice by the child */
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        execl(exe, exe, "-b", bootstrap, "-t", topic, "-n", count, "-s", "100", "-a", "1", "-L",
              "5", "-p", "0", "-X", "batch.size=65536", (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    double s = (double)(mono_ns() - t0) / 1e9;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? s : -1;
}

/* ---- 4. end to end, each library's producer to its own consumer ----------- */

typedef struct stamp {
    int64_t sent_ns;
    int64_t seq;
    char pad[VALUE_SIZE - 16];
} stamp;

typedef struct e2e {
    msgbus_consumer *mb;
    rd_kafka_t *rk;
    int64_t lat_ns[LAT_MSGS]; /* by sequence number; 0: not received */
    atomic_long got, bad;
    atomic_int warm, stop;
} e2e;

/* A value of another size is the warm-up message. */
static void e2e_record(e2e *e, const void *value, size_t len)
{
    int64_t now = mono_ns();
    stamp v;
    if (len != sizeof v) {
        atomic_store(&e->warm, 1);
        return;
    }
    memcpy(&v, value, sizeof v);
    if (v.seq < 0 || v.seq >= LAT_MSGS || e->lat_ns[v.seq] != 0) {
        atomic_fetch_add(&e->bad, 1);
        return;
    }
    e->lat_ns[v.seq] = now - v.sent_ns > 0 ? now - v.sent_ns : 1;
    atomic_fetch_add(&e->got, 1);
}

static void *e2e_thread_msgbus(void *arg)
{
    e2e *e = arg;
    msgbus_record rec;
    while (!atomic_load(&e->stop)) {
        int rc = msgbus_consumer_poll(e->mb, &rec, 100);
        if (rc == 0)
            e2e_record(e, rec.value, rec.value_len);
        else if (rc != MSGBUS_ERR_NO_MESSAGE)
            atomic_fetch_add(&e->bad, 1);
    }
    return NULL;
}

static void *e2e_thread_rdkafka(void *arg)
{
    e2e *e = arg;
    while (!atomic_load(&e->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(e->rk, 100);
        if (!m)
            continue;
        if (m->err)
            atomic_fetch_add(&e->bad, 1);
        else
            e2e_record(e, m->payload, m->len);
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

/* Consumers start at the end of the (empty) partition, settled before sending. */
static int e2e_open(e2e *e, int client, const char *bootstrap, const char *topic)
{
    if (client == 0) {
        e->mb = mb_consumer(bootstrap, NULL, 1);
        return e->mb && msgbus_consumer_assign(e->mb, topic, 0, MSGBUS_OFFSET_END) == 0 &&
                       msgbus_consumer_wait_positions(e->mb, WAIT_MS) == 0
                   ? 0
                   : -1;
    }
    int64_t lo = -1, hi = -1;
    e->rk = rk_consumer(bootstrap, NULL, 1);
    if (!e->rk || rd_kafka_query_watermark_offsets(e->rk, topic, 0, &lo, &hi, WAIT_MS))
        return -1;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 0)->offset = hi;
    int rc = rd_kafka_assign(e->rk, l) ? -1 : 0;
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

/* Wait until @p flag is set, at most @p ms. */
static int wait_flag(atomic_int *flag, long ms)
{
    int64_t end = mono_ns() + ms * 1000000;
    while (!atomic_load(flag) && mono_ns() < end)
        sleep_until_ns(mono_ns() + 1000000);
    return atomic_load(flag) ? 0 : -1;
}

/* One producer of either library behind one send function. */
typedef struct e2e_producer {
    msgbus_producer *mb;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    const char *topic;
    counter c;
} e2e_producer;

static int ep_send(e2e_producer *p, const void *v, size_t len)
{
    if (p->mb)
        return mb_send(p->mb, p->topic, v, len);
    int rc = rk_send(p->rk, p->rkt, v, len);
    rd_kafka_poll(p->rk, 0);
    return rc;
}

static int ep_flush(e2e_producer *p)
{
    return p->mb ? msgbus_producer_flush(p->mb, WAIT_MS) : (int)rd_kafka_flush(p->rk, WAIT_MS);
}

static void ep_close(e2e_producer *p)
{
    if (p->mb)
        msgbus_producer_close(p->mb, WAIT_MS);
    if (p->rkt)
        rd_kafka_topic_destroy(p->rkt);
    if (p->rk)
        rd_kafka_destroy(p->rk);
}

/* Warm-up until the consumer sees it, then LAT_MSGS stamped values at LAT_RATE. */
static int e2e_send(e2e *e, e2e_producer *p)
{
    stamp v;
    int rc = ep_send(p, "warm-up", 7) || ep_flush(p) || wait_flag(&e->warm, 10000);
    memset(&v, 0, sizeof v);
    int64_t start = mono_ns(), gap = 1000000000 / LAT_RATE;
    for (long i = 0; i < LAT_MSGS && rc == 0; i++) {
        sleep_until_ns(start + i * gap);
        v.seq = i;
        v.sent_ns = mono_ns();
        rc = ep_send(p, &v, sizeof v);
    }
    return rc || ep_flush(p) ? -1 : 0;
}

/* p50/p99 in microseconds into @p out[0..1]; 0 when the run was not clean. */
static int e2e_run(broker *b, int client, unsigned linger, double out[2])
{
    char topic[128];
    static e2e e; /* large: not on the stack */
    e2e_producer p = {0};
    pthread_t th;
    memset(&e, 0, sizeof e);
    out[0] = out[1] = 0;
    if (new_topic(b, topic, sizeof topic, client ? "e2e-rk" : "e2e-mb", 1) ||
        e2e_open(&e, client, b->bootstrap, topic))
        goto done;
    p.topic = topic;
    if (client == 0)
        p.mb = mb_producer(b->bootstrap, linger, TP_BATCH, &p.c);
    else if ((p.rk = rk_producer(b->bootstrap, linger, TP_BATCH, &p.c, rk_count)) != NULL)
        p.rkt = rd_kafka_topic_new(p.rk, topic, NULL);
    if ((!p.mb && !p.rkt) ||
        pthread_create(&th, NULL, client ? e2e_thread_rdkafka : e2e_thread_msgbus, &e))
        goto done;
    int rc = e2e_send(&e, &p);
    for (int i = 0; i < 5000 && atomic_load(&e.got) < LAT_MSGS; i++)
        sleep_until_ns(mono_ns() + 1000000);
    atomic_store(&e.stop, 1);
    pthread_join(th, NULL);
    double v[LAT_MSGS];
    int n = 0;
    for (int i = 0; i < LAT_MSGS; i++)
        if (e.lat_ns[i] > 0)
            v[n++] = (double)e.lat_ns[i] / 1e3;
    median(v, n);
    if (rc == 0 && n == LAT_MSGS && atomic_load(&e.bad) == 0) {
        out[0] = v[(n - 1) * 50 / 100];
        out[1] = v[(n - 1) * 99 / 100];
    }
done:
    ep_close(&p);
    if (e.mb)
        msgbus_consumer_close(e.mb);
    rk_close_consumer(e.rk);
    return out[0] > 0 ? 0 : -1;
}

/* ---- the tables ------------------------------------------------------------ */

static void header(const char *title)
{
    printf("\n%s\n\n| %-40s | %22s | %22s | %6s |\n", title, "measurement", names[0], names[1],
           "ratio");
    printf("|------------------------------------------|-----------------------:|"
           "-----------------------:|-------:|\n");
}

/* Median [min-max] of the good samples of both clients, in milliseconds. */
static void row_runs(const char *name, double *v[2], int n)
{
    char cell[2][64];
    double med[2];
    for (int k = 0; k < 2; k++) {
        double good[MAX_RUNS];
        int g = 0;
        for (int i = 0; i < n; i++)
            if (v[k][i] >= 0)
                good[g++] = v[k][i] * 1e3;
        med[k] = median(good, g);
        if (g > 0)
            snprintf(cell[k], sizeof cell[k], "%.1f [%.1f-%.1f]", med[k], good[0], good[g - 1]);
        else
            snprintf(cell[k], sizeof cell[k], "failed");
    }
    printf("| %-40s | %22s | %22s | %6.2f |\n", name, cell[0], cell[1],
           med[1] > 0 ? med[0] / med[1] : 0);
}

static void row_values(const char *name, double a, double b, const char *fmt)
{
    char ca[32], cb[32];
    snprintf(ca, sizeof ca, fmt, a);
    snprintf(cb, sizeof cb, fmt, b);
    printf("| %-40s | %22s | %22s | %6.2f |\n", name, ca, cb, b > 0 ? a / b : 0);
}

/* The cross-check: rdk_min_produce -n 1, its own first_ack_us (cold), median of 3. */
static void first_rdk_min(const char *self_dir, const char *bootstrap, const char *topic)
{
    char exe[PATH_MAX + 32], text[4096];
    double v[3], ms[3];
    int n = 0;
    snprintf(exe, sizeof exe, "%s/rdk_min_produce", self_dir);
    char *argv[] = {exe, "-b", (char *)bootstrap, "-t", (char *)topic, "-n", "1", "-a", "1", NULL};
    for (int i = 0; i < 3; i++)
        if (run_capture(argv, text, sizeof text) == 0 && parse_rdk_min(text, v) == 0 && v[0] >= 0)
            ms[n++] = v[0] / 1e3;
    if (n > 0)
        printf("Cross-check: rdk_min_produce -n 1, create to first ack inside its own process "
               "(cold), median of %d: %.1f ms.\n",
               n, median(ms, n));
    else
        printf("Cross-check: rdk_min_produce did not run or failed.\n");
}

/* Table 1 and 2: fresh clients, alternating, @p runs each. */
static int first_message(broker *b, int runs, const char *self_dir)
{
    double prod[2][MAX_RUNS], grp[2][MAX_RUNS];
    char topic[128], group[160];
    int fail = new_topic(b, topic, sizeof topic, "first", 1);
    for (int i = 0; !fail && i < runs; i++) {
        prod[0][i] = first_produce_msgbus(b->bootstrap, topic);
        prod[1][i] = first_produce_rdkafka(b->bootstrap, topic);
        fail |= prod[0][i] < 0 || prod[1][i] < 0;
    }
    for (int i = 0; !fail && i < GROUP_RUNS; i++) {
        for (int k = 0; k < 2; k++) {
            snprintf(group, sizeof group, "%s-g%d-%s", topic, i, names[k]);
            grp[k][i] = (k ? first_group_rdkafka : first_group_msgbus)(b->bootstrap, topic, group);
            fail |= grp[k][i] < 0;
        }
    }
    if (fail)
        return -1;
    header("First message: time from creating the client, in ms, median [min-max]");
    row_runs("first produce acked, 1st client (cold)", (double *[2]){prod[0], prod[1]}, 1);
    row_runs("first produce acked, later clients", (double *[2]){prod[0] + 1, prod[1] + 1},
             runs - 1);
    row_runs("join group + first record, later", (double *[2]){grp[0], grp[1]}, GROUP_RUNS);
    printf("\nproduce: create, connect, metadata, one message acknowledged; %d fresh clients\n"
           "each, alternating. The first client of each library in this process is shown alone:\n"
           "it pays the library's one-time start-up (librdkafka: its global initialisation in the\n"
           "first rd_kafka_conf_new and rd_kafka_new); a program that sends once and exits\n"
           "pays it every time (whole_process.sh). group: %d fresh groups each (the test broker\n"
           "holds a new group's first JoinGroup ~3 s, the same for both).\n",
           runs, GROUP_RUNS);
    first_rdk_min(self_dir, b->bootstrap, topic);
    return 0;
}

/* One run of client @p k: 0 msgbus, 1 librdkafka, 2 rdk_min_produce,
 * 3 librdkafka with msgbus's window (max.in.flight 5). Seconds or -1. */
static double round_trip_run(int k, const char *bootstrap, const char *topic, long n,
                             const char *self_dir)
{
    double s;
    if (k == 0)
        return tp_msgbus(bootstrap, topic, n);
    if (k == 2)
        return tp_rdk_min(self_dir, bootstrap, topic, n);
    rk_max_in_flight = k == 3 ? 5 : 0;
    s = tp_rdkafka(bootstrap, topic, n);
    rk_max_in_flight = 0;
    return s;
}

/* One round trip: the median of TP_RUNS alternating runs per client into s[]. */
static int round_trip_one(broker *b, long n, const char *self_dir, double s[4])
{
    double v[4][TP_RUNS];
    char topic[128];
    for (int i = 0; i < TP_RUNS; i++) {
        for (int k = 0; k < 4; k++) {
            if (new_topic(b, topic, sizeof topic, "rtt", 1))
                return -1;
            v[k][i] = round_trip_run(k, b->bootstrap, topic, n, self_dir);
            if (v[k][i] < 0)
                return -1;
        }
    }
    for (int k = 0; k < 4; k++)
        s[k] = median(v[k], TP_RUNS);
    return 0;
}

/* Table 3, with the rdk_min_produce cross-check and librdkafka at msgbus's window. */
static int round_trip(broker *b, long n, const char *self_dir)
{
    static const int rtts[] = {0, 1, 5, 20};
    double s[4][4];
    int fail = 0;
    for (int r = 0; r < 4 && !fail; r++)
        fail |= broker_cmd(b, "broker_rtt 1 %d", rtts[r]) || round_trip_one(b, n, self_dir, s[r]);
    fail |= broker_cmd(b, "broker_rtt 1 0");
    if (fail)
        return -1;
    header("Produce throughput with broker round trip, msg/s");
    for (int r = 0; r < 4; r++) {
        char name[64];
        snprintf(name, sizeof name, "broker RTT %2d ms", rtts[r]);
        row_values(name, (double)n / s[r][0], (double)n / s[r][1], "%.0f");
    }
    printf("\n%ld x %d B to 1 partition, acks=1, linger 5 ms, batch 64 KiB; median of %d runs.\n"
           "Cross-check, rdk_min_produce (whole process, same settings) msg/s:",
           n, VALUE_SIZE, TP_RUNS);
    for (int r = 0; r < 4; r++)
        printf(" %d ms %.0f;", rtts[r], (double)n / s[r][2]);
    printf("\nlibrdkafka with msgbus's window (max.in.flight 5) msg/s:");
    for (int r = 0; r < 4; r++)
        printf(" %d ms %.0f;", rtts[r], (double)n / s[r][3]);
    printf("\n");
    return 0;
}

/* Read what the file @p fd holds (from its start) into @p out. */
static void read_all(int fd, char *out, size_t len)
{
    size_t used = 0;
    ssize_t n;
    lseek(fd, 0, SEEK_SET);
    while (used < len - 1 && (n = read(fd, out + used, len - 1 - used)) > 0)
        used += (size_t)n;
    out[used] = '\0';
}

/*
 * The end-to-end cross-check: rdk_min_consume -l (its stderr to a temporary
 * file) started 1.5 s before rdk_min_produce -r 10000 on a fresh topic; the
 * consumer's p50/p99 in us into @p v, -1 when a program failed.
 */
static void e2e_rdk_min(broker *b, const char *dir, const char *linger, double v[2])
{
    char cexe[PATH_MAX + 32], pexe[PATH_MAX + 32], topic[128], count[24], text[4096];
    char path[] = "/tmp/bench_latency_XXXXXX";
    int fd, status;
    v[0] = v[1] = -1;
    snprintf(cexe, sizeof cexe, "%s/rdk_min_consume", dir);
    snprintf(pexe, sizeof pexe, "%s/rdk_min_produce", dir);
    snprintf(count, sizeof count, "%d", LAT_MSGS);
    if (new_topic(b, topic, sizeof topic, "e2e-min", 1) || (fd = mkstemp(path)) < 0)
        return;
    unlink(path);
    fflush(NULL); /* nothing buffered may be written twice by the child */
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd, STDERR_FILENO);
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execl(cexe, cexe, "-b", b->bootstrap, "-t", topic, "-n", count, "-l", "-w", "1",
              (char *)NULL);
        _exit(127);
    }
    sleep_until_ns(mono_ns() + 1500000000LL);
    char *argv[] = {pexe, "-b", b->bootstrap, "-t",           topic, "-n",    count,
                    "-a", "1",  "-L",         (char *)linger, "-r",  "10000", NULL};
    int prc = pid > 0 ? run_capture(argv, text, sizeof text) : -1;
    if (pid > 0 && waitpid(pid, &status, 0) == pid && prc == 0 && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0) {
        read_all(fd, text, sizeof text);
        const char *line = strstr(text, "rdk_min_consume: p50_us");
        if (!line || sscanf(line, "rdk_min_consume: p50_us %lf p99_us %lf", &v[0], &v[1]) != 2)
            v[0] = v[1] = -1;
    }
    close(fd);
}

/* Table 4. */
static int end_to_end(broker *b, const char *dir)
{
    double lat[2][2][2]; /* [linger 1, 0][client][p50, p99] */
    int fail = 0;
    for (int l = 0; l < 2; l++)
        for (int k = 0; k < 2; k++)
            fail |= e2e_run(b, k, l == 0 ? 1 : 0, lat[l][k]);
    header("End to end at 10,000 msg/s, producer to consumer of the same library, us");
    row_values("linger 1 ms p50", lat[0][0][0], lat[0][1][0], "%.0f");
    row_values("linger 1 ms p99", lat[0][0][1], lat[0][1][1], "%.0f");
    row_values("linger 0 p50", lat[1][0][0], lat[1][1][0], "%.0f");
    row_values("linger 0 p99", lat[1][0][1], lat[1][1][1], "%.0f");
    printf("\n%d messages in 2 s each; acks=1, batch 64 KiB, consumer fetch wait 1 ms; "
           "0 = the run lost or duplicated messages.\n"
           "Linger 0 measures the test broker more than the clients: every message is a batch of\n"
           "its own and the broker answers a Fetch with one batch per partition, so a consumer\n"
           "gets one message per fetch round trip, falls behind 10,000 msg/s and the backlog\n"
           "(seconds) is the latency. bench_produce's linger-0 rows (send to acknowledgement)\n"
           "show the producers alone.\n",
           LAT_MSGS);
    double min[2][2];
    e2e_rdk_min(b, dir, "1", min[0]);
    e2e_rdk_min(b, dir, "0", min[1]);
    printf("Cross-check, rdk_min_produce -r 10000 to rdk_min_consume -l (two processes, same\n"
           "settings, librdkafka) p50/p99 us: linger 1 ms %.0f/%.0f, linger 0 %.0f/%.0f "
           "(-1: failed).\n",
           min[0][0], min[0][1], min[1][0], min[1][1]);
    return fail ? -1 : 0;
}

/* ---- arguments ------------------------------------------------------------- */

static void self_dir(char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(buf, len, ".");
        return;
    }
    exe[n] = '\0';
    snprintf(buf, len, "%s", dirname(exe));
}

static long parse_count(const char *s, long max)
{
    char *end;
    long n = strtol(s, &end, 10);
    return (*s && !*end && n > 0 && n <= max) ? n : -1;
}

int main(int argc, char **argv)
{
    char dir[PATH_MAX], broker_path[PATH_MAX + 64];
    long msgs = DEFAULT_TP_MSGS, runs = DEFAULT_RUNS;
    broker b = {0};
    int fail = 0;
    self_dir(dir, sizeof dir);
    snprintf(broker_path, sizeof broker_path, "%s/../tests/broker/mb_test_broker", dir);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            msgs = parse_count(argv[++i], 100000000);
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            runs = parse_count(argv[++i], MAX_RUNS) == 1 ? -1 : parse_count(argv[i], MAX_RUNS);
        else if (argv[i][0] != '-')
            snprintf(broker_path, sizeof broker_path, "%s", argv[i]);
        else
            msgs = -1;
        if (msgs < 0 || runs < 0) {
            fprintf(stderr, "usage: %s [-n COUNT] [-r RUNS] [BROKER_PATH]\n", argv[0]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    if (broker_start(&b, broker_path)) {
        fprintf(stderr, "bench_latency: cannot start broker %s\n", broker_path);
        broker_stop(&b);
        return 1;
    }
    printf("bench_latency: broker %s (librdkafka %s)\n", b.bootstrap, rd_kafka_version_str());
    fail |= first_message(&b, (int)runs, dir);
    fail |= round_trip(&b, msgs, dir);
    fail |= end_to_end(&b, dir);
    broker_stop(&b);
    if (fail)
        fprintf(stderr, "bench_latency: some runs failed (see above)\n");
    return fail ? 1 : 0;
}
