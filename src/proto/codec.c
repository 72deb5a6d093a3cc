/*
 * codec.c - bounds-checked reader, writer and arena (see codec.h).
 */
#include "codec.h"

#include <string.h>

mb_str mb_str_c(const char *s)
{
    mb_str r;
    size_t n = s ? strlen(s) : 0;
    r.ptr = s;
    r.len = s ? (n > 0x7fffffffu ? 0x7fffffff : (int32_t)n) : -1;
    return r;
}

int mb_str_eq(mb_str a, mb_str b)
{
    if (a.len < 0 || b.len < 0)
        return a.len < 0 && b.len < 0;
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, (size_t)a.len) == 0);
}

int mb_bytes_eq(mb_bytes a, mb_bytes b)
{
    if (a.len < 0 || b.len < 0)
        return a.len < 0 && b.len < 0;
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, (size_t)a.len) == 0);
}

/* ------------------------------------------------------------------------ */
/* Reader                                                                    */
/* ------------------------------------------------------------------------ */

void mb_rd_init(mb_rd *r, const void *buf, size_t len)
{
    r->p = (const uint8_t *)buf;
    r->left = buf ? len : 0;
    r->err = 0;
}

int mb_rd_fail(mb_rd *r, int err)
{
    if (r->err == 0)
        r->err = err;
    r->left = 0;
    return r->err;
}

