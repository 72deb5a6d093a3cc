/*
 * bench_consume.c - the msgbus consumer against librdkafka's, same broker,
 * same run.
 *
 * Starts mb_test_broker (librdkafka's mock cluster, one broker) as a child
 * process and measures:
 *
 *  - throughput: one topic of 32 partitions is loaded once with N messages
 *    (default 1,000,000) of 100 bytes by the msgbus producer, partitions
 *    round-robin; the mock keeps only ~5 MiB per partition, hence the spread.
 *    Then each client, in turn, reads the whole topic from the beginning.
 *    Wall time runs from the first poll to the last message, so both clients'
 *    offset lookups and first fetches are inside it; the connection and the
 *    topic's metadata are set up before it. CPU is getrusage(RUSAGE_SELF)
 *    user+sys over the same window: every thread of this process, not the
 *    broker. MB/s counts value bytes only, 1 MB = 10^6 bytes. librdkafka reads
 *    the topic three times, with rd_kafka_consumer_poll(),
 *    rd_kafka_consume_batch_queue() and rd_kafka_consume_callback_queue();
 *    the table shows the fastest and lines below it all three (its
 *    configuration and why: rk_consumer_new()). Cross-check: rdk_min_consume
 *    reads the same topic as a whole process.
 *  - latency: a msgbus producer (linger 1 ms, acks=1) sends 10,000 msg/s for
 *    2 s to a fresh 1-partition topic per client; each value carries its
 *    CLOCK_MONOTONIC send time. The consumer starts at the end of the
 *    partition (settled before anything is sent), polls on a thread of its
 *    own with a 1 ms fetch wait, and records receive - send; p50 and p99.
 *
 * Usage: bench_consume [-n COUNT] [BROKER_PATH]   (or BENCH_CONSUME_MSGS=COUNT)
 * Exit status: 0 when every run got every message exactly, 1 otherwise.
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

#include "msgbus/consumer.h"
#include "msgbus/error.h"
#include "msgbus/producer.h"

#define VALUE_SIZE 100
#define DEFAULT_MSGS 1000000
#define TP_PARTITIONS 32
#define TP_FETCH_WAIT_MS 10
#define LAT_FETCH_WAIT_MS 1
#define PART_MAX_BYTES (1u << 20)   /* one 1 MiB producer batch per partition */
#define FETCH_MAX_BYTES (64u << 20) /* room for a batch from every partition */
#define QUEUE_MAX_BYTES (64u << 20) /* fetched data held by either client */
#define LOAD_BATCH_BYTES (1u << 20)
#define LOAD_QUEUE_BYTES (256u << 20)
#define LAT_RATE 10000 /* messages per second */
#define LAT_MSGS 20000 /* two seconds at LAT_RATE */
#define FLUSH_MS 120000
#define IDLE_GIVE_UP_NS (15LL * 1000000000) /* no message this long: a run has failed */
#define WARMUP_MAGIC "warm-up"

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

