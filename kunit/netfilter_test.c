// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gwlbtun's netfilter stage (module/netfilter.c), on a real
 * gwlbtun device in init_net: a packet decapsulated as receive.c does it
 * passes PRE_ROUTING, FORWARD and POST_ROUTING with the device as the in
 * and the out device, and every verdict a hook can give ends the packet
 * where it should and is counted as it should. Hooks registered for the
 * test record what they see and answer what the test tells them to.
 *
 * Each test starts with the device configured (External 901/10801,
 * Internal 900/10800, peers 10.0.0.5 and fd00::5) and UML has no route to
 * the GWLB, so a packet that gets through all three hooks reaches
 * reflection and ends there as GWLBTUN_DROP_NO_ROUTE; the last tests
 * give it a GWLB at one of the host's own addresses, which must be refused
 * (the reply would loop), and then one reached through a stand-in underlay
 * device, and see it sent: whole, and as the segments NFQUEUE makes of a
 * super-packet, each with the inner Ethernet header that arrived.
 *
 * The reply context travels from receive to transmit as the skb's dst (see
 * module/reply.c): the "ctx" tests put it through what the kernel may do
 * to a packet in between (segmentation, head reallocation, clones and
 * copies, a configuration change) and check that transmit still finds it,
 * and finds nothing where it must not. The "frag" tests feed fragments:
 * they are reassembled before the hooks, which see one packet.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/icmp.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/dst.h>
#include <net/inet_frag.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/route.h>
#include <net/tcp.h>
#include <net/vxlan.h>

#include "gwlbtun.h"
#include "skb_util.h"

/*
 * The test's packets carry this mark; the hooks let everything else
 * through untouched (the device's own IPv6 autoconfiguration traffic,
 * for one, leaves through POST_ROUTING with the device as out).
 */
#define GWLBTUN_NFT_MARK	0x6e667400

#define GWLBTUN_NFT_MAX_SEEN	8

/* The device every test uses, created by the suite. */
static struct net_device *gwlbtun_nft_dev;

/* What one hook saw of a test packet. */
struct gwlbtun_nft_seen {
	u8 pf;
	u8 hook;
	const struct net_device *in;
	const struct net_device *out;
	const struct net_device *dev;
	int network_offset;
	unsigned int len;
	u16 frag_max_size;
	bool has_reply;
	struct gwlbtun_reply reply;
};

struct gwlbtun_nft_ctx {
	struct nf_hook_ops ops[6];
	bool registered;
	/* The verdict each hook returns, by NF_INET_* hook number. */
	unsigned int verdict[NF_INET_NUMHOOKS];
	unsigned int n_seen;
	struct gwlbtun_nft_seen seen[GWLBTUN_NFT_MAX_SEEN];
	struct gwlbtun_stats before;
	/* The reply context the test packet should carry through the hooks. */
	bool check_reply;
	struct gwlbtun_reply want;
};

/* The order a forwarded packet meets the hooks in. */
static const u8 gwlbtun_nft_order[] = {
	NF_INET_PRE_ROUTING, NF_INET_FORWARD, NF_INET_POST_ROUTING,
};

static unsigned int gwlbtun_nft_hook(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct gwlbtun_nft_ctx *ctx = priv;
	const struct gwlbtun_reply *r;
	struct gwlbtun_nft_seen *s;
	unsigned int verdict;

	/*
	 * Only the test packet, inside: the device is its in or out device
	 * and no other device is. The reflected outer packet keeps the mark
	 * and meets POST_ROUTING with the device as in and the underlay's
	 * as out (as vxlan's do).
	 */
	if (skb->mark != GWLBTUN_NFT_MARK || (!state->in && !state->out) ||
	    (state->in && state->in != gwlbtun_nft_dev) ||
	    (state->out && state->out != gwlbtun_nft_dev))
		return NF_ACCEPT;

	if (ctx->n_seen < ARRAY_SIZE(ctx->seen)) {
		s = &ctx->seen[ctx->n_seen];
		s->pf = state->pf;
		s->hook = state->hook;
		s->in = state->in;
		s->out = state->out;
		s->dev = skb->dev;
		s->network_offset = skb_network_offset(skb);
		s->len = skb->len;
		s->frag_max_size = state->pf == NFPROTO_IPV4 ?
				   IPCB(skb)->frag_max_size :
				   IP6CB(skb)->frag_max_size;
		r = gwlbtun_reply_of(skb);
		s->has_reply = r;
		if (r)
			s->reply = *r;
	}
	ctx->n_seen++;

	verdict = ctx->verdict[state->hook];
	/* A hook that steals a packet owns it; this one just frees it. */
	if ((verdict & NF_VERDICT_MASK) == NF_STOLEN)
		kfree_skb(skb);
	return verdict;
}

static int gwlbtun_nft_suite_init(struct kunit_suite *suite)
{
	struct net_device *dev;
	int err;

	rtnl_lock();
	dev = gwlbtun_create(&init_net, "gwlbkt%d", NULL);
	if (IS_ERR(dev)) {
		rtnl_unlock();
		return PTR_ERR(dev);
	}
	err = dev_open(dev, NULL);
	if (err)
		unregister_netdevice(dev);
	else
		gwlbtun_nft_dev = dev;
	rtnl_unlock();
	return err;
}

static void gwlbtun_nft_suite_exit(struct kunit_suite *suite)
{
	if (!gwlbtun_nft_dev)
		return;
	rtnl_lock();
	unregister_netdevice(gwlbtun_nft_dev);
	rtnl_unlock();
	gwlbtun_nft_dev = NULL;
}

static struct gwlbtun_dev *gwlbtun_nft_gd(void)
{
	return netdev_priv(gwlbtun_nft_dev);
}

/* How a test configures the device. */
enum gwlbtun_nft_peers {
	GWLBTUN_NFT_UNCONFIGURED,	/* no tunnels */
	GWLBTUN_NFT_PEERS,		/* 10.0.0.5 and fd00::5 */
	GWLBTUN_NFT_NO_PEERS,		/* tunnels, an empty peer list */
	GWLBTUN_NFT_ANY,		/* tunnels, any peer */
};

static int gwlbtun_nft_configure(struct net_device *dev,
				 enum gwlbtun_nft_peers peers)
{
	struct gwlbtun_params *p;
	int err;

	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	gwlbtun_params_init(p);
	if (peers != GWLBTUN_NFT_UNCONFIGURED) {
		p->tun[GWLBTUN_EXT].vni = 901;
		p->tun[GWLBTUN_EXT].port = 10801;
		p->tun[GWLBTUN_INT].vni = 900;
		p->tun[GWLBTUN_INT].port = 10800;
	}
	p->peers_any = peers == GWLBTUN_NFT_ANY;
	if (peers == GWLBTUN_NFT_PEERS) {
		p->peers[0].family = AF_INET;
		p->peers[0].ip4 = GWLBTUN_TEST_GWLB4;
		p->peers[1].family = AF_INET6;
		p->peers[1].ip6 = gwlbtun_test_gwlb6;
		p->n_peers = 2;
	}
	rtnl_lock();
	err = gwlbtun_config_set(netdev_priv(dev), p, NULL);
	rtnl_unlock();
	kfree(p);
	return err;
}

static void gwlbtun_nft_reconfigure(struct kunit *test,
				    enum gwlbtun_nft_peers peers)
{
	KUNIT_ASSERT_EQ(test, gwlbtun_nft_configure(gwlbtun_nft_dev, peers), 0);
}

/* Until every retired configuration of the device has been freed. */
static void gwlbtun_nft_settle(void)
{
	synchronize_rcu();
	rcu_barrier();
	flush_workqueue(gwlbtun_wq);
}

