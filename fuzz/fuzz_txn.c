/* fuzz_txn.c - libFuzzer target: AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and
 * TxnOffsetCommit bodies (harness: fuzz_body.h). */
#include "proto/txn.h"

#include "fuzz_body.h"

FZ_BODY_OPS(add_partitions_to_txn_req)
FZ_BODY_OPS(add_partitions_to_txn_resp)
FZ_BODY_OPS(add_offsets_to_txn_req)
FZ_BODY_OPS(add_offsets_to_txn_resp)
FZ_BODY_OPS(end_txn_req)
FZ_BODY_OPS(end_txn_resp)
FZ_BODY_OPS(txn_offset_commit_req)
FZ_BODY_OPS(txn_offset_commit_resp)

static const fz_msg msgs[] = {
    {MB_API_ADD_PARTITIONS_TO_TXN, add_partitions_to_txn_req_rd, add_partitions_to_txn_req_wr},
    {MB_API_ADD_PARTITIONS_TO_TXN, add_partitions_to_txn_resp_rd, add_partitions_to_txn_resp_wr},
    {MB_API_ADD_OFFSETS_TO_TXN, add_offsets_to_txn_req_rd, add_offsets_to_txn_req_wr},
    {MB_API_ADD_OFFSETS_TO_TXN, add_offsets_to_txn_resp_rd, add_offsets_to_txn_resp_wr},
    {MB_API_END_TXN, end_txn_req_rd, end_txn_req_wr},
    {MB_API_END_TXN, end_txn_resp_rd, end_txn_resp_wr},
    {MB_API_TXN_OFFSET_COMMIT, txn_offset_commit_req_rd, txn_offset_commit_req_wr},
    {MB_API_TXN_OFFSET_COMMIT, txn_offset_commit_resp_rd, txn_offset_commit_resp_wr},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_run(msgs, sizeof msgs / sizeof msgs[0], data, size);
}
