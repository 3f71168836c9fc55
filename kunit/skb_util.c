// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun KUnit: building the skbs the suites feed to the module, as the
 * network stack would hand them over.
 */
#include <kunit/resource.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/vxlan.h>

#include "gwlbtun.h"
#include "skb_util.h"

const struct in6_addr gwlbtun_test_gwlb6 = {
	.in6_u.u6_addr8 = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 }
};

const struct in6_addr gwlbtun_test_nva6 = {
	.in6_u.u6_addr8 = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 }
};

const struct gwlbtun_test_outer gwlbtun_test_v4 = {
	.ihl = 5,
	.vx_flags = VXLAN_HF_VNI,
	.vx_vni = cpu_to_be32(901 << 8),
};

const struct gwlbtun_test_outer gwlbtun_test_v6 = {
	.v6 = true,
	.vx_flags = VXLAN_HF_VNI,
	.vx_vni = cpu_to_be32(900 << 8),
};

/* Every skb a test makes is freed when the test ends, even on failure. */
static int gwlbtun_test_skb_init(struct kunit_resource *res, void *context)
{
	res->data = context;
	return 0;
}

static void gwlbtun_test_skb_free(struct kunit_resource *res)
{
	kfree_skb(res->data);
}

struct sk_buff *gwlbtun_test_track(struct kunit *test, struct sk_buff *skb)
{
	KUNIT_ASSERT_NOT_NULL(test, skb);
	if (!kunit_alloc_resource(test, gwlbtun_test_skb_init,
				  gwlbtun_test_skb_free, GFP_KERNEL, skb)) {
		kfree_skb(skb);
		KUNIT_ASSERT_FAILURE(test, "cannot track an skb");
	}
	return skb;
}

static bool gwlbtun_test_skb_match(struct kunit *test,
				   struct kunit_resource *res, void *skb)
{
	return res->free == gwlbtun_test_skb_free && res->data == skb;
}

/* @skb is handed to code that frees it: the test no longer does. */
void gwlbtun_test_untrack(struct kunit *test, struct sk_buff *skb)
{
	struct kunit_resource *res;

	res = kunit_find_resource(test, gwlbtun_test_skb_match, skb);
	if (!res)
		return;
	res->data = NULL;	/* kfree_skb(NULL) does nothing */
	kunit_put_resource(res);
}

struct sk_buff *gwlbtun_test_alloc(struct kunit *test, unsigned int len)
{
	struct sk_buff *skb;

	skb = gwlbtun_test_track(test, alloc_skb(GWLBTUN_TEST_HEADROOM + len,
						 GFP_KERNEL));
	skb_reserve(skb, GWLBTUN_TEST_HEADROOM);
	return skb;
}

static void gwlbtun_test_fill(u8 *p, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		p[i] = i * 7 + 1;
}

