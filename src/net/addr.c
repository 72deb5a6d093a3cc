/*
 * addr.c - broker address parsing (see addr.h).
 */
#include "addr.h"

#include <string.h>

#include "msgbus/error.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A host name or IPv4 address character. */
static int host_char(char c)
{
    return is_alnum(c) || c == '.' || c == '-' || c == '_';
}

/* An IPv6 literal character (hex digits, ':' and '.', a '%' zone suffix). */
static int v6_char(char c)
{
    return is_alnum(c) || c == ':' || c == '.' || c == '%' || c == '-' || c == '_';
}

static int parse_port(const char *s, size_t len, uint16_t *port)
{
    uint32_t v = 0;
    size_t i;
    if (len == 0 || len > 5)
        return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < len; i++) {
        if (!is_digit(s[i]))
            return MSGBUS_ERR_INVALID_ARG;
        v = v * 10u + (uint32_t)(s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return MSGBUS_ERR_INVALID_ARG;
    *port = (uint16_t)v;
    return 0;
}

static int copy_host(const char *s, size_t len, int v6, mb_hostport *out)
{
    size_t i;
    if (len == 0 || len > MB_HOST_MAX)
        return MSGBUS_ERR_INVALID_ARG;
    for (i = 0; i < len; i++)
        if (!(v6 ? v6_char(s[i]) : host_char(s[i])))
            return MSGBUS_ERR_INVALID_ARG;
    if (v6 && !memchr(s, ':', len))
        return MSGBUS_ERR_INVALID_ARG;
    memcpy(out->host, s, len);
    out->host[len] = '\0';
    return 0;
}

int mb_addr_parse(const char *s, size_t len, mb_hostport *out)
{
    const char *colon;
    int v6 = 0;
    if (!s || !out)
        return MSGBUS_ERR_INVALID_ARG;
    while (len && is_space(*s)) {
        s++;
        len--;
    }
    while (len && is_space(s[len - 1]))
        len--;
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close || (size_t)(close - s) + 1 >= len || close[1] != ':')
            return MSGBUS_ERR_INVALID_ARG;
        colon = close + 1;
        v6 = 1;
    } else {
        colon = memchr(s, ':', len);
        if (!colon || memchr(colon + 1, ':', len - (size_t)(colon - s) - 1))
            return MSGBUS_ERR_INVALID_ARG;
    }
    if (parse_port(colon + 1, len - (size_t)(colon - s) - 1, &out->port))
        return MSGBUS_ERR_INVALID_ARG;
    if (v6)
        return copy_host(s + 1, (size_t)(colon - s) - 2, 1, out);
    return copy_host(s, (size_t)(colon - s), 0, out);
}

int mb_addr_parse_list(const char *list, mb_hostport *out, size_t max, size_t *n)
{
    const char *p = list;
    *n = 0;
    if (!list || !*list)
        return MSGBUS_ERR_INVALID_ARG;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (*n == max || mb_addr_parse(p, len, &out[*n]))
            return MSGBUS_ERR_INVALID_ARG;
        (*n)++;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}
