// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gwlbtun's SET_DEVICE requests (module/netlink.c): real
 * netlink messages, parsed strictly against gwlbtun_policy as generic
 * netlink does for this family, then applied by gwlbtun_nl_parse() and
 * checked by gwlbtun_params_validate(), as the SET handler does. Every
 * rejection carries a message in the extended ack; the policy's come from
 * the netlink core, the others from gwlbtun. And the settings as GET
 * replies carry them (gwlbtun_nl_put_config()), route MTUs included.
 */
#include <kunit/test.h>
#include <linux/in6.h>
#include <linux/inetdevice.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "gwlbtun.h"
#include "skb_util.h"

/* Where a request stopped. */
enum gwlbtun_nlt_stage {
	GWLBTUN_NLT_ACCEPTED,
	GWLBTUN_NLT_POLICY,	/* nlmsg_parse(): the netlink core */
	GWLBTUN_NLT_PARSE,	/* gwlbtun_nl_parse() */
	GWLBTUN_NLT_VALIDATE,	/* gwlbtun_params_validate() */
};

/* ff02::1, all nodes: not a peer. */
static const struct in6_addr gwlbtun_nlt_all_nodes = {
	.in6_u.u6_addr8 = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }
};

static struct gwlbtun_params *gwlbtun_nlt_params(struct kunit *test)
{
	struct gwlbtun_params *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	gwlbtun_params_init(p);
	return p;
}

/* A SET_DEVICE request naming ifindex 7, attributes to follow. */
static struct sk_buff *gwlbtun_nlt_msg(struct kunit *test)
{
	struct genlmsghdr *hdr;
	struct nlmsghdr *nlh;
	struct sk_buff *skb;

	skb = gwlbtun_test_track(test, nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL));
	nlh = nlmsg_put(skb, 0, 1, GENL_MIN_ID, GENL_HDRLEN,
			NLM_F_REQUEST | NLM_F_ACK);
	KUNIT_ASSERT_NOT_NULL(test, nlh);
	hdr = nlmsg_data(nlh);
	hdr->cmd = GWLBTUN_CMD_SET_DEVICE;
	hdr->version = GWLBTUN_GENL_VERSION;
	hdr->reserved = 0;
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, GWLBTUN_A_IFINDEX, 7), 0);
	return skb;
}

/* Where the next attribute goes: extack.bad_attr if it is the one refused. */
static struct nlattr *gwlbtun_nlt_next(struct sk_buff *skb)
{
	return (struct nlattr *)skb_tail_pointer(skb);
}

static struct nlattr *gwlbtun_nlt_nest(struct kunit *test, struct sk_buff *skb,
				       int type)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	KUNIT_ASSERT_NOT_NULL(test, nest);
	return nest;
}

/* One tunnel nest; what it holds, and where, for the rejections. */
struct gwlbtun_nlt_tunnel {
	u32 vni;
	u16 port;
	bool no_vni;
	bool no_port;
	struct nlattr *nest;
	struct nlattr *vni_attr;
	struct nlattr *port_attr;
};

static void gwlbtun_nlt_put_tunnel(struct kunit *test, struct sk_buff *skb,
				   int type, struct gwlbtun_nlt_tunnel *t)
{
	t->nest = gwlbtun_nlt_nest(test, skb, type);
	t->vni_attr = gwlbtun_nlt_next(skb);
	if (!t->no_vni)
		KUNIT_ASSERT_EQ(test, nla_put_u32(skb, GWLBTUN_TUNNEL_A_VNI,
						  t->vni), 0);
	t->port_attr = gwlbtun_nlt_next(skb);
	if (!t->no_port)
		KUNIT_ASSERT_EQ(test, nla_put_u16(skb, GWLBTUN_TUNNEL_A_PORT,
						  t->port), 0);
	nla_nest_end(skb, t->nest);
}

static void gwlbtun_nlt_put_tunnels(struct kunit *test, struct sk_buff *skb,
				    u32 ext_vni, u16 ext_port,
				    u32 int_vni, u16 int_port)
{
	struct gwlbtun_nlt_tunnel ext = { .vni = ext_vni, .port = ext_port };
	struct gwlbtun_nlt_tunnel in = { .vni = int_vni, .port = int_port };

	gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_EXTERNAL, &ext);
	gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_INTERNAL, &in);
}

static void gwlbtun_nlt_put_peer4(struct kunit *test, struct sk_buff *skb,
				  __be32 addr)
{
	KUNIT_ASSERT_EQ(test, nla_put_in_addr(skb, GWLBTUN_PEER_A_IPV4, addr), 0);
}

static void gwlbtun_nlt_put_peer6(struct kunit *test, struct sk_buff *skb,
				  const struct in6_addr *addr)
{
	KUNIT_ASSERT_EQ(test, nla_put_in6_addr(skb, GWLBTUN_PEER_A_IPV6, addr),
			0);
}

static void gwlbtun_nlt_put_u8(struct kunit *test, struct sk_buff *skb,
			       int type, u8 value)
{
	KUNIT_ASSERT_EQ(test, nla_put_u8(skb, type, value), 0);
}

static void gwlbtun_nlt_put_u32(struct kunit *test, struct sk_buff *skb,
				int type, u32 value)
{
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, type, value), 0);
}

/* Azure's defaults: External 901/10801, Internal 900/10800, two GWLBs. */
static struct sk_buff *gwlbtun_nlt_azure(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_nlt_msg(test);
	struct nlattr *peers;

	KUNIT_ASSERT_EQ(test, nla_put_string(skb, GWLBTUN_A_IFNAME, "gwlb0"), 0);
	gwlbtun_nlt_put_tunnels(test, skb, 901, 10801, 900, 10800);
	peers = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS);
	gwlbtun_nlt_put_peer4(test, skb, GWLBTUN_TEST_GWLB4);
	gwlbtun_nlt_put_peer6(test, skb, &gwlbtun_test_gwlb6);
	nla_nest_end(skb, peers);
	return skb;
}

