/**
 * @file security.h
 * @brief Encryption (TLS over mbedTLS) and authentication (SASL) settings,
 *        shared by the bus, producer and consumer configurations.
 *
 * The security protocol names follow Kafka's `security.protocol`:
 * plaintext, ssl, sasl_plaintext and sasl_ssl. TLS wraps whatever transport
 * the configuration names (the port's TCP by default), so it works on every
 * port, bare metal included. SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) runs
 * on every new connection, before any other request, and again after every
 * reconnect.
 *
 * Certificates and keys are given either as file paths (where mbedTLS has
 * file support) or as buffers in memory (PEM with its terminating NUL
 * counted in the length, or DER). They are parsed once, when the client is
 * created; the strings need not outlive that call. The SASL user name and
 * password are copied, and the copy is wiped when the client is destroyed.
 * No secret is ever written to the log.
 */
#ifndef MSGBUS_SECURITY_H
#define MSGBUS_SECURITY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Kafka's security.protocol. */
typedef enum msgbus_security_protocol {
    MSGBUS_SECURITY_PLAINTEXT = 0,      /**< no TLS, no SASL (the default) */
    MSGBUS_SECURITY_SSL = 1,            /**< TLS, no SASL */
    MSGBUS_SECURITY_SASL_PLAINTEXT = 2, /**< SASL over plain TCP */
    MSGBUS_SECURITY_SASL_SSL = 3        /**< SASL over TLS */
} msgbus_security_protocol;

/** SASL mechanisms. */
typedef enum msgbus_sasl_mechanism {
    MSGBUS_SASL_PLAIN = 0,         /**< RFC 4616: the password travels as is (use with TLS) */
    MSGBUS_SASL_SCRAM_SHA_256 = 1, /**< RFC 5802 / RFC 7677 */
    MSGBUS_SASL_SCRAM_SHA_512 = 2  /**< RFC 5802 with SHA-512 */
} msgbus_sasl_mechanism;

/** A certificate, key or CA bundle: a file, or bytes in memory. */
typedef struct msgbus_pem {
    const char *file;          /**< path (needs mbedTLS file support), or NULL */
    const unsigned char *data; /**< PEM (NUL included in @c len) or DER, or NULL */
    size_t len;                /**< bytes at @c data */
} msgbus_pem;

/**
 * Security settings. Every default is zero, so a zero-filled struct (or one
 * from msgbus_security_init()) is plaintext, and once TLS is asked for, every
 * check of the broker's certificate is on unless a field turns it off.
 */
typedef struct msgbus_security {
    msgbus_security_protocol protocol; /**< default MSGBUS_SECURITY_PLAINTEXT */
    /* TLS */
    msgbus_pem ca;            /**< CAs trusted for the broker's certificate (required
                                   unless insecure_no_verify) */
    msgbus_pem cert;          /**< client certificate for mutual TLS, optional */
    msgbus_pem key;           /**< the client certificate's private key */
    const char *key_password; /**< password of an encrypted key, or NULL */
    int insecure_no_verify;   /**< 1: do not verify the broker's certificate at all (tests
                                   only); 0 (default): chain, dates and host name checked */
    int no_hostname_check;    /**< 1: accept a certificate naming another host (the chain and
                                   dates are still checked); default 0 */
    const char *sni_hostname; /**< name sent as SNI and checked against the
                                   certificate instead of the broker's host; NULL:
                                   the broker's host */
    int tls_min_version;      /**< 0 or 12 (TLS 1.2 or newer, default) or 13 (TLS 1.3 only) */
    /* SASL */
    msgbus_sasl_mechanism sasl_mechanism; /**< default MSGBUS_SASL_PLAIN */
    const char *sasl_username;            /**< required with the sasl_* protocols */
    const char *sasl_password;            /**< required with the sasl_* protocols */
} msgbus_security;

/** Fill @p sec with the defaults (all zero): plaintext; with TLS, every check on, TLS 1.2+. */
void msgbus_security_init(msgbus_security *sec);

/**
 * Parse a security protocol name: "plaintext", "ssl", "sasl_plaintext" or
 * "sasl_ssl" (any case). @return 0, or MSGBUS_ERR_INVALID_ARG.
 */
int msgbus_security_protocol_parse(const char *name, msgbus_security_protocol *out);

/**
 * Parse a SASL mechanism name: "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512"
 * (any case). @return 0, or MSGBUS_ERR_INVALID_ARG.
 */
int msgbus_sasl_mechanism_parse(const char *name, msgbus_sasl_mechanism *out);

#ifdef __cplusplus
}
#endif

#endif /* MSGBUS_SECURITY_H */
