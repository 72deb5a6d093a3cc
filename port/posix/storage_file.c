/*
 * storage_file.c (port/posix) - the bridge's outbox in files
 * (include/msgbus/bridge.h): append-only segment files in one directory,
 * each named by the number of its first record (seg-<16 hex>.log), holding
 * records as [u32 length][u32 CRC-32C of the bytes][bytes], little endian;
 * and a file `mark` with the trim point, replaced atomically (write to
 * mark.tmp, fsync unless the policy is NONE, rename). A trim deletes the
 * segments wholly below the mark; nothing is ever rewritten in place.
 *
 * Open recovers: segments are listed and scanned, a torn or corrupt tail of
 * the last one (a crash mid-append) is cut off, and counting gives the next
 * record number. Durability follows the sync policy (see bridge.h).
 *
 * Calls go: bridge.c -> the msgbus_bridge_storage functions here -> POSIX
 * file calls.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msgbus/bridge.h"

#if MSGBUS_CFG_BRIDGE
#include "msgbus/port.h"
#include "proto/crc32c.h"

#define MB_FILE_MAX_SEGS 4096
#define MB_FILE_PATH 512

typedef struct mb_seg {
    uint64_t first; /* number of its first record */
    uint64_t bytes; /* file size */
} mb_seg;

struct msgbus_storage_file {
    msgbus_bridge_storage st;
    msgbus_allocator al;
    char dir[MB_FILE_PATH - 32];
    size_t seg_bytes, max_bytes;
    msgbus_storage_sync sync;
    uint32_t sync_interval_ms, last_sync;
    mb_seg segs[MB_FILE_MAX_SEGS];
    unsigned n_segs;
    uint64_t first, next, kept_bytes;
    int wfd;               /* the last segment, open for append */
    int rfd;               /* the segment being read */
    unsigned r_seg;        /* its index */
    uint64_t r_seq, r_off; /* read cursor: record r_seq starts at r_off */
    int dirty;             /* appended since the last fsync */
};

static void seg_path(const msgbus_storage_file *f, uint64_t first, char *out)
{
    snprintf(out, MB_FILE_PATH, "%s/seg-%016llx.log", f->dir, (unsigned long long)first);
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return MSGBUS_ERR_UNKNOWN;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read exactly n bytes at off; 1 when they were all there, 0 at a short file. */
static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 1;
}

/* ---- the mark ------------------------------------------------------------ */

static int mark_write(msgbus_storage_file *f, uint64_t first)
{
    char path[MB_FILE_PATH], tmp[MB_FILE_PATH], text[32];
    int fd, rc, n = snprintf(text, sizeof text, "%016llx\n", (unsigned long long)first);
    snprintf(path, sizeof path, "%s/mark", f->dir);
    snprintf(tmp, sizeof tmp, "%s/mark.tmp", f->dir);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return MSGBUS_ERR_UNKNOWN;
    rc = write_all(fd, text, (size_t)n);
    if (rc == 0 && f->sync != MSGBUS_STORAGE_SYNC_NONE && fsync(fd) != 0)
        rc = MSGBUS_ERR_UNKNOWN;
    close(fd);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = MSGBUS_ERR_UNKNOWN;
    return rc;
}

static uint64_t mark_read(const msgbus_storage_file *f)
{
    char path[MB_FILE_PATH], text[32];
    FILE *fp;
    unsigned long long v = 0;
    snprintf(path, sizeof path, "%s/mark", f->dir);
    fp = fopen(path, "r");
    if (!fp)
        return 0;
    if (!fgets(text, sizeof text, fp) || sscanf(text, "%llx", &v) != 1)
        v = 0;
    fclose(fp);
    return (uint64_t)v;
}

/* ---- recovery -------------------------------------------------------------- */

