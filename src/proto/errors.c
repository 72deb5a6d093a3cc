/*
 * errors.c - names, descriptions and retry classification of every msgbus
 * error code: success, the local MSGBUS_ERR_* codes and Kafka's broker codes.
 *
 * One static table sorted by code, searched by bisection: no heap, no state,
 * thread-safe. Kafka's names are used verbatim; "retriable" follows Kafka's
 * exception classes (those deriving from RetriableException), plus the local
 * timeout, full-queue and transport errors.
 */
#include <stddef.h>
#include <stdint.h>

#include "msgbus/config_defaults.h"
#include "msgbus/error.h"

/*
 * MSGBUS_CFG_ERROR_STRINGS 0 leaves the descriptions out: msgbus_strerror()
 * then gives the code's name. MSGBUS_CFG_ERROR_NAMES 0 leaves the names out
 * too: each entry is then two bytes, the code and whether it is retriable
 * (MB_ERR_PACK), which is all msgbus itself needs.
 */
#if MSGBUS_CFG_ERROR_NAMES
#if MSGBUS_CFG_ERROR_STRINGS
typedef struct mb_err_info {
    int32_t code;
    const char *name;
    const char *desc;
    int32_t retriable;
} mb_err_info;
#define E(code, name, desc, retriable)                                                             \
    {                                                                                              \
        code, name, desc, retriable                                                                \
    }
#else
typedef struct mb_err_info {
    int32_t code;
    const char *name;
    int32_t retriable;
} mb_err_info;
#define E(code, name, desc, retriable)                                                             \
    {                                                                                              \
        code, name, retriable                                                                      \
    }
#endif
#define MB_ERR_TABLE static const mb_err_info mb_err_table[]
#else
/* Codes run from -1999 to a few hundred: (code + 2000) * 2 + retriable fits 16 bits. */
#define MB_ERR_PACK(code, retriable) (uint16_t)(((code) + 2000) * 2 + (retriable))
#define E(code, name, desc, retriable) MB_ERR_PACK(code, retriable)
#define MB_ERR_TABLE static const uint16_t mb_err_table[]
#endif

