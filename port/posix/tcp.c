/*
 * tcp.c (port/posix) - the TCP transport (see include/msgbus/port_tcp.h and
 * the contract in include/msgbus/transport.h).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MSG_NOSIGNAL, NI_MAXHOST on glibc */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "msgbus/error.h"
#include "msgbus/port_tcp.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS: SO_NOSIGPIPE is set on the socket instead */
#endif

#define TCP_MAX_ADDRS 8
#define TCP_MAX_WAIT 128

typedef struct tcp_inst {
    msgbus_allocator al;
    int wake[2]; /* wake[0] polled, wake[1] written by wakeup() */
} tcp_inst;

struct msgbus_sock {
    int fd;
    struct sockaddr_storage addrs[TCP_MAX_ADDRS]; /* what the name resolved to */
    socklen_t lens[TCP_MAX_ADDRS];
    int n_addrs, next; /* addresses, and the next one to try */
};

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int resolve(msgbus_sock *s, const char *host, uint16_t port)
{
    struct addrinfo hints, *res = NULL, *ai;
    char service[8];
    int rc;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0 || !res)
        return MSGBUS_ERR_RESOLVE;
    for (ai = res; ai && s->n_addrs < TCP_MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof s->addrs[0])
            continue;
        memcpy(&s->addrs[s->n_addrs], ai->ai_addr, ai->ai_addrlen);
        s->lens[s->n_addrs++] = ai->ai_addrlen;
    }
    freeaddrinfo(res);
    return s->n_addrs ? 0 : MSGBUS_ERR_RESOLVE;
}