/* What the SET handler does with the request in @skb, applied to @p. */
static enum gwlbtun_nlt_stage gwlbtun_nlt_set(struct sk_buff *skb,
					      struct gwlbtun_params *p,
					      struct netlink_ext_ack *extack,
					      int *err)
{
	struct nlattr *tb[GWLBTUN_A_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(skb);

	nlmsg_end(skb, nlh);
	*err = nlmsg_parse(nlh, GENL_HDRLEN, tb, GWLBTUN_A_MAX, gwlbtun_policy,
			   extack);
	if (*err)
		return GWLBTUN_NLT_POLICY;
	*err = gwlbtun_nl_parse(tb, p, extack);
	if (*err)
		return GWLBTUN_NLT_PARSE;
	*err = gwlbtun_params_validate(p, extack);
	if (*err)
		return GWLBTUN_NLT_VALIDATE;
	return GWLBTUN_NLT_ACCEPTED;
}

static void gwlbtun_nlt_accept(struct kunit *test, struct sk_buff *skb,
			       struct gwlbtun_params *p, const char *what)
{
	struct netlink_ext_ack extack = {};
	enum gwlbtun_nlt_stage stage;
	int err;

	stage = gwlbtun_nlt_set(skb, p, &extack, &err);
	KUNIT_EXPECT_EQ_MSG(test, stage, GWLBTUN_NLT_ACCEPTED, "%s: %d %s",
			    what, err, extack._msg ?: "");
	KUNIT_EXPECT_NULL_MSG(test, extack._msg, "%s", what);
}

/*
 * The request in @skb, applied to @p (fresh parameters if NULL), stops at
 * @stage with @err and a message; extack.bad_attr is @bad unless that is
 * NULL. The policy refuses before anything is applied.
 */
static void gwlbtun_nlt_reject(struct kunit *test, struct sk_buff *skb,
			       struct gwlbtun_params *p,
			       enum gwlbtun_nlt_stage stage, int err,
			       const struct nlattr *bad, const char *what)
{
	struct netlink_ext_ack extack = {};
	enum gwlbtun_nlt_stage got;
	struct gwlbtun_params *copy;
	int got_err;

	if (!p)
		p = gwlbtun_nlt_params(test);
	copy = kunit_kmalloc(test, sizeof(*copy), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, p, sizeof(*p));

	got = gwlbtun_nlt_set(skb, p, &extack, &got_err);
	KUNIT_EXPECT_EQ_MSG(test, got, stage, "%s: %d %s", what, got_err,
			    extack._msg ?: "");
	KUNIT_EXPECT_EQ_MSG(test, got_err, err, "%s: %s", what,
			    extack._msg ?: "");
	KUNIT_EXPECT_NOT_NULL_MSG(test, extack._msg, "%s", what);
	if (bad)
		KUNIT_EXPECT_PTR_EQ_MSG(test, extack.bad_attr, bad, "%s: %s",
					what, extack._msg ?: "");
	if (stage == GWLBTUN_NLT_POLICY)
		KUNIT_EXPECT_EQ_MSG(test, memcmp(p, copy, sizeof(*p)), 0,
				    "%s: parameters changed", what);
}

/* Parameters as the Azure default request leaves a new device's. */
static struct gwlbtun_params *gwlbtun_nlt_azure_params(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_nlt_params(test);

	p->tun[GWLBTUN_EXT].vni = 901;
	p->tun[GWLBTUN_EXT].port = 10801;
	p->tun[GWLBTUN_INT].vni = 900;
	p->tun[GWLBTUN_INT].port = 10800;
	p->n_peers = 2;
	p->peers[0].family = AF_INET;
	p->peers[0].ip4 = GWLBTUN_TEST_GWLB4;
	p->peers[1].family = AF_INET6;
	p->peers[1].ip6 = gwlbtun_test_gwlb6;
	return p;
}

/* A device configured with the Azure default request. */
static struct gwlbtun_params *gwlbtun_nlt_configured(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_nlt_params(test);

	gwlbtun_nlt_accept(test, gwlbtun_nlt_azure(test), p, "Azure default");
	return p;
}

static void gwlbtun_nlt_expect_tunnels(struct kunit *test,
				       const struct gwlbtun_params *p,
				       u32 ext_vni, u16 ext_port,
				       u32 int_vni, u16 int_port)
{
	KUNIT_EXPECT_EQ(test, p->tun[GWLBTUN_EXT].vni, ext_vni);
	KUNIT_EXPECT_EQ(test, p->tun[GWLBTUN_EXT].port, ext_port);
	KUNIT_EXPECT_EQ(test, p->tun[GWLBTUN_INT].vni, int_vni);
	KUNIT_EXPECT_EQ(test, p->tun[GWLBTUN_INT].port, int_port);
}

static void gwlbtun_nlt_azure_default(struct kunit *test)
{
	struct gwlbtun_params *want = gwlbtun_nlt_azure_params(test);
	struct gwlbtun_params *p = gwlbtun_nlt_configured(test);

	gwlbtun_nlt_expect_tunnels(test, p, 901, 10801, 900, 10800);
	KUNIT_ASSERT_EQ(test, p->n_peers, 2U);
	KUNIT_EXPECT_EQ(test, p->peers[0].family, AF_INET);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(p->peers[0].ip4), 0x0a000005U);
	KUNIT_EXPECT_EQ(test, p->peers[1].family, AF_INET6);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&p->peers[1].ip6,
						&gwlbtun_test_gwlb6));
	/* Everything not in the request keeps its default. */
	KUNIT_EXPECT_FALSE(test, p->peers_any);
	KUNIT_EXPECT_TRUE(test, p->udp_csum);
	KUNIT_EXPECT_TRUE(test, p->nf_hooks);
	KUNIT_EXPECT_EQ(test, p->ttl, 0);
	KUNIT_EXPECT_EQ(test, p->mark[GWLBTUN_EXT], 0U);
	KUNIT_EXPECT_EQ(test, p->mark[GWLBTUN_INT], 0U);
	KUNIT_EXPECT_EQ(test, p->mark_mask, 0U);
	/* And nothing else changed either. */
	KUNIT_EXPECT_EQ(test, memcmp(p, want, sizeof(*p)), 0);
}

