/*
 * rdk_min_consume.c - a minimal librdkafka consumer doing exactly what
 * `msgbus consume -b LIST -t TOPIC -o beginning -e [-n COUNT]` does: learn
 * the topic's partitions, assign all of them from the beginning (no group),
 * print each message value on a line of stdout, stop when every partition
 * has been read to its end (or after COUNT messages), print "N consumed" on
 * stderr. bench/whole_process.sh times it beside the msgbus CLI; bench_consume
 * uses it to cross-check its in-process librdkafka figure.
 *
 *   rdk_min_consume -b LIST -t TOPIC [-n COUNT] [-w FETCH_WAIT_MS] [-P | -B]
 *                   [-S] [-l] [-X NAME=VALUE]...
 *
 * -l (latency, with -n COUNT): instead of printing values, read the
 * CLOCK_MONOTONIC send time rdk_min_produce -r puts in each value's first 8
 * bytes, stop after COUNT messages (or 10 s without one; ends of partitions
 * do not stop it) and print "rdk_min_consume: p50_us P p99_us Q" on stderr:
 * the end-to-end cross-check of bench_latency (same machine, same clock).
 *
 * The configuration is the one librdkafka's documentation recommends for
 * throughput (CONFIGURATION.md, INTRODUCTION.md, rdkafka_performance.c);
 * each setting and why:
 *  - rd_kafka_assign() without subscribing: the msgbus CLI assigns without a
 *    group. librdkafka 2.0.2's assign() refuses to work without a group.id
 *    ("Local: Unknown group"), so one is set; with assign() no JoinGroup
 *    happens, and enable.auto.commit=false keeps offsets uncommitted (the
 *    CLI commits nothing without -g). -S instead uses the legacy consumer
 *    (rd_kafka_consume_start_queue() per partition into one queue, as
 *    rdkafka_performance does without a group), which needs no group.id.
 *  - queued.min.messages 1000000: rdkafka_performance's consumer setting
 *    ("the larger the local queue, the higher the performance"): librdkafka
 *    keeps fetching ahead of the application instead of stopping at 100000
 *    per partition. queued.max.messages.kbytes stays at its 64 MiB default.
 *  - fetch.wait.max.ms -w, default 100: the msgbus CLI's fetch wait. It
 *    only matters once a partition is drained (this broker holds an empty
 *    fetch for the whole wait); fetch.min.bytes stays 1 (the default) so a
 *    fetch answers as soon as any data is there, as msgbus's does.
 *  - enable.partition.eof true: how librdkafka tells the application that a
 *    partition is read to its end (msgbus's -e).
 *  - rd_kafka_consume_callback_queue() on the consumer queue: it waits only
 *    for the first message and then hands over every message queued, which
 *    librdkafka's author calls its fastest way to consume (fewest locks, no
 *    temporary storage). -P: one rd_kafka_consumer_poll() per message; -B:
 *    rd_kafka_consume_batch_queue(), 1000 per call, which waits until 1000
 *    messages are there or its timeout (200 ms here) passed, so its last
 *    call of a run, and every call at a low rate, waits the whole timeout.
 * -X NAME=VALUE overrides any property (tried last), for comparisons.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#define MAX_X 32
#define BATCH 1000

typedef struct opts {
    const char *brokers, *topic, *wait;
    long count;
    int use_poll;   /* -P: rd_kafka_consumer_poll() per message */
    int use_batch;  /* -B: rd_kafka_consume_batch_queue() */
    int use_legacy; /* -S: the legacy (simple) consumer, no group.id */
    int latency;    /* -l: end-to-end latency from stamped values */
    const char *x[MAX_X];
    int n_x;
} opts;

typedef struct state {
    long got, errors;
    int n_parts, n_eof;
    char *eof;       /* per partition: end reached */
    int64_t *lat_ns; /* -l: one sample per message */
    int64_t last_ns; /* -l: when the last message came */
} state;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
    char err[256];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) == RD_KAFKA_CONF_OK)
        return 0;
    fprintf(stderr, "rdk_min_consume: %s=%s: %s\n", name, value, err);
    return -1;
}

