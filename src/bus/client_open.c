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

int mb_client_open(mb_client **out, mb_client_config *cc, uint32_t wait_ready_ms,
                   msgbus_transport *own_transport, int *owns_transport)
{
    int rc;
    *out = NULL;
    if (!cc->transport) {
        rc = msgbus_port_transport_default(own_transport, cc->alloc);
        if (rc) {
            mb_logger lg;
            lg.fn = cc->log;
            lg.ud = cc->log_ud;
            lg.level = cc->log_level;
            MB_LOG(&lg, MB_LOG_ERROR, "this port has no transport of its own: set one");
            return rc;
        }
        *owns_transport = 1;
        cc->transport = own_transport;
    }
    rc = mb_client_create(out, cc);
#if MSGBUS_PORT_HAS_THREADS
    /* Only where a loop thread of the caller's own will drive the client:
     * application-driven objects (always the case on port/none) never wait
     * here, so the wait is not even linked there (nor counted on their stack). */
    if (rc == 0 && wait_ready_ms)
        rc = mb_client_wait_ready(*out, wait_ready_ms);
#else
    (void)wait_ready_ms;
#endif
    if (rc && *out) {
        mb_client_destroy(*out);
        *out = NULL;
    }
    return rc;
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
