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
#include <net/ip.h>
#include <net/ipv6.h>
#if IS_ENABLED(CONFIG_NF_DEFRAG_IPV6)
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#endif

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
	gwlbtun_xmit_filtered(skb);
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
	struct gwlbtun_dev *gd = netdev_priv(dev);
	struct gwlbtun_config *cfg = rcu_dereference(gd->cfg);

	/* NAT drops the placeholder of a packet whose destination it
	 * changed; put it back (transmit counts it stale if that fails).
	 */
	if (cfg)
		gwlbtun_reply_recover(cfg, skb);

	gwlbtun_nf_dropped(dev, NF_HOOK(gwlbtun_nfproto(skb), NF_INET_FORWARD,
					net, sk, skb, dev, dev,
					gwlbtun_nf_forward_done));
	return 0;
}

/*
 * Reassembly keys of our own, per device and tunnel, apart from the local
 * stack's. IPv4 takes them from the range conntrack uses on bridges: the
 * kernel sends no ICMP "reassembly time exceeded" for those (an end host's
 * duty, and from here a packet to whatever inner source a sender chose);
 * the ifindex and tunnel fill its 16 bits. IPv6 sends none for any key but
 * local delivery's, and its key ignores the device for global addresses.
 */
static u32 gwlbtun_defrag_user4(const struct sk_buff *skb,
				const struct gwlbtun_reply *r)
{
	return IP_DEFRAG_CONNTRACK_BRIDGE_IN +
	       (((skb->dev->ifindex << 1) | r->in_dir) & USHRT_MAX);
}

static u32 gwlbtun_defrag_user6(const struct sk_buff *skb,
				const struct gwlbtun_reply *r)
{
	return 0x80000000U | (((skb->dev->ifindex << 1) | r->in_dir) &
			      0x7fffffffU);
}

#if IS_ENABLED(CONFIG_NF_DEFRAG_IPV6)
/*
 * What fragment headers an IPv6 packet has: none; one atomic one (offset
 * 0, no more fragments), a whole packet that the IPv6 stack takes as one
 * (RFC 8021), so it is not reassembled and keeps its header; one that
 * makes it part of a larger datagram; or more than one, which RFC 8200
 * does not allow and reassembly would half undo: -EINVAL.
 */
static int gwlbtun_ipv6_frag_kind(const struct sk_buff *skb, bool *frag)
{
	unsigned int off = skb_network_offset(skb) + sizeof(struct ipv6hdr);
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	bool seen = false;

	*frag = false;
	while (ipv6_ext_hdr(nexthdr) && nexthdr != NEXTHDR_NONE) {
		struct ipv6_opt_hdr _hp;
		const struct ipv6_opt_hdr *hp;

		if (nexthdr == NEXTHDR_FRAGMENT) {
			struct frag_hdr _fh;
			const struct frag_hdr *fh;

			fh = skb_header_pointer(skb, off, sizeof(_fh), &_fh);
			if (!fh || seen)
				return -EINVAL;
			seen = true;
			if (fh->frag_off & htons(IP6_OFFSET | IP6_MF))
				*frag = true;
			/* Past a later fragment's header is payload. */
			if (fh->frag_off & htons(IP6_OFFSET))
				return 0;
			nexthdr = fh->nexthdr;
			off += sizeof(*fh);
			continue;
		}
		hp = skb_header_pointer(skb, off, sizeof(_hp), &_hp);
		if (!hp)
			return 0;
		off += nexthdr == NEXTHDR_AUTH ? ipv6_authlen(hp) : ipv6_optlen(hp);
		nexthdr = hp->nexthdr;
	}
	return 0;
}
#endif

/*
 * Inner fragments are reassembled here, before PRE_ROUTING, rather than
 * by conntrack inside it: conntrack reassembles into whichever fragment
 * completes the datagram and drops the dst of the ones it queues, so the
 * reply context would be lost (see reply.c). Here the context of the
 * completing fragment is in hand and goes on the whole datagram, and
 * conntrack then sees no fragment. Transmit refragments to the sizes that
 * arrived (frag_max_size), as br_netfilter does.
 * 0: go on with @skb; -EINPROGRESS: held for reassembly; other: dropped.
 */
static int gwlbtun_nf_defrag(struct net *net, struct sk_buff *skb,
			     const struct gwlbtun_reply *r)
{
	bool frag;
	int err;

	if (skb->protocol == htons(ETH_P_IP)) {
		if (!ip_is_fragment(ip_hdr(skb)))
			return 0;
		/* Takes @skb on every result but 0. */
		err = ip_defrag(net, skb, gwlbtun_defrag_user4(skb, r));
		if (err)
			return err == -EINPROGRESS ? err : -EINVAL;
	} else {
#if IS_ENABLED(CONFIG_NF_DEFRAG_IPV6)
		switch (ipv6_hdr(skb)->nexthdr) {
		case IPPROTO_TCP:
		case IPPROTO_UDP:
		case IPPROTO_ICMPV6:
			return 0;
		}
		if (gwlbtun_ipv6_frag_kind(skb, &frag)) {
			kfree_skb(skb);
			return -EINVAL;
		}
		if (!frag)
			return 0;
		err = nf_ct_frag6_gather(net, skb, gwlbtun_defrag_user6(skb, r));
		if (err == -EINPROGRESS)
			return err;
		if (err) {
			kfree_skb(skb);
			return -EINVAL;
		}
		if (!IP6CB(skb)->frag_max_size)
			return 0;
#else
		return 0;
#endif
	}
	if (gwlbtun_inner_reassembled(skb)) {
		kfree_skb(skb);
		return -ENOMEM;
	}
	return 0;
}

/*
 * @skb->data is at the inner network header, not yet validated; @r is its
 * reply context. RCU held.
 */
void gwlbtun_nf_run(struct gwlbtun_config *cfg, struct sk_buff *skb,
		    const struct gwlbtun_reply *r)
{
	struct net_device *dev = skb->dev;
	struct gwlbtun_dev *gd = netdev_priv(dev);
	struct net *net = dev_net(dev);
	int err;

	err = gwlbtun_inner_validate(skb);
	if (err) {
		gwlbtun_drop(gd->stats, skb, err == -ENOMEM ?
			     GWLBTUN_DROP_NOMEM : GWLBTUN_DROP_MALFORMED);
		return;
	}
	err = gwlbtun_nf_defrag(net, skb, r);
	if (err) {
		/* Held, or dropped and freed by reassembly. */
		if (err != -EINPROGRESS)
			gwlbtun_count_drop(gd->stats, err == -ENOMEM ?
					   GWLBTUN_DROP_NOMEM :
					   GWLBTUN_DROP_MALFORMED);
		return;
	}
	if (unlikely(gwlbtun_reply_attach(cfg, skb, r))) {
		gwlbtun_drop(gd->stats, skb, GWLBTUN_DROP_NOMEM);
		return;
	}

	gwlbtun_nf_dropped(dev, NF_HOOK(gwlbtun_nfproto(skb),
					NF_INET_PRE_ROUTING, net,
					NULL, skb, dev, NULL,
					gwlbtun_nf_pre_done));
}
