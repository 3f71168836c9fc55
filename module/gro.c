// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: GRO on the tunnel sockets. The UDP layer hands us packets whose
 * outer addresses and ports already agree; packets that also carry the same
 * VXLAN header word for word are the same tunnel flow, and their inner
 * Ethernet frames go to the ordinary Ethernet GRO. A bulk TCP flow off a NIC
 * then crosses the hooks and is reflected as super-packets, and segmented
 * again on output (send.c), as from a local sender. `ethtool -K DEV gro off`
 * on the underlay turns it off, as for the kernel's own tunnels.
 */
#include <linux/etherdevice.h>
#include <net/gro.h>
#include <net/vxlan.h>

#include "gwlbtun.h"

static struct sk_buff *gwlbtun_gro_receive(struct sock *sk,
					   struct list_head *head,
					   struct sk_buff *skb)
{
	unsigned int off = skb_gro_offset(skb);
	const struct vxlanhdr *vh, *vh2;
	struct sk_buff *pp = NULL, *p;
	int flush = 1;

	vh = skb_gro_header(skb, off + sizeof(*vh), off);
	/* What the receive path would drop goes up alone, to be counted. */
	if (!vh || !(vh->vx_flags & VXLAN_HF_VNI))
		goto out;
	skb_gro_postpull_rcsum(skb, vh, sizeof(*vh));
	skb_gro_pull(skb, sizeof(*vh));

	/*
	 * Reserved bits are ignored on receive but not here: a merged packet
	 * keeps its first segment's header, so only identical ones merge.
	 */
	list_for_each_entry(p, head, list) {
		if (!NAPI_GRO_CB(p)->same_flow)
			continue;
		vh2 = (const struct vxlanhdr *)(p->data + off);
		if (vh2->vx_flags != vh->vx_flags || vh2->vx_vni != vh->vx_vni)
			NAPI_GRO_CB(p)->same_flow = 0;
	}
	pp = call_gro_receive(eth_gro_receive, head, skb);
	flush = 0;
out:
	skb_gro_flush_final(skb, pp, flush);
	return pp;
}

/* @nhoff is at the VXLAN header; the inner frame follows it. */
static int gwlbtun_gro_complete(struct sock *sk, struct sk_buff *skb,
				int nhoff)
{
	return eth_gro_complete(skb, nhoff + sizeof(struct vxlanhdr));
}

void gwlbtun_gro_setup(struct udp_tunnel_sock_cfg *cfg)
{
	cfg->gro_receive = gwlbtun_gro_receive;
	cfg->gro_complete = gwlbtun_gro_complete;
}
