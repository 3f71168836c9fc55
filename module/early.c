// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: early receive (the early_rx module parameter, default off).
 * Loaded with early_rx=1, an IPv4 PRE_ROUTING hook, ahead of defragmentation
 * and conntrack, takes the unfragmented UDP packets addressed to a local
 * address and to one of this netns's gwlbtun IPv4 ports straight to
 * gwlbtun_udp_encap_recv(), skipping the input route lookup, LOCAL_IN, the
 * UDP socket lookup and the rest of the UDP stack's local delivery.
 * Everything else (IPv6 outer packets, IP options, fragments, UDP GSO
 * packets, other ports and addresses) is left to the normal path.
 *
 * The port belongs to our wildcard-bound kernel socket (a bind to the same
 * port on any IPv4 address conflicts with it), so a packet taken here would
 * have reached gwlbtun_udp_encap_recv() through the socket anyway, and one
 * that matches no device is dropped and counted there as it would be through
 * the socket. What is skipped for the outer packet: the input route
 * (rp_filter, the l3mdev master), LOCAL_IN hooks (the NVA's INPUT ruleset),
 * conntrack/defrag of the outer packet, raw IPPROTO_UDP sockets, BPF
 * sk_lookup and xfrm policy. The checksum is checked, and the UDP MIB
 * counted, as the UDP stack does before it calls an encap handler.
 *
 * early_rx is read-only after load: the hook is registered in a netns while
 * it has at least one gwlbtun IPv4 socket, and never without early_rx. The
 * hook is unregistered with the last IPv4 socket, before that socket is
 * released (gwlbtun_sock_put()): udp_tunnel_sock_release() then waits for
 * the hook's readers, so neither the socket nor the pernet data it walks
 * goes away under it, and a module unload or netns exit, which puts every
 * socket under RTNL, leaves no hook behind.
 */
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_bridge.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/udp.h>

#include "gwlbtun.h"

static bool early_rx;
module_param(early_rx, bool, 0444);
MODULE_PARM_DESC(early_rx,
		 "Take IPv4 tunnel packets in PRE_ROUTING, before local delivery (default 0, load time only). Claimed packets are no longer seen by the NVA's own INPUT chain, raw/socket hooks, outer conntrack or defrag; IPv6, IP-option and fragmented outer packets still take the socket path");

/* A gwlbtun IPv4 socket on @port (host order) in @gn, or NULL. RCU. */
static struct gwlbtun_sock *gwlbtun_early_sock(struct gwlbtun_net *gn, u16 port)
{
	struct gwlbtun_sock *gs;

	list_for_each_entry_rcu(gs, &gn->socks, list)
		if (gs->port == port && gs->family == AF_INET)
			return gs;
	return NULL;
}

static unsigned int gwlbtun_early_rx4(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	const unsigned int hlen = sizeof(struct iphdr);
	struct net *net = state->net;
	const struct iphdr *iph;
	struct gwlbtun_sock *gs;
	struct udphdr *uh;
	unsigned int ulen;

	if (skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
#if IS_ENABLED(CONFIG_BRIDGE_NETFILTER)
	if (nf_bridge_info_exists(skb))	/* br_netfilter's, bridged */
		return NF_ACCEPT;
#endif
	/* gwlbtun_nf_run() takes inner packets through PRE_ROUTING too:
	 * an inner packet is reflected whole, never decapsulated again.
	 */
	if (state->in && gwlbtun_is_dev(state->in))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	/* ip_rcv_core() checked the header and trimmed skb to tot_len. */
	if (iph->protocol != IPPROTO_UDP || iph->ihl != 5 ||
	    ip_is_fragment(iph))
		return NF_ACCEPT;
	if (skb_is_gso(skb) &&
	    (skb_shinfo(skb)->gso_type & (SKB_GSO_UDP_L4 | SKB_GSO_FRAGLIST)))
		return NF_ACCEPT;	/* the UDP stack segments these */
	if (!pskb_may_pull(skb, hlen + GWLBTUN_UDP_VXLAN_LEN))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	uh = (struct udphdr *)(skb->data + hlen);
	gs = gwlbtun_early_sock(gwlbtun_pernet(net), ntohs(uh->dest));
	if (!gs)
		return NF_ACCEPT;
	ulen = ntohs(uh->len);
	if (ulen < sizeof(*uh) || ulen > skb->len - hlen)
		return NF_ACCEPT;	/* the UDP stack counts and drops it */
	/*
	 * To a local address (a hash lookup for an interface address, the
	 * local table otherwise): a broadcast or a foreign address keeps
	 * the normal path (not-unicast, or forwarding).
	 */
	if (!__ip_dev_find(net, iph->daddr, false))
		return NF_ACCEPT;

	/* From here the packet is ours: as ip_local_deliver_finish() and
	 * __udp4_lib_rcv() would, data to the UDP header (IPv4: skb->csum of
	 * CHECKSUM_COMPLETE is unchanged by a valid header), trim to the UDP
	 * length, and check the checksum as udp_queue_rcv_one_skb() does
	 * before it calls the encap handler.
	 */
	__skb_pull(skb, skb_network_header_len(skb));
	if (ulen < skb->len && pskb_trim_rcsum(skb, ulen))
		goto drop;
	uh = udp_hdr(skb);
	if (skb_checksum_init_zero_check(skb, IPPROTO_UDP, uh->check,
					 inet_compute_pseudo))
		goto csum_error;
	if (skb->ip_summed == CHECKSUM_COMPLETE && !skb->csum_valid) {
		if (skb->csum_complete_sw)
			goto csum_error;
		skb_checksum_complete_unset(skb);
	}
	/* setup_udp_tunnel_sock() turns checksum conversion on */
	if (uh->check)
		skb_checksum_try_convert(skb, IPPROTO_UDP, inet_compute_pseudo);
	if (!skb_csum_unnecessary(skb) && __skb_checksum_complete(skb))
		goto csum_error;

	__UDP_INC_STATS(net, UDP_MIB_INDATAGRAMS, 0);
	gwlbtun_udp_encap_recv(gs->sock->sk, skb);
	return NF_STOLEN;

csum_error:
	__UDP_INC_STATS(net, UDP_MIB_CSUMERRORS, 0);
	__UDP_INC_STATS(net, UDP_MIB_INERRORS, 0);
	kfree_skb_reason(skb, SKB_DROP_REASON_UDP_CSUM);
	return NF_STOLEN;
drop:
	__UDP_INC_STATS(net, UDP_MIB_INERRORS, 0);
	kfree_skb(skb);
	return NF_STOLEN;
}

static const struct nf_hook_ops gwlbtun_early_ops = {
	.hook = gwlbtun_early_rx4,
	.pf = NFPROTO_IPV4,
	.hooknum = NF_INET_PRE_ROUTING,
	.priority = NF_IP_PRI_CONNTRACK_DEFRAG - 1,
};

/*
 * RTNL. After a socket was added to gn->socks, or after one was removed from
 * it and before it is released: registers the hook when an IPv4 socket is
 * there and early_rx is set, unregisters it when none is left. Fails (and
 * says why) only when the hook cannot be registered.
 */
int gwlbtun_early_sync(struct net *net, struct gwlbtun_net *gn,
		       struct netlink_ext_ack *extack)
{
	struct gwlbtun_sock *gs;
	bool want = false;
	int err;

	ASSERT_RTNL();
	if (!early_rx)
		return 0;
	list_for_each_entry(gs, &gn->socks, list)
		if (gs->family == AF_INET)
			want = true;
	if (want && !gn->early_hooked) {
		err = nf_register_net_hook(net, &gwlbtun_early_ops);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "early_rx: cannot register the PRE_ROUTING hook");
			return err;
		}
		gn->early_hooked = true;
	} else if (!want && gn->early_hooked) {
		nf_unregister_net_hook(net, &gwlbtun_early_ops);
		gn->early_hooked = false;
	}
	return 0;
}