/* Hooks at the three stages of both families, all accepting. */
static int gwlbtun_nft_init(struct kunit *test)
{
	static const u8 pfs[] = { NFPROTO_IPV4, NFPROTO_IPV6 };
	struct gwlbtun_nft_ctx *ctx;
	unsigned int i, j, n = 0;
	int err;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(ctx->verdict); i++)
		ctx->verdict[i] = NF_ACCEPT;
	for (i = 0; i < ARRAY_SIZE(pfs); i++) {
		for (j = 0; j < ARRAY_SIZE(gwlbtun_nft_order); j++) {
			struct nf_hook_ops *ops = &ctx->ops[n++];

			ops->hook = gwlbtun_nft_hook;
			ops->priv = ctx;
			ops->pf = pfs[i];
			ops->hooknum = gwlbtun_nft_order[j];
			ops->priority = 0;
		}
	}
	BUILD_BUG_ON(ARRAY_SIZE(ctx->ops) !=
		     ARRAY_SIZE(pfs) * ARRAY_SIZE(gwlbtun_nft_order));

	err = gwlbtun_nft_configure(gwlbtun_nft_dev, GWLBTUN_NFT_PEERS);
	if (err)
		return err;
	err = nf_register_net_hooks(&init_net, ctx->ops, n);
	if (err)
		return err;
	ctx->registered = true;
	test->priv = ctx;
	gwlbtun_stats_fold(gwlbtun_nft_gd()->stats, &ctx->before);
	return 0;
}

/* Runs however the test ended. */
static void gwlbtun_nft_exit(struct kunit *test)
{
	struct gwlbtun_nft_ctx *ctx = test->priv;

	if (ctx && ctx->registered)
		nf_unregister_net_hooks(&init_net, ctx->ops,
					ARRAY_SIZE(ctx->ops));
}

/* A received packet, skb->data at the UDP header. */
static struct sk_buff *gwlbtun_nft_rx(struct kunit *test, bool outer6,
				      bool inner6)
{
	struct gwlbtun_test_outer o = outer6 ? gwlbtun_test_v6 : gwlbtun_test_v4;

	o.inner6 = inner6;
	return gwlbtun_test_rx(test, &o);
}

/*
 * Turn @skb, as received, into what receive.c hands to gwlbtun_nf_run():
 * the reply context read from the outer headers into @r, decapsulated onto
 * the device. An IPv4 packet came on the External tunnel (VNI 901) and
 * leaves on the Internal one; an IPv6 one the other way round.
 */
static void gwlbtun_nft_decap(struct kunit *test, struct sk_buff *skb,
			      struct gwlbtun_reply *r)
{
	bool outer6 = skb->protocol == htons(ETH_P_IPV6);
	enum gwlbtun_dir in = outer6 ? GWLBTUN_INT : GWLBTUN_EXT;
	struct net_device *dev = gwlbtun_nft_dev;
	struct gwlbtun_nft_ctx *ctx = test->priv;
	u32 vni;

	KUNIT_ASSERT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), 0);
	KUNIT_ASSERT_EQ(test, vni, outer6 ? 900U : 901U);
	gwlbtun_outer_reply(skb, in, r);
	KUNIT_EXPECT_EQ(test, r->in_dir, in);
	KUNIT_EXPECT_EQ(test, r->dir, gwlbtun_other(in));

	gwlbtun_decap(skb, dev);
	KUNIT_EXPECT_PTR_EQ(test, skb->dev, dev);
	KUNIT_EXPECT_PTR_EQ(test, skb_mac_header(skb) + ETH_HLEN, skb->data);
	KUNIT_EXPECT_PTR_EQ(test, skb_network_header(skb), skb->data);
	KUNIT_EXPECT_NULL(test, skb_dst(skb));
	/* The inner Ethernet header goes in the context, as in receive.c. */
	memcpy(r->eth, skb_mac_header(skb), ETH_HLEN);
	skb->mark = GWLBTUN_NFT_MARK;

	KUNIT_ASSERT_TRUE(test, skb->protocol == htons(ETH_P_IP) ||
			  skb->protocol == htons(ETH_P_IPV6));
	ctx->check_reply = true;
	ctx->want = *r;
}

static struct gwlbtun_config *gwlbtun_nft_cfg(struct net_device *dev)
{
	struct gwlbtun_dev *gd = netdev_priv(dev);

	return rcu_dereference(gd->cfg);
}

/* In the context the UDP stack calls the module in. */
static void gwlbtun_nft_run(struct sk_buff *skb, const struct gwlbtun_reply *r)
{
	local_bh_disable();
	rcu_read_lock();
	gwlbtun_nf_run(gwlbtun_nft_cfg(gwlbtun_nft_dev), skb, r);
	rcu_read_unlock();
	local_bh_enable();
}

/*
 * Send a packet through the netfilter stage. The test keeps a reference
 * of its own, so it can check that the data path released exactly one,
 * however the packet ended; nothing on the paths these packets take looks
 * at skb_shared().
 */
static void gwlbtun_nft_send(struct kunit *test, bool outer6, bool inner6)
{
	struct sk_buff *skb = gwlbtun_nft_rx(test, outer6, inner6);
	struct gwlbtun_reply r;

	gwlbtun_nft_decap(test, skb, &r);
	skb_get(skb);
	gwlbtun_nft_run(skb, &r);
	/* The test's own reference, dropped when the test ends. */
	KUNIT_EXPECT_EQ(test, refcount_read(&skb->users), 1U);
}

/* The hooks saw the packet at the first @n stages, in order, and no more. */
static void gwlbtun_nft_expect_hooks(struct kunit *test, u8 pf,
				     unsigned int n)
{
	struct gwlbtun_nft_ctx *ctx = test->priv;
	struct net_device *dev = gwlbtun_nft_dev;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, ctx->n_seen, n);
	for (i = 0; i < n; i++) {
		const struct gwlbtun_nft_seen *s = &ctx->seen[i];
		u8 hook = gwlbtun_nft_order[i];

		KUNIT_EXPECT_EQ_MSG(test, s->pf, pf, "hook %u", i);
		KUNIT_EXPECT_EQ_MSG(test, s->hook, hook, "hook %u", i);
		/* in: the device, until the packet is routed out again. */
		KUNIT_EXPECT_PTR_EQ_MSG(test, s->in,
					hook == NF_INET_POST_ROUTING ? NULL : dev,
					"hook %u", i);
		/* out: the device, once the packet is forwarded. */
		KUNIT_EXPECT_PTR_EQ_MSG(test, s->out,
					hook == NF_INET_PRE_ROUTING ? NULL : dev,
					"hook %u", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, s->dev, dev, "hook %u", i);
		/* skb->data at the inner network header, as for ip_rcv(). */
		KUNIT_EXPECT_EQ_MSG(test, s->network_offset, 0, "hook %u", i);
		/* The reply context is on the packet at every hook. */
		if (!ctx->check_reply)
			continue;
		KUNIT_EXPECT_TRUE_MSG(test, s->has_reply, "hook %u", i);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(&s->reply, &ctx->want,
						 sizeof(s->reply)), 0,
				    "hook %u", i);
	}
}

/*
 * The device's counters moved by exactly this: drops[@reason] by @n
 * (nothing for GWLBTUN_DROP_NONE) and, for a packet reflected, the
 * Internal tunnel's tx by one packet of @tx_len bytes.
 */
static void gwlbtun_nft_expect_n(struct kunit *test, enum gwlbtun_drop reason,
				 unsigned int n, unsigned int tx_len)
{
	struct gwlbtun_nft_ctx *ctx = test->priv;
	const struct gwlbtun_stats *b = &ctx->before;
	struct gwlbtun_stats now;
	int d, r;

	gwlbtun_stats_fold(gwlbtun_nft_gd()->stats, &now);
	for (r = 0; r < __GWLBTUN_DROP_MAX; r++) {
		u64 want = reason != GWLBTUN_DROP_NONE && r == reason ? n : 0;

		KUNIT_EXPECT_EQ_MSG(test, now.drops[r] - b->drops[r], want,
				    "drops[%d]", r);
	}
	for (d = 0; d < GWLBTUN_NDIRS; d++) {
		bool tx = d == GWLBTUN_INT && tx_len;

		KUNIT_EXPECT_EQ(test, now.rx_packets[d], b->rx_packets[d]);
		KUNIT_EXPECT_EQ(test, now.rx_bytes[d], b->rx_bytes[d]);
		KUNIT_EXPECT_EQ_MSG(test, now.tx_packets[d] - b->tx_packets[d],
				    (u64)tx, "tx_packets[%d]", d);
		KUNIT_EXPECT_EQ_MSG(test, now.tx_bytes[d] - b->tx_bytes[d],
				    (u64)(tx ? tx_len : 0), "tx_bytes[%d]", d);
	}
}

