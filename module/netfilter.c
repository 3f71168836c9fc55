// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: the inner packet passes PRE_ROUTING, FORWARD and POST_ROUTING of
 * its family in the device's netns, with the device as the in and the out
 * device, as a routed packet would; then it is reflected. Each stage is an
 * NF_HOOK whose continuation starts the next, so a verdict given later by
 * an NFQUEUE consumer resumes the chain where it stopped. A negative
 * NF_HOOK result means the packet was dropped (also when a queue has no
 * consumer and no bypass); the continuations themselves always return 0.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>

#include "gwlbtun.h"

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

/* @skb->data is at a validated inner IPv4 or IPv6 header. */
void gwlbtun_nf_run(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;

	gwlbtun_nf_dropped(dev, NF_HOOK(gwlbtun_nfproto(skb),
					NF_INET_PRE_ROUTING, dev_net(dev),
					NULL, skb, dev, NULL,
					gwlbtun_nf_pre_done));
}
