/*
 * fuzz_decompress.c - compressed batch payloads from the wire: byte 0 picks
 * the codec (gzip, snappy, lz4, zstd), the rest is the payload. Nothing may
 * crash, hang, read out of bounds or write past the 64 KiB output buffer;
 * every outcome is 0 or a defined error.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bus/decompress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[64 * 1024];
    size_t len = 0;
    int rc;
    if (size < 1)
        return 0;
    rc = mb_decompress(1 + data[0] % 4, data + 1, size - 1, out, sizeof out, &len);
    if (rc == 0 && len > sizeof out)
        abort();
    if (rc != 0 && rc != MSGBUS_ERR_LIMIT && rc != MSGBUS_ERR_COMPRESSION &&
        rc != MSGBUS_ERR_UNSUPPORTED_CODEC && rc != MSGBUS_ERR_NOMEM)
        abort();
    return 0;
}