static void gwlbtun_nft_expect_stats(struct kunit *test,
				     enum gwlbtun_drop reason,
				     unsigned int tx_len)
{
	gwlbtun_nft_expect_n(test, reason, 1, tx_len);
}

static void gwlbtun_nft_expect_drop(struct kunit *test,
				    enum gwlbtun_drop reason)
{
	gwlbtun_nft_expect_stats(test, reason, 0);
}

static void gwlbtun_nft_set(struct kunit *test, u8 hook, unsigned int verdict)
{
	struct gwlbtun_nft_ctx *ctx = test->priv;

	ctx->verdict[hook] = verdict;
}

/* (a) All accept: PRE, FORWARD, POST, then reflection. */
static void gwlbtun_nft_accept_v4(struct kunit *test)
{
	gwlbtun_nft_send(test, false, false);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 3);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NO_ROUTE);
}

/* IPv6 inside IPv6: the IPv6 hooks, the same order and devices. */
static void gwlbtun_nft_accept_v6(struct kunit *test)
{
	gwlbtun_nft_send(test, true, true);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV6, 3);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NO_ROUTE);
}

/* The inner family picks the hooks, not the underlay's. */
static void gwlbtun_nft_accept_v6_in_v4(struct kunit *test)
{
	gwlbtun_nft_send(test, false, true);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV6, 3);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NO_ROUTE);
}

/* (b) DROP at FORWARD: counted, POST never runs, nothing reflected. */
static void gwlbtun_nft_drop_forward(struct kunit *test)
{
	gwlbtun_nft_set(test, NF_INET_FORWARD, NF_DROP);
	gwlbtun_nft_send(test, false, false);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 2);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NETFILTER);
}

static void gwlbtun_nft_drop_forward_v6(struct kunit *test)
{
	gwlbtun_nft_set(test, NF_INET_FORWARD, NF_DROP);
	gwlbtun_nft_send(test, true, true);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV6, 2);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NETFILTER);
}

/* (c) DROP at PRE_ROUTING: FORWARD and POST never run. */
static void gwlbtun_nft_drop_pre(struct kunit *test)
{
	gwlbtun_nft_set(test, NF_INET_PRE_ROUTING, NF_DROP);
	gwlbtun_nft_send(test, false, false);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 1);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NETFILTER);
}

/* (c) DROP at POST_ROUTING: the last hook, still before reflection. */
static void gwlbtun_nft_drop_post(struct kunit *test)
{
	gwlbtun_nft_set(test, NF_INET_POST_ROUTING, NF_DROP);
	gwlbtun_nft_send(test, false, false);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 3);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NETFILTER);
}

/* (d) STOLEN: the hook owns the packet; nothing is counted. */
static void gwlbtun_nft_stolen_forward(struct kunit *test)
{
	gwlbtun_nft_set(test, NF_INET_FORWARD, NF_STOLEN);
	gwlbtun_nft_send(test, false, false);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 2);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NONE);
}

/*
 * (e) NF_QUEUE to a queue nobody listens on, no bypass. nfnetlink_queue is
 * built in, so the queue handler is registered and finds no instance 3
 * (-ESRCH); the packet is dropped: POST never runs, nothing is reflected
 * and the data path's reference is gone.
 *
 * It is not counted: on 6.1, nf_queue() frees the packet itself and
 * returns 0, so NF_HOOK() reports it exactly like a packet queued or
 * stolen, and netfilter.c cannot tell the difference.
 */
static void gwlbtun_nft_queue_no_listener(struct kunit *test)
{
	gwlbtun_nft_set(test, NF_INET_FORWARD, NF_QUEUE_NR(3));
	gwlbtun_nft_send(test, false, false);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 2);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NONE);
}

/* (f) With bypass, a queue without a listener is as good as ACCEPT. */
static void gwlbtun_nft_queue_bypass(struct kunit *test)
{
	unsigned int verdict = NF_QUEUE_NR(3) | NF_VERDICT_FLAG_QUEUE_BYPASS;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gwlbtun_nft_order); i++)
		gwlbtun_nft_set(test, gwlbtun_nft_order[i], verdict);
	gwlbtun_nft_send(test, false, false);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 3);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NO_ROUTE);
}

/* (g) A drop with an error code (as REJECT-like targets give) counts. */
static void gwlbtun_nft_drop_err(struct kunit *test)
{
	gwlbtun_nft_set(test, NF_INET_FORWARD, NF_DROP_ERR(-EHOSTUNREACH));
	gwlbtun_nft_send(test, false, false);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 2);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NETFILTER);
}

/* Give @name the address @addr (the default prefix: /8 for 10.x). */
static void gwlbtun_nft_addr(struct kunit *test, const char *name, u32 addr)
{
	struct ifreq ifr = {};
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	strscpy(ifr.ifr_name, name, IFNAMSIZ);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(addr);
	KUNIT_ASSERT_EQ(test, devinet_ioctl(&init_net, SIOCSIFADDR, &ifr), 0);
}

/* (a) once more, from @gwlb to @nva, with the counters it should move. */
static void gwlbtun_nft_reflect_from(struct kunit *test, u32 gwlb, u32 nva,
				     enum gwlbtun_drop reason,
				     unsigned int tx_len)
{
	struct gwlbtun_reply r;
	struct sk_buff *skb;
	struct iphdr *iph;

	skb = gwlbtun_nft_rx(test, false, false);
	iph = ip_hdr(skb);
	iph->saddr = htonl(gwlb);
	iph->daddr = htonl(nva);
	ip_send_check(iph);
	gwlbtun_nft_decap(test, skb, &r);

	/* Sent on, the packet is the stack's; dropped, the test frees it. */
	if (tx_len)
		gwlbtun_test_untrack(test, skb);
	else
		skb_get(skb);
	gwlbtun_nft_run(skb, &r);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 3);
	gwlbtun_nft_expect_stats(test, reason, tx_len);
}

/*
 * A GWLB at one of the host's own addresses (127.0.0.2: all of 127/8 is):
 * the reply would come straight back in and, from a local sender, bounce
 * between the tunnels for ever. It is dropped as no route. The loopback
 * device stays up, as on any running system. No peer list names it: the
 * device accepts any.
 */
static void gwlbtun_nft_local_gwlb(struct kunit *test)
{
	int err;

	gwlbtun_nft_reconfigure(test, GWLBTUN_NFT_ANY);
	rtnl_lock();
	err = dev_open(init_net.loopback_dev, NULL);
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);
	gwlbtun_nft_addr(test, init_net.loopback_dev->name, INADDR_LOOPBACK);
	gwlbtun_nft_reflect_from(test, INADDR_LOOPBACK + 1, INADDR_LOOPBACK,
				 GWLBTUN_DROP_NO_ROUTE, 0);
}

/*
 * A second gwlbtun device, up with the address @addr (the default prefix),
 * standing in for the underlay NIC: what it is given to send, it counts
 * as tx_dropped.
 */
static struct net_device *gwlbtun_nft_underlay(struct kunit *test, u32 addr)
{
	struct net_device *ul;
	int err;

	rtnl_lock();
	ul = gwlbtun_create(&init_net, "gwlbul%d", NULL);
	err = IS_ERR(ul) ? PTR_ERR(ul) : dev_open(ul, NULL);
	if (err && !IS_ERR(ul))
		unregister_netdevice(ul);
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);
	gwlbtun_nft_addr(test, ul->name, addr);
	return ul;
}

static void gwlbtun_nft_underlay_del(struct net_device *ul)
{
	rtnl_lock();
	unregister_netdevice(ul);
	rtnl_unlock();
}

/*
 * A GWLB the appliance can reach: 10.0.0.5, on the subnet of a stand-in
 * underlay (10.0.0.9/8). Past POST_ROUTING the packet is reflected for
 * real, out of that device, and counted as sent on the Internal tunnel
 * with its inner frame's length.
 */
