/*
 * sasl_auth.h - a connection's SASL exchange: SaslHandshake v1, then
 * SaslAuthenticate rounds (PLAIN: one; SCRAM: two, the server's signature
 * checked), between ApiVersions and READY, on every (re)connect.
 *
 * Which way calls go: the connection (conn.c) calls in; the exchange never
 * calls the connection. Each call returns an action (send the next request,
 * ready, fail with an error) that the connection carries out.
 */
#ifndef MB_NET_SASL_AUTH_H
#define MB_NET_SASL_AUTH_H

#include <stdint.h>

#include "conn.h"
#include "msgbus/security.h"

/** The credentials a client authenticates every connection with (its copy). */
typedef struct mb_sasl_creds {
    msgbus_sasl_mechanism mech;
    char user[256];
    char pass[256]; /**< wiped when the client is destroyed */
} mb_sasl_creds;

/** What the connection does next. */
typedef enum mb_sasl_act {
    MB_SASL_SEND,  /**< send the request named in the step */
    MB_SASL_READY, /**< authenticated: the connection is usable */
    MB_SASL_FAIL   /**< fail the connection with the step's error */
} mb_sasl_act;

/** One action, with what it needs. */
typedef struct mb_sasl_step {
    mb_sasl_act act;
    int16_t api_key; /**< SEND: SaslHandshake or SaslAuthenticate */
    int16_t min_version, max_version;
    int err;             /**< FAIL: the error */
    const char *why;     /**< FAIL: for the log line */
    int64_t lifetime_ms; /**< READY: the session's lifetime (0: unlimited) */
} mb_sasl_step;

typedef struct mb_sasl_state mb_sasl_state;

/**
 * Start an exchange for broker @p node_id with @p env's credentials; @p out
 * says what to do (SEND the handshake, or FAIL). @p *st is the new state
 * (NULL after a failure).
 */
void mb_sasl_begin(mb_sasl_state **st, const mb_conn_env *env, int32_t node_id, mb_sasl_step *out);

/** Encode the request the last SEND step named, at @p version. 0 or an error. */
int mb_sasl_encode(mb_sasl_state *st, mb_wr *w, int16_t version);

/** Take the broker's answer to the last request; @p out says what to do next. */
void mb_sasl_answer(mb_sasl_state *st, int16_t version, mb_rd *body, mb_sasl_step *out);

/** Wipe and free the exchange's state, if any; sets @p *st to NULL. */
void mb_sasl_end(mb_sasl_state **st);

#endif /* MB_NET_SASL_AUTH_H */
