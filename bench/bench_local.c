/*
 * bench_local.c - emits per second on the local bus (include/msgbus/local.h)
 * to 1 and to 10 handlers, and through the bus API with technology local,
 * with the allocations each emit makes: every call of malloc, calloc and
 * realloc in the process, counted by wrapping them at link time
 * (-Wl,--wrap; see bench/CMakeLists.txt), plus the allocator hook the
 * bus-API connections are given. The target is 0.
 *
 * Prints one table. librdkafka has no in-process bus, so there is no
 * counterpart column to compare with; the table says so. Each row runs for
 * about half a second.
 */
#define _POSIX_C_SOURCE 199309L

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "msgbus/local.h"
#include "msgbus/msgbus.h"

#define RUN_SECONDS 0.5
#define TARGET_ONE 10e6

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned long g_allocs; /* heap calls: wrapped malloc family + the hook */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n)
{
    g_allocs++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m)
{
    g_allocs++;
    return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n)
{
    g_allocs++;
    return __real_realloc(p, n);
}

static void *count_alloc(void *ctx, size_t n)
{
    const msgbus_allocator *d = msgbus_allocator_default();
    (void)ctx;
    return d->alloc(d->ctx, n); /* counted by the malloc wrapper */
}
static void count_free(void *ctx, void *p, size_t n)
{
    const msgbus_allocator *d = msgbus_allocator_default();
    (void)ctx;
    d->free(d->ctx, p, n);
}
static const msgbus_allocator k_counting = {count_alloc, count_free, NULL};

static volatile uint64_t g_sink;
static int on_event(void *ud, const msgbus_local_event *ev)
{
    (void)ud;
    g_sink += ev->len;
    return 0;
}
static void on_record(void *ud, const msgbus_record *rec)
{
    (void)ud;
    g_sink += rec->value_len;
}

typedef struct result {
    double rate;
    double allocs_per_emit;
} result;

static result run_local(unsigned handlers)
{
    static msgbus_local bus;
    static const char payload[100];
    result r;
    uint64_t n = 0;
    double t0, t;
    unsigned i;
    msgbus_local_init(&bus, NULL);
    msgbus_local_register_topic(&bus, "sensor.temperature");
    for (i = 0; i < handlers; i++) {
        char key[16];
        snprintf(key, sizeof key, "h%u", i);
        msgbus_local_register_handler(&bus, key, "^sensor\\.", on_event, NULL);
    }
    g_allocs = 0;
    t0 = now();
    do {
        for (i = 0; i < 10000; i++)
            msgbus_local_emit(&bus, "sensor.temperature", payload, sizeof payload, 0, NULL);
        n += 10000;
        t = now() - t0;
    } while (t < RUN_SECONDS);
    r.rate = (double)n / t;
    r.allocs_per_emit = (double)g_allocs / (double)n;
    msgbus_local_destroy(&bus);
    return r;
}

static result run_bus_api(void)
{
    static const char payload[100];
    msgbus_config cfg;
    msgbus *w, *rd;
    result r = {0, 0};
    uint64_t n = 0;
    unsigned long before;
    double t0, t;
    unsigned i;
    msgbus_config_init(&cfg);
    cfg.tech = MSGBUS_TECH_LOCAL;
    cfg.topic = "sensor.temperature";
    cfg.alloc = &k_counting;
    cfg.direction = MSGBUS_READER;
    if (msgbus_connect(&rd, &cfg) != 0 || msgbus_register_cb(rd, on_record, NULL) != 0)
        return r;
    cfg.direction = MSGBUS_WRITER;
    if (msgbus_connect(&w, &cfg) != 0)
        return r;
    before = g_allocs;
    t0 = now();
    do {
        for (i = 0; i < 10000; i++)
            msgbus_write(w, payload, sizeof payload);
        n += 10000;
        t = now() - t0;
    } while (t < RUN_SECONDS);
    r.rate = (double)n / t;
    r.allocs_per_emit = (double)(g_allocs - before) / (double)n;
    msgbus_destroy(w);
    msgbus_destroy(rd);
    return r;
}

/* The counter sees the library's heap calls: one connect allocates. */
static int counter_works(void)
{
    msgbus_config cfg;
    msgbus *w;
    unsigned long before = g_allocs;
    msgbus_config_init(&cfg);
    cfg.tech = MSGBUS_TECH_LOCAL;
    cfg.topic = "probe";
    if (msgbus_connect(&w, &cfg) != 0)
        return 0;
    msgbus_destroy(w);
    return g_allocs > before;
}

int main(void)
{
    result one, ten, api;
    msgbus_local_set_default(NULL); /* the bus API's technology local */
    if (!counter_works()) {
        fprintf(stderr, "bench_local: the heap counter sees nothing (no -Wl,--wrap?)\n");
        return 1;
    }
    one = run_local(1);
    ten = run_local(10);
    api = run_bus_api();
    printf("local bus, 100-byte events, one thread (librdkafka: no counterpart, it has no "
           "in-process bus)\n\n");
    printf("| case | emits/s | allocs/emit | target | result |\n");
    printf("| --- | ---: | ---: | --- | --- |\n");
    printf("| msgbus_local_emit, 1 handler | %.2fM | %.2f | >= 10M/s, 0 allocs | %s |\n",
           one.rate / 1e6, one.allocs_per_emit,
           one.rate >= TARGET_ONE && one.allocs_per_emit == 0 ? "PASS" : "BELOW");
    printf("| msgbus_local_emit, 10 handlers | %.2fM | %.2f | 0 allocs | %s |\n", ten.rate / 1e6,
           ten.allocs_per_emit, ten.allocs_per_emit == 0 ? "PASS" : "BELOW");
    printf("| msgbus_write (tech local) -> reader callback | %.2fM | %.2f | 0 allocs | %s |\n",
           api.rate / 1e6, api.allocs_per_emit,
           api.rate > 0 && api.allocs_per_emit == 0 ? "PASS" : "BELOW");
    printf("| librdkafka | - | - | no in-process bus to compare | - |\n");
    return 0;
}
