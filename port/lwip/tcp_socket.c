/*
 * tcp_socket.c (port/lwip) - a msgbus transport over lwIP's socket API
 * (lwip_socket/lwip_connect/lwip_writev/lwip_recv/lwip_poll), for an RTOS
 * (or any OS) running lwIP's tcpip thread (NO_SYS=0, LWIP_SOCKET=1).
 *
 * Calls go one way: msgbus -> this file -> lwIP's sequential API, which
 * talks to the tcpip thread; lwIP never calls back into this file. Sockets
 * are non-blocking; wait() is lwip_poll(). Connections come from a static
 * pool (no heap). lwIP's own socket headers are used, or the system's when
 * lwIP is built with LWIP_SOCKET_EXTERNAL_HEADERS (Debian's liblwip is).
 */
#include <errno.h>
#include <string.h>

#include "lwip/inet.h"
#include "lwip/ip_addr.h"
#include "lwip/netdb.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#if LWIP_SOCKET_EXTERNAL_HEADERS
#include <fcntl.h>
#include <sys/uio.h>
#endif

#include "msgbus/error.h"
#include "msgbus_lwip.h"

#if !LWIP_SOCKET || !LWIP_SOCKET_POLL
#error "tcp_socket.c needs LWIP_SOCKET and LWIP_SOCKET_POLL (lwip_poll)"
#endif

#ifndef MSGBUS_LWIP_SOCK_MAX
#define MSGBUS_LWIP_SOCK_MAX 16 /**< connections at once */
#endif
#define MB_SOCK_IOV_MAX 16 /* pieces handed to one lwip_writev */

struct msgbus_sock {
    int fd; /* -1: slot free */
};

static struct msgbus_sock mb_sock_pool[MSGBUS_LWIP_SOCK_MAX];
static int mb_sock_pool_ready;

/* The pool is shared by every client, whichever task runs it: guarded by
 * lwIP's own critical section (SYS_ARCH_PROTECT). */
static struct msgbus_sock *mb_sock_alloc(int fd)
{
    struct msgbus_sock *s = NULL;
    size_t i;
    SYS_ARCH_DECL_PROTECT(lev);
    SYS_ARCH_PROTECT(lev);
    if (!mb_sock_pool_ready) {
        for (i = 0; i < MSGBUS_LWIP_SOCK_MAX; i++)
            mb_sock_pool[i].fd = -1;
        mb_sock_pool_ready = 1;
    }
    for (i = 0; i < MSGBUS_LWIP_SOCK_MAX && s == NULL; i++) {
        if (mb_sock_pool[i].fd < 0) {
            mb_sock_pool[i].fd = fd;
            s = &mb_sock_pool[i];
        }
    }
    SYS_ARCH_UNPROTECT(lev);
    return s;
}

static void mb_sock_release(struct msgbus_sock *s)
{
    SYS_ARCH_DECL_PROTECT(lev);
    SYS_ARCH_PROTECT(lev);
    s->fd = -1;
    SYS_ARCH_UNPROTECT(lev);
}