/* A request without tunnels or peers changes only what it names. */
static void gwlbtun_nlt_options_keep_tunnels(struct kunit *test)
{
	struct gwlbtun_params *want = gwlbtun_nlt_azure_params(test);
	struct gwlbtun_params *p = gwlbtun_nlt_configured(test);
	struct sk_buff *skb = gwlbtun_nlt_msg(test);

	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_TTL, 17);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_UDP_CSUM, 0);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_NF_HOOKS, 0);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_PEERS_ANY, 1);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_MARK_EXTERNAL, 0x100);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_MARK_INTERNAL, 0x200);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_MARK_MASK, 0xff00);
	gwlbtun_nlt_accept(test, skb, p, "options only");

	KUNIT_EXPECT_EQ(test, p->ttl, 17);
	KUNIT_EXPECT_FALSE(test, p->udp_csum);
	KUNIT_EXPECT_FALSE(test, p->nf_hooks);
	KUNIT_EXPECT_TRUE(test, p->peers_any);
	KUNIT_EXPECT_EQ(test, p->mark[GWLBTUN_EXT], 0x100U);
	KUNIT_EXPECT_EQ(test, p->mark[GWLBTUN_INT], 0x200U);
	KUNIT_EXPECT_EQ(test, p->mark_mask, 0xff00U);

	want->ttl = 17;
	want->udp_csum = false;
	want->nf_hooks = false;
	want->peers_any = true;
	want->mark[GWLBTUN_EXT] = 0x100;
	want->mark[GWLBTUN_INT] = 0x200;
	want->mark_mask = 0xff00;
	KUNIT_EXPECT_EQ(test, memcmp(p, want, sizeof(*p)), 0);

	/* And back: 0 and 1 are both values, not "absent". */
	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_TTL, 0);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_UDP_CSUM, 1);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_NF_HOOKS, 1);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_PEERS_ANY, 0);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_MARK_EXTERNAL, 0);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_MARK_INTERNAL, 0);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_MARK_MASK, 0);
	gwlbtun_nlt_accept(test, skb, p, "options back");
	KUNIT_EXPECT_EQ(test, memcmp(p, gwlbtun_nlt_azure_params(test),
				     sizeof(*p)), 0);
}

/* An empty PEERS nest clears the list; the tunnels stay. */
static void gwlbtun_nlt_empty_peers(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_nlt_configured(test);
	struct sk_buff *skb = gwlbtun_nlt_msg(test);

	nla_nest_end(skb, gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS));
	gwlbtun_nlt_accept(test, skb, p, "empty peers");
	KUNIT_EXPECT_EQ(test, p->n_peers, 0U);
	KUNIT_EXPECT_FALSE(test, p->peers_any);
	gwlbtun_nlt_expect_tunnels(test, p, 901, 10801, 900, 10800);
}

/* A tunnel given alone on a configured device replaces just that one. */
static void gwlbtun_nlt_one_tunnel_configured(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_nlt_configured(test);
	struct gwlbtun_nlt_tunnel ext = { .vni = 4242, .port = 4789 };
	struct sk_buff *skb = gwlbtun_nlt_msg(test);

	gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_EXTERNAL, &ext);
	gwlbtun_nlt_accept(test, skb, p, "External only, configured");
	gwlbtun_nlt_expect_tunnels(test, p, 4242, 4789, 900, 10800);
	KUNIT_EXPECT_EQ(test, p->n_peers, 2U);
}

/* Only one tunnel on an unconfigured device: both must end up set. */
static void gwlbtun_nlt_one_tunnel_unconfigured(struct kunit *test)
{
	struct gwlbtun_nlt_tunnel t = { .vni = 901, .port = 10801 };
	struct sk_buff *skb = gwlbtun_nlt_msg(test);

	gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_EXTERNAL, &t);
	gwlbtun_nlt_reject(test, skb, NULL, GWLBTUN_NLT_VALIDATE, -EINVAL,
			   NULL, "External only");

	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_INTERNAL, &t);
	gwlbtun_nlt_reject(test, skb, NULL, GWLBTUN_NLT_VALIDATE, -EINVAL,
			   NULL, "Internal only");
}

static void gwlbtun_nlt_equal_ports(struct kunit *test)
{
	struct gwlbtun_nlt_tunnel t = { .vni = 900, .port = 10801 };
	struct sk_buff *skb = gwlbtun_nlt_msg(test);

	gwlbtun_nlt_put_tunnels(test, skb, 901, 10801, 900, 10801);
	gwlbtun_nlt_reject(test, skb, NULL, GWLBTUN_NLT_VALIDATE, -EINVAL,
			   NULL, "equal ports");

	/* Made equal by changing one tunnel of a configured device. */
	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_INTERNAL, &t);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_VALIDATE, -EINVAL, NULL,
			   "Internal moved to the External port");
}

