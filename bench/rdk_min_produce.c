/*
 * rdk_min_produce.c - a minimal librdkafka producer doing exactly what
 * `msgbus produce -b LIST -t TOPIC -n COUNT -s SIZE [-a ACKS] [-L MS] [-p P]`
 * does: COUNT messages of SIZE bytes (the same 'a'..'z' pattern, no key), wait
 * for every delivery report, print "N delivered" on stderr, exit 0 only when
 * all were acknowledged. bench/whole_process.sh times it beside the msgbus
 * CLI; bench_produce and bench_latency use it to cross-check their in-process
 * librdkafka figures.
 *
 *   rdk_min_produce -b LIST -t TOPIC [-n COUNT] [-s SIZE] [-a ACKS] [-L MS]
 *                   [-p PARTITION] [-r RATE] [-X NAME=VALUE]...
 *
 * Always printed on stderr too: "rdk_min_produce: first_ack_us F", the time
 * from rd_kafka_new() to the first acknowledgement. With -r RATE the
 * messages are paced at RATE per second and the line adds p50_us and p99_us
 * of send-to-acknowledgement latency; delivery reports are then served while
 * waiting for the next send (the main queue's event fd wakes the wait,
 * rd_kafka_queue_io_event_enable), so a report is timed when it arrives.
 * Paced values also carry their CLOCK_MONOTONIC send time in their first
 * 8 bytes (copied per message) for rdk_min_consume -l.
 *
 * The configuration is the one librdkafka's documentation recommends for
 * throughput (INTRODUCTION.md "Performance"/"High throughput",
 * CONFIGURATION.md, examples/rdkafka_performance.c); each setting and why:
 *  - linger.ms (= queue.buffering.max.ms): -L, default 5, the same linger as
 *    the msgbus CLI's default and librdkafka's own. INTRODUCTION.md calls it
 *    the single most important property; whole_process.sh also runs 50 ms
 *    (its "throughput" advice) and shows both if they differ by > 2x.
 *  - batch.size 1000000 and batch.num.messages 10000: librdkafka's defaults,
 *    already its largest useful batch here (1 MB is the broker's default
 *    message.max.bytes; 10000 x 100 B records fill ~1 MB), so each Produce
 *    request carries the most the broker accepts.
 *  - queue.buffering.max.messages 1000000 (rdkafka_performance raises it
 *    likewise, default 100000): the application never blocks on a full queue
 *    while batches are in flight. queue.buffering.max.kbytes stays at its
 *    1 GiB default, which is larger than anything queued here.
 *  - compression.codec none: as msgbus (it does not compress).
 *  - acks: -a, default 1 as whole_process.sh gives both clients; the
 *    idempotent producer stays off (librdkafka's default) as msgbus's does
 *    at acks=1.
 *  - payload passed without RD_KAFKA_MSG_F_COPY (as rdkafka_performance does
 *    by default): the one pattern buffer outlives the producer, so librdkafka
 *    saves a malloc and copy per message; msgbus copies into its batch.
 *  - rd_kafka_poll(rk, 0) after every 1000th produce serves the delivery
 *    reports (a full queue is waited out in rd_kafka_poll). Measured per
 *    million messages: 0.65 CPU s, against 0.89 polling after every produce
 *    (librdkafka's examples) and 1.6 never polling until the flush.
 * -X NAME=VALUE overrides any property (tried last), for comparisons.
 */
#define _GNU_SOURCE /* ppoll */

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#define MAX_X 32

typedef struct opts {
    const char *brokers, *topic, *acks, *linger;
    long count, size, rate;
    int partition;
    const char *x[MAX_X];
    int n_x;
} opts;

