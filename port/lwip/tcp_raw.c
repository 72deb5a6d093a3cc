/*
 * tcp_raw.c (port/lwip) - a msgbus transport over lwIP's raw TCP API
 * (tcp_new/tcp_connect/tcp_write/tcp_recv/tcp_sent/tcp_err) for bare metal
 * with NO_SYS=1.
 *
 * Calls go two ways. msgbus calls the transport functions (connect, send,
 * recv, wait, close) from the application's loop; lwIP calls this file's
 * callbacks (connected, recv, sent, err, DNS found) from inside
 * netif->input() or sys_check_timeouts(), which only ever run from wait()
 * (through the application's service hook) or from the application's own
 * loop: everything is one thread, nothing blocks, nothing needs a lock.
 *
 * Received pbuf chains are queued as lwIP hands them over (pbuf_cat, no
 * copy) and copied once, straight into the caller's buffer, by recv(); the
 * TCP window is reopened (tcp_recved) only for bytes recv() has taken, so a
 * slow reader throttles the sender instead of exhausting pbufs. Connections
 * come from a static pool: no heap.
 */
#include <string.h>

#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#if LWIP_DNS
#include "lwip/dns.h"
#endif

#include "msgbus/error.h"
#include "msgbus_lwip.h"

#if !LWIP_TCP || !LWIP_CALLBACK_API
#error "tcp_raw.c needs LWIP_TCP and LWIP_CALLBACK_API"
#endif

enum mb_raw_state {
    MB_RAW_FREE = 0,
    MB_RAW_RESOLVING,  /* waiting for lwIP's resolver */
    MB_RAW_CONNECTING, /* SYN sent */
    MB_RAW_CONNECTED,  /* established */
    MB_RAW_FAILED,     /* error or remote close seen; recv/send fail */
    MB_RAW_ORPHAN      /* closed by msgbus while resolving: freed by the DNS callback */
};

struct msgbus_sock {
    enum mb_raw_state state;
    struct tcp_pcb *pcb;
    struct pbuf *rx; /* received data not yet taken by recv() */
    int rx_fin;      /* the peer closed its side */
    int was_up;      /* reached MB_RAW_CONNECTED once */
    uint16_t port;
};

static struct msgbus_sock mb_raw_pool[MSGBUS_LWIP_RAW_MAX_SOCKS];
static msgbus_lwip_raw_stats mb_raw_st;
static msgbus_lwip_raw_config mb_raw_cfg;

void msgbus_lwip_raw_stats_get(msgbus_lwip_raw_stats *st)
{
    if (st != NULL)
        *st = mb_raw_st;
}

static struct msgbus_sock *mb_raw_alloc(void)
{
    size_t i;
    for (i = 0; i < MSGBUS_LWIP_RAW_MAX_SOCKS; i++) {
        if (mb_raw_pool[i].state == MB_RAW_FREE) {
            memset(&mb_raw_pool[i], 0, sizeof mb_raw_pool[i]);
            return &mb_raw_pool[i];
        }
    }
    return NULL;
}

/* The connection failed (lwIP error @p err); the pcb is already gone or dropped here. */
static void mb_raw_fail(struct msgbus_sock *s, err_t err)
{
    if (s->state == MB_RAW_CONNECTED || s->was_up)
        mb_raw_st.resets++;
    else
        mb_raw_st.connect_fails++;
    mb_raw_st.last_err = err;
    s->state = MB_RAW_FAILED;
}

/* ---- lwIP callbacks (run inside netif input or the timers) -------------- */

static void mb_raw_on_err(void *arg, err_t err)
{
    struct msgbus_sock *s = arg;
    if (s == NULL)
        return;
    s->pcb = NULL; /* lwIP has freed it */
    mb_raw_fail(s, err);
}

static err_t mb_raw_on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct msgbus_sock *s = arg;
    (void)pcb;
    if (s == NULL)
        return ERR_OK;
    if (err != ERR_OK) {
        mb_raw_fail(s, err);
        return ERR_OK;
    }
    s->state = MB_RAW_CONNECTED;
    s->was_up = 1;
    return ERR_OK;
}

static err_t mb_raw_on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct msgbus_sock *s = arg;
    if (s == NULL) {
        if (p != NULL) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p == NULL || err != ERR_OK) {
        s->rx_fin = 1;
        if (p != NULL)
            pbuf_free(p);
        return ERR_OK;
    }
    if (s->rx == NULL)
        s->rx = p;
    else
        pbuf_cat(s->rx, p); /* takes over our reference to p: no copy */
    return ERR_OK;
}

