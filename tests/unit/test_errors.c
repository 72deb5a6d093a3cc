/* test_errors.c - msgbus_strerror, msgbus_err_name, msgbus_err_retriable. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msgbus/error.h"

typedef struct code_name {
    int code;
    const char *name;
} code_name;

#define K(x)                                                                                       \
    {                                                                                              \
        MSGBUS_KERR_##x, #x                                                                        \
    }
#define L(x)                                                                                       \
    {                                                                                              \
        MSGBUS_ERR_##x, "MSGBUS_ERR_" #x                                                           \
    }

/* Every enumerator of msgbus/kafka_errors.h, with its expected (Kafka) name. */
static const code_name kafka_codes[] = {
    K(UNKNOWN_SERVER_ERROR),
    K(OFFSET_OUT_OF_RANGE),
    K(CORRUPT_MESSAGE),
    K(UNKNOWN_TOPIC_OR_PARTITION),
    K(INVALID_FETCH_SIZE),
    K(LEADER_NOT_AVAILABLE),
    K(NOT_LEADER_OR_FOLLOWER),
    K(REQUEST_TIMED_OUT),
    K(BROKER_NOT_AVAILABLE),
    K(REPLICA_NOT_AVAILABLE),
    K(MESSAGE_TOO_LARGE),
    K(STALE_CONTROLLER_EPOCH),
    K(OFFSET_METADATA_TOO_LARGE),
    K(NETWORK_EXCEPTION),
    K(COORDINATOR_LOAD_IN_PROGRESS),
    K(COORDINATOR_NOT_AVAILABLE),
    K(NOT_COORDINATOR),
    K(INVALID_TOPIC_EXCEPTION),
    K(RECORD_LIST_TOO_LARGE),
    K(NOT_ENOUGH_REPLICAS),
    K(NOT_ENOUGH_REPLICAS_AFTER_APPEND),
    K(INVALID_REQUIRED_ACKS),
    K(ILLEGAL_GENERATION),
    K(INCONSISTENT_GROUP_PROTOCOL),
    K(INVALID_GROUP_ID),
    K(UNKNOWN_MEMBER_ID),
    K(INVALID_SESSION_TIMEOUT),
    K(REBALANCE_IN_PROGRESS),
    K(INVALID_COMMIT_OFFSET_SIZE),
    K(TOPIC_AUTHORIZATION_FAILED),
    K(GROUP_AUTHORIZATION_FAILED),
    K(CLUSTER_AUTHORIZATION_FAILED),
    K(INVALID_TIMESTAMP),
    K(UNSUPPORTED_SASL_MECHANISM),
    K(ILLEGAL_SASL_STATE),
    K(UNSUPPORTED_VERSION),
    K(TOPIC_ALREADY_EXISTS),
    K(INVALID_PARTITIONS),
    K(INVALID_REPLICATION_FACTOR),
    K(INVALID_REPLICA_ASSIGNMENT),
    K(INVALID_CONFIG),
    K(NOT_CONTROLLER),
    K(INVALID_REQUEST),
    K(UNSUPPORTED_FOR_MESSAGE_FORMAT),
    K(POLICY_VIOLATION),
    K(OUT_OF_ORDER_SEQUENCE_NUMBER),
    K(DUPLICATE_SEQUENCE_NUMBER),
    K(INVALID_PRODUCER_EPOCH),
    K(INVALID_TXN_STATE),
    K(INVALID_PRODUCER_ID_MAPPING),
    K(INVALID_TRANSACTION_TIMEOUT),
    K(CONCURRENT_TRANSACTIONS),
    K(TRANSACTION_COORDINATOR_FENCED),
    K(TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
    K(SECURITY_DISABLED),
    K(OPERATION_NOT_ATTEMPTED),
    K(KAFKA_STORAGE_ERROR),
    K(LOG_DIR_NOT_FOUND),
    K(SASL_AUTHENTICATION_FAILED),
    K(UNKNOWN_PRODUCER_ID),
    K(REASSIGNMENT_IN_PROGRESS),
    K(DELEGATION_TOKEN_AUTH_DISABLED),
    K(DELEGATION_TOKEN_NOT_FOUND),
    K(DELEGATION_TOKEN_OWNER_MISMATCH),
    K(DELEGATION_TOKEN_REQUEST_NOT_ALLOWED),
    K(DELEGATION_TOKEN_AUTHORIZATION_FAILED),
    K(DELEGATION_TOKEN_EXPIRED),
    K(INVALID_PRINCIPAL_TYPE),
    K(NON_EMPTY_GROUP),
    K(GROUP_ID_NOT_FOUND),
    K(FETCH_SESSION_ID_NOT_FOUND),
    K(INVALID_FETCH_SESSION_EPOCH),
    K(LISTENER_NOT_FOUND),
    K(TOPIC_DELETION_DISABLED),
    K(FENCED_LEADER_EPOCH),
    K(UNKNOWN_LEADER_EPOCH),
    K(UNSUPPORTED_COMPRESSION_TYPE),
    K(STALE_BROKER_EPOCH),
    K(OFFSET_NOT_AVAILABLE),
    K(MEMBER_ID_REQUIRED),
    K(PREFERRED_LEADER_NOT_AVAILABLE),
    K(GROUP_MAX_SIZE_REACHED),
    K(FENCED_INSTANCE_ID),
    K(ELIGIBLE_LEADERS_NOT_AVAILABLE),
    K(ELECTION_NOT_NEEDED),
    K(NO_REASSIGNMENT_IN_PROGRESS),
    K(GROUP_SUBSCRIBED_TO_TOPIC),
    K(INVALID_RECORD),
    K(UNSTABLE_OFFSET_COMMIT),
    K(THROTTLING_QUOTA_EXCEEDED),
    K(PRODUCER_FENCED),
    K(RESOURCE_NOT_FOUND),
    K(DUPLICATE_RESOURCE),
    K(UNACCEPTABLE_CREDENTIAL),
    K(INCONSISTENT_VOTER_SET),
    K(INVALID_UPDATE_VERSION),
    K(FEATURE_UPDATE_FAILED),
    K(PRINCIPAL_DESERIALIZATION_FAILURE),
    K(SNAPSHOT_NOT_FOUND),
    K(POSITION_OUT_OF_RANGE),
    K(UNKNOWN_TOPIC_ID),
    K(DUPLICATE_BROKER_REGISTRATION),
    K(BROKER_ID_NOT_REGISTERED),
    K(INCONSISTENT_TOPIC_ID),
    K(INCONSISTENT_CLUSTER_ID),
    K(TRANSACTIONAL_ID_NOT_FOUND),
    K(FETCH_SESSION_TOPIC_ID_ERROR),
    K(INELIGIBLE_REPLICA),
    K(NEW_LEADER_ELECTED),
    K(OFFSET_MOVED_TO_TIERED_STORAGE),
    K(FENCED_MEMBER_EPOCH),
    K(UNRELEASED_INSTANCE_ID),
    K(UNSUPPORTED_ASSIGNOR),
    K(STALE_MEMBER_EPOCH),
    K(MISMATCHED_ENDPOINT_TYPE),
    K(UNSUPPORTED_ENDPOINT_TYPE),
    K(UNKNOWN_CONTROLLER_ID),
    K(UNKNOWN_SUBSCRIPTION_ID),
    K(TELEMETRY_TOO_LARGE),
    K(INVALID_REGISTRATION),
    K(TRANSACTION_ABORTABLE),
    K(INVALID_RECORD_STATE),
    K(SHARE_SESSION_NOT_FOUND),
    K(INVALID_SHARE_SESSION_EPOCH),
    K(FENCED_STATE_EPOCH),
    K(INVALID_VOTER_KEY),
    K(DUPLICATE_VOTER),
    K(VOTER_NOT_FOUND),
    K(INVALID_REGULAR_EXPRESSION),
};

/* Every local error of msgbus/error.h. */
static const code_name local_codes[] = {
    L(TRUNCATED),   L(MALFORMED),      L(LIMIT),           L(NO_ROOM),       L(UNSUPPORTED_VERSION),
    L(CRC),         L(INVALID_ARG),    L(FRAME_TOO_LARGE), L(NOMEM),         L(UNSUPPORTED_CODEC),
    L(CORRELATION), L(STATE),          L(TIMEOUT),         L(QUEUE_FULL),    L(TRANSPORT),
    L(RESOLVE),     L(NO_MESSAGE),     L(MSG_TOO_LARGE),   L(COMPRESSION),   L(NOT_BUILT),
    L(TLS),         L(CERT_UNTRUSTED), L(CERT_EXPIRED),    L(CERT_HOSTNAME), L(AUTH),
    L(CONFIG),      L(UNKNOWN),
};

#define N_KAFKA (sizeof kafka_codes / sizeof kafka_codes[0])
#define N_LOCAL (sizeof local_codes / sizeof local_codes[0])

/* Kafka codes whose exception class derives from RetriableException (checked
 * class by class in clients/.../common/errors). */
static const int kafka_retriable[] = {2,  3,  5,  6,  7,   9,   13,  14,  15, 16, 19,
                                      20, 41, 51, 56, 70,  71,  72,  74,  75, 78, 80,
                                      83, 84, 88, 89, 100, 103, 106, 122, 123};

static int in_retriable_set(int code)
{
    size_t i;
    for (i = 0; i < sizeof kafka_retriable / sizeof kafka_retriable[0]; i++)
        if (kafka_retriable[i] == code)
            return 1;
    return 0;
}

static void check_known(const code_name *c)
{
    const char *d = msgbus_strerror(c->code);
    assert_non_null(d);
    assert_true(strlen(d) > 5);
    assert_string_not_equal(d, "unknown error");
    assert_string_equal(msgbus_err_name(c->code), c->name);
}

static void test_every_kafka_code_named(void **state)
{
    size_t i;
    (void)state;
    assert_int_equal(N_KAFKA, 129); /* -1 and 1..128 */
    for (i = 0; i < N_KAFKA; i++)
        check_known(&kafka_codes[i]);
}

static void test_every_local_code_named(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < N_LOCAL; i++)
        check_known(&local_codes[i]);
}

