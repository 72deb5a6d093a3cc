/* fuzz_sasl.c - libFuzzer target: SaslHandshake and SaslAuthenticate bodies (harness: fuzz_body.h).
 */
#include "proto/sasl.h"

#include "fuzz_body.h"

FZ_BODY_OPS(sasl_handshake_req)
FZ_BODY_OPS(sasl_handshake_resp)
FZ_BODY_OPS(sasl_authenticate_req)
FZ_BODY_OPS(sasl_authenticate_resp)

static const fz_msg msgs[] = {
    {MB_API_SASL_HANDSHAKE, sasl_handshake_req_rd, sasl_handshake_req_wr},
    {MB_API_SASL_HANDSHAKE, sasl_handshake_resp_rd, sasl_handshake_resp_wr},
    {MB_API_SASL_AUTHENTICATE, sasl_authenticate_req_rd, sasl_authenticate_req_wr},
    {MB_API_SASL_AUTHENTICATE, sasl_authenticate_resp_rd, sasl_authenticate_resp_wr},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(msgs, sizeof msgs / sizeof msgs[0], data, size);
}
