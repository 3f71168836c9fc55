// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: header work on skbs, free of configuration state so KUnit can
 * drive it.
 *
 * The reflected packet reuses the received skb. On receive, once a packet
 * is known to be ours, the reply's outer IP, UDP and VXLAN headers are
 * written in place directly in front of the inner Ethernet header, where
 * the received ones were; the inner frame is not touched. The last
 * reserved byte of that VXLAN header carries what transmit needs to know
 * (outer family, tunnel, checksum choice) across the netfilter hooks, which
 * may queue the packet to userspace and lose every per-call context: the
 * bytes sit in the headroom, which skb reallocation preserves, and
 * transmit clears the byte before the packet leaves.
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

#include "gwlbtun.h"

#define GWLBTUN_HINT_VALID	0x80
#define GWLBTUN_HINT_V6		0x01
#define GWLBTUN_HINT_INTERNAL	0x02
#define GWLBTUN_HINT_NOCSUM	0x04

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
 * Turn the received outer headers into the reply's, in place: addresses
 * swapped, UDP destination port and VNI of tunnel @out, TTL @ttl (0: the
 * route's default, filled in at transmit). Lengths, checksums and the UDP
 * source port are filled in at transmit. @skb->data stays at the UDP header.
 */
int gwlbtun_outer_prepare(struct sk_buff *skb, const struct gwlbtun_tunnel *out,
			  enum gwlbtun_dir dir, u8 ttl, bool udp_csum)
{
	bool v6 = skb->protocol == htons(ETH_P_IPV6);
	unsigned int hlen = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	struct gwlbtun_addr src, dst;
	struct vxlanhdr *vxh;
	struct udphdr *uh;
	u8 hint;

	if (v6) {
		src.ip6 = ipv6_hdr(skb)->saddr;
		dst.ip6 = ipv6_hdr(skb)->daddr;
	} else {
		src.ip4 = ip_hdr(skb)->saddr;
		dst.ip4 = ip_hdr(skb)->daddr;
	}
	/* The received IP header was at least this long, so this holds. */
	if (unlikely(skb_headroom(skb) < hlen))
		return -EINVAL;
	if (skb_cow_head(skb, 0))
		return -ENOMEM;

	hint = GWLBTUN_HINT_VALID;
	if (v6)
		hint |= GWLBTUN_HINT_V6;
	if (dir == GWLBTUN_INT)
		hint |= GWLBTUN_HINT_INTERNAL;
	if (!udp_csum)
		hint |= GWLBTUN_HINT_NOCSUM;

	/* These bytes are in skb->data: keep a CHECKSUM_COMPLETE sum true. */
	skb_postpull_rcsum(skb, skb->data, GWLBTUN_UDP_VXLAN_LEN);
	uh = (struct udphdr *)skb->data;
	vxh = (struct vxlanhdr *)(uh + 1);
	vxh->vx_flags = VXLAN_HF_VNI;
	vxh->vx_vni = cpu_to_be32(out->vni << 8 | hint);
	uh->source = 0;
	uh->dest = htons(out->port);
	uh->len = 0;
	uh->check = 0;
	skb_postpush_rcsum(skb, skb->data, GWLBTUN_UDP_VXLAN_LEN);

	if (v6) {
		struct ipv6hdr *ip6h = (struct ipv6hdr *)(skb->data - hlen);

		ip6_flow_hdr(ip6h, 0, 0);
		ip6h->payload_len = 0;
		ip6h->nexthdr = IPPROTO_UDP;
		ip6h->hop_limit = ttl;
		ip6h->saddr = dst.ip6;
		ip6h->daddr = src.ip6;
	} else {
		struct iphdr *iph = (struct iphdr *)(skb->data - hlen);

		iph->version = 4;
		iph->ihl = hlen >> 2;
		iph->tos = 0;
		iph->tot_len = 0;
		iph->id = 0;
		/* Never fragment the outer packet: too big is a counted drop. */
		iph->frag_off = htons(IP_DF);
		iph->ttl = ttl;
		iph->protocol = IPPROTO_UDP;
		iph->check = 0;
		iph->saddr = dst.ip4;
		iph->daddr = src.ip4;
	}
	return 0;
}

/*
 * Read back what gwlbtun_outer_prepare() decided. @skb->data is at the
 * inner Ethernet header and the prepared headers are right in front of it.
 */
int gwlbtun_outer_locate(const struct sk_buff *skb, struct gwlbtun_reply *r)
{
	const struct vxlanhdr *vxh;
	u8 hint;

	if (unlikely(skb_headroom(skb) < GWLBTUN_UDP_VXLAN_LEN +
					 sizeof(struct iphdr)))
		return -EINVAL;
	vxh = (const struct vxlanhdr *)(skb->data - sizeof(*vxh));
	hint = be32_to_cpu(vxh->vx_vni) & 0xff;
	if (unlikely(!(hint & GWLBTUN_HINT_VALID)))
		return -EINVAL;

	r->dir = hint & GWLBTUN_HINT_INTERNAL ? GWLBTUN_INT : GWLBTUN_EXT;
	r->udp_csum = !(hint & GWLBTUN_HINT_NOCSUM);
	if (hint & GWLBTUN_HINT_V6) {
		const struct ipv6hdr *ip6h;

		r->hlen = sizeof(*ip6h);
		if (unlikely(skb_headroom(skb) < GWLBTUN_UDP_VXLAN_LEN + r->hlen))
			return -EINVAL;
		ip6h = (const struct ipv6hdr *)(skb->data - GWLBTUN_UDP_VXLAN_LEN -
						r->hlen);
		r->gwlb.family = AF_INET6;
		r->gwlb.ip6 = ip6h->daddr;
		r->local.family = AF_INET6;
		r->local.ip6 = ip6h->saddr;
	} else {
		const struct iphdr *iph;

		r->hlen = sizeof(*iph);
		iph = (const struct iphdr *)(skb->data - GWLBTUN_UDP_VXLAN_LEN -
					     r->hlen);
		r->gwlb.family = AF_INET;
		r->gwlb.ip4 = iph->daddr;
		r->local.family = AF_INET;
		r->local.ip4 = iph->saddr;
	}
	return 0;
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
 * Decapsulate a prepared packet onto @dev: skb->data moves to the inner
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

int gwlbtun_inner_validate(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return gwlbtun_inner_validate4(skb);
	if (skb->protocol == htons(ETH_P_IPV6))
		return gwlbtun_inner_validate6(skb);
	return -EPROTONOSUPPORT;
}