static void gwlbtun_nft_reflected(struct kunit *test)
{
	struct rtnl_link_stats64 st;
	struct net_device *ul;

	ul = gwlbtun_nft_underlay(test, 0x0a000009);
	gwlbtun_nft_reflect_from(test, 0x0a000005, 0x0a000009,
				 GWLBTUN_DROP_NONE, GWLBTUN_TEST_INNER_LEN);
	dev_get_stats(ul, &st);
	KUNIT_EXPECT_EQ(test, st.tx_dropped, 1ULL);
	gwlbtun_nft_underlay_del(ul);
}

/* Unconfigured (no tunnels): through the hooks, then refused as stale. */
static void gwlbtun_nft_unconfigured(struct kunit *test)
{
	gwlbtun_nft_reconfigure(test, GWLBTUN_NFT_UNCONFIGURED);
	gwlbtun_nft_send(test, false, false);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 3);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_STALE);
}

/*
 * A packet as it is between the hooks: decapsulated, validated, carrying
 * the placeholder of its context (@r) with a reference of its own, as
 * nf_queue() gives it with skb_dst_force().
 */
static struct sk_buff *gwlbtun_nft_held(struct kunit *test, bool outer6,
					bool inner6, struct gwlbtun_reply *r)
{
	struct sk_buff *skb = gwlbtun_nft_rx(test, outer6, inner6);
	struct dst_entry *dst;

	gwlbtun_nft_decap(test, skb, r);
	KUNIT_ASSERT_EQ(test, gwlbtun_inner_validate(skb), 0);
	rcu_read_lock();
	dst = gwlbtun_reply_dst(gwlbtun_nft_cfg(gwlbtun_nft_dev), r);
	if (dst) {
		skb_dst_set_noref(skb, dst);
		skb_dst_force(skb);
	}
	rcu_read_unlock();
	KUNIT_ASSERT_NOT_NULL(test, dst);
	KUNIT_ASSERT_FALSE(test, skb_dst_is_noref(skb));
	KUNIT_ASSERT_PTR_EQ(test, skb_dst(skb), dst);
	return skb;
}

/* Transmit would find @r on @skb (NULL @r: would find nothing). */
static void gwlbtun_nft_expect_reply(struct kunit *test,
				     const struct sk_buff *skb,
				     const struct gwlbtun_reply *r)
{
	const struct gwlbtun_reply *got;

	rcu_read_lock();
	got = gwlbtun_reply_of(skb);
	if (!r) {
		KUNIT_EXPECT_NULL(test, got);
	} else {
		KUNIT_EXPECT_NOT_NULL(test, got);
		if (got)
			KUNIT_EXPECT_EQ(test, memcmp(got, r, sizeof(*r)), 0);
	}
	rcu_read_unlock();
}

#define GWLBTUN_NFT_MSS		100
#define GWLBTUN_NFT_SEGS	4

/*
 * A TCP super-packet of GWLBTUN_NFT_SEGS full segments, as veth hands it
 * over: CHECKSUM_PARTIAL, the pseudo-header sum in the TCP checksum, the
 * inner Ethernet header in front and skb->data at the IP header, on the
 * device.
 */
static struct sk_buff *gwlbtun_nft_tcp_gso(struct kunit *test)
{
	unsigned int payload = GWLBTUN_NFT_MSS * GWLBTUN_NFT_SEGS;
	unsigned int tcplen = sizeof(struct tcphdr) + payload;
	unsigned int len = sizeof(struct iphdr) + tcplen;
	struct sk_buff *skb = gwlbtun_test_alloc(test, ETH_HLEN + len);
	struct tcphdr *th;
	struct iphdr *iph;
	unsigned int i;
	u8 *p;

	skb_reset_mac_header(skb);
	gwlbtun_test_put_eth(skb_put(skb, ETH_HLEN), ETH_P_IP);
	__skb_pull(skb, ETH_HLEN);
	skb->mac_len = ETH_HLEN;
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(len);
	iph->id = htons(99);
	iph->frag_off = htons(IP_DF);
	iph->ttl = 63;
	iph->protocol = IPPROTO_TCP;
	iph->saddr = cpu_to_be32(0xc0000201);
	iph->daddr = cpu_to_be32(0xc6336402);
	ip_send_check(iph);
	skb_set_transport_header(skb, sizeof(*iph));
	th = skb_put_zero(skb, sizeof(*th));
	th->source = htons(40000);
	th->dest = htons(80);
	th->seq = htonl(1000);
	th->ack_seq = htonl(1);
	th->doff = sizeof(*th) / 4;
	th->ack = 1;
	th->window = htons(1024);
	p = skb_put(skb, payload);
	for (i = 0; i < payload; i++)
		p[i] = i;
	th->check = ~tcp_v4_check(tcplen, iph->saddr, iph->daddr, 0);

	skb->protocol = htons(ETH_P_IP);
	skb->dev = gwlbtun_nft_dev;
	skb->mark = GWLBTUN_NFT_MARK;
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct tcphdr, check);
	skb_shinfo(skb)->gso_size = GWLBTUN_NFT_MSS;
	skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
	skb_shinfo(skb)->gso_segs = GWLBTUN_NFT_SEGS;
	return skb;
}

/* The segments of @skb as an NFQUEUE without F_GSO makes them. */
static struct sk_buff *gwlbtun_nft_segment(struct kunit *test,
					   struct sk_buff *skb,
					   const struct gwlbtun_reply *r)
{
	struct dst_entry *dst;
	struct sk_buff *segs;

	rcu_read_lock();
	dst = gwlbtun_reply_dst(gwlbtun_nft_cfg(gwlbtun_nft_dev), r);
	if (dst) {
		skb_dst_set_noref(skb, dst);
		skb_dst_force(skb);
	}
	rcu_read_unlock();
	KUNIT_ASSERT_NOT_NULL(test, dst);

	segs = skb_gso_segment(skb, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(segs));
	KUNIT_ASSERT_PTR_NE(test, segs, skb);
	return segs;
}

/* (a) Every segment of a segmented super-packet has the context. */
static void gwlbtun_nft_ctx_gso(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_nft_tcp_gso(test);
	struct sk_buff *segs, *seg, *next;
	struct gwlbtun_reply r;
	unsigned int n = 0;

	gwlbtun_test_reply(&r, false, GWLBTUN_EXT, 64);
	segs = gwlbtun_nft_segment(test, skb, &r);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		gwlbtun_test_track(test, seg);
		n++;
		KUNIT_EXPECT_PTR_EQ(test, seg->dev, gwlbtun_nft_dev);
		KUNIT_EXPECT_FALSE(test, skb_is_gso(seg));
		KUNIT_EXPECT_EQ(test, seg->len, sizeof(struct iphdr) +
				sizeof(struct tcphdr) + GWLBTUN_NFT_MSS);
		gwlbtun_nft_expect_reply(test, seg, &r);
	}
	KUNIT_EXPECT_EQ(test, n, GWLBTUN_NFT_SEGS);
}

