/*
 * bench_produce.c - the msgbus producer against librdkafka's, same broker,
 * same run.
 *
 * Starts mb_test_broker (librdkafka's mock cluster, one broker) as a child
 * process and runs each measurement once per client, each against a fresh
 * topic:
 *
 *  - throughput: N messages (default 1,000,000) of 100 bytes without keys,
 *    acks=1, linger 5 ms, ~1 MB batches, to 1 and to 8 partitions. Wall time
 *    runs from the first send until every delivery report has arrived; CPU is
 *    getrusage(RUSAGE_SELF) user+sys over the same window, so it counts every
 *    thread of this process (both clients' I/O threads) but not the broker.
 *    MB/s counts value bytes only, 1 MB = 10^6 bytes.
 *  - latency: send-to-delivery-report time at a paced 10,000 msg/s for 2 s,
 *    with linger 0 and 1 ms; p50 and p99.
 *
 * Before each timed run one message is sent and flushed, so connecting and
 * learning the topic's metadata stay outside the measurement.
 *
 * Usage: bench_produce [-n COUNT] [BROKER_PATH]   (or BENCH_PRODUCE_MSGS=COUNT)
 * Exit status: 0 when both clients delivered everything, 1 otherwise.
 * Ratios are informative only; no ratio makes the bench fail.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "msgbus/error.h"
#include "msgbus/producer.h"

#define VALUE_SIZE 100
#define DEFAULT_MSGS 1000000
#define QUEUE_MAX_MSGS 1000000
#define QUEUE_MAX_BYTES (256u * 1024 * 1024)
#define BATCH_BYTES (1024u * 1024)
#define RK_BATCH_BYTES "1000000"
#define LAT_RATE 10000 /* messages per second */
#define LAT_MSGS 20000 /* two seconds at LAT_RATE */
#define FLUSH_MS 120000

/* ---- clocks ---------------------------------------------------------- */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static void sleep_until_ns(int64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000000), (long)(t % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/*
 * CPU seconds (user + sys) the broker process has used so far, from
 * /proc/PID/stat (fields 14 and 15, after the parenthesised name); -1 when
 * unknown. Beside a client's own CPU it shows which side a run waited for.
 */
static pid_t broker_pid;

static double broker_cpu_seconds(void)
{
    char path[64], buf[1024];
    unsigned long ut, st;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)broker_pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
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
    FILE *in;  /* its stdin: commands */
    FILE *out; /* its stdout: bootstrap line, then one answer per command */
    char bootstrap[512];
} broker;

static void chomp(char *s)
{
    s[strcspn(s, "\r\n")] = '\0';
}

static void broker_exec_child(const char *path, int cmd_fd, int ans_fd)
{
    dup2(cmd_fd, STDIN_FILENO);
    dup2(ans_fd, STDOUT_FILENO);
    execl(path, path, "-n", "1", "-t", "600", (char *)NULL);
    fprintf(stderr, "bench_produce: cannot run %s: %s\n", path, strerror(errno));
    _exit(127);
}

static int broker_start(broker *b, const char *path)
{
    int cmd[2], ans[2];
    if (pipe(cmd) || pipe(ans))
        return -1;
    b->pid = fork();
    if (b->pid < 0)
        return -1;
    if (b->pid == 0) {
        close(cmd[1]);
        close(ans[0]);
        broker_exec_child(path, cmd[0], ans[1]);
    }
    close(cmd[0]);
    close(ans[1]);
    broker_pid = b->pid;
    b->in = fdopen(cmd[1], "w");
    b->out = fdopen(ans[0], "r");
    if (!b->in || !b->out || !fgets(b->bootstrap, sizeof b->bootstrap, b->out))
        return -1;
    chomp(b->bootstrap);
    return b->bootstrap[0] ? 0 : -1;
}

static int broker_create_topic(broker *b, const char *topic, int partitions)
{
    char line[256];
    fprintf(b->in, "create_topic %s %d 1\n", topic, partitions);
    fflush(b->in);
    if (!fgets(line, sizeof line, b->out))
        return -1;
    chomp(line);
    if (strcmp(line, "ok") != 0) {
        fprintf(stderr, "bench_produce: create_topic %s: %s\n", topic, line);
        return -1;
    }
    return 0;
}

