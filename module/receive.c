// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: the receive half. A VXLAN packet reaches one of our UDP sockets,
 * is matched to a device by (port, VNI, outer source), gets its reply
 * headers written in place, is decapsulated onto the device and goes to
 * netfilter, or straight to reflection.
 */
#include <linux/etherdevice.h>
#include <linux/udp.h>
#include <net/udp_tunnel.h>

#include "gwlbtun.h"

static bool gwlbtun_hooks_apply(const struct gwlbtun_config *cfg,
				const struct sk_buff *skb)
{
	return cfg->p.nf_hooks && (skb->protocol == htons(ETH_P_IP) ||
				   skb->protocol == htons(ETH_P_IPV6));
}

/* Called by the UDP stack with skb->data at the UDP header. */
int gwlbtun_udp_encap_recv(struct sock *sk, struct sk_buff *skb)
{
	struct gwlbtun_sock *gs = rcu_dereference_sk_user_data(sk);
	const struct gwlbtun_config *cfg;
	const struct gwlbtun_demux *d;
	struct gwlbtun_addr src;
	struct gwlbtun_dev *gd;
	struct net_device *dev;
	enum gwlbtun_dir dir;
	bool accepted;
	int err;
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

	dir = d->dir;
	/* Received from here on: every later drop is one of these packets. */
	gwlbtun_count(gd->stats, false, dir, skb->len - GWLBTUN_UDP_VXLAN_LEN);
	err = gwlbtun_outer_prepare(skb, &cfg->p.tun[gwlbtun_other(dir)],
				    gwlbtun_other(dir), cfg->p.ttl,
				    cfg->p.udp_csum);
	if (err) {
		gwlbtun_drop(gd->stats, skb, err == -ENOMEM ?
			     GWLBTUN_DROP_NOMEM : GWLBTUN_DROP_MALFORMED);
		return 0;
	}

	gwlbtun_decap(skb, dev);
	if (cfg->p.mark_mask)
		skb->mark = (skb->mark & ~cfg->p.mark_mask) | cfg->p.mark[dir];

	if (gwlbtun_hooks_apply(cfg, skb)) {
		err = gwlbtun_inner_validate(skb);
		if (err) {
			gwlbtun_drop(gd->stats, skb, err == -ENOMEM ?
				     GWLBTUN_DROP_NOMEM : GWLBTUN_DROP_MALFORMED);
			return 0;
		}
		gwlbtun_nf_run(skb);
	} else {
		/* Segmenting a GSO packet needs its inner transport header. */
		if (skb_is_gso(skb)) {
			skb->transport_header = (typeof(skb->transport_header))~0U;
			skb_probe_transport_header(skb);
		}
		gwlbtun_reflect(skb);
	}
	return 0;
}
