/*
 * lwipopts.h (firmware) - lwIP settings of the MPS2 AN386 firmware: NO_SYS
 * (no OS, raw API only), IPv4 + ARP + TCP + DHCP + DNS, static memory sized for a
 * few Kafka connections with a window of 8 segments each.
 */
#ifndef MB_FW_LWIPOPTS_H
#define MB_FW_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* nothing preempts lwIP: the tick ISR only counts */
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1 /* DNS and DHCP */
#define LWIP_TCP 1
#define LWIP_DNS 1
#define LWIP_DHCP 1 /* QEMU's user network leases 10.0.2.15 */
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_STATS 0
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0

#define MEM_ALIGNMENT 4
#define MEM_SIZE (48 * 1024)
#define MEMP_NUM_PBUF 16
#define MEMP_NUM_TCP_PCB 8
#define MEMP_NUM_TCP_SEG 64
#define PBUF_POOL_SIZE 40
#define PBUF_POOL_BUFSIZE 1536

#define TCP_MSS 1460
#define TCP_WND (6 * TCP_MSS) /* fits the LAN9118 RX FIFO (about 11 KB in QEMU) */
#define TCP_SND_BUF (8 * TCP_MSS)
#define TCP_SND_QUEUELEN 32
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_KEEPALIVE 0
#define TCP_MAXRTX 6    /* a dead peer is given up in about 10 s */
#define TCP_SYNMAXRTX 4 /* a missing broker: connect fails in about 10 s */

#endif /* MB_FW_LWIPOPTS_H */
