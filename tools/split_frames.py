#!/usr/bin/python3
"""split_frames.py - cut a loopback capture of Kafka traffic into frames and
write one tests/vectors/peer_<client>_<api>_v<ver>_<req|resp>.hex per exchange.

Usage: split_frames.py CAPTURE.pcapng OUTDIR BROKER_PORT...

Each TCP stream is reassembled per direction (via tshark's tcp.payload), split
at the 4-byte Kafka size prefixes, and requests are paired with responses by
correlation id. The client is told by the request header's client id (kcat*:
kcat, kpy*: kafka-python). Per (client, API, version) the largest exchange is
kept (the one with records, topics, offsets), and of kafka-python only the
APIs in KPY_KEEP. Each .hex file holds the frame
WITHOUT its size prefix, so it starts with the request or response header.
"""
import glob
import os
import struct
import subprocess
import sys

API = {0: 'produce', 1: 'fetch', 2: 'list_offsets', 3: 'metadata', 8: 'offset_commit',
       9: 'offset_fetch', 10: 'find_coordinator', 11: 'join_group', 12: 'heartbeat',
       13: 'leave_group', 14: 'sync_group', 18: 'api_versions', 22: 'init_producer_id'}
NAME = {0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 8: 'OffsetCommit',
        9: 'OffsetFetch', 10: 'FindCoordinator', 11: 'JoinGroup', 12: 'Heartbeat',
        13: 'LeaveGroup', 14: 'SyncGroup', 18: 'ApiVersions', 22: 'InitProducerId'}
FIRST_FLEX = {0: 9, 1: 12, 2: 6, 3: 9, 8: 8, 9: 6, 10: 3, 11: 6, 12: 4, 13: 4, 14: 4,
              18: 3, 22: 2}
PEER = {'kcat': 'kcat 1.7 / librdkafka 2.0.2', 'kpy': 'kafka-python 2.0.2'}

# What the capture script made each peer do (keep in step with capture_vectors.sh).
STORY = {
    ('kcat', 0): 'idempotent produce to peer-kcat[0], one batch of 4 records: '
                 'k1=v1, null key=null-key, k3=null value, k4=value-four; '
                 'headers a=b and trace=xyz on every record',
    ('kcat', 1): 'fetch of peer-kcat[0]; the response carries the 4 records produced above',
    ('kcat', 3): 'metadata for topic peer-kcat (3 brokers)',
    ('kcat', 11): 'JoinGroup grp-kcat, protocol type consumer',
    ('kcat', 14): 'SyncGroup grp-kcat (leader assigns peer-kcat[0])',
    ('kcat', 8): 'OffsetCommit grp-kcat peer-kcat[0]',
    ('kcat', 9): 'OffsetFetch grp-kcat peer-kcat[0]',
    ('kcat', 22): 'InitProducerId of the idempotent producer (no transactional id)',
    ('kpy', 0): 'produce to peer-kpy[0]: pk1=py-value-1 headers h1=x h2="", '
                'null key=py-value-2, pk3=null value header h3=yz',
    ('kpy', 1): 'fetch of peer-kpy[0]; the response carries the 3 records produced above',
    ('kpy', 11): 'JoinGroup grp-kpy, protocol type consumer',
    ('kpy', 14): 'SyncGroup grp-kpy',
    ('kpy', 8): 'OffsetCommit grp-kpy peer-kpy[0] offset 3',
    ('kpy', 9): 'OffsetFetch grp-kpy peer-kpy[0]',
}


# kafka-python exchanges kept (the others duplicate kcat's, or use versions
# below what msgbus speaks, e.g. Metadata v0, FindCoordinator v0), so that the
# set stays at 40 files.
KPY_KEEP = {0, 1, 8, 9, 11, 14}


