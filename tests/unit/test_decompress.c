/* test_decompress.c - compressed batch payloads in Kafka's four codecs, from
 * fixed vectors (made with gzip, the snappy framings, the lz4 and zstd
 * command-line tools): decoded exactly where the codec is built in, a clear
 * MSGBUS_ERR_UNSUPPORTED_CODEC where it is not (targets without the
 * libraries), and bounded errors for short buffers and corrupt input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bus/decompress.h"
#include "proto/record_batch.h"
#include "testutil.h"

typedef struct vec {
    int codec;
    const char *hex;
    const char *plain;
} vec;

static const vec g_vecs[] = {
    {MB_COMPRESSION_GZIP,
     "1f8b080050cb0c6b02ffcb4e4ccb4e54284a4dce2f4a51484a2c49ce502848acccc94f4c51c81e951ad952002caa3"
     "0"
     "bb1c020000",
     NULL /* "kafka record batch payload " x 20 */},
    {MB_COMPRESSION_SNAPPY, "0c2c68656c6c6f20736e61707079", "hello snappy"},
    {MB_COMPRESSION_SNAPPY, "82534e415050590000000001000000010000000e0c2c68656c6c6f20736e61707079",
     "hello snappy"},
    {MB_COMPRESSION_LZ4,
     "04224d186440a71c000000f8036c7a34206672616d65207061796c6f616420120050796c6f616400000000d926930"
     "a",
     "lz4 frame payload lz4 frame payload"},
    {MB_COMPRESSION_ZSTD,
     "28b52ffd0458cd0000987a737464206672616d65207061796c6f6164200100cd9b6179c95720",
     "zstd frame payload zstd frame payload"},
};

static void expected(const vec *v, char *buf, size_t cap, size_t *len)
{
    size_t i;
    if (v->plain) {
        *len = strlen(v->plain);
        memcpy(buf, v->plain, *len);
        return;
    }
    *len = 0;
    for (i = 0; i < 20 && *len + 27 <= cap; i++, *len += 27)
        memcpy(buf + *len, "kafka record batch payload ", 27);
}

static void test_vectors(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof g_vecs / sizeof g_vecs[0]; i++) {
        uint8_t in[256], out[1024];
        char want[1024];
        size_t n = tu_hex(g_vecs[i].hex, in, sizeof in), len = 0, wlen = 0;
        int rc = mb_decompress(g_vecs[i].codec, in, n, out, sizeof out, &len);
        if (!mb_codec_available(g_vecs[i].codec)) {
            assert_int_equal(rc, MSGBUS_ERR_UNSUPPORTED_CODEC);
            continue;
        }
        expected(&g_vecs[i], want, sizeof want, &wlen);
        assert_int_equal(rc, 0);
        assert_int_equal(len, wlen);
        assert_memory_equal(out, want, wlen);
    }
}

static void test_short_buffer_and_corruption(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof g_vecs / sizeof g_vecs[0]; i++) {
        uint8_t in[256], out[1024];
        size_t n = tu_hex(g_vecs[i].hex, in, sizeof in), len = 0, k;
        if (!mb_codec_available(g_vecs[i].codec))
            continue;
        /* an output buffer too small: LIMIT, never a write past it */
        assert_int_equal(mb_decompress(g_vecs[i].codec, in, n, out, 4, &len), MSGBUS_ERR_LIMIT);
        /* cut short at every length: an error (or, for a lucky prefix, less data), no crash */
        for (k = 0; k < n; k++) {
            int rc = mb_decompress(g_vecs[i].codec, in, k, out, sizeof out, &len);
            assert_true(rc == MSGBUS_ERR_COMPRESSION || rc == MSGBUS_ERR_LIMIT || rc == 0);
        }
        /* garbage */
        memset(in, 0x5a, n);
        assert_int_equal(mb_decompress(g_vecs[i].codec, in, n, out, sizeof out, &len),
                         MSGBUS_ERR_COMPRESSION);
    }
}

static void test_bad_codec(void **state)
{
    uint8_t in[4] = {0}, out[4];
    size_t len = 9;
    (void)state;
    assert_int_equal(mb_decompress(5, in, sizeof in, out, sizeof out, &len), MSGBUS_ERR_MALFORMED);
    assert_int_equal(len, 0);
    assert_int_equal(mb_decompress(7, in, sizeof in, out, sizeof out, &len), MSGBUS_ERR_MALFORMED);
    assert_true(mb_codec_available(MB_COMPRESSION_NONE));
    assert_false(mb_codec_available(6));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_short_buffer_and_corruption),
        cmocka_unit_test(test_bad_codec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
