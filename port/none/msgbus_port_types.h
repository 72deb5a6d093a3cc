/*
 * msgbus_port_types.h (port/none) - the port contract's types with no
 * operating system: no threads, so locks and conditions are empty shells.
 */
#ifndef MSGBUS_PORT_TYPES_H
#define MSGBUS_PORT_TYPES_H

/** No threads: the application's poll call drives everything. */
#define MSGBUS_PORT_HAS_THREADS 0

/* C11 forbids empty structs; the member is never used. */
typedef struct msgbus_port_mutex_t {
    char unused;
} msgbus_port_mutex_t;

typedef struct msgbus_port_cond_t {
    char unused;
} msgbus_port_cond_t;

#endif /* MSGBUS_PORT_TYPES_H */
