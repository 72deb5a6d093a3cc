/*
 * lwipopts.h (tests/lwip/raw) - lwIP for the host-side unit test of the raw
 * transport: NO_SYS, TCP and DNS over the loopback interface only, small windows so
 * that a partial send is easy to provoke.
 */
#ifndef MB_TEST_LWIPOPTS_H
#define MB_TEST_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 0
#define LWIP_ETHERNET 0
#define LWIP_ICMP 1
#define LWIP_UDP 1 /* DNS */
#define LWIP_TCP 1
#define LWIP_DNS 1
/* Answered from lwIP's local table at once, no query: the synchronous path. */
#define DNS_LOCAL_HOSTLIST 1
#define DNS_LOCAL_HOSTLIST_INIT                                                                    \
    {                                                                                              \
        DNS_LOCAL_HOSTLIST_ELEM("local.broker", IPADDR4_INIT_BYTES(127, 0, 0, 1))                  \
    }
#define DNS_MAX_RETRIES 2
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 64
#define LWIP_STATS 0
#define MEM_ALIGNMENT 8
#define MEM_SIZE (256 * 1024)
#define MEMP_NUM_TCP_PCB 16
#define MEMP_NUM_TCP_SEG 64
#define MEMP_NUM_PBUF 64
#define PBUF_POOL_SIZE 64
#define TCP_MSS 536
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN 16
#define TCP_SYNMAXRTX 2
#define TCP_MAXRTX 3

#endif /* MB_TEST_LWIPOPTS_H */