/* EOF on its stdin is the broker's signal to shut down. */
static void broker_stop(broker *b)
{
    if (b->in)
        fclose(b->in);
    if (b->out)
        fclose(b->out);
    if (b->pid > 0)
        waitpid(b->pid, NULL, 0);
}

/* ---- what one run reports -------------------------------------------- */

typedef struct run_cfg {
    const char *bootstrap;
    const char *topic;
    uint32_t linger_ms;
    long msgs;        /* messages in the timed part */
    int paced;        /* latency mode: LAT_RATE msg/s, per-message timestamps */
    int rk_lazy_poll; /* librdkafka: rd_kafka_poll only when its queue is full */
} run_cfg;

typedef struct run_result {
    int ok;
    double wall_s, cpu_s;
    double broker_cpu_s; /* the broker's CPU over the same window */
    double p50_us, p99_us;
} run_result;

/* Shared by both clients' delivery callbacks, which run on another thread. */
typedef struct tally {
    atomic_long delivered;
    atomic_long failed;
    atomic_int first_err;
} tally;

/* One latency sample; the message's opaque points at it. */
typedef struct lat_slot {
    int64_t sent_ns;
    int64_t lat_ns;
} lat_slot;

static void tally_reset(tally *t)
{
    atomic_store(&t->delivered, 0);
    atomic_store(&t->failed, 0);
    atomic_store(&t->first_err, 0);
}

