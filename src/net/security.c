/*
 * security.c - defaults and name parsing for msgbus_security (security.h).
 */
#include "msgbus/security.h"

#include <string.h>

#include "msgbus/error.h"
#include "net/client_int.h"

void mb_secure_zero(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

void msgbus_security_init(msgbus_security *sec)
{
    memset(sec, 0, sizeof *sec);
    sec->protocol = MSGBUS_SECURITY_PLAINTEXT;
    sec->tls_min_version = 12;
    sec->sasl_mechanism = MSGBUS_SASL_PLAIN;
}

/* ASCII case-insensitive equality (no locale). */
static int same(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

int msgbus_security_protocol_parse(const char *name, msgbus_security_protocol *out)
{
    static const char *names[] = {"plaintext", "ssl", "sasl_plaintext", "sasl_ssl"};
    static const msgbus_security_protocol vals[] = {MSGBUS_SECURITY_PLAINTEXT, MSGBUS_SECURITY_SSL,
                                                    MSGBUS_SECURITY_SASL_PLAINTEXT,
                                                    MSGBUS_SECURITY_SASL_SSL};
    size_t i;
    for (i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (same(name, names[i])) {
            *out = vals[i];
            return 0;
        }
    }
    return MSGBUS_ERR_INVALID_ARG;
}

int msgbus_sasl_mechanism_parse(const char *name, msgbus_sasl_mechanism *out)
{
    static const char *names[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};
    static const msgbus_sasl_mechanism vals[] = {MSGBUS_SASL_PLAIN, MSGBUS_SASL_SCRAM_SHA_256,
                                                 MSGBUS_SASL_SCRAM_SHA_512};
    size_t i;
    for (i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (same(name, names[i])) {
            *out = vals[i];
            return 0;
        }
    }
    return MSGBUS_ERR_INVALID_ARG;
}
