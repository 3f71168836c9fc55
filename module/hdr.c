// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: header work on skbs, free of configuration state so KUnit can
 * drive it.
 *
 * The reflected packet reuses the received skb; the inner frame is never
 * touched. What the reply needs from the outer headers is read into a
 * struct gwlbtun_reply on receive (carried by the skb, see reply.c), and
 * transmit writes whole new outer headers: no byte of the received ones
 * is trusted after the hooks.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <linux/if_ether.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/vxlan.h>
#include <net/netfilter/nf_conntrack.h>
#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <net/inet_ecn.h>

#include "gwlbtun.h"

bool gwlbtun_addr_equal(const struct gwlbtun_addr *a,
			const struct gwlbtun_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->ip4 == b->ip4;
	return ipv6_addr_equal(&a->ip6, &b->ip6);
}

/* Enough of a TCP header for the ports and flags. */
#define GWLBTUN_L4_PEEK		sizeof(struct tcphdr)

/*
 * RFC 7348: the I flag must be set; the other flag and reserved bits are
 * ignored on receive. @skb->data is at the UDP header. On success the UDP
 * header, the VXLAN header and the inner Ethernet header are linear. (Only
 * headers: pulling payload into the head of a TCP super-packet costs its
 * end-to-end throughput dearly.)
 */
int gwlbtun_vxlan_parse(struct sk_buff *skb, u32 *vni)
{
	const struct vxlanhdr *vxh;

	if (!pskb_may_pull(skb, GWLBTUN_UDP_VXLAN_LEN + ETH_HLEN))
		return -EINVAL;
	vxh = (const struct vxlanhdr *)(skb->data + sizeof(struct udphdr));
	if (!(vxh->vx_flags & VXLAN_HF_VNI))
		return -EINVAL;
	*vni = be32_to_cpu(vxh->vx_vni) >> 8;
	return 0;
}

/* The outer source address of a received packet (the GWLB). */
void gwlbtun_outer_source(const struct sk_buff *skb, struct gwlbtun_addr *a)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		a->family = AF_INET;
		a->ip4 = ip_hdr(skb)->saddr;
	} else {
		a->family = AF_INET6;
		a->ip6 = ipv6_hdr(skb)->saddr;
	}
}

/*
 * The reply context of a received packet that arrived on tunnel @in: back
 * to its sender, from the address it was sent to, over the other tunnel.
 * The outer IP header is the skb's network header.
 */
void gwlbtun_outer_reply(const struct sk_buff *skb, enum gwlbtun_dir in,
			 struct gwlbtun_reply *r)
{
	memset(r, 0, sizeof(*r));
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		r->gwlb.family = AF_INET;
		r->gwlb.ip4 = iph->saddr;
		r->local.family = AF_INET;
		r->local.ip4 = iph->daddr;
		r->ttl_in = iph->ttl;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		r->gwlb.family = AF_INET6;
		r->gwlb.ip6 = ip6h->saddr;
		r->local.family = AF_INET6;
		r->local.ip6 = ip6h->daddr;
		r->ttl_in = ip6h->hop_limit;
	}
	r->in_dir = in;
	r->dir = gwlbtun_other(in);
}

/*
 * Was the outer packet addressed to this host alone? A reply to a
 * multicast or broadcast packet would carry a group address as its source.
 */
bool gwlbtun_outer_unicast(const struct sk_buff *skb)
{
	if (skb->pkt_type != PACKET_HOST)
		return false;
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct rtable *rt = skb_rtable(skb);
		__be32 daddr = ip_hdr(skb)->daddr;

		if (ipv4_is_multicast(daddr) || ipv4_is_lbcast(daddr) ||
		    ipv4_is_zeronet(daddr))
			return false;
		return !rt || !(rt->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST));
	}
	return !ipv6_addr_is_multicast(&ipv6_hdr(skb)->daddr);
}

/* The outer DS field (DSCP and ECN) of a received packet. */
u8 gwlbtun_outer_dsfield(const struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return ip_hdr(skb)->tos;
	return ipv6_get_dsfield(ipv6_hdr(skb));
}

