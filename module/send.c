// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: the transmit half. The reply headers prepared on receive are
 * pushed back in front of the inner frame, completed (lengths, UDP source
 * port from the inner flow, checksums, TTL) and routed to the GWLB the
 * packet came from, through a per-peer route cache.
 */
#include <linux/etherdevice.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>
#include <net/netfilter/nf_conntrack.h>

#include "gwlbtun.h"

static struct dst_entry *gwlbtun_route4(struct net *net, struct sk_buff *skb,
					const struct gwlbtun_reply *r,
					struct dst_cache *cache, __be16 sport,
					__be16 dport)
{
	struct flowi4 fl4 = {
		.daddr = r->gwlb.ip4,
		.saddr = r->local.ip4,
		.flowi4_proto = IPPROTO_UDP,
		.flowi4_mark = skb->mark,
		.fl4_sport = sport,
		.fl4_dport = dport,
	};
	struct rtable *rt;
	__be32 saddr;

	if (cache) {
		rt = dst_cache_get_ip4(cache, &saddr);
		if (rt && saddr == r->local.ip4)
			return &rt->dst;
		if (rt)
			ip_rt_put(rt);
	}
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return NULL;
	if (cache)
		dst_cache_set_ip4(cache, &rt->dst, fl4.saddr);
	return &rt->dst;
}

static struct dst_entry *gwlbtun_route6(struct net *net, struct sk_buff *skb,
					const struct gwlbtun_reply *r,
					struct dst_cache *cache, __be16 sport,
					__be16 dport)
{
	struct flowi6 fl6 = {
		.daddr = r->gwlb.ip6,
		.saddr = r->local.ip6,
		.flowi6_proto = IPPROTO_UDP,
		.flowi6_mark = skb->mark,
		.fl6_sport = sport,
		.fl6_dport = dport,
	};
	struct dst_entry *dst;
	struct in6_addr saddr;

	if (cache) {
		dst = dst_cache_get_ip6(cache, &saddr);
		if (dst && ipv6_addr_equal(&saddr, &r->local.ip6))
			return dst;
		dst_release(dst);
	}
	dst = ip6_dst_lookup_flow(net, NULL, &fl6, NULL);
	if (IS_ERR(dst))
		return NULL;
	if (cache)
		dst_cache_set_ip6(cache, dst, &fl6.saddr);
	return dst;
}

static void gwlbtun_fill4(struct net *net, struct sk_buff *skb,
			  struct dst_entry *dst, u8 tos, bool udp_csum)
{
	struct iphdr *iph = ip_hdr(skb);

	iph->tos = tos;
	iph->tot_len = htons(skb->len);
	if (!iph->ttl)
		iph->ttl = ip4_dst_hoplimit(dst);
	ip_select_ident(net, skb, NULL);
	udp_set_csum(!udp_csum, skb, iph->saddr, iph->daddr,
		     skb->len - sizeof(*iph));
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
}

static void gwlbtun_fill6(struct net *net, struct sk_buff *skb,
			  struct dst_entry *dst, u8 tclass)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);
	int hop_limit = ip6h->hop_limit;
	struct flowi6 fl6 = {
		.daddr = ip6h->daddr,
		.saddr = ip6h->saddr,
		.flowi6_proto = IPPROTO_UDP,
	};

	ip6_flow_hdr(ip6h, tclass,
		     ip6_make_flowlabel(net, skb, 0, true, &fl6));
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->hop_limit = hop_limit ? hop_limit : ip6_dst_hoplimit(dst);
	udp6_set_csum(false, skb, &ip6h->saddr, &ip6h->daddr,
		      skb->len - sizeof(*ip6h));
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
}

/*
 * The GWLB address is one of this host's own: the reply would come straight
 * back in, and from a local sender that some "peers any" device accepts it
 * would bounce between the two tunnels for ever. No GWLB is local.
 */
static bool gwlbtun_route_is_local(const struct dst_entry *dst, int family)
{
	if (family == AF_INET)
		return ((const struct rtable *)dst)->rt_type == RTN_LOCAL;
	return ((const struct rt6_info *)dst)->rt6i_flags & RTF_LOCAL;
}

/*
 * A GSO super-packet (only a local veth hands one over; a NIC delivers
 * wire-sized packets) is reflected as one and segmented on output like the
 * vxlan driver's: each segment, not the whole, must fit the route's MTU.
 */
static bool gwlbtun_too_big(const struct sk_buff *skb, unsigned int frame_len,
			    unsigned int mtu, unsigned int outer)
{
	if (skb_is_gso(skb))
		return !skb_gso_validate_mac_len(skb, mtu - outer);
	return frame_len + outer > mtu;
}

/* The segments' outer UDP header is ours: say whether it has a checksum. */
static void gwlbtun_gso_tunnel(struct sk_buff *skb, bool csum)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);

	shinfo->gso_type &= ~(SKB_GSO_UDP_TUNNEL | SKB_GSO_UDP_TUNNEL_CSUM);
	shinfo->gso_type |= csum ? SKB_GSO_UDP_TUNNEL_CSUM : SKB_GSO_UDP_TUNNEL;
}

