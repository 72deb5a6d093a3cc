/*
 * codec.h - the one bounds-checked reader and the one writer that carry every
 * Kafka encoding in msgbus, plus the caller-supplied arena decoders use for arrays.
 *
 * No I/O, no clock, no heap. Every read checks the bytes left; the first error
 * sticks in the reader (or writer) and every later call returns it, so a decoder
 * may chain reads and test once. Strings and bytes decoded from the wire point
 * into the input buffer (decoded in place); they are not NUL-terminated.
 */
#ifndef MB_PROTO_CODEC_H
#define MB_PROTO_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/config_defaults.h"
#include "msgbus/error.h"
#include "msgbus/transport.h"

/** A string that points into a buffer; len < 0 means null. Not NUL-terminated. */
typedef struct mb_str {
    const char *ptr;
    int32_t len;
} mb_str;

/** A byte range that points into a buffer; len < 0 means null. */
typedef struct mb_bytes {
    const uint8_t *ptr;
    int32_t len;
} mb_bytes;

/** A Kafka UUID: 16 bytes, most significant first. */
typedef struct mb_uuid {
    uint8_t b[16];
} mb_uuid;

/** The null string / bytes. */
#define MB_STR_NULL ((mb_str){NULL, -1})
#define MB_BYTES_NULL ((mb_bytes){NULL, -1})

/** Make an mb_str from a NUL-terminated C string (NULL gives the null string). */
mb_str mb_str_c(const char *s);
/** 1 if @p a and @p b hold the same bytes (two nulls are equal), else 0. */
int mb_str_eq(mb_str a, mb_str b);
/** 1 if @p a and @p b hold the same bytes (two nulls are equal), else 0. */
int mb_bytes_eq(mb_bytes a, mb_bytes b);

/* ------------------------------------------------------------------------ */
/* Reader                                                                    */
/* ------------------------------------------------------------------------ */

/** A bounds-checked reader over a byte range. */
typedef struct mb_rd {
    const uint8_t *p; /**< next byte */
    size_t left;      /**< bytes left; nothing past p + left is ever read */
    int err;          /**< first error, 0 while none */
} mb_rd;

void mb_rd_init(mb_rd *r, const void *buf, size_t len);
/** Record @p err (if none yet) and return the sticky error. */
int mb_rd_fail(mb_rd *r, int err);

int mb_rd_i8(mb_rd *r, int8_t *v);
int mb_rd_i16(mb_rd *r, int16_t *v);
int mb_rd_i32(mb_rd *r, int32_t *v);
int mb_rd_i64(mb_rd *r, int64_t *v);
int mb_rd_u16(mb_rd *r, uint16_t *v);
int mb_rd_u32(mb_rd *r, uint32_t *v);
/** BOOLEAN: one byte, any non-zero value is true (stored as 1). */
int mb_rd_bool(mb_rd *r, int8_t *v);
/** FLOAT64, IEEE 754 big-endian. */
int mb_rd_f64(mb_rd *r, double *v);
/** UNSIGNED_VARINT (at most 5 bytes; more, or a value above 32 bits, is MALFORMED). */
int mb_rd_uvarint(mb_rd *r, uint32_t *v);
/** Unsigned 64-bit varint (at most 10 bytes). */
int mb_rd_uvarlong(mb_rd *r, uint64_t *v);
/** VARINT: zigzag-encoded signed 32-bit. */
int mb_rd_varint(mb_rd *r, int32_t *v);
/** VARLONG: zigzag-encoded signed 64-bit. */
int mb_rd_varlong(mb_rd *r, int64_t *v);
int mb_rd_uuid(mb_rd *r, mb_uuid *v);

/** STRING: INT16 length then bytes; a negative length is MALFORMED. */
int mb_rd_str(mb_rd *r, mb_str *s);
/** NULLABLE_STRING: INT16 length (-1 null) then bytes. */
int mb_rd_nstr(mb_rd *r, mb_str *s);
/** COMPACT_STRING: UNSIGNED_VARINT length+1 then bytes; 0 (null) is MALFORMED. */
int mb_rd_cstr(mb_rd *r, mb_str *s);
/** COMPACT_NULLABLE_STRING: UNSIGNED_VARINT length+1 (0 null) then bytes. */
int mb_rd_cnstr(mb_rd *r, mb_str *s);
/** BYTES: INT32 length then bytes; negative is MALFORMED. */
int mb_rd_bytes(mb_rd *r, mb_bytes *b);
/** NULLABLE_BYTES / RECORDS: INT32 length (-1 null) then bytes. */
int mb_rd_nbytes(mb_rd *r, mb_bytes *b);
/** COMPACT_BYTES. */
int mb_rd_cbytes(mb_rd *r, mb_bytes *b);
/** COMPACT_NULLABLE_BYTES / COMPACT_RECORDS. */
int mb_rd_cnbytes(mb_rd *r, mb_bytes *b);

