/*
 * bridge_emitter.c - the emitting process of test_int_bridge.c's crash test:
 * a local bus whose topic "ev" is bridged to a Kafka topic, with a file
 * outbox. It emits events numbered from where the outbox says the last run
 * stopped (its next record number: one record per emit) up to <total>,
 * printing "emitted <n>" every 1000, then forwards until the outbox is empty
 * and prints "done". The test kills it with SIGKILL half way and runs it
 * again on the same directory.
 *
 * usage: bridge_emitter <bootstrap> <dir> <total> <kafka topic> <max in flight>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msgbus/bridge.h"

static void say(const char *fmt, unsigned long long v)
{
    char line[64];
    int n = snprintf(line, sizeof line, fmt, v);
    if (write(1, line, (size_t)n) != n)
        exit(3);
}

int main(int argc, char **argv)
{
    static msgbus_local bus;
    msgbus_storage_file *f;
    msgbus_bridge_config cfg;
    msgbus_bridge_out out = {"ev", NULL, MSGBUS_BRIDGE_KEY_NONE};
    msgbus_bridge *b;
    msgbus_bridge_stats st;
    uint64_t first, next, i, total;
    int waited = 0;
    if (argc != 6)
        return 2;
    total = strtoull(argv[3], NULL, 10);
    out.kafka_topic = argv[4];
    if (msgbus_storage_file_open(&f, argv[2], 1u << 20, 0, MSGBUS_STORAGE_SYNC_NONE, 0) != 0 ||
        msgbus_local_init(&bus, NULL) != 0)
        return 1;
    cfg.storage = msgbus_storage_file_get(f);
    cfg.storage->range(cfg.storage->ctx, &first, &next);
    msgbus_bridge_config_init(&cfg);
    cfg.bus = &bus;
    cfg.out = &out;
    cfg.n_out = 1;
    cfg.storage = msgbus_storage_file_get(f);
    cfg.max_events = 200000;
    cfg.max_in_flight = (uint32_t)strtoul(argv[5], NULL, 10);
    cfg.producer.bootstrap = argv[1];
    cfg.producer.linger_ms = 2;
    if (msgbus_bridge_create(&b, &cfg) != 0)
        return 1;
    say("start %llu\n", (unsigned long long)next);
    for (i = next; i < total; i++) {
        char v[16];
        int n = snprintf(v, sizeof v, "%07llu", (unsigned long long)i);
        while (msgbus_local_emit(&bus, "ev", v, (size_t)n, 0, NULL) == MSGBUS_ERR_QUEUE_FULL)
            msgbus_bridge_poll(b, 1);
        if (i % 256 == 255)
            msgbus_bridge_poll(b, 0);
        if (i % 1000 == 999)
            say("emitted %llu\n", (unsigned long long)(i + 1));
    }
    do {
        msgbus_bridge_poll(b, 100);
        msgbus_bridge_stats_get(b, &st);
    } while (st.kept > 0 && ++waited < 600);
    say("done kept=%llu\n", (unsigned long long)st.kept);
    msgbus_bridge_destroy(b, 1000);
    msgbus_storage_file_close(f);
    msgbus_local_destroy(&bus);
    return st.kept == 0 ? 0 : 1;
}