/* An IPv4 + UDP datagram, 192.0.2.1:40000 -> 198.51.100.2:53. */
void gwlbtun_test_put_ip4(void *buf, unsigned int payload)
{
	struct iphdr *iph = buf;
	struct udphdr *uh = (struct udphdr *)(iph + 1);
	unsigned int ulen = sizeof(*uh) + payload;

	memset(iph, 0, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(sizeof(*iph) + ulen);
	iph->id = htons(7);
	iph->frag_off = htons(IP_DF);
	iph->ttl = 63;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = cpu_to_be32(0xc0000201);
	iph->daddr = cpu_to_be32(0xc6336402);
	ip_send_check(iph);

	uh->source = htons(40000);
	uh->dest = htons(53);
	uh->len = htons(ulen);
	uh->check = 0;
	gwlbtun_test_fill((u8 *)(uh + 1), payload);
	uh->check = csum_tcpudp_magic(iph->saddr, iph->daddr, ulen, IPPROTO_UDP,
				      csum_partial(uh, ulen, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
}

/* An IPv6 + UDP datagram, [2001:db8::1]:40000 -> [2001:db8::2]:53. */
void gwlbtun_test_put_ip6(void *buf, unsigned int payload)
{
	struct ipv6hdr *ip6h = buf;
	struct udphdr *uh = (struct udphdr *)(ip6h + 1);
	unsigned int ulen = sizeof(*uh) + payload;

	memset(ip6h, 0, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->payload_len = htons(ulen);
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = 63;
	ip6h->saddr.s6_addr32[0] = cpu_to_be32(0x20010db8);
	ip6h->saddr.s6_addr32[3] = cpu_to_be32(1);
	ip6h->daddr.s6_addr32[0] = cpu_to_be32(0x20010db8);
	ip6h->daddr.s6_addr32[3] = cpu_to_be32(2);

	uh->source = htons(40000);
	uh->dest = htons(53);
	uh->len = htons(ulen);
	uh->check = 0;
	gwlbtun_test_fill((u8 *)(uh + 1), payload);
	uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, ulen,
				    IPPROTO_UDP, csum_partial(uh, ulen, 0));
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
}

struct ethhdr *gwlbtun_test_put_eth(void *buf, u16 proto)
{
	static const u8 dmac[ETH_ALEN] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc };
	static const u8 smac[ETH_ALEN] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct ethhdr *eth = buf;

	memcpy(eth->h_dest, dmac, ETH_ALEN);
	memcpy(eth->h_source, smac, ETH_ALEN);
	eth->h_proto = htons(proto);
	return eth;
}

/* The inner frame: Ethernet + IPv4 + UDP, GWLBTUN_TEST_INNER_LEN bytes. */
void gwlbtun_test_put_inner(void *buf)
{
	struct ethhdr *eth = gwlbtun_test_put_eth(buf, ETH_P_IP);

	gwlbtun_test_put_ip4(eth + 1, GWLBTUN_TEST_PAYLOAD);
}

/* Ethernet + IPv6 + UDP, GWLBTUN_TEST_INNER6_LEN bytes. */
void gwlbtun_test_put_inner6(void *buf)
{
	struct ethhdr *eth = gwlbtun_test_put_eth(buf, ETH_P_IPV6);

	gwlbtun_test_put_ip6(eth + 1, GWLBTUN_TEST_PAYLOAD);
}

/* 10.0.0.5 (or fd00::5) -> 10.0.0.9 (or fd00::9), UDP port 10801. */
unsigned int gwlbtun_test_put_outer(struct sk_buff *skb,
				    const struct gwlbtun_test_outer *o,
				    unsigned int len)
{
	unsigned int iplen = o->v6 ? sizeof(struct ipv6hdr) : o->ihl * 4;
	struct vxlanhdr *vxh;
	struct udphdr *uh;

	skb_reset_network_header(skb);
	if (o->v6) {
		struct ipv6hdr *ip6h = skb_put_zero(skb, iplen);

		ip6h->version = 6;
		ip6h->priority = 1;
		ip6h->flow_lbl[2] = 0x42;
		ip6h->payload_len = htons(len - iplen);
		ip6h->nexthdr = IPPROTO_UDP;
		ip6h->hop_limit = 64;
		ip6h->saddr = gwlbtun_test_gwlb6;
		ip6h->daddr = gwlbtun_test_nva6;
		skb->protocol = htons(ETH_P_IPV6);
	} else {
		struct iphdr *iph = skb_put_zero(skb, iplen);

		iph->version = 4;
		iph->ihl = o->ihl;
		iph->tos = 0x28;
		iph->tot_len = htons(len);
		iph->id = htons(0x1234);
		iph->ttl = 64;
		iph->protocol = IPPROTO_UDP;
		iph->saddr = GWLBTUN_TEST_GWLB4;
		iph->daddr = GWLBTUN_TEST_NVA4;
		memset(iph + 1, IPOPT_NOOP, iplen - sizeof(*iph));
		ip_send_check(iph);
		skb->protocol = htons(ETH_P_IP);
	}
	skb_set_transport_header(skb, iplen);

	uh = skb_put_zero(skb, sizeof(*uh));
	uh->source = htons(49321);
	uh->dest = htons(10801);
	uh->len = htons(len - iplen);
	vxh = skb_put(skb, sizeof(*vxh));
	vxh->vx_flags = o->vx_flags;
	vxh->vx_vni = o->vx_vni;
	return iplen;
}

/*
 * The reply context of a packet from the GWLB to the appliance, as
 * gwlbtun_outer_reply() must read it, built from zeroed memory so that a
 * memcmp() against it checks the padding too.
 */
void gwlbtun_test_reply(struct gwlbtun_reply *r, bool v6, u8 in, u8 ttl)
{
	memset(r, 0, sizeof(*r));
	if (v6) {
		r->gwlb.family = AF_INET6;
		r->gwlb.ip6 = gwlbtun_test_gwlb6;
		r->local.family = AF_INET6;
		r->local.ip6 = gwlbtun_test_nva6;
	} else {
		r->gwlb.family = AF_INET;
		r->gwlb.ip4 = GWLBTUN_TEST_GWLB4;
		r->local.family = AF_INET;
		r->local.ip4 = GWLBTUN_TEST_NVA4;
	}
	r->in_dir = in;
	r->dir = gwlbtun_other(in);
	r->ttl_in = ttl;
}

/*
 * A received packet carrying the inner Ethernet frame @frame of @frame_len
 * bytes, skb->data at the UDP header.
 */
struct sk_buff *gwlbtun_test_rx_frame(struct kunit *test,
				      const struct gwlbtun_test_outer *o,
				      const void *frame, unsigned int frame_len)
{
	unsigned int iplen = o->v6 ? sizeof(struct ipv6hdr) : o->ihl * 4;
	unsigned int len = iplen + GWLBTUN_UDP_VXLAN_LEN + frame_len;
	struct sk_buff *skb = gwlbtun_test_alloc(test, len);

	gwlbtun_test_put_outer(skb, o, len);
	skb_put_data(skb, frame, frame_len);
	__skb_pull(skb, iplen);
	return skb;
}

/*
 * A whole received packet, with skb->data at the UDP header as the UDP
 * stack hands it to the encapsulation socket.
 */
struct sk_buff *gwlbtun_test_rx(struct kunit *test,
				const struct gwlbtun_test_outer *o)
{
	unsigned int iplen = o->v6 ? sizeof(struct ipv6hdr) : o->ihl * 4;
	unsigned int inner_len = o->inner6 ? GWLBTUN_TEST_INNER6_LEN :
					     GWLBTUN_TEST_INNER_LEN;
	unsigned int len = iplen + GWLBTUN_UDP_VXLAN_LEN + inner_len;
	struct sk_buff *skb = gwlbtun_test_alloc(test, len);

	gwlbtun_test_put_outer(skb, o, len);
	if (o->inner6)
		gwlbtun_test_put_inner6(skb_put(skb, inner_len));
	else
		gwlbtun_test_put_inner(skb_put(skb, inner_len));
	__skb_pull(skb, iplen);
	return skb;
}