/*
 * A hash of the inner flow (addresses, protocol and, for unfragmented
 * TCP/UDP/SCTP/DCCP, ports) for the reply's UDP source port: one flow, one
 * port, as RFC 7348 asks. It reads only what netfilter reads anyway and is
 * much cheaper than the generic flow dissector on this path. 0: not IP.
 */
u32 gwlbtun_inner_flow_hash(const struct sk_buff *skb, u32 seed)
{
	int off = skb_network_offset(skb);
	__be32 _ports, ports = 0;
	const __be32 *pp;
	bool l4 = true;
	u8 proto;
	u32 h;

	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph;
		struct iphdr _iph;

		iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
		if (!iph)
			return 0;
		proto = iph->protocol;
		h = jhash_3words((__force u32)iph->saddr,
				 (__force u32)iph->daddr, proto, seed);
		/* Only the first fragment has ports: leave them all out. */
		l4 = !ip_is_fragment(iph);
		off += iph->ihl * 4;
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6h;
		struct ipv6hdr _ip6h;

		ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
		if (!ip6h)
			return 0;
		proto = ip6h->nexthdr;
		h = jhash2((const u32 *)&ip6h->saddr, 8, seed ^ proto);
		off += sizeof(*ip6h);
	} else {
		return 0;
	}

	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		pp = l4 ? skb_header_pointer(skb, off, sizeof(_ports), &_ports) :
			  NULL;
		if (pp)
			ports = *pp;
		break;
	}
	return jhash_1word((__force u32)ports, h) ?: 1;
}

/*
 * The inner packet's DS field, read from wherever it is (with the hooks
 * off only the Ethernet header is pulled). 0 for anything but untagged IP.
 * The mac header marks the inner Ethernet header.
 */
u8 gwlbtun_inner_dsfield(const struct sk_buff *skb)
{
	int off = skb_mac_offset(skb) + ETH_HLEN;
	__be16 proto = eth_hdr(skb)->h_proto;
	u8 buf[2];
	const u8 *p;

	if (proto != htons(ETH_P_IP) && proto != htons(ETH_P_IPV6))
		return 0;
	p = skb_header_pointer(skb, off, sizeof(buf), buf);
	if (!p)
		return 0;
	if (proto == htons(ETH_P_IP))
		return (p[0] >> 4) == 4 ? p[1] : 0;
	if ((p[0] >> 4) != 6)
		return 0;
	return (p[0] << 4) | (p[1] >> 4);
}

/*
 * RFC 6040 on decapsulation, as the vxlan driver does it: an outer CE mark
 * is copied into an ECN-capable inner packet; a CE-marked outer packet
 * around a not-ECT inner one is dropped (-EINVAL). @skb->data is at the
 * inner network header; only called when the outer is CE.
 */
int gwlbtun_inner_ecn_decap(struct sk_buff *skb, u8 outer_ds)
{
	u8 inner;

	if (skb->protocol == htons(ETH_P_IP)) {
		if (!pskb_may_pull(skb, sizeof(struct iphdr)))
			return 0;
		if (ip_hdr(skb)->version != 4)
			return 0;
		inner = ip_hdr(skb)->tos;
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)))
			return 0;
		if (ipv6_hdr(skb)->version != 6)
			return 0;
		inner = ipv6_get_dsfield(ipv6_hdr(skb));
	} else {
		/* Not IP: nothing to mark, nothing to drop. */
		return 0;
	}
	if (INET_ECN_decapsulate(skb, outer_ds, inner) > 1)
		return -EINVAL;
	return 0;
}

/* IP inside one or more VLAN tags: netfilter's inet hooks cannot see it. */
bool gwlbtun_inner_tagged(const struct sk_buff *skb)
{
	return eth_type_vlan(skb->protocol);
}

/*
 * Decapsulate a packet onto @dev: skb->data moves to the inner
 * network header, the mac header marks the inner Ethernet header, and what
 * belonged to the outer packet (route, conntrack entry, flow hash) is gone.
 */
