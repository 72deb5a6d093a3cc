/*
 * msgbus - the project's command-line tool (kcat-like).
 *
 *   msgbus metadata -b HOST:PORT[,HOST:PORT...] [-t TOPIC]... [-T TIMEOUT_MS] [-v]
 *   msgbus produce -b BROKERS -t TOPIC [-p PARTITION] [-k KEY] [-a ACKS]
 *                  [-H name=value]... [-n COUNT -s SIZE] [-L LINGER_MS] [-v]
 *
 *   msgbus consume -b BROKERS -t TOPIC [-g GROUP | -p PARTITION]
 *                  [-o beginning|end|OFFSET|s@TIMESTAMP_MS]
 *                  [-n COUNT] [-e] [-T TIMEOUT_MS] [-v]
 *
 * Every command also takes the security options (TLS and SASL):
 *   --security-protocol plaintext|ssl|sasl_plaintext|sasl_ssl
 *   --ca FILE  --cert FILE  --key FILE  --key-password PW  --tls-server-name NAME
 *   --no-verify-hostname  --sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512
 *   --sasl-user USER  --sasl-password PW  (or the MSGBUS_SASL_PASSWORD variable)
 *
 * metadata prints the cluster's brokers and every topic with its partitions
 * and leaders. produce sends each line of stdin as one message (or COUNT
 * generated messages of SIZE bytes) and exits 0 only when every message was
 * acknowledged; the count delivered goes to stderr. consume prints one
 * message value per line; -e exits at the end of every partition, -n after
 * COUNT messages, SIGINT or SIGTERM once what was printed is flushed. In a
 * group (-g) it commits, every second and on exit, only the offsets of
 * records it has printed and flushed (never what is still in stdout's
 * buffer), then leaves the group. -p names a partition that must exist.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgbus/consumer.h"
#include "msgbus/error.h"
#include "msgbus/kafka_errors.h"
#include "msgbus/port.h"
#include "msgbus/port_tcp.h"
#include "msgbus/producer.h"
#include "net/client.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: msgbus COMMAND [options]\n\n"
            "commands:\n"
            "  metadata -b HOST:PORT[,HOST:PORT...] [-t TOPIC]... [-T TIMEOUT_MS] [-v]\n"
            "           print the brokers, and every topic with its partitions and leaders\n"
            "  produce -b LIST -t TOPIC [-p PARTITION] [-k KEY] [-a ACKS] [-H NAME=VALUE]...\n"
            "          [-n COUNT -s SIZE] [-L LINGER_MS] [-v]\n"
            "           send each line of stdin as a message, or COUNT messages of SIZE\n"
            "           bytes; exit 0 only if all were acknowledged\n"
            "  consume -b LIST -t TOPIC [-g GROUP | -p PARTITION] [-o beginning|end|OFFSET|s@MS]\n"
            "          [-n COUNT] [-e] [-T TIMEOUT_MS] [-v]\n"
            "           print each message value on a line; -e: stop at the end of every\n"
            "           partition; -n: stop after COUNT messages; SIGINT/SIGTERM: stop.\n"
            "           With -g, commit only what was printed and flushed, then leave.\n"
            "           Exit status: 0 when stopped by -n, -e or a signal with everything\n"
            "           printed (and committed); 1 after an error (no broker, unknown topic\n"
            "           or partition, a bad batch, a failed commit, stdout closed); 2 usage\n\n"
            "options:\n"
            "  -b LIST  bootstrap brokers\n"
            "  -t TOPIC only this topic (repeatable; created if the cluster allows it)\n"
            "  -T MS    metadata: give up after MS milliseconds; consume: the longest wait\n"
            "           for the topic's metadata and for the final commit (default 10000)\n"
            "  -v       log the client's progress to stderr\n\n"
            "security options (every command):\n"
            "  --security-protocol plaintext|ssl|sasl_plaintext|sasl_ssl\n"
            "  --ca FILE            CAs trusted for the brokers' certificates (PEM)\n"
            "  --cert FILE --key FILE [--key-password PW]   client certificate (mutual TLS)\n"
            "  --tls-server-name NAME   name checked in the certificates (default: broker host)\n"
            "  --no-verify-hostname     accept a certificate for another name (tests only)\n"
            "  --sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 (default PLAIN)\n"
            "  --sasl-user USER --sasl-password PW (or set MSGBUS_SASL_PASSWORD)\n");
}

/*
 * A security option at argv[i] (value at argv[i + 1]): 1 when @p a is one
 * that takes no value, 2 when it took its value, 0 when @p a is not a
 * security option, -1 when its value is missing or wrong.
 */
