// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: the transmit half. Whole new outer headers (IP, UDP, VXLAN of
 * the other tunnel) go in front of the untouched inner frame, from the
 * reply context alone, and the packet is routed to the GWLB it came from
 * through a per-(peer, direction) route cache. Datagrams reassembled
 * before the hooks are refragmented first.
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
#include <net/inet_ecn.h>
#include <linux/netfilter_ipv6.h>
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

/* A whole new outer IPv4 header; the checksum is ip_local_out()'s. */
static void gwlbtun_fill4(struct net *net, struct sk_buff *skb,
			  const struct gwlbtun_reply *r, u8 tos, u8 ttl,
			  bool udp_csum)
{
	struct iphdr *iph = ip_hdr(skb);

	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->tos = tos;
	iph->tot_len = htons(skb->len);
	/* Never fragment the outer packet: too big is a counted drop. */
	iph->frag_off = htons(IP_DF);
	iph->ttl = ttl;
	iph->protocol = IPPROTO_UDP;
	iph->check = 0;
	iph->saddr = r->local.ip4;
	iph->daddr = r->gwlb.ip4;
	ip_select_ident(net, skb, NULL);
	udp_set_csum(!udp_csum, skb, iph->saddr, iph->daddr,
		     skb->len - sizeof(*iph));
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
}

/* A whole new outer IPv6 header; the UDP checksum is always there. */
static void gwlbtun_fill6(struct net *net, struct sk_buff *skb,
			  const struct gwlbtun_reply *r, u8 tclass, u8 hop_limit)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct flowi6 fl6 = {
		.daddr = r->gwlb.ip6,
		.saddr = r->local.ip6,
		.flowi6_proto = IPPROTO_UDP,
	};

	ip6_flow_hdr(ip6h, tclass,
		     ip6_make_flowlabel(net, skb, 0, true, &fl6));
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = hop_limit;
	ip6h->saddr = r->local.ip6;
	ip6h->daddr = r->gwlb.ip6;
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
 * The route cache of (peer, direction) holds the route for the mark the
 * device gives that direction (none without a mark mask). A packet whose
 * mark a rule changed looks its route up afresh: policy routing by mark
 * must see the mark the packet really has.
 */
static struct dst_cache *gwlbtun_route_cache(const struct gwlbtun_config *cfg,
					     const struct gwlbtun_peer *peer,
					     const struct gwlbtun_reply *r,
					     const struct sk_buff *skb)
{
	u32 mark = cfg->p.mark_mask ? cfg->p.mark[r->in_dir] : 0;

	if (!peer || skb->mark != mark)
		return NULL;
	return (struct dst_cache *)&peer->dst_cache[r->dir];
}

/* Says what to do about a too-big drop, at most every few seconds. */
static void gwlbtun_too_big_log(const struct net_device *dev,
				const struct gwlbtun_reply *r, unsigned int mtu,
				unsigned int need)
{
	if (r->gwlb.family == AF_INET)
		net_warn_ratelimited("%s: reflected packet of %u bytes does not fit the route to %pI4 (MTU %u): give the NIC an MTU of at least %u\n",
				     dev->name, need, &r->gwlb.ip4, mtu, need);
	else
		net_warn_ratelimited("%s: reflected packet of %u bytes does not fit the route to %pI6c (MTU %u): give the NIC an MTU of at least %u\n",
				     dev->name, need, &r->gwlb.ip6, mtu, need);
}

/*
 * Send @skb back to the GWLB of @r over tunnel r->dir of @cfg. The mac
 * header marks the inner Ethernet header; skb->data is anywhere from there
 * to the inner network header. Whole new outer headers are written in
 * front of the inner frame. RCU held.
 */