static void gwlbtun_nlt_vni_range(struct kunit *test)
{
	struct gwlbtun_nlt_tunnel t = { .vni = GWLBTUN_VNI_MAX, .port = 10801 };
	struct gwlbtun_params *p = gwlbtun_nlt_configured(test);
	struct sk_buff *skb = gwlbtun_nlt_msg(test);

	gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_EXTERNAL, &t);
	gwlbtun_nlt_accept(test, skb, p, "VNI 16777215");
	KUNIT_EXPECT_EQ(test, p->tun[GWLBTUN_EXT].vni, (u32)GWLBTUN_VNI_MAX);

	t.vni = GWLBTUN_VNI_MAX + 1;
	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_EXTERNAL, &t);
	gwlbtun_nlt_reject(test, skb, NULL, GWLBTUN_NLT_PARSE, -ERANGE,
			   t.vni_attr, "VNI 16777216");

	t.vni = U32_MAX;
	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_INTERNAL, &t);
	gwlbtun_nlt_reject(test, skb, NULL, GWLBTUN_NLT_PARSE, -ERANGE,
			   t.vni_attr, "VNI 2^32-1");
}

static void gwlbtun_nlt_port_zero(struct kunit *test)
{
	struct gwlbtun_nlt_tunnel ext = { .vni = 901, .port = 10801 };
	struct gwlbtun_nlt_tunnel in = { .vni = 900, .port = 0 };
	struct sk_buff *skb = gwlbtun_nlt_msg(test);

	gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_EXTERNAL, &ext);
	gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_INTERNAL, &in);
	gwlbtun_nlt_reject(test, skb, NULL, GWLBTUN_NLT_PARSE, -EINVAL,
			   in.port_attr, "Internal port 0");
}

static void gwlbtun_nlt_tunnel_incomplete(struct kunit *test)
{
	static const struct {
		const char *what;
		bool no_vni;
		bool no_port;
	} cases[] = {
		{ "no VNI", true, false },
		{ "no port", false, true },
		{ "empty", true, true },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct gwlbtun_nlt_tunnel t = {
			.vni = 901,
			.port = 10801,
			.no_vni = cases[i].no_vni,
			.no_port = cases[i].no_port,
		};
		struct sk_buff *skb = gwlbtun_nlt_msg(test);

		gwlbtun_nlt_put_tunnel(test, skb, GWLBTUN_A_EXTERNAL, &t);
		gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
				   GWLBTUN_NLT_PARSE, -EINVAL, t.nest,
				   cases[i].what);
	}
}

/* 64 peers fit; the 65th is refused, and named. */
static void gwlbtun_nlt_peers_max(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_nlt_configured(test);
	struct nlattr *peers, *last = NULL;
	struct sk_buff *skb;
	unsigned int n, i;

	for (n = GWLBTUN_PEERS_MAX; n <= GWLBTUN_PEERS_MAX + 1; n++) {
		skb = gwlbtun_nlt_msg(test);
		peers = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS);
		for (i = 1; i <= n; i++) {
			last = gwlbtun_nlt_next(skb);
			gwlbtun_nlt_put_peer4(test, skb,
					      cpu_to_be32(0x0a000100 + i));
		}
		nla_nest_end(skb, peers);
		if (n == GWLBTUN_PEERS_MAX) {
			gwlbtun_nlt_accept(test, skb, p, "64 peers");
			KUNIT_EXPECT_EQ(test, p->n_peers, GWLBTUN_PEERS_MAX);
			KUNIT_EXPECT_EQ(test,
					be32_to_cpu(p->peers[GWLBTUN_PEERS_MAX - 1].ip4),
					0x0a000100U + GWLBTUN_PEERS_MAX);
		} else {
			gwlbtun_nlt_reject(test, skb, p, GWLBTUN_NLT_PARSE,
					   -E2BIG, last, "65 peers");
		}
	}
}

static void gwlbtun_nlt_peer_not_unicast(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_nlt_msg(test);
	struct nlattr *peers;

	peers = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS);
	gwlbtun_nlt_put_peer4(test, skb, GWLBTUN_TEST_GWLB4);
	gwlbtun_nlt_put_peer4(test, skb, cpu_to_be32(0xe0000001));
	nla_nest_end(skb, peers);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_VALIDATE, -EINVAL, NULL, "224.0.0.1");

	skb = gwlbtun_nlt_msg(test);
	peers = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS);
	gwlbtun_nlt_put_peer6(test, skb, &gwlbtun_nlt_all_nodes);
	nla_nest_end(skb, peers);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_VALIDATE, -EINVAL, NULL, "ff02::1");
}

static void gwlbtun_nlt_peer_duplicate(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_nlt_msg(test);
	struct nlattr *peers;

	peers = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS);
	gwlbtun_nlt_put_peer4(test, skb, GWLBTUN_TEST_GWLB4);
	gwlbtun_nlt_put_peer6(test, skb, &gwlbtun_test_gwlb6);
	gwlbtun_nlt_put_peer4(test, skb, GWLBTUN_TEST_GWLB4);
	nla_nest_end(skb, peers);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_VALIDATE, -EINVAL, NULL, "IPv4 twice");

	skb = gwlbtun_nlt_msg(test);
	peers = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS);
	gwlbtun_nlt_put_peer6(test, skb, &gwlbtun_test_gwlb6);
	gwlbtun_nlt_put_peer6(test, skb, &gwlbtun_test_gwlb6);
	nla_nest_end(skb, peers);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_VALIDATE, -EINVAL, NULL, "IPv6 twice");
}

static void gwlbtun_nlt_mark_outside_mask(struct kunit *test)
{
	struct sk_buff *skb = gwlbtun_nlt_msg(test);

	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_MARK_MASK, 0xff00);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_MARK_EXTERNAL, 0x100);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_MARK_INTERNAL, 0x201);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_VALIDATE, -EINVAL, NULL,
			   "Internal mark outside the mask");

	/* A mark alone, the mask still 0. */
	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_MARK_EXTERNAL, 1);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_VALIDATE, -EINVAL, NULL,
			   "a mark without a mask");
}

