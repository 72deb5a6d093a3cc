/*
 * broker_proc.h - run the test broker (tests/broker/mb_test_broker, librdkafka's
 * mock cluster) as a child process on 127.0.0.1, and talk to it over pipes.
 * Everything is bounded in time; the child is always reaped.
 */
#ifndef MB_BROKER_PROC_H
#define MB_BROKER_PROC_H

#include <sys/types.h>

typedef struct broker_proc {
    pid_t pid;
    int in_fd;  /* the broker's stdin */
    int out_fd; /* the broker's stdout */
    char bootstrap[512];
} broker_proc;

/* Start a broker with @p n brokers and a lifetime of @p seconds. 0 on success. */
int broker_start(broker_proc *b, const char *exe, int n, int seconds);
/* Send one command line; 0 when the broker answered "ok". */
int broker_cmd(broker_proc *b, const char *line);
/* Stop the broker (close its stdin, wait, kill if it lingers). */
void broker_stop(broker_proc *b);

#endif
