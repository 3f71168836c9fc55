// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gwlbtun's header work (module/hdr.c), on real skbs with
 * real headers: VXLAN parsing, the in-place rewrite of the outer headers
 * into the reply's and reading it back, and the inner IP checks.
 */
#include <kunit/test.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
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

/* A copy of the inner frame, to compare with after the rewrite. */
static u8 *gwlbtun_test_copy_inner(struct kunit *test, struct sk_buff *skb)
{
	u8 *copy = kunit_kmalloc(test, GWLBTUN_TEST_INNER_LEN, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, copy);
	KUNIT_ASSERT_EQ(test, skb->len,
			GWLBTUN_UDP_VXLAN_LEN + GWLBTUN_TEST_INNER_LEN);
	memcpy(copy, skb->data + GWLBTUN_UDP_VXLAN_LEN, GWLBTUN_TEST_INNER_LEN);
	return copy;
}

/* The reply's UDP and VXLAN headers, skb->data at the UDP header. */
static void gwlbtun_test_check_udp_vxlan(struct kunit *test,
					 const struct sk_buff *skb,
					 u16 port, u32 vni)
{
	const struct udphdr *uh = (const struct udphdr *)skb->data;
	const struct vxlanhdr *vxh = (const struct vxlanhdr *)(uh + 1);

	KUNIT_EXPECT_EQ(test, ntohs(uh->dest), port);
	KUNIT_EXPECT_TRUE(test, vxh->vx_flags & VXLAN_HF_VNI);
	/* RFC 7348: reserved bits are zero on transmit. */
	KUNIT_EXPECT_EQ(test, vxh->vx_flags, VXLAN_HF_VNI);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(vxh->vx_vni) >> 8, vni);
}

static void gwlbtun_test_check_ip4(struct kunit *test,
				   const struct sk_buff *skb, u8 ttl)
{
	const struct iphdr *iph;

	KUNIT_ASSERT_GE(test, skb_headroom(skb), sizeof(*iph));
	iph = (const struct iphdr *)(skb->data - sizeof(*iph));
	KUNIT_EXPECT_EQ(test, (int)iph->version, 4);
	KUNIT_EXPECT_EQ(test, (int)iph->ihl, 5);
	KUNIT_EXPECT_EQ(test, iph->saddr, GWLBTUN_TEST_NVA4);
	KUNIT_EXPECT_EQ(test, iph->daddr, GWLBTUN_TEST_GWLB4);
	KUNIT_EXPECT_EQ(test, iph->protocol, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, iph->frag_off, htons(IP_DF));
	KUNIT_EXPECT_EQ(test, iph->ttl, ttl);
}

static void gwlbtun_test_check_locate4(struct kunit *test, struct sk_buff *skb,
				       enum gwlbtun_dir dir, bool udp_csum)
{
	struct gwlbtun_reply r;

	memset(&r, 0xa5, sizeof(r));
	skb_pull(skb, GWLBTUN_UDP_VXLAN_LEN);
	KUNIT_ASSERT_EQ(test, gwlbtun_outer_locate(skb, &r), 0);
	KUNIT_EXPECT_EQ(test, r.gwlb.family, AF_INET);
	KUNIT_EXPECT_EQ(test, r.gwlb.ip4, GWLBTUN_TEST_GWLB4);
	KUNIT_EXPECT_EQ(test, r.local.family, AF_INET);
	KUNIT_EXPECT_EQ(test, r.local.ip4, GWLBTUN_TEST_NVA4);
	KUNIT_EXPECT_EQ(test, r.dir, dir);
	KUNIT_EXPECT_EQ(test, r.hlen, sizeof(struct iphdr));
	KUNIT_EXPECT_EQ(test, r.udp_csum, udp_csum);
}

static const struct {
	u8 ttl;
	bool udp_csum;
} gwlbtun_test_variants[] = {
	{ .ttl = 0, .udp_csum = true },
	{ .ttl = 17, .udp_csum = false },
	{ .ttl = 0, .udp_csum = false },
	{ .ttl = 17, .udp_csum = true },
};

