// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gwlbtun's header work (module/hdr.c), on real skbs with
 * real headers: VXLAN parsing, the reply context read from the outer
 * headers, the outer checks, the inner DS field and ECN, and the inner IP
 * checks.
 */
#include <kunit/test.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/inet_ecn.h>
#include <net/ipv6.h>
#include <net/vxlan.h>

#include "gwlbtun.h"
#include "skb_util.h"

static void gwlbtun_test_vxlan_parse_valid(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_test_rx(test, &gwlbtun_test_v4);
	u32 vni = 0;

	KUNIT_EXPECT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), 0);
	KUNIT_EXPECT_EQ(test, vni, 901U);
	KUNIT_EXPECT_EQ(test, skb->len,
			GWLBTUN_UDP_VXLAN_LEN + GWLBTUN_TEST_INNER_LEN);

	/* The largest VNI: all 24 bits come through. */
	skb = gwlbtun_test_rx(test, &(struct gwlbtun_test_outer){
		.ihl = 5,
		.vx_flags = VXLAN_HF_VNI,
		.vx_vni = cpu_to_be32(GWLBTUN_VNI_MAX << 8),
	});
	KUNIT_EXPECT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), 0);
	KUNIT_EXPECT_EQ(test, vni, (u32)GWLBTUN_VNI_MAX);
}

/* RFC 7348: reserved bits are ignored on receive; only the I flag counts. */
static void gwlbtun_test_vxlan_parse_reserved(struct kunit *test)
{
	struct sk_buff *skb;
	u32 vni = 0;

	skb = gwlbtun_test_rx(test, &(struct gwlbtun_test_outer){
		.ihl = 5,
		.vx_flags = cpu_to_be32(0xffffffff),
		.vx_vni = cpu_to_be32(901 << 8 | 0xff),
	});
	KUNIT_EXPECT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), 0);
	KUNIT_EXPECT_EQ(test, vni, 901U);
}

static void gwlbtun_test_vxlan_parse_no_i_flag(struct kunit *test)
{
	struct sk_buff *skb;
	u32 vni = 0;

	/* Every bit but the I flag. */
	skb = gwlbtun_test_rx(test, &(struct gwlbtun_test_outer){
		.ihl = 5,
		.vx_flags = cpu_to_be32(0xffffffff) & ~VXLAN_HF_VNI,
		.vx_vni = cpu_to_be32(901 << 8),
	});
	KUNIT_EXPECT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), -EINVAL);

	skb = gwlbtun_test_rx(test, &(struct gwlbtun_test_outer){
		.ihl = 5,
		.vx_vni = cpu_to_be32(901 << 8),
	});
	KUNIT_EXPECT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), -EINVAL);
}

static void gwlbtun_test_vxlan_parse_truncated(struct kunit *test)
{
	unsigned int min = GWLBTUN_UDP_VXLAN_LEN + ETH_HLEN;
	struct sk_buff *skb;
	u32 vni = 0;

	/* One byte short of UDP + VXLAN + an Ethernet header. */
	skb = gwlbtun_test_rx(test, &gwlbtun_test_v4);
	skb_trim(skb, min - 1);
	KUNIT_EXPECT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), -EINVAL);

	/* Only the UDP header. */
	skb = gwlbtun_test_rx(test, &gwlbtun_test_v4);
	skb_trim(skb, sizeof(struct udphdr));
	KUNIT_EXPECT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), -EINVAL);

	/* Exactly enough. */
	skb = gwlbtun_test_rx(test, &gwlbtun_test_v4);
	skb_trim(skb, min);
	KUNIT_EXPECT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), 0);
	KUNIT_EXPECT_EQ(test, vni, 901U);
}

/*
 * Only the outer IP and UDP headers in the linear part; the VXLAN header
 * and the inner frame in a page fragment, as a NIC with header split
 * delivers them.
 */
