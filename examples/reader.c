/*
 * reader.c - the Go msgbus README's reader examples in C: connect as a
 * blocking reader, read with a message-available check; then register a
 * callback, let it receive messages, unregister it; disconnect.
 *
 *   reader [BOOTSTRAP [TOPIC [COUNT]]]
 *
 * BOOTSTRAP defaults to localhost:9092, TOPIC to hb_events. It reads COUNT
 * messages (default 1) with msgbus_read(), then hands whatever else arrives
 * within two seconds to a callback. Exits 0 once COUNT messages were read.
 */
#include <stdio.h>
#include <stdlib.h>

#include "msgbus/msgbus.h"
#include "msgbus/port.h"

static void log_stderr(void *ud, int level, const char *msg)
{
    (void)ud;
    fprintf(stderr, "msgbus [%d]: %s\n", level, msg);
}

/* Called for every message once registered (on the connection's own thread). */
static void my_cbfunc(void *ud, const msgbus_record *rec)
{
    int *count = ud;
    (*count)++;
    printf("Message Received: '%.*s'\n", (int)rec->value_len, (const char *)rec->value);
    fflush(stdout);
}

/* Sleep about @p ms, letting a port without threads run the callback. */
static void do_other_stuff(msgbus *bus, uint32_t ms)
{
    uint32_t end = msgbus_port_now_ms() + ms;
    while (msgbus_time_diff(end, msgbus_port_now_ms()) > 0)
        msgbus_poll(bus, 50); /* only waits where the callback has a thread */
}

int main(int argc, char **argv)
{
    const char *bootstrap = argc > 1 ? argv[1] : "localhost:9092";
    const char *topic = argc > 2 ? argv[2] : "hb_events";
    int want = argc > 3 ? atoi(argv[3]) : 1, got = 0, by_cb = 0, rc;
    char msg[4096];
    size_t len;
    msgbus_config cfg;
    msgbus *bus;

    msgbus_set_logger(log_stderr, NULL, MSGBUS_LOG_WARN);

    /* Message bus connection configuration */
    msgbus_config_init(&cfg);
    cfg.tech = MSGBUS_TECH_KAFKA;
    cfg.bootstrap = bootstrap; /* or cfg.host = "localhost"; cfg.port = 9092; */
    cfg.blocking = MSGBUS_BLOCKING;
    cfg.direction = MSGBUS_READER;
    cfg.connect_retries = 10;
    cfg.topic = topic;
    cfg.read_timeout_ms = 10000; /* the Go reader waits for ever; an example should not */

    /* Connect to message bus */
    rc = msgbus_connect(&bus, &cfg);
    if (rc != 0) {
        fprintf(stderr, "Error connecting to bus: %s\n", msgbus_strerror(rc));
        return 1;
    }

    /* Blocking reads, first checking whether a message is available */
    while (got < want) {
        if (msgbus_message_available(bus) == 0)
            printf("no message available yet: a blocking read waits for one\n");
        rc = msgbus_read(bus, msg, sizeof msg, &len);
        if (rc != 0) {
            fprintf(stderr, "ERROR reading message: %s\n", msgbus_strerror(rc));
            break;
        }
        printf("Message received: '%.*s'\n", (int)len, msg);
        got++;
    }

    /* Register a function to be called when messages arrive */
    rc = msgbus_register_cb(bus, my_cbfunc, &by_cb);
    if (rc != 0)
        fprintf(stderr, "ERROR registering callback function: %s\n", msgbus_strerror(rc));
    do_other_stuff(bus, 2000);
    /* Un-register the callback when it is no longer wanted */
    msgbus_unregister_cb(bus);
    printf("%d read, %d through the callback\n", got, by_cb);

    msgbus_disconnect(bus);
    msgbus_destroy(bus);
    return got == want ? 0 : 1;
}