static void sleep_ms(long ms)
{
    sleep_until_ns(mono_ns() + ms * 1000000);
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
    fprintf(stderr, "bench_consume: cannot run %s: %s\n", path, strerror(errno));
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
        fprintf(stderr, "bench_consume: create_topic %s: %s\n", topic, line);
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

static void topic_name(char *buf, size_t len, const char *tag)
{
    static int seq;
    snprintf(buf, len, "bench-%ld-%d-%s", (long)getpid(), seq++, tag);
}

/* ---- what one run reports -------------------------------------------- */

typedef struct run_result {
    int ok;
    long got;
    double wall_s, cpu_s;
    double broker_cpu_s; /* the broker's CPU over the same window */
    double p50_us, p99_us;
} run_result;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* p50/p99 of n samples in nanoseconds, reported in microseconds. */
static void percentiles(int64_t *v, long n, run_result *r)
{
    if (n <= 0)
        return;
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    r->p50_us = (double)v[(n - 1) * 50 / 100] / 1e3;
    r->p99_us = (double)v[(n - 1) * 99 / 100] / 1e3;
}

/* ---- the msgbus producer that fills topics ---------------------------- */

typedef struct loader {
    msgbus_producer *p;
    atomic_long delivered;
    atomic_long failed;
} loader;

static void load_on_delivery(void *ud, const msgbus_delivery *d)
{
    loader *l = ud;
    if (d->err)
        atomic_fetch_add(&l->failed, 1);
    else
        atomic_fetch_add(&l->delivered, 1);
}

static int loader_create(loader *l, const char *bootstrap, uint32_t linger_ms, uint32_t batch)
{
    msgbus_producer_config cfg;
    msgbus_producer_config_init(&cfg);
    cfg.bootstrap = bootstrap;
    cfg.acks = 1;
    cfg.linger_ms = linger_ms;
    cfg.batch_size = batch;
    cfg.queue_max_msgs = 1000000;
    cfg.queue_max_bytes = LOAD_QUEUE_BYTES;
    cfg.on_delivery = load_on_delivery;
    cfg.delivery_ud = l;
    atomic_store(&l->delivered, 0);
    atomic_store(&l->failed, 0);
    int err = msgbus_producer_create(&l->p, &cfg);
    if (err)
        fprintf(stderr, "bench_consume: producer create: %s\n", msgbus_strerror(err));
    return err;
}

/* Queue one message, waiting while the producer's queue is full. */
static int loader_send(loader *l, const char *topic, int32_t partition, const void *value,
                       size_t len)
{
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    m.topic = topic;
    m.partition = partition;
    m.value = value;
    m.value_len = len;
    int rc;
    while ((rc = msgbus_producer_send(l->p, &m)) == MSGBUS_ERR_QUEUE_FULL)
        msgbus_producer_poll(l->p, 1);
    if (rc)
        fprintf(stderr, "bench_consume: producer send: %s\n", msgbus_strerror(rc));
    return rc;
}

/* Fill @p topic with @p n values of VALUE_SIZE bytes, partitions round-robin. */
static int load_topic(const char *bootstrap, const char *topic, int partitions, long n)
{
    char value[VALUE_SIZE];
    loader l;
    int rc = loader_create(&l, bootstrap, 5, LOAD_BATCH_BYTES);
    if (rc)
        return -1;
    memset(value, 'x', sizeof value);
    for (long i = 0; i < n && rc == 0; i++)
        rc = loader_send(&l, topic, (int32_t)(i % partitions), value, sizeof value);
    rc = rc ? rc : msgbus_producer_flush(l.p, FLUSH_MS);
    rc = msgbus_producer_close(l.p, FLUSH_MS) || rc;
    if (rc || atomic_load(&l.delivered) != n) {
        fprintf(stderr, "bench_consume: load %s: delivered %ld of %ld, failed %ld\n", topic,
                atomic_load(&l.delivered), n, atomic_load(&l.failed));
        return -1;
    }
    return 0;
}

/* ---- msgbus consumer --------------------------------------------------- */

static int mb_consumer_new(msgbus_consumer **c, const char *bootstrap, uint32_t wait_ms)
{
    msgbus_consumer_config cfg;
    msgbus_consumer_config_init(&cfg);
    cfg.bootstrap = bootstrap;
    cfg.fetch_max_wait_ms = wait_ms;
    cfg.partition_max_bytes = PART_MAX_BYTES;
    cfg.fetch_max_bytes = FETCH_MAX_BYTES;
    cfg.queue_max_bytes = QUEUE_MAX_BYTES;
    int err = msgbus_consumer_create(c, &cfg);
    if (err)
        fprintf(stderr, "bench_consume: msgbus consumer create: %s\n", msgbus_strerror(err));
    return err;
}

static int mb_assign_all(msgbus_consumer *c, const char *topic, int partitions, int64_t offset)
{
    for (int32_t p = 0; p < partitions; p++) {
        int err = msgbus_consumer_assign(c, topic, p, offset);
        if (err) {
            fprintf(stderr, "bench_consume: msgbus assign: %s\n", msgbus_strerror(err));
            return err;
        }
    }
    return 0;
}

/*
 * Read until n records came or none came for IDLE_GIVE_UP_NS. A record of
 * the wrong size counts as a failure, not as a message.
 */
static long mb_drain(msgbus_consumer *c, long n, long *bad)
{
    msgbus_record rec;
    long got = 0;
    int64_t last = mono_ns();
    while (got < n && mono_ns() - last < IDLE_GIVE_UP_NS) {
        int rc = msgbus_consumer_poll(c, &rec, 100);
        if (rc == MSGBUS_ERR_NO_MESSAGE)
            continue;
        if (rc) {
            fprintf(stderr, "bench_consume: msgbus poll: %s\n", msgbus_strerror(rc));
            (*bad)++;
            continue;
        }
        last = mono_ns();
        if (rec.value_len == VALUE_SIZE)
            got++;
        else
            (*bad)++;
    }
    return got;
}

static void tp_msgbus(const char *bootstrap, const char *topic, long n, run_result *r)
{
    msgbus_consumer *c;
    int32_t parts = 0;
    long bad = 0;
    if (mb_consumer_new(&c, bootstrap, TP_FETCH_WAIT_MS))
        return;
    /* Metadata outside the clock, as librdkafka's warm-up does. */
    int ok = msgbus_consumer_partition_count(c, topic, &parts, 10000) == 0 &&
             parts == TP_PARTITIONS && mb_assign_all(c, topic, parts, MSGBUS_OFFSET_BEGINNING) == 0;
    double cpu0 = cpu_seconds(), bcpu0 = broker_cpu_seconds();
    int64_t t0 = mono_ns();
    r->got = ok ? mb_drain(c, n, &bad) : 0;
    r->wall_s = (double)(mono_ns() - t0) / 1e9;
    r->cpu_s = cpu_seconds() - cpu0;
    r->broker_cpu_s = broker_cpu_seconds() - bcpu0;
    msgbus_consumer_close(c);
    r->ok = ok && r->got == n && bad == 0;
}

/* ---- librdkafka consumer ------------------------------------------------ */

static int rk_set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
    char err[256];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) == RD_KAFKA_CONF_OK)
        return 0;
    fprintf(stderr, "bench_consume: librdkafka %s=%s: %s\n", name, value, err);
    return -1;
}