static void gwlbtun_test_vxlan_parse_nonlinear(struct kunit *test)
{
	unsigned int frag_len = sizeof(struct vxlanhdr) + GWLBTUN_TEST_INNER_LEN;
	unsigned int len = sizeof(struct iphdr) + sizeof(struct udphdr) +
			   frag_len;
	struct sk_buff *skb = gwlbtun_test_alloc(test, len);
	struct vxlanhdr *vxh;
	struct page *page;
	unsigned int iplen;
	u8 *inner;
	u32 vni = 0;

	iplen = gwlbtun_test_put_outer(skb, &gwlbtun_test_v4, len);
	/* Move the VXLAN header just written into the fragment. */
	skb_trim(skb, iplen + sizeof(struct udphdr));

	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	vxh = page_address(page);
	vxh->vx_flags = VXLAN_HF_VNI;
	vxh->vx_vni = cpu_to_be32(901 << 8);
	gwlbtun_test_put_inner(vxh + 1);
	skb_add_rx_frag(skb, 0, page, 0, frag_len, PAGE_SIZE);
	__skb_pull(skb, iplen);

	inner = kunit_kzalloc(test, GWLBTUN_TEST_INNER_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, inner);
	gwlbtun_test_put_inner(inner);

	KUNIT_ASSERT_TRUE(test, skb_is_nonlinear(skb));
	KUNIT_ASSERT_EQ(test, skb_headlen(skb), sizeof(struct udphdr));
	KUNIT_EXPECT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), 0);
	KUNIT_EXPECT_EQ(test, vni, 901U);
	KUNIT_ASSERT_GE(test, skb_headlen(skb),
			GWLBTUN_UDP_VXLAN_LEN + ETH_HLEN);
	KUNIT_EXPECT_EQ(test, skb->len,
			GWLBTUN_UDP_VXLAN_LEN + GWLBTUN_TEST_INNER_LEN);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + GWLBTUN_UDP_VXLAN_LEN, inner,
				     ETH_HLEN), 0);
	KUNIT_EXPECT_EQ(test, ntohs(udp_hdr(skb)->dest), 10801);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->saddr, GWLBTUN_TEST_GWLB4);
}

/* Read twice, over different garbage: the same bytes both times. */
static void gwlbtun_test_check_reply(struct kunit *test,
				     const struct sk_buff *skb,
				     enum gwlbtun_dir in,
				     const struct gwlbtun_reply *want)
{
	struct gwlbtun_reply r;

	memset(&r, 0xa5, sizeof(r));
	gwlbtun_outer_reply(skb, in, &r);
	KUNIT_EXPECT_EQ(test, r.gwlb.family, want->gwlb.family);
	KUNIT_EXPECT_EQ(test, r.local.family, want->local.family);
	KUNIT_EXPECT_EQ(test, r.dir, want->dir);
	KUNIT_EXPECT_EQ(test, r.in_dir, want->in_dir);
	KUNIT_EXPECT_EQ(test, r.ttl_in, want->ttl_in);
	KUNIT_EXPECT_EQ(test, r.pad, 0);
	KUNIT_EXPECT_TRUE(test, gwlbtun_addr_equal(&r.gwlb, &want->gwlb));
	KUNIT_EXPECT_TRUE(test, gwlbtun_addr_equal(&r.local, &want->local));
	KUNIT_EXPECT_EQ(test, memcmp(&r, want, sizeof(r)), 0);

	memset(&r, 0x5a, sizeof(r));
	gwlbtun_outer_reply(skb, in, &r);
	KUNIT_EXPECT_EQ(test, memcmp(&r, want, sizeof(r)), 0);
}

static void gwlbtun_test_outer_reply_v4(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_test_rx(test, &gwlbtun_test_v4);
	struct gwlbtun_reply want;
	struct iphdr *iph;

	gwlbtun_test_reply(&want, false, GWLBTUN_EXT, 64);
	gwlbtun_test_check_reply(test, skb, GWLBTUN_EXT, &want);
	/* An IPv4 address leaves the rest of the union zero. */
	KUNIT_EXPECT_NULL(test, memchr_inv(&want.gwlb.ip6.s6_addr[4], 0, 12));

	/* The other tunnel, and the TTL as received. */
	iph = ip_hdr(skb);
	iph->ttl = 2;
	gwlbtun_test_reply(&want, false, GWLBTUN_INT, 2);
	gwlbtun_test_check_reply(test, skb, GWLBTUN_INT, &want);
	KUNIT_EXPECT_EQ(test, want.dir, GWLBTUN_EXT);

	/* Only the outer headers are read; skb->data stays where it was. */
	KUNIT_EXPECT_EQ(test, skb->len,
			GWLBTUN_UDP_VXLAN_LEN + GWLBTUN_TEST_INNER_LEN);
	KUNIT_EXPECT_PTR_EQ(test, (u8 *)udp_hdr(skb), skb->data);
}

static void gwlbtun_test_outer_reply_v6(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_test_rx(test, &gwlbtun_test_v6);
	struct gwlbtun_reply want;

	gwlbtun_test_reply(&want, true, GWLBTUN_INT, 64);
	KUNIT_EXPECT_EQ(test, want.dir, GWLBTUN_EXT);
	gwlbtun_test_check_reply(test, skb, GWLBTUN_INT, &want);

	ipv6_hdr(skb)->hop_limit = 255;
	gwlbtun_test_reply(&want, true, GWLBTUN_EXT, 255);
	gwlbtun_test_check_reply(test, skb, GWLBTUN_EXT, &want);
}