/* (b) A head reallocated (NAT, a target writing a header): no change. */
static void gwlbtun_nft_ctx_expand_head(struct kunit *test)
{
	struct gwlbtun_reply r;
	struct sk_buff *skb;
	u8 *head;

	skb = gwlbtun_nft_held(test, false, false, &r);
	head = skb->head;
	KUNIT_ASSERT_EQ(test, pskb_expand_head(skb, 256, 256, GFP_KERNEL), 0);
	KUNIT_EXPECT_PTR_NE(test, skb->head, head);
	gwlbtun_nft_expect_reply(test, skb, &r);

	/* A clone's head reallocated, and the linear part pulled in. */
	skb = gwlbtun_test_track(test, skb_clone(skb, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, skb_unclone(skb, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, skb_linearize(skb), 0);
	gwlbtun_nft_expect_reply(test, skb, &r);

	skb = gwlbtun_nft_held(test, true, true, &r);
	KUNIT_ASSERT_EQ(test, pskb_expand_head(skb, 0, 512, GFP_KERNEL), 0);
	gwlbtun_nft_expect_reply(test, skb, &r);
}

/* (c) Clones and copies carry it, each with a reference of its own. */
static void gwlbtun_nft_ctx_clone_copy(struct kunit *test)
{
	struct sk_buff *skb, *clone, *copy, *pcopy;
	struct gwlbtun_reply r;
	struct dst_entry *dst;
	int refs;

	skb = gwlbtun_nft_held(test, false, false, &r);
	dst = skb_dst(skb);
	refs = atomic_read(&dst->__refcnt);
	clone = gwlbtun_test_track(test, skb_clone(skb, GFP_KERNEL));
	copy = gwlbtun_test_track(test, skb_copy(skb, GFP_KERNEL));
	pcopy = gwlbtun_test_track(test, pskb_copy(skb, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, atomic_read(&dst->__refcnt), refs + 3);
	gwlbtun_nft_expect_reply(test, clone, &r);
	gwlbtun_nft_expect_reply(test, copy, &r);
	gwlbtun_nft_expect_reply(test, pcopy, &r);

	/* Freeing the original leaves the others theirs. */
	gwlbtun_test_untrack(test, skb);
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, atomic_read(&dst->__refcnt), refs + 2);
	gwlbtun_nft_expect_reply(test, clone, &r);
	gwlbtun_nft_expect_reply(test, copy, &r);
}

/*
 * (d) Only a placeholder of ours, of the device the packet is on: not one
 * of another gwlbtun device, not a packet moved to another device, not an
 * ordinary route on this device, not no route at all.
 */
static void gwlbtun_nft_ctx_foreign(struct kunit *test)
{
	struct net_device *dev = gwlbtun_nft_dev, *other;
	struct gwlbtun_reply r;
	struct dst_entry *dst;
	struct sk_buff *skb;
	struct rtable *rt;
	int err;

	rtnl_lock();
	other = gwlbtun_create(&init_net, "gwlbkx%d", NULL);
	err = PTR_ERR_OR_ZERO(other);
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);

	skb = gwlbtun_nft_held(test, false, false, &r);
	gwlbtun_nft_expect_reply(test, skb, &r);
	/* Moved to the other device, with this one's placeholder. */
	skb->dev = other;
	gwlbtun_nft_expect_reply(test, skb, NULL);
	skb->dev = dev;

	/* The other device's placeholder for the very same context. */
	rcu_read_lock();
	dst = gwlbtun_reply_dst(gwlbtun_nft_cfg(other), &r);
	KUNIT_EXPECT_NOT_NULL(test, dst);
	if (dst) {
		skb_dst_drop(skb);
		skb_dst_set_noref(skb, dst);
		KUNIT_EXPECT_NULL(test, gwlbtun_reply_of(skb));
		skb->dev = other;
		KUNIT_EXPECT_NOT_NULL(test, gwlbtun_reply_of(skb));
		skb->dev = dev;
		skb_dst_drop(skb);
	}
	rcu_read_unlock();

	/* An ordinary IPv4 route out of this very device. */
	rt = rt_dst_alloc(dev, 0, RTN_UNICAST, false);
	KUNIT_ASSERT_NOT_NULL(test, rt);
	skb_dst_set(skb, &rt->dst);
	gwlbtun_nft_expect_reply(test, skb, NULL);

	skb_dst_drop(skb);
	gwlbtun_nft_expect_reply(test, skb, NULL);

	rtnl_lock();
	unregister_netdevice(other);
	rtnl_unlock();
}

/* Transmit, in the context the hooks' continuations run in. */
static void gwlbtun_nft_xmit(struct kunit *test, struct sk_buff *skb)
{
	skb_get(skb);
	local_bh_disable();
	rcu_read_lock();
	gwlbtun_xmit_filtered(skb);
	rcu_read_unlock();
	local_bh_enable();
	KUNIT_EXPECT_EQ(test, refcount_read(&skb->users), 1U);
}

/*
 * (e) The GWLB a packet holds the context of was removed from the
 * configuration while the packet was between the hooks: it is not sent
 * there, and the drop is counted as stale.
 */
static void gwlbtun_nft_ctx_stale_peer(struct kunit *test)
{
	struct gwlbtun_reply r;
	struct sk_buff *skb;

	skb = gwlbtun_nft_held(test, false, false, &r);
	gwlbtun_nft_reconfigure(test, GWLBTUN_NFT_NO_PEERS);
	gwlbtun_nft_expect_reply(test, skb, &r);
	gwlbtun_nft_xmit(test, skb);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_STALE);
}

static void gwlbtun_nft_ctx_stale_peer_v6(struct kunit *test)
{
	struct gwlbtun_reply r;
	struct sk_buff *skb;

	skb = gwlbtun_nft_held(test, true, true, &r);
	gwlbtun_nft_reconfigure(test, GWLBTUN_NFT_NO_PEERS);
	gwlbtun_nft_xmit(test, skb);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_STALE);
}

/* The tunnels unconfigured in the meantime: stale as well. */
static void gwlbtun_nft_ctx_stale_unconfigured(struct kunit *test)
{
	struct gwlbtun_reply r;
	struct sk_buff *skb;

	skb = gwlbtun_nft_held(test, false, false, &r);
	gwlbtun_nft_reconfigure(test, GWLBTUN_NFT_UNCONFIGURED);
	gwlbtun_nft_xmit(test, skb);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_STALE);
}

/*
 * The other way: a configuration change that keeps the GWLB (here: any
 * peer now) lets the packet go on to the route lookup; and a packet with
 * no context, or another device's, is stale.
 */
static void gwlbtun_nft_ctx_still_allowed(struct kunit *test)
{
	struct gwlbtun_reply r;
	struct sk_buff *skb;

	skb = gwlbtun_nft_held(test, false, false, &r);
	gwlbtun_nft_reconfigure(test, GWLBTUN_NFT_ANY);
	gwlbtun_nft_xmit(test, skb);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NO_ROUTE);
}

static void gwlbtun_nft_ctx_missing(struct kunit *test)
{
	struct gwlbtun_reply r;
	struct sk_buff *skb;

	skb = gwlbtun_nft_held(test, false, false, &r);
	skb_dst_drop(skb);
	gwlbtun_nft_xmit(test, skb);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_STALE);
}

/*
 * (f) The cache: one placeholder per context and configuration, none
 * shared between contexts that differ in any byte.
 */
static void gwlbtun_nft_ctx_cache(struct kunit *test)
{
	struct gwlbtun_reply r, r2;
	struct gwlbtun_config *cfg;
	struct dst_entry *a, *b, *c, *d;

	gwlbtun_test_reply(&r, false, GWLBTUN_EXT, 64);
	rcu_read_lock();
	cfg = gwlbtun_nft_cfg(gwlbtun_nft_dev);
	a = gwlbtun_reply_dst(cfg, &r);
	b = gwlbtun_reply_dst(cfg, &r);
	KUNIT_EXPECT_NOT_NULL(test, a);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	r2 = r;
	r2.ttl_in--;
	c = gwlbtun_reply_dst(cfg, &r2);
	KUNIT_EXPECT_NOT_NULL(test, c);
	KUNIT_EXPECT_PTR_NE(test, c, a);
	r2 = r;
	r2.in_dir = r.dir;
	r2.dir = r.in_dir;
	d = gwlbtun_reply_dst(cfg, &r2);
	KUNIT_EXPECT_NOT_NULL(test, d);
	KUNIT_EXPECT_PTR_NE(test, d, a);
	KUNIT_EXPECT_PTR_NE(test, d, c);
	/* A placeholder routes nothing: out of the device, its MTU. */
	if (a) {
		KUNIT_EXPECT_PTR_EQ(test, a->dev, gwlbtun_nft_dev);
		KUNIT_EXPECT_EQ(test, dst_mtu(a), gwlbtun_nft_dev->mtu);
		KUNIT_EXPECT_TRUE(test, a->output == dst_discard_out);
	}
	rcu_read_unlock();
}

