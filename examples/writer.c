/*
 * writer.c - the Go msgbus README's writer example in C: connect to the bus
 * as a blocking writer, write a string, disconnect.
 *
 *   writer [BOOTSTRAP [TOPIC [MESSAGE]]]
 *
 * BOOTSTRAP defaults to localhost:9092, TOPIC to hb_events and MESSAGE to
 * "The Rain In Spain". Exits 0 once the broker has acknowledged the message.
 */
#include <stdio.h>

#include "msgbus/msgbus.h"

static void log_stderr(void *ud, int level, const char *msg)
{
    (void)ud;
    fprintf(stderr, "msgbus [%d]: %s\n", level, msg);
}

int main(int argc, char **argv)
{
    const char *bootstrap = argc > 1 ? argv[1] : "localhost:9092";
    const char *topic = argc > 2 ? argv[2] : "hb_events";
    const char *text = argc > 3 ? argv[3] : "The Rain In Spain";
    msgbus_config cfg;
    msgbus *bus;
    int rc;

    msgbus_set_logger(log_stderr, NULL, MSGBUS_LOG_WARN);

    /* Message bus connection configuration */
    msgbus_config_init(&cfg);
    cfg.tech = MSGBUS_TECH_KAFKA;
    cfg.bootstrap = bootstrap; /* or cfg.host = "localhost"; cfg.port = 9092; */
    cfg.blocking = MSGBUS_BLOCKING;
    cfg.direction = MSGBUS_WRITER;
    cfg.connect_retries = 10;
    cfg.topic = topic;

    /* Connect to message bus */
    rc = msgbus_connect(&bus, &cfg);
    if (rc != 0) {
        fprintf(stderr, "Error connecting to bus: %s\n", msgbus_strerror(rc));
        return 1;
    }

    /* Write a message: blocks until the broker has it */
    rc = msgbus_write_str(bus, text);
    if (rc != 0)
        fprintf(stderr, "Error writing to bus: %s\n", msgbus_strerror(rc));
    else
        printf("wrote \"%s\" to %s\n", text, topic);

    if (msgbus_status(bus) == MSGBUS_STATUS_OPEN)
        msgbus_disconnect(bus);
    msgbus_destroy(bus);
    return rc == 0 ? 0 : 1;
}