/* Received with IP options: the same context as without. */
static void gwlbtun_test_outer_reply_ip_options(struct kunit *test)
{
	struct gwlbtun_reply want;
	unsigned int ihl;

	gwlbtun_test_reply(&want, false, GWLBTUN_EXT, 64);
	for (ihl = 6; ihl <= 15; ihl++) {
		struct sk_buff *skb;

		skb = gwlbtun_test_rx(test, &(struct gwlbtun_test_outer){
			.ihl = ihl,
			.vx_flags = VXLAN_HF_VNI,
			.vx_vni = cpu_to_be32(901 << 8),
		});
		KUNIT_ASSERT_EQ(test, skb_network_header_len(skb), ihl * 4);
		gwlbtun_test_check_reply(test, skb, GWLBTUN_EXT, &want);
	}
}

/*
 * Contexts are compared and hashed as bytes: two packets of one GWLB,
 * local address, direction and TTL give equal ones, anything else not.
 */
static void gwlbtun_test_outer_reply_compare(struct kunit *test)
{
	struct sk_buff *a = gwlbtun_test_rx(test, &gwlbtun_test_v4);
	struct sk_buff *b = gwlbtun_test_rx(test, &gwlbtun_test_v4);
	struct gwlbtun_reply ra, rb;

	memset(&ra, 0x11, sizeof(ra));
	memset(&rb, 0xee, sizeof(rb));
	gwlbtun_outer_reply(a, GWLBTUN_EXT, &ra);
	gwlbtun_outer_reply(b, GWLBTUN_EXT, &rb);
	KUNIT_EXPECT_EQ(test, memcmp(&ra, &rb, sizeof(ra)), 0);

	gwlbtun_outer_reply(b, GWLBTUN_INT, &rb);
	KUNIT_EXPECT_NE(test, memcmp(&ra, &rb, sizeof(ra)), 0);

	ip_hdr(b)->ttl--;
	gwlbtun_outer_reply(b, GWLBTUN_EXT, &rb);
	KUNIT_EXPECT_NE(test, memcmp(&ra, &rb, sizeof(ra)), 0);

	ip_hdr(b)->ttl++;
	ip_hdr(b)->daddr = htonl(0x0a00000a);
	gwlbtun_outer_reply(b, GWLBTUN_EXT, &rb);
	KUNIT_EXPECT_NE(test, memcmp(&ra, &rb, sizeof(ra)), 0);
	KUNIT_EXPECT_EQ(test, rb.local.ip4, htonl(0x0a00000a));
	KUNIT_EXPECT_EQ(test, rb.gwlb.ip4, GWLBTUN_TEST_GWLB4);
}

static void gwlbtun_test_outer_unicast_v4(struct kunit *test)
{
	static const u32 not_unicast[] = {
		0xe0000001,	/* 224.0.0.1 */
		0xefffffff,	/* 239.255.255.255 */
		0xffffffff,	/* 255.255.255.255 */
		0x00000000,	/* 0.0.0.0 */
	};
	static const u8 not_host[] = {
		PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST,
	};
	struct sk_buff *skb = gwlbtun_test_rx(test, &gwlbtun_test_v4);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, (int)skb->pkt_type, PACKET_HOST);
	KUNIT_EXPECT_TRUE(test, gwlbtun_outer_unicast(skb));
	for (i = 0; i < ARRAY_SIZE(not_host); i++) {
		skb->pkt_type = not_host[i];
		KUNIT_EXPECT_FALSE_MSG(test, gwlbtun_outer_unicast(skb),
				       "pkt_type %u", not_host[i]);
	}
	skb->pkt_type = PACKET_HOST;
	for (i = 0; i < ARRAY_SIZE(not_unicast); i++) {
		ip_hdr(skb)->daddr = htonl(not_unicast[i]);
		KUNIT_EXPECT_FALSE_MSG(test, gwlbtun_outer_unicast(skb),
				       "daddr %08x", not_unicast[i]);
	}
	ip_hdr(skb)->daddr = GWLBTUN_TEST_NVA4;
	KUNIT_EXPECT_TRUE(test, gwlbtun_outer_unicast(skb));
}

static void gwlbtun_test_outer_unicast_v6(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_test_rx(test, &gwlbtun_test_v6);
	struct in6_addr all_nodes;

	KUNIT_EXPECT_TRUE(test, gwlbtun_outer_unicast(skb));
	skb->pkt_type = PACKET_MULTICAST;
	KUNIT_EXPECT_FALSE(test, gwlbtun_outer_unicast(skb));
	skb->pkt_type = PACKET_HOST;

	ipv6_addr_set(&all_nodes, htonl(0xff020000), 0, 0, htonl(1));
	ipv6_hdr(skb)->daddr = all_nodes;
	KUNIT_EXPECT_FALSE(test, gwlbtun_outer_unicast(skb));
	ipv6_hdr(skb)->daddr.s6_addr[1] = 0x05;	/* ff05::1 */
	KUNIT_EXPECT_FALSE(test, gwlbtun_outer_unicast(skb));
	ipv6_hdr(skb)->daddr = gwlbtun_test_nva6;
	KUNIT_EXPECT_TRUE(test, gwlbtun_outer_unicast(skb));
}

