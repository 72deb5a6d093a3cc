/*
 * fuzz_producer_client.c - libFuzzer target: a whole producer (accumulator,
 * sender, idempotence, retries, the network client under it) driven through
 * the scripted transport of the unit tests with a fake clock, the fuzzer
 * choosing every broker answer and every application call.
 *
 * The input is read as a script. Application side: send, poll, let time
 * pass, flush, drop the connection. Broker side, for each request the
 * producer sends (ApiVersions, Metadata, InitProducerId, Produce): answer
 * with a valid skeleton whose fields come from the input, the same with
 * bytes flipped, raw bytes, no answer, or a closed connection. When the
 * input runs out the broker answers validly, so the run converges.
 *
 * Invariants (abort on violation): every send that returned 0 ends in
 * exactly one delivery report by the time close returns, and a failed send
 * in none; the producer's own requests decode and their batches pass their
 * CRC; no allocation is larger than FZ_MAX_ALLOC and all memory comes back
 * at close (an allocator hook with a cap: past FZ_MEM_CAP it fails, which
 * the producer must survive); no sanitizer report.
 *
 * Time: the fake clock moves when the producer waits with nothing to do, and
 * by 1 ms on an empty wait of 0 ms (a spinning loop sees real time pass).
 *
 * Calls go: libFuzzer -> this file -> the public producer API (and
 * mb_producer_create_clock for the clock) -> the scripted transport ->
 * this file's responder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/unit/scripted_transport.c"
#include "bus/producer_int.h"
#include "msgbus/kafka_errors.h"
#include "proto/api_versions.h"
#include "proto/init_producer_id.h"
#include "proto/metadata.h"
#include "proto/produce.h"
#include "proto/record_batch.h"

#define FZ_MAX_SENDS 64
#define FZ_MAX_OPS 96
#define FZ_MEM_CAP (8u << 20)
#define FZ_MAX_ALLOC (2u << 20)

/* ---- the input, read front to back; zeros once it is used up ---- */

static const uint8_t *g_in;
static size_t g_len, g_off;

static uint32_t take(int bytes)
{
    uint32_t v = 0;
    int i;
    for (i = 0; i < bytes; i++)
        v = v << 8 | (g_off < g_len ? g_in[g_off++] : 0u);
    return v;
}

static int input_left(void)
{
    return g_off < g_len;
}

/* ---- an allocator with a cap ---- */

static size_t g_in_use;

static void *fz_alloc(void *ctx, size_t n)
{
    void *p;
    (void)ctx;
    if (n > FZ_MAX_ALLOC)
        abort(); /* an allocation sized from the wire, unbounded */
    if (g_in_use + n > FZ_MEM_CAP)
        return NULL;
    p = malloc(n);
    if (p)
        g_in_use += n;
    return p;
}

static void fz_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    if (!p)
        return;
    if (n > g_in_use)
        abort(); /* freed more than was allocated */
    g_in_use -= n;
    free(p);
}

static const msgbus_allocator g_alloc = {fz_alloc, fz_free, NULL};

/* ---- delivery reports ---- */

static uint8_t g_reports[FZ_MAX_SENDS];
static uint8_t g_accepted[FZ_MAX_SENDS];

static void on_delivery(void *ud, const msgbus_delivery *d)
{
    uintptr_t id = (uintptr_t)d->opaque;
    (void)ud;
    if (id >= FZ_MAX_SENDS || !g_accepted[id] || g_reports[id]++)
        abort(); /* a report for nothing, or a second one */
}

/* ---- the broker ---- */

enum { FZ_VALID, FZ_FLIPPED, FZ_RAW, FZ_SILENT, FZ_CLOSE, FZ_MODES };

/* Errors worth trying in answers: none, retriable, sequence, fatal, unknown. */
static const int16_t g_errors[] = {0,
                                   MSGBUS_KERR_NOT_LEADER_OR_FOLLOWER,
                                   MSGBUS_KERR_LEADER_NOT_AVAILABLE,
                                   MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION,
                                   MSGBUS_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                                   MSGBUS_KERR_DUPLICATE_SEQUENCE_NUMBER,
                                   MSGBUS_KERR_UNKNOWN_PRODUCER_ID,
                                   MSGBUS_KERR_INVALID_PRODUCER_EPOCH,
                                   MSGBUS_KERR_NOT_ENOUGH_REPLICAS,
                                   MSGBUS_KERR_CLUSTER_AUTHORIZATION_FAILED,
                                   MSGBUS_KERR_MESSAGE_TOO_LARGE,
                                   1234};

static int16_t pick_error(void)
{
    uint32_t k = take(1);
    return k < 160 ? 0 : g_errors[k % (sizeof g_errors / sizeof g_errors[0])];
}

