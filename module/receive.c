// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: the receive half. A VXLAN packet reaches one of our UDP sockets,
 * is matched to a device by (port, VNI, outer source), passes the outer
 * checks, has its reply context read from the outer headers, is
 * decapsulated onto the device and goes to netfilter, or straight to
 * reflection.
 */
#include <linux/etherdevice.h>
#include <linux/udp.h>
#include <net/inet_ecn.h>
#include <net/udp_tunnel.h>

#include "gwlbtun.h"

/*
 * With the hooks on, what happens to an inner frame: through the hooks,
 * reflected as it is (ARP, which the test stand-ins and any neighbour
 * resolution through the NVA need; other non-IP frames when the device
 * says so), or dropped because netfilter could not see it.
 */
enum gwlbtun_inner_fate {
	GWLBTUN_FILTER,
	GWLBTUN_PASS,
	GWLBTUN_UNFILTERED,
};

static enum gwlbtun_inner_fate gwlbtun_inner_fate(const struct gwlbtun_config *cfg,
						  const struct sk_buff *skb)
{
	if (!cfg->p.nf_hooks)
		return GWLBTUN_PASS;
	if (skb->protocol == htons(ETH_P_IP) ||
	    skb->protocol == htons(ETH_P_IPV6))
		return GWLBTUN_FILTER;
	if (skb->protocol == htons(ETH_P_ARP))
		return GWLBTUN_PASS;
	if (gwlbtun_inner_tagged(skb) ||
	    cfg->p.non_ip != GWLBTUN_NON_IP_REFLECT)
		return GWLBTUN_UNFILTERED;
	return GWLBTUN_PASS;
}

/* The outer checks that need the outer headers; 0 or a drop reason. */
static enum gwlbtun_drop gwlbtun_outer_check(const struct gwlbtun_config *cfg,
					     const struct sk_buff *skb,
					     const struct gwlbtun_reply *r)
{
	if (unlikely(!gwlbtun_outer_unicast(skb)))
		return GWLBTUN_DROP_NOT_UNICAST;
	/* RFC 6936: a zero UDP checksum over IPv6 only where allowed. */
	if (unlikely(r->gwlb.family == AF_INET6 && !udp_hdr(skb)->check &&
		     !cfg->p.udp6_zero_csum_rx))
		return GWLBTUN_DROP_ZERO_CSUM;
	/* Each reflection lowers the TTL: a loop between two hosts dies. */
	if (unlikely(r->ttl_in <= 1))
		return GWLBTUN_DROP_TTL;
	return GWLBTUN_DROP_NONE;
}

/* Called by the UDP stack with skb->data at the UDP header. */
int gwlbtun_udp_encap_recv(struct sock *sk, struct sk_buff *skb)
{
	struct gwlbtun_sock *gs = rcu_dereference_sk_user_data(sk);
	const struct gwlbtun_demux *d;
	struct gwlbtun_config *cfg;
	enum gwlbtun_drop why;
	struct gwlbtun_reply r;
	struct gwlbtun_addr src;
	struct gwlbtun_dev *gd;
	struct net_device *dev;
	bool accepted;
	u8 outer_ds;
	u32 vni;

	if (unlikely(!gs)) {
		kfree_skb(skb);
		return 0;
	}
	if (gwlbtun_vxlan_parse(skb, &vni)) {
		gwlbtun_drop(gs->gn->unmatched, skb, GWLBTUN_DROP_MALFORMED);
		return 0;
	}
	gwlbtun_outer_source(skb, &src);
	d = gwlbtun_demux_lookup(gs->gn, gs->port, vni, &src, &accepted);
	if (!d) {
		gwlbtun_drop(gs->gn->unmatched, skb, GWLBTUN_DROP_UNKNOWN_VNI);
		return 0;
	}
	cfg = d->cfg;
	gd = cfg->gd;
	dev = gd->dev;
	if (!accepted) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_PEER_NOT_ALLOWED);
		return 0;
	}
	if (unlikely(!(dev->flags & IFF_UP))) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_DEVICE_DOWN);
		return 0;
	}

	/* Received from here on: every later drop is one of these packets. */
	gwlbtun_count(gd->stats, false, d->dir,
		      skb->len - GWLBTUN_UDP_VXLAN_LEN);
	gwlbtun_outer_reply(skb, d->dir, &r);
	why = gwlbtun_outer_check(cfg, skb, &r);
	if (why) {
		gwlbtun_drop(gd->stats, skb, why);
		return 0;
	}
	outer_ds = gwlbtun_outer_dsfield(skb);

	gwlbtun_decap(skb, dev);
	if (unlikely(INET_ECN_is_ce(outer_ds)) &&
	    gwlbtun_inner_ecn_decap(skb, outer_ds)) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_ECN);
		return 0;
	}
	if (cfg->p.mark_mask)
		skb->mark = (skb->mark & ~cfg->p.mark_mask) | cfg->p.mark[d->dir];

	switch (gwlbtun_inner_fate(cfg, skb)) {
	case GWLBTUN_FILTER:
		memcpy(r.eth, skb_mac_header(skb), ETH_HLEN);
		gwlbtun_nf_run(cfg, skb, &r);
		break;
	case GWLBTUN_PASS:
		/* Segmenting a GSO packet needs its inner transport header. */
		if (skb_is_gso(skb)) {
			skb->transport_header = (typeof(skb->transport_header))~0U;
			skb_probe_transport_header(skb);
		}
		gwlbtun_xmit(skb, cfg, &r);
		break;
	case GWLBTUN_UNFILTERED:
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_UNFILTERED);
		break;
	}
	return 0;
}
