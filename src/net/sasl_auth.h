/*
 * sasl_auth.h - a connection's SASL exchange: SaslHandshake v1, then
 * SaslAuthenticate rounds (PLAIN: one; SCRAM: two, the server's signature
 * checked), between ApiVersions and READY, on every (re)connect.
 */
#ifndef MB_NET_SASL_AUTH_H
#define MB_NET_SASL_AUTH_H

#include <stdint.h>

#include "conn.h"

/** Start the exchange on @p c (state MB_CONN_AUTH): sends SaslHandshake. */
void mb_sasl_begin(mb_conn *c, uint32_t now);

/** Wipe and free the exchange's state, if any (on close and when done). */
void mb_sasl_end(mb_conn *c);

#endif /* MB_NET_SASL_AUTH_H */
