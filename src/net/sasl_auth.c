/*
 * sasl_auth.c - a connection's SASL exchange (see sasl_auth.h).
 *
 * Kafka's order (KIP-152): SaslHandshake v1 names the mechanism, then every
 * SASL token travels in a SaslAuthenticate request. PLAIN takes one round;
 * SCRAM takes two (client-first / server-first, client-final /
 * server-final), and the broker's final message must prove it knows the
 * password, or the connection fails. Any failure is MSGBUS_ERR_AUTH (or
 * MALFORMED for an unreadable answer); the connection backs off and
 * retries, and the client reports the error once its connect retries are
 * spent. Neither the password nor the proofs are ever logged.
 */
#include "sasl_auth.h"

#include <string.h>

#include "client_int.h"
#include "msgbus/config_defaults.h"
#include "proto/sasl.h"
#include "scram.h"

#if MSGBUS_CFG_SASL

typedef struct mb_sasl_state {
    int round; /* 0: SaslHandshake sent; n: n-th SaslAuthenticate sent */
    mb_scram scram;
    uint8_t msg[MB_SCRAM_MAX_MSG + 2 * MB_SCRAM_MAX_HASH + 64]; /* the next token */
    size_t msg_len;
} mb_sasl_state;

static const char *mech_name(msgbus_sasl_mechanism m)
{
    switch (m) {
    case MSGBUS_SASL_SCRAM_SHA_256:
        return "SCRAM-SHA-256";
    case MSGBUS_SASL_SCRAM_SHA_512:
        return "SCRAM-SHA-512";
    case MSGBUS_SASL_PLAIN:
        break;
    }
    return "PLAIN";
}

void mb_sasl_end(mb_conn *c)
{
    mb_sasl_state *st = c->sasl;
    if (!st)
        return;
    c->sasl = NULL;
    mb_scram_wipe(&st->scram);
    mb_secure_zero(st, sizeof *st);
    c->cl->al.free(c->cl->al.ctx, st, sizeof *st);
}

static void fail(mb_conn *c, int err, uint32_t now, const char *why)
{
    mb_conn_fail(c, err, now, why);
}

/* ------------------------------------------------------------------------ */
/* Requests                                                                  */
/* ------------------------------------------------------------------------ */

static int encode(void *ud, mb_wr *w, int16_t version)
{
    mb_conn *c = ud;
    mb_sasl_state *st = c->sasl;
    if (!st)
        return MSGBUS_ERR_STATE;
    if (c->auth.api_key == MB_API_SASL_HANDSHAKE) {
        mb_sasl_handshake_req req;
        req.mechanism = mb_str_c(mech_name(c->cl->sasl_mech));
        return mb_sasl_handshake_req_write(w, version, &req);
    } else {
        mb_sasl_authenticate_req req;
        req.auth_bytes.ptr = st->msg;
        req.auth_bytes.len = (int32_t)st->msg_len;
        return mb_sasl_authenticate_req_write(w, version, &req);
    }
}

static void done(void *ud, int err, int16_t version, mb_rd *body);

/* Send the connection's SASL request for @p api_key at the best version. */
static void send_own(mb_conn *c, int16_t api_key, int16_t lo, int16_t hi, uint32_t now)
{
    int rc;
    c->auth.api_key = api_key;
    c->auth.expect_response = 1;
    c->auth.encode = encode;
    c->auth.done = done;
    c->auth.ud = c;
    c->auth.version = mb_conn_pick_version(c, api_key, lo, hi);
    if (c->auth.version < 0) {
        MB_LOG(&c->cl->log, MB_LOG_ERROR, "broker %d speaks no %s v%d-%d: cannot authenticate",
               (int)c->node_id,
               api_key == MB_API_SASL_HANDSHAKE ? "SaslHandshake" : "SaslAuthenticate", lo, hi);
        fail(c, MSGBUS_ERR_AUTH, now, "SASL not offered");
        return;
    }
    if ((rc = mb_conn_send_own(c, &c->auth)) != 0)
        fail(c, rc, now, "cannot encode a SASL request");
}

static void send_token(mb_conn *c, uint32_t now)
{
    c->sasl->round++;
    send_own(c, MB_API_SASL_AUTHENTICATE, 0, 2, now);
}

/* ------------------------------------------------------------------------ */
/* Answers                                                                   */
/* ------------------------------------------------------------------------ */

