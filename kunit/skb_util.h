/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gwlbtun KUnit: real skbs with real headers, shared by the suites. A
 * received packet is 10.0.0.5 (or fd00::5), the GWLB, to 10.0.0.9 (or
 * fd00::9), the appliance, UDP port 10801, carrying an Ethernet frame with
 * an IPv4 (or IPv6) UDP datagram.
 */
#ifndef _GWLBTUN_KUNIT_SKB_UTIL_H
#define _GWLBTUN_KUNIT_SKB_UTIL_H

#include <kunit/test.h>
#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>

#define GWLBTUN_TEST_HEADROOM	128
#define GWLBTUN_TEST_PAYLOAD	32
#define GWLBTUN_TEST_IP4_LEN(payload) \
	(sizeof(struct iphdr) + sizeof(struct udphdr) + (payload))
#define GWLBTUN_TEST_IP6_LEN(payload) \
	(sizeof(struct ipv6hdr) + sizeof(struct udphdr) + (payload))
/* Ethernet + IPv4 + UDP + payload: the frame inside the tunnel. */
#define GWLBTUN_TEST_INNER_LEN	(ETH_HLEN + GWLBTUN_TEST_IP4_LEN(GWLBTUN_TEST_PAYLOAD))
/* The same with IPv6 inside. */
#define GWLBTUN_TEST_INNER6_LEN	(ETH_HLEN + GWLBTUN_TEST_IP6_LEN(GWLBTUN_TEST_PAYLOAD))

#define GWLBTUN_TEST_GWLB4	cpu_to_be32(0x0a000005)	/* 10.0.0.5 */
#define GWLBTUN_TEST_NVA4	cpu_to_be32(0x0a000009)	/* 10.0.0.9 */

extern const struct in6_addr gwlbtun_test_gwlb6;	/* fd00::5 */
extern const struct in6_addr gwlbtun_test_nva6;		/* fd00::9 */

/* The outer headers of a packet as the GWLB sends it. */
struct gwlbtun_test_outer {
	bool v6;
	unsigned int ihl;	/* outer IPv4 header length in 32-bit words */
	__be32 vx_flags;
	__be32 vx_vni;
	bool inner6;		/* the inner frame carries IPv6 */
};

/* IPv4, External VNI 901; IPv6, Internal VNI 900. Both carry IPv4. */
extern const struct gwlbtun_test_outer gwlbtun_test_v4;
extern const struct gwlbtun_test_outer gwlbtun_test_v6;

struct gwlbtun_reply;

struct sk_buff *gwlbtun_test_track(struct kunit *test, struct sk_buff *skb);
void gwlbtun_test_untrack(struct kunit *test, struct sk_buff *skb);
struct sk_buff *gwlbtun_test_alloc(struct kunit *test, unsigned int len);

void gwlbtun_test_put_ip4(void *buf, unsigned int payload);
void gwlbtun_test_put_ip6(void *buf, unsigned int payload);
struct ethhdr *gwlbtun_test_put_eth(void *buf, u16 proto);
void gwlbtun_test_put_inner(void *buf);
void gwlbtun_test_put_inner6(void *buf);
unsigned int gwlbtun_test_put_outer(struct sk_buff *skb,
				    const struct gwlbtun_test_outer *o,
				    unsigned int len);
struct sk_buff *gwlbtun_test_rx(struct kunit *test,
				const struct gwlbtun_test_outer *o);
void gwlbtun_test_reply(struct gwlbtun_reply *r, bool v6, u8 in, u8 ttl);
struct sk_buff *gwlbtun_test_rx_frame(struct kunit *test,
				      const struct gwlbtun_test_outer *o,
				      const void *frame, unsigned int frame_len);

#endif /* _GWLBTUN_KUNIT_SKB_UTIL_H */