static void gwlbtun_test_prepare_locate_v4(struct kunit *test)
{
	const struct gwlbtun_tunnel out = { .vni = 900, .port = 10800 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gwlbtun_test_variants); i++) {
		u8 ttl = gwlbtun_test_variants[i].ttl;
		bool csum = gwlbtun_test_variants[i].udp_csum;
		struct sk_buff *skb;
		u8 *inner;

		/* Reserved VXLAN bits set on receive, cleared in the reply. */
		skb = gwlbtun_test_rx(test, &(struct gwlbtun_test_outer){
			.ihl = 5,
			.vx_flags = cpu_to_be32(0xffffffff),
			.vx_vni = cpu_to_be32(901 << 8 | 0x5a),
		});
		inner = gwlbtun_test_copy_inner(test, skb);
		KUNIT_ASSERT_EQ(test, gwlbtun_outer_prepare(skb, &out,
							    GWLBTUN_INT, ttl,
							    csum), 0);
		gwlbtun_test_check_ip4(test, skb, ttl);
		gwlbtun_test_check_udp_vxlan(test, skb, 10800, 900);
		KUNIT_EXPECT_EQ(test, memcmp(skb->data + GWLBTUN_UDP_VXLAN_LEN,
					     inner, GWLBTUN_TEST_INNER_LEN), 0);
		gwlbtun_test_check_locate4(test, skb, GWLBTUN_INT, csum);
		/* Locating reads; the inner frame is still what it was. */
		KUNIT_EXPECT_EQ(test, skb->len, GWLBTUN_TEST_INNER_LEN);
		KUNIT_EXPECT_EQ(test, memcmp(skb->data, inner,
					     GWLBTUN_TEST_INNER_LEN), 0);
	}
}

static void gwlbtun_test_prepare_locate_v6(struct kunit *test)
{
	const struct gwlbtun_tunnel out = { .vni = 901, .port = 10801 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gwlbtun_test_variants); i++) {
		u8 ttl = gwlbtun_test_variants[i].ttl;
		bool csum = gwlbtun_test_variants[i].udp_csum;
		const struct ipv6hdr *ip6h;
		struct gwlbtun_reply r;
		struct sk_buff *skb;
		u8 *inner;

		skb = gwlbtun_test_rx(test, &gwlbtun_test_v6);
		inner = gwlbtun_test_copy_inner(test, skb);
		KUNIT_ASSERT_EQ(test, gwlbtun_outer_prepare(skb, &out,
							    GWLBTUN_EXT, ttl,
							    csum), 0);

		ip6h = (const struct ipv6hdr *)(skb->data - sizeof(*ip6h));
		KUNIT_EXPECT_EQ(test, (int)ip6h->version, 6);
		KUNIT_EXPECT_EQ(test, ip6h->nexthdr, IPPROTO_UDP);
		KUNIT_EXPECT_EQ(test, ip6h->hop_limit, ttl);
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&ip6h->saddr,
							&gwlbtun_test_nva6));
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&ip6h->daddr,
							&gwlbtun_test_gwlb6));
		gwlbtun_test_check_udp_vxlan(test, skb, 10801, 901);
		KUNIT_EXPECT_EQ(test, memcmp(skb->data + GWLBTUN_UDP_VXLAN_LEN,
					     inner, GWLBTUN_TEST_INNER_LEN), 0);

		memset(&r, 0xa5, sizeof(r));
		skb_pull(skb, GWLBTUN_UDP_VXLAN_LEN);
		KUNIT_ASSERT_EQ(test, gwlbtun_outer_locate(skb, &r), 0);
		KUNIT_EXPECT_EQ(test, r.gwlb.family, AF_INET6);
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&r.gwlb.ip6,
							&gwlbtun_test_gwlb6));
		KUNIT_EXPECT_EQ(test, r.local.family, AF_INET6);
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&r.local.ip6,
							&gwlbtun_test_nva6));
		KUNIT_EXPECT_EQ(test, r.dir, GWLBTUN_EXT);
		KUNIT_EXPECT_EQ(test, r.hlen, sizeof(struct ipv6hdr));
		KUNIT_EXPECT_EQ(test, r.udp_csum, csum);
	}
}

