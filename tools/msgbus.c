/*
 * msgbus - the project's command-line tool (kcat-like).
 *
 *   msgbus metadata -b HOST:PORT[,HOST:PORT...] [-t TOPIC]... [-T TIMEOUT_MS] [-v]
 *
 * prints the cluster's brokers and every topic with its partitions and
 * leaders. produce and consume come with the producer and consumer.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgbus/error.h"
#include "msgbus/port_tcp.h"
#include "net/client.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: msgbus COMMAND [options]\n\n"
               "commands:\n"
               "  metadata -b HOST:PORT[,HOST:PORT...] [-t TOPIC]... [-T TIMEOUT_MS] [-v]\n"
               "           print the brokers, and every topic with its partitions and leaders\n\n"
               "options:\n"
               "  -b LIST  bootstrap brokers\n"
               "  -t TOPIC only this topic (repeatable; created if the cluster allows it)\n"
               "  -T MS    give up after MS milliseconds (default 10000)\n"
               "  -v       log the client's progress to stderr\n");
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
    mb_client_config_init(&cfg);
    cfg.client_id = "msgbus-cli";
    for (i = 1; i < argc; i++) {
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

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "metadata"))
        return cmd_metadata(argc - 1, argv + 1);
    fprintf(stderr, "msgbus: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