typedef struct counts {
    long delivered, failed;
    rd_kafka_resp_err_t first_err;
    int64_t t0_ns, first_ack_ns; /* rd_kafka_new(), the first acknowledgement */
    int64_t *sent_ns, *lat_ns;   /* -r: per message (opaque = index + 1) */
} counts;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *ud)
{
    counts *c = ud;
    int64_t now = mono_ns();
    (void)rk;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (c->failed++ == 0)
            c->first_err = m->err;
        return;
    }
    c->delivered++;
    if (c->first_ack_ns == 0)
        c->first_ack_ns = now;
    if (c->lat_ns && m->_private) {
        long i = (long)(intptr_t)m->_private - 1;
        c->lat_ns[i] = now - c->sent_ns[i];
    }
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
    char err[256];
    if (rd_kafka_conf_set(conf, name, value, err, sizeof err) == RD_KAFKA_CONF_OK)
        return 0;
    fprintf(stderr, "rdk_min_produce: %s=%s: %s\n", name, value, err);
    return -1;
}

static int parse(int argc, char **argv, opts *o)
{
    int i;
    for (i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "-b"))
            o->brokers = v;
        else if (!strcmp(a, "-t"))
            o->topic = v;
        else if (!strcmp(a, "-n"))
            o->count = strtol(v, NULL, 10);
        else if (!strcmp(a, "-s"))
            o->size = strtol(v, NULL, 10);
        else if (!strcmp(a, "-a"))
            o->acks = v;
        else if (!strcmp(a, "-L"))
            o->linger = v;
        else if (!strcmp(a, "-p"))
            o->partition = (int)strtol(v, NULL, 10);
        else if (!strcmp(a, "-r"))
            o->rate = strtol(v, NULL, 10);
        else if (!strcmp(a, "-X") && o->n_x < MAX_X && strchr(v, '='))
            o->x[o->n_x++] = v;
        else
            return -1;
    }
    return i == argc && o->brokers && o->topic && o->count >= 0 && o->size >= 0 && o->rate >= 0
               ? 0
               : -1;
}

static rd_kafka_conf_t *make_conf(const opts *o, counts *c)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int bad = set(conf, "bootstrap.servers", o->brokers) || set(conf, "acks", o->acks) ||
              set(conf, "linger.ms", o->linger) || set(conf, "batch.size", "1000000") ||
              set(conf, "batch.num.messages", "10000") ||
              set(conf, "queue.buffering.max.messages", "1000000") ||
              set(conf, "compression.codec", "none");
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
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, c);
    return conf;
}

/* Queue one message; wait in rd_kafka_poll while the queue is full. */
static int produce_one(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int partition, char *buf, size_t len,
                       int flags, void *opaque)
{
    while (rd_kafka_produce(rkt, partition, flags, buf, len, NULL, 0, opaque) != 0) {
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf(stderr, "rdk_min_produce: produce: %s\n", rd_kafka_err2str(err));
            return -1;
        }
        rd_kafka_poll(rk, 100);
    }
    static unsigned long queued;
    if (++queued % 1000 == 0) /* serve the delivery reports that came meanwhile */
        rd_kafka_poll(rk, 0);
    return 0;
}

/* -r: serve delivery reports until @p t; the event fd @p fd wakes the wait. */
static void wait_until(rd_kafka_t *rk, int fd, int64_t t)
{
    char drain[64];
    for (int64_t left = t - mono_ns(); left > 0; left = t - mono_ns()) {
        struct timespec ts = {(time_t)(left / 1000000000), (long)(left % 1000000000)};
        struct pollfd pfd = {fd, POLLIN, 0};
        if (ppoll(&pfd, 1, &ts, NULL) > 0) {
            while (read(fd, drain, sizeof drain) > 0)
                ;
            rd_kafka_poll(rk, 0);
        }
    }
}

