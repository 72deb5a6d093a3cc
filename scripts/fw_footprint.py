#!/usr/bin/env python3
"""Split the firmware image's flash and RAM by component, from the linker map.

Usage: scripts/fw_footprint.py build/fw/msgbus_fw.map
Prints a Markdown table: code+rodata (flash), data (flash and RAM), bss (RAM)
for msgbus, its lwIP transport, lwIP, the LAN9118 driver, the firmware's main
and the C library (picolibc, libgcc, crt0). Input sections are attributed by
the archive or object file the map names for them.
"""
import re
import sys

OUT_SECTIONS = {".init": "code", ".text": "code", ".data": "data", ".tdata": "data",
                ".bss": "bss", ".tbss": "bss"}
COMPONENTS = ["msgbus", "msgbus lwIP transport (port/lwip)", "lwIP 2.1.3", "LAN9118 driver",
              "firmware main", "C library (picolibc, libgcc)"]


def component(path):
    if "libmsgbus.a" in path:
        return COMPONENTS[0]
    if "libmb_lwip_raw.a" in path:
        return COMPONENTS[1]
    if "libmb_lwip.a" in path:
        return COMPONENTS[2]
    if "libmb_lan9118.a" in path:
        return COMPONENTS[3]
    if "main.c.obj" in path:
        return COMPONENTS[4]
    return COMPONENTS[5]


def main():
    sizes = {c: {"code": 0, "data": 0, "bss": 0} for c in COMPONENTS}
    out = None
    pending = None
    started = False
    entry = re.compile(r"^\s+(\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("Linker script and memory map"):
                started = True
                continue
            if not started:
                continue
            m = re.match(r"^(\.[\w.]+)\s", line) or re.match(r"^(\.[\w.]+)$", line)
            if m:
                out = OUT_SECTIONS.get(m.group(1))
                pending = None
                continue
            if out is None:
                continue
            if re.match(r"^ (\.\S+|COMMON)$", line):
                pending = line.strip()
                continue
            m = entry.match(line)
            if m and (m.group(1) or pending) and not line.lstrip().startswith("*fill*"):
                size = int(m.group(3), 16)
                sizes[component(m.group(4))][out] += size
            pending = None
    print("| component | code + rodata (flash) | data (flash + RAM) | bss (RAM) |")
    print("|-----------|---------------------:|-------------------:|----------:|")
    tot = {"code": 0, "data": 0, "bss": 0}
    for c in COMPONENTS:
        s = sizes[c]
        for k in tot:
            tot[k] += s[k]
        print(f"| {c} | {s['code']} | {s['data']} | {s['bss']} |")
    print(f"| **total** | **{tot['code']}** | **{tot['data']}** | **{tot['bss']}** |")


if __name__ == "__main__":
    main()