static void tally_report(tally *t, int err, void *opaque)
{
    if (err) {
        int zero = 0;
        atomic_fetch_add(&t->failed, 1);
        atomic_compare_exchange_strong(&t->first_err, &zero, err);
        return;
    }
    if (opaque) {
        lat_slot *s = opaque;
        s->lat_ns = mono_ns() - s->sent_ns;
    }
    atomic_fetch_add(&t->delivered, 1);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* p50/p99 of the delivered samples, in microseconds. */
static void percentiles(const lat_slot *slots, long n, run_result *r)
{
    int64_t *v = malloc((size_t)n * sizeof *v);
    long k = 0;
    if (!v)
        return;
    for (long i = 0; i < n; i++)
        if (slots[i].lat_ns > 0)
            v[k++] = slots[i].lat_ns;
    if (k > 0) {
        qsort(v, (size_t)k, sizeof *v, cmp_i64);
        r->p50_us = (double)v[(k - 1) * 50 / 100] / 1e3;
        r->p99_us = (double)v[(k - 1) * 99 / 100] / 1e3;
    }
    free(v);
}

/*
 * The send loop both clients share: send() queues one message and returns 0,
 * or 1 when the client's queue is full (the caller has already polled).
 * Paced runs send message i at start + i / LAT_RATE seconds.
 */
typedef int (*send_fn)(void *client, const void *value, void *opaque);

static int send_all(const run_cfg *c, send_fn send, void *client, lat_slot *slots)
{
    static const char value[VALUE_SIZE];
    int64_t start = mono_ns(), gap = 1000000000 / LAT_RATE;
    for (long i = 0; i < c->msgs; i++) {
        void *opaque = NULL;
        if (c->paced) {
            sleep_until_ns(start + i * gap);
            slots[i].sent_ns = mono_ns();
            opaque = &slots[i];
        }
        int rc;
        while ((rc = send(client, value, opaque)) == 1)
            ;
        if (rc)
            return -1;
    }
    return 0;
}

/* ---- msgbus ---------------------------------------------------------- */

typedef struct mb_client {
    msgbus_producer *p;
    const char *topic;
    tally *t;
} mb_client;

static void mb_on_delivery(void *ud, const msgbus_delivery *d)
{
    tally_report(ud, d->err, d->opaque);
}

static int mb_send(void *client, const void *value, void *opaque)
{
    mb_client *c = client;
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    m.topic = c->topic;
    m.value = value;
    m.value_len = VALUE_SIZE;
    m.opaque = opaque;
    int rc = msgbus_producer_send(c->p, &m);
    if (rc == MSGBUS_ERR_QUEUE_FULL) {
        msgbus_producer_poll(c->p, 1);
        return 1;
    }
    if (rc)
        fprintf(stderr, "bench_produce: msgbus send: %s\n", msgbus_strerror(rc));
    return rc ? -1 : 0;
}

static int mb_create(mb_client *c, const run_cfg *rc)
{
    msgbus_producer_config cfg;
    msgbus_producer_config_init(&cfg);
    cfg.bootstrap = rc->bootstrap;
    cfg.acks = 1;
    cfg.linger_ms = rc->linger_ms;
    cfg.batch_size = BATCH_BYTES;
    cfg.queue_max_msgs = QUEUE_MAX_MSGS;
    cfg.queue_max_bytes = QUEUE_MAX_BYTES;
    cfg.on_delivery = mb_on_delivery;
    cfg.delivery_ud = c->t;
    int err = msgbus_producer_create(&c->p, &cfg);
    if (err)
        fprintf(stderr, "bench_produce: msgbus create: %s\n", msgbus_strerror(err));
    return err;
}

static void run_msgbus(const run_cfg *rc, tally *t, lat_slot *slots, run_result *r)
{
    static const char value[VALUE_SIZE];
    mb_client c = {NULL, rc->topic, t};
    if (mb_create(&c, rc))
        return;
    /* Warm-up: connect and learn the topic outside the timed window. */
    int ok = mb_send(&c, value, NULL) == 0 && msgbus_producer_flush(c.p, FLUSH_MS) == 0;
    tally_reset(t);
    double cpu0 = cpu_seconds(), bcpu0 = broker_cpu_seconds();
    int64_t t0 = mono_ns();
    ok = ok && send_all(rc, mb_send, &c, slots) == 0;
    ok = ok && msgbus_producer_flush(c.p, FLUSH_MS) == 0;
    r->wall_s = (double)(mono_ns() - t0) / 1e9;
    r->cpu_s = cpu_seconds() - cpu0;
    r->broker_cpu_s = broker_cpu_seconds() - bcpu0;
    ok = msgbus_producer_close(c.p, FLUSH_MS) == 0 && ok;
    r->ok = ok && atomic_load(&t->delivered) == rc->msgs;
}

/* ---- librdkafka ------------------------------------------------------ */

typedef struct rk_client {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    atomic_int stop;
    pthread_t poller;
    int poll_thread;      /* a thread of ours serves delivery reports */
    unsigned long queued; /* messages produced so far */
} rk_client;

static void rk_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *ud)
{
    (void)rk;
    tally_report(ud, m->err, m->_private);
}

static int rk_send(void *client, const void *value, void *opaque)
{
    rk_client *c = client;
    if (rd_kafka_produce(c->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)value,
                         VALUE_SIZE, NULL, 0, opaque) == 0) {
        /* Serve delivery reports every 1000 messages (latency runs have a
         * thread of their own for it). */
        if (!c->poll_thread && ++c->queued % 1000 == 0)
            rd_kafka_poll(c->rk, 0);
        return 0;
    }
    rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(c->rk, 1);
        return 1;
    }
    fprintf(stderr, "bench_produce: librdkafka produce: %s\n", rd_kafka_err2str(err));
    return -1;
}

static int rk_set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
    char err[256];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) == RD_KAFKA_CONF_OK)
        return 0;
    fprintf(stderr, "bench_produce: librdkafka %s=%s: %s\n", name, value, err);
    return -1;
}

