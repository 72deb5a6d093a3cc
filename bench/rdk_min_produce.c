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
 *                   [-p PARTITION] [-X NAME=VALUE]...
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
 *  - rd_kafka_poll(rk, 0) after every produce serves delivery reports, as
 *    librdkafka's examples do; a full queue is waited out in rd_kafka_poll.
 * -X NAME=VALUE overrides any property (tried last), for comparisons.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#define MAX_X 32

typedef struct opts {
    const char *brokers, *topic, *acks, *linger;
    long count, size;
    int partition;
    const char *x[MAX_X];
    int n_x;
} opts;

typedef struct counts {
    long delivered, failed;
    rd_kafka_resp_err_t first_err;
} counts;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *ud)
{
    counts *c = ud;
    (void)rk;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        c->delivered++;
    } else if (c->failed++ == 0) {
        c->first_err = m->err;
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
        else if (!strcmp(a, "-X") && o->n_x < MAX_X && strchr(v, '='))
            o->x[o->n_x++] = v;
        else
            return -1;
    }
    return i == argc && o->brokers && o->topic && o->count >= 0 && o->size >= 0 ? 0 : -1;
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
static int produce_one(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int partition, char *buf, size_t len)
{
    while (rd_kafka_produce(rkt, partition, 0, buf, len, NULL, 0, NULL) != 0) {
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf(stderr, "rdk_min_produce: produce: %s\n", rd_kafka_err2str(err));
            return -1;
        }
        rd_kafka_poll(rk, 100);
    }
    rd_kafka_poll(rk, 0);
    return 0;
}

int main(int argc, char **argv)
{
    opts o = {NULL, NULL, "1", "5", 1, 100, RD_KAFKA_PARTITION_UA, {NULL}, 0};
    counts c = {0, 0, RD_KAFKA_RESP_ERR_NO_ERROR};
    char err[256];
    long i, sent = 0;
    if (parse(argc, argv, &o)) {
        fprintf(stderr, "usage: rdk_min_produce -b LIST -t TOPIC [-n COUNT] [-s SIZE] [-a ACKS] "
                        "[-L MS] [-p PARTITION] [-X NAME=VALUE]...\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
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
    for (i = 0; buf && rkt && i < o.count; i++, sent++)
        if (produce_one(rk, rkt, o.partition, buf, (size_t)o.size))
            break;
    rd_kafka_resp_err_t ferr = rd_kafka_flush(rk, 60000);
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(buf);
    fprintf(stderr, "%ld delivered\n", c.delivered);
    if (c.failed || ferr)
        fprintf(stderr, "rdk_min_produce: %ld failed (%s), flush: %s\n", c.failed,
                rd_kafka_err2str(c.first_err), rd_kafka_err2str(ferr));
    return sent == o.count && c.delivered == o.count && c.failed == 0 ? 0 : 1;
}
