/*
 * proc_time.c - time one whole process: wall clock from just before fork()
 * to the moment wait4() reaps it, and its CPU (user and system, the child
 * and every thread it had, from wait4's rusage).
 *
 *   proc_time [-o FILE] COMMAND [ARG...]
 *
 * The command inherits stdin, stdout and stderr. One line is written to FILE
 * (appended) or, without -o, to stderr:
 *
 *   wall_s user_s sys_s exit_status voluntary_switches involuntary_switches
 *
 * exit_status is the command's exit code, or 128 + the signal that ended it.
 * The context switches (wait4's ru_nvcsw and ru_nivcsw) show how often the
 * process waited for something (voluntary) or was preempted (involuntary).
 * proc_time itself exits with the same status, or 127 when the command could
 * not be started. bench/whole_process.sh uses it; it keeps the timing free of
 * any shell or time(1) start-up cost and needs nothing beyond POSIX.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tv_s(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec * 1e-6;
}

int main(int argc, char **argv)
{
    const char *out_path = NULL;
    struct rusage ru;
    int argi = 1, status = 0, code;
    pid_t pid;
    double t0, wall;
    FILE *out = stderr;

    if (argc > 2 && strcmp(argv[1], "-o") == 0) {
        out_path = argv[2];
        argi = 3;
    }
    if (argi >= argc) {
        fprintf(stderr, "usage: proc_time [-o FILE] COMMAND [ARG...]\n");
        return 2;
    }
    t0 = mono_s();
    pid = fork();
    if (pid < 0) {
        perror("proc_time: fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[argi], argv + argi);
        fprintf(stderr, "proc_time: cannot run %s: %s\n", argv[argi], strerror(errno));
        _exit(127);
    }
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("proc_time: wait4");
            return 127;
        }
    }
    wall = mono_s() - t0;
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (out_path != NULL && (out = fopen(out_path, "a")) == NULL) {
        perror("proc_time: output file");
        return 127;
    }
    fprintf(out, "%.6f %.6f %.6f %d %ld %ld\n", wall, tv_s(&ru.ru_utime), tv_s(&ru.ru_stime), code,
            ru.ru_nvcsw, ru.ru_nivcsw);
    if (out != stderr)
        fclose(out);
    return code;
}