/*
 * librdkafka as its documentation recommends for throughput (INTRODUCTION.md
 * "Performance", CONFIGURATION.md, examples/rdkafka_performance.c):
 *  - linger.ms as msgbus's in each row (5 ms for throughput: librdkafka's
 *    default too). INTRODUCTION.md advises a higher linger for high
 *    throughput, so the 1-partition run is repeated with 50 ms and printed
 *    below the table (flagged if it differs by more than 2x).
 *  - rd_kafka_poll(rk, 0) after every 1000th produce: serving delivery
 *    reports as they come costs librdkafka far less CPU than letting a
 *    million pile up until flush (measured: 0.65 vs 1.65 CPU s per million,
 *    2.5x the wall time; that variant is printed below the table), and
 *    polling every 1000th message less than after every one (0.65 vs 0.89).
 *  - batch.size 1000000 (the broker's default message.max.bytes, as msgbus's
 *    1 MiB batches) and batch.num.messages 10000 (its default; ~1 MB of
 *    100-byte records): the largest batches the broker takes.
 *  - queue.buffering.max.messages 1000000 and .kbytes 262144 (msgbus's queue
 *    limits): the sender never blocks on a full queue while batches fly.
 *  - acks=1 as msgbus, compression.codec none (msgbus does not compress),
 *    idempotence off (librdkafka's default).
 *  - max.in.flight stays at its default (1000000 per connection; msgbus: 5).
 *  - messages are copied (RD_KAFKA_MSG_F_COPY), as msgbus copies into its
 *    batch; rdk_min_produce, the cross-check, passes them without a copy.
 */
static int rk_create(rk_client *c, const run_cfg *rc, tally *t)
{
    char linger[16], err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    snprintf(linger, sizeof linger, "%u", (unsigned)rc->linger_ms);
    if (rk_set(conf, "bootstrap.servers", rc->bootstrap) || rk_set(conf, "acks", "1") ||
        rk_set(conf, "linger.ms", linger) || rk_set(conf, "batch.size", RK_BATCH_BYTES) ||
        rk_set(conf, "queue.buffering.max.messages", "1000000") ||
        rk_set(conf, "queue.buffering.max.kbytes", "262144") ||
        rk_set(conf, "batch.num.messages", "10000") || rk_set(conf, "compression.codec", "none")) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, rk_on_delivery);
    rd_kafka_conf_set_opaque(conf, t);
    c->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!c->rk) {
        fprintf(stderr, "bench_produce: rd_kafka_new: %s\n", err);
        return -1;
    }
    c->rkt = rd_kafka_topic_new(c->rk, rc->topic, NULL);
    return c->rkt ? 0 : -1;
}

/*
 * In latency runs a thread of our own serves librdkafka's delivery reports,
 * as msgbus's loop thread serves its own; otherwise a report would wait for
 * the pacing loop's next poll and the latency would measure our pacing.
 */
static void *rk_poll_thread(void *arg)
{
    rk_client *c = arg;
    while (!atomic_load(&c->stop))
        rd_kafka_poll(c->rk, 10);
    return NULL;
}

static void rk_destroy(rk_client *c)
{
    if (c->rkt)
        rd_kafka_topic_destroy(c->rkt);
    if (c->rk)
        rd_kafka_destroy(c->rk);
}

static void run_rdkafka(const run_cfg *rc, tally *t, lat_slot *slots, run_result *r)
{
    static const char value[VALUE_SIZE];
    rk_client c = {0};
    if (rk_create(&c, rc, t)) {
        rk_destroy(&c);
        return;
    }
    int ok = rk_send(&c, value, NULL) == 0 && rd_kafka_flush(c.rk, FLUSH_MS) == 0;
    tally_reset(t);
    int polling = rc->paced && pthread_create(&c.poller, NULL, rk_poll_thread, &c) == 0;
    c.poll_thread = polling || rc->rk_lazy_poll;
    double cpu0 = cpu_seconds(), bcpu0 = broker_cpu_seconds();
    int64_t t0 = mono_ns();
    ok = ok && send_all(rc, rk_send, &c, slots) == 0;
    ok = ok && rd_kafka_flush(c.rk, FLUSH_MS) == RD_KAFKA_RESP_ERR_NO_ERROR;
    r->wall_s = (double)(mono_ns() - t0) / 1e9;
    r->cpu_s = cpu_seconds() - cpu0;
    r->broker_cpu_s = broker_cpu_seconds() - bcpu0;
    if (polling) {
        atomic_store(&c.stop, 1);
        pthread_join(c.poller, NULL);
    }
    rk_destroy(&c);
    r->ok = ok && atomic_load(&t->delivered) == rc->msgs;
}