static void test_descriptions_distinct(void **state)
{
    size_t i, j;
    const code_name *all[N_KAFKA + N_LOCAL];
    (void)state;
    for (i = 0; i < N_KAFKA; i++)
        all[i] = &kafka_codes[i];
    for (i = 0; i < N_LOCAL; i++)
        all[N_KAFKA + i] = &local_codes[i];
    for (i = 0; i < N_KAFKA + N_LOCAL; i++)
        for (j = i + 1; j < N_KAFKA + N_LOCAL; j++)
            assert_string_not_equal(msgbus_strerror(all[i]->code), msgbus_strerror(all[j]->code));
}

static void test_success(void **state)
{
    (void)state;
    assert_string_equal(msgbus_strerror(MSGBUS_OK), "success");
    assert_string_equal(msgbus_err_name(MSGBUS_OK), "NONE");
    assert_int_equal(msgbus_err_retriable(MSGBUS_OK), 0);
}

static void test_kafka_retriable_samples(void **state)
{
    (void)state;
    assert_int_equal(msgbus_err_retriable(6), 1);  /* NOT_LEADER_OR_FOLLOWER */
    assert_int_equal(msgbus_err_retriable(3), 1);  /* UNKNOWN_TOPIC_OR_PARTITION */
    assert_int_equal(msgbus_err_retriable(7), 1);  /* REQUEST_TIMED_OUT */
    assert_int_equal(msgbus_err_retriable(15), 1); /* COORDINATOR_NOT_AVAILABLE */
    assert_int_equal(msgbus_err_retriable(13), 1); /* NETWORK_EXCEPTION (InvalidMetadata) */
    assert_int_equal(msgbus_err_retriable(56), 1); /* KAFKA_STORAGE_ERROR (InvalidMetadata) */
    assert_int_equal(msgbus_err_retriable(10), 0); /* MESSAGE_TOO_LARGE */
    assert_int_equal(msgbus_err_retriable(29), 0); /* TOPIC_AUTHORIZATION_FAILED */
    assert_int_equal(msgbus_err_retriable(35), 0); /* UNSUPPORTED_VERSION */
    assert_int_equal(msgbus_err_retriable(-1), 0); /* UNKNOWN_SERVER_ERROR */
    assert_int_equal(msgbus_err_retriable(8), 0);  /* BROKER_NOT_AVAILABLE: ApiException */
    assert_int_equal(msgbus_err_retriable(27), 0); /* REBALANCE_IN_PROGRESS: ApiException */
    assert_int_equal(msgbus_err_retriable(59), 0); /* UNKNOWN_PRODUCER_ID: OutOfOrderSequence */
}