static err_t mb_raw_on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    /* Readiness to send is read from tcp_sndbuf() in wait(): nothing to record. */
    (void)arg;
    (void)pcb;
    (void)len;
    return ERR_OK;
}

/* ---- connecting -------------------------------------------------------- */

static int mb_raw_start_tcp(struct msgbus_sock *s, const ip_addr_t *addr)
{
    err_t e;
    s->pcb = tcp_new_ip_type(IP_GET_TYPE(addr));
    if (s->pcb == NULL) {
        mb_raw_fail(s, ERR_MEM);
        return MSGBUS_ERR_NOMEM;
    }
    tcp_arg(s->pcb, s);
    tcp_err(s->pcb, mb_raw_on_err);
    tcp_recv(s->pcb, mb_raw_on_recv);
    tcp_sent(s->pcb, mb_raw_on_sent);
    tcp_nagle_disable(s->pcb); /* msgbus hands over whole requests */
    s->state = MB_RAW_CONNECTING;
    e = tcp_connect(s->pcb, addr, s->port, mb_raw_on_connected);
    if (e != ERR_OK) {
        tcp_abort(s->pcb); /* calls mb_raw_on_err, which records the failure */
        s->pcb = NULL;
        if (s->state != MB_RAW_FAILED)
            mb_raw_fail(s, e);
        mb_raw_st.last_err = e;
        return MSGBUS_ERR_TRANSPORT;
    }
    mb_raw_st.connects++;
    return 0;
}

#if LWIP_DNS
static void mb_raw_on_dns(const char *name, const ip_addr_t *addr, void *arg)
{
    struct msgbus_sock *s = arg;
    (void)name;
    if (s->state == MB_RAW_ORPHAN) {
        s->state = MB_RAW_FREE;
        return;
    }
    if (s->state != MB_RAW_RESOLVING)
        return;
    if (addr == NULL) {
        mb_raw_fail(s, ERR_ARG);
        return;
    }
    (void)mb_raw_start_tcp(s, addr);
}
#endif

/* Numeric address, or lwIP's resolver: 0 started, or a MSGBUS_ERR_* code. */
static int mb_raw_resolve_and_start(struct msgbus_sock *s, const char *host)
{
    ip_addr_t addr;
    if (ipaddr_aton(host, &addr))
        return mb_raw_start_tcp(s, &addr);
#if LWIP_DNS
    {
        err_t e;
        s->state = MB_RAW_RESOLVING;
        e = dns_gethostbyname(host, &addr, mb_raw_on_dns, s);
        if (e == ERR_OK)
            return mb_raw_start_tcp(s, &addr);
        if (e == ERR_INPROGRESS)
            return 0;
        mb_raw_st.last_err = e;
    }
#endif
    return MSGBUS_ERR_RESOLVE;
}

static int mb_raw_connect(void *ctx, const char *host, uint16_t port, msgbus_sock **out)
{
    struct msgbus_sock *s;
    int rc;
    (void)ctx;
    if (host == NULL || out == NULL || port == 0)
        return MSGBUS_ERR_INVALID_ARG;
    s = mb_raw_alloc();
    if (s == NULL)
        return MSGBUS_ERR_NOMEM;
    s->port = port;
    rc = mb_raw_resolve_and_start(s, host);
    if (rc != 0) {
        s->state = MB_RAW_FREE;
        return rc;
    }
    *out = s;
    return 0;
}

static int mb_raw_connect_check(void *ctx, msgbus_sock *s)
{
    (void)ctx;
    switch (s->state) {
    case MB_RAW_CONNECTED:
        return 1;
    case MB_RAW_RESOLVING:
    case MB_RAW_CONNECTING:
        return 0;
    default:
        return MSGBUS_ERR_TRANSPORT;
    }
}

/* ---- data -------------------------------------------------------------- */

/* Room lwIP has for more data now, in bytes (0: full). */
static size_t mb_raw_room(const struct msgbus_sock *s)
{
    if (s->pcb == NULL || tcp_sndqueuelen(s->pcb) >= TCP_SND_QUEUELEN)
        return 0;
    return tcp_sndbuf(s->pcb);
}