/* ---- measurements and the table -------------------------------------- */

typedef void (*run_fn)(const run_cfg *, tally *, lat_slot *, run_result *);

static const char *const client_names[2] = {"msgbus", "librdkafka"};
static const run_fn client_runs[2] = {run_msgbus, run_rdkafka};

/* Run one measurement for both clients, each on a fresh topic. */
static int run_pair(broker *b, run_cfg *c, int partitions, const char *tag, run_result r[2])
{
    static int seq;
    int ok = 1;
    lat_slot *slots = c->paced ? calloc((size_t)c->msgs, sizeof *slots) : NULL;
    if (c->paced && !slots)
        return -1;
    for (int k = 0; k < 2; k++) {
        char topic[128];
        tally t;
        tally_reset(&t);
        snprintf(topic, sizeof topic, "bench-%ld-%d-%s-%s", (long)getpid(), seq++, tag,
                 client_names[k]);
        memset(&r[k], 0, sizeof r[k]);
        if (broker_create_topic(b, topic, partitions)) {
            ok = 0;
            continue;
        }
        c->topic = topic;
        if (slots)
            memset(slots, 0, (size_t)c->msgs * sizeof *slots);
        client_runs[k](c, &t, slots, &r[k]);
        if (slots)
            percentiles(slots, c->msgs, &r[k]);
        if (!r[k].ok) {
            fprintf(stderr,
                    "bench_produce: %s %s: delivered %ld of %ld, failed %ld (first error %d)\n",
                    client_names[k], tag, atomic_load(&t.delivered), c->msgs,
                    atomic_load(&t.failed), atomic_load(&t.first_err));
            ok = 0;
        }
    }
    free(slots);
    return ok ? 0 : -1;
}

static void row(const char *name, double mb, double rk, const char *fmt)
{
    char a[32], b[32], ratio[32] = "n/a";
    snprintf(a, sizeof a, fmt, mb);
    snprintf(b, sizeof b, fmt, rk);
    if (rk > 0)
        snprintf(ratio, sizeof ratio, "%.2f", mb / rk);
    printf("| %-34s | %12s | %12s | %6s |\n", name, a, b, ratio);
}

static void print_throughput(const char *label, long n, const run_result r[2])
{
    char name[64];
    double mps[2], mbs[2], us[2];
    for (int k = 0; k < 2; k++) {
        mps[k] = r[k].wall_s > 0 ? (double)n / r[k].wall_s : 0;
        mbs[k] = mps[k] * VALUE_SIZE / 1e6;
        us[k] = (double)n > 0 ? r[k].cpu_s * 1e6 / (double)n : 0;
    }
    snprintf(name, sizeof name, "%s wall s", label);
    row(name, r[0].wall_s, r[1].wall_s, "%.3f");
    snprintf(name, sizeof name, "%s msg/s", label);
    row(name, mps[0], mps[1], "%.0f");
    snprintf(name, sizeof name, "%s MB/s", label);
    row(name, mbs[0], mbs[1], "%.1f");
    snprintf(name, sizeof name, "%s CPU s", label);
    row(name, r[0].cpu_s, r[1].cpu_s, "%.3f");
    snprintf(name, sizeof name, "%s broker CPU s", label);
    row(name, r[0].broker_cpu_s, r[1].broker_cpu_s, "%.3f");
    snprintf(name, sizeof name, "%s CPU us/msg", label);
    row(name, us[0], us[1], "%.3f");
}

static void print_latency(const char *label, const run_result r[2])
{
    char name[64];
    snprintf(name, sizeof name, "%s p50 us", label);
    row(name, r[0].p50_us, r[1].p50_us, "%.0f");
    snprintf(name, sizeof name, "%s p99 us", label);
    row(name, r[0].p99_us, r[1].p99_us, "%.0f");
}

/* librdkafka alone on a fresh 1-partition topic (another configuration). */
static int run_rdkafka_alone(broker *b, run_cfg *c, const char *tag, run_result *r)
{
    char topic[128];
    tally t;
    tally_reset(&t);
    snprintf(topic, sizeof topic, "bench-%ld-%s", (long)getpid(), tag);
    memset(r, 0, sizeof *r);
    if (broker_create_topic(b, topic, 1))
        return -1;
    c->topic = topic;
    run_rdkafka(c, &t, NULL, r);
    return r->ok ? 0 : -1;
}

