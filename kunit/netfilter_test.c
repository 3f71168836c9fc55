// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gwlbtun's netfilter stage (module/netfilter.c), on a real
 * gwlbtun device in init_net: a packet decapsulated as receive.c does it
 * passes PRE_ROUTING, FORWARD and POST_ROUTING with the device as the in
 * and the out device, and every verdict a hook can give ends the packet
 * where it should and is counted as it should. Hooks registered for the
 * test record what they see and answer what the test tells them to.
 *
 * No tunnel is configured and UML has no route to the GWLB (10.0.0.5,
 * fd00::5), so a packet that gets through all three hooks reaches
 * reflection and ends there as GWLBTUN_DROP_NO_ROUTE; the last two tests
 * give it a GWLB at one of the host's own addresses, which must be refused
 * (the reply would loop), and then one reached through a stand-in underlay
 * device, and see it sent.
 */
#include <kunit/test.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/dst.h>
#include <net/ip.h>
#include <net/net_namespace.h>
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
};

struct gwlbtun_nft_ctx {
	struct nf_hook_ops ops[6];
	bool registered;
	/* The verdict each hook returns, by NF_INET_* hook number. */
	unsigned int verdict[NF_INET_NUMHOOKS];
	unsigned int n_seen;
	struct gwlbtun_nft_seen seen[GWLBTUN_NFT_MAX_SEEN];
	struct gwlbtun_stats before;
};

/* The order a forwarded packet meets the hooks in. */
static const u8 gwlbtun_nft_order[] = {
	NF_INET_PRE_ROUTING, NF_INET_FORWARD, NF_INET_POST_ROUTING,
};

static unsigned int gwlbtun_nft_hook(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct gwlbtun_nft_ctx *ctx = priv;
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
 * reply headers prepared in place, decapsulated onto the device, inner
 * header validated. It arrived on one tunnel and leaves on the other.
 */
static void gwlbtun_nft_decap(struct kunit *test, struct sk_buff *skb)
{
	const struct gwlbtun_tunnel ext = { .vni = 901, .port = 10801 };
	const struct gwlbtun_tunnel in = { .vni = 900, .port = 10800 };
	bool outer6 = skb->protocol == htons(ETH_P_IPV6);
	struct net_device *dev = gwlbtun_nft_dev;
	u32 vni;

	KUNIT_ASSERT_EQ(test, gwlbtun_vxlan_parse(skb, &vni), 0);
	KUNIT_ASSERT_EQ(test, vni, outer6 ? 900U : 901U);
	KUNIT_ASSERT_EQ(test, gwlbtun_outer_prepare(skb, outer6 ? &ext : &in,
						    outer6 ? GWLBTUN_EXT :
							     GWLBTUN_INT,
						    0, true), 0);

	gwlbtun_decap(skb, dev);
	KUNIT_EXPECT_PTR_EQ(test, skb->dev, dev);
	KUNIT_EXPECT_PTR_EQ(test, skb_mac_header(skb) + ETH_HLEN, skb->data);
	KUNIT_EXPECT_PTR_EQ(test, skb_network_header(skb), skb->data);
	KUNIT_EXPECT_NULL(test, skb_dst(skb));
	skb->mark = GWLBTUN_NFT_MARK;

	KUNIT_ASSERT_TRUE(test, skb->protocol == htons(ETH_P_IP) ||
			  skb->protocol == htons(ETH_P_IPV6));
	KUNIT_ASSERT_EQ(test, gwlbtun_inner_validate(skb), 0);
}

/* In the context the UDP stack calls the module in. */
static void gwlbtun_nft_run(struct sk_buff *skb)
{
	local_bh_disable();
	rcu_read_lock();
	gwlbtun_nf_run(skb);
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

	gwlbtun_nft_decap(test, skb);
	skb_get(skb);
	gwlbtun_nft_run(skb);
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
	}
}

/*
 * The device's counters moved by exactly this: drops[@reason] by one
 * (nothing for GWLBTUN_DROP_NONE) and, for a packet reflected, the
 * Internal tunnel's tx by one packet of @tx_len bytes.
 */
static void gwlbtun_nft_expect_stats(struct kunit *test,
				     enum gwlbtun_drop reason,
				     unsigned int tx_len)
{
	struct gwlbtun_nft_ctx *ctx = test->priv;
	const struct gwlbtun_stats *b = &ctx->before;
	struct gwlbtun_stats now;
	int d, r;

	gwlbtun_stats_fold(gwlbtun_nft_gd()->stats, &now);
	for (r = 0; r < __GWLBTUN_DROP_MAX; r++) {
		u64 want = reason != GWLBTUN_DROP_NONE && r == reason;

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
	struct sk_buff *skb;
	struct iphdr *iph;

	skb = gwlbtun_nft_rx(test, false, false);
	iph = ip_hdr(skb);
	iph->saddr = htonl(gwlb);
	iph->daddr = htonl(nva);
	ip_send_check(iph);
	gwlbtun_nft_decap(test, skb);

	/* Sent on, the packet is the stack's; dropped, the test frees it. */
	if (tx_len)
		gwlbtun_test_untrack(test, skb);
	else
		skb_get(skb);
	gwlbtun_nft_run(skb);
	gwlbtun_nft_expect_hooks(test, NFPROTO_IPV4, 3);
	gwlbtun_nft_expect_stats(test, reason, tx_len);
}

/*
 * A GWLB at one of the host's own addresses (127.0.0.2: all of 127/8 is):
 * the reply would come straight back in and, from a local sender, bounce
 * between the tunnels for ever. It is dropped as no route. The loopback
 * device stays up, as on any running system.
 */
static void gwlbtun_nft_local_gwlb(struct kunit *test)
{
	int err;

	rtnl_lock();
	err = dev_open(init_net.loopback_dev, NULL);
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);
	gwlbtun_nft_addr(test, init_net.loopback_dev->name, INADDR_LOOPBACK);
	gwlbtun_nft_reflect_from(test, INADDR_LOOPBACK + 1, INADDR_LOOPBACK,
				 GWLBTUN_DROP_NO_ROUTE, 0);
}

/*
 * A GWLB the appliance can reach: 10.0.0.5, on the subnet of a second
 * gwlbtun device that stands in for the underlay NIC (10.0.0.9/8; what it
 * is given to send, it counts as tx_dropped). Past POST_ROUTING the packet
 * is reflected for real, out of that device, and counted as sent on the
 * Internal tunnel with its inner frame's length.
 */
static void gwlbtun_nft_reflected(struct kunit *test)
{
	struct rtnl_link_stats64 st;
	struct net_device *ul;
	int err;

	rtnl_lock();
	ul = gwlbtun_create(&init_net, "gwlbul%d", NULL);
	err = IS_ERR(ul) ? PTR_ERR(ul) : dev_open(ul, NULL);
	if (err && !IS_ERR(ul))
		unregister_netdevice(ul);
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);

	gwlbtun_nft_addr(test, ul->name, 0x0a000009);
	gwlbtun_nft_reflect_from(test, 0x0a000005, 0x0a000009,
				 GWLBTUN_DROP_NONE, GWLBTUN_TEST_INNER_LEN);
	dev_get_stats(ul, &st);
	KUNIT_EXPECT_EQ(test, st.tx_dropped, 1ULL);

	rtnl_lock();
	unregister_netdevice(ul);
	rtnl_unlock();
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
	/* Late: it leaves the loopback device up. */
	KUNIT_CASE(gwlbtun_nft_local_gwlb),
	KUNIT_CASE(gwlbtun_nft_reflected),
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