static long mb_raw_send(void *ctx, msgbus_sock *s, const msgbus_iovec *iov, size_t iovcnt)
{
    size_t i, sent = 0;
    (void)ctx;
    if (s->state == MB_RAW_CONNECTING || s->state == MB_RAW_RESOLVING)
        return 0;
    if (s->state != MB_RAW_CONNECTED || s->rx_fin)
        return MSGBUS_ERR_TRANSPORT;
    for (i = 0; i < iovcnt; i++) {
        size_t room = mb_raw_room(s), n = iov[i].len;
        u8_t flags = TCP_WRITE_FLAG_COPY;
        if (n > room)
            n = room;
        if (n > 0xffffu)
            n = 0xffffu;
        if (n == 0)
            break;
        if (i + 1 < iovcnt || n < iov[i].len)
            flags |= TCP_WRITE_FLAG_MORE;
        if (tcp_write(s->pcb, iov[i].base, (u16_t)n, flags) != ERR_OK)
            break; /* out of segments or pbufs: what went in stays in */
        sent += n;
        if (n < iov[i].len)
            break;
    }
    if (sent > 0) {
        (void)tcp_output(s->pcb);
        mb_raw_st.bytes_out += (unsigned long)sent;
    }
    return (long)sent;
}

static long mb_raw_recv(void *ctx, msgbus_sock *s, void *buf, size_t len)
{
    u16_t want, got;
    (void)ctx;
    if (s->rx == NULL) {
        if (s->state == MB_RAW_CONNECTED && !s->rx_fin)
            return 0;
        if (s->state == MB_RAW_CONNECTING || s->state == MB_RAW_RESOLVING)
            return 0;
        return MSGBUS_ERR_TRANSPORT;
    }
    want = (u16_t)(len < s->rx->tot_len ? len : s->rx->tot_len);
    got = pbuf_copy_partial(s->rx, buf, want, 0);
    s->rx = pbuf_free_header(s->rx, got); /* drops the pbufs read whole */
    if (s->pcb != NULL)
        tcp_recved(s->pcb, got);
    mb_raw_st.bytes_in += got;
    return (long)got;
}

static void mb_raw_close(void *ctx, msgbus_sock *s)
{
    (void)ctx;
    if (s == NULL)
        return;
    if (s->pcb != NULL) {
        tcp_arg(s->pcb, NULL);
        tcp_err(s->pcb, NULL);
        tcp_recv(s->pcb, NULL);
        tcp_sent(s->pcb, NULL);
        if (tcp_close(s->pcb) != ERR_OK)
            tcp_abort(s->pcb);
        s->pcb = NULL;
    }
    if (s->rx != NULL)
        pbuf_free(s->rx);
    s->rx = NULL;
    s->state = s->state == MB_RAW_RESOLVING ? MB_RAW_ORPHAN : MB_RAW_FREE;
}

/* ---- waiting: the only place that runs the stack on msgbus's behalf ----- */

static unsigned mb_raw_ready(const struct msgbus_sock *s, unsigned want)
{
    unsigned r = 0;
    if (s->state == MB_RAW_FAILED)
        return MSGBUS_POLL_ERR | (want & (MSGBUS_POLL_IN | MSGBUS_POLL_OUT));
    if ((want & MSGBUS_POLL_IN) && (s->rx != NULL || s->rx_fin))
        r |= MSGBUS_POLL_IN;
    if ((want & MSGBUS_POLL_OUT) && s->state == MB_RAW_CONNECTED && mb_raw_room(s) > 0)
        r |= MSGBUS_POLL_OUT;
    return r;
}

static int mb_raw_scan(msgbus_poll_item *items, size_t n)
{
    size_t i;
    int ready = 0;
    for (i = 0; i < n; i++) {
        items[i].ready = items[i].sock ? mb_raw_ready(items[i].sock, items[i].want) : 0;
        if (items[i].ready != 0)
            ready++;
    }
    return ready;
}

static int mb_raw_wait(void *ctx, msgbus_poll_item *items, size_t n, uint32_t timeout_ms)
{
    uint32_t start = sys_now();
    int ready;
    (void)ctx;
    for (;;) {
        mb_raw_cfg.service(mb_raw_cfg.service_ud);
        sys_check_timeouts();
        ready = mb_raw_scan(items, n);
        if (ready > 0 || (uint32_t)(sys_now() - start) >= timeout_ms)
            return ready;
        if (mb_raw_cfg.idle != NULL)
            mb_raw_cfg.idle(mb_raw_cfg.service_ud);
    }
}

int msgbus_lwip_raw_transport(msgbus_transport *t, const msgbus_lwip_raw_config *cfg)
{
    if (t == NULL || cfg == NULL || cfg->service == NULL)
        return MSGBUS_ERR_INVALID_ARG;
    mb_raw_cfg = *cfg;
    memset(t, 0, sizeof *t);
    t->ctx = &mb_raw_cfg;
    t->connect = mb_raw_connect;
    t->connect_check = mb_raw_connect_check;
    t->send = mb_raw_send;
    t->recv = mb_raw_recv;
    t->close = mb_raw_close;
    t->wait = mb_raw_wait;
    t->wakeup = NULL; /* one thread: nothing can wake a wait from outside */
    return 0;
}