/* Sizes as msgbus's: PART_MAX_BYTES, FETCH_MAX_BYTES, QUEUE_MAX_BYTES. */
static int rk_conf_sizes(rd_kafka_conf_t *conf)
{
    char part[16], fetch[16], recv[16], queue_kb[16];
    snprintf(part, sizeof part, "%u", PART_MAX_BYTES);
    snprintf(fetch, sizeof fetch, "%u", FETCH_MAX_BYTES);
    /* librdkafka wants room for a response's framing beyond fetch.max.bytes. */
    snprintf(recv, sizeof recv, "%u", FETCH_MAX_BYTES + 512);
    snprintf(queue_kb, sizeof queue_kb, "%u", QUEUE_MAX_BYTES / 1024);
    return rk_set(conf, "max.partition.fetch.bytes", part) ||
           rk_set(conf, "fetch.max.bytes", fetch) ||
           rk_set(conf, "receive.message.max.bytes", recv) ||
           rk_set(conf, "queued.max.messages.kbytes", queue_kb);
}

/*
 * librdkafka's consumer as its documentation recommends for throughput
 * (CONFIGURATION.md, INTRODUCTION.md, examples/rdkafka_performance.c):
 *  - rd_kafka_assign() without subscribing, as msgbus assigns: no JoinGroup,
 *    no offset fetch. librdkafka 2.0.2's assign() fails without a group.id
 *    ("Local: Unknown group"), so one is set; auto commit and offset store
 *    are off (nothing is committed, as with msgbus without a group).
 *  - queued.min.messages 1000000 (rdkafka_performance's value, default
 *    100000): librdkafka keeps fetching ahead of the application.
 *  - fetch.wait.max.ms as msgbus's fetch_max_wait_ms; fetch.min.bytes 1 (the
 *    default) as msgbus's: a fetch answers as soon as data is there.
 *  - sizes as msgbus's (rk_conf_sizes()).
 * Records are taken one rd_kafka_consumer_poll() per message, with the batch
 * API rd_kafka_consume_batch_queue() (1000 per call; it waits until 1000 are
 * there or its timeout passed) or with rd_kafka_consume_callback_queue()
 * (waits for the first, then hands over all queued); the bench runs all
 * three and compares msgbus with the fastest.
 */
