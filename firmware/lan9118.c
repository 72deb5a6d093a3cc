/*
 * lan9118.c (firmware) - a polled lwIP netif driver for the SMSC LAN9118 as
 * QEMU's MPS2 AN386 board emulates it (32-bit register window at
 * 0x40200000, no interrupts used).
 *
 * Calls go: lwIP -> mb_lan9118_output (etharp_output -> linkoutput) to send
 * a frame through the TX data FIFO; the application's loop ->
 * mb_lan9118_poll, which drains the RX status/data FIFOs into pbufs and
 * hands them to nif->input. With MB_FW_DROP defined the driver drops every
 * 20th received and every 30th sent frame, to exercise TCP's
 * retransmission and msgbus's timeout paths.
 */
#include <string.h>

#include "lan9118.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#define MB_LAN_BASE 0x40200000u
#define MB_REG(off) (*(volatile uint32_t *)(MB_LAN_BASE + (off)))

#define MB_RX_DATA 0x00u
#define MB_TX_DATA 0x20u
#define MB_RX_STATUS 0x40u
#define MB_TX_STATUS 0x48u
#define MB_ID_REV 0x50u
#define MB_INT_EN 0x5cu
#define MB_BYTE_TEST 0x64u
#define MB_RX_CFG 0x6cu
#define MB_TX_CFG 0x70u
#define MB_HW_CFG 0x74u
#define MB_RX_FIFO_INF 0x7cu
#define MB_TX_FIFO_INF 0x80u
#define MB_PMT_CTRL 0x84u
#define MB_MAC_CSR_CMD 0xa4u
#define MB_MAC_CSR_DATA 0xa8u

#define MB_MAC_CR 1u
#define MB_MAC_ADDRH 2u
#define MB_MAC_ADDRL 3u
#define MB_MAC_CR_TXEN (1u << 3)
#define MB_MAC_CR_RXEN (1u << 2)
#define MB_CSR_BUSY (1u << 31)
#define MB_CSR_READ (1u << 30)
#define MB_TX_CFG_ON (1u << 1)
#define MB_TX_CMD_FIRST (1u << 13)
#define MB_TX_CMD_LAST (1u << 12)
#define MB_RX_STS_ERROR (1u << 15)
#define MB_FRAME_MAX 1518u

#ifdef MB_FW_DROP
#define MB_DROP_RX_EVERY 20u
#define MB_DROP_TX_EVERY 30u
#endif

static mb_lan9118_stats mb_lan_st;

void mb_lan9118_stats_get(mb_lan9118_stats *st)
{
    *st = mb_lan_st;
}

#define MB_SPIN_MAX 100000u /* register polls before the chip is declared stuck */

/* Wait until (reg & mask) == want; 0, or -1 after MB_SPIN_MAX polls. */
static int mb_spin(uint32_t reg, uint32_t mask, uint32_t want)
{
    uint32_t n;
    for (n = 0; n < MB_SPIN_MAX; n++)
        if ((MB_REG(reg) & mask) == want)
            return 0;
    return -1;
}

static uint32_t mb_mac_read(uint32_t reg)
{
    MB_REG(MB_MAC_CSR_CMD) = MB_CSR_BUSY | MB_CSR_READ | reg;
    (void)mb_spin(MB_MAC_CSR_CMD, MB_CSR_BUSY, 0);
    return MB_REG(MB_MAC_CSR_DATA);
}

static int mb_mac_write(uint32_t reg, uint32_t val)
{
    MB_REG(MB_MAC_CSR_DATA) = val;
    MB_REG(MB_MAC_CSR_CMD) = MB_CSR_BUSY | reg;
    return mb_spin(MB_MAC_CSR_CMD, MB_CSR_BUSY, 0);
}