/* Send @p body back on @p s, as the mode the input picks makes of it. */
static void answer(msgbus_sock *s, const mb_req_hdr *h, uint8_t *body, size_t n, size_t cap)
{
    uint32_t mode = input_left() ? take(1) % FZ_MODES : FZ_VALID, k, flips;
    if (mode == FZ_SILENT)
        return;
    if (mode == FZ_CLOSE) {
        s->peer_close = 1;
        return;
    }
    if (mode == FZ_FLIPPED && n > 0) {
        for (flips = take(1) % 4 + 1; flips > 0; flips--) {
            k = take(2) % (uint32_t)n;
            body[k] ^= (uint8_t)(take(1) | 1u);
        }
    } else if (mode == FZ_RAW) {
        n = take(1) % (cap < 256 ? cap : 256);
        for (k = 0; k < n; k++)
            body[k] = (uint8_t)take(1);
    }
    if (s->in_len - s->in_off + n + 64 > ST_BUF / 2)
        return; /* the client is not reading: keep the scripted buffer bounded */
    st_push_response(s, h->api_key, h->api_version, h->correlation_id, body, n);
}

static void on_api_versions(msgbus_sock *s, const mb_req_hdr *h)
{
    mb_api_versions_key keys[4] = {{MB_API_API_VERSIONS, 0, 3},
                                   {MB_API_METADATA, 1, 9},
                                   {MB_API_PRODUCE, 3, 9},
                                   {MB_API_INIT_PRODUCER_ID, 0, 4}};
    mb_api_versions_resp resp;
    uint8_t body[256];
    mb_wr w;
    memset(&resp, 0, sizeof resp);
    keys[2].max_version = (int16_t)(3 + take(1) % 7);
    resp.api_keys = keys;
    resp.n_api_keys = 4;
    resp.finalized_features_epoch = -1;
    mb_wr_init(&w, body, sizeof body);
    if (mb_api_versions_resp_write(&w, h->api_version, &resp) != 0)
        abort();
    answer(s, h, body, w.len, sizeof body);
}

static void on_metadata(msgbus_sock *s, const mb_req_hdr *h)
{
    mb_metadata_broker brokers[2] = {{1, {"127.0.0.1", 9}, 9092, MB_STR_NULL},
                                     {2, {"127.0.0.1", 9}, 9093, MB_STR_NULL}};
    int32_t reps[2] = {1, 2};
    mb_metadata_partition parts[4];
    mb_metadata_topic topic = {0, {"t", 1}, {{0}}, 0, parts, 0, MB_METADATA_AUTH_OPS_UNKNOWN};
    mb_metadata_resp resp = {0, brokers, 2, {"c", 1}, 1, &topic, 1, MB_METADATA_AUTH_OPS_UNKNOWN};
    uint8_t body[1024];
    int32_t i;
    mb_wr w;
    topic.error_code = pick_error();
    topic.n_partitions = (int32_t)(take(1) % 4 + 1);
    for (i = 0; i < topic.n_partitions; i++) {
        mb_metadata_partition pp = {0, i, (int32_t)(take(1) % 3), -1, reps, 2, reps, 2, NULL, 0};
        pp.error_code = pick_error();
        if (pp.leader_id == 0)
            pp.leader_id = -1; /* no leader */
        parts[i] = pp;
    }
    mb_wr_init(&w, body, sizeof body);
    if (mb_metadata_resp_write(&w, h->api_version, &resp) != 0)
        abort();
    answer(s, h, body, w.len, sizeof body);
}

static void on_init_pid(msgbus_sock *s, const mb_req_hdr *h)
{
    mb_init_producer_id_resp resp = {0, 0, 77, 3};
    uint8_t body[64];
    mb_wr w;
    resp.error_code = pick_error();
    resp.producer_id = (int64_t)take(2) - 2;
    resp.producer_epoch = (int16_t)take(1);
    mb_wr_init(&w, body, sizeof body);
    if (mb_init_producer_id_resp_write(&w, h->api_version, &resp) != 0)
        abort();
    answer(s, h, body, w.len, sizeof body);
}

/* Check every batch of a Produce request (they are ours: they must be sound). */
static int32_t check_batches(const mb_produce_topic_data *td, int32_t *idx, int32_t cap)
{
    int32_t i, n = 0;
    for (i = 0; i < td->n_partition_data && n < cap; i++) {
        const mb_produce_partition_data *pd = &td->partition_data[i];
        mb_batch_iter it;
        mb_batch bt;
        mb_batch_iter_init(&it, pd->records.ptr, (size_t)pd->records.len);
        if (mb_batch_next(&it, &bt) != 0 || bt.record_count < 1)
            abort();
        idx[n++] = pd->index;
    }
    return n;
}