static rd_kafka_t *rk_consumer_new(const char *bootstrap, uint32_t wait_ms)
{
    char err[256], wait[16];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    snprintf(wait, sizeof wait, "%u", (unsigned)wait_ms);
    if (rk_set(conf, "bootstrap.servers", bootstrap) || rk_set(conf, "group.id", "bench_consume") ||
        rk_set(conf, "enable.auto.commit", "false") ||
        rk_set(conf, "enable.auto.offset.store", "false") ||
        rk_set(conf, "queued.min.messages", "1000000") || rk_set(conf, "fetch.wait.max.ms", wait) ||
        rk_set(conf, "fetch.min.bytes", "1") || rk_conf_sizes(conf)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk)
        fprintf(stderr, "bench_consume: rd_kafka_new: %s\n", err);
    return rk;
}

/* Assign partitions 0..partitions-1 of @p topic, all at @p offset. */
static int rk_assign_all(rd_kafka_t *rk, const char *topic, int partitions, int64_t offset)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(partitions);
    for (int32_t p = 0; p < partitions; p++)
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = offset;
    rd_kafka_resp_err_t err = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err)
        fprintf(stderr, "bench_consume: rd_kafka_assign: %s\n", rd_kafka_err2str(err));
    return err ? -1 : 0;
}

/* The partition's high watermark; it also connects and learns the leader. */
static int64_t rk_high_watermark(rd_kafka_t *rk, const char *topic, int32_t partition)
{
    int64_t lo = -1, hi = -1;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk, topic, partition, &lo, &hi, 10000);
    if (err)
        fprintf(stderr, "bench_consume: watermarks %s: %s\n", topic, rd_kafka_err2str(err));
    return err ? -1 : hi;
}

static void rk_close(rd_kafka_t *rk)
{
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

/* What a librdkafka drain has counted so far. */
typedef struct rk_tally {
    long got, bad;
    int64_t last; /* when the last message came */
} rk_tally;

/* One librdkafka message: count it, or count it as bad (not freed here). */
static void rk_count(rd_kafka_message_t *m, void *opaque)
{
    rk_tally *t = opaque;
    if (m->err) {
        fprintf(stderr, "bench_consume: librdkafka: %s\n", rd_kafka_message_errstr(m));
        t->bad++;
        return;
    }
    t->last = mono_ns();
    if (m->len == VALUE_SIZE)
        t->got++;
    else
        t->bad++;
}

/* librdkafka's three ways of taking records from the consumer queue. */
enum { RK_POLL, RK_BATCH, RK_CALLBACK, RK_MODES };
static const char *const rk_mode_names[RK_MODES] = {
    "rd_kafka_consumer_poll", "rd_kafka_consume_batch_queue", "rd_kafka_consume_callback_queue"};

/* One call of @p mode; the batch call waits until 1000 are there or 100 ms. */
static void rk_take_some(rd_kafka_t *rk, rd_kafka_queue_t *q, int mode, rk_tally *t)
{
    rd_kafka_message_t *ms[1000];
    if (mode == RK_CALLBACK) {
        rd_kafka_consume_callback_queue(q, 100, rk_count, t);
    } else if (mode == RK_BATCH) {
        ssize_t k = rd_kafka_consume_batch_queue(q, 100, ms, 1000);
        for (ssize_t i = 0; i < k; i++) {
            rk_count(ms[i], t);
            rd_kafka_message_destroy(ms[i]);
        }
    } else {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m) {
            rk_count(m, t);
            rd_kafka_message_destroy(m);
        }
    }
}