/** String in the classic (flex == 0) or compact (flex != 0) encoding. */
int mb_rd_str_v(mb_rd *r, int flex, mb_str *s);
int mb_rd_nstr_v(mb_rd *r, int flex, mb_str *s);
int mb_rd_bytes_v(mb_rd *r, int flex, mb_bytes *b);
int mb_rd_nbytes_v(mb_rd *r, int flex, mb_bytes *b);

/**
 * ARRAY count (INT32, or COMPACT_ARRAY's UNSIGNED_VARINT N+1 when @p flex).
 * The count is checked against MSGBUS_CFG_MAX_ARRAY_COUNT and against the bytes
 * left given that each element takes at least @p min_elem_size bytes (pass 1 or
 * more), so it can never promise more elements than the input can hold.
 * A null array is MALFORMED here; use mb_rd_narray_v() where null is allowed.
 */
int mb_rd_array_v(mb_rd *r, int flex, size_t min_elem_size, int32_t *count);
/** As mb_rd_array_v() but a null array gives *count == -1. */
int mb_rd_narray_v(mb_rd *r, int flex, size_t min_elem_size, int32_t *count);

/** Advance @p n bytes. */
int mb_rd_skip(mb_rd *r, size_t n);
/** Point *p at the next @p n bytes and advance past them. */
int mb_rd_raw(mb_rd *r, size_t n, const uint8_t **p);
/** Split off the next @p n bytes as a reader of their own and advance past them. */
int mb_rd_sub(mb_rd *r, size_t n, mb_rd *sub);
/** MALFORMED unless every byte has been consumed; returns the sticky error. */
int mb_rd_end(mb_rd *r);

/**
 * Handler for one known tagged field. @p field is a reader over exactly the
 * field's bytes. Return 0 if the tag was parsed (or deliberately ignored), a
 * negative error to fail the whole decode. Bytes the handler leaves unread are
 * skipped.
 */
typedef int (*mb_tag_fn)(void *ctx, uint32_t tag, mb_rd *field);

/**
 * A tagged-field section: UNSIGNED_VARINT count, then (tag, size, bytes) each.
 * Tags must be strictly increasing. @p fn (may be NULL) sees every tag; it
 * returns 0 whether it parsed the tag or not, so unknown tags are skipped.
 * The count is capped by MSGBUS_CFG_MAX_TAGGED_FIELDS.
 */
int mb_rd_tags(mb_rd *r, mb_tag_fn fn, void *ctx);
/** When @p flex, a tagged-field section whose tags are all skipped; else nothing. */
int mb_rd_tags_v(mb_rd *r, int flex);

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */
/* ------------------------------------------------------------------------ */

/** One piece of a scatter/gather output: the transport contract's iovec. */
typedef msgbus_iovec mb_iov;

/**
 * The writer. With buf == NULL it only counts (the sizing pass). With an iov
 * list, mb_wr_ref() adds the referenced bytes as their own piece instead of
 * copying them (zero-copy record batches).
 */
typedef struct mb_wr {
    uint8_t *buf;    /**< output buffer, or NULL to size only */
    size_t cap;      /**< capacity of buf */
    size_t len;      /**< bytes written into buf (or counted) */
    size_t total;    /**< len plus referenced bytes: the encoded size */
    mb_iov *iov;     /**< optional scatter/gather list */
    size_t iov_cap;  /**< capacity of iov */
    size_t iov_n;    /**< pieces used */
    size_t iov_from; /**< start in buf of the piece not yet listed */
    int err;         /**< first error, 0 while none */
} mb_wr;

/** Init a writer over @p buf (NULL: size only; cap is then ignored). */
void mb_wr_init(mb_wr *w, void *buf, size_t cap);
/** Init a writer that lists its output as pieces in @p iov (see mb_wr_ref()). */
void mb_wr_init_iov(mb_wr *w, void *buf, size_t cap, mb_iov *iov, size_t iov_cap);
int mb_wr_fail(mb_wr *w, int err);
/** Close the iov list: after this, iov[0..iov_n) covers the whole output. */
int mb_wr_finish_iov(mb_wr *w);