static void gwlbtun_test_outer_dsfield(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_test_rx(test, &gwlbtun_test_v4);

	KUNIT_EXPECT_EQ(test, gwlbtun_outer_dsfield(skb), 0x28);
	ip_hdr(skb)->tos = 0xbb;
	KUNIT_EXPECT_EQ(test, gwlbtun_outer_dsfield(skb), 0xbb);

	/* Priority 1, flow label ...42: traffic class 0x10. */
	skb = gwlbtun_test_rx(test, &gwlbtun_test_v6);
	KUNIT_EXPECT_EQ(test, gwlbtun_outer_dsfield(skb), 0x10);
	ipv6_change_dsfield(ipv6_hdr(skb), 0, 0xb9);
	KUNIT_EXPECT_EQ(test, gwlbtun_outer_dsfield(skb), 0xb9);
	/* The flow label is not part of it. */
	KUNIT_EXPECT_EQ(test, ipv6_hdr(skb)->flow_lbl[2], 0x42);
}

/*
 * An inner frame with only its Ethernet header in the linear part and
 * @frame past it in a page fragment, as with the hooks off. The mac
 * header marks the Ethernet header; skb->data is past it.
 */
static struct sk_buff *gwlbtun_test_eth_only(struct kunit *test, u16 proto,
					     const void *l3, unsigned int len)
{
	struct sk_buff *skb = gwlbtun_test_alloc(test, ETH_HLEN);
	struct ethhdr *eth;
	struct page *page;

	skb_reset_mac_header(skb);
	eth = skb_put_zero(skb, ETH_HLEN);
	eth->h_proto = htons(proto);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	memcpy(page_address(page), l3, len);
	skb_add_rx_frag(skb, 0, page, 0, len, PAGE_SIZE);
	__skb_pull(skb, ETH_HLEN);
	skb->protocol = htons(proto);
	KUNIT_ASSERT_EQ(test, skb_headlen(skb), 0);
	return skb;
}

static void gwlbtun_test_inner_dsfield(struct kunit *test)
{
	u8 l3[GWLBTUN_TEST_IP6_LEN(GWLBTUN_TEST_PAYLOAD)];
	struct ipv6hdr *ip6h = (struct ipv6hdr *)l3;
	struct iphdr *iph = (struct iphdr *)l3;
	struct sk_buff *skb;

	gwlbtun_test_put_ip4(l3, GWLBTUN_TEST_PAYLOAD);
	iph->tos = 0xb9;	/* EF, ECT(1) */
	skb = gwlbtun_test_eth_only(test, ETH_P_IP, l3,
				    GWLBTUN_TEST_IP4_LEN(GWLBTUN_TEST_PAYLOAD));
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_dsfield(skb), 0xb9);
	/* Read where it lies: nothing was pulled. */
	KUNIT_EXPECT_EQ(test, skb_headlen(skb), 0);

	/* Too short to hold the DS field. */
	skb = gwlbtun_test_eth_only(test, ETH_P_IP, l3, 1);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_dsfield(skb), 0);

	/* Not version 4 behind ETH_P_IP. */
	iph->version = 6;
	skb = gwlbtun_test_eth_only(test, ETH_P_IP, l3, sizeof(*iph));
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_dsfield(skb), 0);

	gwlbtun_test_put_ip6(l3, GWLBTUN_TEST_PAYLOAD);
	ipv6_change_dsfield(ip6h, 0, 0x2a);	/* AF11, CE */
	ip6h->flow_lbl[0] |= 0x0f;
	skb = gwlbtun_test_eth_only(test, ETH_P_IPV6, l3, sizeof(l3));
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_dsfield(skb), 0x2a);
	ip6h->version = 4;
	skb = gwlbtun_test_eth_only(test, ETH_P_IPV6, l3, sizeof(l3));
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_dsfield(skb), 0);

	/* Tagged, ARP: no DS field of theirs is read. */
	gwlbtun_test_put_ip4(l3, GWLBTUN_TEST_PAYLOAD);
	iph->tos = 0xb8;
	skb = gwlbtun_test_eth_only(test, ETH_P_8021Q, l3, sizeof(*iph));
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_dsfield(skb), 0);
	skb = gwlbtun_test_eth_only(test, ETH_P_8021AD, l3, sizeof(*iph));
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_dsfield(skb), 0);
	skb = gwlbtun_test_eth_only(test, ETH_P_ARP, l3, sizeof(*iph));
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_dsfield(skb), 0);
}