/* One frame (a pbuf chain) into the TX data FIFO as a single buffer. */
static err_t mb_lan9118_output(struct netif *nif, struct pbuf *p)
{
    static uint32_t frame[(MB_FRAME_MAX + 3) / 4];
    uint32_t len = p->tot_len, words, i;
    (void)nif;
    if (len > MB_FRAME_MAX)
        return ERR_BUF;
#ifdef MB_FW_DROP
    if ((mb_lan_st.tx_frames + mb_lan_st.tx_dropped + 1) % MB_DROP_TX_EVERY == 0) {
        mb_lan_st.tx_dropped++;
        return ERR_OK; /* lost on the wire, as far as lwIP can tell */
    }
#endif
    words = (len + 3) / 4;
    for (i = 0; (MB_REG(MB_TX_FIFO_INF) & 0xffffu) < words * 4 + 8; i++)
        if (i == MB_SPIN_MAX)
            return ERR_IF; /* the FIFO never drained: the frame is lost, TCP resends */
    frame[words - 1] = 0;
    (void)pbuf_copy_partial(p, frame, (u16_t)len, 0);
    MB_REG(MB_TX_DATA) = MB_TX_CMD_FIRST | MB_TX_CMD_LAST | len;
    MB_REG(MB_TX_DATA) = (len << 16) | len; /* tag (the length) and packet length */
    for (i = 0; i < words; i++)
        MB_REG(MB_TX_DATA) = frame[i];
    while ((MB_REG(MB_TX_FIFO_INF) >> 16) & 0xffu)
        (void)MB_REG(MB_TX_STATUS); /* nobody needs the TX status: keep the FIFO empty */
    mb_lan_st.tx_frames++;
    return ERR_OK;
}

/* Read one frame of @p len bytes (CRC included) from the RX data FIFO. */
static void mb_lan9118_read_frame(struct netif *nif, uint32_t len)
{
    static uint32_t frame[(MB_FRAME_MAX + 4 + 3) / 4];
    uint32_t words = (len + 3) / 4, i;
    uint32_t data_len = len - 4; /* without the CRC */
    struct pbuf *p;
    for (i = 0; i < words; i++) {
        uint32_t w = MB_REG(MB_RX_DATA);
        if (i < sizeof frame / sizeof frame[0])
            frame[i] = w;
    }
#ifdef MB_FW_DROP
    if ((mb_lan_st.rx_frames + mb_lan_st.rx_dropped + 1) % MB_DROP_RX_EVERY == 0) {
        mb_lan_st.rx_dropped++;
        return;
    }
#endif
    p = data_len <= MB_FRAME_MAX ? pbuf_alloc(PBUF_RAW, (u16_t)data_len, PBUF_POOL) : NULL;
    if (p == NULL) {
        mb_lan_st.rx_nomem++;
        return;
    }
    (void)pbuf_take(p, frame, (u16_t)data_len);
    mb_lan_st.rx_frames++;
    if (nif->input(p, nif) != ERR_OK)
        pbuf_free(p);
}

int mb_lan9118_poll(struct netif *nif)
{
    int n = 0;
    while ((MB_REG(MB_RX_FIFO_INF) >> 16) & 0xffu) {
        uint32_t sts = MB_REG(MB_RX_STATUS);
        uint32_t len = (sts >> 16) & 0x3fffu;
        if ((sts & MB_RX_STS_ERROR) || len < 18) {
            uint32_t i;
            for (i = 0; i < (len + 3) / 4; i++)
                (void)MB_REG(MB_RX_DATA);
            mb_lan_st.rx_errors++;
            continue;
        }
        mb_lan9118_read_frame(nif, len);
        n++;
    }
    return n;
}

err_t mb_lan9118_init(struct netif *nif)
{
    uint32_t lo, hi;
    if (MB_REG(MB_BYTE_TEST) != 0x87654321u || (MB_REG(MB_ID_REV) >> 16) != 0x0118u)
        return ERR_IF;
    MB_REG(MB_HW_CFG) = 1; /* soft reset */
    if (mb_spin(MB_HW_CFG, 1u, 0) != 0 || mb_spin(MB_PMT_CTRL, 1u, 1u) != 0)
        return ERR_IF;
    MB_REG(MB_INT_EN) = 0; /* polled */
    MB_REG(MB_RX_CFG) = 0; /* no offset, no end padding */
    MB_REG(MB_TX_CFG) = MB_TX_CFG_ON;
    lo = mb_mac_read(MB_MAC_ADDRL);
    hi = mb_mac_read(MB_MAC_ADDRH);
    nif->hwaddr[0] = (u8_t)lo;
    nif->hwaddr[1] = (u8_t)(lo >> 8);
    nif->hwaddr[2] = (u8_t)(lo >> 16);
    nif->hwaddr[3] = (u8_t)(lo >> 24);
    nif->hwaddr[4] = (u8_t)hi;
    nif->hwaddr[5] = (u8_t)(hi >> 8);
    nif->hwaddr_len = ETH_HWADDR_LEN;
    if (mb_mac_write(MB_MAC_CR, MB_MAC_CR_TXEN | MB_MAC_CR_RXEN) != 0)
        return ERR_IF;
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->mtu = 1500;
    nif->flags =
        NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    nif->output = etharp_output;
    nif->linkoutput = mb_lan9118_output;
    return ERR_OK;
}