static void on_produce(msgbus_sock *s, const mb_req_hdr *h, mb_rd *body_in)
{
    static uint64_t abuf[1024];
    mb_produce_partition_resp pr[8];
    mb_produce_topic_resp tr = {{"t", 1}, pr, 0};
    mb_produce_resp resp = {&tr, 1, 0};
    mb_produce_req req;
    mb_arena a;
    int32_t idx[8], i;
    uint8_t body[1024];
    mb_wr w;
    mb_arena_init(&a, abuf, sizeof abuf);
    if (mb_produce_req_read(body_in, h->api_version, &a, &req) != 0 || req.n_topic_data != 1)
        abort(); /* the producer's own request must decode */
    tr.n_partition_responses = check_batches(&req.topic_data[0], idx, 8);
    if (req.acks == 0)
        return;
    memset(pr, 0, sizeof pr);
    for (i = 0; i < tr.n_partition_responses; i++) {
        pr[i].index = take(1) < 240 ? idx[i] : (int32_t)take(1);
        pr[i].error_code = pick_error();
        pr[i].base_offset = (int64_t)take(2);
        pr[i].log_append_time_ms = -1;
        pr[i].log_start_offset = 0;
    }
    mb_wr_init(&w, body, sizeof body);
    if (mb_produce_resp_write(&w, h->api_version, &resp) != 0)
        abort();
    answer(s, h, body, w.len, sizeof body);
}

static void respond(st_net *net, msgbus_sock *s, const mb_req_hdr *h, mb_rd *body, void *ud)
{
    (void)net;
    (void)ud;
    if (h->api_key == MB_API_API_VERSIONS)
        on_api_versions(s, h);
    else if (h->api_key == MB_API_METADATA)
        on_metadata(s, h);
    else if (h->api_key == MB_API_INIT_PRODUCER_ID)
        on_init_pid(s, h);
    else if (h->api_key == MB_API_PRODUCE)
        on_produce(s, h, body);
}

/* ---- the application ---- */

static st_net g_net;
static int g_sends;

static void app_send(msgbus_producer *p)
{
    static char val[512];
    msgbus_message m = MSGBUS_MESSAGE_INIT;
    uint32_t part = take(1);
    int rc;
    if (g_sends >= FZ_MAX_SENDS)
        return;
    m.topic = "t";
    m.partition = part < 128 ? MSGBUS_PARTITION_ANY : (int32_t)(part % 6);
    m.value = val;
    m.value_len = take(2) % sizeof val;
    m.opaque = (void *)(uintptr_t)g_sends;
    g_accepted[g_sends] = 1; /* before the call: a report may come from inside it */
    rc = msgbus_producer_send(p, &m);
    if (rc != 0) {
        if (g_reports[g_sends])
            abort(); /* refused, yet reported */
        g_accepted[g_sends] = 0;
    }
    g_sends++;
}

static void app_op(msgbus_producer *p)
{
    msgbus_sock *s;
    switch (take(1) % 6) {
    case 0:
    case 1:
        app_send(p);
        break;
    case 2:
        (void)msgbus_producer_poll(p, take(1));
        break;
    case 3:
        g_net.now += take(2);
        break;
    case 4:
        (void)msgbus_producer_flush(p, take(1) * 8u);
        break;
    default:
        if ((s = st_live(&g_net)) != NULL)
            s->peer_close = 1;
        break;
    }
}

/*
 * The scripted wait, except that an empty wait of 0 ms still lets 1 ms pass,
 * as a real clock would while a loop spins: the spin then ends at its next
 * deadline instead of freezing fake time for ever.
 */
static int spin_wait(void *ctx, msgbus_poll_item *items, size_t n, uint32_t timeout_ms)
{
    int ready = st_wait(ctx, items, n, timeout_ms);
    if (ready == 0 && timeout_ms == 0)
        g_net.now++;
    return ready;
}

static void run(void)
{
    msgbus_producer_config cfg;
    msgbus_producer *p = NULL;
    int i;
    msgbus_producer_config_init(&cfg);
    g_net.t.wait = spin_wait;
    cfg.bootstrap = "127.0.0.1:9092";
    cfg.transport = &g_net.t;
    cfg.alloc = &g_alloc;
    cfg.loop = MSGBUS_LOOP_APP;
    cfg.on_delivery = on_delivery;
    cfg.linger_ms = take(1) % 20;
    cfg.max_in_flight = take(1) % 5 + 1;
    cfg.acks = take(1) % 4 == 0 ? 1 : -1;
    cfg.batch_size = 1024u << (take(1) % 4);
    cfg.delivery_timeout_ms = 3000;
    cfg.request_timeout_ms = 500;
    cfg.retry_backoff_ms = 50;
    cfg.metadata_wait_ms = 1000;
    cfg.queue_max_bytes = 256u * 1024u;
    if (mb_producer_create_clock(&p, &cfg, st_now, st_random, &g_net) != 0)
        return;
    for (i = 0; i < FZ_MAX_OPS && input_left(); i++)
        app_op(p);
    (void)msgbus_producer_close(p, 5000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int i;
    g_in = data;
    g_len = size;
    g_off = 0;
    g_sends = 0;
    memset(g_reports, 0, sizeof g_reports);
    memset(g_accepted, 0, sizeof g_accepted);
    st_init(&g_net, respond, NULL);
    run();
    st_free(&g_net);
    for (i = 0; i < g_sends; i++)
        if (g_accepted[i] && g_reports[i] != 1)
            abort(); /* a send without its one delivery report */
    if (g_in_use != 0)
        abort(); /* memory not given back at close */
    return 0;
}