static void gwlbtun_test_inner_tagged(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_test_alloc(test, 0);

	skb->protocol = htons(ETH_P_8021Q);
	KUNIT_EXPECT_TRUE(test, gwlbtun_inner_tagged(skb));
	skb->protocol = htons(ETH_P_8021AD);
	KUNIT_EXPECT_TRUE(test, gwlbtun_inner_tagged(skb));
	skb->protocol = htons(ETH_P_IP);
	KUNIT_EXPECT_FALSE(test, gwlbtun_inner_tagged(skb));
	skb->protocol = htons(ETH_P_IPV6);
	KUNIT_EXPECT_FALSE(test, gwlbtun_inner_tagged(skb));
	skb->protocol = htons(ETH_P_ARP);
	KUNIT_EXPECT_FALSE(test, gwlbtun_inner_tagged(skb));
}

/* An inner packet as the device sees it: skb->data at the network header. */
static struct sk_buff *gwlbtun_test_inner(struct kunit *test, bool v6,
					  unsigned int payload,
					  unsigned int pad)
{
	unsigned int len = v6 ? GWLBTUN_TEST_IP6_LEN(payload) :
				GWLBTUN_TEST_IP4_LEN(payload);
	struct sk_buff *skb = gwlbtun_test_alloc(test, len + pad);

	skb->protocol = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	skb_reset_network_header(skb);
	if (v6)
		gwlbtun_test_put_ip6(skb_put(skb, len), payload);
	else
		gwlbtun_test_put_ip4(skb_put(skb, len), payload);
	skb_put_zero(skb, pad);
	return skb;
}

static void gwlbtun_test_inner_validate_ip4(struct kunit *test)
{
	struct sk_buff *skb;

	skb = gwlbtun_test_inner(test, false, GWLBTUN_TEST_PAYLOAD, 0);
	KUNIT_ASSERT_FALSE(test, skb_transport_header_was_set(skb));
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), 0);
	KUNIT_EXPECT_EQ(test, skb->len,
			GWLBTUN_TEST_IP4_LEN(GWLBTUN_TEST_PAYLOAD));
	KUNIT_ASSERT_TRUE(test, skb_transport_header_was_set(skb));
	KUNIT_EXPECT_EQ(test, skb_transport_offset(skb),
			(int)sizeof(struct iphdr));
	KUNIT_EXPECT_EQ(test, ntohs(udp_hdr(skb)->dest), 53);
}

static struct sk_buff *gwlbtun_test_inner4(struct kunit *test)
{
	return gwlbtun_test_inner(test, false, GWLBTUN_TEST_PAYLOAD, 0);
}

static void gwlbtun_test_inner_validate_ip4_bad(struct kunit *test)
{
	struct sk_buff *skb;
	struct iphdr *iph;

	/* The TTL changed, the header checksum not. */
	skb = gwlbtun_test_inner4(test);
	iph = ip_hdr(skb);
	iph->ttl--;
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EINVAL);

	/* Claims one byte more than there is. */
	skb = gwlbtun_test_inner4(test);
	iph = ip_hdr(skb);
	iph->tot_len = htons(skb->len + 1);
	ip_send_check(iph);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EINVAL);

	/* Shorter than its own header. */
	skb = gwlbtun_test_inner4(test);
	iph = ip_hdr(skb);
	iph->tot_len = htons(sizeof(*iph) - 1);
	ip_send_check(iph);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EINVAL);

	/* ihl below 5. */
	skb = gwlbtun_test_inner4(test);
	iph = ip_hdr(skb);
	iph->ihl = 4;
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EINVAL);

	/* ihl reaching past the end of the packet. */
	skb = gwlbtun_test_inner4(test);
	skb_trim(skb, sizeof(*iph) + 4);
	iph = ip_hdr(skb);
	iph->ihl = 15;
	iph->tot_len = htons(sizeof(*iph) + 4);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EINVAL);

	/* Version 6 in an ETH_P_IP frame, the checksum made to match. */
	skb = gwlbtun_test_inner4(test);
	iph = ip_hdr(skb);
	iph->version = 6;
	ip_send_check(iph);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EINVAL);

	/* Shorter than an IPv4 header. */
	skb = gwlbtun_test_inner4(test);
	skb_trim(skb, sizeof(*iph) - 1);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EINVAL);
}

/*
 * A 34-byte datagram padded to a minimum Ethernet frame (60 bytes with the
 * Ethernet header): the padding goes, the datagram stays.
 */
