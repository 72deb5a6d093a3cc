/**
 * @file port_tcp.h
 * @brief The TCP transport of the POSIX port (port/posix): non-blocking
 *        sockets, getaddrinfo (IPv4 and IPv6), poll(2), a wake-up pipe.
 */
#ifndef MSGBUS_PORT_TCP_H
#define MSGBUS_PORT_TCP_H

#include "msgbus/alloc.h"
#include "msgbus/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Create a TCP transport instance.
 *
 * Each instance owns a wake-up pipe, so that wakeup() from another thread
 * ends a wait() in progress. Connections are allocated from @p alloc.
 * Names are resolved with getaddrinfo(), which blocks the calling thread
 * while it runs (numeric addresses do not); every address a name resolves to
 * is tried in turn when a connect fails. Sends use sendmsg() with
 * MSG_NOSIGNAL, so a closed peer never raises SIGPIPE.
 *
 * @param out   Receives the transport table; its ctx is the instance.
 * @param alloc Allocator for the instance and its connections; NULL for
 *              msgbus_allocator_default().
 * @return 0, MSGBUS_ERR_NOMEM, or MSGBUS_ERR_TRANSPORT (no pipe could be made).
 *
 * Example:
 * @code
 * msgbus_transport tcp;
 * if (msgbus_port_tcp_transport_create(&tcp, NULL) == 0) {
 *     cfg.transport = &tcp;
 *     ...
 *     msgbus_port_tcp_transport_destroy(&tcp);
 * }
 * @endcode
 */
int msgbus_port_tcp_transport_create(msgbus_transport *out, const msgbus_allocator *alloc);

/**
 * @brief Free a transport made by msgbus_port_tcp_transport_create(). Every
 *        connection must have been closed first.
 */
void msgbus_port_tcp_transport_destroy(msgbus_transport *t);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_PORT_TCP_H */