def segments(cap, ports):
    out = subprocess.run(
        ['tshark', '-r', cap, '-Y', 'tcp.len > 0', '-T', 'fields', '-e', 'tcp.stream',
         '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.seq', '-e', 'tcp.payload'],
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        stream, sport, dport, seq, payload = line.split('\t')
        to_broker = int(dport) in ports
        yield int(stream), to_broker, int(seq), bytes.fromhex(payload.replace(':', ''))


def reassemble(cap, ports):
    data, nxt = {}, {}
    for stream, to_broker, seq, payload in segments(cap, ports):
        k = (stream, to_broker)
        exp = nxt.get(k, seq)
        if seq + len(payload) <= exp:
            continue  # retransmission
        payload = payload[exp - seq:] if seq < exp else payload
        data[k] = data.get(k, b'') + payload
        nxt[k] = max(exp, seq) + len(payload)
    return data


def frames(buf):
    pos = 0
    while pos + 4 <= len(buf):
        (size,) = struct.unpack('>i', buf[pos:pos + 4])
        if size < 0 or pos + 4 + size > len(buf):
            break
        yield buf[pos + 4:pos + 4 + size]
        pos += 4 + size


def exchanges(data):
    for (stream, to_broker), buf in sorted(data.items()):
        if not to_broker:
            continue
        resps = {}
        for f in frames(data.get((stream, False), b'')):
            resps.setdefault(struct.unpack('>i', f[:4])[0], f)
        for req in frames(buf):
            key, ver, corr, idlen = struct.unpack('>hhih', req[:10])
            cid = req[10:10 + idlen].decode() if idlen >= 0 else ''
            yield key, ver, corr, cid, req, resps.get(corr)


def hexlines(b, first):
    lines = []
    if 0 < first < len(b):
        lines.append('# header')
        lines += [b[i:min(i + 16, first)].hex(' ') for i in range(0, first, 16)]
        lines.append('# body')
    else:
        first = 0
    lines += [b[i:i + 16].hex(' ') for i in range(first, len(b), 16)]
    return '\n'.join(lines) + '\n'


def write(outdir, client, key, ver, corr, cid, frame, kind):
    flex = ver >= FIRST_FLEX.get(key, 99)
    if kind == 'req':
        hdr = 10 + max(0, struct.unpack('>h', frame[8:10])[0]) + (1 if flex else 0)
        hv = 2 if flex else 1
    else:
        hdr = 4 + (1 if flex and key != 18 else 0)
        hv = 1 if flex and key != 18 else 0
    name = 'peer_%s_%s_v%d_%s.hex' % (client, API[key], ver, kind)
    with open(os.path.join(outdir, name), 'w') as f:
        f.write('# %s v%d %s, captured from %s talking to mb_test_broker\n'
                % (NAME[key], ver, 'request' if kind == 'req' else 'response', PEER[client]))
        f.write('# (librdkafka 2.0.2 mock cluster) on loopback by tools/capture_vectors.sh.\n')
        f.write('# client id %s, correlation id %d, %s header v%d, %d bytes;\n'
                % (cid, corr, 'request' if kind == 'req' else 'response', hv, len(frame)))
        f.write('# the frame without its 4-byte size prefix.\n')
        if (client, key) in STORY:
            f.write('# Holds: %s.\n' % STORY[(client, key)])
        f.write(hexlines(frame, hdr))
    return name


def main():
    cap, outdir, ports = sys.argv[1], sys.argv[2], {int(p) for p in sys.argv[3:]}
    best = {}
    for key, ver, corr, cid, req, resp in exchanges(reassemble(cap, ports)):
        client = 'kcat' if cid.startswith('kcat') else 'kpy' if cid.startswith('kpy') else None
        if client is None or key not in API or resp is None:
            continue
        if client == 'kpy' and key not in KPY_KEEP:
            continue
        size = len(req) + len(resp)
        k = (client, key, ver)
        if size < 65536 and (k not in best or size > best[k][0]):
            best[k] = (size, corr, cid, req, resp)
    for old in glob.glob(os.path.join(outdir, 'peer_*.hex')):
        os.remove(old)
    for (client, key, ver), (_, corr, cid, req, resp) in sorted(best.items()):
        print(write(outdir, client, key, ver, corr, cid, req, 'req'),
              write(outdir, client, key, ver, corr, cid, resp, 'resp'))


if __name__ == '__main__':
    main()
