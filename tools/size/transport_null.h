/*
 * transport_null.h - a transport table whose functions do nothing, for the
 * size programs: they are linked to measure what an application pays in
 * flash for the parts of msgbus it uses, never run against a network.
 */
#ifndef SIZE_TRANSPORT_NULL_H
#define SIZE_TRANSPORT_NULL_H

#include "msgbus/error.h"
#include "msgbus/transport.h"

static int t_connect(void *ctx, const char *host, uint16_t port, msgbus_sock **out)
{
    (void)ctx;
    (void)host;
    (void)port;
    (void)out;
    return MSGBUS_ERR_TRANSPORT;
}
static int t_check(void *ctx, msgbus_sock *s)
{
    (void)ctx;
    (void)s;
    return MSGBUS_ERR_TRANSPORT;
}
static long t_send(void *ctx, msgbus_sock *s, const msgbus_iovec *iov, size_t n)
{
    (void)ctx;
    (void)s;
    (void)iov;
    (void)n;
    return -1;
}
static long t_recv(void *ctx, msgbus_sock *s, void *buf, size_t len)
{
    (void)ctx;
    (void)s;
    (void)buf;
    (void)len;
    return -1;
}
static void t_close(void *ctx, msgbus_sock *s)
{
    (void)ctx;
    (void)s;
}
static int t_wait(void *ctx, msgbus_poll_item *items, size_t n, uint32_t timeout_ms)
{
    (void)ctx;
    (void)items;
    (void)n;
    (void)timeout_ms;
    return 0;
}

#endif