int mb_wr_i8(mb_wr *w, int8_t v);
int mb_wr_i16(mb_wr *w, int16_t v);
int mb_wr_i32(mb_wr *w, int32_t v);
int mb_wr_i64(mb_wr *w, int64_t v);
int mb_wr_u16(mb_wr *w, uint16_t v);
int mb_wr_u32(mb_wr *w, uint32_t v);
int mb_wr_bool(mb_wr *w, int8_t v);
int mb_wr_f64(mb_wr *w, double v);
int mb_wr_uvarint(mb_wr *w, uint32_t v);
int mb_wr_uvarlong(mb_wr *w, uint64_t v);
int mb_wr_varint(mb_wr *w, int32_t v);
int mb_wr_varlong(mb_wr *w, int64_t v);
int mb_wr_uuid(mb_wr *w, const mb_uuid *v);
/** Bytes that a varint / uvarint of @p v takes. */
size_t mb_uvarint_size(uint32_t v);
size_t mb_varint_size(int32_t v);
size_t mb_varlong_size(int64_t v);

/** Non-nullable string (classic or compact); a null @p s is INVALID_ARG. */
int mb_wr_str_v(mb_wr *w, int flex, mb_str s);
/** Nullable string (classic or compact). */
int mb_wr_nstr_v(mb_wr *w, int flex, mb_str s);
int mb_wr_bytes_v(mb_wr *w, int flex, mb_bytes b);
int mb_wr_nbytes_v(mb_wr *w, int flex, mb_bytes b);
/** Nullable bytes whose content is referenced (zero-copy) rather than copied. */
int mb_wr_nbytes_ref_v(mb_wr *w, int flex, mb_bytes b);
/** Array count (classic INT32 or compact N+1); @p n < 0 writes null. */
int mb_wr_array_v(mb_wr *w, int flex, int32_t n);
/** An empty tagged-field section (a single 0). */
int mb_wr_tags_none(mb_wr *w);
/** An empty tagged-field section when @p flex, nothing otherwise. */
int mb_wr_tags_v(mb_wr *w, int flex);
/**
 * Count of a non-nullable array whose @p n elements are at @p items: a
 * negative count, or elements missing, is INVALID_ARG.
 */
int mb_wr_count_v(mb_wr *w, int flex, int32_t n, const void *items);
/** Header of one tagged field: tag then size; the caller then writes @p size bytes. */
int mb_wr_tag_head(mb_wr *w, uint32_t tag, uint32_t size);

int mb_wr_raw(mb_wr *w, const void *p, size_t n);
/** Reference @p n bytes at @p p: a piece of its own in iov mode, else copied. */
int mb_wr_ref(mb_wr *w, const void *p, size_t n);
/** Reserve @p n bytes to be patched later; *pos receives their offset in buf. */
int mb_wr_reserve(mb_wr *w, size_t n, size_t *pos);
/** Overwrite 4 bytes at @p pos (from mb_wr_reserve()) with @p v. */
int mb_wr_patch_i32(mb_wr *w, size_t pos, int32_t v);

/* ------------------------------------------------------------------------ */
/* Arena: caller-supplied storage for decoded arrays                         */
/* ------------------------------------------------------------------------ */

/**
 * Decoders put the arrays of a decoded message into an arena the caller
 * supplies; strings and bytes are not copied (they point into the input).
 * Running out of arena is MSGBUS_ERR_NO_ROOM. Nothing is ever freed
 * individually; reset the arena to reuse it.
 */
typedef struct mb_arena {
    uint8_t *buf;
    size_t cap;
    size_t used;
} mb_arena;

void mb_arena_init(mb_arena *a, void *buf, size_t cap);
void mb_arena_reset(mb_arena *a);
/** Zeroed storage for @p n elements of @p size bytes, aligned for any type; NULL if none. */
void *mb_arena_alloc(mb_arena *a, size_t n, size_t size);

/**
 * Allocate a decoded array of @p n elements in @p a, recording NO_ROOM in @p r
 * on failure. n == 0 (or negative: null) yields NULL without error.
 */
void *mb_rd_alloc(mb_rd *r, mb_arena *a, int32_t n, size_t size);

#endif /* MB_PROTO_CODEC_H */
