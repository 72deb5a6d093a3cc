/*
 * storage_ram.c - the bridge's outbox storage in the caller's RAM
 * (include/msgbus/bridge.h): a ring of records, each a 4-byte length and
 * its bytes padded to 4. A record that does not fit before the end of the
 * buffer starts at offset 0; the skipped end is marked (a length of all
 * ones) when it has room for a length, and counted as used until the tail
 * passes it. A read cursor makes in-order reads O(1). Not persistent.
 *
 * Calls go: bridge.c -> the msgbus_bridge_storage functions here.
 */
#include <string.h>

#include "msgbus/bridge.h"

#if MSGBUS_CFG_BRIDGE

#define MB_RAM_WRAP 0xffffffffu

static size_t pad4(size_t n)
{
    return (n + 3u) & ~(size_t)3u;
}

/* The offset of the record that starts at or (after a wrap) instead of off. */
static size_t rec_at(const msgbus_storage_ram *s, size_t off, uint32_t *len)
{
    if (s->mb_cap - off >= 4)
        memcpy(len, s->mb_buf + off, 4);
    if (s->mb_cap - off < 4 || *len == MB_RAM_WRAP) {
        off = 0;
        memcpy(len, s->mb_buf, 4);
    }
    return off;
}

/* Where a record of @p size bytes goes, wrapping if needed; NULL when full. */
static unsigned char *ram_reserve(msgbus_storage_ram *s, size_t size)
{
    if (s->mb_used == 0) { /* empty: start over at 0, and so does the read cursor */
        s->mb_head = s->mb_tail = 0;
        s->mb_cur_off = 0;
        s->mb_cur_seq = s->mb_next;
    }
    if (size > s->mb_cap || s->mb_used == s->mb_cap ||
        (s->mb_head < s->mb_tail && size > s->mb_tail - s->mb_head))
        return NULL;
    if (s->mb_head >= s->mb_tail && size > s->mb_cap - s->mb_head) {
        if (size > s->mb_tail)
            return NULL;
        if (s->mb_cap - s->mb_head >= 4) {
            uint32_t w = MB_RAM_WRAP;
            memcpy(s->mb_buf + s->mb_head, &w, 4);
        }
        s->mb_used += s->mb_cap - s->mb_head;
        s->mb_head = 0;
    }
    return s->mb_buf + s->mb_head;
}

static int ram_append(void *ctx, const void *rec, size_t len)
{
    msgbus_storage_ram *s = ctx;
    size_t size = 4 + pad4(len);
    uint32_t l32 = (uint32_t)len;
    unsigned char *p;
    if (len >= MB_RAM_WRAP)
        return MSGBUS_ERR_INVALID_ARG;
    p = ram_reserve(s, size);
    if (!p)
        return MSGBUS_ERR_NO_ROOM;
    memcpy(p, &l32, 4);
    if (len)
        memcpy(p + 4, rec, len);
    s->mb_head = (s->mb_head + size) % s->mb_cap;
    s->mb_used += size;
    s->mb_next++;
    return 0;
}

static int ram_read(void *ctx, uint64_t *seq, void *buf, size_t cap, size_t *len)
{
    msgbus_storage_ram *s = ctx;
    uint32_t l = 0;
    size_t off;
    if (*seq < s->mb_first)
        *seq = s->mb_first;
    if (*seq >= s->mb_next)
        return MSGBUS_ERR_NO_MESSAGE;
    if (s->mb_cur_seq < s->mb_first || s->mb_cur_seq > *seq) {
        s->mb_cur_seq = s->mb_first;
        s->mb_cur_off = s->mb_tail;
    }
    off = rec_at(s, s->mb_cur_off, &l);
    while (s->mb_cur_seq < *seq) {
        off = rec_at(s, (off + 4 + pad4(l)) % s->mb_cap, &l);
        s->mb_cur_seq++;
    }
    s->mb_cur_off = off;
    *len = l;
    if (l > cap)
        return MSGBUS_ERR_NO_ROOM;
    if (l)
        memcpy(buf, s->mb_buf + off + 4, l);
    return 0;
}

static int ram_trim(void *ctx, uint64_t upto)
{
    msgbus_storage_ram *s = ctx;
    uint32_t l = 0;
    if (upto > s->mb_next)
        upto = s->mb_next;
    while (s->mb_first < upto) {
        size_t off = rec_at(s, s->mb_tail, &l);
        size_t size = 4 + pad4(l);
        s->mb_used -= (off == s->mb_tail ? 0 : s->mb_cap - s->mb_tail) + size;
        s->mb_tail = (off + size) % s->mb_cap;
        s->mb_first++;
    }
    if (s->mb_first == s->mb_next) /* empty: nothing is wasted at the end either */
        s->mb_used = 0;
    return 0;
}

static void ram_range(void *ctx, uint64_t *first, uint64_t *next)
{
    const msgbus_storage_ram *s = ctx;
    *first = s->mb_first;
    *next = s->mb_next;
}

int msgbus_storage_ram_init(msgbus_storage_ram *s, void *buf, size_t cap)
{
    if (!s || !buf || cap < 8)
        return MSGBUS_ERR_INVALID_ARG;
    memset(s, 0, sizeof *s);
    s->mb_buf = buf;
    s->mb_cap = cap & ~(size_t)3u;
    s->mb_st.append = ram_append;
    s->mb_st.read = ram_read;
    s->mb_st.trim = ram_trim;
    s->mb_st.range = ram_range;
    s->mb_st.ctx = s;
    return 0;
}

const msgbus_bridge_storage *msgbus_storage_ram_get(msgbus_storage_ram *s)
{
    return s ? &s->mb_st : NULL;
}

#else
typedef int mb_storage_left_out; /* C11 wants a declaration in every file */
#endif /* MSGBUS_CFG_BRIDGE */