/* -r: message i at start + i / rate, its send time noted for its report. */
static long produce_paced(rd_kafka_t *rk, rd_kafka_topic_t *rkt, const opts *o, char *buf,
                          counts *c)
{
    int fds[2];
    long i;
    if (pipe2(fds, O_NONBLOCK) != 0)
        return 0;
    rd_kafka_queue_t *q = rd_kafka_queue_get_main(rk);
    rd_kafka_queue_io_event_enable(q, fds[1], "1", 1);
    int64_t start = mono_ns(), gap = 1000000000 / o->rate;
    for (i = 0; i < o->count; i++) {
        wait_until(rk, fds[0], start + i * gap);
        c->sent_ns[i] = mono_ns();
        if ((size_t)o->size >= sizeof c->sent_ns[i]) /* for rdk_min_consume -l */
            memcpy(buf, &c->sent_ns[i], sizeof c->sent_ns[i]);
        if (produce_one(rk, rkt, o->partition, buf, (size_t)o->size, RD_KAFKA_MSG_F_COPY,
                        (void *)(intptr_t)(i + 1)))
            break;
    }
    rd_kafka_queue_io_event_enable(q, -1, NULL, 0);
    rd_kafka_queue_destroy(q);
    close(fds[0]);
    close(fds[1]);
    return i;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The stderr line the benches read. */
static void print_latency(const counts *c, long n)
{
    fprintf(stderr, "rdk_min_produce: first_ack_us %.0f",
            c->first_ack_ns ? (double)(c->first_ack_ns - c->t0_ns) / 1e3 : -1.0);
    if (c->lat_ns && n > 0) {
        qsort(c->lat_ns, (size_t)n, sizeof *c->lat_ns, cmp_i64);
        fprintf(stderr, " p50_us %.0f p99_us %.0f", (double)c->lat_ns[(n - 1) * 50 / 100] / 1e3,
                (double)c->lat_ns[(n - 1) * 99 / 100] / 1e3);
    }
    fputc('\n', stderr);
}

int main(int argc, char **argv)
{
    opts o = {NULL, NULL, "1", "5", 1, 100, 0, RD_KAFKA_PARTITION_UA, {NULL}, 0};
    counts c = {0, 0, RD_KAFKA_RESP_ERR_NO_ERROR, 0, 0, NULL, NULL};
    char err[256];
    long i, sent = 0;
    if (parse(argc, argv, &o)) {
        fprintf(stderr, "usage: rdk_min_produce -b LIST -t TOPIC [-n COUNT] [-s SIZE] [-a ACKS] "
                        "[-L MS] [-p PARTITION] [-r RATE] [-X NAME=VALUE]...\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (o.rate > 0) {
        c.sent_ns = calloc((size_t)o.count + 1, sizeof *c.sent_ns);
        c.lat_ns = calloc((size_t)o.count + 1, sizeof *c.lat_ns);
        if (!c.sent_ns || !c.lat_ns)
            return 1;
    }
    c.t0_ns = mono_ns();
    rd_kafka_conf_t *conf = make_conf(&o, &c);
    rd_kafka_t *rk = conf ? rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err) : NULL;
    if (!rk) {
        fprintf(stderr, "rdk_min_produce: %s\n", conf ? err : "bad configuration");
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o.topic, NULL);
    char *buf = malloc((size_t)o.size + 1);
    for (i = 0; buf && i < o.size; i++)
        buf[i] = (char)('a' + i % 26);
    if (buf && rkt && o.rate > 0)
        sent = produce_paced(rk, rkt, &o, buf, &c);
    for (i = 0; buf && rkt && o.rate == 0 && i < o.count; i++, sent++)
        if (produce_one(rk, rkt, o.partition, buf, (size_t)o.size, 0, NULL))
            break;
    rd_kafka_resp_err_t ferr = rd_kafka_flush(rk, 60000);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(buf);
    print_latency(&c, c.delivered == o.count ? o.count : 0);
    free(c.sent_ns);
    free(c.lat_ns);
    fprintf(stderr, "%ld delivered\n", c.delivered);
    if (c.failed || ferr)
        fprintf(stderr, "rdk_min_produce: %ld failed (%s), flush: %s\n", c.failed,
                rd_kafka_err2str(c.first_err), rd_kafka_err2str(ferr));
    return sent == o.count && c.delivered == o.count && c.failed == 0 ? 0 : 1;
}