/* Sorted by code (ascending). test_errors.c checks the order. */
MB_ERR_TABLE = {
    E(MSGBUS_ERR_UNKNOWN, "MSGBUS_ERR_UNKNOWN", "unclassified local failure", 0),
    E(MSGBUS_ERR_DEPTH, "MSGBUS_ERR_DEPTH", "local emits nested deeper than the configured limit",
      0),
    E(MSGBUS_ERR_BAD_PATTERN, "MSGBUS_ERR_BAD_PATTERN",
      "the handler pattern is not a valid expression", 0),
    E(MSGBUS_ERR_DUPLICATE, "MSGBUS_ERR_DUPLICATE", "a handler with this key is registered already",
      0),
    E(MSGBUS_ERR_NO_TOPIC, "MSGBUS_ERR_NO_TOPIC", "the topic is not registered on the local bus",
      0),
    E(MSGBUS_ERR_CONFIG, "MSGBUS_ERR_CONFIG",
      "a security setting is unusable (file, key or mechanism)", 0),
    E(MSGBUS_ERR_AUTH, "MSGBUS_ERR_AUTH",
      "the broker refused the SASL mechanism or credentials, or could not prove itself", 0),
    E(MSGBUS_ERR_CERT_HOSTNAME, "MSGBUS_ERR_CERT_HOSTNAME",
      "the broker's certificate does not name the host connected to", 0),
    E(MSGBUS_ERR_CERT_EXPIRED, "MSGBUS_ERR_CERT_EXPIRED",
      "the broker's certificate has expired or is not yet valid", 0),
    E(MSGBUS_ERR_CERT_UNTRUSTED, "MSGBUS_ERR_CERT_UNTRUSTED",
      "the broker's certificate is not signed by a trusted CA", 0),
    E(MSGBUS_ERR_TLS, "MSGBUS_ERR_TLS", "TLS handshake or record failure", 0),
    E(MSGBUS_ERR_NOT_BUILT, "MSGBUS_ERR_NOT_BUILT", "this build leaves the feature out", 0),
    E(MSGBUS_ERR_COMPRESSION, "MSGBUS_ERR_COMPRESSION", "a compressed payload is corrupt", 0),
    E(MSGBUS_ERR_MSG_TOO_LARGE, "MSGBUS_ERR_MSG_TOO_LARGE",
      "a message exceeds the configured maximum size", 0),
    E(MSGBUS_ERR_NO_MESSAGE, "MSGBUS_ERR_NO_MESSAGE", "no message is available now", 0),
    E(MSGBUS_ERR_RESOLVE, "MSGBUS_ERR_RESOLVE", "the host name could not be resolved", 0),
    E(MSGBUS_ERR_TRANSPORT, "MSGBUS_ERR_TRANSPORT", "the connection failed or was closed", 1),
    E(MSGBUS_ERR_QUEUE_FULL, "MSGBUS_ERR_QUEUE_FULL", "a bounded queue is full", 1),
    E(MSGBUS_ERR_TIMEOUT, "MSGBUS_ERR_TIMEOUT", "the operation timed out", 1),
    E(MSGBUS_ERR_STATE, "MSGBUS_ERR_STATE", "the call is not valid in the current state", 0),
    E(MSGBUS_ERR_CORRELATION, "MSGBUS_ERR_CORRELATION",
      "a response's correlation id matches no pending request", 0),
    E(MSGBUS_ERR_UNSUPPORTED_CODEC, "MSGBUS_ERR_UNSUPPORTED_CODEC",
      "the compression codec is not built into this library", 0),
    E(MSGBUS_ERR_NOMEM, "MSGBUS_ERR_NOMEM", "the allocator refused a request", 0),
    E(MSGBUS_ERR_FRAME_TOO_LARGE, "MSGBUS_ERR_FRAME_TOO_LARGE",
      "a frame's size prefix is above the configured maximum", 0),
    E(MSGBUS_ERR_INVALID_ARG, "MSGBUS_ERR_INVALID_ARG", "an argument is invalid", 0),
    E(MSGBUS_ERR_CRC, "MSGBUS_ERR_CRC", "the record batch checksum does not match", 0),
    E(MSGBUS_ERR_UNSUPPORTED_VERSION, "MSGBUS_ERR_UNSUPPORTED_VERSION",
      "the API version is outside what msgbus supports", 0),
    E(MSGBUS_ERR_NO_ROOM, "MSGBUS_ERR_NO_ROOM", "the output buffer or arena is too small", 0),
    E(MSGBUS_ERR_LIMIT, "MSGBUS_ERR_LIMIT", "a length or count exceeds its configured limit", 0),
    E(MSGBUS_ERR_MALFORMED, "MSGBUS_ERR_MALFORMED", "the input is not a valid encoding", 0),
    E(MSGBUS_ERR_TRUNCATED, "MSGBUS_ERR_TRUNCATED", "the input ended before the value did", 0),
    E(MSGBUS_KERR_UNKNOWN_SERVER_ERROR, "UNKNOWN_SERVER_ERROR",
      "the broker hit an unexpected internal error", 0),
    E(MSGBUS_OK, "NONE", "success", 0),
    E(MSGBUS_KERR_OFFSET_OUT_OF_RANGE, "OFFSET_OUT_OF_RANGE",
      "the offset lies outside the range the partition's log holds", 0),
    E(MSGBUS_KERR_CORRUPT_MESSAGE, "CORRUPT_MESSAGE",
      "the broker found the record corrupt (checksum, size or key)", 1),
    E(MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION, "UNKNOWN_TOPIC_OR_PARTITION",
      "the broker does not host this topic or partition", 1),
    E(MSGBUS_KERR_INVALID_FETCH_SIZE, "INVALID_FETCH_SIZE", "the fetch size is not acceptable", 0),
    E(MSGBUS_KERR_LEADER_NOT_AVAILABLE, "LEADER_NOT_AVAILABLE",
      "the partition has no leader at the moment (election under way)", 1),
    E(MSGBUS_KERR_NOT_LEADER_OR_FOLLOWER, "NOT_LEADER_OR_FOLLOWER",
      "the broker is neither the leader nor a replica of this partition", 1),
    E(MSGBUS_KERR_REQUEST_TIMED_OUT, "REQUEST_TIMED_OUT",
      "the broker timed out while handling the request", 1),
    E(MSGBUS_KERR_BROKER_NOT_AVAILABLE, "BROKER_NOT_AVAILABLE", "the broker is unavailable", 0),
    E(MSGBUS_KERR_REPLICA_NOT_AVAILABLE, "REPLICA_NOT_AVAILABLE",
      "the replica of this partition is unavailable", 1),
    E(MSGBUS_KERR_MESSAGE_TOO_LARGE, "MESSAGE_TOO_LARGE",
      "the message is larger than the broker accepts", 0),
    E(MSGBUS_KERR_STALE_CONTROLLER_EPOCH, "STALE_CONTROLLER_EPOCH",
      "the controller has moved to another broker", 0),
    E(MSGBUS_KERR_OFFSET_METADATA_TOO_LARGE, "OFFSET_METADATA_TOO_LARGE",
      "the offset commit metadata is too long", 0),
    E(MSGBUS_KERR_NETWORK_EXCEPTION, "NETWORK_EXCEPTION",
      "the connection dropped before a response arrived", 1),
    E(MSGBUS_KERR_COORDINATOR_LOAD_IN_PROGRESS, "COORDINATOR_LOAD_IN_PROGRESS",
      "the coordinator is still loading its state", 1),
    E(MSGBUS_KERR_COORDINATOR_NOT_AVAILABLE, "COORDINATOR_NOT_AVAILABLE",
      "the coordinator is unavailable", 1),
    E(MSGBUS_KERR_NOT_COORDINATOR, "NOT_COORDINATOR",
      "this broker is not the coordinator for the group or transaction", 1),
    E(MSGBUS_KERR_INVALID_TOPIC_EXCEPTION, "INVALID_TOPIC_EXCEPTION",
      "the topic name is invalid or the topic may not be used this way", 0),
    E(MSGBUS_KERR_RECORD_LIST_TOO_LARGE, "RECORD_LIST_TOO_LARGE",
      "the record batch is larger than the broker's segment size", 0),
    E(MSGBUS_KERR_NOT_ENOUGH_REPLICAS, "NOT_ENOUGH_REPLICAS",
      "too few in-sync replicas to accept the write", 1),
    E(MSGBUS_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
      "the write was stored, but on fewer in-sync replicas than required", 1),
    E(MSGBUS_KERR_INVALID_REQUIRED_ACKS, "INVALID_REQUIRED_ACKS", "the acks value is not allowed",
      0),
    E(MSGBUS_KERR_ILLEGAL_GENERATION, "ILLEGAL_GENERATION",
      "the group generation id is not the current one", 0),
    E(MSGBUS_KERR_INCONSISTENT_GROUP_PROTOCOL, "INCONSISTENT_GROUP_PROTOCOL",
      "the member's protocol type or protocols do not match the group's", 0),
    E(MSGBUS_KERR_INVALID_GROUP_ID, "INVALID_GROUP_ID", "the group id is not valid", 0),
    E(MSGBUS_KERR_UNKNOWN_MEMBER_ID, "UNKNOWN_MEMBER_ID",
      "the coordinator does not know this member id", 0),
    E(MSGBUS_KERR_INVALID_SESSION_TIMEOUT, "INVALID_SESSION_TIMEOUT",
      "the session timeout is outside the range the broker allows", 0),
    E(MSGBUS_KERR_REBALANCE_IN_PROGRESS, "REBALANCE_IN_PROGRESS",
      "the group is rebalancing; the member has to rejoin", 0),
    E(MSGBUS_KERR_INVALID_COMMIT_OFFSET_SIZE, "INVALID_COMMIT_OFFSET_SIZE",
      "the committed offset data has an invalid size", 0),
    E(MSGBUS_KERR_TOPIC_AUTHORIZATION_FAILED, "TOPIC_AUTHORIZATION_FAILED",
      "not authorized to access the topic", 0),
    E(MSGBUS_KERR_GROUP_AUTHORIZATION_FAILED, "GROUP_AUTHORIZATION_FAILED",
      "not authorized to access the group", 0),
    E(MSGBUS_KERR_CLUSTER_AUTHORIZATION_FAILED, "CLUSTER_AUTHORIZATION_FAILED",
      "not authorized for this cluster operation", 0),
    E(MSGBUS_KERR_INVALID_TIMESTAMP, "INVALID_TIMESTAMP",
      "the record timestamp is outside the accepted range", 0),
    E(MSGBUS_KERR_UNSUPPORTED_SASL_MECHANISM, "UNSUPPORTED_SASL_MECHANISM",
      "the broker does not offer this SASL mechanism", 0),
    E(MSGBUS_KERR_ILLEGAL_SASL_STATE, "ILLEGAL_SASL_STATE",
      "the request is not allowed at this point of the SASL exchange", 0),
    E(MSGBUS_KERR_UNSUPPORTED_VERSION, "UNSUPPORTED_VERSION",
      "the broker does not support this API version", 0),
    E(MSGBUS_KERR_TOPIC_ALREADY_EXISTS, "TOPIC_ALREADY_EXISTS",
      "a topic of this name exists already", 0),
    E(MSGBUS_KERR_INVALID_PARTITIONS, "INVALID_PARTITIONS", "the partition count is invalid", 0),
    E(MSGBUS_KERR_INVALID_REPLICATION_FACTOR, "INVALID_REPLICATION_FACTOR",
      "the replication factor is invalid for this cluster", 0),
    E(MSGBUS_KERR_INVALID_REPLICA_ASSIGNMENT, "INVALID_REPLICA_ASSIGNMENT",
      "the replica assignment is invalid", 0),
    E(MSGBUS_KERR_INVALID_CONFIG, "INVALID_CONFIG", "the configuration is invalid", 0),
    E(MSGBUS_KERR_NOT_CONTROLLER, "NOT_CONTROLLER", "this broker is not the cluster controller", 1),
    E(MSGBUS_KERR_INVALID_REQUEST, "INVALID_REQUEST",
      "the broker rejected the request as malformed or inconsistent", 0),
    E(MSGBUS_KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT, "UNSUPPORTED_FOR_MESSAGE_FORMAT",
      "the request needs a message format the broker does not use", 0),
    E(MSGBUS_KERR_POLICY_VIOLATION, "POLICY_VIOLATION",
      "the request breaks a policy configured on the broker", 0),
    E(MSGBUS_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "OUT_OF_ORDER_SEQUENCE_NUMBER",
      "the producer sequence number arrived out of order", 0),
    E(MSGBUS_KERR_DUPLICATE_SEQUENCE_NUMBER, "DUPLICATE_SEQUENCE_NUMBER",
      "the producer sequence number was written already", 0),
    E(MSGBUS_KERR_INVALID_PRODUCER_EPOCH, "INVALID_PRODUCER_EPOCH",
      "the producer epoch is outdated", 0),
    E(MSGBUS_KERR_INVALID_TXN_STATE, "INVALID_TXN_STATE",
      "the transactional call is not valid in the transaction's current state", 0),
    E(MSGBUS_KERR_INVALID_PRODUCER_ID_MAPPING, "INVALID_PRODUCER_ID_MAPPING",
      "the producer id is not the one assigned to this transactional id", 0),
    E(MSGBUS_KERR_INVALID_TRANSACTION_TIMEOUT, "INVALID_TRANSACTION_TIMEOUT",
      "the transaction timeout is above the broker's maximum", 0),
    E(MSGBUS_KERR_CONCURRENT_TRANSACTIONS, "CONCURRENT_TRANSACTIONS",
      "another operation on this transaction is still in progress", 1),
    E(MSGBUS_KERR_TRANSACTION_COORDINATOR_FENCED, "TRANSACTION_COORDINATOR_FENCED",
      "the transaction coordinator has been superseded", 0),
    E(MSGBUS_KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
      "not authorized to use this transactional id", 0),
    E(MSGBUS_KERR_SECURITY_DISABLED, "SECURITY_DISABLED",
      "security features are turned off on the broker", 0),
    E(MSGBUS_KERR_OPERATION_NOT_ATTEMPTED, "OPERATION_NOT_ATTEMPTED",
      "the broker skipped this operation because another part of the request failed", 0),
    E(MSGBUS_KERR_KAFKA_STORAGE_ERROR, "KAFKA_STORAGE_ERROR",
      "the broker could not access its log storage", 1),
    E(MSGBUS_KERR_LOG_DIR_NOT_FOUND, "LOG_DIR_NOT_FOUND",
      "the log directory is not configured on the broker", 0),
    E(MSGBUS_KERR_SASL_AUTHENTICATION_FAILED, "SASL_AUTHENTICATION_FAILED",
      "SASL authentication failed", 0),
    E(MSGBUS_KERR_UNKNOWN_PRODUCER_ID, "UNKNOWN_PRODUCER_ID",
      "the broker has no state for this producer id", 0),
    E(MSGBUS_KERR_REASSIGNMENT_IN_PROGRESS, "REASSIGNMENT_IN_PROGRESS",
      "a partition reassignment is under way", 0),
    E(MSGBUS_KERR_DELEGATION_TOKEN_AUTH_DISABLED, "DELEGATION_TOKEN_AUTH_DISABLED",
      "delegation tokens are disabled on the broker", 0),
    E(MSGBUS_KERR_DELEGATION_TOKEN_NOT_FOUND, "DELEGATION_TOKEN_NOT_FOUND",
      "the delegation token does not exist", 0),
    E(MSGBUS_KERR_DELEGATION_TOKEN_OWNER_MISMATCH, "DELEGATION_TOKEN_OWNER_MISMATCH",
      "the principal is not the token's owner or renewer", 0),
    E(MSGBUS_KERR_DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED",
      "delegation token requests need an authenticated secure channel", 0),
    E(MSGBUS_KERR_DELEGATION_TOKEN_AUTHORIZATION_FAILED, "DELEGATION_TOKEN_AUTHORIZATION_FAILED",
      "not authorized for this delegation token", 0),
    E(MSGBUS_KERR_DELEGATION_TOKEN_EXPIRED, "DELEGATION_TOKEN_EXPIRED",
      "the delegation token has expired", 0),
    E(MSGBUS_KERR_INVALID_PRINCIPAL_TYPE, "INVALID_PRINCIPAL_TYPE",
      "the principal type is not supported", 0),
    E(MSGBUS_KERR_NON_EMPTY_GROUP, "NON_EMPTY_GROUP", "the group still has members", 0),
    E(MSGBUS_KERR_GROUP_ID_NOT_FOUND, "GROUP_ID_NOT_FOUND", "the group does not exist", 0),
    E(MSGBUS_KERR_FETCH_SESSION_ID_NOT_FOUND, "FETCH_SESSION_ID_NOT_FOUND",
      "the broker does not know this fetch session", 1),
    E(MSGBUS_KERR_INVALID_FETCH_SESSION_EPOCH, "INVALID_FETCH_SESSION_EPOCH",
      "the fetch session epoch is wrong", 1),
    E(MSGBUS_KERR_LISTENER_NOT_FOUND, "LISTENER_NOT_FOUND",
      "the leader has no listener matching the one this request used", 1),
    E(MSGBUS_KERR_TOPIC_DELETION_DISABLED, "TOPIC_DELETION_DISABLED",
      "topic deletion is turned off on the broker", 0),
    E(MSGBUS_KERR_FENCED_LEADER_EPOCH, "FENCED_LEADER_EPOCH",
      "the leader epoch is older than the broker's", 1),
    E(MSGBUS_KERR_UNKNOWN_LEADER_EPOCH, "UNKNOWN_LEADER_EPOCH",
      "the leader epoch is newer than the broker's", 1),
    E(MSGBUS_KERR_UNSUPPORTED_COMPRESSION_TYPE, "UNSUPPORTED_COMPRESSION_TYPE",
      "the client cannot handle the partition's compression type", 0),
    E(MSGBUS_KERR_STALE_BROKER_EPOCH, "STALE_BROKER_EPOCH", "the broker epoch has changed", 0),
    E(MSGBUS_KERR_OFFSET_NOT_AVAILABLE, "OFFSET_NOT_AVAILABLE",
      "the offset is not available yet after a leader change", 1),
    E(MSGBUS_KERR_MEMBER_ID_REQUIRED, "MEMBER_ID_REQUIRED",
      "the member needs a member id before it can join", 0),
    E(MSGBUS_KERR_PREFERRED_LEADER_NOT_AVAILABLE, "PREFERRED_LEADER_NOT_AVAILABLE",
      "the preferred leader is unavailable", 1),
    E(MSGBUS_KERR_GROUP_MAX_SIZE_REACHED, "GROUP_MAX_SIZE_REACHED",
      "the group has reached its maximum number of members", 0),
    E(MSGBUS_KERR_FENCED_INSTANCE_ID, "FENCED_INSTANCE_ID",
      "this static member was fenced by another one with the same instance id", 0),
    E(MSGBUS_KERR_ELIGIBLE_LEADERS_NOT_AVAILABLE, "ELIGIBLE_LEADERS_NOT_AVAILABLE",
      "no eligible leader is available for the partition", 1),
    E(MSGBUS_KERR_ELECTION_NOT_NEEDED, "ELECTION_NOT_NEEDED",
      "no leader election is needed for the partition", 1),
    E(MSGBUS_KERR_NO_REASSIGNMENT_IN_PROGRESS, "NO_REASSIGNMENT_IN_PROGRESS",
      "no partition reassignment is under way", 0),
    E(MSGBUS_KERR_GROUP_SUBSCRIBED_TO_TOPIC, "GROUP_SUBSCRIBED_TO_TOPIC",
      "offsets of a topic the group subscribes to cannot be deleted", 0),
    E(MSGBUS_KERR_INVALID_RECORD, "INVALID_RECORD", "the broker rejected the record as invalid", 0),
    E(MSGBUS_KERR_UNSTABLE_OFFSET_COMMIT, "UNSTABLE_OFFSET_COMMIT",
      "pending transactional offsets must settle first", 1),
    E(MSGBUS_KERR_THROTTLING_QUOTA_EXCEEDED, "THROTTLING_QUOTA_EXCEEDED",
      "the throttling quota is exhausted", 1),
    E(MSGBUS_KERR_PRODUCER_FENCED, "PRODUCER_FENCED",
      "a newer producer with the same transactional id took over", 0),
    E(MSGBUS_KERR_RESOURCE_NOT_FOUND, "RESOURCE_NOT_FOUND",
      "the referenced resource does not exist", 0),
    E(MSGBUS_KERR_DUPLICATE_RESOURCE, "DUPLICATE_RESOURCE",
      "the same resource is referenced more than once", 0),
    E(MSGBUS_KERR_UNACCEPTABLE_CREDENTIAL, "UNACCEPTABLE_CREDENTIAL",
      "the credential does not meet the acceptance criteria", 0),
    E(MSGBUS_KERR_INCONSISTENT_VOTER_SET, "INCONSISTENT_VOTER_SET",
      "the sender or receiver is not in the current voter set", 0),
    E(MSGBUS_KERR_INVALID_UPDATE_VERSION, "INVALID_UPDATE_VERSION",
      "the feature update version is invalid", 0),
    E(MSGBUS_KERR_FEATURE_UPDATE_FAILED, "FEATURE_UPDATE_FAILED",
      "the broker could not update the finalized features", 0),
    E(MSGBUS_KERR_PRINCIPAL_DESERIALIZATION_FAILURE, "PRINCIPAL_DESERIALIZATION_FAILURE",
      "the principal of a forwarded request could not be decoded", 0),
    E(MSGBUS_KERR_SNAPSHOT_NOT_FOUND, "SNAPSHOT_NOT_FOUND", "the requested snapshot does not exist",
      0),
    E(MSGBUS_KERR_POSITION_OUT_OF_RANGE, "POSITION_OUT_OF_RANGE",
      "the snapshot position is outside the snapshot", 0),
    E(MSGBUS_KERR_UNKNOWN_TOPIC_ID, "UNKNOWN_TOPIC_ID",
      "the broker does not host a topic with this id", 1),
    E(MSGBUS_KERR_DUPLICATE_BROKER_REGISTRATION, "DUPLICATE_BROKER_REGISTRATION",
      "this broker id is registered already", 0),
    E(MSGBUS_KERR_BROKER_ID_NOT_REGISTERED, "BROKER_ID_NOT_REGISTERED",
      "this broker id is not registered", 0),
    E(MSGBUS_KERR_INCONSISTENT_TOPIC_ID, "INCONSISTENT_TOPIC_ID",
      "the topic id does not match the log's topic id", 1),
    E(MSGBUS_KERR_INCONSISTENT_CLUSTER_ID, "INCONSISTENT_CLUSTER_ID",
      "the cluster id does not match the server's", 0),
    E(MSGBUS_KERR_TRANSACTIONAL_ID_NOT_FOUND, "TRANSACTIONAL_ID_NOT_FOUND",
      "the transactional id does not exist", 0),
    E(MSGBUS_KERR_FETCH_SESSION_TOPIC_ID_ERROR, "FETCH_SESSION_TOPIC_ID_ERROR",
      "the fetch session used topic ids inconsistently", 1),
    E(MSGBUS_KERR_INELIGIBLE_REPLICA, "INELIGIBLE_REPLICA",
      "the proposed ISR contains an ineligible replica", 0),
    E(MSGBUS_KERR_NEW_LEADER_ELECTED, "NEW_LEADER_ELECTED",
      "the partition state was updated, but the leader changed", 0),
    E(MSGBUS_KERR_OFFSET_MOVED_TO_TIERED_STORAGE, "OFFSET_MOVED_TO_TIERED_STORAGE",
      "the offset has moved to tiered storage", 0),
    E(MSGBUS_KERR_FENCED_MEMBER_EPOCH, "FENCED_MEMBER_EPOCH",
      "the member epoch was fenced; the member must give up its partitions and rejoin", 0),
    E(MSGBUS_KERR_UNRELEASED_INSTANCE_ID, "UNRELEASED_INSTANCE_ID",
      "the instance id is still held by another member", 0),
    E(MSGBUS_KERR_UNSUPPORTED_ASSIGNOR, "UNSUPPORTED_ASSIGNOR",
      "the group does not support this assignor or its version", 0),
    E(MSGBUS_KERR_STALE_MEMBER_EPOCH, "STALE_MEMBER_EPOCH", "the member epoch is stale", 0),
    E(MSGBUS_KERR_MISMATCHED_ENDPOINT_TYPE, "MISMATCHED_ENDPOINT_TYPE",
      "the request reached an endpoint of the wrong type", 0),
    E(MSGBUS_KERR_UNSUPPORTED_ENDPOINT_TYPE, "UNSUPPORTED_ENDPOINT_TYPE",
      "this endpoint type is not supported", 0),
    E(MSGBUS_KERR_UNKNOWN_CONTROLLER_ID, "UNKNOWN_CONTROLLER_ID", "the controller id is unknown",
      0),
    E(MSGBUS_KERR_UNKNOWN_SUBSCRIPTION_ID, "UNKNOWN_SUBSCRIPTION_ID",
      "the telemetry subscription id is unknown or outdated", 0),
    E(MSGBUS_KERR_TELEMETRY_TOO_LARGE, "TELEMETRY_TOO_LARGE",
      "the telemetry push is larger than the broker accepts", 0),
    E(MSGBUS_KERR_INVALID_REGISTRATION, "INVALID_REGISTRATION",
      "the controller considers the broker registration invalid", 0),
    E(MSGBUS_KERR_TRANSACTION_ABORTABLE, "TRANSACTION_ABORTABLE",
      "the transaction failed; abort it to keep using the transactional id", 0),
    E(MSGBUS_KERR_INVALID_RECORD_STATE, "INVALID_RECORD_STATE",
      "the record state does not allow this acknowledgement", 0),
    E(MSGBUS_KERR_SHARE_SESSION_NOT_FOUND, "SHARE_SESSION_NOT_FOUND",
      "the broker does not know this share session", 1),
    E(MSGBUS_KERR_INVALID_SHARE_SESSION_EPOCH, "INVALID_SHARE_SESSION_EPOCH",
      "the share session epoch is wrong", 1),
    E(MSGBUS_KERR_FENCED_STATE_EPOCH, "FENCED_STATE_EPOCH",
      "the share-group state epoch does not match", 0),
    E(MSGBUS_KERR_INVALID_VOTER_KEY, "INVALID_VOTER_KEY",
      "the voter key does not match the replica's", 0),
    E(MSGBUS_KERR_DUPLICATE_VOTER, "DUPLICATE_VOTER", "the voter is in the voter set already", 0),
    E(MSGBUS_KERR_VOTER_NOT_FOUND, "VOTER_NOT_FOUND", "the voter is not in the voter set", 0),
    E(MSGBUS_KERR_INVALID_REGULAR_EXPRESSION, "INVALID_REGULAR_EXPRESSION",
      "the regular expression is invalid", 0),
};

