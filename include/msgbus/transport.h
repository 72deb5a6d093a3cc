/**
 * @file transport.h
 * @brief The transport contract: a runtime table of functions over an opaque
 *        per-connection context, so that TLS can wrap any transport and a
 *        bare-metal application can plug in its own network stack.
 *
 * Every function is non-blocking. The contract, which msgbus relies on:
 *
 *  - connect() starts a connection and returns at once; the connection may
 *    still be in progress. connect_check() later says whether it completed.
 *  - send() may send fewer bytes than asked (a partial send). It returns 0
 *    when it would block: 0 never means the connection is gone.
 *  - recv() returns 0 when no data is available yet. It NEVER returns 0 on an
 *    orderly close: a closed or failed connection is a negative result
 *    (MSGBUS_ERR_TRANSPORT).
 *  - wait() blocks until one of the listed connections is ready as asked, the
 *    timeout passes, or wakeup() is called from another thread.
 *  - A transport is used by one event loop at a time; only wakeup() may be
 *    called from another thread.
 */
#ifndef MSGBUS_TRANSPORT_H
#define MSGBUS_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An opaque connection, defined by each transport. */
typedef struct msgbus_sock msgbus_sock;

/** One piece of a scatter/gather send. */
typedef struct msgbus_iovec {
    const void *base; /**< first byte */
    size_t len;       /**< byte count */
} msgbus_iovec;

/** Readiness flags for msgbus_poll_item. */
enum msgbus_poll_flags {
    MSGBUS_POLL_IN = 1,  /**< readable (or closed: recv() will say) */
    MSGBUS_POLL_OUT = 2, /**< writable, or a connect in progress has completed */
    MSGBUS_POLL_ERR = 4  /**< failed (reported in ready only) */
};

/** One connection to wait on. */
typedef struct msgbus_poll_item {
    msgbus_sock *sock; /**< the connection */
    unsigned want;     /**< MSGBUS_POLL_IN and/or MSGBUS_POLL_OUT */
    unsigned ready;    /**< set by wait(): what is ready */
} msgbus_poll_item;

/** A transport: a table of functions and the context they share. */
typedef struct msgbus_transport {
    /** Passed as the first argument of every function. */
    void *ctx;
    /**
     * Start connecting to @p host (a name or a numeric IPv4/IPv6 address) on
     * @p port. On success *out receives the connection, possibly still in
     * progress.
     * @return 0, MSGBUS_ERR_RESOLVE (name unknown), MSGBUS_ERR_INVALID_ARG,
     *         MSGBUS_ERR_NOMEM or MSGBUS_ERR_TRANSPORT.
     */
    int (*connect)(void *ctx, const char *host, uint16_t port, msgbus_sock **out);
    /**
     * Whether a connection started by connect() has completed.
     * @return 1 connected, 0 still in progress, MSGBUS_ERR_TRANSPORT failed.
     */
    int (*connect_check)(void *ctx, msgbus_sock *s);
    /**
     * Send from @p iovcnt pieces, in order.
     * @return bytes sent (> 0), 0 if it would block, or MSGBUS_ERR_TRANSPORT.
     */
    long (*send)(void *ctx, msgbus_sock *s, const msgbus_iovec *iov, size_t iovcnt);
    /**
     * Receive at most @p len bytes into @p buf.
     * @return bytes received (> 0), 0 if none are available yet (never on
     *         close), or MSGBUS_ERR_TRANSPORT when closed or failed.
     */
    long (*recv)(void *ctx, msgbus_sock *s, void *buf, size_t len);
    /** Close and release the connection. Never fails. */
    void (*close)(void *ctx, msgbus_sock *s);
    /**
     * Wait until one of @p n items is ready as asked, @p timeout_ms passes
     * or wakeup() is called. Sets each item's ready flags.
     * @return the number of ready items, 0 on timeout or wake-up, or a
     *         negative MSGBUS_ERR_* code.
     */
    int (*wait)(void *ctx, msgbus_poll_item *items, size_t n, uint32_t timeout_ms);
    /** Make a wait() in progress (or the next one) return early. Thread-safe. May be NULL. */
    void (*wakeup)(void *ctx);
} msgbus_transport;

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_TRANSPORT_H */