void gwlbtun_xmit(struct sk_buff *skb, const struct gwlbtun_config *cfg,
		  const struct gwlbtun_reply *r)
{
	struct net_device *dev = skb->dev;
	struct gwlbtun_dev *gd = netdev_priv(dev);
	const struct gwlbtun_tunnel *tun = &cfg->p.tun[r->dir];
	unsigned int hlen = r->gwlb.family == AF_INET ?
			    sizeof(struct iphdr) : sizeof(struct ipv6hdr);
	unsigned int outer = GWLBTUN_UDP_VXLAN_LEN + hlen;
	const struct gwlbtun_peer *peer;
	struct net *net = dev_net(dev);
	struct dst_cache *cache;
	enum gwlbtun_drop why;
	struct dst_entry *dst;
	struct vxlanhdr *vxh;
	struct udphdr *uh;
	unsigned int len;
	__be16 sport;
	u8 tos, ttl;
	int err;

	__skb_push(skb, skb->data - skb_mac_header(skb));
	/* Only to a GWLB the configuration in force now accepts. */
	peer = gwlbtun_config_peer(cfg, &r->gwlb);
	if (unlikely(!gwlbtun_params_configured(&cfg->p) ||
		     (!peer && !cfg->p.peers_any))) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_STALE);
		return;
	}
	len = skb->len;
	gwlbtun_flow_hash(skb);
	sport = udp_flow_src_port(net, skb, 0, 0, true);
	tos = INET_ECN_encapsulate(0, gwlbtun_inner_dsfield(skb));

	cache = gwlbtun_route_cache(cfg, peer, r, skb);
	if (r->gwlb.family == AF_INET)
		dst = gwlbtun_route4(net, skb, r, cache, sport,
				     htons(tun->port));
	else
		dst = gwlbtun_route6(net, skb, r, cache, sport,
				     htons(tun->port));
	if (!dst) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_NO_ROUTE);
		return;
	}
	if (unlikely(dst->dev == dev ||
		     gwlbtun_route_is_local(dst, r->gwlb.family))) {
		why = GWLBTUN_DROP_NO_ROUTE;
		goto drop_dst;
	}
	if (unlikely(gwlbtun_too_big(skb, len, dst_mtu(dst), outer))) {
		gwlbtun_too_big_log(dev, r, dst_mtu(dst), len + outer);
		why = GWLBTUN_DROP_TOO_BIG;
		goto drop_dst;
	}
	ttl = cfg->p.ttl;
	if (!ttl)
		ttl = r->gwlb.family == AF_INET ? ip4_dst_hoplimit(dst) :
						  ip6_dst_hoplimit(dst);
	ttl = min_t(u8, ttl, r->ttl_in - 1);

	/*
	 * What leaves, and only that, is what tcpdump on the device shows.
	 * The tap shares the head; the copy-on-write below unshares it
	 * before a header byte is written.
	 */
	if (unlikely(dev_nit_active(dev)))
		dev_queue_xmit_nit(skb, dev);
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + outer)) {
		why = GWLBTUN_DROP_NOMEM;
		goto drop_dst;
	}

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
			gwlbtun_gso_tunnel(skb, cfg->p.udp_csum ||
					   r->gwlb.family == AF_INET6);
	} else {
		skb->ip_summed = CHECKSUM_NONE;
		skb->encapsulation = 0;
	}

	__skb_push(skb, outer);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, hlen);
	uh = udp_hdr(skb);
	uh->source = sport;
	uh->dest = htons(tun->port);
	uh->len = htons(skb->len - hlen);
	uh->check = 0;
	vxh = (struct vxlanhdr *)(uh + 1);
	vxh->vx_flags = VXLAN_HF_VNI;
	vxh->vx_vni = cpu_to_be32(tun->vni << 8);

	skb_scrub_packet(skb, false);
	/* A receive timestamp is no departure time: fq would drop it. */
	skb_set_delivery_time(skb, 0, false);
	skb_dst_set(skb, dst);
	if (r->gwlb.family == AF_INET) {
		skb->protocol = htons(ETH_P_IP);
		gwlbtun_fill4(net, skb, r, tos, ttl, cfg->p.udp_csum);
		err = ip_local_out(net, NULL, skb);
	} else {
		skb->protocol = htons(ETH_P_IPV6);
		gwlbtun_fill6(net, skb, r, tos, ttl);
		err = ip6_local_out(net, NULL, skb);
	}
	if (unlikely(net_xmit_eval(err)))
		gwlbtun_count_drop(gd->stats, GWLBTUN_DROP_XMIT);
	else
		gwlbtun_count(gd->stats, true, r->dir, len);
	return;

drop_dst:
	dst_release(dst);
	gwlbtun_drop(gd->stats, skb, why);
}

/*
 * Give a packet that has been through the hooks its inner Ethernet header
 * back, in front of the network header, from the context: segments made
 * by NFQUEUE have none, and the bytes in front of the others are not
 * trusted. @skb->data is at the inner network header.
 */
