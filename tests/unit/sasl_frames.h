/*
 * sasl_frames.h - shared by the SASL tests (test_net_sasl.c over the
 * scripted transport, test_net_sasl_tls.c over TLS): the SCRAM vectors the
 * scripted brokers answer with, and SaslHandshake / SaslAuthenticate request
 * frames built by hand from Kafka's protocol description, independently of
 * msgbus's encoder, to compare what the client sent byte for byte.
 * Included by one test file each (static functions).
 */
#ifndef MB_TEST_SASL_FRAMES_H
#define MB_TEST_SASL_FRAMES_H

#include <stdint.h>
#include <string.h>

#include "proto/api.h"

#define USER "alice"
#define PASSWORD "s3cr3t-pw"

/*
 * SCRAM vectors for user "alice", password "s3cr3t-pw", client nonce =
 * base64 of the bytes 0..31 (what fixed_random gives), server nonce suffix
 * "-server-nonce-42", salt "msgbus-salt-0001", 4096 iterations. Computed
 * with Python 3.11 (hashlib.pbkdf2_hmac, hmac.new, base64) from RFC 5802's
 * definitions.
 */
#define CNONCE "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define CLIENT_FIRST "n,,n=alice,r=" CNONCE
#define SERVER_FIRST "r=" CNONCE "-server-nonce-42,s=bXNnYnVzLXNhbHQtMDAwMQ==,i=4096"
static const char *const k_client_final[2] = {
    "c=biws,r=" CNONCE "-server-nonce-42,p=qJ1OEC7K/fi06nMTwrb8Wj8dpHRIKLHjczV4mToWCuw=",
    "c=biws,r=" CNONCE "-server-nonce-42,p=rp2UUqwk7szfOOf6xlQo/ldsWbyHSOkeU7mtdFOTFjb0WWdw/"
    "1kdqfnx4GTziwqA3p6/XRzKONxb2RmsJrKgBg=="};
static const char *const k_server_final[2] = {
    "v=hX2GeMsf2E6avxtHZOyrfBMzO/2GvW11QLBzpud9dsY=",
    "v=Ca/1JIJufuEeUKw6FrYH9VleenJ3daO3XsbQ6G0/waqnYuGaF9B3uQuTqbPme3dHngxWqh4yFJYSzzwEV1jAzw=="};

/* ---- frames built by hand from the protocol description ---- */

typedef struct frame {
    uint8_t b[512];
    size_t n;
} frame;

static void put(frame *f, const void *p, size_t n)
{
    assert_true(f->n + n <= sizeof f->b);
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void put16(frame *f, unsigned v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(f, x, 2);
}

static void put32(frame *f, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(f, x, 4);
}

/* Request header v1 (v2 adds an empty tagged-field section) with client id "msgbus". */
static void header(frame *f, int16_t key, int16_t version, int32_t corr, int flexible)
{
    put16(f, (unsigned)key);
    put16(f, (unsigned)version);
    put32(f, (uint32_t)corr);
    put16(f, 6);
    put(f, "msgbus", 6);
    if (flexible)
        put(f, "\0", 1);
}

static int32_t corr_of(const uint8_t *f)
{
    return (int32_t)((uint32_t)f[4] << 24 | (uint32_t)f[5] << 16 | (uint32_t)f[6] << 8 | f[7]);
}

/* SaslAuthenticate at @p version carrying @p token, as the protocol lays it out. */
static void expect_authenticate(const uint8_t *got, size_t len, int16_t version, const char *token,
                                size_t tlen)
{
    frame f;
    f.n = 0;
    header(&f, MB_API_SASL_AUTHENTICATE, version, corr_of(got), version >= 2);
    if (version >= 2) { /* compact bytes: unsigned varint length + 1, then tagged fields */
        size_t v = tlen + 1;
        while (v >= 0x80) {
            uint8_t x = (uint8_t)(v | 0x80);
            put(&f, &x, 1);
            v >>= 7;
        }
        {
            uint8_t x = (uint8_t)v;
            put(&f, &x, 1);
        }
        put(&f, token, tlen);
        put(&f, "\0", 1);
    } else {
        put32(&f, (uint32_t)tlen);
        put(&f, token, tlen);
    }
    assert_int_equal(len, f.n);
    assert_memory_equal(got, f.b, f.n);
}

static void expect_handshake(const uint8_t *got, size_t len, const char *mech)
{
    frame f;
    f.n = 0;
    header(&f, MB_API_SASL_HANDSHAKE, 1, corr_of(got), 0);
    put16(&f, (unsigned)strlen(mech));
    put(&f, mech, strlen(mech));
    assert_int_equal(len, f.n);
    assert_memory_equal(got, f.b, f.n);
}

#endif
