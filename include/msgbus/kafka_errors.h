/**
 * @file kafka_errors.h
 * @brief Kafka broker error codes, with the numbers they carry on the wire.
 *
 * The names are Kafka's own (protocol/Errors.java) with the prefix `MSGBUS_KERR_`.
 * Codes marked "Retriable" are those whose Kafka exception class derives from
 * RetriableException; msgbus_err_retriable() returns 1 for them.
 */
#ifndef MSGBUS_KAFKA_ERRORS_H
#define MSGBUS_KAFKA_ERRORS_H

/** Kafka broker error codes (wire numbers). 0 is success (#MSGBUS_OK in msgbus/error.h). */
enum msgbus_kafka_error {
    /** The broker hit an unexpected internal error. */
    MSGBUS_KERR_UNKNOWN_SERVER_ERROR = -1,
    /** The offset lies outside the range the partition's log holds. */
    MSGBUS_KERR_OFFSET_OUT_OF_RANGE = 1,
    /** The broker found the record corrupt (checksum, size or key). Retriable. */
    MSGBUS_KERR_CORRUPT_MESSAGE = 2,
    /** The broker does not host this topic or partition. Retriable. */
    MSGBUS_KERR_UNKNOWN_TOPIC_OR_PARTITION = 3,
    /** The fetch size is not acceptable. */
    MSGBUS_KERR_INVALID_FETCH_SIZE = 4,
    /** The partition has no leader at the moment (election under way). Retriable. */
    MSGBUS_KERR_LEADER_NOT_AVAILABLE = 5,
    /** The broker is neither the leader nor a replica of this partition. Retriable. */
    MSGBUS_KERR_NOT_LEADER_OR_FOLLOWER = 6,
    /** The broker timed out while handling the request. Retriable. */
    MSGBUS_KERR_REQUEST_TIMED_OUT = 7,
    /** The broker is unavailable. */
    MSGBUS_KERR_BROKER_NOT_AVAILABLE = 8,
    /** The replica of this partition is unavailable. Retriable. */
    MSGBUS_KERR_REPLICA_NOT_AVAILABLE = 9,
    /** The message is larger than the broker accepts. */
    MSGBUS_KERR_MESSAGE_TOO_LARGE = 10,
    /** The controller has moved to another broker. */
    MSGBUS_KERR_STALE_CONTROLLER_EPOCH = 11,
    /** The offset commit metadata is too long. */
    MSGBUS_KERR_OFFSET_METADATA_TOO_LARGE = 12,
    /** The connection dropped before a response arrived. Retriable. */
    MSGBUS_KERR_NETWORK_EXCEPTION = 13,
    /** The coordinator is still loading its state. Retriable. */
    MSGBUS_KERR_COORDINATOR_LOAD_IN_PROGRESS = 14,
    /** The coordinator is unavailable. Retriable. */
    MSGBUS_KERR_COORDINATOR_NOT_AVAILABLE = 15,
    /** This broker is not the coordinator for the group or transaction. Retriable. */
    MSGBUS_KERR_NOT_COORDINATOR = 16,
    /** The topic name is invalid or the topic may not be used this way. */
    MSGBUS_KERR_INVALID_TOPIC_EXCEPTION = 17,
    /** The record batch is larger than the broker's segment size. */
    MSGBUS_KERR_RECORD_LIST_TOO_LARGE = 18,
    /** Too few in-sync replicas to accept the write. Retriable. */
    MSGBUS_KERR_NOT_ENOUGH_REPLICAS = 19,
    /** The write was stored, but on fewer in-sync replicas than required. Retriable. */
    MSGBUS_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20,
    /** The acks value is not allowed. */
    MSGBUS_KERR_INVALID_REQUIRED_ACKS = 21,
    /** The group generation id is not the current one. */
    MSGBUS_KERR_ILLEGAL_GENERATION = 22,
    /** The member's protocol type or protocols do not match the group's. */
    MSGBUS_KERR_INCONSISTENT_GROUP_PROTOCOL = 23,
    /** The group id is not valid. */
    MSGBUS_KERR_INVALID_GROUP_ID = 24,
    /** The coordinator does not know this member id. */
    MSGBUS_KERR_UNKNOWN_MEMBER_ID = 25,
    /** The session timeout is outside the range the broker allows. */
    MSGBUS_KERR_INVALID_SESSION_TIMEOUT = 26,
    /** The group is rebalancing; the member has to rejoin. */
    MSGBUS_KERR_REBALANCE_IN_PROGRESS = 27,
    /** The committed offset data has an invalid size. */
    MSGBUS_KERR_INVALID_COMMIT_OFFSET_SIZE = 28,
    /** Not authorized to access the topic. */
    MSGBUS_KERR_TOPIC_AUTHORIZATION_FAILED = 29,
    /** Not authorized to access the group. */
    MSGBUS_KERR_GROUP_AUTHORIZATION_FAILED = 30,
    /** Not authorized for this cluster operation. */
    MSGBUS_KERR_CLUSTER_AUTHORIZATION_FAILED = 31,
    /** The record timestamp is outside the accepted range. */
    MSGBUS_KERR_INVALID_TIMESTAMP = 32,
    /** The broker does not offer this SASL mechanism. */
    MSGBUS_KERR_UNSUPPORTED_SASL_MECHANISM = 33,
    /** The request is not allowed at this point of the SASL exchange. */
    MSGBUS_KERR_ILLEGAL_SASL_STATE = 34,
    /** The broker does not support this API version. */
    MSGBUS_KERR_UNSUPPORTED_VERSION = 35,
    /** A topic of this name exists already. */
    MSGBUS_KERR_TOPIC_ALREADY_EXISTS = 36,
    /** The partition count is invalid. */
    MSGBUS_KERR_INVALID_PARTITIONS = 37,
    /** The replication factor is invalid for this cluster. */
    MSGBUS_KERR_INVALID_REPLICATION_FACTOR = 38,
    /** The replica assignment is invalid. */
    MSGBUS_KERR_INVALID_REPLICA_ASSIGNMENT = 39,
    /** The configuration is invalid. */
    MSGBUS_KERR_INVALID_CONFIG = 40,
    /** This broker is not the cluster controller. Retriable. */
    MSGBUS_KERR_NOT_CONTROLLER = 41,
    /** The broker rejected the request as malformed or inconsistent. */
    MSGBUS_KERR_INVALID_REQUEST = 42,
    /** The request needs a message format the broker does not use. */
    MSGBUS_KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT = 43,
    /** The request breaks a policy configured on the broker. */
    MSGBUS_KERR_POLICY_VIOLATION = 44,
    /** The producer sequence number arrived out of order. */
    MSGBUS_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER = 45,
    /** The producer sequence number was written already. */
    MSGBUS_KERR_DUPLICATE_SEQUENCE_NUMBER = 46,
    /** The producer epoch is outdated. */
    MSGBUS_KERR_INVALID_PRODUCER_EPOCH = 47,
    /** The transactional call is not valid in the transaction's current state. */
    MSGBUS_KERR_INVALID_TXN_STATE = 48,
    /** The producer id is not the one assigned to this transactional id. */
    MSGBUS_KERR_INVALID_PRODUCER_ID_MAPPING = 49,
    /** The transaction timeout is above the broker's maximum. */
    MSGBUS_KERR_INVALID_TRANSACTION_TIMEOUT = 50,
    /** Another operation on this transaction is still in progress. Retriable. */
    MSGBUS_KERR_CONCURRENT_TRANSACTIONS = 51,
    /** The transaction coordinator has been superseded. */
    MSGBUS_KERR_TRANSACTION_COORDINATOR_FENCED = 52,
    /** Not authorized to use this transactional id. */
    MSGBUS_KERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53,
    /** Security features are turned off on the broker. */
    MSGBUS_KERR_SECURITY_DISABLED = 54,
    /** The broker skipped this operation because another part of the request failed. */
    MSGBUS_KERR_OPERATION_NOT_ATTEMPTED = 55,
    /** The broker could not access its log storage. Retriable. */
    MSGBUS_KERR_KAFKA_STORAGE_ERROR = 56,
    /** The log directory is not configured on the broker. */
    MSGBUS_KERR_LOG_DIR_NOT_FOUND = 57,
    /** SASL authentication failed. */
    MSGBUS_KERR_SASL_AUTHENTICATION_FAILED = 58,
    /** The broker has no state for this producer id. */
    MSGBUS_KERR_UNKNOWN_PRODUCER_ID = 59,
    /** A partition reassignment is under way. */
    MSGBUS_KERR_REASSIGNMENT_IN_PROGRESS = 60,
    /** Delegation tokens are disabled on the broker. */
    MSGBUS_KERR_DELEGATION_TOKEN_AUTH_DISABLED = 61,
    /** The delegation token does not exist. */
    MSGBUS_KERR_DELEGATION_TOKEN_NOT_FOUND = 62,
    /** The principal is not the token's owner or renewer. */
    MSGBUS_KERR_DELEGATION_TOKEN_OWNER_MISMATCH = 63,
    /** Delegation token requests need an authenticated secure channel. */
    MSGBUS_KERR_DELEGATION_TOKEN_REQUEST_NOT_ALLOWED = 64,
    /** Not authorized for this delegation token. */
    MSGBUS_KERR_DELEGATION_TOKEN_AUTHORIZATION_FAILED = 65,
    /** The delegation token has expired. */
    MSGBUS_KERR_DELEGATION_TOKEN_EXPIRED = 66,
    /** The principal type is not supported. */
    MSGBUS_KERR_INVALID_PRINCIPAL_TYPE = 67,
    /** The group still has members. */
    MSGBUS_KERR_NON_EMPTY_GROUP = 68,
    /** The group does not exist. */
    MSGBUS_KERR_GROUP_ID_NOT_FOUND = 69,
    /** The broker does not know this fetch session. Retriable. */
    MSGBUS_KERR_FETCH_SESSION_ID_NOT_FOUND = 70,
    /** The fetch session epoch is wrong. Retriable. */
    MSGBUS_KERR_INVALID_FETCH_SESSION_EPOCH = 71,
    /** The leader has no listener matching the one this request used. Retriable. */
    MSGBUS_KERR_LISTENER_NOT_FOUND = 72,
    /** Topic deletion is turned off on the broker. */
    MSGBUS_KERR_TOPIC_DELETION_DISABLED = 73,
    /** The leader epoch is older than the broker's. Retriable. */
    MSGBUS_KERR_FENCED_LEADER_EPOCH = 74,
    /** The leader epoch is newer than the broker's. Retriable. */
    MSGBUS_KERR_UNKNOWN_LEADER_EPOCH = 75,
    /** The client cannot handle the partition's compression type. */
    MSGBUS_KERR_UNSUPPORTED_COMPRESSION_TYPE = 76,
    /** The broker epoch has changed. */
    MSGBUS_KERR_STALE_BROKER_EPOCH = 77,
    /** The offset is not available yet after a leader change. Retriable. */
    MSGBUS_KERR_OFFSET_NOT_AVAILABLE = 78,
    /** The member needs a member id before it can join. */
    MSGBUS_KERR_MEMBER_ID_REQUIRED = 79,
    /** The preferred leader is unavailable. Retriable. */
    MSGBUS_KERR_PREFERRED_LEADER_NOT_AVAILABLE = 80,
    /** The group has reached its maximum number of members. */
    MSGBUS_KERR_GROUP_MAX_SIZE_REACHED = 81,
    /** This static member was fenced by another one with the same instance id. */
    MSGBUS_KERR_FENCED_INSTANCE_ID = 82,
    /** No eligible leader is available for the partition. Retriable. */
    MSGBUS_KERR_ELIGIBLE_LEADERS_NOT_AVAILABLE = 83,
    /** No leader election is needed for the partition. Retriable. */
    MSGBUS_KERR_ELECTION_NOT_NEEDED = 84,
    /** No partition reassignment is under way. */
    MSGBUS_KERR_NO_REASSIGNMENT_IN_PROGRESS = 85,
    /** Offsets of a topic the group subscribes to cannot be deleted. */
    MSGBUS_KERR_GROUP_SUBSCRIBED_TO_TOPIC = 86,
    /** The broker rejected the record as invalid. */
    MSGBUS_KERR_INVALID_RECORD = 87,
    /** Pending transactional offsets must settle first. Retriable. */
    MSGBUS_KERR_UNSTABLE_OFFSET_COMMIT = 88,
    /** The throttling quota is exhausted. Retriable. */
    MSGBUS_KERR_THROTTLING_QUOTA_EXCEEDED = 89,
    /** A newer producer with the same transactional id took over. */
    MSGBUS_KERR_PRODUCER_FENCED = 90,
    /** The referenced resource does not exist. */
    MSGBUS_KERR_RESOURCE_NOT_FOUND = 91,
    /** The same resource is referenced more than once. */
    MSGBUS_KERR_DUPLICATE_RESOURCE = 92,
    /** The credential does not meet the acceptance criteria. */
    MSGBUS_KERR_UNACCEPTABLE_CREDENTIAL = 93,
    /** The sender or receiver is not in the current voter set. */
    MSGBUS_KERR_INCONSISTENT_VOTER_SET = 94,
    /** The feature update version is invalid. */
    MSGBUS_KERR_INVALID_UPDATE_VERSION = 95,
    /** The broker could not update the finalized features. */
    MSGBUS_KERR_FEATURE_UPDATE_FAILED = 96,
    /** The principal of a forwarded request could not be decoded. */
    MSGBUS_KERR_PRINCIPAL_DESERIALIZATION_FAILURE = 97,
    /** The requested snapshot does not exist. */
    MSGBUS_KERR_SNAPSHOT_NOT_FOUND = 98,
    /** The snapshot position is outside the snapshot. */
    MSGBUS_KERR_POSITION_OUT_OF_RANGE = 99,
    /** The broker does not host a topic with this id. Retriable. */
    MSGBUS_KERR_UNKNOWN_TOPIC_ID = 100,
    /** This broker id is registered already. */
    MSGBUS_KERR_DUPLICATE_BROKER_REGISTRATION = 101,
    /** This broker id is not registered. */
    MSGBUS_KERR_BROKER_ID_NOT_REGISTERED = 102,
    /** The topic id does not match the log's topic id. Retriable. */
    MSGBUS_KERR_INCONSISTENT_TOPIC_ID = 103,
    /** The cluster id does not match the server's. */
    MSGBUS_KERR_INCONSISTENT_CLUSTER_ID = 104,
    /** The transactional id does not exist. */
    MSGBUS_KERR_TRANSACTIONAL_ID_NOT_FOUND = 105,
    /** The fetch session used topic ids inconsistently. Retriable. */
    MSGBUS_KERR_FETCH_SESSION_TOPIC_ID_ERROR = 106,
    /** The proposed ISR contains an ineligible replica. */
    MSGBUS_KERR_INELIGIBLE_REPLICA = 107,
    /** The partition state was updated, but the leader changed. */
    MSGBUS_KERR_NEW_LEADER_ELECTED = 108,
    /** The offset has moved to tiered storage. */
    MSGBUS_KERR_OFFSET_MOVED_TO_TIERED_STORAGE = 109,
    /** The member epoch was fenced; the member must give up its partitions and rejoin. */
    MSGBUS_KERR_FENCED_MEMBER_EPOCH = 110,
    /** The instance id is still held by another member. */
    MSGBUS_KERR_UNRELEASED_INSTANCE_ID = 111,
    /** The group does not support this assignor or its version. */
    MSGBUS_KERR_UNSUPPORTED_ASSIGNOR = 112,
    /** The member epoch is stale. */
    MSGBUS_KERR_STALE_MEMBER_EPOCH = 113,
    /** The request reached an endpoint of the wrong type. */
    MSGBUS_KERR_MISMATCHED_ENDPOINT_TYPE = 114,
    /** This endpoint type is not supported. */
    MSGBUS_KERR_UNSUPPORTED_ENDPOINT_TYPE = 115,
    /** The controller id is unknown. */
    MSGBUS_KERR_UNKNOWN_CONTROLLER_ID = 116,
    /** The telemetry subscription id is unknown or outdated. */
    MSGBUS_KERR_UNKNOWN_SUBSCRIPTION_ID = 117,
    /** The telemetry push is larger than the broker accepts. */
    MSGBUS_KERR_TELEMETRY_TOO_LARGE = 118,
    /** The controller considers the broker registration invalid. */
    MSGBUS_KERR_INVALID_REGISTRATION = 119,
    /** The transaction failed; abort it to keep using the transactional id. */
    MSGBUS_KERR_TRANSACTION_ABORTABLE = 120,
    /** The record state does not allow this acknowledgement. */
    MSGBUS_KERR_INVALID_RECORD_STATE = 121,
    /** The broker does not know this share session. Retriable. */
    MSGBUS_KERR_SHARE_SESSION_NOT_FOUND = 122,
    /** The share session epoch is wrong. Retriable. */
    MSGBUS_KERR_INVALID_SHARE_SESSION_EPOCH = 123,
    /** The share-group state epoch does not match. */
    MSGBUS_KERR_FENCED_STATE_EPOCH = 124,
    /** The voter key does not match the replica's. */
    MSGBUS_KERR_INVALID_VOTER_KEY = 125,
    /** The voter is in the voter set already. */
    MSGBUS_KERR_DUPLICATE_VOTER = 126,
    /** The voter is not in the voter set. */
    MSGBUS_KERR_VOTER_NOT_FOUND = 127,
    /** The regular expression is invalid. */
    MSGBUS_KERR_INVALID_REGULAR_EXPRESSION = 128
};

#endif /* MSGBUS_KAFKA_ERRORS_H */
