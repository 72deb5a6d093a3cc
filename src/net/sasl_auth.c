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
 *
 * Which way calls go: conn.c calls in (begin, encode, answer, end); every
 * call returns an action the connection carries out. Nothing here calls
 * the connection or the client.
 */
#include "sasl_auth.h"

#include <string.h>

#include "msgbus/config_defaults.h"
#include "proto/sasl.h"
#include "scram.h"

#if MSGBUS_CFG_SASL

struct mb_sasl_state {
    const mb_conn_env *env;
    int32_t node_id;
    int16_t api_key; /* the request in flight */
    int round;       /* 0: SaslHandshake sent; n: n-th SaslAuthenticate sent */
    mb_scram scram;
    uint8_t msg[MB_SCRAM_MAX_MSG + 2 * MB_SCRAM_MAX_HASH + 64]; /* the next token */
    size_t msg_len;
};

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

void mb_sasl_end(mb_sasl_state **stp)
{
    mb_sasl_state *st = *stp;
    const msgbus_allocator *al;
    if (!st)
        return;
    *stp = NULL;
    al = st->env->al;
    mb_scram_wipe(&st->scram);
    mb_secure_zero(st, sizeof *st);
    al->free(al->ctx, st, sizeof *st);
}

static void act_fail(mb_sasl_step *out, int err, const char *why)
{
    memset(out, 0, sizeof *out);
    out->act = MB_SASL_FAIL;
    out->err = err;
    out->why = why;
}

static void act_send(mb_sasl_state *st, mb_sasl_step *out, int16_t key, int16_t lo, int16_t hi)
{
    memset(out, 0, sizeof *out);
    st->api_key = key;
    if (key == MB_API_SASL_AUTHENTICATE)
        st->round++;
    out->act = MB_SASL_SEND;
    out->api_key = key;
    out->min_version = lo;
    out->max_version = hi;
}

/* ------------------------------------------------------------------------ */
/* Requests                                                                  */
/* ------------------------------------------------------------------------ */

int mb_sasl_encode(mb_sasl_state *st, mb_wr *w, int16_t version)
{
    if (!st)
        return MSGBUS_ERR_STATE;
    if (st->api_key == MB_API_SASL_HANDSHAKE) {
        mb_sasl_handshake_req req;
        req.mechanism = mb_str_c(mech_name(st->env->sasl->mech));
        return mb_sasl_handshake_req_write(w, version, &req);
    } else {
        mb_sasl_authenticate_req req;
        req.auth_bytes.ptr = st->msg;
        req.auth_bytes.len = (int32_t)st->msg_len;
        return mb_sasl_authenticate_req_write(w, version, &req);
    }
}

/* ------------------------------------------------------------------------ */
/* Answers                                                                   */
/* ------------------------------------------------------------------------ */

/* The mechanisms a refusing broker offers, space-separated, into @p out. */
static void offered_list(const mb_sasl_handshake_resp *resp, char *out, size_t cap)
{
    size_t off = 0;
    int32_t i;
    out[0] = '\0';
    for (i = 0; i < resp->n_mechanisms && off + 2 < cap; i++) {
        size_t n = (size_t)resp->mechanisms[i].len;
        if (resp->mechanisms[i].len <= 0)
            continue;
        if (n > cap - off - 2)
            n = cap - off - 2;
        if (off)
            out[off++] = ' ';
        memcpy(out + off, resp->mechanisms[i].ptr, n);
        off += n;
        out[off] = '\0';
    }
}

/* The first token: PLAIN's only one, or SCRAM's client-first message. */
static int first_token(mb_sasl_state *st)
{
    const mb_sasl_creds *cr = st->env->sasl;
    const mb_client_config *cfg = st->env->cfg;
    int rc;
    if (cr->mech == MSGBUS_SASL_PLAIN)
        return mb_sasl_plain(cr->user, cr->pass, st->msg, sizeof st->msg, &st->msg_len);
    rc = mb_scram_init(&st->scram,
                       cr->mech == MSGBUS_SASL_SCRAM_SHA_512 ? MB_SCRAM_SHA512 : MB_SCRAM_SHA256);
    if (rc == 0)
        rc = mb_scram_client_first(&st->scram, cr->user, NULL, cfg->random, cfg->clock_ud, st->msg,
                                   sizeof st->msg, &st->msg_len);
    return rc;
}

static void handshake_done(mb_sasl_state *st, int16_t version, mb_rd *body, mb_sasl_step *out)
{
    mb_sasl_handshake_resp resp;
    mb_arena a;
    int rc;
    mb_arena_init(&a, st->env->scratch, st->env->scratch_size);
    if (mb_sasl_handshake_resp_read(body, version, &a, &resp)) {
        act_fail(out, MSGBUS_ERR_MALFORMED, "malformed SaslHandshake answer");
        return;
    }
    if (resp.error_code) {
        char offered[128];
        offered_list(&resp, offered, sizeof offered);
        MB_LOG(st->env->log, MB_LOG_ERROR, "broker %d refuses SASL %s (%s); it offers: %s",
               (int)st->node_id, mech_name(st->env->sasl->mech), msgbus_err_name(resp.error_code),
               offered[0] ? offered : "nothing");
        act_fail(out, MSGBUS_ERR_AUTH, "SASL mechanism refused");
        return;
    }
    if ((rc = first_token(st)) != 0) {
        act_fail(out, rc, "cannot build the first SASL message");
        return;
    }
    act_send(st, out, MB_API_SASL_AUTHENTICATE, 0, 2);
}

