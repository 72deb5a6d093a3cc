/*
 * msgbus - the project's command-line tool (kcat-like).
 *
 *   msgbus metadata -b HOST:PORT[,HOST:PORT...] [-t TOPIC]... [-T TIMEOUT_MS] [-v]
 *   msgbus produce -b BROKERS -t TOPIC [-p PARTITION] [-k KEY] [-a ACKS]
 *                  [-H name=value]... [-n COUNT -s SIZE] [-L LINGER_MS] [-v]
 *
 *   msgbus consume -b BROKERS -t TOPIC [-g GROUP | -p PARTITION]
 *                  [-o beginning|end|OFFSET|s@TIMESTAMP_MS]
 *                  [-n COUNT] [-e] [-v]
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
 * COUNT messages.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgbus/consumer.h"
#include "msgbus/error.h"
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
            "          [-n COUNT] [-e] [-v]\n"
            "           print each message value on a line; -e: stop at the end of every\n"
            "           partition; -n: stop after COUNT messages\n\n"
            "options:\n"
            "  -b LIST  bootstrap brokers\n"
            "  -t TOPIC only this topic (repeatable; created if the cluster allows it)\n"
            "  -T MS    give up after MS milliseconds (default 10000)\n"
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

static int cmd_consume(int argc, char **argv)
{
    msgbus_consumer_config cfg;
    msgbus_consumer *c;
    msgbus_record rec;
    const char *topic = NULL, *from = "beginning", *group = NULL;
    int32_t part = -1, first, n_parts = 1, i;
    long count = -1, got = 0;
    int at_end = 0, rc;
    msgbus_consumer_config_init(&cfg);
    cfg.fetch_max_wait_ms = 100;
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
        if (!strcmp(a, "-e")) {
            at_end = 1;
            continue;
        }
        if (!strcmp(a, "-v")) {
            cfg.log = log_stderr;
            cfg.log_level = MSGBUS_LOG_DEBUG;
            continue;
        }
        if (!v) {
            usage(stderr);
            return 2;
        }
        if (!strcmp(a, "-b"))
            cfg.bootstrap = v;
        else if (!strcmp(a, "-t"))
            topic = v;
        else if (!strcmp(a, "-p"))
            part = (int32_t)strtol(v, NULL, 10);
        else if (!strcmp(a, "-o"))
            from = v;
        else if (!strcmp(a, "-g"))
            group = v;
        else if (!strcmp(a, "-n"))
            count = strtol(v, NULL, 10);
        else {
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (!cfg.bootstrap || !topic) {
        usage(stderr);
        return 2;
    }
    if (!cfg.log) {
        cfg.log = log_stderr;
        cfg.log_level = MSGBUS_LOG_WARN;
    }
    security_env(&cfg.security);
    cfg.group_id = group;
    if (group) {
        cfg.session_timeout_ms = 6000;
        cfg.heartbeat_interval_ms = 1000;
        cfg.auto_commit_interval_ms = 1000;
        cfg.auto_offset_reset = strcmp(from, "end") ? MSGBUS_OFFSET_BEGINNING : MSGBUS_OFFSET_END;
    }
    if ((rc = msgbus_consumer_create(&c, &cfg)) != 0) {
        fprintf(stderr, "msgbus: cannot connect to %s: %s\n", cfg.bootstrap, msgbus_strerror(rc));
        return 1;
    }
    first = part;
    if (part < 0) {
        first = 0;
        rc = msgbus_consumer_partition_count(c, topic, &n_parts, 10000);
    }
    if (rc == 0 && group)
        rc = msgbus_consumer_subscribe(c, &topic, 1);
    for (i = first; rc == 0 && !group && i < first + n_parts; i++) {
        if (!strcmp(from, "beginning"))
            rc = msgbus_consumer_assign(c, topic, i, MSGBUS_OFFSET_BEGINNING);
        else if (!strcmp(from, "end"))
            rc = msgbus_consumer_assign(c, topic, i, MSGBUS_OFFSET_END);
        else if (!strncmp(from, "s@", 2))
            rc = msgbus_consumer_assign_time(c, topic, i, strtoll(from + 2, NULL, 10));
        else
            rc = msgbus_consumer_assign(c, topic, i, strtoll(from, NULL, 10));
    }
    if (rc) {
        fprintf(stderr, "msgbus: cannot consume %s: %s\n", topic, msgbus_strerror(rc));
        msgbus_consumer_close(c);
        return 1;
    }
    while (count < 0 || got < count) {
        rc = msgbus_consumer_poll(c, &rec, 200);
        if (rc == 0) {
            fwrite(rec.value ? rec.value : "", 1, rec.value_len, stdout);
            fputc('\n', stdout);
            got++;
            continue;
        }
        if (rc != MSGBUS_ERR_NO_MESSAGE) {
            fprintf(stderr, "msgbus: %s [%d] at %lld: %s\n", rec.topic ? rec.topic : topic,
                    (int)rec.partition, (long long)rec.offset, msgbus_strerror(rc));
            if (rc == MSGBUS_ERR_TRANSPORT || rc == MSGBUS_ERR_STATE)
                break;
        }
        if (at_end && all_at_end(c, topic, first, n_parts, group != NULL))
            break;
    }
    fflush(stdout);
    msgbus_consumer_close(c);
    fprintf(stderr, "%ld consumed\n", got);
    return 0;
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
