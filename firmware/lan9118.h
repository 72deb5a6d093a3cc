/*
 * lan9118.h (firmware) - a polled lwIP netif driver for the SMSC LAN9118
 * Ethernet controller (the one QEMU's MPS2 boards emulate at 0x40200000).
 */
#ifndef MB_FW_LAN9118_H
#define MB_FW_LAN9118_H

#include <stdint.h>

#include "lwip/netif.h"

/** Frames the driver dropped on purpose (MB_FW_DROP builds) and counted. */
typedef struct mb_lan9118_stats {
    unsigned long rx_frames, tx_frames;   /* passed on */
    unsigned long rx_dropped, tx_dropped; /* dropped by the fault injection */
    unsigned long rx_errors, rx_nomem;    /* bad status, or no pbuf */
} mb_lan9118_stats;

/** netif init function for netif_add(): resets the chip, reads its MAC, enables RX/TX. */
err_t mb_lan9118_init(struct netif *nif);

/** Move every frame waiting in the RX FIFO into lwIP (nif->input). Returns how many. */
int mb_lan9118_poll(struct netif *nif);

/** The driver's counters. */
void mb_lan9118_stats_get(mb_lan9118_stats *st);

#endif /* MB_FW_LAN9118_H */