/* A peer address of the wrong length never gets past the policy. */
static void gwlbtun_nlt_peer_length(struct kunit *test)
{
	static const u8 bytes[16] = { 10, 0, 0, 5, 1 };
	static const struct {
		const char *what;
		int type;
		int len;
	} cases[] = {
		{ "IPv4, 5 bytes", GWLBTUN_PEER_A_IPV4, 5 },
		{ "IPv4, 3 bytes", GWLBTUN_PEER_A_IPV4, 3 },
		{ "IPv4, 16 bytes", GWLBTUN_PEER_A_IPV4, 16 },
		{ "IPv6, 4 bytes", GWLBTUN_PEER_A_IPV6, 4 },
		{ "IPv6, 15 bytes", GWLBTUN_PEER_A_IPV6, 15 },
		{ "IPv6, 0 bytes", GWLBTUN_PEER_A_IPV6, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sk_buff *skb = gwlbtun_nlt_msg(test);
		struct nlattr *peers, *bad;

		peers = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS);
		gwlbtun_nlt_put_peer4(test, skb, cpu_to_be32(0x0a000006));
		bad = gwlbtun_nlt_next(skb);
		KUNIT_ASSERT_EQ(test, nla_put(skb, cases[i].type, cases[i].len,
					      bytes), 0);
		nla_nest_end(skb, peers);
		gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
				   GWLBTUN_NLT_POLICY, -ERANGE, bad,
				   cases[i].what);
	}
}

/* Strict parsing: attribute types the policy does not know are refused. */
static void gwlbtun_nlt_unknown_attr(struct kunit *test)
{
	static const u8 zero[4];
	struct nlattr *nest, *bad;
	struct sk_buff *skb;

	/* In PEERS: past the last type, and type 0. */
	skb = gwlbtun_nlt_msg(test);
	nest = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS);
	gwlbtun_nlt_put_peer4(test, skb, GWLBTUN_TEST_GWLB4);
	bad = gwlbtun_nlt_next(skb);
	KUNIT_ASSERT_EQ(test, nla_put(skb, GWLBTUN_PEER_A_MAX + 1, 4, zero), 0);
	nla_nest_end(skb, nest);
	gwlbtun_nlt_reject(test, skb, NULL, GWLBTUN_NLT_POLICY, -EINVAL, bad,
			   "unknown type in PEERS");

	skb = gwlbtun_nlt_msg(test);
	nest = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS);
	bad = gwlbtun_nlt_next(skb);
	KUNIT_ASSERT_EQ(test, nla_put(skb, GWLBTUN_PEER_A_UNSPEC, 4, zero), 0);
	nla_nest_end(skb, nest);
	gwlbtun_nlt_reject(test, skb, NULL, GWLBTUN_NLT_POLICY, -EINVAL, bad,
			   "type 0 in PEERS");

	/* In a tunnel. */
	skb = gwlbtun_nlt_msg(test);
	nest = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_EXTERNAL);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, GWLBTUN_TUNNEL_A_VNI, 901), 0);
	KUNIT_ASSERT_EQ(test, nla_put_u16(skb, GWLBTUN_TUNNEL_A_PORT, 10801), 0);
	bad = gwlbtun_nlt_next(skb);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, GWLBTUN_TUNNEL_A_MAX + 1, 0), 0);
	nla_nest_end(skb, nest);
	gwlbtun_nlt_reject(test, skb, NULL, GWLBTUN_NLT_POLICY, -EINVAL, bad,
			   "unknown type in a tunnel");

	/* At the top level. */
	skb = gwlbtun_nlt_msg(test);
	bad = gwlbtun_nlt_next(skb);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_MAX + 1, 0);
	gwlbtun_nlt_reject(test, skb, NULL, GWLBTUN_NLT_POLICY, -EINVAL, bad,
			   "unknown top-level type");

	/* GWLBTUN_A_PAD is only ever padding in replies. */
	skb = gwlbtun_nlt_msg(test);
	bad = gwlbtun_nlt_next(skb);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_PAD, 0);
	gwlbtun_nlt_reject(test, skb, NULL, GWLBTUN_NLT_POLICY, -EINVAL, bad,
			   "GWLBTUN_A_PAD");
}

/* The u8 switches are 0 or 1. */
static void gwlbtun_nlt_u8_max(struct kunit *test)
{
	static const struct {
		const char *what;
		int type;
		u8 value;
	} cases[] = {
		{ "PEERS_ANY 2", GWLBTUN_A_PEERS_ANY, 2 },
		{ "UDP_CSUM 2", GWLBTUN_A_UDP_CSUM, 2 },
		{ "NF_HOOKS 2", GWLBTUN_A_NF_HOOKS, 2 },
		{ "NF_HOOKS 255", GWLBTUN_A_NF_HOOKS, 255 },
		{ "NON_IP 2", GWLBTUN_A_NON_IP, GWLBTUN_NON_IP_MAX + 1 },
		{ "NON_IP 255", GWLBTUN_A_NON_IP, 255 },
		{ "UDP6_ZERO_CSUM_RX 2", GWLBTUN_A_UDP6_ZERO_CSUM_RX, 2 },
		{ "DRAIN 2", GWLBTUN_A_DRAIN, 2 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sk_buff *skb = gwlbtun_nlt_msg(test);
		struct nlattr *bad = gwlbtun_nlt_next(skb);

		gwlbtun_nlt_put_u8(test, skb, cases[i].type, cases[i].value);
		gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
				   GWLBTUN_NLT_POLICY, -ERANGE, bad,
				   cases[i].what);
	}
}