static int seg_cmp(const void *a, const void *b)
{
    const mb_seg *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int list_segments(msgbus_storage_file *f)
{
    DIR *d = opendir(f->dir);
    struct dirent *e;
    if (!d)
        return MSGBUS_ERR_CONFIG;
    while ((e = readdir(d)) != NULL) {
        unsigned long long first;
        char tail[8];
        if (sscanf(e->d_name, "seg-%16llx.%4s", &first, tail) != 2 || strcmp(tail, "log") != 0)
            continue;
        if (f->n_segs == MB_FILE_MAX_SEGS) {
            closedir(d);
            return MSGBUS_ERR_LIMIT;
        }
        f->segs[f->n_segs].first = first;
        f->segs[f->n_segs++].bytes = 0;
    }
    closedir(d);
    qsort(f->segs, f->n_segs, sizeof f->segs[0], seg_cmp);
    return 0;
}

/* Count the valid records of segment i; cut a torn or corrupt tail off. */
static uint64_t scan_segment(msgbus_storage_file *f, unsigned i, unsigned char *buf, size_t cap)
{
    char path[MB_FILE_PATH];
    unsigned char hdr[8];
    uint64_t off = 0, n = 0;
    int fd;
    seg_path(f, f->segs[i].first, path);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return 0;
    while (read_at(fd, hdr, 8, off)) {
        uint32_t len = get32(hdr);
        if (len > cap || !read_at(fd, buf, len, off + 8) ||
            mb_crc32c(0, buf, len) != get32(hdr + 4))
            break;
        off += 8u + len;
        n++;
    }
    if (ftruncate(fd, (off_t)off) != 0)
        n = 0;
    close(fd);
    f->segs[i].bytes = off;
    return n;
}

/* Delete the segments that hold only records below f->first. */
static void drop_segments(msgbus_storage_file *f)
{
    char path[MB_FILE_PATH];
    unsigned k = 0, i;
    for (i = 0; i < f->n_segs; i++) {
        uint64_t end = i + 1 < f->n_segs ? f->segs[i + 1].first : f->next;
        if (end <= f->first && i + 1 < f->n_segs) {
            seg_path(f, f->segs[i].first, path);
            unlink(path);
            f->kept_bytes -= f->segs[i].bytes;
            if (f->rfd >= 0 && f->r_seg == i) {
                close(f->rfd);
                f->rfd = -1;
            }
            continue;
        }
        f->segs[k++] = f->segs[i];
    }
    if (k != f->n_segs && f->rfd >= 0) {
        close(f->rfd); /* indexes moved */
        f->rfd = -1;
    }
    f->n_segs = k;
}

static int recover(msgbus_storage_file *f)
{
    unsigned char *buf;
    unsigned i;
    int rc = list_segments(f);
    if (rc)
        return rc;
    f->first = mark_read(f);
    f->next = f->first;
    buf = f->al.alloc(f->al.ctx, 1u << 20);
    if (!buf)
        return MSGBUS_ERR_NOMEM;
    for (i = 0; i < f->n_segs; i++) {
        uint64_t n = scan_segment(f, i, buf, 1u << 20);
        f->kept_bytes += f->segs[i].bytes;
        if (i + 1 == f->n_segs)
            f->next = f->segs[i].first + n;
    }
    f->al.free(f->al.ctx, buf, 1u << 20);
    if (f->next < f->first)
        f->next = f->first;
    drop_segments(f);
    return 0;
}

/* ---- the storage calls --------------------------------------------------- */

static int open_new_segment(msgbus_storage_file *f)
{
    char path[MB_FILE_PATH];
    if (f->wfd >= 0) {
        if (f->sync != MSGBUS_STORAGE_SYNC_NONE)
            fsync(f->wfd);
        close(f->wfd);
        f->wfd = -1;
    }
    if (f->n_segs == MB_FILE_MAX_SEGS)
        return MSGBUS_ERR_NO_ROOM;
    seg_path(f, f->next, path);
    f->wfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (f->wfd < 0)
        return MSGBUS_ERR_UNKNOWN;
    f->segs[f->n_segs].first = f->next;
    f->segs[f->n_segs++].bytes = 0;
    return 0;
}

static int open_last_segment(msgbus_storage_file *f)
{
    char path[MB_FILE_PATH];
    if (f->n_segs == 0)
        return open_new_segment(f);
    seg_path(f, f->segs[f->n_segs - 1].first, path);
    f->wfd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    return f->wfd < 0 ? MSGBUS_ERR_UNKNOWN : 0;
}

static void maybe_sync(msgbus_storage_file *f)
{
    uint32_t now;
    if (f->sync == MSGBUS_STORAGE_SYNC_NONE)
        return;
    now = msgbus_port_now_ms();
    if (f->sync == MSGBUS_STORAGE_SYNC_EACH ||
        msgbus_time_diff(now, f->last_sync) >= (int32_t)f->sync_interval_ms) {
        fsync(f->wfd);
        f->last_sync = now;
        f->dirty = 0;
    }
}

static int file_append(void *ctx, const void *rec, size_t len)
{
    msgbus_storage_file *f = ctx;
    unsigned char hdr[8];
    mb_seg *last;
    int rc;
    if (len > 0xffffffffu - 8u)
        return MSGBUS_ERR_INVALID_ARG;
    if (f->max_bytes && f->kept_bytes + 8u + len > f->max_bytes)
        return MSGBUS_ERR_NO_ROOM;
    if (f->wfd < 0 || (f->segs[f->n_segs - 1].bytes > 0 &&
                       f->segs[f->n_segs - 1].bytes + 8u + len > f->seg_bytes)) {
        rc = open_new_segment(f);
        if (rc)
            return rc;
    }
    put32(hdr, (uint32_t)len);
    put32(hdr + 4, mb_crc32c(0, rec, len));
    /* a crash between or inside these writes leaves a torn record: open cuts it off */
    rc = write_all(f->wfd, hdr, 8);
    if (rc == 0 && len)
        rc = write_all(f->wfd, rec, len);
    if (rc)
        return rc;
    last = &f->segs[f->n_segs - 1];
    last->bytes += 8u + len;
    f->kept_bytes += 8u + len;
    f->next++;
    f->dirty = 1;
    maybe_sync(f);
    return 0;
}

/* Point the read cursor at the segment holding record seq. */
static int seek_segment(msgbus_storage_file *f, uint64_t seq)
{
    char path[MB_FILE_PATH];
    unsigned i = f->n_segs;
    while (i > 0 && f->segs[i - 1].first > seq)
        i--;
    if (i == 0)
        return MSGBUS_ERR_NO_MESSAGE;
    i--;
    if (f->rfd < 0 || f->r_seg != i) {
        if (f->rfd >= 0)
            close(f->rfd);
        seg_path(f, f->segs[i].first, path);
        f->rfd = open(path, O_RDONLY | O_CLOEXEC);
        if (f->rfd < 0)
            return MSGBUS_ERR_UNKNOWN;
        f->r_seg = i;
        f->r_seq = f->segs[i].first;
        f->r_off = 0;
    }
    if (f->r_seq > seq) {
        f->r_seq = f->segs[i].first;
        f->r_off = 0;
    }
    return 0;
}

static int file_read(void *ctx, uint64_t *seq, void *buf, size_t cap, size_t *len)
{
    msgbus_storage_file *f = ctx;
    unsigned char hdr[8];
    int rc;
    if (*seq < f->first)
        *seq = f->first;
    if (*seq >= f->next)
        return MSGBUS_ERR_NO_MESSAGE;
    rc = seek_segment(f, *seq);
    if (rc)
        return rc;
    for (;;) {
        if (!read_at(f->rfd, hdr, 8, f->r_off))
            return MSGBUS_ERR_UNKNOWN;
        if (f->r_seq == *seq)
            break;
        f->r_off += 8u + get32(hdr);
        f->r_seq++;
    }
    *len = get32(hdr);
    if (*len > cap)
        return MSGBUS_ERR_NO_ROOM;
    return read_at(f->rfd, buf, *len, f->r_off + 8) ? 0 : MSGBUS_ERR_UNKNOWN;
}

static int file_trim(void *ctx, uint64_t upto)
{
    msgbus_storage_file *f = ctx;
    int rc;
    if (upto > f->next)
        upto = f->next;
    if (upto <= f->first)
        return 0;
    if (f->dirty && f->wfd >= 0 && f->sync != MSGBUS_STORAGE_SYNC_NONE) {
        fsync(f->wfd);
        f->dirty = 0;
    }
    rc = mark_write(f, upto);
    if (rc)
        return rc;
    f->first = upto;
    drop_segments(f);
    return 0;
}

static void file_range(void *ctx, uint64_t *first, uint64_t *next)
{
    const msgbus_storage_file *f = ctx;
    *first = f->first;
    *next = f->next;
}

int msgbus_storage_file_open(msgbus_storage_file **out, const char *dir, size_t segment_bytes,
                             size_t max_bytes, msgbus_storage_sync sync, uint32_t sync_interval_ms)
{
    const msgbus_allocator *al = msgbus_allocator_default();
    msgbus_storage_file *f;
    int rc;
    if (!out || !dir || strlen(dir) >= sizeof f->dir)
        return MSGBUS_ERR_INVALID_ARG;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return MSGBUS_ERR_CONFIG;
    f = al->alloc(al->ctx, sizeof *f);
    if (!f)
        return MSGBUS_ERR_NOMEM;
    memset(f, 0, sizeof *f);
    f->al = *al;
    strcpy(f->dir, dir);
    f->seg_bytes = segment_bytes ? segment_bytes : (1u << 20);
    f->max_bytes = max_bytes;
    f->sync = sync;
    f->sync_interval_ms = sync_interval_ms;
    f->wfd = f->rfd = -1;
    rc = recover(f);
    if (rc == 0)
        rc = open_last_segment(f);
    if (rc) {
        al->free(al->ctx, f, sizeof *f);
        return rc;
    }
    f->st.append = file_append;
    f->st.read = file_read;
    f->st.trim = file_trim;
    f->st.range = file_range;
    f->st.ctx = f;
    *out = f;
    return 0;
}

const msgbus_bridge_storage *msgbus_storage_file_get(msgbus_storage_file *f)
{
    return f ? &f->st : NULL;
}

void msgbus_storage_file_close(msgbus_storage_file *f)
{
    if (!f)
        return;
    if (f->wfd >= 0) {
        if (f->sync != MSGBUS_STORAGE_SYNC_NONE)
            fsync(f->wfd);
        close(f->wfd);
    }
    if (f->rfd >= 0)
        close(f->rfd);
    f->al.free(f->al.ctx, f, sizeof *f);
}

#else
typedef int mb_storage_left_out; /* C11 wants a declaration in every file */
#endif /* MSGBUS_CFG_BRIDGE */