/*
 * (f) A placeholder held by a packet outlives the configuration that made
 * it, and goes when the packet does.
 */
static void gwlbtun_nft_ctx_cache_replaced(struct kunit *test)
{
	struct gwlbtun_reply r;
	struct dst_entry *dst, *now;
	struct sk_buff *skb;

	skb = gwlbtun_nft_held(test, false, false, &r);
	dst = skb_dst(skb);
	/* The cache's reference and the packet's. */
	KUNIT_EXPECT_EQ(test, atomic_read(&dst->__refcnt), 2);

	gwlbtun_nft_reconfigure(test, GWLBTUN_NFT_PEERS);
	gwlbtun_nft_settle();
	KUNIT_EXPECT_EQ(test, atomic_read(&dst->__refcnt), 1);
	gwlbtun_nft_expect_reply(test, skb, &r);

	/* The new configuration has a placeholder of its own. */
	rcu_read_lock();
	now = gwlbtun_reply_dst(gwlbtun_nft_cfg(gwlbtun_nft_dev), &r);
	KUNIT_EXPECT_NOT_NULL(test, now);
	KUNIT_EXPECT_PTR_NE(test, now, dst);
	rcu_read_unlock();

	/* Still reflected where it belongs... */
	gwlbtun_nft_xmit(test, skb);
	gwlbtun_nft_expect_drop(test, GWLBTUN_DROP_NO_ROUTE);
	/*
	 * ...and the last reference goes with the packet. The placeholder
	 * itself is freed after a grace period: read inside one.
	 */
	rcu_read_lock();
	gwlbtun_test_untrack(test, skb);
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, atomic_read(&dst->__refcnt), 0);
	rcu_read_unlock();
}

/* An inner IPv4 fragment of a UDP datagram of @len bytes (@dgram). */
static struct sk_buff *gwlbtun_nft_frag4(struct kunit *test, u16 id,
					 const u8 *dgram, unsigned int off,
					 unsigned int len, bool more)
{
	unsigned int flen = ETH_HLEN + sizeof(struct iphdr) + len;
	u8 *frame = kunit_kzalloc(test, flen, GFP_KERNEL);
	struct iphdr *iph;

	KUNIT_ASSERT_NOT_NULL(test, frame);
	iph = (struct iphdr *)(gwlbtun_test_put_eth(frame, ETH_P_IP) + 1);
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(sizeof(*iph) + len);
	iph->id = htons(id);
	iph->frag_off = htons((more ? IP_MF : 0) | off >> 3);
	iph->ttl = 63;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = cpu_to_be32(0xc0000201);
	iph->daddr = cpu_to_be32(0xc6336402);
	ip_send_check(iph);
	memcpy(iph + 1, dgram + off, len);
	return gwlbtun_test_rx_frame(test, &gwlbtun_test_v4, frame, flen);
}

/* An inner IPv6 fragment, in an IPv4 outer packet. */
static struct sk_buff *gwlbtun_nft_frag6(struct kunit *test, u32 id,
					 const u8 *dgram, unsigned int off,
					 unsigned int len, bool more)
{
	unsigned int flen = ETH_HLEN + sizeof(struct ipv6hdr) +
			    sizeof(struct frag_hdr) + len;
	u8 *frame = kunit_kzalloc(test, flen, GFP_KERNEL);
	struct ipv6hdr *ip6h;
	struct frag_hdr *fh;

	KUNIT_ASSERT_NOT_NULL(test, frame);
	ip6h = (struct ipv6hdr *)(gwlbtun_test_put_eth(frame, ETH_P_IPV6) + 1);
	ip6h->version = 6;
	ip6h->payload_len = htons(sizeof(*fh) + len);
	ip6h->nexthdr = NEXTHDR_FRAGMENT;
	ip6h->hop_limit = 63;
	ip6h->saddr.s6_addr32[0] = cpu_to_be32(0x20010db8);
	ip6h->saddr.s6_addr32[3] = cpu_to_be32(1);
	ip6h->daddr.s6_addr32[0] = cpu_to_be32(0x20010db8);
	ip6h->daddr.s6_addr32[3] = cpu_to_be32(2);
	fh = (struct frag_hdr *)(ip6h + 1);
	fh->nexthdr = IPPROTO_UDP;
	fh->frag_off = htons(off | (more ? IP6_MF : 0));
	fh->identification = htonl(id);
	memcpy(fh + 1, dgram + off, len);
	return gwlbtun_test_rx_frame(test, &gwlbtun_test_v4, frame, flen);
}

/* A UDP datagram's transport part, @len bytes. */
static u8 *gwlbtun_nft_dgram(struct kunit *test, unsigned int len)
{
	u8 *d = kunit_kmalloc(test, len, GFP_KERNEL);
	struct udphdr *uh = (struct udphdr *)d;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, d);
	for (i = 0; i < len; i++)
		d[i] = i * 3;
	uh->source = htons(40000);
	uh->dest = htons(53);
	uh->len = htons(len);
	uh->check = 0;
	return d;
}

/* Feed one received fragment; it is the data path's from here on. */
static void gwlbtun_nft_feed(struct kunit *test, struct sk_buff *skb)
{
	struct gwlbtun_reply r;

	gwlbtun_nft_decap(test, skb, &r);
	gwlbtun_test_untrack(test, skb);
	gwlbtun_nft_run(skb, &r);
}

/*
 * Two fragments of one inner IPv4 datagram: the first is held and no hook
 * sees it; the second completes it, and the hooks see one packet, the
 * whole datagram, remembering its largest fragment. Transmit refragments
 * it to that size: two fragments, each reaching the route lookup.
 */
static void gwlbtun_nft_frag_v4(struct kunit *test)
{
	struct gwlbtun_nft_ctx *ctx = test->priv;
	u8 *dgram = gwlbtun_nft_dgram(test, 1200);

	gwlbtun_nft_feed(test, gwlbtun_nft_frag4(test, 4242, dgram, 0, 1000,
						 true));
	KUNIT_EXPECT_EQ(test, ctx->n_seen, 0U);
	gwlbtun_nft_expect_n(test, GWLBTUN_DROP_NONE, 0, 0);

	gwlbtun_nft_feed(test, gwlbtun_nft_frag4(test, 4242, dgram, 1000, 200,
						 false));
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 3);
	KUNIT_EXPECT_EQ(test, ctx->seen[0].len, sizeof(struct iphdr) + 1200);
	KUNIT_EXPECT_EQ(test, ctx->seen[0].frag_max_size,
			sizeof(struct iphdr) + 1000);
	gwlbtun_nft_expect_n(test, GWLBTUN_DROP_NO_ROUTE, 2, 0);
}

/* The same, last fragment first. */
static void gwlbtun_nft_frag_v4_reversed(struct kunit *test)
{
	struct gwlbtun_nft_ctx *ctx = test->priv;
	u8 *dgram = gwlbtun_nft_dgram(test, 1200);

	gwlbtun_nft_feed(test, gwlbtun_nft_frag4(test, 4343, dgram, 1000, 200,
						 false));
	KUNIT_EXPECT_EQ(test, ctx->n_seen, 0U);
	gwlbtun_nft_feed(test, gwlbtun_nft_frag4(test, 4343, dgram, 0, 1000,
						 true));
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 3);
	KUNIT_EXPECT_EQ(test, ctx->seen[0].len, sizeof(struct iphdr) + 1200);
	KUNIT_EXPECT_EQ(test, ctx->seen[0].frag_max_size,
			sizeof(struct iphdr) + 1000);
	gwlbtun_nft_expect_n(test, GWLBTUN_DROP_NO_ROUTE, 2, 0);
}