#define MB_ERR_COUNT (sizeof mb_err_table / sizeof mb_err_table[0])

#if MSGBUS_CFG_ERROR_NAMES

/* Bisection over mb_err_table; NULL when @p err is not in it. */
static const mb_err_info *mb_err_find(int err)
{
    size_t lo = 0;
    size_t hi = MB_ERR_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = mb_err_table[mid].code;
        if (c == err)
            return &mb_err_table[mid];
        if (c < err)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *msgbus_strerror(int err)
{
    const mb_err_info *e = mb_err_find(err);
    if (e == NULL)
        return "unknown error";
#if MSGBUS_CFG_ERROR_STRINGS
    return e->desc;
#else
    return e->name;
#endif
}

const char *msgbus_err_name(int err)
{
    const mb_err_info *e = mb_err_find(err);
    return e != NULL ? e->name : "UNKNOWN";
}

int msgbus_err_retriable(int err)
{
    const mb_err_info *e = mb_err_find(err);
    return e != NULL ? e->retriable : 0;
}

#else /* names left out: a code is known by its number only */

const char *msgbus_strerror(int err)
{
    return err == 0 ? "success" : "error (names left out of this build: see msgbus/error.h)";
}

const char *msgbus_err_name(int err)
{
    return err == 0 ? "NONE" : "UNNAMED";
}

int msgbus_err_retriable(int err)
{
    size_t lo = 0;
    size_t hi = MB_ERR_COUNT;
    int key;
    if (err < -2000 || err > 30000)
        return 0;
    key = (err + 2000) * 2; /* the packed form with retriable 0 */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = mb_err_table[mid] & ~1;
        if (c == key)
            return mb_err_table[mid] & 1;
        if (c < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

#endif
