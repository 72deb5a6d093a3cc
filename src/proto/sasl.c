/*
 * sasl.c - SaslHandshake and SaslAuthenticate bodies, per Kafka's
 * SaslHandshake{Request,Response}.json and SaslAuthenticate{Request,Response}.json.
 */
#include "sasl.h"

#include <string.h>

int mb_sasl_handshake_req_write(mb_wr *w, int16_t version, const mb_sasl_handshake_req *req)
{
    if (!mb_api_supported(MB_API_SASL_HANDSHAKE, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_wr_str_v(w, 0, req->mechanism);
    return w->err;
}

int mb_sasl_handshake_req_read(mb_rd *r, int16_t version, mb_arena *a, mb_sasl_handshake_req *req)
{
    (void)a;
    memset(req, 0, sizeof *req);
    if (!mb_api_supported(MB_API_SASL_HANDSHAKE, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_str_v(r, 0, &req->mechanism);
    return mb_rd_end(r);
}

int mb_sasl_handshake_resp_write(mb_wr *w, int16_t version, const mb_sasl_handshake_resp *resp)
{
    int32_t i;
    if (!mb_api_supported(MB_API_SASL_HANDSHAKE, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    if (resp->n_mechanisms < 0 || (resp->n_mechanisms > 0 && !resp->mechanisms))
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    mb_wr_i16(w, resp->error_code);
    mb_wr_array_v(w, 0, resp->n_mechanisms);
    for (i = 0; i < resp->n_mechanisms; i++)
        mb_wr_str_v(w, 0, resp->mechanisms[i]);
    return w->err;
}

int mb_sasl_handshake_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                mb_sasl_handshake_resp *resp)
{
    int32_t i;
    memset(resp, 0, sizeof *resp);
    if (!mb_api_supported(MB_API_SASL_HANDSHAKE, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    mb_rd_i16(r, &resp->error_code);
    mb_rd_array_v(r, 0, 2, &resp->n_mechanisms);
    resp->mechanisms = mb_rd_alloc(r, a, resp->n_mechanisms, sizeof *resp->mechanisms);
    for (i = 0; !r->err && i < resp->n_mechanisms; i++)
        mb_rd_str_v(r, 0, &resp->mechanisms[i]);
    if (r->err)
        resp->n_mechanisms = 0;
    return mb_rd_end(r);
}

int mb_sasl_authenticate_req_write(mb_wr *w, int16_t version, const mb_sasl_authenticate_req *req)
{
    int flex;
    if (!mb_api_supported(MB_API_SASL_AUTHENTICATE, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_SASL_AUTHENTICATE, version);
    mb_wr_bytes_v(w, flex, req->auth_bytes);
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

int mb_sasl_authenticate_req_read(mb_rd *r, int16_t version, mb_arena *a,
                                  mb_sasl_authenticate_req *req)
{
    int flex;
    (void)a;
    memset(req, 0, sizeof *req);
    if (!mb_api_supported(MB_API_SASL_AUTHENTICATE, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_SASL_AUTHENTICATE, version);
    mb_rd_bytes_v(r, flex, &req->auth_bytes);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return mb_rd_end(r);
}

int mb_sasl_authenticate_resp_write(mb_wr *w, int16_t version,
                                    const mb_sasl_authenticate_resp *resp)
{
    int flex;
    if (!mb_api_supported(MB_API_SASL_AUTHENTICATE, version))
        return mb_wr_fail(w, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_SASL_AUTHENTICATE, version);
    mb_wr_i16(w, resp->error_code);
    mb_wr_nstr_v(w, flex, resp->error_message);
    mb_wr_bytes_v(w, flex, resp->auth_bytes);
    if (version >= 1)
        mb_wr_i64(w, resp->session_lifetime_ms);
    if (flex)
        mb_wr_tags_none(w);
    return w->err;
}

int mb_sasl_authenticate_resp_read(mb_rd *r, int16_t version, mb_arena *a,
                                   mb_sasl_authenticate_resp *resp)
{
    int flex;
    (void)a;
    memset(resp, 0, sizeof *resp);
    resp->error_message = MB_STR_NULL;
    if (!mb_api_supported(MB_API_SASL_AUTHENTICATE, version))
        return mb_rd_fail(r, MSGBUS_ERR_UNSUPPORTED_VERSION);
    flex = mb_api_is_flexible(MB_API_SASL_AUTHENTICATE, version);
    mb_rd_i16(r, &resp->error_code);
    mb_rd_nstr_v(r, flex, &resp->error_message);
    mb_rd_bytes_v(r, flex, &resp->auth_bytes);
    if (version >= 1)
        mb_rd_i64(r, &resp->session_lifetime_ms);
    if (flex)
        mb_rd_tags(r, NULL, NULL);
    return mb_rd_end(r);
}
