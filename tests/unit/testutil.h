/* testutil.h - helpers shared by the cmocka tests. */
#ifndef MB_TESTUTIL_H
#define MB_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "proto/codec.h"

/* Parse hex (whitespace ignored; '#' starts a comment to end of line) into out.
 * Returns the byte count; fails the test on bad input or overflow. */
size_t tu_hex(const char *hex, uint8_t *out, size_t cap);

/* Load tests/vectors/<name> (a .hex file as tu_hex reads); malloc'd, free() it.
 * Fails the test if the file is missing. */
uint8_t *tu_load_vector(const char *name, size_t *len);

/* A decoder under test: 0 on success, a negative msgbus error otherwise. */
typedef int (*tu_decode_fn)(const uint8_t *buf, size_t len, void *ctx);

/* Feed every proper prefix of buf (each in an exactly-sized heap copy, so
 * AddressSanitizer catches any read past it) to fn, asserting each fails with
 * a negative error; then the whole buffer, asserting success. */
void tu_check_truncations(const uint8_t *buf, size_t len, tu_decode_fn fn, void *ctx);

/* Assert two byte ranges are equal, printing the first difference. */
void tu_assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len);

/* ---- message bodies (the mb_<api>_{req,resp}_{read,write} functions) ---- */

typedef int (*tu_wr_fn)(mb_wr *w, int16_t v, const void *msg);
typedef int (*tu_rd_fn)(mb_rd *r, int16_t v, mb_arena *a, void *msg);
typedef void (*tu_cmp_fn)(const void *want, const void *got, int16_t v);

/* Define w_NAME / r_NAME adapters (tu_wr_fn / tu_rd_fn) over mb_NAME_write / mb_NAME_read. */
#define TU_BODY_OPS(name)                                                                          \
    static int w_##name(mb_wr *w, int16_t v, const void *m)                                        \
    {                                                                                              \
        return mb_##name##_write(w, v, m);                                                         \
    }                                                                                              \
    static int r_##name(mb_rd *r, int16_t v, mb_arena *a, void *m)                                 \
    {                                                                                              \
        return mb_##name##_read(r, v, a, m);                                                       \
    }

/* Arena storage and the decoded message of tu_vector / tu_dec_hex / tu_dec_any. */
extern uint64_t tu_arena_store[8192];
extern _Alignas(16) uint8_t tu_out[16384];

/* What tu_dec_any decodes with: a version and a body reader. */
struct tu_dec_ctx {
    int16_t v;
    tu_rd_fn rf;
};

/* Decode buf into tu_out with ctx's reader and version (a tu_decode_fn). */
int tu_dec_any(const uint8_t *buf, size_t len, void *ctx);

/* Encode in at v, check the sizing pass agrees, decode into out, compare with
 * cf, re-encode out: the same bytes. */
void tu_roundtrip(int16_t v, const void *in, void *out, tu_wr_fn wf, tu_rd_fn rf, tu_cmp_fn cf);

/* Decode a tests/vectors file into tu_out (which check then inspects), encode
 * it back to the same bytes, and check every truncation fails. */
void tu_vector(const char *name, int16_t v, tu_rd_fn rf, tu_wr_fn wf, void (*check)(const void *));

/* Decode hex at v into tu_out; the decoder's result. */
int tu_dec_hex(const char *hex, int16_t v, tu_rd_fn rf);

/* Assert a decoded string equals want (NULL: the null string). */
void tu_assert_str(mb_str got, const char *want);

/* ---- a captured log (mb_log_fn shape): the last 256 lines ---- */

/** Keep @p msg (an mb_log_fn: pass as the client's or object's log callback). */
void tu_log_capture(void *ud, int level, const char *msg);
/** Forget every captured line. */
void tu_log_clear(void);
/** 1 if a captured line contains @p needle. */
int tu_log_has(const char *needle);

#endif