static size_t token_len(const mb_sasl_authenticate_resp *resp)
{
    return resp->auth_bytes.len > 0 ? (size_t)resp->auth_bytes.len : 0;
}

/* SCRAM's rounds: answer the server-first message, then check the server's proof. */
static int scram_round(mb_sasl_state *st, const mb_sasl_authenticate_resp *resp, mb_sasl_step *out)
{
    int rc;
    if (st->round == 1) {
        rc = mb_scram_client_final(&st->scram, st->env->sasl->pass, resp->auth_bytes.ptr,
                                   token_len(resp), st->msg, sizeof st->msg, &st->msg_len);
        if (rc)
            act_fail(out, rc, "SCRAM server-first message refused");
        else
            act_send(st, out, MB_API_SASL_AUTHENTICATE, 0, 2);
        return 1;
    }
    rc = mb_scram_server_final(&st->scram, resp->auth_bytes.ptr, token_len(resp));
    if (rc) {
        MB_LOG(st->env->log, MB_LOG_ERROR,
               "broker %d: its SCRAM signature does not prove it knows the password",
               (int)st->node_id);
        act_fail(out, rc, "SCRAM server signature refused");
        return 1;
    }
    return 0;
}

static void authenticate_done(mb_sasl_state *st, int16_t version, mb_rd *body, mb_sasl_step *out)
{
    const mb_sasl_creds *cr = st->env->sasl;
    mb_sasl_authenticate_resp resp;
    mb_arena a;
    mb_arena_init(&a, st->env->scratch, st->env->scratch_size);
    if (mb_sasl_authenticate_resp_read(body, version, &a, &resp)) {
        act_fail(out, MSGBUS_ERR_MALFORMED, "malformed SaslAuthenticate answer");
        return;
    }
    if (resp.error_code) {
        int n = resp.error_message.len > 0
                    ? (resp.error_message.len > 160 ? 160 : resp.error_message.len)
                    : 0;
        MB_LOG(st->env->log, MB_LOG_ERROR, "broker %d: SASL %s authentication failed (%s): %.*s",
               (int)st->node_id, mech_name(cr->mech), msgbus_err_name(resp.error_code), n,
               n ? resp.error_message.ptr : "");
        act_fail(out, MSGBUS_ERR_AUTH, "SASL authentication failed");
        return;
    }
    if (cr->mech != MSGBUS_SASL_PLAIN && scram_round(st, &resp, out))
        return;
    MB_LOG(st->env->log, MB_LOG_INFO, "broker %d: authenticated with SASL %s as \"%s\"",
           (int)st->node_id, mech_name(cr->mech), cr->user);
    memset(out, 0, sizeof *out);
    out->act = MB_SASL_READY;
    out->lifetime_ms = resp.session_lifetime_ms;
}

void mb_sasl_answer(mb_sasl_state *st, int16_t version, mb_rd *body, mb_sasl_step *out)
{
    if (!st)
        act_fail(out, MSGBUS_ERR_STATE, "SASL answer without an exchange");
    else if (st->round == 0)
        handshake_done(st, version, body, out);
    else
        authenticate_done(st, version, body, out);
}

void mb_sasl_begin(mb_sasl_state **stp, const mb_conn_env *env, int32_t node_id, mb_sasl_step *out)
{
    mb_sasl_state *st = env->al->alloc(env->al->ctx, sizeof *st);
    *stp = st;
    if (!st) {
        act_fail(out, MSGBUS_ERR_NOMEM, "no memory for SASL");
        return;
    }
    memset(st, 0, sizeof *st);
    st->env = env;
    st->node_id = node_id;
    act_send(st, out, MB_API_SASL_HANDSHAKE, 1, 1);
}

#else /* MSGBUS_CFG_SASL 0: the client refuses SASL settings before any connection */

void mb_sasl_begin(mb_sasl_state **stp, const mb_conn_env *env, int32_t node_id, mb_sasl_step *out)
{
    (void)env;
    (void)node_id;
    *stp = NULL;
    memset(out, 0, sizeof *out);
    out->act = MB_SASL_FAIL;
    out->err = MSGBUS_ERR_NOT_BUILT;
    out->why = "SASL is left out of this build";
}

int mb_sasl_encode(mb_sasl_state *st, mb_wr *w, int16_t version)
{
    (void)st;
    (void)w;
    (void)version;
    return MSGBUS_ERR_NOT_BUILT;
}

void mb_sasl_answer(mb_sasl_state *st, int16_t version, mb_rd *body, mb_sasl_step *out)
{
    (void)version;
    (void)body;
    mb_sasl_begin(&st, NULL, 0, out);
}

void mb_sasl_end(mb_sasl_state **stp)
{
    *stp = NULL;
}

#endif /* MSGBUS_CFG_SASL */