void gwlbtun_decap(struct sk_buff *skb, struct net_device *dev)
{
	skb_pull_rcsum(skb, GWLBTUN_UDP_VXLAN_LEN);
	skb_reset_mac_header(skb);
	skb->protocol = eth_hdr(skb)->h_proto;
	skb->mac_len = ETH_HLEN;
	skb_pull_rcsum(skb, ETH_HLEN);
	skb_reset_network_header(skb);
	skb->dev = dev;
	skb->skb_iif = dev->ifindex;
	skb->pkt_type = PACKET_HOST;
	skb->encapsulation = 0;
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb_clear_hash(skb);
}

/*
 * The checks ip_rcv() and ipv6_rcv() make before netfilter sees a packet;
 * the hooks rely on them. @skb->data is at the inner network header. Trims
 * link-layer padding, as the IP stack and br_netfilter do.
 */
static int gwlbtun_inner_validate4(struct sk_buff *skb)
{
	const struct iphdr *iph;
	unsigned int len, hlen;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return -EINVAL;
	iph = ip_hdr(skb);
	if (iph->ihl < 5 || iph->version != 4)
		return -EINVAL;
	if (!pskb_may_pull(skb, iph->ihl * 4))
		return -EINVAL;
	iph = ip_hdr(skb);
	if (unlikely(ip_fast_csum((const u8 *)iph, iph->ihl)))
		return -EINVAL;
	len = ntohs(iph->tot_len);
	if (skb->len < len || len < iph->ihl * 4)
		return -EINVAL;
	hlen = iph->ihl * 4;
	if (pskb_trim_rcsum(skb, len))
		return -ENOMEM;
	/* Rules read ports: keep them off netfilter's slow, copying path. */
	if (!pskb_may_pull(skb, min_t(unsigned int, len, hlen + GWLBTUN_L4_PEEK)))
		return -ENOMEM;
	skb_set_transport_header(skb, hlen);
	memset(IPCB(skb), 0, sizeof(struct inet_skb_parm));
	IPCB(skb)->iif = skb->skb_iif;
	return 0;
}

static int gwlbtun_inner_validate6(struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(*ip6h)))
		return -EINVAL;
	ip6h = ipv6_hdr(skb);
	if (ip6h->version != 6)
		return -EINVAL;
	/* A zero payload length means a jumbogram; those are not reflected. */
	len = ntohs(ip6h->payload_len);
	if (!len || len + sizeof(*ip6h) > skb->len)
		return -EINVAL;
	if (pskb_trim_rcsum(skb, len + sizeof(*ip6h)))
		return -ENOMEM;
	if (!pskb_may_pull(skb, sizeof(*ip6h) + min_t(unsigned int, len,
						      GWLBTUN_L4_PEEK)))
		return -ENOMEM;
	skb_set_transport_header(skb, sizeof(*ip6h));
	memset(IP6CB(skb), 0, sizeof(struct inet6_skb_parm));
	IP6CB(skb)->iif = skb->skb_iif;
	IP6CB(skb)->nhoff = offsetof(struct ipv6hdr, nexthdr);
	return 0;
}

/*
 * After reassembly: what gwlbtun_inner_validate() set up, again, without
 * clearing the IP control block (it holds frag_max_size, which transmit
 * refragments to).
 */
int gwlbtun_inner_reassembled(struct sk_buff *skb)
{
	unsigned int hlen;

	if (skb->protocol == htons(ETH_P_IP)) {
		hlen = ip_hdrlen(skb);
		if (!pskb_may_pull(skb, min_t(unsigned int, skb->len,
					      hlen + GWLBTUN_L4_PEEK)))
			return -ENOMEM;
		skb_set_transport_header(skb, hlen);
		IPCB(skb)->iif = skb->dev->ifindex;
	} else {
		hlen = sizeof(struct ipv6hdr);
		if (!pskb_may_pull(skb, min_t(unsigned int, skb->len,
					      hlen + GWLBTUN_L4_PEEK)))
			return -ENOMEM;
		skb_set_transport_header(skb, hlen);
		IP6CB(skb)->iif = skb->dev->ifindex;
		IP6CB(skb)->nhoff = offsetof(struct ipv6hdr, nexthdr);
	}
	return 0;
}

int gwlbtun_inner_validate(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return gwlbtun_inner_validate4(skb);
	if (skb->protocol == htons(ETH_P_IPV6))
		return gwlbtun_inner_validate6(skb);
	return -EPROTONOSUPPORT;
}