/*
 * The cross-check: rdk_min_produce (next to this program), a whole process,
 * @p n messages to a fresh 1-partition topic, acks=1, linger 5 ms. Its wall
 * seconds (set-up included), or -1.
 */
static double run_rdk_min(broker *b, long n)
{
    char exe[PATH_MAX + 32], topic[128], count[24];
    int status;
    ssize_t len = readlink("/proc/self/exe", exe, PATH_MAX - 1);
    char *slash = len > 0 ? (exe[len] = '\0', strrchr(exe, '/')) : NULL;
    snprintf(topic, sizeof topic, "bench-%ld-rdk-min", (long)getpid());
    if (!slash || broker_create_topic(b, topic, 1))
        return -1;
    snprintf(slash + 1, sizeof exe - (size_t)(slash + 1 - exe), "rdk_min_produce");
    snprintf(count, sizeof count, "%ld", n);
    int64_t t0 = mono_ns();
    fflush(NULL); /* nothing buffered may be written twice by the child */
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(127);
        execl(exe, exe, "-b", b->bootstrap, "-t", topic, "-n", count, "-s", "100", "-a", "1", "-L",
              "5", (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    double s = (double)(mono_ns() - t0) / 1e9;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? s : -1;
}

/* One librdkafka configuration's line: msg/s, CPU, and whether it is > 2x away. */
static void print_variant(const char *what, long n, double base, const run_result *r)
{
    double v = r->wall_s > 0 ? (double)n / r->wall_s : 0;
    printf("  %-56s %9.0f msg/s, %.3f CPU s%s\n", what, v, r->cpu_s,
           (base > 2 * v || v > 2 * base) ? "  (more than 2x from the table's)" : "");
}

/* @p alt: [0] linger.ms 50, [1] rd_kafka_poll only when the queue is full. */
/*
 * The latency cross-check: rdk_min_produce -r 10000 (paced, send to
 * acknowledgement) at linger @p linger to a fresh 1-partition topic; p50 and
 * p99 in us into @p v[0..1], -1 when it failed.
 */
static void run_rdk_min_latency(broker *b, const char *linger, double v[2])
{
    char exe[PATH_MAX + 32], topic[128], count[24], text[4096];
    double r[3];
    ssize_t len = readlink("/proc/self/exe", exe, PATH_MAX - 1);
    char *slash = len > 0 ? (exe[len] = '\0', strrchr(exe, '/')) : NULL;
    v[0] = v[1] = -1;
    snprintf(topic, sizeof topic, "bench-%ld-rdk-min-lat%s", (long)getpid(), linger);
    if (!slash || broker_create_topic(b, topic, 1))
        return;
    snprintf(slash + 1, sizeof exe - (size_t)(slash + 1 - exe), "rdk_min_produce");
    snprintf(count, sizeof count, "%d", LAT_MSGS);
    char *argv[] = {exe,  "-b", b->bootstrap, "-t",           topic, "-n",    count,
                    "-a", "1",  "-L",         (char *)linger, "-r",  "10000", NULL};
    if (run_capture(argv, text, sizeof text) == 0 && parse_rdk_min(text, r) == 0) {
        v[0] = r[1];
        v[1] = r[2];
    }
}

static void print_variants(long n, const run_result tp1[2], const run_result alt[2],
                           double min_wall)
{
    double base = tp1[1].wall_s > 0 ? (double)n / tp1[1].wall_s : 0;
    printf("\nlibrdkafka, 1 partition, other configurations (the table: linger.ms 5, "
           "rd_kafka_poll(0) every 1000 produces):\n");
    print_variant("the table's", n, base, &tp1[1]);
    print_variant("linger.ms 50 (INTRODUCTION.md's high-throughput advice)", n, base, &alt[0]);
    print_variant("rd_kafka_poll only when the queue is full", n, base, &alt[1]);
    if (min_wall > 0)
        printf("Cross-check: rdk_min_produce (whole process, set-up included, linger 5 ms) "
               "%.0f msg/s.\n",
               (double)n / min_wall);
    else
        printf("Cross-check: rdk_min_produce did not run or failed.\n");
}

/* Default broker: ../tests/broker/mb_test_broker next to this binary's directory. */
static const char *default_broker(char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return "../tests/broker/mb_test_broker";
    exe[n] = '\0';
    snprintf(buf, len, "%s/../tests/broker/mb_test_broker", dirname(exe));
    return buf;
}

static long parse_count(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    return (*s && !*end && n > 0) ? n : -1;
}

static int parse_args(int argc, char **argv, long *msgs, const char **broker_path)
{
    const char *env = getenv("BENCH_PRODUCE_MSGS");
    if (env && (*msgs = parse_count(env)) < 0)
        return -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            if ((*msgs = parse_count(argv[++i])) < 0)
                return -1;
        } else if (argv[i][0] != '-') {
            *broker_path = argv[i];
        } else {
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    char path_buf[PATH_MAX + 64];
    const char *broker_path = default_broker(path_buf, sizeof path_buf);
    long msgs = DEFAULT_MSGS;
    broker b = {0};
    run_result tp1[2], tp8[2], lat0[2], lat1[2], alt[2] = {{0}, {0}};
    int fail = 0;

    if (parse_args(argc, argv, &msgs, &broker_path)) {
        fprintf(stderr, "usage: %s [-n COUNT] [BROKER_PATH]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a dead broker shows up as a failed command instead */
    if (broker_start(&b, broker_path)) {
        fprintf(stderr, "bench_produce: cannot start broker %s\n", broker_path);
        broker_stop(&b);
        return 1;
    }

    run_cfg tp = {b.bootstrap, NULL, 5, msgs, 0, 0};
    run_cfg lat = {b.bootstrap, NULL, 0, LAT_MSGS, 1, 0};
    fail |= run_pair(&b, &tp, 1, "tp1", tp1);
    fail |= run_pair(&b, &tp, 8, "tp8", tp8);
    fail |= run_pair(&b, &lat, 1, "lat0", lat0);
    lat.linger_ms = 1;
    fail |= run_pair(&b, &lat, 1, "lat1", lat1);
    tp.linger_ms = 50;
    fail |= run_rdkafka_alone(&b, &tp, "tp1-linger50", &alt[0]);
    tp.linger_ms = 5;
    tp.rk_lazy_poll = 1;
    fail |= run_rdkafka_alone(&b, &tp, "tp1-lazy-poll", &alt[1]);
    double min_wall = run_rdk_min(&b, msgs), min_lat[2][2];
    run_rdk_min_latency(&b, "0", min_lat[0]);
    run_rdk_min_latency(&b, "1", min_lat[1]);
    broker_stop(&b);

    printf("\nbench_produce: %ld x %d-byte messages, acks=1, broker %s (librdkafka %s)\n\n", msgs,
           VALUE_SIZE, b.bootstrap, rd_kafka_version_str());
    printf("| %-34s | %12s | %12s | %6s |\n", "measurement", client_names[0], client_names[1],
           "ratio");
    printf("|%s|%s|%s|%s|\n", "------------------------------------",
           "-------------:", "-------------:", "-------:");
    print_throughput("1 partition", msgs, tp1);
    print_throughput("8 partitions", msgs, tp8);
    print_latency("10k msg/s, linger 0", lat0);
    print_latency("10k msg/s, linger 1 ms", lat1);
    printf("\nratio = msgbus / librdkafka. MB/s counts value bytes, 1 MB = 10^6 B.\n");
    print_variants(msgs, tp1, alt, min_wall);
    printf("Cross-check: rdk_min_produce -r 10000 (paced, send to ack) p50/p99 us: linger 0 "
           "%.0f/%.0f, linger 1 ms %.0f/%.0f (-1: failed).\n",
           min_lat[0][0], min_lat[0][1], min_lat[1][0], min_lat[1][1]);
    return fail ? 1 : 0;
}
