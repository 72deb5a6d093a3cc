/*
 * port.c (port/posix) - clock, random source, mutexes, conditions and threads
 * for Linux, macOS and other POSIX systems.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "msgbus/error.h"
#include "msgbus/port.h"

uint32_t msgbus_port_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

int64_t msgbus_port_wallclock_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -1;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int msgbus_port_random(void *buf, size_t len)
{
    uint8_t *p = buf;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return MSGBUS_ERR_UNKNOWN;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return MSGBUS_ERR_UNKNOWN;
        }
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    return 0;
}

int msgbus_port_mutex_init(msgbus_port_mutex_t *m)
{
    return pthread_mutex_init(m, NULL) ? MSGBUS_ERR_NOMEM : 0;
}

void msgbus_port_mutex_lock(msgbus_port_mutex_t *m)
{
    pthread_mutex_lock(m);
}

void msgbus_port_mutex_unlock(msgbus_port_mutex_t *m)
{
    pthread_mutex_unlock(m);
}

void msgbus_port_mutex_destroy(msgbus_port_mutex_t *m)
{
    pthread_mutex_destroy(m);
}

int msgbus_port_cond_init(msgbus_port_cond_t *c)
{
    pthread_condattr_t attr;
    int rc;
    if (pthread_condattr_init(&attr))
        return MSGBUS_ERR_NOMEM;
#if !defined(__APPLE__)
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* waits immune to wall-clock jumps */
#endif
    rc = pthread_cond_init(c, &attr);
    pthread_condattr_destroy(&attr);
    return rc ? MSGBUS_ERR_NOMEM : 0;
}

int msgbus_port_cond_wait(msgbus_port_cond_t *c, msgbus_port_mutex_t *m, uint32_t timeout_ms)
{
    struct timespec ts;
#if defined(__APPLE__)
    clock_gettime(CLOCK_REALTIME, &ts);
#else
    clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
    ts.tv_sec += (time_t)(timeout_ms / 1000u);
    ts.tv_nsec += (long)(timeout_ms % 1000u) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_cond_timedwait(c, m, &ts) == ETIMEDOUT ? MSGBUS_ERR_TIMEOUT : 0;
}

void msgbus_port_cond_broadcast(msgbus_port_cond_t *c)
{
    pthread_cond_broadcast(c);
}

void msgbus_port_cond_destroy(msgbus_port_cond_t *c)
{
    pthread_cond_destroy(c);
}

static void *thread_main(void *arg)
{
    msgbus_port_thread_t *t = arg;
    t->fn(t->arg);
    return NULL;
}

int msgbus_port_thread_create(msgbus_port_thread_t *t, void (*fn)(void *arg), void *arg)
{
    t->fn = fn;
    t->arg = arg;
    return pthread_create(&t->id, NULL, thread_main, t) ? MSGBUS_ERR_NOMEM : 0;
}

void msgbus_port_thread_join(msgbus_port_thread_t *t)
{
    pthread_join(t->id, NULL);
}
