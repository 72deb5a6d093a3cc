/* testutil.h - helpers shared by the cmocka tests. */
#ifndef MB_TESTUTIL_H
#define MB_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

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

#endif
