/*
 * fuzz_scram.c - libFuzzer target: the SCRAM client reading hostile
 * server-first and server-final messages, and the PLAIN writer.
 *
 * Input: byte 0 chooses the hash (value % 3) and, with bit 7 set, a client-final
 * buffer too small for any answer (NO_ROOM, then a retry with room); bytes 1-2
 * (big-endian) split the rest into the server-first and the server-final. The
 * client nonce is RFC 5802's, so seeds can carry complete, valid exchanges.
 * Every return must be 0 or an error the contract names; anything else aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msgbus/config_defaults.h"
#include "msgbus/error.h"
#include "net/scram.h"

#define FZ_NONCE "fyko+d2lbbFgONRv9qkxdawL"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_check(int ok)
{
    if (!ok)
        abort();
}

/* PLAIN with the first 64 bytes as user and password (cut at NUL). */
static void fz_plain(const uint8_t *data, size_t size)
{
    char user[65], pw[65];
    uint8_t out[140];
    size_t n = size < 64 ? size : 64, cap = n * 2 + 2 - (size & 1), out_len = 0;
    int rc;
    memcpy(user, data, n);
    user[n] = '\0';
    memcpy(pw, data, n);
    pw[n] = '\0';
    rc = mb_sasl_plain(user, pw, out, cap, &out_len);
    fz_check(rc == 0 || rc == MSGBUS_ERR_NO_ROOM || rc == MSGBUS_ERR_INVALID_ARG);
    fz_check(rc == 0 ? out_len == 2 + 2 * strlen(user) && out_len <= cap : out_len == 0);
}

static int fz_client_final(mb_scram *s, const uint8_t *msg, size_t len, int small)
{
    uint8_t out[MB_SCRAM_MAX_NONCE + 128];
    size_t out_len = 0;
    int rc = mb_scram_client_final(s, "pencil", msg, len, out, small ? 40 : sizeof out, &out_len);
    if (rc == MSGBUS_ERR_NO_ROOM) {
        fz_check(small && s->step == 1 && out_len == 0);
        rc = mb_scram_client_final(s, "pencil", msg, len, out, sizeof out, &out_len);
    }
    fz_check(rc == 0 || rc == MSGBUS_ERR_MALFORMED || rc == MSGBUS_ERR_AUTH ||
             rc == MSGBUS_ERR_NOMEM);
    if (rc == 0)
        fz_check(s->step == 2 && out_len <= sizeof out && out_len > 9 &&
                 memcmp(out, "c=biws,r=" FZ_NONCE, 9 + strlen(FZ_NONCE)) == 0);
    else
        fz_check(s->step == -1 && out_len == 0);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const mb_scram_hash hashes[3] = {MB_SCRAM_SHA1, MB_SCRAM_SHA256, MB_SCRAM_SHA512};
    mb_scram s;
    uint8_t first[128];
    size_t first_len = 0, split, rest;
    int rc;
    fz_plain(data, size);
    if (size < 3)
        return 0;
    rc = mb_scram_init(&s, hashes[data[0] % 3]);
    if (rc == MSGBUS_ERR_NOT_BUILT)
        return 0;
    fz_check(rc == 0);
    rc = mb_scram_client_first(&s, "user", FZ_NONCE, NULL, NULL, first, sizeof first, &first_len);
    fz_check(rc == 0 && first_len == 12 + strlen(FZ_NONCE));
    rest = size - 3;
    split = (size_t)data[1] << 8 | data[2];
    if (split > rest)
        split = rest;
    if (fz_client_final(&s, data + 3, split, data[0] & 0x80) == 0) {
        rc = mb_scram_server_final(&s, data + 3 + split, rest - split);
        fz_check(rc == 0 || rc == MSGBUS_ERR_AUTH || rc == MSGBUS_ERR_MALFORMED);
        fz_check(s.step == (rc == 0 ? 3 : -1));
    }
    mb_scram_wipe(&s);
    fz_check(s.step == -1 && s.server_first_len == 0);
    return 0;
}