/* Fixed-size attributes of another size; nests without NLA_F_NESTED. */
static void gwlbtun_nlt_malformed(struct kunit *test)
{
	struct nlattr *nest, *bad;
	struct sk_buff *skb;

	/* A VNI as a u16. */
	skb = gwlbtun_nlt_msg(test);
	nest = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_EXTERNAL);
	bad = gwlbtun_nlt_next(skb);
	KUNIT_ASSERT_EQ(test, nla_put_u16(skb, GWLBTUN_TUNNEL_A_VNI, 901), 0);
	KUNIT_ASSERT_EQ(test, nla_put_u16(skb, GWLBTUN_TUNNEL_A_PORT, 10801), 0);
	nla_nest_end(skb, nest);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_POLICY, -EINVAL, bad, "u16 VNI");

	/* A TTL as a u32. */
	skb = gwlbtun_nlt_msg(test);
	bad = gwlbtun_nlt_next(skb);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_A_TTL, 17);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_POLICY, -EINVAL, bad, "u32 TTL");

	/* A tunnel nest without NLA_F_NESTED. */
	skb = gwlbtun_nlt_msg(test);
	bad = gwlbtun_nlt_next(skb);
	nest = nla_nest_start_noflag(skb, GWLBTUN_A_INTERNAL);
	KUNIT_ASSERT_NOT_NULL(test, nest);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, GWLBTUN_TUNNEL_A_VNI, 900), 0);
	KUNIT_ASSERT_EQ(test, nla_put_u16(skb, GWLBTUN_TUNNEL_A_PORT, 10800), 0);
	nla_nest_end(skb, nest);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_POLICY, -EINVAL, bad, "no NLA_F_NESTED");
}

/* Counters are read only: GWLBTUN_A_STATS in a request is NLA_REJECT. */
static void gwlbtun_nlt_stats_rejected(struct kunit *test)
{
	struct nlattr *nest, *bad;
	struct sk_buff *skb;

	/* Shaped as in a GET_STATS reply. */
	skb = gwlbtun_nlt_msg(test);
	bad = gwlbtun_nlt_next(skb);
	nest = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_STATS);
	nla_nest_end(skb, gwlbtun_nlt_nest(test, skb, GWLBTUN_STATS_A_DROPS));
	nla_nest_end(skb, nest);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_POLICY, -EINVAL, bad, "STATS nest");

	/* Without the nested flag, the policy's NLA_REJECT itself. */
	skb = gwlbtun_nlt_msg(test);
	bad = gwlbtun_nlt_next(skb);
	nest = nla_nest_start_noflag(skb, GWLBTUN_A_STATS);
	KUNIT_ASSERT_NOT_NULL(test, nest);
	nla_nest_end(skb, nest);
	gwlbtun_nlt_reject(test, skb, gwlbtun_nlt_configured(test),
			   GWLBTUN_NLT_POLICY, -EINVAL, bad, "STATS");
}

/* The non-IP policy and the IPv6 zero-checksum switch, and back. */
static void gwlbtun_nlt_non_ip_zero_csum(struct kunit *test)
{
	struct gwlbtun_params *want = gwlbtun_nlt_azure_params(test);
	struct gwlbtun_params *p = gwlbtun_nlt_configured(test);
	struct sk_buff *skb;

	/* The defaults: drop, and no zero checksums. */
	KUNIT_EXPECT_EQ(test, p->non_ip, GWLBTUN_NON_IP_DROP);
	KUNIT_EXPECT_FALSE(test, p->udp6_zero_csum_rx);

	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_NON_IP, GWLBTUN_NON_IP_REFLECT);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_UDP6_ZERO_CSUM_RX, 1);
	gwlbtun_nlt_accept(test, skb, p, "non-ip reflect, zero csum on");
	KUNIT_EXPECT_EQ(test, p->non_ip, GWLBTUN_NON_IP_REFLECT);
	KUNIT_EXPECT_TRUE(test, p->udp6_zero_csum_rx);
	want->non_ip = GWLBTUN_NON_IP_REFLECT;
	want->udp6_zero_csum_rx = true;
	KUNIT_EXPECT_EQ(test, memcmp(p, want, sizeof(*p)), 0);

	/* One without the other keeps the other. */
	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_NON_IP, GWLBTUN_NON_IP_DROP);
	gwlbtun_nlt_accept(test, skb, p, "non-ip drop");
	KUNIT_EXPECT_EQ(test, p->non_ip, GWLBTUN_NON_IP_DROP);
	KUNIT_EXPECT_TRUE(test, p->udp6_zero_csum_rx);

	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_UDP6_ZERO_CSUM_RX, 0);
	gwlbtun_nlt_accept(test, skb, p, "zero csum off");
	KUNIT_EXPECT_EQ(test, memcmp(p, gwlbtun_nlt_azure_params(test),
				     sizeof(*p)), 0);
}

/* The route MTU is read only: in a request's peer list it is refused. */
static void gwlbtun_nlt_route_mtu_rejected(struct kunit *test)
{
	struct netlink_ext_ack extack = {};
	struct gwlbtun_params *p = gwlbtun_nlt_configured(test);
	struct sk_buff *skb = gwlbtun_nlt_msg(test);
	struct nlattr *peers, *bad;
	int err;

	peers = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS);
	gwlbtun_nlt_put_peer4(test, skb, GWLBTUN_TEST_GWLB4);
	bad = gwlbtun_nlt_next(skb);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_PEER_A_ROUTE_MTU, 1500);
	nla_nest_end(skb, peers);
	gwlbtun_nlt_reject(test, skb, p, GWLBTUN_NLT_POLICY, -EINVAL, bad,
			   "ROUTE_MTU in PEERS");

	/* And the message says why. */
	skb = gwlbtun_nlt_msg(test);
	peers = gwlbtun_nlt_nest(test, skb, GWLBTUN_A_PEERS);
	gwlbtun_nlt_put_peer6(test, skb, &gwlbtun_test_gwlb6);
	gwlbtun_nlt_put_u32(test, skb, GWLBTUN_PEER_A_ROUTE_MTU, 0);
	nla_nest_end(skb, peers);
	KUNIT_EXPECT_EQ(test, gwlbtun_nlt_set(skb, p, &extack, &err),
			GWLBTUN_NLT_POLICY);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg ?: "", "read-only attribute");
}