/* Start connecting to the next address; 0, or TRANSPORT when none is left. */
static int try_next(msgbus_sock *s)
{
    while (s->next < s->n_addrs) {
        int i = s->next++, one = 1;
        if (s->fd >= 0)
            close(s->fd);
        s->fd = socket(s->addrs[i].ss_family, SOCK_STREAM, 0);
        if (s->fd < 0)
            continue;
        fcntl(s->fd, F_SETFD, FD_CLOEXEC);
        setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
        setsockopt(s->fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
        if (set_nonblock(s->fd) == 0 &&
            (connect(s->fd, (struct sockaddr *)&s->addrs[i], s->lens[i]) == 0 ||
             errno == EINPROGRESS))
            return 0;
    }
    return MSGBUS_ERR_TRANSPORT;
}

static int tcp_connect(void *ctx, const char *host, uint16_t port, msgbus_sock **out)
{
    tcp_inst *in = ctx;
    msgbus_sock *s;
    int rc;
    if (!host || !*host || port == 0)
        return MSGBUS_ERR_INVALID_ARG;
    s = in->al.alloc(in->al.ctx, sizeof *s);
    if (!s)
        return MSGBUS_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    s->fd = -1;
    rc = resolve(s, host, port);
    if (rc == 0)
        rc = try_next(s);
    if (rc) {
        if (s->fd >= 0)
            close(s->fd);
        in->al.free(in->al.ctx, s, sizeof *s);
        return rc;
    }
    *out = s;
    return 0;
}

static int tcp_connect_check(void *ctx, msgbus_sock *s)
{
    struct pollfd p;
    int err = 0;
    socklen_t len = sizeof err;
    (void)ctx;
    p.fd = s->fd;
    p.events = POLLOUT;
    p.revents = 0;
    if (poll(&p, 1, 0) == 0)
        return 0; /* still in progress */
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
        return 1;
    /* refused or unreachable: the next address, if the name had several */
    if (try_next(s) == 0)
        return 0;
    return MSGBUS_ERR_TRANSPORT;
}

static long tcp_send(void *ctx, msgbus_sock *s, const msgbus_iovec *iov, size_t iovcnt)
{
    struct iovec v[64];
    struct msghdr msg;
    size_t i;
    ssize_t n;
    (void)ctx;
    if (iovcnt > 64)
        iovcnt = 64;
    for (i = 0; i < iovcnt; i++) {
        v[i].iov_base = (void *)(uintptr_t)iov[i].base;
        v[i].iov_len = iov[i].len;
    }
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = v;
    msg.msg_iovlen = iovcnt;
    do
        n = sendmsg(s->fd, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : MSGBUS_ERR_TRANSPORT;
    return (long)n;
}

static long tcp_recv(void *ctx, msgbus_sock *s, void *buf, size_t len)
{
    ssize_t n;
    (void)ctx;
    do
        n = recv(s->fd, buf, len, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        return (long)n;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    return MSGBUS_ERR_TRANSPORT; /* 0 from the kernel: the peer closed */
}

static void tcp_close(void *ctx, msgbus_sock *s)
{
    tcp_inst *in = ctx;
    if (s->fd >= 0)
        close(s->fd);
    in->al.free(in->al.ctx, s, sizeof *s);
}

static void drain_wake(tcp_inst *in)
{
    char buf[64];
    while (read(in->wake[0], buf, sizeof buf) > 0) {
    }
}

static int tcp_wait(void *ctx, msgbus_poll_item *items, size_t n, uint32_t timeout_ms)
{
    tcp_inst *in = ctx;
    struct pollfd p[TCP_MAX_WAIT + 1];
    size_t i;
    int rc, ready = 0;
    if (n > TCP_MAX_WAIT)
        return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < n; i++) {
        p[i].fd = items[i].sock->fd;
        p[i].events = (short)(((items[i].want & MSGBUS_POLL_IN) ? POLLIN : 0) |
                              ((items[i].want & MSGBUS_POLL_OUT) ? POLLOUT : 0));
        p[i].revents = 0;
    }
    p[n].fd = in->wake[0];
    p[n].events = POLLIN;
    p[n].revents = 0;
    rc = poll(p, (nfds_t)(n + 1), timeout_ms > 0x7fffffffu ? -1 : (int)timeout_ms);
    if (rc < 0)
        return errno == EINTR ? 0 : MSGBUS_ERR_TRANSPORT;
    if (p[n].revents)
        drain_wake(in);
    for (i = 0; i < n; i++) {
        unsigned r = 0;
        if (p[i].revents & (POLLIN | POLLHUP))
            r |= MSGBUS_POLL_IN;
        if (p[i].revents & POLLOUT)
            r |= MSGBUS_POLL_OUT;
        if (p[i].revents & (POLLERR | POLLNVAL))
            r |= MSGBUS_POLL_ERR | MSGBUS_POLL_IN;
        items[i].ready = r;
        ready += r != 0;
    }
    return ready;
}

static void tcp_wakeup(void *ctx)
{
    tcp_inst *in = ctx;
    ssize_t rc = write(in->wake[1], "w", 1); /* a full pipe already means "wake up" */
    (void)rc;
}

int msgbus_port_tcp_transport_create(msgbus_transport *out, const msgbus_allocator *alloc)
{
    const msgbus_allocator *al = alloc ? alloc : msgbus_allocator_default();
    tcp_inst *in = al->alloc(al->ctx, sizeof *in);
    if (!in)
        return MSGBUS_ERR_NOMEM;
    in->al = *al;
    if (pipe(in->wake) != 0) {
        al->free(al->ctx, in, sizeof *in);
        return MSGBUS_ERR_TRANSPORT;
    }
    set_nonblock(in->wake[0]);
    set_nonblock(in->wake[1]);
    fcntl(in->wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(in->wake[1], F_SETFD, FD_CLOEXEC);
    memset(out, 0, sizeof *out);
    out->ctx = in;
    out->connect = tcp_connect;
    out->connect_check = tcp_connect_check;
    out->send = tcp_send;
    out->recv = tcp_recv;
    out->close = tcp_close;
    out->wait = tcp_wait;
    out->wakeup = tcp_wakeup;
    return 0;
}

void msgbus_port_tcp_transport_destroy(msgbus_transport *t)
{
    tcp_inst *in;
    if (!t || !t->ctx)
        return;
    in = t->ctx;
    close(in->wake[0]);
    close(in->wake[1]);
    in->al.free(in->al.ctx, in, sizeof *in);
    t->ctx = NULL;
}

int msgbus_port_transport_default(msgbus_transport *out, const msgbus_allocator *alloc)
{
    return msgbus_port_tcp_transport_create(out, alloc);
}

void msgbus_port_transport_destroy(msgbus_transport *t)
{
    msgbus_port_tcp_transport_destroy(t);
}
