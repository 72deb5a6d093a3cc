/*
 * arch/cc.h (firmware) - lwIP's compiler and platform glue for the Cortex-M4
 * firmware with picolibc: diagnostics over semihosting stdout, and the
 * random numbers lwIP needs (initial sequence numbers, ports, DNS ids).
 */
#ifndef MB_FW_ARCH_CC_H
#define MB_FW_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

unsigned mb_fw_rand(void);

#define LWIP_RAND() ((u32_t)mb_fw_rand())
#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
        printf x;                                                                                  \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                                    \
    do {                                                                                           \
        printf("lwip assert: %s (%s:%d)\n", x, __FILE__, __LINE__);                                \
        abort();                                                                                   \
    } while (0)
#define LWIP_NO_UNISTD_H 0
#define LWIP_TIMEVAL_PRIVATE 0

#endif /* MB_FW_ARCH_CC_H */
