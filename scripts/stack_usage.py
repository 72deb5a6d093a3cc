#!/usr/bin/env python3
"""Worst-case stack per public call, from GCC's -fcallgraph-info=su files.

Usage: stack_usage.py BUILD_DIR [LIMIT]

Reads every .ci file (VCG call graphs with each function's frame, written by
-fcallgraph-info=su next to the objects) under BUILD_DIR, and prints one
Markdown table row per public function (msgbus_*): the deepest chain of
frames it can reach, and that chain. Exits 1 if any chain passes LIMIT bytes
(default 2048).

How calls are counted:
- direct calls: exactly, from the graphs;
- an indirect call whose source line calls a request's done or encode
  callback (mb_net_req) counts as the deepest of every library function
  whose name ends in _done (or _encode); other indirect calls go to what the
  application or port supplies (transport, allocator, clock, random, log
  and message callbacks), whose own stack is not counted here;
- a function already on the chain is not entered again: the code has no
  recursion, but the request callbacks' stand-in can seem to call itself
  (a request failing inside another request's callback);
- calls into the C library (memcpy, vsnprintf...) are listed, not counted.
"""
import os
import re
import sys

NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)" label: "([^"]+)"')
CALLBACK_CALL = re.compile(r"->\s*(done|encode)\s*\(")
FRAME = re.compile(r'\\n(\d+) bytes \(([^)]*)\)')


def load(build):
    frames, kinds, edges = {}, {}, {}
    for root, _, files in os.walk(build):
        for f in files:
            if not f.endswith(".ci"):
                continue
            for line in open(os.path.join(root, f)):
                m = NODE.search(line)
                if m:
                    fr = FRAME.search(m.group(2))
                    if fr:
                        frames[m.group(1)] = int(fr.group(1))
                        kinds[m.group(1)] = fr.group(2)
                    continue
                m = EDGE.search(line)
                if m:
                    callee = m.group(2)
                    if callee == "__indirect_call":
                        kind = callback_site(m.group(3))
                        callee = f"__request_{kind}" if kind else None
                    if callee:
                        edges.setdefault(m.group(1), set()).add(callee)
    return frames, kinds, edges


_lines = {}


def callback_site(where):
    """'done' or 'encode' if the indirect call at FILE:LINE:COL calls that request callback."""
    path, line = where.rsplit(":", 2)[0], int(where.rsplit(":", 2)[1])
    if path not in _lines:
        try:
            _lines[path] = open(path).read().split("\n")
        except OSError:
            _lines[path] = []
    text = _lines[path][line - 1] if 0 < line <= len(_lines[path]) else ""
    m = CALLBACK_CALL.search(text)
    return m.group(1) if m else None


def name(title):
    return title.split(":")[-1]


def main():
    build = sys.argv[1]
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 2048
    frames, kinds, edges = load(build)
    callbacks = {k: [t for t in frames if name(t).endswith("_" + k)] for k in ("done", "encode")}
    libc = set()
    memo = {}

    def worst(t, path):
        """(bytes, chain) of the deepest chain from t, not re-entering path."""
        if t in memo and not (set(memo[t][1]) & path):
            return memo[t]
        own = frames.get(t)
        if own is None:
            if not t.startswith("__request_"):
                libc.add(name(t))
            return (0, [])
        best = (0, [])
        path = path | {t}
        for callee in sorted(edges.get(t, ())):
            targets = sorted(callbacks[callee[10:]]) if callee.startswith("__request_") else [callee]
            for c in targets:
                if c in path:
                    continue
                w = worst(c, path)
                if w[0] > best[0]:
                    best = w
        res = (own + best[0], [t] + best[1])
        memo[t] = res
        return res

    public = sorted(t for t in frames if name(t).startswith("msgbus_") and ":" not in t)
    rows, fail = [], []
    for t in public:
        total, chain = worst(t, frozenset())
        dyn = any(kinds.get(c, "static") != "static" for c in chain)
        rows.append((t, total, chain, dyn))
        if total > limit:
            fail.append(f"{t}: {total} bytes > {limit}")
    rows.sort(key=lambda r: -r[1])
    print("| public call | worst-case stack | deepest chain |")
    print("| --- | ---: | --- |")
    for t, total, chain, dyn in rows:
        shown = " > ".join(name(c) for c in chain[:6]) + (" > ..." if len(chain) > 6 else "")
        print(f"| `{t}` | {total} B{' (dynamic frame)' if dyn else ''} | {shown} |")
    print()
    print(f"C library calls reached (their own stack not counted): {', '.join(sorted(libc)) or 'none'}.")
    for x in fail:
        print("STACK BUDGET EXCEEDED:", x, file=sys.stderr)
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
