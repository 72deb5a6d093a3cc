/*
 * msgbus_port_types.h (port/posix) - complete types for the port contract
 * (include/msgbus/port.h) on POSIX systems: pthreads.
 */
#ifndef MSGBUS_PORT_TYPES_H
#define MSGBUS_PORT_TYPES_H

#include <pthread.h>

/** This port has threads: msgbus may run its event loop on one of its own. */
#define MSGBUS_PORT_HAS_THREADS 1

typedef pthread_mutex_t msgbus_port_mutex_t;
typedef pthread_cond_t msgbus_port_cond_t;

/** A thread and what it runs. */
typedef struct msgbus_port_thread_t {
    pthread_t id;
    void (*fn)(void *arg);
    void *arg;
} msgbus_port_thread_t;

#endif /* MSGBUS_PORT_TYPES_H */
