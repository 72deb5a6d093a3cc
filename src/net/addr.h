/*
 * addr.h - parsing of broker addresses: "host:port", "[v6addr]:port", and
 * comma-separated lists of them (the bootstrap list).
 */
#ifndef MB_NET_ADDR_H
#define MB_NET_ADDR_H

#include <stddef.h>
#include <stdint.h>

/** Longest host name accepted (RFC 1035's 253, plus room for IPv6 zones). */
#define MB_HOST_MAX 255

typedef struct mb_hostport {
    char host[MB_HOST_MAX + 1]; /**< without IPv6 brackets, NUL-terminated */
    uint16_t port;              /**< 1..65535 */
} mb_hostport;

/**
 * Parse one "host:port" or "[v6addr]:port" of @p len bytes (whitespace around
 * it ignored). Host: letters, digits, '.', '-', '_' (or, in brackets, hex
 * digits, ':', '.', '%' and a zone name); port: decimal 1..65535.
 * @return 0, or MSGBUS_ERR_INVALID_ARG for anything else.
 */
int mb_addr_parse(const char *s, size_t len, mb_hostport *out);

/**
 * Parse a comma-separated list into @p out (at most @p max entries).
 * @return 0 with *n set; INVALID_ARG for an empty list, an empty or malformed
 *         entry, or more than @p max entries.
 */
int mb_addr_parse_list(const char *list, mb_hostport *out, size_t max, size_t *n);

#endif /* MB_NET_ADDR_H */
