/*
 * sasl.h - SaslHandshake (v1) and SaslAuthenticate (v0-v2) bodies.
 *
 * Decoded strings and bytes point into the input; decoded arrays live in the
 * caller's arena. Versions outside the API table give UNSUPPORTED_VERSION.
 */
#ifndef MB_PROTO_SASL_H
#define MB_PROTO_SASL_H

#include "api.h"

/** SaslHandshake request. */
typedef struct mb_sasl_handshake_req {
    mb_str mechanism; /**< the SASL mechanism chosen by the client, e.g. "PLAIN" */
} mb_sasl_handshake_req;

/** SaslHandshake response. */
typedef struct mb_sasl_handshake_resp {
    int16_t error_code;
    mb_str *mechanisms; /**< mechanisms enabled in the server */
    int32_t n_mechanisms;
} mb_sasl_handshake_resp;

/** SaslAuthenticate request. */
typedef struct mb_sasl_authenticate_req {
    mb_bytes auth_bytes; /**< mechanism-defined bytes from the client (not null) */
} mb_sasl_authenticate_req;

/** SaslAuthenticate response. */
typedef struct mb_sasl_authenticate_resp {
    int16_t error_code;
    mb_str error_message;        /**< nullable */
    mb_bytes auth_bytes;         /**< mechanism-defined bytes from the server (not null) */
    int64_t session_lifetime_ms; /**< v1+; 0 (the default) when absent */
} mb_sasl_authenticate_resp;

/** Encode a SaslHandshake request body. */
int mb_sasl_handshake_req_write(mb_wr *w, int16_t version, const mb_sasl_handshake_req *req);
/** Decode a SaslHandshake request body (consumes all of @p r). */
int mb_sasl_handshake_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_sasl_handshake_req *req);
/** Encode a SaslHandshake response body. */
int mb_sasl_handshake_resp_write(mb_wr *w, int16_t version, const mb_sasl_handshake_resp *resp);
/** Decode a SaslHandshake response body; the mechanism list goes in @p a. */
int mb_sasl_handshake_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                mb_sasl_handshake_resp *resp);

/** Encode a SaslAuthenticate request body. */
int mb_sasl_authenticate_req_write(mb_wr *w, int16_t version, const mb_sasl_authenticate_req *req);
/** Decode a SaslAuthenticate request body. */
int mb_sasl_authenticate_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                  mb_sasl_authenticate_req *req);
/** Encode a SaslAuthenticate response body (session_lifetime_ms dropped below v1). */
int mb_sasl_authenticate_resp_write(mb_wr *w, int16_t version,
                                    const mb_sasl_authenticate_resp *resp);
/** Decode a SaslAuthenticate response body. */
int mb_sasl_authenticate_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                   mb_sasl_authenticate_resp *resp);

#endif /* MB_PROTO_SASL_H */