static void gwlbtun_test_inner_validate_ip4_padding(struct kunit *test)
{
	unsigned int len = GWLBTUN_TEST_IP4_LEN(6);
	struct sk_buff *skb;
	u8 *copy;

	skb = gwlbtun_test_inner(test, false, 6, ETH_ZLEN - ETH_HLEN - len);
	KUNIT_ASSERT_EQ(test, skb->len, ETH_ZLEN - ETH_HLEN);
	copy = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, skb->data, len);

	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), 0);
	KUNIT_EXPECT_EQ(test, skb->len, len);
	KUNIT_EXPECT_EQ(test, ntohs(ip_hdr(skb)->tot_len), len);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, copy, len), 0);
}

static void gwlbtun_test_inner_validate_ip6(struct kunit *test)
{
	unsigned int len = GWLBTUN_TEST_IP6_LEN(GWLBTUN_TEST_PAYLOAD);
	struct sk_buff *skb;

	skb = gwlbtun_test_inner(test, true, GWLBTUN_TEST_PAYLOAD, 0);
	KUNIT_ASSERT_FALSE(test, skb_transport_header_was_set(skb));
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), 0);
	KUNIT_EXPECT_EQ(test, skb->len, len);
	KUNIT_ASSERT_TRUE(test, skb_transport_header_was_set(skb));
	KUNIT_EXPECT_EQ(test, skb_transport_offset(skb),
			(int)sizeof(struct ipv6hdr));
	KUNIT_EXPECT_EQ(test, ntohs(udp_hdr(skb)->dest), 53);
	KUNIT_EXPECT_EQ(test, IP6CB(skb)->nhoff,
			offsetof(struct ipv6hdr, nexthdr));

	/* Link-layer padding is trimmed. */
	skb = gwlbtun_test_inner(test, true, 6, 12);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), 0);
	KUNIT_EXPECT_EQ(test, skb->len, GWLBTUN_TEST_IP6_LEN(6));
}

static struct sk_buff *gwlbtun_test_inner6(struct kunit *test)
{
	return gwlbtun_test_inner(test, true, GWLBTUN_TEST_PAYLOAD, 0);
}

static void gwlbtun_test_inner_validate_ip6_bad(struct kunit *test)
{
	struct sk_buff *skb;

	/* payload_len 0: a jumbogram, not reflected. */
	skb = gwlbtun_test_inner6(test);
	ipv6_hdr(skb)->payload_len = 0;
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EINVAL);

	/* One byte more than there is. */
	skb = gwlbtun_test_inner6(test);
	ipv6_hdr(skb)->payload_len =
		htons(skb->len - sizeof(struct ipv6hdr) + 1);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EINVAL);

	/* Version 4 in an ETH_P_IPV6 frame. */
	skb = gwlbtun_test_inner6(test);
	ipv6_hdr(skb)->version = 4;
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EINVAL);

	/* Shorter than an IPv6 header. */
	skb = gwlbtun_test_inner6(test);
	skb_trim(skb, sizeof(struct ipv6hdr) - 1);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EINVAL);
}

static void gwlbtun_test_inner_validate_other(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_test_inner4(test);
	unsigned int len = skb->len;

	skb->protocol = htons(ETH_P_ARP);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_validate(skb), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, skb->len, len);
	KUNIT_EXPECT_FALSE(test, skb_transport_header_was_set(skb));
}

/*
 * RFC 6040 on decapsulation: an outer CE goes into an ECN-capable inner
 * packet (the IPv4 header checksum kept right), a CE around a not-ECT
 * packet is refused, and no other outer mark changes the inner packet.
 */
static void gwlbtun_test_ecn_decap_v4(struct kunit *test)
{
	struct sk_buff *skb;
	struct iphdr *iph;

	skb = gwlbtun_test_inner4(test);
	iph = ip_hdr(skb);
	ipv4_change_dsfield(iph, 0, 0xb8 | INET_ECN_ECT_0);
	KUNIT_ASSERT_EQ(test, ip_fast_csum((u8 *)iph, iph->ihl), 0);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_ecn_decap(skb, 0x28 | INET_ECN_CE),
			0);
	iph = ip_hdr(skb);
	KUNIT_EXPECT_EQ(test, iph->tos, 0xb8 | INET_ECN_CE);
	KUNIT_EXPECT_EQ(test, ip_fast_csum((u8 *)iph, iph->ihl), 0);

	/* ECT(1) inside becomes CE too. */
	skb = gwlbtun_test_inner4(test);
	iph = ip_hdr(skb);
	ipv4_change_dsfield(iph, 0, INET_ECN_ECT_1);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_ecn_decap(skb, INET_ECN_CE), 0);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->tos, INET_ECN_CE);
	KUNIT_EXPECT_EQ(test, ip_fast_csum((u8 *)ip_hdr(skb), 5), 0);

	/* Already CE: stays so. */
	skb = gwlbtun_test_inner4(test);
	ipv4_change_dsfield(ip_hdr(skb), 0, INET_ECN_CE);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_ecn_decap(skb, INET_ECN_CE), 0);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->tos, INET_ECN_CE);

	/* CE around not-ECT: to be dropped, the packet untouched. */
	skb = gwlbtun_test_inner4(test);
	iph = ip_hdr(skb);
	ipv4_change_dsfield(iph, 0, 0xb8);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_ecn_decap(skb, INET_ECN_CE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->tos, 0xb8);
	KUNIT_EXPECT_EQ(test, ip_fast_csum((u8 *)ip_hdr(skb), 5), 0);

	/* An outer that is not CE changes nothing. */
	skb = gwlbtun_test_inner4(test);
	ipv4_change_dsfield(ip_hdr(skb), 0, INET_ECN_ECT_0);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_ecn_decap(skb, INET_ECN_ECT_0), 0);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->tos, INET_ECN_ECT_0);
	skb = gwlbtun_test_inner4(test);
	ipv4_change_dsfield(ip_hdr(skb), 0, 0x28);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_ecn_decap(skb, 0x28), 0);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->tos, 0x28);
	KUNIT_EXPECT_EQ(test, ip_fast_csum((u8 *)ip_hdr(skb), 5), 0);
}