static int parse(int argc, char **argv, opts *o)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-P") || !strcmp(a, "-B") || !strcmp(a, "-S") || !strcmp(a, "-l")) {
            *(a[1] == 'P'   ? &o->use_poll
              : a[1] == 'B' ? &o->use_batch
              : a[1] == 'S' ? &o->use_legacy
                            : &o->latency) = 1;
            continue;
        }
        if (!v)
            return -1;
        if (!strcmp(a, "-b"))
            o->brokers = v;
        else if (!strcmp(a, "-t"))
            o->topic = v;
        else if (!strcmp(a, "-n"))
            o->count = strtol(v, NULL, 10);
        else if (!strcmp(a, "-w"))
            o->wait = v;
        else if (!strcmp(a, "-X") && o->n_x < MAX_X && strchr(v, '='))
            o->x[o->n_x++] = v;
        else
            return -1;
        i++;
    }
    return o->brokers && o->topic && (!o->latency || o->count > 0) ? 0 : -1;
}

static rd_kafka_t *make_consumer(const opts *o)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int bad =
        set(conf, "bootstrap.servers", o->brokers) || set(conf, "queued.min.messages", "1000000") ||
        set(conf, "fetch.wait.max.ms", o->wait) || set(conf, "fetch.min.bytes", "1") ||
        set(conf, "enable.partition.eof", "true") ||
        (!o->use_legacy &&
         (set(conf, "group.id", "rdk_min_consume") || set(conf, "enable.auto.commit", "false")));
    for (int i = 0; !bad && i < o->n_x; i++) {
        char name[256];
        const char *eq = strchr(o->x[i], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->x[i]), o->x[i]);
        bad = set(conf, name, eq + 1);
    }
    if (bad) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk)
        fprintf(stderr, "rdk_min_consume: %s\n", err);
    return rk;
}

/* The topic's partition count from a Metadata request, or -1. */
static int partition_count(rd_kafka_t *rk, const char *topic)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int n = -1;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 && !md->topics[0].err)
        n = md->topics[0].partition_cnt;
    else
        fprintf(stderr, "rdk_min_consume: metadata for %s: %s\n", topic,
                rd_kafka_err2str(err             ? err
                                 : md->topic_cnt ? md->topics[0].err
                                                 : err));
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    return n;
}

/* -S: every partition from the beginning into the one queue @p q. */
static int start_legacy(rd_kafka_t *rk, const char *topic, int n, rd_kafka_queue_t *q)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int rc = rkt ? 0 : -1;
    for (int p = 0; rc == 0 && p < n; p++)
        rc = rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, q);
    if (rc)
        fprintf(stderr, "rdk_min_consume: consume_start: %s\n",
                rd_kafka_err2str(rd_kafka_last_error()));
    if (rkt)
        rd_kafka_topic_destroy(rkt); /* the started partitions hold their own reference */
    return rc;
}

static int assign_all(rd_kafka_t *rk, const char *topic, int n)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int p = 0; p < n; p++)
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t err = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (err)
        fprintf(stderr, "rdk_min_consume: assign: %s\n", rd_kafka_err2str(err));
    return err ? -1 : 0;
}

/* One message or event: print a value, note an end of partition. */
static void handle(state *s, rd_kafka_message_t *m)
{
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && s->lat_ns) {
        int64_t sent, now = mono_ns();
        if (m->len >= sizeof sent) {
            memcpy(&sent, m->payload, sizeof sent);
            s->lat_ns[s->got++] = now - sent;
        } else {
            s->errors++;
        }
        s->last_ns = now;
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (m->len)
            fwrite(m->payload, 1, m->len, stdout);
        fputc('\n', stdout);
        s->got++;
    } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (m->partition >= 0 && m->partition < s->n_parts && !s->eof[m->partition]) {
            s->eof[m->partition] = 1;
            s->n_eof++;
        }
    } else {
        fprintf(stderr, "rdk_min_consume: %s\n", rd_kafka_message_errstr(m));
        s->errors++;
    }
}

