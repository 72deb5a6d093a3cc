/*
 * tls.h - TLS as one more transport: mbedTLS (2.28 or 3.x) over any plain
 * transport (the port's TCP, or an application's own), driven without
 * blocking from the client's event loop.
 *
 * The handshake runs inside connect_check(): 0 while it is in progress,
 * 1 once the broker's certificate is verified, or an error that says why
 * it failed (MSGBUS_ERR_CERT_UNTRUSTED, _CERT_EXPIRED, _CERT_HOSTNAME,
 * MSGBUS_ERR_TLS). So no Kafka request leaves before the peer is verified.
 * wait() asks the inner transport for whatever the handshake needs.
 */
#ifndef MB_NET_TLS_H
#define MB_NET_TLS_H

#include <stddef.h>

#include "log.h"
#include "msgbus/alloc.h"
#include "msgbus/security.h"
#include "msgbus/transport.h"

typedef struct mb_tls mb_tls;

/** Random bytes (the client's source): 0 or a negative error. */
typedef int (*mb_tls_rand_fn)(void *ud, void *buf, size_t len);

/**
 * Create a TLS transport over @p inner from @p sec (CA, client certificate
 * and key are parsed now; the strings are not kept). Entropy for mbedTLS's
 * DRBG comes from @p rnd. Failures are logged to @p log (which must outlive
 * the transport) without secrets.
 * @return 0; MSGBUS_ERR_CONFIG (unreadable CA, certificate or key; a
 *         certificate without its key; verification on without a CA);
 *         MSGBUS_ERR_NOT_BUILT (TLS left out, or TLS 1.3 asked of an
 *         mbedTLS without it); MSGBUS_ERR_NOMEM; MSGBUS_ERR_TLS.
 */
int mb_tls_new(mb_tls **out, const msgbus_security *sec, const msgbus_transport *inner,
               const msgbus_allocator *al, mb_tls_rand_fn rnd, void *rnd_ud, const mb_logger *log);

/** The transport to hand to the client; valid until mb_tls_free(). */
const msgbus_transport *mb_tls_transport(const mb_tls *t);

/** Free the transport (every connection must be closed). NULL is ignored. */
void mb_tls_free(mb_tls *t);

#endif /* MB_NET_TLS_H */