static void gwlbtun_test_ecn_decap_v6(struct kunit *test)
{
	struct sk_buff *skb;

	skb = gwlbtun_test_inner6(test);
	ipv6_change_dsfield(ipv6_hdr(skb), 0, 0x28 | INET_ECN_ECT_0);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_ecn_decap(skb, INET_ECN_CE), 0);
	KUNIT_EXPECT_EQ(test, ipv6_get_dsfield(ipv6_hdr(skb)),
			0x28 | INET_ECN_CE);

	skb = gwlbtun_test_inner6(test);
	ipv6_change_dsfield(ipv6_hdr(skb), 0, 0x28);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_ecn_decap(skb, INET_ECN_CE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ipv6_get_dsfield(ipv6_hdr(skb)), 0x28);

	skb = gwlbtun_test_inner6(test);
	ipv6_change_dsfield(ipv6_hdr(skb), 0, INET_ECN_ECT_0);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_ecn_decap(skb, 0), 0);
	KUNIT_EXPECT_EQ(test, ipv6_get_dsfield(ipv6_hdr(skb)), INET_ECN_ECT_0);
}

/* Not IP, or too short to tell: nothing to mark and nothing refused. */
static void gwlbtun_test_ecn_decap_other(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_test_inner4(test);
	unsigned int len = skb->len;

	skb->protocol = htons(ETH_P_ARP);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_ecn_decap(skb, INET_ECN_CE), 0);
	KUNIT_EXPECT_EQ(test, skb->len, len);

	skb = gwlbtun_test_inner4(test);
	skb_trim(skb, sizeof(struct iphdr) - 1);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_ecn_decap(skb, INET_ECN_CE), 0);
}

/* One inner flow, one hash; other flows, other hashes; payload ignored. */
static void gwlbtun_test_flow_hash(struct kunit *test)
{
	struct sk_buff *a = gwlbtun_test_inner4(test);
	struct sk_buff *b = gwlbtun_test_inner4(test);
	struct iphdr *iph = ip_hdr(b);
	struct udphdr *uh = (struct udphdr *)(iph + 1);
	u32 h = gwlbtun_inner_flow_hash(a, 7);

	KUNIT_EXPECT_NE(test, h, 0U);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_flow_hash(b, 7), h);
	KUNIT_EXPECT_NE(test, gwlbtun_inner_flow_hash(b, 8), h);

	/* The payload and the TTL are not part of the flow. */
	((u8 *)(uh + 1))[0] ^= 0xff;
	iph->ttl--;
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_flow_hash(b, 7), h);

	/* The source port, the protocol and the addresses are. */
	uh->source = htons(40001);
	KUNIT_EXPECT_NE(test, gwlbtun_inner_flow_hash(b, 7), h);
	uh->source = htons(40000);
	iph->protocol = IPPROTO_TCP;
	KUNIT_EXPECT_NE(test, gwlbtun_inner_flow_hash(b, 7), h);
	iph->protocol = IPPROTO_UDP;
	iph->daddr ^= htonl(1);
	KUNIT_EXPECT_NE(test, gwlbtun_inner_flow_hash(b, 7), h);
	iph->daddr ^= htonl(1);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_flow_hash(b, 7), h);

	/* A fragment: only the first has ports, so no fragment uses them. */
	iph->frag_off = htons(IP_MF);
	h = gwlbtun_inner_flow_hash(b, 7);
	uh->source = htons(40001);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_flow_hash(b, 7), h);
	iph->frag_off = htons(IP_DF);
	KUNIT_EXPECT_NE(test, gwlbtun_inner_flow_hash(b, 7), h);

	/* IPv6: the ports count too. */
	a = gwlbtun_test_inner(test, true, GWLBTUN_TEST_PAYLOAD, 0);
	h = gwlbtun_inner_flow_hash(a, 7);
	KUNIT_EXPECT_NE(test, h, 0U);
	uh = (struct udphdr *)(ipv6_hdr(a) + 1);
	uh->dest = htons(54);
	KUNIT_EXPECT_NE(test, gwlbtun_inner_flow_hash(a, 7), h);
	uh->dest = htons(53);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_flow_hash(a, 7), h);

	/* Not IP, or too short to be: no hash, the caller falls back. */
	a->protocol = htons(ETH_P_ARP);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_flow_hash(a, 7), 0U);
	b = gwlbtun_test_alloc(test, 8);
	b->protocol = htons(ETH_P_IP);
	skb_reset_network_header(b);
	skb_put_zero(b, 8);
	KUNIT_EXPECT_EQ(test, gwlbtun_inner_flow_hash(b, 7), 0U);
}