/* As mb_drain(), for librdkafka, taking records the @p mode way. */
static long rk_drain(rd_kafka_t *rk, long n, long *bad, int mode)
{
    rd_kafka_queue_t *q = mode != RK_POLL ? rd_kafka_queue_get_consumer(rk) : NULL;
    rk_tally t = {0, 0, mono_ns()};
    while (t.got < n && mono_ns() - t.last < IDLE_GIVE_UP_NS)
        rk_take_some(rk, q, mode, &t);
    if (q)
        rd_kafka_queue_destroy(q);
    *bad += t.bad;
    return t.got;
}

static void tp_rdkafka(const char *bootstrap, const char *topic, long n, int mode, run_result *r)
{
    long bad = 0;
    rd_kafka_t *rk = rk_consumer_new(bootstrap, TP_FETCH_WAIT_MS);
    if (!rk)
        return;
    /* Connect and learn the leader outside the clock, as msgbus's create does. */
    int ok = rk_high_watermark(rk, topic, 0) >= 0 &&
             rk_assign_all(rk, topic, TP_PARTITIONS, RD_KAFKA_OFFSET_BEGINNING) == 0;
    double cpu0 = cpu_seconds(), bcpu0 = broker_cpu_seconds();
    int64_t t0 = mono_ns();
    r->got = ok ? rk_drain(rk, n, &bad, mode) : 0;
    r->wall_s = (double)(mono_ns() - t0) / 1e9;
    r->cpu_s = cpu_seconds() - cpu0;
    r->broker_cpu_s = broker_cpu_seconds() - bcpu0;
    rk_close(rk);
    r->ok = ok && r->got == n && bad == 0;
}

/*
 * The cross-check: rdk_min_consume (next to this program) reading the same
 * topic as a whole process, set-up included; its wall seconds, or -1.
 */