static void gwlbtun_nft_frag_v6(struct kunit *test)
{
	unsigned int first = 1232, last = 200;
	struct gwlbtun_nft_ctx *ctx = test->priv;
	u8 *dgram = gwlbtun_nft_dgram(test, first + last);

	gwlbtun_nft_feed(test, gwlbtun_nft_frag6(test, 0x6060, dgram, 0, first,
						 true));
	KUNIT_EXPECT_EQ(test, ctx->n_seen, 0U);
	gwlbtun_nft_expect_n(test, GWLBTUN_DROP_NONE, 0, 0);

	gwlbtun_nft_feed(test, gwlbtun_nft_frag6(test, 0x6060, dgram, first,
						 last, false));
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV6, 3);
	/* Reassembled: no fragment header left. */
	KUNIT_EXPECT_EQ(test, ctx->seen[0].len,
			sizeof(struct ipv6hdr) + first + last);
	KUNIT_EXPECT_EQ(test, ctx->seen[0].frag_max_size,
			sizeof(struct ipv6hdr) + sizeof(struct frag_hdr) +
			first);
	gwlbtun_nft_expect_n(test, GWLBTUN_DROP_NO_ROUTE, 2, 0);
}

/*
 * The reassembly key is per device: fragments of one (source,
 * destination, ID) that arrived through two devices are never joined, so
 * neither device's hooks see a datagram made of the other's packets.
 */
static struct net_device *gwlbtun_nft_second(struct kunit *test)
{
	struct gwlbtun_params *p;
	struct net_device *dev;
	int err;

	p = kunit_kmalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	gwlbtun_params_init(p);
	p->tun[GWLBTUN_EXT].vni = 911;
	p->tun[GWLBTUN_EXT].port = 10801;
	p->tun[GWLBTUN_INT].vni = 910;
	p->tun[GWLBTUN_INT].port = 10800;
	p->peers_any = true;
	rtnl_lock();
	dev = gwlbtun_create(&init_net, "gwlbk2%d", NULL);
	err = PTR_ERR_OR_ZERO(dev);
	if (!err) {
		err = dev_open(dev, NULL);
		if (!err)
			err = gwlbtun_config_set(netdev_priv(dev), p, NULL);
		if (err)
			unregister_netdevice(dev);
	}
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);
	return dev;
}

/* Feed a received fragment to @dev's netfilter stage. */
static void gwlbtun_nft_feed_on(struct kunit *test, struct net_device *dev,
				struct sk_buff *skb)
{
	struct gwlbtun_reply r;
	u32 vni;

	KUNIT_ASSERT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), 0);
	gwlbtun_outer_reply(skb, GWLBTUN_EXT, &r);
	gwlbtun_decap(skb, dev);
	memcpy(r.eth, skb_mac_header(skb), ETH_HLEN);
	skb->mark = GWLBTUN_NFT_MARK;
	gwlbtun_test_untrack(test, skb);
	local_bh_disable();
	rcu_read_lock();
	gwlbtun_nf_run(gwlbtun_nft_cfg(dev), skb, &r);
	rcu_read_unlock();
	local_bh_enable();
}

static void gwlbtun_nft_frag_two_devices(struct kunit *test, bool v6)
{
	struct gwlbtun_nft_ctx *ctx = test->priv;
	struct gwlbtun_stats before, now;
	struct net_device *other;
	u8 *dgram;
	int i;

	other = gwlbtun_nft_second(test);
	gwlbtun_stats_fold(((struct gwlbtun_dev *)netdev_priv(other))->stats,
			   &before);
	if (v6) {
		dgram = gwlbtun_nft_dgram(test, 1432);
		gwlbtun_nft_feed_on(test, gwlbtun_nft_dev,
				    gwlbtun_nft_frag6(test, 0x7070, dgram, 0,
						      1232, true));
		gwlbtun_nft_feed_on(test, other,
				    gwlbtun_nft_frag6(test, 0x7070, dgram,
						      1232, 200, false));
	} else {
		dgram = gwlbtun_nft_dgram(test, 1200);
		gwlbtun_nft_feed_on(test, gwlbtun_nft_dev,
				    gwlbtun_nft_frag4(test, 7070, dgram, 0,
						      1000, true));
		gwlbtun_nft_feed_on(test, other,
				    gwlbtun_nft_frag4(test, 7070, dgram, 1000,
						      200, false));
	}
	/* Both halves still wait for their other halves. */
	KUNIT_EXPECT_EQ(test, ctx->n_seen, 0U);
	gwlbtun_stats_fold(((struct gwlbtun_dev *)netdev_priv(other))->stats,
			   &now);
	for (i = 0; i < __GWLBTUN_DROP_MAX; i++)
		KUNIT_EXPECT_EQ_MSG(test, now.drops[i], before.drops[i],
				    "drops[%d] of the second device", i);
	gwlbtun_nft_expect_n(test, GWLBTUN_DROP_NONE, 0, 0);

	rtnl_lock();
	unregister_netdevice(other);
	rtnl_unlock();
}

static void gwlbtun_nft_frag_two_devices_v4(struct kunit *test)
{
	gwlbtun_nft_frag_two_devices(test, false);
}

/* IPv6: the same; nf_ct_frag6_gather() keys on the device only by the user. */
static void gwlbtun_nft_frag_two_devices_v6(struct kunit *test)
{
	gwlbtun_nft_frag_two_devices(test, true);
}

/* What a tap on a stand-in underlay saw it given to send. */
struct gwlbtun_nft_tap {
	struct packet_type pt;
	/* ICMP time exceeded messages, whoever sent them. */
	atomic_t icmp_time_exceeded;
	/* The test's reflected packets, and how each inner frame starts. */
	atomic_t n_reflected;
	u8 inner[GWLBTUN_NFT_SEGS][ETH_HLEN + sizeof(struct iphdr)];
};

static int gwlbtun_nft_tap_rcv(struct sk_buff *skb, struct net_device *dev,
			       struct packet_type *pt,
			       struct net_device *orig_dev)
{
	struct gwlbtun_nft_tap *tap = container_of(pt, struct gwlbtun_nft_tap,
						   pt);
	unsigned int off = skb_network_offset(skb);
	const struct icmphdr *ih;
	const struct udphdr *uh;
	const struct iphdr *iph;
	struct icmphdr _ih;
	struct udphdr _uh;
	struct iphdr _iph;
	int n;

	iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
	if (skb->protocol != htons(ETH_P_IP) || !iph)
		goto out;
	off += iph->ihl * 4;
	if (iph->protocol == IPPROTO_ICMP) {
		ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
		if (ih && ih->type == ICMP_TIME_EXCEEDED)
			atomic_inc(&tap->icmp_time_exceeded);
	} else if (iph->protocol == IPPROTO_UDP &&
		   skb->mark == GWLBTUN_NFT_MARK) {
		/* Reflected on the Internal tunnel. */
		uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
		if (!uh || uh->dest != htons(10800))
			goto out;
		n = atomic_inc_return(&tap->n_reflected) - 1;
		if (n < ARRAY_SIZE(tap->inner) &&
		    skb_copy_bits(skb, off + GWLBTUN_UDP_VXLAN_LEN,
				  tap->inner[n], sizeof(tap->inner[n])))
			memset(tap->inner[n], 0, sizeof(tap->inner[n]));
	}
out:
	kfree_skb(skb);
	return 0;
}

/*
 * Tap @ul until gwlbtun_nft_tap_del(). Nothing in between may end the
 * test: the tap would outlive it.
 */
static struct gwlbtun_nft_tap *gwlbtun_nft_tap_add(struct kunit *test,
						   struct net_device *ul)
{
	struct gwlbtun_nft_tap *tap;

	tap = kunit_kzalloc(test, sizeof(*tap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tap);
	tap->pt.type = htons(ETH_P_ALL);
	tap->pt.func = gwlbtun_nft_tap_rcv;
	tap->pt.dev = ul;
	dev_add_pack(&tap->pt);
	return tap;
}

static void gwlbtun_nft_tap_del(struct gwlbtun_nft_tap *tap)
{
	dev_remove_pack(&tap->pt);
}

/*
 * A first fragment whose datagram never completes: when its reassembly
 * times out, nothing may leave the host (ip_expire() sends "fragment
 * reassembly time exceeded" for every defrag user but conntrack's and a
 * few others). The inner source (192.0.2.1) is made reachable through a
 * stand-in underlay device, tapped.
 */
static void gwlbtun_nft_frag_expire_quiet(struct kunit *test)
{
	struct fqdir *fqdir = init_net.ipv4.fqdir;
	struct gwlbtun_nft_tap *tap;
	struct net_device *ul;
	struct sk_buff *skb;
	long timeout;
	u8 *dgram;

	dgram = gwlbtun_nft_dgram(test, 1200);
	skb = gwlbtun_nft_frag4(test, 4545, dgram, 0, 1000, true);
	ul = gwlbtun_nft_underlay(test, 0xc0000209);	/* 192.0.2.9/24 */
	tap = gwlbtun_nft_tap_add(test, ul);

	timeout = fqdir->timeout;
	fqdir->timeout = HZ / 10;
	gwlbtun_nft_feed(test, skb);
	msleep(500);
	fqdir->timeout = timeout;
	gwlbtun_nft_tap_del(tap);
	gwlbtun_nft_underlay_del(ul);

	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&tap->icmp_time_exceeded), 0,
			    "an ICMP time exceeded left for the inner source");
}

