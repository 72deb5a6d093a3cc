/* testutil.c - helpers shared by the cmocka tests. */
#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t tu_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        int v;
        if (*hex == '#') {
            while (*hex && *hex != '\n')
                hex++;
            if (!*hex)
                break;
            continue;
        }
        if (*hex == ' ' || *hex == '\n' || *hex == '\r' || *hex == '\t')
            continue;
        v = hexval((unsigned char)*hex);
        if (v < 0)
            fail_msg("bad hex character '%c'", *hex);
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap)
                fail_msg("hex vector larger than %zu bytes", cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0)
        fail_msg("odd number of hex digits");
    return n;
}

uint8_t *tu_load_vector(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    long size;
    char *text;
    uint8_t *out;
    snprintf(path, sizeof path, "%s/%s", MB_TEST_VECTORS_DIR, name);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open vector %s", path);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    out = malloc((size_t)size / 2 + 1);
    assert_non_null(out);
    *len = tu_hex(text, out, (size_t)size / 2 + 1);
    free(text);
    return out;
}

void tu_check_truncations(const uint8_t *buf, size_t len, tu_decode_fn fn, void *ctx)
{
    size_t n;
    for (n = 0; n <= len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        int rc;
        assert_non_null(copy);
        memcpy(copy, buf, n);
        rc = fn(copy, n, ctx);
        free(copy);
        if (n < len && rc >= 0)
            fail_msg("prefix of %zu of %zu bytes decoded without error", n, len);
        if (n == len && rc != 0)
            fail_msg("full input of %zu bytes failed: %d", len, rc);
    }
}

void tu_assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
    size_t i, n = got_len < want_len ? got_len : want_len;
    for (i = 0; i < n; i++)
        if (got[i] != want[i])
            fail_msg("byte %zu differs: got %02x want %02x (lengths %zu/%zu)", i, got[i], want[i],
                     got_len, want_len);
    if (got_len != want_len)
        fail_msg("length differs: got %zu want %zu", got_len, want_len);
}

/* ---- message bodies: round trips, vectors, truncations ---- */

uint64_t tu_arena_store[8192];
_Alignas(16) uint8_t tu_out[16384];

/* Encode @p in at @p v, decode it, compare, re-encode: same bytes. */
void tu_roundtrip(int16_t v, const void *in, void *out, tu_wr_fn wf, tu_rd_fn rf, tu_cmp_fn cf)
{
    static uint8_t b1[8192], b2[8192];
    mb_wr w;
    mb_rd r;
    mb_arena a;
    size_t n1;
    mb_wr_init(&w, b1, sizeof b1);
    assert_int_equal(wf(&w, v, in), 0);
    n1 = w.len;
    mb_wr_init(&w, NULL, 0); /* the sizing pass agrees */
    assert_int_equal(wf(&w, v, in), 0);
    assert_int_equal(w.total, n1);
    mb_rd_init(&r, b1, n1);
    mb_arena_init(&a, tu_arena_store, sizeof tu_arena_store);
    assert_int_equal(rf(&r, v, &a, out), 0);
    cf(in, out, v);
    mb_wr_init(&w, b2, sizeof b2);
    assert_int_equal(wf(&w, v, out), 0);
    tu_assert_bytes(b2, w.len, b1, n1);
}

int tu_dec_any(const uint8_t *buf, size_t len, void *ctx)
{
    struct tu_dec_ctx *c = ctx;
    mb_rd r;
    mb_arena a;
    mb_rd_init(&r, buf, len);
    mb_arena_init(&a, tu_arena_store, sizeof tu_arena_store);
    return c->rf(&r, c->v, &a, tu_out);
}

/* Decode a tests/vectors file into tu_out (which @p check then inspects),
 * encode it back to the same bytes, and check every truncation fails. */
void tu_vector(const char *name, int16_t v, tu_rd_fn rf, tu_wr_fn wf, void (*check)(const void *))
{
    size_t len = 0;
    uint8_t *buf = tu_load_vector(name, &len);
    uint8_t enc[8192];
    struct tu_dec_ctx c;
    mb_wr w;
    c.v = v;
    c.rf = rf;
    assert_int_equal(tu_dec_any(buf, len, &c), 0);
    check(tu_out);
    mb_wr_init(&w, enc, sizeof enc);
    assert_int_equal(wf(&w, v, tu_out), 0);
    tu_assert_bytes(enc, w.len, buf, len);
    tu_check_truncations(buf, len, tu_dec_any, &c);
    free(buf);
}

/* Decode hex @p hex at @p v and return the result code. */
int tu_dec_hex(const char *hex, int16_t v, tu_rd_fn rf)
{
    uint8_t buf[512];
    struct tu_dec_ctx c;
    size_t n = tu_hex(hex, buf, sizeof buf);
    c.v = v;
    c.rf = rf;
    return tu_dec_any(buf, n, &c);
}

void tu_assert_str(mb_str got, const char *want)
{
    if (!want) {
        assert_true(got.len < 0);
        return;
    }
    assert_true(mb_str_eq(got, mb_str_c(want)));
}

/* ---- a captured log ---- */

static char tu_log_lines[256][256];
static int tu_log_n;

void tu_log_capture(void *ud, int level, const char *msg)
{
    (void)ud;
    (void)level;
    if (tu_log_n < 256)
        snprintf(tu_log_lines[tu_log_n++], sizeof tu_log_lines[0], "%s", msg);
}

void tu_log_clear(void)
{
    tu_log_n = 0;
}

int tu_log_has(const char *needle)
{
    int i;
    for (i = 0; i < tu_log_n; i++)
        if (strstr(tu_log_lines[i], needle))
            return 1;
    return 0;
}
