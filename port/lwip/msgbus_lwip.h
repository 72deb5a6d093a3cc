/**
 * @file msgbus_lwip.h
 * @brief msgbus transports over lwIP: the raw API (bare metal, NO_SYS=1,
 *        driven from the application's loop) and the socket API (an RTOS with
 *        lwIP's sequential API). Each fills a msgbus_transport (transport.h)
 *        that the producer and consumer configurations point to.
 *
 * Compile port/lwip/tcp_raw.c or port/lwip/tcp_socket.c (or both) into the
 * application with its lwipopts.h on the include path; libmsgbus itself does
 * not depend on lwIP.
 */
#ifndef MSGBUS_LWIP_H
#define MSGBUS_LWIP_H

#include "msgbus/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How many connections the raw transport holds at once (a static pool). */
#ifndef MSGBUS_LWIP_RAW_MAX_SOCKS
#define MSGBUS_LWIP_RAW_MAX_SOCKS 8
#endif

/** Settings of the raw-API transport. */
typedef struct msgbus_lwip_raw_config {
    /**
     * Gives lwIP its cycles: poll the network interface for received frames
     * (and feed them to netif->input). Called over and over while msgbus
     * waits in transport wait() (with a timeout of 0 from msgbus_*_poll(p, 0)
     * that is one call). Required. The transport itself runs lwIP's timers
     * (sys_check_timeouts()) after each call.
     */
    void (*service)(void *ud);
    void *service_ud; /**< passed to service */
    /**
     * Optional: called when a wait() pass found nothing ready and time is
     * left, e.g. to sleep until the next interrupt (WFI: the tick or the
     * Ethernet controller). NULL: wait() spins on service.
     */
    void (*idle)(void *ud);
} msgbus_lwip_raw_config;

/**
 * @brief Fill @p t with the raw-API transport (NO_SYS=1: every call runs in
 *        the application's one loop; nothing blocks except wait(), which runs
 *        @p cfg->service and lwIP's timers until a connection is ready or the
 *        timeout passes).
 * @return 0, or MSGBUS_ERR_INVALID_ARG (a NULL argument or service hook).
 * Connects to a numeric IPv4 address, or to a name through lwIP's resolver
 * (dns_gethostbyname) when LWIP_DNS is on; MSGBUS_ERR_RESOLVE otherwise.
 */
int msgbus_lwip_raw_transport(msgbus_transport *t, const msgbus_lwip_raw_config *cfg);

/** Counters of the raw transport, for a board's diagnostics. */
typedef struct msgbus_lwip_raw_stats {
    unsigned long connects;      /**< connect() calls that started a connection */
    unsigned long connect_fails; /**< connections that failed before completing */
    unsigned long resets;        /**< established connections lost (RST, timeout, abort) */
    unsigned long bytes_out;     /**< bytes accepted by send() */
    unsigned long bytes_in;      /**< bytes handed out by recv() */
    int last_err;                /**< lwIP err_t of the last failure (0: none) */
} msgbus_lwip_raw_stats;

/** @brief Copy the raw transport's counters into @p st. */
void msgbus_lwip_raw_stats_get(msgbus_lwip_raw_stats *st);

/**
 * @brief Fill @p t with the socket-API transport (lwip_socket, lwip_connect,
 *        lwip_send, lwip_recv, lwip_select; LWIP_SOCKET=1, an OS with
 *        lwIP's tcpip thread). Sockets are non-blocking; wait() is
 *        lwip_select(). Names go through lwip_getaddrinfo() when LWIP_DNS is on.
 * @return 0, or MSGBUS_ERR_INVALID_ARG (NULL).
 */
int msgbus_lwip_socket_transport(msgbus_transport *t);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_LWIP_H */
