/*
 * scripted_transport.c - see scripted_transport.h.
 */
#include "scripted_transport.h"

#include <stdlib.h>
#include <string.h>

#include "msgbus/error.h"

static int st_connect(void *ctx, const char *host, uint16_t port, msgbus_sock **out)
{
    st_net *net = ctx;
    msgbus_sock *s;
    if (net->n_socks == ST_MAX_SOCKS)
        return MSGBUS_ERR_NOMEM;
    s = calloc(1, sizeof *s);
    s->id = net->n_socks;
    strncpy(s->host, host, sizeof s->host - 1);
    s->port = port;
    s->sc = net->next;
    if (net->refuse_host && strcmp(host, net->refuse_host) == 0)
        s->sc.refuse = 1;
    s->out = malloc(ST_BUF);
    s->in = malloc(ST_BUF);
    s->connect_time = net->now;
    net->socks[net->n_socks++] = s;
    *out = s;
    return 0;
}

static int st_connect_check(void *ctx, msgbus_sock *s)
{
    (void)ctx;
    if (s->sc.refuse)
        return MSGBUS_ERR_TRANSPORT;
    if (s->sc.connect_polls > 0) {
        s->sc.connect_polls--;
        return 0;
    }
    s->connected = 1;
    if (s->sc.close_on_accept)
        s->peer_close = 1;
    return 1;
}

/* Hand every whole request frame sent so far to the responder. */
static void pump(st_net *net, msgbus_sock *s)
{
    while (s->out_len - s->out_done >= 4) {
        const uint8_t *p = s->out + s->out_done;
        size_t size = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
        mb_rd r;
        mb_req_hdr h;
        int16_t key, ver;
        if (s->out_len - s->out_done - 4 < size)
            return;
        s->out_done += 4 + size;
        key = (int16_t)(p[4] << 8 | p[5]);
        ver = (int16_t)(p[6] << 8 | p[7]);
        mb_rd_init(&r, p + 4, size);
        if (mb_req_hdr_read(&r, mb_api_req_hdr_version(key, ver), &h) == 0 && net->responder)
            net->responder(net, s, &h, &r, net->ud);
    }
}

static long st_send(void *ctx, msgbus_sock *s, const msgbus_iovec *iov, size_t iovcnt)
{
    size_t i, room, total = 0;
    if (s->closed || !s->connected || s->peer_close)
        return s->peer_close ? MSGBUS_ERR_TRANSPORT : 0;
    if (s->sc.would_block > 0) {
        s->sc.would_block--;
        return 0;
    }
    room = s->sc.send_chunk ? s->sc.send_chunk : ST_BUF;
    for (i = 0; i < iovcnt && room > 0; i++) {
        size_t n = iov[i].len < room ? iov[i].len : room;
        if (s->out_len + n > ST_BUF && s->out_done == s->out_len)
            s->out_len = s->out_done = 0; /* all handed to the responder: start over */
        if (s->out_len + n > ST_BUF)
            abort();
        memcpy(s->out + s->out_len, iov[i].base, n);
        s->out_len += n;
        total += n;
        room -= n;
    }
    pump(ctx, s);
    return (long)total;
}

static long st_recv(void *ctx, msgbus_sock *s, void *buf, size_t len)
{
    size_t n = s->in_len - s->in_off;
    (void)ctx;
    if (!s->connected)
        return 0;
    if (n == 0)
        return s->peer_close ? MSGBUS_ERR_TRANSPORT : 0;
    if (s->sc.recv_chunk && n > s->sc.recv_chunk)
        n = s->sc.recv_chunk;
    if (n > len)
        n = len;
    memcpy(buf, s->in + s->in_off, n);
    s->in_off += n;
    return (long)n;
}

static void st_close(void *ctx, msgbus_sock *s)
{
    (void)ctx;
    s->closed = 1;
}

/* Nothing happens by itself here: pass the time the client asked to wait. */
static int st_wait(void *ctx, msgbus_poll_item *items, size_t n, uint32_t timeout_ms)
{
    st_net *net = ctx;
    size_t i;
    int ready = 0;
    net->waits++;
    for (i = 0; i < n; i++) {
        msgbus_sock *s = items[i].sock;
        items[i].ready = 0;
        if ((items[i].want & MSGBUS_POLL_IN) && (s->in_off < s->in_len || s->peer_close))
            items[i].ready |= MSGBUS_POLL_IN;
        if (items[i].want & MSGBUS_POLL_OUT)
            items[i].ready |= MSGBUS_POLL_OUT;
        ready += items[i].ready != 0;
    }
    if (!ready)
        net->now += timeout_ms;
    return ready;
}

void st_init(st_net *net, st_responder responder, void *ud)
{
    memset(net, 0, sizeof *net);
    net->t.ctx = net;
    net->t.connect = st_connect;
    net->t.connect_check = st_connect_check;
    net->t.send = st_send;
    net->t.recv = st_recv;
    net->t.close = st_close;
    net->t.wait = st_wait;
    net->responder = responder;
    net->ud = ud;
    net->now = 1000;
}

void st_free(st_net *net)
{
    int i;
    for (i = 0; i < net->n_socks; i++) {
        free(net->socks[i]->out);
        free(net->socks[i]->in);
        free(net->socks[i]);
    }
    net->n_socks = 0;
}

uint32_t st_now(void *ud)
{
    return ((st_net *)ud)->now;
}

int st_random(void *ud, void *buf, size_t len)
{
    static uint32_t x = 12345;
    uint8_t *p = buf;
    size_t i;
    (void)ud;
    for (i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
    return 0;
}

void st_push(msgbus_sock *s, const void *p, size_t n)
{
    if (s->in_len + n > ST_BUF && s->in_off < s->in_len) {
        /* keep what the client has not read yet, at the front */
        memmove(s->in, s->in + s->in_off, s->in_len - s->in_off);
        s->in_len -= s->in_off;
        s->in_off = 0;
    } else if (s->in_off == s->in_len) {
        s->in_len = s->in_off = 0;
    }
    if (s->in_len + n > ST_BUF)
        abort();
    memcpy(s->in + s->in_len, p, n);
    s->in_len += n;
}

void st_push_response(msgbus_sock *s, int16_t api_key, int16_t version, int32_t corr,
                      const uint8_t *body, size_t n)
{
    uint8_t hdr[16];
    mb_wr w;
    size_t pos;
    mb_wr_init(&w, hdr, sizeof hdr);
    mb_wr_reserve(&w, 4, &pos);
    mb_resp_hdr_write(&w, mb_api_resp_hdr_version(api_key, version), corr);
    mb_wr_patch_i32(&w, pos, (int32_t)(w.len - 4 + n));
    st_push(s, hdr, w.len);
    st_push(s, body, n);
}

msgbus_sock *st_live(st_net *net)
{
    int i;
    for (i = net->n_socks - 1; i >= 0; i--)
        if (!net->socks[i]->closed && !net->socks[i]->sc.refuse)
            return net->socks[i];
    return NULL;
}