static int gwlbtun_push_eth(struct sk_buff *skb, const struct gwlbtun_reply *r)
{
	if (skb_cow_head(skb, ETH_HLEN))
		return -ENOMEM;
	__skb_push(skb, ETH_HLEN);
	memcpy(skb->data, r->eth, ETH_HLEN);
	skb_reset_mac_header(skb);
	skb->mac_len = ETH_HLEN;
	return 0;
}

/*
 * Refragmenting a datagram reassembled before the hooks: each fragment is
 * reflected in an outer packet of its own. The fragmenters' output
 * callback takes no argument of ours, so what it needs waits here, per
 * CPU, with bottom halves off (as br_netfilter does).
 */
struct gwlbtun_frag_ctx {
	const struct gwlbtun_config *cfg;
	struct gwlbtun_reply r;
};

static DEFINE_PER_CPU(struct gwlbtun_frag_ctx, gwlbtun_frag_ctx);

static int gwlbtun_frag_out(struct net *net, struct sock *sk,
			    struct sk_buff *skb)
{
	struct gwlbtun_frag_ctx *c = this_cpu_ptr(&gwlbtun_frag_ctx);
	struct gwlbtun_dev *gd = netdev_priv(skb->dev);

	if (gwlbtun_push_eth(skb, &c->r)) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_NOMEM);
		return 0;
	}
	gwlbtun_xmit(skb, c->cfg, &c->r);
	return 0;
}

/* The largest fragment that arrived, when the datagram was reassembled. */
static unsigned int gwlbtun_frag_max_size(const struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return IPCB(skb)->frag_max_size;
	return IP6CB(skb)->frag_max_size;
}

static void gwlbtun_refragment(struct sk_buff *skb,
			       const struct gwlbtun_config *cfg,
			       const struct gwlbtun_reply *r)
{
	struct gwlbtun_dev *gd = netdev_priv(skb->dev);
	struct net *net = dev_net(skb->dev);
	struct gwlbtun_frag_ctx *c;
	int err;

	/* Larger than the device lets out: as a router would, not sent. */
	if (gwlbtun_frag_max_size(skb) > READ_ONCE(skb->dev->mtu)) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_TOO_BIG);
		return;
	}
	c = this_cpu_ptr(&gwlbtun_frag_ctx);
	c->cfg = cfg;
	c->r = *r;
	skb->ignore_df = 1;
	if (skb->protocol == htons(ETH_P_IP)) {
		err = ip_do_fragment(net, NULL, skb, gwlbtun_frag_out);
	} else {
		const struct nf_ipv6_ops *v6ops = nf_get_ipv6_ops();

		if (!v6ops) {
			gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_TOO_BIG);
			return;
		}
		err = v6ops->fragment(net, NULL, skb, gwlbtun_frag_out);
	}
	/* The fragmenter freed what it could not send; our output never fails. */
	if (err)
		gwlbtun_count_drop(gd->stats, GWLBTUN_DROP_TOO_BIG);
}

/*
 * A packet the hooks accepted: its reply context comes from its dst, and
 * nowhere else. @skb->data is at the inner network header. RCU held.
 */
void gwlbtun_xmit_filtered(struct sk_buff *skb)
{
	const struct gwlbtun_reply *rp = gwlbtun_reply_of(skb);
	const struct gwlbtun_config *cfg;
	struct gwlbtun_reply r;
	struct gwlbtun_dev *gd;
	unsigned int fmax;

	/* Only our continuation calls this, on our device; make sure. */
	if (WARN_ON_ONCE(!gwlbtun_is_dev(skb->dev))) {
		kfree_skb(skb);
		return;
	}
	gd = netdev_priv(skb->dev);
	cfg = rcu_dereference(gd->cfg);
	if (unlikely(!rp || !cfg)) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_STALE);
		return;
	}
	/* The placeholder stays on for the fragmenters; scrubbing drops it. */
	r = *rp;

	fmax = gwlbtun_frag_max_size(skb);
	if (unlikely(fmax) && !skb_is_gso(skb) && skb->len > fmax) {
		gwlbtun_refragment(skb, cfg, &r);
		return;
	}
	if (unlikely(gwlbtun_push_eth(skb, &r))) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_NOMEM);
		return;
	}
	gwlbtun_xmit(skb, cfg, &r);
}
