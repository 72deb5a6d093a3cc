/*
 * client_open.c - opening the producer's and consumer's network client,
 * filling in requests, growing tables (see client_open.h). Calls
 * net/client.h and the port.
 */
#include "bus/client_open.h"

#include <string.h>

#include "msgbus/error.h"
#include "msgbus/port.h"
#include "net/log.h"

void mb_client_open_args_init(mb_client_open_args *a)
{
    memset(a, 0, sizeof *a);
}

/* The client configuration for @p a, with @p t as its transport. */
static void open_config(mb_client_config *cc, const mb_client_open_args *a,
                        const msgbus_transport *t)
{
    mb_client_config_init(cc);
    cc->bootstrap = a->bootstrap;
    cc->client_id = a->client_id && a->client_id[0] ? a->client_id : NULL;
    cc->transport = t;
    cc->alloc = a->alloc;
    cc->now_ms = a->now_ms;
    cc->random = a->random;
    cc->clock_ud = a->clock_ud;
    cc->log = a->log;
    cc->log_ud = a->log_ud;
    cc->log_level = a->log_level;
    cc->security = a->security;
    cc->connect_retries = a->connect_retries;
    if (a->request_timeout_ms)
        cc->request_timeout_ms = a->request_timeout_ms;
    if (a->max_in_flight)
        cc->max_in_flight = a->max_in_flight;
    if (a->send_buf_size)
        cc->send_buf_size = a->send_buf_size;
    if (a->recv_chunk_size)
        cc->recv_chunk_size = a->recv_chunk_size;
    if (a->recv_keep_bytes)
        cc->recv_keep_bytes = a->recv_keep_bytes;
}

int mb_client_open(mb_client **out, const mb_client_open_args *a, msgbus_transport *own_transport,
                   int *owns_transport)
{
    const msgbus_transport *t = a->transport;
    mb_client_config cc;
    int rc;
    *out = NULL;
    if (!t) {
        mb_logger lg;
        rc = msgbus_port_transport_default(own_transport, a->alloc);
        if (rc) {
            lg.fn = a->log;
            lg.ud = a->log_ud;
            lg.level = a->log_level;
            MB_LOG(&lg, MB_LOG_ERROR, "this port has no transport of its own: set one");
            return rc;
        }
        *owns_transport = 1;
        t = own_transport;
    }
    open_config(&cc, a, t);
    rc = mb_client_create(out, &cc);
    if (rc == 0 && a->wait_ready_ms)
        rc = mb_client_wait_ready(*out, a->wait_ready_ms);
    if (rc && *out) {
        mb_client_destroy(*out);
        *out = NULL;
    }
    return rc;
}

void mb_req_prepare(mb_net_req *r, int16_t api_key, int16_t min_version, int16_t max_version,
                    mb_req_encode_fn encode, mb_req_done_fn done, void *ud)
{
    memset(r, 0, sizeof *r);
    r->api_key = api_key;
    r->min_version = min_version;
    r->max_version = max_version;
    r->expect_response = 1;
    r->encode = encode;
    r->done = done;
    r->ud = ud;
}

int mb_array_reserve(const msgbus_allocator *al, void **arr, size_t *cap, size_t n, size_t elem,
                     size_t first_cap)
{
    size_t ncap;
    void *na;
    if (n < *cap)
        return 0;
    ncap = *cap ? *cap * 2 : first_cap;
    if (ncap < n + 1 || elem == 0 || ncap > (size_t)-1 / elem)
        return MSGBUS_ERR_LIMIT;
    na = al->alloc(al->ctx, ncap * elem);
    if (!na)
        return MSGBUS_ERR_NOMEM;
    if (*arr) {
        memcpy(na, *arr, n * elem);
        al->free(al->ctx, *arr, *cap * elem);
    }
    *arr = na;
    *cap = ncap;
    return 0;
}
