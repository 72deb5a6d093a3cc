/*
 * broker_proc.c - see broker_proc.h.
 */
#define _POSIX_C_SOURCE 200809L

#include "broker_proc.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Read one line from fd within timeout_ms; 0 on success. */
static int read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t n = 0;
    while (n + 1 < cap) {
        struct pollfd p = {fd, POLLIN, 0};
        char c;
        if (poll(&p, 1, timeout_ms) <= 0 || read(fd, &c, 1) != 1)
            return -1;
        if (c == '\n')
            break;
        buf[n++] = c;
    }
    buf[n] = '\0';
    return 0;
}

int broker_start(broker_proc *b, const char *exe, int n, int seconds)
{
    int in[2], out[2];
    char nb[16], tb[16];
    memset(b, 0, sizeof *b);
    if (pipe(in) || pipe(out))
        return -1;
    snprintf(nb, sizeof nb, "%d", n);
    snprintf(tb, sizeof tb, "%d", seconds);
    b->pid = fork();
    if (b->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execl(exe, exe, "-n", nb, "-t", tb, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    b->in_fd = in[1];
    b->out_fd = out[0];
    signal(SIGPIPE, SIG_IGN);
    if (b->pid < 0 || read_line(b->out_fd, b->bootstrap, sizeof b->bootstrap, 10000)) {
        broker_stop(b);
        return -1;
    }
    return 0;
}

int broker_cmd(broker_proc *b, const char *line)
{
    char answer[256];
    size_t len = strlen(line);
    if (write(b->in_fd, line, len) != (ssize_t)len || write(b->in_fd, "\n", 1) != 1)
        return -1;
    if (read_line(b->out_fd, answer, sizeof answer, 5000))
        return -1;
    return strncmp(answer, "ok", 2) == 0 ? 0 : -1;
}

void broker_stop(broker_proc *b)
{
    int i, status;
    if (b->in_fd > 0)
        close(b->in_fd);
    if (b->out_fd > 0)
        close(b->out_fd);
    b->in_fd = b->out_fd = -1;
    if (b->pid <= 0)
        return;
    for (i = 0; i < 100; i++) { /* up to 5 s for its orderly shutdown */
        struct timespec ts = {0, 50000000L};
        if (waitpid(b->pid, &status, WNOHANG) == b->pid) {
            b->pid = 0;
            return;
        }
        nanosleep(&ts, NULL);
    }
    kill(b->pid, SIGKILL);
    waitpid(b->pid, &status, 0);
    b->pid = 0;
}