/*
 * An NFQUEUE consumer without F_GSO has the kernel segment a super-packet
 * from the network header: the segments have no inner Ethernet header in
 * front. Each is still reflected with the one that arrived, carried in its
 * context, in front of its own IP header; out of a stand-in underlay with
 * the route to the GWLB, tapped.
 */
static void gwlbtun_nft_gso_eth(struct kunit *test)
{
	static const u8 eth[ETH_HLEN] = {
		0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,	/* destination */
		0x02, 0x11, 0x22, 0x33, 0x44, 0x55,	/* source */
		0x08, 0x00,				/* IPv4 */
	};
	struct sk_buff *segs, *seg, *next, *skbs[GWLBTUN_NFT_SEGS];
	struct iphdr sent[GWLBTUN_NFT_SEGS];
	unsigned int i, n = 0, seg_len;
	struct gwlbtun_stats before, now;
	struct gwlbtun_nft_tap *tap;
	struct rtnl_link_stats64 st;
	struct gwlbtun_reply r;
	struct net_device *ul;
	int d;

	gwlbtun_test_reply(&r, false, GWLBTUN_EXT, 64);
	memcpy(r.eth, eth, ETH_HLEN);
	segs = gwlbtun_nft_segment(test, gwlbtun_nft_tcp_gso(test), &r);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		gwlbtun_test_track(test, seg);
		if (n < ARRAY_SIZE(skbs))
			skbs[n] = seg;
		n++;
	}
	KUNIT_ASSERT_EQ(test, n, GWLBTUN_NFT_SEGS);
	seg_len = skbs[0]->len;
	for (i = 0; i < n; i++) {
		/* As transmit takes it: skb->data at the network header. */
		KUNIT_ASSERT_EQ(test, skb_network_offset(skbs[i]), 0);
		KUNIT_ASSERT_EQ(test, skbs[i]->len, seg_len);
		memcpy(&sent[i], ip_hdr(skbs[i]), sizeof(sent[i]));
	}

	ul = gwlbtun_nft_underlay(test, 0x0a000009);
	tap = gwlbtun_nft_tap_add(test, ul);
	gwlbtun_stats_fold(gwlbtun_nft_gd()->stats, &before);
	for (i = 0; i < n; i++) {
		/* Sent on, the segment is the stack's. */
		gwlbtun_test_untrack(test, skbs[i]);
		local_bh_disable();
		rcu_read_lock();
		gwlbtun_xmit_filtered(skbs[i]);
		rcu_read_unlock();
		local_bh_enable();
	}
	gwlbtun_stats_fold(gwlbtun_nft_gd()->stats, &now);
	gwlbtun_nft_tap_del(tap);
	dev_get_stats(ul, &st);
	gwlbtun_nft_underlay_del(ul);

	KUNIT_EXPECT_EQ(test, st.tx_dropped, (u64)GWLBTUN_NFT_SEGS);
	for (d = 0; d < __GWLBTUN_DROP_MAX; d++)
		KUNIT_EXPECT_EQ_MSG(test, now.drops[d], before.drops[d],
				    "drops[%d]", d);
	KUNIT_EXPECT_EQ(test, now.tx_packets[GWLBTUN_INT] -
			before.tx_packets[GWLBTUN_INT], (u64)GWLBTUN_NFT_SEGS);
	KUNIT_EXPECT_EQ(test, now.tx_bytes[GWLBTUN_INT] -
			before.tx_bytes[GWLBTUN_INT],
			(u64)GWLBTUN_NFT_SEGS * (ETH_HLEN + seg_len));

	/* Every segment left, in order, behind exactly those 14 bytes. */
	KUNIT_ASSERT_EQ(test, atomic_read(&tap->n_reflected),
			GWLBTUN_NFT_SEGS);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, memcmp(tap->inner[i], eth, ETH_HLEN),
				    0, "segment %u: %*phC", i, ETH_HLEN,
				    tap->inner[i]);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(tap->inner[i] + ETH_HLEN,
						 &sent[i], sizeof(sent[i])),
				    0, "segment %u: not its IP header", i);
	}
}

static struct kunit_case gwlbtun_nft_cases[] = {
	KUNIT_CASE(gwlbtun_nft_accept_v4),
	KUNIT_CASE(gwlbtun_nft_accept_v6),
	KUNIT_CASE(gwlbtun_nft_accept_v6_in_v4),
	KUNIT_CASE(gwlbtun_nft_drop_forward),
	KUNIT_CASE(gwlbtun_nft_drop_forward_v6),
	KUNIT_CASE(gwlbtun_nft_drop_pre),
	KUNIT_CASE(gwlbtun_nft_drop_post),
	KUNIT_CASE(gwlbtun_nft_stolen_forward),
	KUNIT_CASE(gwlbtun_nft_queue_no_listener),
	KUNIT_CASE(gwlbtun_nft_queue_bypass),
	KUNIT_CASE(gwlbtun_nft_drop_err),
	KUNIT_CASE(gwlbtun_nft_unconfigured),
	KUNIT_CASE(gwlbtun_nft_ctx_gso),
	KUNIT_CASE(gwlbtun_nft_ctx_expand_head),
	KUNIT_CASE(gwlbtun_nft_ctx_clone_copy),
	KUNIT_CASE(gwlbtun_nft_ctx_foreign),
	KUNIT_CASE(gwlbtun_nft_ctx_stale_peer),
	KUNIT_CASE(gwlbtun_nft_ctx_stale_peer_v6),
	KUNIT_CASE(gwlbtun_nft_ctx_stale_unconfigured),
	KUNIT_CASE(gwlbtun_nft_ctx_still_allowed),
	KUNIT_CASE(gwlbtun_nft_ctx_missing),
	KUNIT_CASE(gwlbtun_nft_ctx_cache),
	KUNIT_CASE(gwlbtun_nft_ctx_cache_replaced),
	KUNIT_CASE(gwlbtun_nft_frag_v4),
	KUNIT_CASE(gwlbtun_nft_frag_v4_reversed),
	KUNIT_CASE(gwlbtun_nft_frag_v6),
	KUNIT_CASE(gwlbtun_nft_frag_two_devices_v4),
	/* Fragments of one IPv6 datagram on two devices are never joined. */
	KUNIT_CASE(gwlbtun_nft_frag_two_devices_v6),
	/* A reassembly that times out sends no ICMP to the inner source. */
	KUNIT_CASE(gwlbtun_nft_frag_expire_quiet),
	/* Late: it leaves the loopback device up. */
	KUNIT_CASE(gwlbtun_nft_local_gwlb),
	KUNIT_CASE(gwlbtun_nft_reflected),
	/* NFQUEUE's segments leave with the inner Ethernet header that came. */
	KUNIT_CASE(gwlbtun_nft_gso_eth),
	{}
};

static struct kunit_suite gwlbtun_nft_suite = {
	.name = "gwlbtun_netfilter",
	.suite_init = gwlbtun_nft_suite_init,
	.suite_exit = gwlbtun_nft_suite_exit,
	.init = gwlbtun_nft_init,
	.exit = gwlbtun_nft_exit,
	.test_cases = gwlbtun_nft_cases,
};

kunit_test_suite(gwlbtun_nft_suite);