static int security_opt(msgbus_security *sec, const char *a, const char *v)
{
    if (!strcmp(a, "--no-verify-hostname")) {
        sec->no_hostname_check = 1;
        return 1;
    }
    if (strncmp(a, "--", 2) != 0)
        return 0;
    if (!v)
        return -1;
    if (!strcmp(a, "--security-protocol"))
        return msgbus_security_protocol_parse(v, &sec->protocol) ? -1 : 2;
    if (!strcmp(a, "--sasl-mechanism"))
        return msgbus_sasl_mechanism_parse(v, &sec->sasl_mechanism) ? -1 : 2;
    if (!strcmp(a, "--ca"))
        sec->ca.file = v;
    else if (!strcmp(a, "--cert"))
        sec->cert.file = v;
    else if (!strcmp(a, "--key"))
        sec->key.file = v;
    else if (!strcmp(a, "--key-password"))
        sec->key_password = v;
    else if (!strcmp(a, "--tls-server-name"))
        sec->sni_hostname = v;
    else if (!strcmp(a, "--sasl-user"))
        sec->sasl_username = v;
    else if (!strcmp(a, "--sasl-password"))
        sec->sasl_password = v;
    else
        return 0;
    return 2;
}

/* The password from the environment when not given on the command line. */
static void security_env(msgbus_security *sec)
{
    if (!sec->sasl_password)
        sec->sasl_password = getenv("MSGBUS_SASL_PASSWORD");
}

static void log_stderr(void *ud, int level, const char *msg)
{
    static const char *names[8] = {"", "", "", "error", "warn", "", "info", "debug"};
    (void)ud;
    fprintf(stderr, "msgbus %s: %s\n", names[level & 7], msg);
}

static void print_view(const mb_cluster_view *v)
{
    int32_t b, t, p;
    printf("cluster %s, controller %d, %d brokers:\n", v->cluster_id ? v->cluster_id : "(none)",
           (int)v->controller_id, (int)v->n_brokers);
    for (b = 0; b < v->n_brokers; b++)
        printf("  broker %d at %s:%u%s%s%s\n", (int)v->brokers[b].node_id, v->brokers[b].host,
               (unsigned)v->brokers[b].port, v->brokers[b].rack[0] ? " rack " : "",
               v->brokers[b].rack,
               v->brokers[b].node_id == v->controller_id ? " (controller)" : "");
    printf("%d topics:\n", (int)v->n_topics);
    for (t = 0; t < v->n_topics; t++) {
        const mb_topic_info *ti = &v->topics[t];
        printf("  topic \"%s\" with %d partitions%s%s\n", ti->name, (int)ti->n_partitions,
               ti->error_code ? ": " : "", ti->error_code ? msgbus_err_name(ti->error_code) : "");
        for (p = 0; p < ti->n_partitions; p++) {
            const mb_partition_info *pi = &ti->partitions[p];
            printf("    partition %d, leader %d, replicas %d, isrs %d%s%s\n", (int)pi->partition,
                   (int)pi->leader, (int)pi->n_replicas, (int)pi->n_isr,
                   pi->error_code ? ", error " : "",
                   pi->error_code ? msgbus_err_name(pi->error_code) : "");
        }
    }
}

