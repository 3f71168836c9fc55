// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: the inner packet passes PRE_ROUTING, FORWARD and POST_ROUTING of
 * its family in the device's netns, with the device as the in and the out
 * device, as a routed packet would; then it is reflected. Each stage is an
 * NF_HOOK whose continuation starts the next, so a verdict given later by
 * an NFQUEUE consumer resumes the chain where it stopped. A negative
 * NF_HOOK result means a rule dropped the packet; the continuations
 * themselves always return 0. A packet queued to an NFQUEUE that has no
 * consumer (and no bypass) is freed by nf_queue() with the same result as a
 * queued one, so that drop cannot be counted here.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/dst.h>

#include "gwlbtun.h"

/*
 * Rules and targets written for routed packets expect a route on the skb
 * (TCPMSS clamping reads its MTU, MASQUERADE its next hop, ICMP errors its
 * flags). Reflected packets are not routed, so, as br_netfilter does for
 * bridged ones, they carry a per-device placeholder route that says "out of
 * this device, its MTU" and nothing else. It is never released to zero:
 * the device holds its reference until it is freed.
 */
static void gwlbtun_nf_update_pmtu(struct dst_entry *dst, struct sock *sk,
				   struct sk_buff *skb, u32 mtu,
				   bool confirm_neigh)
{
}

static void gwlbtun_nf_redirect(struct dst_entry *dst, struct sock *sk,
				struct sk_buff *skb)
{
}

static u32 *gwlbtun_nf_cow_metrics(struct dst_entry *dst, unsigned long old)
{
	return NULL;
}

static struct neighbour *gwlbtun_nf_neigh_lookup(const struct dst_entry *dst,
						 struct sk_buff *skb,
						 const void *daddr)
{
	return NULL;
}

static unsigned int gwlbtun_nf_mtu(const struct dst_entry *dst)
{
	return dst->dev->mtu;
}

static struct dst_ops gwlbtun_nf_dst_ops = {
	.family = AF_INET,
	.update_pmtu = gwlbtun_nf_update_pmtu,
	.redirect = gwlbtun_nf_redirect,
	.cow_metrics = gwlbtun_nf_cow_metrics,
	.neigh_lookup = gwlbtun_nf_neigh_lookup,
	.mtu = gwlbtun_nf_mtu,
};

static const u32 gwlbtun_nf_metrics[RTAX_MAX];

void gwlbtun_nf_rtable_init(struct gwlbtun_dev *gd)
{
	struct rtable *rt = &gd->nf_rtable;

	atomic_set(&rt->dst.__refcnt, 1);
	rt->dst.dev = gd->dev;
	dst_init_metrics(&rt->dst, gwlbtun_nf_metrics, true);
	rt->dst.flags = DST_NOXFRM | DST_FAKE_RTABLE;
	rt->dst.ops = &gwlbtun_nf_dst_ops;
}

static u8 gwlbtun_nfproto(const struct sk_buff *skb)
{
	return skb->protocol == htons(ETH_P_IP) ? NFPROTO_IPV4 : NFPROTO_IPV6;
}

static void gwlbtun_nf_dropped(struct net_device *dev, int ret)
{
	struct gwlbtun_dev *gd = netdev_priv(dev);

	if (ret < 0)
		gwlbtun_count_drop(gd->stats, GWLBTUN_DROP_NETFILTER);
}

static int gwlbtun_nf_post_done(struct net *net, struct sock *sk,
				struct sk_buff *skb)
{
	gwlbtun_reflect(skb);
	return 0;
}

static int gwlbtun_nf_forward_done(struct net *net, struct sock *sk,
				   struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;

	gwlbtun_nf_dropped(dev, NF_HOOK(gwlbtun_nfproto(skb),
					NF_INET_POST_ROUTING, net, sk, skb,
					NULL, dev, gwlbtun_nf_post_done));
	return 0;
}

static int gwlbtun_nf_pre_done(struct net *net, struct sock *sk,
			       struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;

	gwlbtun_nf_dropped(dev, NF_HOOK(gwlbtun_nfproto(skb), NF_INET_FORWARD,
					net, sk, skb, dev, dev,
					gwlbtun_nf_forward_done));
	return 0;
}

/* @skb->data is at a validated inner IPv4 or IPv6 header; RCU held. */
void gwlbtun_nf_run(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	struct gwlbtun_dev *gd = netdev_priv(dev);

	skb_dst_set_noref(skb, &gd->nf_rtable.dst);

	gwlbtun_nf_dropped(dev, NF_HOOK(gwlbtun_nfproto(skb),
					NF_INET_PRE_ROUTING, dev_net(dev),
					NULL, skb, dev, NULL,
					gwlbtun_nf_pre_done));
}