/* What gwlbtun_nl_put_config() makes of @p for @dev, parsed back. */
static struct nlattr **gwlbtun_nlt_fill(struct kunit *test,
					struct net_device *dev,
					const struct gwlbtun_params *p)
{
	struct nlattr **tb = kunit_kcalloc(test, GWLBTUN_A_MAX + 1,
					   sizeof(*tb), GFP_KERNEL);
	struct sk_buff *skb;
	struct nlmsghdr *nlh;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, tb);
	skb = gwlbtun_test_track(test, nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL));
	nlh = nlmsg_put(skb, 0, 1, GENL_MIN_ID, GENL_HDRLEN, 0);
	KUNIT_ASSERT_NOT_NULL(test, nlh);
	rtnl_lock();
	err = gwlbtun_nl_put_config(skb, dev, p);
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);
	nlmsg_end(skb, nlh);
	KUNIT_ASSERT_EQ(test, nlmsg_parse_deprecated(nlh, GENL_HDRLEN, tb,
						     GWLBTUN_A_MAX, NULL, NULL),
			0);
	return tb;
}

/*
 * The PEERS nest of a reply: each address, then its route MTU. Checks the
 * addresses against @p and returns the MTUs in @mtu.
 */
static void gwlbtun_nlt_reply_peers(struct kunit *test, struct nlattr *nest,
				    const struct gwlbtun_params *p, u32 *mtu)
{
	unsigned int n = 0, mtus = 0;
	struct nlattr *a;
	int rem;

	KUNIT_ASSERT_NOT_NULL(test, nest);
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) == GWLBTUN_PEER_A_ROUTE_MTU) {
			KUNIT_ASSERT_EQ(test, nla_len(a), 4);
			/* It follows the address it describes. */
			KUNIT_ASSERT_EQ(test, mtus + 1, n);
			mtu[mtus++] = nla_get_u32(a);
			continue;
		}
		KUNIT_ASSERT_LT(test, n, p->n_peers);
		KUNIT_ASSERT_EQ(test, mtus, n);
		if (p->peers[n].family == AF_INET) {
			KUNIT_EXPECT_EQ(test, nla_type(a), GWLBTUN_PEER_A_IPV4);
			KUNIT_EXPECT_EQ(test, nla_get_in_addr(a),
					p->peers[n].ip4);
		} else {
			KUNIT_EXPECT_EQ(test, nla_type(a), GWLBTUN_PEER_A_IPV6);
			KUNIT_EXPECT_TRUE(test,
					  ipv6_addr_equal(&p->peers[n].ip6,
							  nla_data(a)));
		}
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, p->n_peers);
	KUNIT_EXPECT_EQ(test, mtus, p->n_peers);
}

/* A GET reply carries every setting, the two new ones included. */
static void gwlbtun_nlt_fill_settings(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_nlt_azure_params(test);
	struct net_device *lo = init_net.loopback_dev;
	u32 mtu[2] = { 1, 1 };
	struct nlattr **tb;

	tb = gwlbtun_nlt_fill(test, lo, p);
	KUNIT_ASSERT_NOT_NULL(test, tb[GWLBTUN_A_NON_IP]);
	KUNIT_ASSERT_NOT_NULL(test, tb[GWLBTUN_A_UDP6_ZERO_CSUM_RX]);
	KUNIT_EXPECT_EQ(test, nla_len(tb[GWLBTUN_A_NON_IP]), 1);
	KUNIT_EXPECT_EQ(test, nla_get_u8(tb[GWLBTUN_A_NON_IP]),
			GWLBTUN_NON_IP_DROP);
	KUNIT_EXPECT_EQ(test, nla_get_u8(tb[GWLBTUN_A_UDP6_ZERO_CSUM_RX]), 0);
	KUNIT_EXPECT_NULL(test, tb[GWLBTUN_A_STATS]);
	/* No route to 10.0.0.5 or fd00::5 here. */
	gwlbtun_nlt_reply_peers(test, tb[GWLBTUN_A_PEERS], p, mtu);
	KUNIT_EXPECT_EQ(test, mtu[0], 0U);
	KUNIT_EXPECT_EQ(test, mtu[1], 0U);

	p->non_ip = GWLBTUN_NON_IP_REFLECT;
	p->udp6_zero_csum_rx = true;
	tb = gwlbtun_nlt_fill(test, lo, p);
	KUNIT_EXPECT_EQ(test, nla_get_u8(tb[GWLBTUN_A_NON_IP]),
			GWLBTUN_NON_IP_REFLECT);
	KUNIT_EXPECT_EQ(test, nla_get_u8(tb[GWLBTUN_A_UDP6_ZERO_CSUM_RX]), 1);
}

/*
 * Route MTUs for real: a second gwlbtun device stands in for the underlay
 * NIC, with 192.0.2.9/24. The route to 192.0.2.5 follows its MTU; there is
 * none to 198.51.100.5; a route through the device whose peers they are
 * counts as none, as the data path drops such replies.
 */