/* Received with IP options: the reply still has a plain 20-byte header. */
static void gwlbtun_test_prepare_ip_options(struct kunit *test)
{
	const struct gwlbtun_tunnel out = { .vni = 900, .port = 10800 };
	unsigned int ihl;

	for (ihl = 6; ihl <= 7; ihl++) {
		struct sk_buff *skb;
		u8 *inner;

		skb = gwlbtun_test_rx(test, &(struct gwlbtun_test_outer){
			.ihl = ihl,
			.vx_flags = VXLAN_HF_VNI,
			.vx_vni = cpu_to_be32(901 << 8),
		});
		KUNIT_ASSERT_EQ(test, skb_network_header_len(skb), ihl * 4);
		inner = gwlbtun_test_copy_inner(test, skb);
		KUNIT_ASSERT_EQ(test, gwlbtun_outer_prepare(skb, &out,
							    GWLBTUN_INT, 17,
							    true), 0);
		gwlbtun_test_check_ip4(test, skb, 17);
		gwlbtun_test_check_udp_vxlan(test, skb, 10800, 900);
		KUNIT_EXPECT_EQ(test, memcmp(skb->data + GWLBTUN_UDP_VXLAN_LEN,
					     inner, GWLBTUN_TEST_INNER_LEN), 0);
		gwlbtun_test_check_locate4(test, skb, GWLBTUN_INT, true);
	}
}

/* A clone (a packet socket's, say) keeps seeing what was received. */
static void gwlbtun_test_prepare_clone(struct kunit *test)
{
	const struct gwlbtun_tunnel out = { .vni = 900, .port = 10800 };
	struct sk_buff *skb = gwlbtun_test_rx(test, &gwlbtun_test_v4);
	unsigned int iplen = sizeof(struct iphdr);
	unsigned int len = iplen + skb->len;
	struct sk_buff *clone;
	u8 *before;

	clone = gwlbtun_test_track(test, skb_clone(skb, GFP_KERNEL));
	KUNIT_ASSERT_PTR_EQ(test, clone->data, skb->data);
	before = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	memcpy(before, clone->data - iplen, len);

	KUNIT_ASSERT_EQ(test, gwlbtun_outer_prepare(skb, &out, GWLBTUN_INT, 0,
						    true), 0);
	/* The clone's view, outer headers included, is untouched... */
	KUNIT_EXPECT_EQ(test, memcmp(clone->data - iplen, before, len), 0);
	KUNIT_EXPECT_EQ(test, ntohs(udp_hdr(clone)->dest), 10801);
	KUNIT_EXPECT_EQ(test, ip_hdr(clone)->saddr, GWLBTUN_TEST_GWLB4);
	/* ...while the original was rewritten on a head of its own. */
	KUNIT_EXPECT_PTR_NE(test, skb->head, clone->head);
	gwlbtun_test_check_ip4(test, skb, 0);
	gwlbtun_test_check_udp_vxlan(test, skb, 10800, 900);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + GWLBTUN_UDP_VXLAN_LEN,
				     before + iplen + GWLBTUN_UDP_VXLAN_LEN,
				     GWLBTUN_TEST_INNER_LEN), 0);
	gwlbtun_test_check_locate4(test, skb, GWLBTUN_INT, true);
}

/*
 * Under CHECKSUM_COMPLETE, skb->csum covers skb->data onwards, so the
 * rewritten UDP and VXLAN headers must be accounted for: after the rewrite
 * and the pull to the inner frame the sum still matches the bytes.
 */
static void gwlbtun_test_prepare_csum_complete(struct kunit *test)
{
	const struct gwlbtun_tunnel out = { .vni = 900, .port = 10800 };
	struct sk_buff *skb = gwlbtun_test_rx(test, &gwlbtun_test_v4);

	skb->ip_summed = CHECKSUM_COMPLETE;
	skb->csum = skb_checksum(skb, 0, skb->len, 0);
	KUNIT_ASSERT_EQ(test, gwlbtun_outer_prepare(skb, &out, GWLBTUN_INT, 0,
						    true), 0);
	KUNIT_EXPECT_EQ(test, csum_fold(skb->csum),
			csum_fold(skb_checksum(skb, 0, skb->len, 0)));
	skb_pull_rcsum(skb, GWLBTUN_UDP_VXLAN_LEN);
	KUNIT_EXPECT_EQ(test, csum_fold(skb->csum),
			csum_fold(skb_checksum(skb, 0, skb->len, 0)));
}