static double tp_rdk_min(const char *bootstrap, const char *topic, long n)
{
    char exe[PATH_MAX + 32], count[24], wait[16];
    ssize_t len = readlink("/proc/self/exe", exe, PATH_MAX - 1);
    int status;
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    snprintf(slash + 1, sizeof exe - (size_t)(slash + 1 - exe), "rdk_min_consume");
    snprintf(count, sizeof count, "%ld", n);
    snprintf(wait, sizeof wait, "%d", TP_FETCH_WAIT_MS);
    int64_t t0 = mono_ns();
    fflush(NULL); /* nothing buffered may be written twice by the child */
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execl(exe, exe, "-b", bootstrap, "-t", topic, "-n", count, "-w", wait, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    double s = (double)(mono_ns() - t0) / 1e9;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? s : -1;
}

/* ---- latency ------------------------------------------------------------ */

/*
 * What the consumer thread shares with the sender. Values carry the send time
 * (ns) and a sequence number; a value of another size is the warm-up.
 */
typedef struct lat_run {
    msgbus_consumer *mb;
    rd_kafka_t *rk;
    int64_t *lat_ns; /* indexed by sequence number; 0: not received */
    atomic_long got;
    atomic_long bad;
    atomic_int warm;
    atomic_int stop;
} lat_run;

typedef struct lat_value {
    int64_t sent_ns;
    int64_t seq;
    char pad[VALUE_SIZE - 16];
} lat_value;

static void lat_record(lat_run *l, const void *value, size_t len)
{
    int64_t now = mono_ns();
    lat_value v;
    if (len != sizeof v) {
        atomic_store(&l->warm, 1);
        return;
    }
    memcpy(&v, value, sizeof v);
    if (v.seq < 0 || v.seq >= LAT_MSGS || l->lat_ns[v.seq] != 0) {
        atomic_fetch_add(&l->bad, 1); /* out of range or a duplicate */
        return;
    }
    l->lat_ns[v.seq] = now - v.sent_ns > 0 ? now - v.sent_ns : 1;
    atomic_fetch_add(&l->got, 1);
}

static void *lat_thread_msgbus(void *arg)
{
    lat_run *l = arg;
    msgbus_record rec;
    while (!atomic_load(&l->stop)) {
        int rc = msgbus_consumer_poll(l->mb, &rec, 100);
        if (rc == 0)
            lat_record(l, rec.value, rec.value_len);
        else if (rc != MSGBUS_ERR_NO_MESSAGE)
            atomic_fetch_add(&l->bad, 1);
    }
    return NULL;
}

static void *lat_thread_rdkafka(void *arg)
{
    lat_run *l = arg;
    while (!atomic_load(&l->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(l->rk, 100);
        if (!m)
            continue;
        if (m->err)
            atomic_fetch_add(&l->bad, 1);
        else
            lat_record(l, m->payload, m->len);
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

/* Wait until @p flag is set or @p ms passed. */
static int wait_flag(atomic_int *flag, long ms)
{
    int64_t end = mono_ns() + ms * 1000000;
    while (!atomic_load(flag) && mono_ns() < end)
        sleep_ms(1);
    return atomic_load(flag) ? 0 : -1;
}

static int wait_count(atomic_long *n, long want, long ms)
{
    int64_t end = mono_ns() + ms * 1000000;
    while (atomic_load(n) < want && mono_ns() < end)
        sleep_ms(1);
    return atomic_load(n) == want ? 0 : -1;
}

/*
 * The warm-up message proves the consumer is fetching before the clock
 * matters; then LAT_MSGS values paced at LAT_RATE, each stamped just before
 * its send.
 */
static int lat_send(lat_run *l, const char *bootstrap, const char *topic)
{
    loader p;
    lat_value v;
    int rc = loader_create(&p, bootstrap, 1, 65536);
    if (rc)
        return -1;
    rc = loader_send(&p, topic, 0, WARMUP_MAGIC, sizeof WARMUP_MAGIC);
    rc = rc ? rc : msgbus_producer_flush(p.p, FLUSH_MS);
    rc = rc ? rc : wait_flag(&l->warm, 10000);
    memset(&v, 0, sizeof v);
    int64_t start = mono_ns(), gap = 1000000000 / LAT_RATE;
    for (long i = 0; i < LAT_MSGS && rc == 0; i++) {
        sleep_until_ns(start + i * gap);
        v.seq = i;
        v.sent_ns = mono_ns();
        rc = loader_send(&p, topic, 0, &v, sizeof v);
    }
    rc = rc ? rc : msgbus_producer_flush(p.p, FLUSH_MS);
    rc = msgbus_producer_close(p.p, FLUSH_MS) || rc;
    return rc || atomic_load(&p.delivered) != LAT_MSGS + 1 ? -1 : 0;
}

/* Settle the start at the end of partition 0 (empty: offset 0) before anything is sent. */
static int lat_open_msgbus(lat_run *l, const char *bootstrap, const char *topic)
{
    if (mb_consumer_new(&l->mb, bootstrap, LAT_FETCH_WAIT_MS))
        return -1;
    return mb_assign_all(l->mb, topic, 1, MSGBUS_OFFSET_END) == 0 &&
                   msgbus_consumer_wait_positions(l->mb, 10000) == 0
               ? 0
               : -1;
}

/*
 * librdkafka resolves OFFSET_END lazily, while fetching; assigning the high
 * watermark looked up now is the same start, known before sending.
 */
static int lat_open_rdkafka(lat_run *l, const char *bootstrap, const char *topic)
{
    l->rk = rk_consumer_new(bootstrap, LAT_FETCH_WAIT_MS);
    if (!l->rk)
        return -1;
    int64_t end = rk_high_watermark(l->rk, topic, 0);
    return end >= 0 && rk_assign_all(l->rk, topic, 1, end) == 0 ? 0 : -1;
}

static void lat_close(lat_run *l)
{
    if (l->mb)
        msgbus_consumer_close(l->mb);
    if (l->rk)
        rk_close(l->rk);
}

/* Collect the received samples and their percentiles. */
static void lat_finish(lat_run *l, run_result *r)
{
    long k = 0;
    for (long i = 0; i < LAT_MSGS; i++)
        if (l->lat_ns[i] > 0)
            l->lat_ns[k++] = l->lat_ns[i];
    percentiles(l->lat_ns, k, r);
    r->got = atomic_load(&l->got);
    r->ok = r->ok && r->got == LAT_MSGS && atomic_load(&l->bad) == 0;
}

/* Start the consumer thread, send, and give stragglers a few seconds. */
static int lat_measure(lat_run *l, int client, const char *bootstrap, const char *topic)
{
    pthread_t th;
    if (pthread_create(&th, NULL, client ? lat_thread_rdkafka : lat_thread_msgbus, l))
        return -1;
    int rc = lat_send(l, bootstrap, topic);
    wait_count(&l->got, LAT_MSGS, 5000); /* a message still missing then fails the run */
    atomic_store(&l->stop, 1);
    pthread_join(th, NULL);
    return rc;
}

static void lat_pair_run(broker *b, int client, run_result *r)
{
    char topic[128];
    lat_run l = {0};
    topic_name(topic, sizeof topic, client ? "lat-librdkafka" : "lat-msgbus");
    l.lat_ns = calloc(LAT_MSGS, sizeof *l.lat_ns);
    if (!l.lat_ns || broker_create_topic(b, topic, 1)) {
        free(l.lat_ns);
        return;
    }
    r->ok = (client ? lat_open_rdkafka : lat_open_msgbus)(&l, b->bootstrap, topic) == 0 &&
            lat_measure(&l, client, b->bootstrap, topic) == 0;
    lat_finish(&l, r);
    lat_close(&l);
    free(l.lat_ns);
}

/* ---- the table ---------------------------------------------------------- */

static const char *const client_names[2] = {"msgbus", "librdkafka"};

static void row(const char *name, double mb, double rk, const char *fmt)
{
    char a[32], b[32], ratio[32] = "n/a";
    snprintf(a, sizeof a, fmt, mb);
    snprintf(b, sizeof b, fmt, rk);
    if (rk > 0)
        snprintf(ratio, sizeof ratio, "%.2f", mb / rk);
    printf("| %-36s | %12s | %12s | %6s |\n", name, a, b, ratio);
}

static void print_throughput(const char *label, long n, const run_result r[2])
{
    char name[64];
    double mps[2], mbs[2], us[2];
    for (int k = 0; k < 2; k++) {
        mps[k] = r[k].wall_s > 0 ? (double)n / r[k].wall_s : 0;
        mbs[k] = mps[k] * VALUE_SIZE / 1e6;
        us[k] = n > 0 ? r[k].cpu_s * 1e6 / (double)n : 0;
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

/* librdkafka's three ways of taking records, and the minimal program's figure. */
typedef struct rk_variants {
    run_result mode[RK_MODES];
    double min_wall_s; /* rdk_min_consume, whole process; -1 if it failed */
    int used;          /* the table's librdkafka column: the fastest mode */
} rk_variants;

static void print_variants(long msgs, const rk_variants *v)
{
    double best = v->mode[v->used].wall_s > 0 ? (double)msgs / v->mode[v->used].wall_s : 0;
    printf("\nlibrdkafka read from beginning, each way of taking records (the table: the "
           "fastest):\n");
    for (int k = 0; k < RK_MODES; k++) {
        double x = v->mode[k].wall_s > 0 ? (double)msgs / v->mode[k].wall_s : 0;
        printf("  %-32s %9.0f msg/s, %.3f CPU s%s%s\n", rk_mode_names[k], x, v->mode[k].cpu_s,
               k == v->used ? "  (the table's)" : "",
               x * 2 < best ? "  (less than half the table's)" : "");
    }
    if (v->min_wall_s > 0)
        printf("Cross-check: rdk_min_consume (whole process, set-up included, callback queue) "
               "%.0f msg/s.\n",
               (double)msgs / v->min_wall_s);
    else
        printf("Cross-check: rdk_min_consume did not run or failed.\n");
}

static void print_table(const broker *b, long msgs, const run_result tp[2], const rk_variants *v,
                        const run_result lat[2])
{
    printf("\nbench_consume: %ld x %d-byte messages in %d partitions, broker %s "
           "(librdkafka %s)\n\n",
           msgs, VALUE_SIZE, TP_PARTITIONS, b->bootstrap, rd_kafka_version_str());
    printf("| %-36s | %12s | %12s | %6s |\n", "measurement", client_names[0], client_names[1],
           "ratio");
    printf("|%s|%s|%s|%s|\n", "--------------------------------------",
           "-------------:", "-------------:", "-------:");
    print_throughput("read from beginning", msgs, tp);
    print_latency("e2e 10k msg/s, fetch wait 1ms", lat);
    printf("\nratio = msgbus / librdkafka. MB/s counts value bytes, 1 MB = 10^6 B.\n"
           "Latency: msgbus producer, linger 1 ms, acks=1, to each consumer.\n");
    print_variants(msgs, v);
}

/* ---- the runs ------------------------------------------------------------ */

static int report(const char *what, int client, const run_result *r, long want)
{
    if (r->ok)
        return 0;
    fprintf(stderr, "bench_consume: %s %s: got %ld of %ld messages\n", what, client_names[client],
            r->got, want);
    return -1;
}

static int run_throughput(broker *b, long msgs, run_result r[2], rk_variants *v)
{
    char topic[128];
    memset(r, 0, 2 * sizeof *r);
    memset(v, 0, sizeof *v);
    topic_name(topic, sizeof topic, "tp");
    if (broker_create_topic(b, topic, TP_PARTITIONS) ||
        load_topic(b->bootstrap, topic, TP_PARTITIONS, msgs))
        return -1;
    tp_msgbus(b->bootstrap, topic, msgs, &r[0]);
    int fail = 0;
    for (int k = 0; k < RK_MODES; k++) {
        tp_rdkafka(b->bootstrap, topic, msgs, k, &v->mode[k]);
        fail |= report(rk_mode_names[k], 1, &v->mode[k], msgs);
        /* The fastest of librdkafka's ways (a failed run never is). */
        if (v->mode[k].ok && (!v->mode[v->used].ok || v->mode[k].wall_s < v->mode[v->used].wall_s))
            v->used = k;
    }
    v->min_wall_s = tp_rdk_min(b->bootstrap, topic, msgs);
    r[1] = v->mode[v->used];
    return report("throughput", 0, &r[0], msgs) || fail ? -1 : 0;
}

static int run_latency(broker *b, run_result r[2])
{
    int fail = 0;
    memset(r, 0, 2 * sizeof *r);
    for (int k = 0; k < 2; k++) {
        lat_pair_run(b, k, &r[k]);
        fail |= report("latency", k, &r[k], LAT_MSGS);
    }
    return fail ? -1 : 0;
}

/* ---- arguments ------------------------------------------------------------ */

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
    const char *env = getenv("BENCH_CONSUME_MSGS");
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
    run_result tp[2], lat[2];
    rk_variants v;
    int fail = 0;

    if (parse_args(argc, argv, &msgs, &broker_path)) {
        fprintf(stderr, "usage: %s [-n COUNT] [BROKER_PATH]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a dead broker shows up as a failed command instead */
    if (broker_start(&b, broker_path)) {
        fprintf(stderr, "bench_consume: cannot start broker %s\n", broker_path);
        broker_stop(&b);
        return 1;
    }
    fail |= run_throughput(&b, msgs, tp, &v);
    fail |= run_latency(&b, lat);
    broker_stop(&b);
    print_table(&b, msgs, tp, &v, lat);
    return fail ? 1 : 0;
}