/*
 * The inner flow's hash goes on the skb, as vxlan's would: the UDP source
 * port comes from it, and a multiqueue underlay picks its TX queue by it.
 */
static void gwlbtun_flow_hash(struct sk_buff *skb)
{
	static u32 seed __read_mostly;
	u32 hash;

	net_get_random_once(&seed, sizeof(seed));
	hash = gwlbtun_inner_flow_hash(skb, seed);
	if (hash)
		skb_set_hash(skb, hash, PKT_HASH_TYPE_L4);
}

/*
 * Send @skb back to its GWLB. @skb->dev is the gwlbtun device; skb->data
 * is at the inner network header (or the inner Ethernet header when the
 * hooks were skipped) and the mac header marks the inner Ethernet header.
 */
void gwlbtun_reflect(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct gwlbtun_dev *gd = netdev_priv(dev);
	struct net *net = dev_net(dev);
	const struct gwlbtun_config *cfg;
	struct dst_cache *cache = NULL;
	enum gwlbtun_drop why;
	struct gwlbtun_reply r;
	struct dst_entry *dst;
	unsigned int len;
	__be16 sport;
	struct udphdr *uh;
	u8 tos;
	int err;

	__skb_push(skb, skb->data - skb_mac_header(skb));
	if (gwlbtun_outer_locate(skb, &r)) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_MALFORMED);
		return;
	}
	len = skb->len;
	gwlbtun_flow_hash(skb);
	sport = udp_flow_src_port(net, skb, 0, 0, true);
	uh = (struct udphdr *)(skb->data - GWLBTUN_UDP_VXLAN_LEN);
	tos = ip_tunnel_ecn_encap(0, ip_hdr(skb), skb);

	cfg = rcu_dereference(gd->cfg);
	if (cfg)
		cache = gwlbtun_peer_dst_cache(cfg, &r.gwlb);
	if (r.gwlb.family == AF_INET)
		dst = gwlbtun_route4(net, skb, &r, cache, sport, uh->dest);
	else
		dst = gwlbtun_route6(net, skb, &r, cache, sport, uh->dest);
	if (!dst) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_NO_ROUTE);
		return;
	}
	if (unlikely(dst->dev == dev ||
		     gwlbtun_route_is_local(dst, r.gwlb.family))) {
		why = GWLBTUN_DROP_NO_ROUTE;
		goto drop_dst;
	}
	if (unlikely(gwlbtun_too_big(skb, len, dst_mtu(dst),
				     GWLBTUN_UDP_VXLAN_LEN + r.hlen))) {
		why = GWLBTUN_DROP_TOO_BIG;
		goto drop_dst;
	}
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) +
			      GWLBTUN_UDP_VXLAN_LEN + r.hlen)) {
		why = GWLBTUN_DROP_NOMEM;
		goto drop_dst;
	}
	/* What leaves, and only that, is what tcpdump on the device shows. */
	if (unlikely(dev_nit_active(dev)))
		dev_queue_xmit_nit(skb, dev);

	/*
	 * An inner checksum still to be computed (CHECKSUM_PARTIAL, as veth
	 * hands it over) stays so, described as encapsulated, and the outer
	 * UDP checksum is derived from it (local checksum offload).
	 */
	skb_reset_mac_header(skb);
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		skb->encapsulation = 1;
		skb_reset_inner_headers(skb);
		skb_set_inner_protocol(skb, htons(ETH_P_TEB));
		if (skb_is_gso(skb))
			gwlbtun_gso_tunnel(skb, r.udp_csum ||
					   r.gwlb.family == AF_INET6);
	} else {
		skb->ip_summed = CHECKSUM_NONE;
		skb->encapsulation = 0;
	}

	__skb_push(skb, GWLBTUN_UDP_VXLAN_LEN + r.hlen);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, r.hlen);
	uh = udp_hdr(skb);
	uh->source = sport;
	uh->len = htons(skb->len - r.hlen);
	/* The hint byte has done its job; the VXLAN header leaves clean. */
	((struct vxlanhdr *)(uh + 1))->vx_vni &= htonl(0xffffff00);

	skb_scrub_packet(skb, false);
	skb_dst_set(skb, dst);
	if (r.gwlb.family == AF_INET) {
		skb->protocol = htons(ETH_P_IP);
		gwlbtun_fill4(net, skb, dst, tos, r.udp_csum);
		err = ip_local_out(net, NULL, skb);
	} else {
		skb->protocol = htons(ETH_P_IPV6);
		gwlbtun_fill6(net, skb, dst, tos);
		err = ip6_local_out(net, NULL, skb);
	}
	if (unlikely(net_xmit_eval(err)))
		gwlbtun_count_drop(gd->stats, GWLBTUN_DROP_XMIT);
	else
		gwlbtun_count(gd->stats, true, r.dir, len);
	return;

drop_dst:
	dst_release(dst);
	gwlbtun_drop(gd->stats, skb, why);
}