static void gwlbtun_test_locate_invalid(struct kunit *test)
{
	unsigned int room = GWLBTUN_UDP_VXLAN_LEN + sizeof(struct iphdr);
	struct gwlbtun_reply r;
	struct vxlanhdr *vxh;
	struct sk_buff *skb;

	/* A received packet, never prepared: the reserved byte is 0. */
	skb = gwlbtun_test_rx(test, &gwlbtun_test_v4);
	skb_pull(skb, GWLBTUN_UDP_VXLAN_LEN);
	KUNIT_EXPECT_EQ(test, gwlbtun_outer_locate(skb, &r), -EINVAL);

	/* Zeroed outer headers in front of the frame. */
	skb = gwlbtun_test_rx(test, &gwlbtun_test_v4);
	memset(skb->data - sizeof(struct iphdr), 0, room);
	skb_pull(skb, GWLBTUN_UDP_VXLAN_LEN);
	KUNIT_EXPECT_EQ(test, gwlbtun_outer_locate(skb, &r), -EINVAL);

	/* No room in front of the frame for the outer headers at all. */
	skb = gwlbtun_test_track(test, alloc_skb(GWLBTUN_TEST_INNER_LEN + 8,
						 GFP_KERNEL));
	skb_reserve(skb, 8);
	gwlbtun_test_put_inner(skb_put(skb, GWLBTUN_TEST_INNER_LEN));
	KUNIT_EXPECT_EQ(test, gwlbtun_outer_locate(skb, &r), -EINVAL);

	/*
	 * An IPv6 hint with room for an IPv4 header but not an IPv6 one.
	 * A prepared IPv6 reply with the headroom cut short stands in.
	 */
	skb = gwlbtun_test_rx(test, &gwlbtun_test_v6);
	KUNIT_ASSERT_EQ(test, gwlbtun_outer_prepare(skb,
						    &(struct gwlbtun_tunnel){
							.vni = 901,
							.port = 10801,
						    },
						    GWLBTUN_EXT, 0, true), 0);
	skb_pull(skb, GWLBTUN_UDP_VXLAN_LEN);
	KUNIT_ASSERT_EQ(test, gwlbtun_outer_locate(skb, &r), 0);
	vxh = (struct vxlanhdr *)(skb->data - sizeof(*vxh));
	skb = gwlbtun_test_track(test, alloc_skb(room + GWLBTUN_TEST_INNER_LEN,
						 GFP_KERNEL));
	skb_reserve(skb, room);
	memcpy(skb->data - sizeof(*vxh), vxh, sizeof(*vxh));
	gwlbtun_test_put_inner(skb_put(skb, GWLBTUN_TEST_INNER_LEN));
	KUNIT_ASSERT_EQ(test, skb_headroom(skb), room);
	KUNIT_EXPECT_EQ(test, gwlbtun_outer_locate(skb, &r), -EINVAL);
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
	KUNIT_CASE(gwlbtun_test_prepare_locate_v4),
	KUNIT_CASE(gwlbtun_test_prepare_locate_v6),
	KUNIT_CASE(gwlbtun_test_prepare_ip_options),
	KUNIT_CASE(gwlbtun_test_prepare_clone),
	KUNIT_CASE(gwlbtun_test_prepare_csum_complete),
	KUNIT_CASE(gwlbtun_test_locate_invalid),
	KUNIT_CASE(gwlbtun_test_inner_validate_ip4),
	KUNIT_CASE(gwlbtun_test_inner_validate_ip4_bad),
	KUNIT_CASE(gwlbtun_test_inner_validate_ip4_padding),
	KUNIT_CASE(gwlbtun_test_inner_validate_ip6),
	KUNIT_CASE(gwlbtun_test_inner_validate_ip6_bad),
	KUNIT_CASE(gwlbtun_test_inner_validate_other),
	KUNIT_CASE(gwlbtun_test_flow_hash),
	KUNIT_CASE(gwlbtun_test_addr_equal),
	{}
};

static struct kunit_suite gwlbtun_hdr_suite = {
	.name = "gwlbtun_hdr",
	.test_cases = gwlbtun_hdr_cases,
};

kunit_test_suite(gwlbtun_hdr_suite);
