/*
 * crc32c.h - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum of Kafka record batches (magic 2).
 *
 * mb_crc32c() picks at run time the fastest implementation compiled in:
 *  - x86 / x86-64: the SSE4.2 crc32 instruction (three interleaved streams),
 *    when CPUID reports SSE4.2 and crc32c_sse42.c was built with -msse4.2;
 *  - ARMv8: the CRC32C instructions, when __ARM_FEATURE_CRC32 is defined at
 *    build time;
 *  - otherwise portable software, slicing-by-8 (8 KiB of const tables), or a
 *    single 256-entry table (1 KiB) when MSGBUS_CFG_CRC32C_SMALL is defined.
 *
 * All functions are incremental: pass 0 to start, and the previous result to
 * continue, e.g. mb_crc32c(mb_crc32c(0, a, na), b, nb) == CRC of a||b.
 * No state, no heap; thread-safe.
 */
#ifndef MB_PROTO_CRC32C_H
#define MB_PROTO_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#include "msgbus/config_defaults.h"

/* MSGBUS_CFG_CRC32C_SMALL: define (to anything) to use one 256-entry table in
 * the software path instead of eight (slower, 7 KiB less read-only data). */

/** CRC-32C of @p n bytes at @p p continuing from @p crc (0 to start); fastest path. */
uint32_t mb_crc32c(uint32_t crc, const void *p, size_t n);

/** CRC-32C in portable software only (the reference the tests compare against). */
uint32_t mb_crc32c_sw(uint32_t crc, const void *p, size_t n);

/** 1 if mb_crc32c() uses a hardware instruction on this machine, else 0. */
int mb_crc32c_hw_available(void);

/** CRC-32C with the hardware path; the software path when none is available. */
uint32_t mb_crc32c_hw(uint32_t crc, const void *p, size_t n);

#if defined(__x86_64__) || defined(__i386__)
/* Internal, defined in crc32c_sse42.c (the only file built with -msse4.2). */

/** 1 if this CPU has SSE4.2 and the SSE4.2 path was compiled in (cached CPUID). */
int mb_crc32c_sse42_available(void);
/** CRC-32C with the crc32 instruction; only call when the above returned 1. */
uint32_t mb_crc32c_sse42(uint32_t crc, const void *p, size_t n);
#endif

#endif /* MB_PROTO_CRC32C_H */