static int cmd_metadata(int argc, char **argv)
{
    mb_client_config cfg;
    msgbus_transport tcp;
    mb_client *c = NULL;
    mb_cluster_view view;
    const char *topics[64];
    int n_topics = 0, i, rc;
    long timeout = 10000;
    msgbus_security sec;
    mb_client_config_init(&cfg);
    msgbus_security_init(&sec);
    cfg.client_id = "msgbus-cli";
    for (i = 1; i < argc; i++) {
        int so = security_opt(&sec, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
        if (so > 0) {
            i += so - 1;
            continue;
        }
        if (so < 0) {
            usage(stderr);
            return 2;
        }
        if (!strcmp(argv[i], "-b") && i + 1 < argc)
            cfg.bootstrap = argv[++i];
        else if (!strcmp(argv[i], "-t") && i + 1 < argc && n_topics < 64)
            topics[n_topics++] = argv[++i];
        else if (!strcmp(argv[i], "-T") && i + 1 < argc)
            timeout = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-v"))
            cfg.log = log_stderr, cfg.log_level = 7;
        else {
            usage(stderr);
            return 2;
        }
    }
    if (!cfg.bootstrap || timeout <= 0) {
        usage(stderr);
        return 2;
    }
    if (!cfg.log) /* errors only, so a failure says why */
        cfg.log = log_stderr, cfg.log_level = 3;
    if ((rc = msgbus_port_tcp_transport_create(&tcp, NULL)) != 0) {
        fprintf(stderr, "msgbus: %s\n", msgbus_strerror(rc));
        return 1;
    }
    cfg.transport = &tcp;
    security_env(&sec);
    cfg.security = &sec;
    cfg.connect_timeout_ms = (uint32_t)timeout;
    rc = mb_client_create(&c, &cfg);
    for (i = 0; rc == 0 && i < n_topics; i++)
        rc = mb_client_want_topic(c, topics[i]);
    if (rc == 0 && n_topics == 0)
        mb_client_refresh_metadata(c, 1);
    if (rc == 0)
        rc = mb_client_wait_ready(c, (uint32_t)timeout);
    if (rc == 0) {
        mb_client_cluster(c, &view);
        print_view(&view);
    } else {
        fprintf(stderr, "msgbus: metadata from %s failed: %s (%s)\n", cfg.bootstrap,
                msgbus_strerror(rc), msgbus_err_name(rc));
    }
    mb_client_destroy(c);
    msgbus_port_tcp_transport_destroy(&tcp);
    return rc == 0 ? 0 : 1;
}

/* ------------------------------------------------------------------------ */
/* produce                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct produce_counts {
    unsigned long delivered, failed;
    int first_err;
} produce_counts;

static void on_delivery(void *ud, const msgbus_delivery *d)
{
    produce_counts *c = ud;
    if (d->err == 0) {
        c->delivered++;
    } else {
        if (c->failed++ == 0)
            c->first_err = d->err;
    }
}

/* Send @p m, waiting while the queue is full. */
static int send_one(msgbus_producer *p, const msgbus_message *m)
{
    int rc;
    while ((rc = msgbus_producer_send(p, m)) == MSGBUS_ERR_QUEUE_FULL)
        msgbus_producer_poll(p, 5);
    return rc;
}

static int cmd_produce(int argc, char **argv)
{
    msgbus_producer_config cfg;
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    msgbus_header hdrs[32];
    msgbus_producer *p;
    produce_counts cnt = {0, 0, 0};
    long count = -1, size = 100, i;
    char *line = NULL, *payload = NULL;
    size_t cap = 0, n_hdrs = 0;
    unsigned long sent = 0;
    int rc = 0;
    msgbus_producer_config_init(&cfg);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int so = security_opt(&cfg.security, a, v);
        if (so > 0) {
            i += so - 1;
            continue;
        }
        if (so < 0) {
            usage(stderr);
            return 2;
        }
        if (v && !strcmp(a, "-b"))
            cfg.bootstrap = v;
        else if (v && !strcmp(a, "-t"))
            m.topic = v;
        else if (v && !strcmp(a, "-p"))
            m.partition = (int32_t)strtol(v, NULL, 10);
        else if (v && !strcmp(a, "-k")) {
            m.key = v;
            m.key_len = strlen(v);
        } else if (v && !strcmp(a, "-a"))
            cfg.acks = (int)strtol(v, NULL, 10);
        else if (v && !strcmp(a, "-n"))
            count = strtol(v, NULL, 10);
        else if (v && !strcmp(a, "-s"))
            size = strtol(v, NULL, 10);
        else if (v && !strcmp(a, "-L"))
            cfg.linger_ms = (uint32_t)strtoul(v, NULL, 10);
        else if (v && !strcmp(a, "-H") && n_hdrs < 32 && strchr(v, '=')) {
            char *eq = strchr(argv[i + 1], '=');
            *eq = '\0';
            hdrs[n_hdrs].key = argv[i + 1];
            hdrs[n_hdrs].value = eq + 1;
            hdrs[n_hdrs].value_len = strlen(eq + 1);
            n_hdrs++;
        } else if (!strcmp(a, "-v")) {
            cfg.log = log_stderr;
            cfg.log_level = MSGBUS_LOG_DEBUG;
            continue;
        } else {
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (!cfg.bootstrap || !m.topic || (count >= 0 && (size < 0 || size > 100000000))) {
        usage(stderr);
        return 2;
    }
    if (!cfg.log) {
        cfg.log = log_stderr;
        cfg.log_level = MSGBUS_LOG_WARN;
    }
    security_env(&cfg.security);
    m.headers = n_hdrs ? hdrs : NULL;
    m.n_headers = n_hdrs;
    cfg.on_delivery = on_delivery;
    cfg.delivery_ud = &cnt;
    if ((rc = msgbus_producer_create(&p, &cfg)) != 0) {
        fprintf(stderr, "msgbus: cannot connect to %s: %s\n", cfg.bootstrap, msgbus_strerror(rc));
        return 1;
    }
    if (count >= 0) {
        payload = malloc((size_t)size + 1);
        for (i = 0; payload && i < size; i++)
            payload[i] = (char)('a' + i % 26);
        m.value = payload;
        m.value_len = (size_t)size;
        for (i = 0; payload && rc == 0 && i < count; i++, sent++)
            rc = send_one(p, &m);
    } else {
        ssize_t n;
        while (rc == 0 && (n = getline(&line, &cap, stdin)) >= 0) {
            if (n > 0 && line[n - 1] == '\n')
                n--;
            m.value = line;
            m.value_len = (size_t)n;
            rc = send_one(p, &m);
            sent += rc == 0;
        }
    }
    if (rc)
        fprintf(stderr, "msgbus: send failed: %s (%s)\n", msgbus_strerror(rc), msgbus_err_name(rc));
    msgbus_producer_close(p, 60000);
    free(line);
    free(payload);
    fprintf(stderr, "%lu delivered\n", cnt.delivered);
    if (cnt.failed)
        fprintf(stderr, "msgbus: %lu failed, the first with %s\n", cnt.failed,
                msgbus_strerror(cnt.first_err));
    return rc == 0 && cnt.failed == 0 && cnt.delivered == sent ? 0 : 1;
}

/* ------------------------------------------------------------------------ */
/* consume                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * 1 when every partition this consumer holds has been read up to its high
 * watermark (with a group: the ones assigned to it, once there are some).
 */
static int all_at_end(msgbus_consumer *c, const char *topic, int32_t first, int32_t n, int group)
{
    int32_t i, held = 0;
    for (i = first; i < first + n; i++) {
        int64_t pos, end;
        if (msgbus_consumer_position(c, topic, i, &pos, &end) != 0) {
            if (group)
                continue; /* another member's */
            return 0;
        }
        held++;
        if (end < 0 || pos < end)
            return 0;
    }
    return held > 0;
}

/*
 * Set by SIGINT / SIGTERM: stop, print what is buffered, commit it, leave.
 * A second signal ends the program at once (nothing more is committed then).
 */
static volatile sig_atomic_t g_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = (int)SA_RESETHAND; /* no SA_RESTART: a wait is cut short; a second signal kills */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

typedef struct consume_opts {
    msgbus_consumer_config cfg;
    const char *topic, *from, *group;
    int32_t part;
    long count, timeout;
    int at_end;
} consume_opts;

/* Parse consume's options into @p o: 0, or 2 (usage printed). */
static int consume_args(consume_opts *o, int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        int so = security_opt(&o->cfg.security, a, v);
        if (so > 0) {
            i += so - 1;
            continue;
        }
        if (so < 0)
            break;
        if (!strcmp(a, "-e") || !strcmp(a, "-v")) {
            o->at_end |= a[1] == 'e';
            if (a[1] == 'v')
                o->cfg.log = log_stderr, o->cfg.log_level = MSGBUS_LOG_DEBUG;
            continue;
        }
        if (!v)
            break;
        if (!strcmp(a, "-b"))
            o->cfg.bootstrap = v;
        else if (!strcmp(a, "-t"))
            o->topic = v;
        else if (!strcmp(a, "-p") && (o->part = (int32_t)strtol(v, &end, 10)) >= 0 && !*end)
            ;
        else if (!strcmp(a, "-o"))
            o->from = v;
        else if (!strcmp(a, "-g"))
            o->group = v;
        else if (!strcmp(a, "-n"))
            o->count = strtol(v, NULL, 10);
        else if (!strcmp(a, "-T") && (o->timeout = strtol(v, &end, 10)) > 0 && !*end)
            ;
        else
            break;
        i++;
    }
    if (i < argc || !o->cfg.bootstrap || !o->topic || (o->group && o->part >= 0) ||
        o->timeout <= 0 || o->timeout > 0x7fffffffL) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/*
 * Check the topic (and -p's partition) against the cluster's metadata, then
 * join the group or assign the partitions. 0, or 1 (the error printed).
 */
static int consume_start(msgbus_consumer *c, const consume_opts *o, int32_t *first, int32_t *n)
{
    const char *from = o->from;
    int32_t i, count = 0;
    int rc = msgbus_consumer_partition_count(c, o->topic, &count, (uint32_t)o->timeout);
    if (rc == 0 && o->part >= count) {
        fprintf(stderr, "msgbus: partition %d does not exist: %s has %d partitions\n", (int)o->part,
                o->topic, (int)count);
        return 1;
    }
    *first = o->part >= 0 ? o->part : 0;
    *n = o->part >= 0 ? 1 : count;
    if (rc == 0 && o->group)
        rc = msgbus_consumer_subscribe(c, &o->topic, 1);
    for (i = *first; rc == 0 && !o->group && i < *first + *n; i++) {
        if (!strcmp(from, "beginning"))
            rc = msgbus_consumer_assign(c, o->topic, i, MSGBUS_OFFSET_BEGINNING);
        else if (!strcmp(from, "end"))
            rc = msgbus_consumer_assign(c, o->topic, i, MSGBUS_OFFSET_END);
        else if (!strncmp(from, "s@", 2))
            rc = msgbus_consumer_assign_time(c, o->topic, i, strtoll(from + 2, NULL, 10));
        else
            rc = msgbus_consumer_assign(c, o->topic, i, strtoll(from, NULL, 10));
    }
    if (rc) {
        fprintf(stderr, "msgbus: cannot consume %s: %s (%s)\n", o->topic, msgbus_strerror(rc),
                msgbus_err_name(rc));
        return 1;
    }
    return 0;
}

/*
 * With a group: the offset after the last record printed, per partition
 * (-1: none since the last commit or this member does not hold it). Only
 * these are committed, and only once stdout has been flushed, so a commit
 * never covers a record that was not written out.
 */
typedef struct written {
    int64_t *next;
    int32_t n;
    int dirty;
} written;

static int written_note(written *w, int32_t part, int64_t next)
{
    if (part >= w->n) {
        int32_t n = part + 1, i;
        int64_t *p = realloc(w->next, (size_t)n * sizeof *p);
        if (!p)
            return MSGBUS_ERR_NOMEM;
        for (i = w->n; i < n; i++)
            p[i] = -1;
        w->next = p;
        w->n = n;
    }
    w->next[part] = next;
    w->dirty = 1;
    return 0;
}

/* Rebalance: a partition taken away is not this member's to commit any more. */
static void on_rebalance(void *ud, int assigned, const msgbus_topic_partition *parts, size_t n)
{
    written *w = ud;
    size_t i;
    if (assigned)
        return;
    fflush(stdout); /* what was printed for them is out, at least */
    for (i = 0; i < n; i++)
        if (parts[i].partition >= 0 && parts[i].partition < w->n)
            w->next[parts[i].partition] = -1;
}

/* Flush stdout, then commit what it held. 0, or an error (printed if @p wait_ms). */
static int commit_written(msgbus_consumer *c, const char *topic, written *w, uint32_t wait_ms)
{
    msgbus_topic_partition *tp;
    size_t k = 0;
    int32_t i;
    int rc;
    if (fflush(stdout) != 0 || ferror(stdout))
        return MSGBUS_ERR_TRANSPORT; /* nothing is committed for what may not be out */
    if (!w->dirty)
        return 0;
    if (!(tp = malloc((size_t)w->n * sizeof *tp)))
        return MSGBUS_ERR_NOMEM;
    for (i = 0; i < w->n; i++)
        if (w->next[i] >= 0)
            tp[k++] = (msgbus_topic_partition){topic, i, w->next[i]};
    rc = k ? msgbus_consumer_commit_offsets(c, tp, k, wait_ms) : 0;
    free(tp);
    if (rc == 0)
        w->dirty = 0;
    else if (wait_ms)
        fprintf(stderr, "msgbus: commit failed: %s (%s)\n", msgbus_strerror(rc),
                msgbus_err_name(rc));
    return rc;
}

/* An error from poll: 1 to stop (it cannot get better by waiting), 0 to go on. */
static int consume_fatal(int rc)
{
    return rc == MSGBUS_ERR_TRANSPORT || rc == MSGBUS_ERR_STATE || rc == MSGBUS_ERR_NOMEM ||
           rc == MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION || (rc > 0 && !msgbus_err_retriable(rc));
}

/* Print records until -n, -e, a signal or a fatal error; commit every second. */
static int consume_loop(msgbus_consumer *c, const consume_opts *o, written *w, int32_t first,
                        int32_t n, long *got)
{
    uint32_t last_commit = msgbus_port_now_ms();
    int errors = 0;
    while (!g_stop && (o->count < 0 || *got < o->count)) {
        msgbus_record rec;
        int rc = msgbus_consumer_poll(c, &rec, 200);
        if (rc == 0) {
            fwrite(rec.value ? rec.value : "", 1, rec.value_len, stdout);
            if (fputc('\n', stdout) == EOF)
                return errors + 1; /* stdout is gone: commit nothing more */
            (*got)++;
            if (o->group && written_note(w, rec.partition, rec.offset + 1) != 0)
                return errors + 1;
        } else if (rc != MSGBUS_ERR_NO_MESSAGE) {
            fprintf(stderr, "msgbus: %s [%d] at %lld: %s (%s)\n", rec.topic ? rec.topic : o->topic,
                    (int)rec.partition, (long long)rec.offset, msgbus_strerror(rc),
                    msgbus_err_name(rc));
            errors++;
            if (consume_fatal(rc))
                break;
        }
        if (o->group && msgbus_time_diff(msgbus_port_now_ms(), last_commit) >= 1000) {
            last_commit = msgbus_port_now_ms();
            commit_written(c, o->topic, w, 0); /* a failure is retried next second */
        }
        if (o->at_end && all_at_end(c, o->topic, first, n, o->group != NULL))
            break;
    }
    return errors;
}

static int cmd_consume(int argc, char **argv)
{
    consume_opts o;
    written w = {NULL, 0, 0};
    msgbus_consumer *c;
    int32_t first = 0, n_parts = 1;
    long got = 0;
    int rc, errors;
    memset(&o, 0, sizeof o);
    msgbus_consumer_config_init(&o.cfg);
    o.cfg.fetch_max_wait_ms = 100;
    o.from = "beginning";
    o.part = -1;
    o.count = -1;
    o.timeout = 10000;
    if (consume_args(&o, argc, argv))
        return 2;
    if (!o.cfg.log)
        o.cfg.log = log_stderr, o.cfg.log_level = MSGBUS_LOG_WARN;
    security_env(&o.cfg.security);
    o.cfg.group_id = o.group;
    if (o.group) {
        o.cfg.session_timeout_ms = 6000;
        o.cfg.heartbeat_interval_ms = 1000;
        o.cfg.auto_commit_interval_ms = 0; /* only what was printed is committed, by us */
        o.cfg.auto_offset_reset =
            strcmp(o.from, "end") ? MSGBUS_OFFSET_BEGINNING : MSGBUS_OFFSET_END;
        o.cfg.on_rebalance = on_rebalance;
        o.cfg.rebalance_ud = &w;
    }
    catch_stop_signals();
    if ((rc = msgbus_consumer_create(&c, &o.cfg)) != 0) {
        fprintf(stderr, "msgbus: cannot connect to %s: %s\n", o.cfg.bootstrap, msgbus_strerror(rc));
        return 1;
    }
    if (consume_start(c, &o, &first, &n_parts) != 0) {
        msgbus_consumer_close(c);
        return 1;
    }
    errors = consume_loop(c, &o, &w, first, n_parts, &got);
    if (o.group)
        errors += commit_written(c, o.topic, &w, (uint32_t)o.timeout) != 0;
    else if (fflush(stdout) != 0)
        errors++;
    msgbus_consumer_close(c); /* leaves the group */
    free(w.next);
    fprintf(stderr, "%ld consumed%s\n", got, g_stop ? " (stopped by a signal)" : "");
    return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "metadata"))
        return cmd_metadata(argc - 1, argv + 1);
    if (!strcmp(argv[1], "produce"))
        return cmd_produce(argc - 1, argv + 1);
    if (!strcmp(argv[1], "consume"))
        return cmd_consume(argc - 1, argv + 1);
    fprintf(stderr, "msgbus: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