static void test_kafka_retriable_all(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < N_KAFKA; i++) {
        int c = kafka_codes[i].code;
        if (msgbus_err_retriable(c) != in_retriable_set(c))
            fail_msg("retriable(%d %s) = %d", c, kafka_codes[i].name, msgbus_err_retriable(c));
    }
}

static void test_local_retriable(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < N_LOCAL; i++) {
        int c = local_codes[i].code;
        int want =
            c == MSGBUS_ERR_TIMEOUT || c == MSGBUS_ERR_QUEUE_FULL || c == MSGBUS_ERR_TRANSPORT;
        assert_int_equal(msgbus_err_retriable(c), want);
    }
    assert_int_equal(msgbus_err_retriable(MSGBUS_ERR_TIMEOUT), 1);
}

static void test_unknown_codes(void **state)
{
    static const int unknown[] = {129,   130,   1000,    -2,      -999,  -1000, -1027,
                                  -1998, -2000, INT_MIN, INT_MAX, 32767, -32768};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_string_equal(msgbus_strerror(unknown[i]), "unknown error");
        assert_string_equal(msgbus_err_name(unknown[i]), "UNKNOWN");
        assert_int_equal(msgbus_err_retriable(unknown[i]), 0);
    }
}

static void test_specific_names(void **state)
{
    (void)state;
    assert_string_equal(msgbus_err_name(6), "NOT_LEADER_OR_FOLLOWER");
    assert_string_equal(msgbus_err_name(-1), "UNKNOWN_SERVER_ERROR");
    assert_string_equal(msgbus_err_name(99), "POSITION_OUT_OF_RANGE");
    assert_string_equal(msgbus_err_name(128), "INVALID_REGULAR_EXPRESSION");
    assert_string_equal(msgbus_err_name(-1001), "MSGBUS_ERR_TRUNCATED");
    assert_string_equal(msgbus_err_name(-1999), "MSGBUS_ERR_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kafka_code_named),
        cmocka_unit_test(test_every_local_code_named),
        cmocka_unit_test(test_descriptions_distinct),
        cmocka_unit_test(test_success),
        cmocka_unit_test(test_kafka_retriable_samples),
        cmocka_unit_test(test_kafka_retriable_all),
        cmocka_unit_test(test_local_retriable),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_specific_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