/* rd_kafka_consume_callback_queue()'s callback: librdkafka frees @p m. */
static void on_message(rd_kafka_message_t *m, void *opaque)
{
    handle(opaque, m);
}

static int done(const state *s, long count)
{
    if (s->lat_ns) /* -l: an empty partition's end does not count */
        return s->got >= count || mono_ns() - s->last_ns > 10000000000LL;
    return (count >= 0 && s->got >= count) || s->n_eof == s->n_parts;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* -l: the line bench_latency reads. */
static void print_latency(state *s)
{
    long n = s->got;
    if (n <= 0) {
        fprintf(stderr, "rdk_min_consume: no samples\n");
        return;
    }
    qsort(s->lat_ns, (size_t)n, sizeof *s->lat_ns, cmp_i64);
    fprintf(stderr, "rdk_min_consume: p50_us %.0f p99_us %.0f\n",
            (double)s->lat_ns[(n - 1) * 50 / 100] / 1e3,
            (double)s->lat_ns[(n - 1) * 99 / 100] / 1e3);
}

static void run(rd_kafka_t *rk, const opts *o, state *s, rd_kafka_queue_t *q)
{
    rd_kafka_message_t *batch[BATCH];
    while (!done(s, o->count)) {
        if (o->use_poll || !q) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
            if (m) {
                handle(s, m);
                rd_kafka_message_destroy(m);
            }
            continue;
        }
        if (!o->use_batch) {
            rd_kafka_consume_callback_queue(q, 200, on_message, s);
            continue;
        }
        /* Waits until BATCH messages are there or the timeout passed. */
        ssize_t n = rd_kafka_consume_batch_queue(q, 200, batch, BATCH);
        for (ssize_t i = 0; i < n; i++) {
            handle(s, batch[i]);
            rd_kafka_message_destroy(batch[i]);
        }
    }
}

/* -S: stop every started partition (their fetchers hold the topic). */
static void stop_legacy(rd_kafka_t *rk, const char *topic, int n)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    for (int p = 0; rkt && p < n; p++)
        rd_kafka_consume_stop(rkt, p);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
}

int main(int argc, char **argv)
{
    opts o = {NULL, NULL, "100", -1, 0, 0, 0, 0, {NULL}, 0};
    rd_kafka_queue_t *q = NULL;
    state s = {0, 0, 0, 0, NULL, NULL, 0};
    if (parse(argc, argv, &o)) {
        fprintf(stderr, "usage: rdk_min_consume -b LIST -t TOPIC [-n COUNT] [-w FETCH_WAIT_MS] "
                        "[-P | -B] [-S] [-l] [-X NAME=VALUE]...\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (o.latency && !(s.lat_ns = calloc((size_t)o.count, sizeof *s.lat_ns)))
        return 1;
    s.last_ns = mono_ns();
    rd_kafka_t *rk = make_consumer(&o);
    if (!rk)
        return 1;
    s.n_parts = partition_count(rk, o.topic);
    s.eof = s.n_parts > 0 ? calloc((size_t)s.n_parts, 1) : NULL;
    int ok = s.eof != NULL;
    if (ok && o.use_legacy) {
        q = rd_kafka_queue_new(rk);
        o.use_poll = 0;
        ok = start_legacy(rk, o.topic, s.n_parts, q) == 0;
    } else if (ok) {
        ok = assign_all(rk, o.topic, s.n_parts) == 0;
        q = o.use_poll ? NULL : rd_kafka_queue_get_consumer(rk);
    }
    if (ok)
        run(rk, &o, &s, q);
    fflush(stdout);
    if (q)
        rd_kafka_queue_destroy(q);
    if (o.use_legacy)
        stop_legacy(rk, o.topic, s.n_parts);
    else
        rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    free(s.eof);
    if (s.lat_ns)
        print_latency(&s);
    free(s.lat_ns);
    fprintf(stderr, "%ld consumed\n", s.got);
    return ok && s.errors == 0 ? 0 : 1;
}