static void gwlbtun_test_addr_equal(struct kunit *test)
{
	struct gwlbtun_addr a4 = { .family = AF_INET, .ip4 = GWLBTUN_TEST_GWLB4 };
	struct gwlbtun_addr b4 = a4;
	struct gwlbtun_addr a6 = { .family = AF_INET6, .ip6 = gwlbtun_test_gwlb6 };
	struct gwlbtun_addr b6 = a6;
	/* Its first four bytes are those of 10.0.0.5. */
	struct gwlbtun_addr alias = { .family = AF_INET6 };

	alias.ip6.s6_addr32[0] = GWLBTUN_TEST_GWLB4;

	KUNIT_EXPECT_TRUE(test, gwlbtun_addr_equal(&a4, &b4));
	KUNIT_EXPECT_TRUE(test, gwlbtun_addr_equal(&a6, &b6));
	KUNIT_EXPECT_FALSE(test, gwlbtun_addr_equal(&a4, &alias));
	KUNIT_EXPECT_FALSE(test, gwlbtun_addr_equal(&alias, &a4));
	KUNIT_EXPECT_FALSE(test, gwlbtun_addr_equal(&a4, &a6));

	b4.ip4 = GWLBTUN_TEST_NVA4;
	KUNIT_EXPECT_FALSE(test, gwlbtun_addr_equal(&a4, &b4));
	b6.ip6 = gwlbtun_test_nva6;
	KUNIT_EXPECT_FALSE(test, gwlbtun_addr_equal(&a6, &b6));
}

static struct kunit_case gwlbtun_hdr_cases[] = {
	KUNIT_CASE(gwlbtun_test_vxlan_parse_valid),
	KUNIT_CASE(gwlbtun_test_vxlan_parse_reserved),
	KUNIT_CASE(gwlbtun_test_vxlan_parse_no_i_flag),
	KUNIT_CASE(gwlbtun_test_vxlan_parse_truncated),
	KUNIT_CASE(gwlbtun_test_vxlan_parse_nonlinear),
	KUNIT_CASE(gwlbtun_test_outer_reply_v4),
	KUNIT_CASE(gwlbtun_test_outer_reply_v6),
	KUNIT_CASE(gwlbtun_test_outer_reply_ip_options),
	KUNIT_CASE(gwlbtun_test_outer_reply_compare),
	KUNIT_CASE(gwlbtun_test_outer_unicast_v4),
	KUNIT_CASE(gwlbtun_test_outer_unicast_v6),
	KUNIT_CASE(gwlbtun_test_outer_dsfield),
	KUNIT_CASE(gwlbtun_test_inner_dsfield),
	KUNIT_CASE(gwlbtun_test_inner_tagged),
	KUNIT_CASE(gwlbtun_test_inner_validate_ip4),
	KUNIT_CASE(gwlbtun_test_inner_validate_ip4_bad),
	KUNIT_CASE(gwlbtun_test_inner_validate_ip4_padding),
	KUNIT_CASE(gwlbtun_test_inner_validate_ip6),
	KUNIT_CASE(gwlbtun_test_inner_validate_ip6_bad),
	KUNIT_CASE(gwlbtun_test_inner_validate_other),
	KUNIT_CASE(gwlbtun_test_ecn_decap_v4),
	KUNIT_CASE(gwlbtun_test_ecn_decap_v6),
	KUNIT_CASE(gwlbtun_test_ecn_decap_other),
	KUNIT_CASE(gwlbtun_test_flow_hash),
	KUNIT_CASE(gwlbtun_test_addr_equal),
	{}
};

static struct kunit_suite gwlbtun_hdr_suite = {
	.name = "gwlbtun_hdr",
	.test_cases = gwlbtun_hdr_cases,
};

kunit_test_suite(gwlbtun_hdr_suite);