/* Take n bytes: NULL (and TRUNCATED recorded) if fewer are left. */
static const uint8_t *take(mb_rd *r, size_t n)
{
    const uint8_t *p;
    if (r->err)
        return NULL;
    if (n > r->left) {
        mb_rd_fail(r, MSGBUS_ERR_TRUNCATED);
        return NULL;
    }
    p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

static uint64_t be_load(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

int mb_rd_i8(mb_rd *r, int8_t *v)
{
    const uint8_t *p = take(r, 1);
    if (!p)
        return r->err;
    *v = (int8_t)p[0];
    return 0;
}

int mb_rd_u16(mb_rd *r, uint16_t *v)
{
    const uint8_t *p = take(r, 2);
    if (!p)
        return r->err;
    *v = (uint16_t)be_load(p, 2);
    return 0;
}

int mb_rd_i16(mb_rd *r, int16_t *v)
{
    uint16_t u = 0;
    int rc = mb_rd_u16(r, &u);
    *v = (int16_t)u;
    return rc;
}

int mb_rd_u32(mb_rd *r, uint32_t *v)
{
    const uint8_t *p = take(r, 4);
    if (!p)
        return r->err;
    *v = (uint32_t)be_load(p, 4);
    return 0;
}

int mb_rd_i32(mb_rd *r, int32_t *v)
{
    uint32_t u = 0;
    int rc = mb_rd_u32(r, &u);
    *v = (int32_t)u;
    return rc;
}

int mb_rd_i64(mb_rd *r, int64_t *v)
{
    const uint8_t *p = take(r, 8);
    if (!p)
        return r->err;
    *v = (int64_t)be_load(p, 8);
    return 0;
}

int mb_rd_bool(mb_rd *r, int8_t *v)
{
    int8_t b = 0;
    int rc = mb_rd_i8(r, &b);
    *v = b != 0;
    return rc;
}

int mb_rd_f64(mb_rd *r, double *v)
{
    int64_t bits = 0;
    int rc = mb_rd_i64(r, &bits);
    memcpy(v, &bits, sizeof *v);
    return rc;
}

int mb_rd_uvarlong(mb_rd *r, uint64_t *v)
{
    uint64_t acc = 0;
    unsigned shift = 0;
    size_t i;
    *v = 0;
    for (i = 0; i < 10; i++) {
        const uint8_t *p = take(r, 1);
        if (!p)
            return r->err;
        if (i == 9 && (p[0] & 0xfe))
            return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
        acc |= (uint64_t)(p[0] & 0x7f) << shift;
        if (!(p[0] & 0x80)) {
            *v = acc;
            return 0;
        }
        shift += 7;
    }
    return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
}

int mb_rd_uvarint(mb_rd *r, uint32_t *v)
{
    uint32_t acc = 0;
    unsigned shift = 0;
    size_t i;
    *v = 0;
    for (i = 0; i < 5; i++) {
        const uint8_t *p = take(r, 1);
        if (!p)
            return r->err;
        if (i == 4 && (p[0] & 0xf0))
            return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
        acc |= (uint32_t)(p[0] & 0x7f) << shift;
        if (!(p[0] & 0x80)) {
            *v = acc;
            return 0;
        }
        shift += 7;
    }
    return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
}

int mb_rd_varint(mb_rd *r, int32_t *v)
{
    uint32_t u = 0;
    int rc = mb_rd_uvarint(r, &u);
    *v = (int32_t)((u >> 1) ^ (~(u & 1u) + 1u));
    return rc;
}

int mb_rd_varlong(mb_rd *r, int64_t *v)
{
    uint64_t u = 0;
    int rc = mb_rd_uvarlong(r, &u);
    *v = (int64_t)((u >> 1) ^ (~(u & 1u) + 1u));
    return rc;
}

int mb_rd_uuid(mb_rd *r, mb_uuid *v)
{
    const uint8_t *p = take(r, 16);
    if (!p)
        return r->err;
    memcpy(v->b, p, 16);
    return 0;
}

/* Read @n bytes of content after a length prefix already checked against the cap. */
static int rd_span(mb_rd *r, int64_t n, int64_t cap, const uint8_t **ptr, int32_t *len)
{
    const uint8_t *p;
    if (r->err)
        return r->err;
    if (n > cap)
        return mb_rd_fail(r, MSGBUS_ERR_LIMIT);
    if ((uint64_t)n > r->left)
        return mb_rd_fail(r, MSGBUS_ERR_TRUNCATED);
    p = take(r, (size_t)n);
    *ptr = p;
    *len = (int32_t)n;
    return 0;
}

/* Length in the classic (INT16 / INT32) or compact (uvarint N+1) form; -1 null. */
static int rd_len(mb_rd *r, int flex, int wide, int64_t *n)
{
    if (flex) {
        uint32_t u = 0;
        if (mb_rd_uvarint(r, &u))
            return r->err;
        *n = (int64_t)u - 1;
    } else if (wide) {
        int32_t v = 0;
        if (mb_rd_i32(r, &v))
            return r->err;
        *n = v;
    } else {
        int16_t v = 0;
        if (mb_rd_i16(r, &v))
            return r->err;
        *n = v;
    }
    if (*n < -1)
        return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
    return 0;
}

static int rd_string(mb_rd *r, int flex, int nullable, mb_str *s)
{
    int64_t n = 0;
    const uint8_t *p = NULL;
    s->ptr = NULL;
    s->len = -1;
    if (rd_len(r, flex, 0, &n))
        return r->err;
    if (n < 0)
        return nullable ? 0 : mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
    if (rd_span(r, n, MSGBUS_CFG_MAX_STRING_LEN, &p, &s->len))
        return r->err;
    s->ptr = (const char *)p;
    return 0;
}

static int rd_byteseq(mb_rd *r, int flex, int nullable, mb_bytes *b)
{
    int64_t n = 0;
    b->ptr = NULL;
    b->len = -1;
    if (rd_len(r, flex, 1, &n))
        return r->err;
    if (n < 0)
        return nullable ? 0 : mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
    return rd_span(r, n, MSGBUS_CFG_MAX_BYTES_LEN, &b->ptr, &b->len);
}

int mb_rd_str(mb_rd *r, mb_str *s)
{
    return rd_string(r, 0, 0, s);
}
int mb_rd_nstr(mb_rd *r, mb_str *s)
{
    return rd_string(r, 0, 1, s);
}
int mb_rd_cstr(mb_rd *r, mb_str *s)
{
    return rd_string(r, 1, 0, s);
}
int mb_rd_cnstr(mb_rd *r, mb_str *s)
{
    return rd_string(r, 1, 1, s);
}
int mb_rd_bytes(mb_rd *r, mb_bytes *b)
{
    return rd_byteseq(r, 0, 0, b);
}
int mb_rd_nbytes(mb_rd *r, mb_bytes *b)
{
    return rd_byteseq(r, 0, 1, b);
}
int mb_rd_cbytes(mb_rd *r, mb_bytes *b)
{
    return rd_byteseq(r, 1, 0, b);
}
int mb_rd_cnbytes(mb_rd *r, mb_bytes *b)
{
    return rd_byteseq(r, 1, 1, b);
}
int mb_rd_str_v(mb_rd *r, int flex, mb_str *s)
{
    return rd_string(r, flex, 0, s);
}
int mb_rd_nstr_v(mb_rd *r, int flex, mb_str *s)
{
    return rd_string(r, flex, 1, s);
}
int mb_rd_bytes_v(mb_rd *r, int flex, mb_bytes *b)
{
    return rd_byteseq(r, flex, 0, b);
}
int mb_rd_nbytes_v(mb_rd *r, int flex, mb_bytes *b)
{
    return rd_byteseq(r, flex, 1, b);
}

static int rd_count(mb_rd *r, int flex, int nullable, size_t min_elem, int32_t *count)
{
    int64_t n = 0;
    *count = 0;
    if (rd_len(r, flex, 1, &n))
        return r->err;
    if (n < 0) {
        if (!nullable)
            return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
        *count = -1;
        return 0;
    }
    if (n > MSGBUS_CFG_MAX_ARRAY_COUNT)
        return mb_rd_fail(r, MSGBUS_ERR_LIMIT);
    if (min_elem == 0)
        min_elem = 1;
    if ((uint64_t)n > r->left / min_elem)
        return mb_rd_fail(r, MSGBUS_ERR_TRUNCATED);
    *count = (int32_t)n;
    return 0;
}

int mb_rd_array_v(mb_rd *r, int flex, size_t min_elem_size, int32_t *count)
{
    return rd_count(r, flex, 0, min_elem_size, count);
}

int mb_rd_narray_v(mb_rd *r, int flex, size_t min_elem_size, int32_t *count)
{
    return rd_count(r, flex, 1, min_elem_size, count);
}

int mb_rd_skip(mb_rd *r, size_t n)
{
    return take(r, n) ? 0 : r->err;
}

int mb_rd_raw(mb_rd *r, size_t n, const uint8_t **p)
{
    *p = take(r, n);
    return *p ? 0 : r->err;
}

int mb_rd_sub(mb_rd *r, size_t n, mb_rd *sub)
{
    const uint8_t *p = take(r, n);
    mb_rd_init(sub, p, p ? n : 0);
    if (!p)
        sub->err = r->err;
    return p ? 0 : r->err;
}

int mb_rd_end(mb_rd *r)
{
    if (r->err)
        return r->err;
    if (r->left != 0)
        return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
    return 0;
}

int mb_rd_tags(mb_rd *r, mb_tag_fn fn, void *ctx)
{
    uint32_t n = 0, i;
    int64_t last = -1;
    if (mb_rd_uvarint(r, &n))
        return r->err;
    if (n > MSGBUS_CFG_MAX_TAGGED_FIELDS)
        return mb_rd_fail(r, MSGBUS_ERR_LIMIT);
    for (i = 0; i < n; i++) {
        uint32_t tag = 0, size = 0;
        mb_rd field;
        if (mb_rd_uvarint(r, &tag) || mb_rd_uvarint(r, &size))
            return r->err;
        if ((int64_t)tag <= last)
            return mb_rd_fail(r, MSGBUS_ERR_MALFORMED);
        last = tag;
        if (mb_rd_sub(r, size, &field))
            return r->err;
        if (fn) {
            int rc = fn(ctx, tag, &field);
            if (rc == 0)
                rc = field.err;
            if (rc)
                return mb_rd_fail(r, rc);
        }
    }
    return 0;
}

int mb_rd_tags_v(mb_rd *r, int flex)
{
    return flex ? mb_rd_tags(r, NULL, NULL) : r->err;
}

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */
/* ------------------------------------------------------------------------ */

void mb_wr_init(mb_wr *w, void *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = (uint8_t *)buf;
    w->cap = buf ? cap : 0;
}

void mb_wr_init_iov(mb_wr *w, void *buf, size_t cap, mb_iov *iov, size_t iov_cap)
{
    mb_wr_init(w, buf, cap);
    w->iov = iov;
    w->iov_cap = iov_cap;
}

int mb_wr_fail(mb_wr *w, int err)
{
    if (w->err == 0)
        w->err = err;
    return w->err;
}

/* Room for n more bytes: a pointer to them, or NULL (sizing pass or error). */
static uint8_t *put(mb_wr *w, size_t n)
{
    uint8_t *p;
    if (w->err)
        return NULL;
    if (!w->buf) {
        w->len += n;
        w->total += n;
        return NULL;
    }
    if (n > w->cap - w->len) {
        mb_wr_fail(w, MSGBUS_ERR_NO_ROOM);
        return NULL;
    }
    p = w->buf + w->len;
    w->len += n;
    w->total += n;
    return p;
}

static int be_store(mb_wr *w, uint64_t v, size_t n)
{
    uint8_t *p = put(w, n);
    size_t i;
    if (p)
        for (i = 0; i < n; i++)
            p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return w->err;
}

int mb_wr_i8(mb_wr *w, int8_t v)
{
    return be_store(w, (uint8_t)v, 1);
}
int mb_wr_i16(mb_wr *w, int16_t v)
{
    return be_store(w, (uint16_t)v, 2);
}
int mb_wr_i32(mb_wr *w, int32_t v)
{
    return be_store(w, (uint32_t)v, 4);
}
int mb_wr_i64(mb_wr *w, int64_t v)
{
    return be_store(w, (uint64_t)v, 8);
}
int mb_wr_u16(mb_wr *w, uint16_t v)
{
    return be_store(w, v, 2);
}
int mb_wr_u32(mb_wr *w, uint32_t v)
{
    return be_store(w, v, 4);
}
int mb_wr_bool(mb_wr *w, int8_t v)
{
    return be_store(w, v ? 1u : 0u, 1);
}

int mb_wr_f64(mb_wr *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return be_store(w, bits, 8);
}

static size_t uvar_size64(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t mb_uvarint_size(uint32_t v)
{
    return uvar_size64(v);
}

size_t mb_varint_size(int32_t v)
{
    return uvar_size64(((uint32_t)v << 1) ^ (uint32_t)(0 - (uint32_t)(v < 0)));
}

size_t mb_varlong_size(int64_t v)
{
    return uvar_size64(((uint64_t)v << 1) ^ (uint64_t)(0 - (uint64_t)(v < 0)));
}

int mb_wr_uvarlong(mb_wr *w, uint64_t v)
{
    size_t n = uvar_size64(v), i;
    uint8_t *p = put(w, n);
    if (p) {
        for (i = 0; i + 1 < n; i++) {
            p[i] = (uint8_t)((v & 0x7f) | 0x80);
            v >>= 7;
        }
        p[n - 1] = (uint8_t)v;
    }
    return w->err;
}

int mb_wr_uvarint(mb_wr *w, uint32_t v)
{
    return mb_wr_uvarlong(w, v);
}

int mb_wr_varint(mb_wr *w, int32_t v)
{
    return mb_wr_uvarlong(w, ((uint32_t)v << 1) ^ (uint32_t)(0 - (uint32_t)(v < 0)));
}

int mb_wr_varlong(mb_wr *w, int64_t v)
{
    return mb_wr_uvarlong(w, ((uint64_t)v << 1) ^ (uint64_t)(0 - (uint64_t)(v < 0)));
}

int mb_wr_uuid(mb_wr *w, const mb_uuid *v)
{
    return mb_wr_raw(w, v->b, 16);
}

int mb_wr_raw(mb_wr *w, const void *src, size_t n)
{
    uint8_t *p = put(w, n);
    if (p && n)
        memcpy(p, src, n);
    return w->err;
}

/* Length prefix: INT16/INT32 classic or uvarint N+1 compact; n == -1 is null. */
static int wr_len(mb_wr *w, int flex, int wide, int32_t n)
{
    if (flex)
        return mb_wr_uvarint(w, (uint32_t)((int64_t)n + 1));
    if (wide)
        return mb_wr_i32(w, n);
    return mb_wr_i16(w, (int16_t)n);
}

static int wr_string(mb_wr *w, int flex, int nullable, mb_str s)
{
    if (w->err)
        return w->err;
    if (s.len < 0)
        return nullable ? wr_len(w, flex, 0, -1) : mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    if (s.len > 32767)
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    wr_len(w, flex, 0, s.len);
    return mb_wr_raw(w, s.ptr, (size_t)s.len);
}

int mb_wr_str_v(mb_wr *w, int flex, mb_str s)
{
    return wr_string(w, flex, 0, s);
}

int mb_wr_nstr_v(mb_wr *w, int flex, mb_str s)
{
    return wr_string(w, flex, 1, s);
}

static int wr_byteseq(mb_wr *w, int flex, int nullable, int ref, mb_bytes b)
{
    if (w->err)
        return w->err;
    if (b.len < 0)
        return nullable ? wr_len(w, flex, 1, -1) : mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    wr_len(w, flex, 1, b.len);
    return ref ? mb_wr_ref(w, b.ptr, (size_t)b.len) : mb_wr_raw(w, b.ptr, (size_t)b.len);
}

int mb_wr_bytes_v(mb_wr *w, int flex, mb_bytes b)
{
    return wr_byteseq(w, flex, 0, 0, b);
}

int mb_wr_nbytes_v(mb_wr *w, int flex, mb_bytes b)
{
    return wr_byteseq(w, flex, 1, 0, b);
}

int mb_wr_nbytes_ref_v(mb_wr *w, int flex, mb_bytes b)
{
    return wr_byteseq(w, flex, 1, 1, b);
}

int mb_wr_array_v(mb_wr *w, int flex, int32_t n)
{
    return wr_len(w, flex, 1, n < 0 ? -1 : n);
}

int mb_wr_tags_none(mb_wr *w)
{
    return mb_wr_uvarint(w, 0);
}

int mb_wr_tags_v(mb_wr *w, int flex)
{
    return flex ? mb_wr_tags_none(w) : w->err;
}

int mb_wr_count_v(mb_wr *w, int flex, int32_t n, const void *items)
{
    if (n < 0 || (n > 0 && items == NULL))
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    return mb_wr_array_v(w, flex, n);
}

int mb_wr_tag_head(mb_wr *w, uint32_t tag, uint32_t size)
{
    mb_wr_uvarint(w, tag);
    return mb_wr_uvarint(w, size);
}

/* Append a piece to the iov list. */
static int iov_push(mb_wr *w, const void *base, size_t len)
{
    if (len == 0)
        return 0;
    if (w->iov_n == w->iov_cap)
        return mb_wr_fail(w, MSGBUS_ERR_NO_ROOM);
    w->iov[w->iov_n].base = base;
    w->iov[w->iov_n].len = len;
    w->iov_n++;
    return 0;
}

int mb_wr_ref(mb_wr *w, const void *p, size_t n)
{
    if (w->err)
        return w->err;
    if (!w->iov || !w->buf) {
        if (!w->buf && w->iov) { /* sizing pass in iov mode: count, copy nothing */
            w->total += n;
            return 0;
        }
        return mb_wr_raw(w, p, n);
    }
    if (iov_push(w, w->buf + w->iov_from, w->len - w->iov_from) || iov_push(w, p, n))
        return w->err;
    w->iov_from = w->len;
    w->total += n;
    return 0;
}

int mb_wr_finish_iov(mb_wr *w)
{
    if (w->err || !w->iov || !w->buf)
        return w->err;
    if (iov_push(w, w->buf + w->iov_from, w->len - w->iov_from))
        return w->err;
    w->iov_from = w->len;
    return 0;
}

int mb_wr_reserve(mb_wr *w, size_t n, size_t *pos)
{
    *pos = w->len;
    put(w, n);
    return w->err;
}

int mb_wr_patch_i32(mb_wr *w, size_t pos, int32_t v)
{
    uint32_t u = (uint32_t)v;
    if (w->err || !w->buf)
        return w->err;
    if (pos > w->len || w->len - pos < 4)
        return mb_wr_fail(w, MSGBUS_ERR_INVALID_ARG);
    w->buf[pos] = (uint8_t)(u >> 24);
    w->buf[pos + 1] = (uint8_t)(u >> 16);
    w->buf[pos + 2] = (uint8_t)(u >> 8);
    w->buf[pos + 3] = (uint8_t)u;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Arena                                                                     */
/* ------------------------------------------------------------------------ */

#define MB_ARENA_ALIGN 8u

void mb_arena_init(mb_arena *a, void *buf, size_t cap)
{
    a->buf = (uint8_t *)buf;
    a->cap = buf ? cap : 0;
    a->used = 0;
}

void mb_arena_reset(mb_arena *a)
{
    a->used = 0;
}

void *mb_arena_alloc(mb_arena *a, size_t n, size_t size)
{
    size_t start, bytes, misalign;
    void *p;
    if (n == 0 || size == 0 || n > ((size_t)-1) / size)
        return NULL;
    bytes = n * size;
    misalign = (size_t)((uintptr_t)(a->buf + a->used) % MB_ARENA_ALIGN);
    start = a->used + (misalign ? MB_ARENA_ALIGN - misalign : 0);
    if (start > a->cap || bytes > a->cap - start)
        return NULL;
    p = a->buf + start;
    a->used = start + bytes;
    memset(p, 0, bytes);
    return p;
}

void *mb_rd_alloc(mb_rd *r, mb_arena *a, int32_t n, size_t size)
{
    void *p;
    if (r->err || n <= 0)
        return NULL;
    p = mb_arena_alloc(a, (size_t)n, size);
    if (!p)
        mb_rd_fail(r, MSGBUS_ERR_NO_ROOM);
    return p;
}
