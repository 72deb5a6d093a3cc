/*
 * client_open.h - the plumbing the producer and the consumer share on top of
 * the network client (net/client.h): opening their mb_client from the
 * settings both have (bootstrap, client id, transport, allocator, clock,
 * log, security, buffer sizes, retries), filling in a request, and growing
 * the tables they keep (topics, partitions).
 *
 * Calls go down only: producer.c / sender.c (and consumer.c, group.c) call
 * these; these call net/client.h and the port. Nothing here keeps state.
 */
#ifndef MB_BUS_CLIENT_OPEN_H
#define MB_BUS_CLIENT_OPEN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msgbus/alloc.h"
#include "msgbus/security.h"
#include "msgbus/transport.h"
#include "net/client.h"

/**
 * Create the client configured by @p cc into *@p out: the caller fills @p cc
 * with mb_client_config_init() and then the settings producer and consumer
 * have in common (bootstrap, client_id, transport, alloc, now_ms / random /
 * clock_ud, log / log_ud / log_level, security, connect_retries,
 * send_buf_size, recv_chunk_size) and its own (request timeout, in-flight
 * limit, kept receive buffer). (Filled in place rather than through a
 * common struct: the extra copy cost a minimal firmware build ~150 bytes.)
 * When @p cc has no
 * transport, the port's own is created into @p own_transport (and used),
 * and *@p owns_transport set to 1: the caller destroys it with
 * msgbus_port_transport_destroy() after mb_client_destroy(), also when this
 * call fails. With @p wait_ready_ms 0 (and always on a port without threads) it returns as soon as
 * the client exists: connecting, the handshake and the first metadata then happen in later
 * mb_client_poll() calls (what an application-driven object wants: it must never block in create).
 * Else it polls until the client has metadata, its connect retries have run out, or @p
 * wait_ready_ms passed (mb_client_wait_ready()).
 * @return 0; INVALID_ARG (a log line says what), NOMEM, the port's error
 *         when it has no transport of its own; with @p wait_ready_ms, the
 *         errors of mb_client_wait_ready(). On failure *@p out is NULL.
 */
int mb_client_open(mb_client **out, mb_client_config *cc, uint32_t wait_ready_ms,
                   msgbus_transport *own_transport, int *owns_transport);

/**
 * Fill in @p r for mb_client_send(): zero it, then set the API key, the
 * version range the caller can encode, expect_response 1, the client's
 * request timeout, and the encode / done callbacks with their @p ud.
 * (Inline: on a microcontroller a call with seven arguments costs more
 * code than these stores.)
 */
static inline void mb_req_prepare(mb_net_req *r, int16_t api_key, int16_t min_version,
                                  int16_t max_version, mb_req_encode_fn encode, mb_req_done_fn done,
                                  void *ud)
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

/**
 * Make room for one more element in the array *@p arr holding @p n elements
 * of @p elem bytes with capacity *@p cap: when full, a new array of twice
 * the capacity (@p first_cap the first time) replaces it, the @p n
 * elements copied over and the old one freed, all through @p al.
 * @return 0, or NOMEM / LIMIT (the size would overflow) with *@p arr and
 *         *@p cap unchanged.
 */
int mb_array_reserve(const msgbus_allocator *al, void **arr, size_t *cap, size_t n, size_t elem,
                     size_t first_cap);

#endif /* MB_BUS_CLIENT_OPEN_H */