static int mb_sock_would_block(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* @p host:@p port into an IPv4 socket address: numeric, or lwIP's resolver. */
static int mb_sock_resolve(const char *host, uint16_t port, struct sockaddr_in *sa)
{
    ip4_addr_t a;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = lwip_htons(port);
    if (ip4addr_aton(host, &a)) {
        sa->sin_addr.s_addr = ip4_addr_get_u32(&a);
        return 0;
    }
#if LWIP_DNS
    {
        struct addrinfo hints, *res = NULL;
        int rc = MSGBUS_ERR_RESOLVE;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        if (lwip_getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL &&
            res->ai_addrlen >= sizeof *sa) {
            memcpy(&sa->sin_addr, &((const struct sockaddr_in *)(void *)res->ai_addr)->sin_addr,
                   sizeof sa->sin_addr);
            rc = 0;
        }
        if (res != NULL)
            lwip_freeaddrinfo(res);
        return rc;
    }
#else
    return MSGBUS_ERR_RESOLVE;
#endif
}

static int mb_sock_connect(void *ctx, const char *host, uint16_t port, msgbus_sock **out)
{
    struct sockaddr_in sa;
    struct msgbus_sock *s;
    int fd, rc, one = 1;
    (void)ctx;
    if (host == NULL || out == NULL || port == 0)
        return MSGBUS_ERR_INVALID_ARG;
    rc = mb_sock_resolve(host, port, &sa);
    if (rc != 0)
        return rc;
    fd = lwip_socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return MSGBUS_ERR_NOMEM;
    s = mb_sock_alloc(fd);
    if (s == NULL || lwip_fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
        lwip_close(fd);
        if (s != NULL)
            mb_sock_release(s);
        return s == NULL ? MSGBUS_ERR_NOMEM : MSGBUS_ERR_TRANSPORT;
    }
    (void)lwip_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (lwip_connect(fd, (const struct sockaddr *)(const void *)&sa, sizeof sa) != 0 &&
        errno != EINPROGRESS) {
        lwip_close(fd);
        mb_sock_release(s);
        return MSGBUS_ERR_TRANSPORT;
    }
    *out = s;
    return 0;
}

static int mb_sock_connect_check(void *ctx, msgbus_sock *s)
{
    struct pollfd p;
    int err = 0;
    socklen_t len = sizeof err;
    (void)ctx;
    p.fd = s->fd;
    p.events = POLLOUT;
    p.revents = 0;
    if (lwip_poll(&p, 1, 0) == 0)
        return 0;
    if (lwip_getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
        return MSGBUS_ERR_TRANSPORT;
    return (p.revents & (POLLERR | POLLHUP | POLLNVAL)) ? MSGBUS_ERR_TRANSPORT : 1;
}

static long mb_sock_send(void *ctx, msgbus_sock *s, const msgbus_iovec *iov, size_t iovcnt)
{
    struct iovec v[MB_SOCK_IOV_MAX];
    size_t i, n = iovcnt < MB_SOCK_IOV_MAX ? iovcnt : MB_SOCK_IOV_MAX;
    ssize_t r;
    (void)ctx;
    for (i = 0; i < n; i++) {
        v[i].iov_base = (void *)(uintptr_t)iov[i].base;
        v[i].iov_len = iov[i].len;
    }
    r = lwip_writev(s->fd, v, (int)n);
    if (r >= 0)
        return (long)r;
    return mb_sock_would_block() ? 0 : MSGBUS_ERR_TRANSPORT;
}

static long mb_sock_recv(void *ctx, msgbus_sock *s, void *buf, size_t len)
{
    ssize_t r;
    (void)ctx;
    r = lwip_recv(s->fd, buf, len, 0);
    if (r > 0)
        return (long)r;
    if (r < 0 && mb_sock_would_block())
        return 0;
    return MSGBUS_ERR_TRANSPORT; /* 0: the peer closed; < 0: failed */
}

static void mb_sock_close(void *ctx, msgbus_sock *s)
{
    (void)ctx;
    if (s == NULL || s->fd < 0)
        return;
    lwip_close(s->fd);
    mb_sock_release(s);
}

static int mb_sock_wait(void *ctx, msgbus_poll_item *items, size_t n, uint32_t timeout_ms)
{
    struct pollfd p[MSGBUS_LWIP_SOCK_MAX];
    size_t i;
    int r, ready = 0;
    (void)ctx;
    if (n > MSGBUS_LWIP_SOCK_MAX)
        return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < n; i++) {
        p[i].fd = items[i].sock ? items[i].sock->fd : -1;
        p[i].events = (short)(((items[i].want & MSGBUS_POLL_IN) ? POLLIN : 0) |
                              ((items[i].want & MSGBUS_POLL_OUT) ? POLLOUT : 0));
        p[i].revents = 0;
        items[i].ready = 0;
    }
    r = lwip_poll(p, (nfds_t)n, timeout_ms > 0x7fffffffu ? -1 : (int)timeout_ms);
    if (r < 0)
        return mb_sock_would_block() ? 0 : MSGBUS_ERR_TRANSPORT;
    for (i = 0; i < n; i++) {
        unsigned f = 0;
        if (p[i].revents & POLLIN)
            f |= MSGBUS_POLL_IN;
        if (p[i].revents & POLLOUT)
            f |= MSGBUS_POLL_OUT;
        if (p[i].revents & (POLLERR | POLLHUP | POLLNVAL))
            f |= MSGBUS_POLL_ERR | (items[i].want & (MSGBUS_POLL_IN | MSGBUS_POLL_OUT));
        items[i].ready = f;
        if (f != 0)
            ready++;
    }
    return ready;
}

int msgbus_lwip_socket_transport(msgbus_transport *t)
{
    if (t == NULL)
        return MSGBUS_ERR_INVALID_ARG;
    memset(t, 0, sizeof *t);
    t->connect = mb_sock_connect;
    t->connect_check = mb_sock_connect_check;
    t->send = mb_sock_send;
    t->recv = mb_sock_recv;
    t->close = mb_sock_close;
    t->wait = mb_sock_wait;
    t->wakeup = NULL; /* the application drives the loop (MSGBUS_LOOP_APP) */
    return 0;
}