static void gwlbtun_nlt_fill_route_mtu(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_nlt_params(test);
	struct net_device *lo = init_net.loopback_dev;
	struct sockaddr_in *sin;
	struct ifreq ifr = {};
	struct net_device *ul;
	struct nlattr **tb;
	u32 mtu[3];
	int err;

	rtnl_lock();
	ul = gwlbtun_create(&init_net, "gwlbmt%d", NULL);
	err = IS_ERR(ul) ? PTR_ERR(ul) : dev_open(ul, NULL);
	if (!err)
		err = dev_set_mtu(ul, 1600);
	if (err && !IS_ERR(ul))
		unregister_netdevice(ul);
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);

	strscpy(ifr.ifr_name, ul->name, IFNAMSIZ);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0xc0000209);	/* 192.0.2.9 */
	err = devinet_ioctl(&init_net, SIOCSIFADDR, &ifr);
	KUNIT_EXPECT_EQ(test, err, 0);

	p->n_peers = 3;
	p->peers[0].family = AF_INET;
	p->peers[0].ip4 = htonl(0xc0000205);		/* 192.0.2.5 */
	p->peers[1].family = AF_INET;
	p->peers[1].ip4 = htonl(0xc6336405);		/* 198.51.100.5 */
	p->peers[2].family = AF_INET6;
	p->peers[2].ip6 = gwlbtun_test_gwlb6;

	if (!err) {
		tb = gwlbtun_nlt_fill(test, lo, p);
		gwlbtun_nlt_reply_peers(test, tb[GWLBTUN_A_PEERS], p, mtu);
		KUNIT_EXPECT_EQ(test, mtu[0], 1600U);
		KUNIT_EXPECT_EQ(test, mtu[1], 0U);
		KUNIT_EXPECT_EQ(test, mtu[2], 0U);

		/* It is the route's MTU now, not when the peer was set. */
		rtnl_lock();
		err = dev_set_mtu(ul, 1500);
		rtnl_unlock();
		KUNIT_EXPECT_EQ(test, err, 0);
		tb = gwlbtun_nlt_fill(test, lo, p);
		gwlbtun_nlt_reply_peers(test, tb[GWLBTUN_A_PEERS], p, mtu);
		KUNIT_EXPECT_EQ(test, mtu[0], 1500U);

		/* Through the device itself: no route. */
		tb = gwlbtun_nlt_fill(test, ul, p);
		gwlbtun_nlt_reply_peers(test, tb[GWLBTUN_A_PEERS], p, mtu);
		KUNIT_EXPECT_EQ(test, mtu[0], 0U);
	}

	rtnl_lock();
	unregister_netdevice(ul);
	rtnl_unlock();
}

/*
 * Drain: off by default, set and cleared alone (every other setting kept),
 * and carried by GET replies.
 */
static void gwlbtun_nlt_drain(struct kunit *test)
{
	struct gwlbtun_params *want = gwlbtun_nlt_azure_params(test);
	struct gwlbtun_params *p = gwlbtun_nlt_configured(test);
	struct net_device *lo = init_net.loopback_dev;
	struct sk_buff *skb;
	struct nlattr **tb;

	KUNIT_EXPECT_FALSE(test, p->drain);
	tb = gwlbtun_nlt_fill(test, lo, p);
	KUNIT_ASSERT_NOT_NULL(test, tb[GWLBTUN_A_DRAIN]);
	KUNIT_EXPECT_EQ(test, nla_len(tb[GWLBTUN_A_DRAIN]), 1);
	KUNIT_EXPECT_EQ(test, nla_get_u8(tb[GWLBTUN_A_DRAIN]), 0);

	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_DRAIN, 1);
	gwlbtun_nlt_accept(test, skb, p, "drain on");
	KUNIT_EXPECT_TRUE(test, p->drain);
	want->drain = true;
	KUNIT_EXPECT_EQ(test, memcmp(p, want, sizeof(*p)), 0);
	tb = gwlbtun_nlt_fill(test, lo, p);
	KUNIT_ASSERT_NOT_NULL(test, tb[GWLBTUN_A_DRAIN]);
	KUNIT_EXPECT_EQ(test, nla_get_u8(tb[GWLBTUN_A_DRAIN]), 1);

	/* Another setting keeps the drain. */
	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_TTL, 64);
	gwlbtun_nlt_accept(test, skb, p, "ttl while draining");
	KUNIT_EXPECT_TRUE(test, p->drain);

	skb = gwlbtun_nlt_msg(test);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_DRAIN, 0);
	gwlbtun_nlt_put_u8(test, skb, GWLBTUN_A_TTL, 0);
	gwlbtun_nlt_accept(test, skb, p, "drain off");
	KUNIT_EXPECT_EQ(test, memcmp(p, gwlbtun_nlt_azure_params(test),
				     sizeof(*p)), 0);
}

static struct kunit_case gwlbtun_nlt_cases[] = {
	KUNIT_CASE(gwlbtun_nlt_azure_default),
	KUNIT_CASE(gwlbtun_nlt_options_keep_tunnels),
	KUNIT_CASE(gwlbtun_nlt_empty_peers),
	KUNIT_CASE(gwlbtun_nlt_one_tunnel_configured),
	KUNIT_CASE(gwlbtun_nlt_one_tunnel_unconfigured),
	KUNIT_CASE(gwlbtun_nlt_equal_ports),
	KUNIT_CASE(gwlbtun_nlt_vni_range),
	KUNIT_CASE(gwlbtun_nlt_port_zero),
	KUNIT_CASE(gwlbtun_nlt_tunnel_incomplete),
	KUNIT_CASE(gwlbtun_nlt_peers_max),
	KUNIT_CASE(gwlbtun_nlt_peer_not_unicast),
	KUNIT_CASE(gwlbtun_nlt_peer_duplicate),
	KUNIT_CASE(gwlbtun_nlt_mark_outside_mask),
	KUNIT_CASE(gwlbtun_nlt_peer_length),
	KUNIT_CASE(gwlbtun_nlt_unknown_attr),
	KUNIT_CASE(gwlbtun_nlt_u8_max),
	KUNIT_CASE(gwlbtun_nlt_malformed),
	KUNIT_CASE(gwlbtun_nlt_stats_rejected),
	KUNIT_CASE(gwlbtun_nlt_non_ip_zero_csum),
	KUNIT_CASE(gwlbtun_nlt_route_mtu_rejected),
	KUNIT_CASE(gwlbtun_nlt_fill_settings),
	KUNIT_CASE(gwlbtun_nlt_fill_route_mtu),
	KUNIT_CASE(gwlbtun_nlt_drain),
	{}
};

static struct kunit_suite gwlbtun_nlt_suite = {
	.name = "gwlbtun_netlink",
	.test_cases = gwlbtun_nlt_cases,
};

kunit_test_suite(gwlbtun_nlt_suite);