static void handshake_done(mb_conn *c, int16_t version, mb_rd *body, uint32_t now)
{
    mb_sasl_state *st = c->sasl;
    mb_sasl_handshake_resp resp;
    mb_arena a;
    int rc;
    mb_arena_init(&a, c->cl->scratch, sizeof c->cl->scratch);
    if (mb_sasl_handshake_resp_read(body, version, &a, &resp)) {
        fail(c, MSGBUS_ERR_MALFORMED, now, "malformed SaslHandshake answer");
        return;
    }
    if (resp.error_code) {
        int32_t i;
        char offered[128];
        size_t off = 0;
        offered[0] = '\0';
        for (i = 0; i < resp.n_mechanisms && off + 2 < sizeof offered; i++) {
            size_t n = (size_t)resp.mechanisms[i].len;
            if (resp.mechanisms[i].len <= 0)
                continue;
            if (n > sizeof offered - off - 2)
                n = sizeof offered - off - 2;
            if (off)
                offered[off++] = ' ';
            memcpy(offered + off, resp.mechanisms[i].ptr, n);
            off += n;
            offered[off] = '\0';
        }
        MB_LOG(&c->cl->log, MB_LOG_ERROR, "broker %d refuses SASL %s (%s); it offers: %s",
               (int)c->node_id, mech_name(c->cl->sasl_mech), msgbus_err_name(resp.error_code),
               offered[0] ? offered : "nothing");
        fail(c, MSGBUS_ERR_AUTH, now, "SASL mechanism refused");
        return;
    }
    if (c->cl->sasl_mech == MSGBUS_SASL_PLAIN) {
        rc = mb_sasl_plain(c->cl->sasl_user, c->cl->sasl_pass, st->msg, sizeof st->msg,
                           &st->msg_len);
    } else {
        rc = mb_scram_init(&st->scram, c->cl->sasl_mech == MSGBUS_SASL_SCRAM_SHA_512
                                           ? MB_SCRAM_SHA512
                                           : MB_SCRAM_SHA256);
        if (rc == 0)
            rc = mb_scram_client_first(&st->scram, c->cl->sasl_user, NULL, c->cl->cfg.random,
                                       c->cl->cfg.clock_ud, st->msg, sizeof st->msg, &st->msg_len);
    }
    if (rc) {
        fail(c, rc, now, "cannot build the first SASL message");
        return;
    }
    send_token(c, now);
}

/* The SASL session's end, from session_lifetime_ms: re-authenticate before it. */
static void note_lifetime(mb_conn *c, int64_t lifetime_ms, uint32_t now)
{
    uint32_t at;
    if (lifetime_ms <= 0 || lifetime_ms > 0x7fffffffLL)
        return;
    at = now + (uint32_t)(lifetime_ms - lifetime_ms / 10);
    c->reauth_at = at ? at : 1;
}

static void authenticate_done(mb_conn *c, int16_t version, mb_rd *body, uint32_t now)
{
    mb_sasl_state *st = c->sasl;
    mb_sasl_authenticate_resp resp;
    mb_arena a;
    int rc = 0;
    mb_arena_init(&a, c->cl->scratch, sizeof c->cl->scratch);
    if (mb_sasl_authenticate_resp_read(body, version, &a, &resp)) {
        fail(c, MSGBUS_ERR_MALFORMED, now, "malformed SaslAuthenticate answer");
        return;
    }
    if (resp.error_code) {
        int n = resp.error_message.len > 0
                    ? (resp.error_message.len > 160 ? 160 : resp.error_message.len)
                    : 0;
        MB_LOG(&c->cl->log, MB_LOG_ERROR, "broker %d: SASL %s authentication failed (%s): %.*s",
               (int)c->node_id, mech_name(c->cl->sasl_mech), msgbus_err_name(resp.error_code), n,
               n ? resp.error_message.ptr : "");
        fail(c, MSGBUS_ERR_AUTH, now, "SASL authentication failed");
        return;
    }
    if (c->cl->sasl_mech != MSGBUS_SASL_PLAIN) {
        if (st->round == 1) {
            rc = mb_scram_client_final(&st->scram, c->cl->sasl_pass, resp.auth_bytes.ptr,
                                       resp.auth_bytes.len > 0 ? (size_t)resp.auth_bytes.len : 0,
                                       st->msg, sizeof st->msg, &st->msg_len);
            if (rc) {
                fail(c, rc, now, "SCRAM server-first message refused");
                return;
            }
            send_token(c, now);
            return;
        }
        rc = mb_scram_server_final(&st->scram, resp.auth_bytes.ptr,
                                   resp.auth_bytes.len > 0 ? (size_t)resp.auth_bytes.len : 0);
        if (rc) {
            MB_LOG(&c->cl->log, MB_LOG_ERROR,
                   "broker %d: its SCRAM signature does not prove it knows the password",
                   (int)c->node_id);
            fail(c, rc, now, "SCRAM server signature refused");
            return;
        }
    }
    MB_LOG(&c->cl->log, MB_LOG_INFO, "broker %d: authenticated with SASL %s as \"%s\"",
           (int)c->node_id, mech_name(c->cl->sasl_mech), c->cl->sasl_user);
    mb_sasl_end(c);
    note_lifetime(c, resp.session_lifetime_ms, now);
    mb_conn_set_ready(c, now);
}

static void done(void *ud, int err, int16_t version, mb_rd *body)
{
    mb_conn *c = ud;
    uint32_t now;
    if (err || !c->sasl)
        return; /* the connection failed: mb_conn_fail handles it */
    now = mb_client_now(c->cl);
    if (c->sasl->round == 0)
        handshake_done(c, version, body, now);
    else
        authenticate_done(c, version, body, now);
}

void mb_sasl_begin(mb_conn *c, uint32_t now)
{
    mb_sasl_state *st = c->cl->al.alloc(c->cl->al.ctx, sizeof *st);
    if (!st) {
        fail(c, MSGBUS_ERR_NOMEM, now, "no memory for SASL");
        return;
    }
    memset(st, 0, sizeof *st);
    c->sasl = st;
    send_own(c, MB_API_SASL_HANDSHAKE, 1, 1, now);
}

#else /* MSGBUS_CFG_SASL 0: the client refuses SASL settings before any connection */

void mb_sasl_begin(mb_conn *c, uint32_t now)
{
    mb_conn_fail(c, MSGBUS_ERR_NOT_BUILT, now, "SASL is left out of this build");
}

void mb_sasl_end(mb_conn *c)
{
    (void)c;
}

#endif /* MSGBUS_CFG_SASL */
