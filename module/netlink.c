// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: the generic netlink family. include/uapi/linux/gwlbtun.h is the
 * documentation of every command and attribute.
 */
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ip6_route.h>
#include <net/route.h>

#include "gwlbtun.h"

static const struct nla_policy gwlbtun_tunnel_policy[GWLBTUN_TUNNEL_A_MAX + 1] = {
	[GWLBTUN_TUNNEL_A_VNI] = { .type = NLA_U32 },
	[GWLBTUN_TUNNEL_A_PORT] = { .type = NLA_U16 },
};

static const struct nla_policy gwlbtun_peer_policy[GWLBTUN_PEER_A_MAX + 1] = {
	[GWLBTUN_PEER_A_IPV4] = NLA_POLICY_EXACT_LEN(sizeof(__be32)),
	[GWLBTUN_PEER_A_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[GWLBTUN_PEER_A_ROUTE_MTU] = {
		.type = NLA_REJECT,
		.reject_message = "read-only attribute",
	},
};

const struct nla_policy gwlbtun_policy[GWLBTUN_A_MAX + 1] = {
	[GWLBTUN_A_IFINDEX] = { .type = NLA_U32 },
	[GWLBTUN_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[GWLBTUN_A_EXTERNAL] = NLA_POLICY_NESTED(gwlbtun_tunnel_policy),
	[GWLBTUN_A_INTERNAL] = NLA_POLICY_NESTED(gwlbtun_tunnel_policy),
	[GWLBTUN_A_PEERS] = NLA_POLICY_NESTED(gwlbtun_peer_policy),
	[GWLBTUN_A_PEERS_ANY] = NLA_POLICY_MAX(NLA_U8, 1),
	[GWLBTUN_A_TTL] = { .type = NLA_U8 },
	[GWLBTUN_A_UDP_CSUM] = NLA_POLICY_MAX(NLA_U8, 1),
	[GWLBTUN_A_NF_HOOKS] = NLA_POLICY_MAX(NLA_U8, 1),
	[GWLBTUN_A_MARK_EXTERNAL] = { .type = NLA_U32 },
	[GWLBTUN_A_MARK_INTERNAL] = { .type = NLA_U32 },
	[GWLBTUN_A_MARK_MASK] = { .type = NLA_U32 },
	[GWLBTUN_A_STATS] = { .type = NLA_REJECT },
	[GWLBTUN_A_NON_IP] = NLA_POLICY_MAX(NLA_U8, GWLBTUN_NON_IP_MAX),
	[GWLBTUN_A_UDP6_ZERO_CSUM_RX] = NLA_POLICY_MAX(NLA_U8, 1),
	[GWLBTUN_A_DRAIN] = NLA_POLICY_MAX(NLA_U8, 1),
};

static struct genl_family gwlbtun_genl_family;

enum gwlbtun_mcgrp {
	GWLBTUN_MCGRP_CONFIG_ID,
};

/* The device a request names, in the caller's netns; RTNL held. */
static struct gwlbtun_dev *gwlbtun_nl_dev(struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct net_device *dev;

	if (attrs[GWLBTUN_A_IFINDEX]) {
		dev = __dev_get_by_index(net, nla_get_u32(attrs[GWLBTUN_A_IFINDEX]));
	} else if (attrs[GWLBTUN_A_IFNAME]) {
		dev = __dev_get_by_name(net, nla_data(attrs[GWLBTUN_A_IFNAME]));
	} else {
		NL_SET_ERR_MSG(info->extack,
			       "no device given (GWLBTUN_A_IFINDEX or GWLBTUN_A_IFNAME)");
		return ERR_PTR(-EINVAL);
	}
	if (!dev) {
		NL_SET_ERR_MSG(info->extack, "no such device");
		return ERR_PTR(-ENODEV);
	}
	if (!gwlbtun_is_dev(dev)) {
		NL_SET_ERR_MSG(info->extack, "not a gwlbtun device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return netdev_priv(dev);
}

static int gwlbtun_nl_put_tunnel(struct sk_buff *msg, int type,
				 const struct gwlbtun_tunnel *t)
{
	struct nlattr *nest = nla_nest_start(msg, type);

	if (!nest || nla_put_u32(msg, GWLBTUN_TUNNEL_A_VNI, t->vni) ||
	    nla_put_u16(msg, GWLBTUN_TUNNEL_A_PORT, t->port))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static u32 gwlbtun_nl_route_mtu6(struct net_device *dev,
				 const struct in6_addr *daddr)
{
	u32 mtu = 0;
#if IS_ENABLED(CONFIG_IPV6)
	struct flowi6 fl6 = {
		.daddr = *daddr,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct dst_entry *dst = ip6_route_output(dev_net(dev), NULL, &fl6);

	if (!dst->error && dst->dev != dev &&
	    !(((struct rt6_info *)dst)->rt6i_flags & RTF_LOCAL))
		mtu = dst_mtu(dst);
	dst_release(dst);
#endif
	return mtu;
}

/*
 * The MTU of the route from @dev's netns to @peer now, as the data path
 * would find it for an unmarked packet; 0 when there is none, or when it
 * leads into this host or through @dev itself (the data path drops such
 * replies as GWLBTUN_DROP_NO_ROUTE).
 */
static u32 gwlbtun_nl_route_mtu(struct net_device *dev,
				const struct gwlbtun_addr *peer)
{
	struct flowi4 fl4 = {
		.daddr = peer->ip4,
		.flowi4_proto = IPPROTO_UDP,
	};
	struct rtable *rt;
	u32 mtu = 0;

	if (peer->family == AF_INET6)
		return gwlbtun_nl_route_mtu6(dev, &peer->ip6);
	rt = ip_route_output_key(dev_net(dev), &fl4);
	if (IS_ERR(rt))
		return 0;
	if (rt->rt_type == RTN_UNICAST && rt->dst.dev != dev)
		mtu = dst_mtu(&rt->dst);
	ip_rt_put(rt);
	return mtu;
}

/*
 * GWLBTUN_A_PEERS: each address, followed by the MTU of the route to it
 * (GWLBTUN_PEER_A_ROUTE_MTU, which describes the address before it).
 */
static int gwlbtun_nl_put_peers(struct sk_buff *msg, struct net_device *dev,
				const struct gwlbtun_params *p)
{
	struct nlattr *nest;
	unsigned int i;
	int err;

	nest = nla_nest_start(msg, GWLBTUN_A_PEERS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < p->n_peers; i++) {
		const struct gwlbtun_addr *a = &p->peers[i];

		if (a->family == AF_INET)
			err = nla_put_in_addr(msg, GWLBTUN_PEER_A_IPV4, a->ip4);
		else
			err = nla_put_in6_addr(msg, GWLBTUN_PEER_A_IPV6, &a->ip6);
		if (err || nla_put_u32(msg, GWLBTUN_PEER_A_ROUTE_MTU,
				       gwlbtun_nl_route_mtu(dev, a)))
			return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* @dev's settings @p, as GET replies and notifications carry them. */
int gwlbtun_nl_put_config(struct sk_buff *msg, struct net_device *dev,
			  const struct gwlbtun_params *p)
{
	int err;

	if (gwlbtun_params_configured(p)) {
		err = gwlbtun_nl_put_tunnel(msg, GWLBTUN_A_EXTERNAL,
					    &p->tun[GWLBTUN_EXT]);
		if (!err)
			err = gwlbtun_nl_put_tunnel(msg, GWLBTUN_A_INTERNAL,
						    &p->tun[GWLBTUN_INT]);
		if (err)
			return err;
	}
	if (gwlbtun_nl_put_peers(msg, dev, p) ||
	    nla_put_u8(msg, GWLBTUN_A_PEERS_ANY, p->peers_any) ||
	    nla_put_u8(msg, GWLBTUN_A_TTL, p->ttl) ||
	    nla_put_u8(msg, GWLBTUN_A_UDP_CSUM, p->udp_csum) ||
	    nla_put_u8(msg, GWLBTUN_A_NF_HOOKS, p->nf_hooks) ||
	    nla_put_u32(msg, GWLBTUN_A_MARK_EXTERNAL, p->mark[GWLBTUN_EXT]) ||
	    nla_put_u32(msg, GWLBTUN_A_MARK_INTERNAL, p->mark[GWLBTUN_INT]) ||
	    nla_put_u32(msg, GWLBTUN_A_MARK_MASK, p->mark_mask) ||
	    nla_put_u8(msg, GWLBTUN_A_NON_IP, p->non_ip) ||
	    nla_put_u8(msg, GWLBTUN_A_UDP6_ZERO_CSUM_RX, p->udp6_zero_csum_rx) ||
	    nla_put_u8(msg, GWLBTUN_A_DRAIN, p->drain))
		return -EMSGSIZE;
	return 0;
}

static int gwlbtun_nl_put_drops(struct sk_buff *msg, const u64 *drops)
{
	struct nlattr *nest = nla_nest_start(msg, GWLBTUN_STATS_A_DROPS);
	int r;

	if (!nest)
		return -EMSGSIZE;
	for (r = 1; r <= GWLBTUN_DROP_MAX; r++)
		if (nla_put_u64_64bit(msg, r, drops[r], 0))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int gwlbtun_nl_put_stats(struct sk_buff *msg,
				struct gwlbtun_pcpu_stats __percpu *pcpu,
				bool tunnels)
{
	struct nlattr *stats, *nest;
	struct gwlbtun_stats s;
	int d;

	gwlbtun_stats_fold(pcpu, &s);
	stats = nla_nest_start(msg, GWLBTUN_A_STATS);
	if (!stats)
		return -EMSGSIZE;
	for (d = 0; tunnels && d < GWLBTUN_NDIRS; d++) {
		nest = nla_nest_start(msg, d == GWLBTUN_EXT ?
				      GWLBTUN_STATS_A_EXTERNAL :
				      GWLBTUN_STATS_A_INTERNAL);
		if (!nest ||
		    nla_put_u64_64bit(msg, GWLBTUN_TUNNEL_STATS_A_RX_PACKETS,
				      s.rx_packets[d], GWLBTUN_TUNNEL_STATS_A_PAD) ||
		    nla_put_u64_64bit(msg, GWLBTUN_TUNNEL_STATS_A_RX_BYTES,
				      s.rx_bytes[d], GWLBTUN_TUNNEL_STATS_A_PAD) ||
		    nla_put_u64_64bit(msg, GWLBTUN_TUNNEL_STATS_A_TX_PACKETS,
				      s.tx_packets[d], GWLBTUN_TUNNEL_STATS_A_PAD) ||
		    nla_put_u64_64bit(msg, GWLBTUN_TUNNEL_STATS_A_TX_BYTES,
				      s.tx_bytes[d], GWLBTUN_TUNNEL_STATS_A_PAD))
			return -EMSGSIZE;
		nla_nest_end(msg, nest);
	}
	if (gwlbtun_nl_put_drops(msg, s.drops))
		return -EMSGSIZE;
	nla_nest_end(msg, stats);
	return 0;
}

/*
 * One device's message: its configuration or its counters. RTNL held.
 * A dump passes its @cb, to flag the message if the devices changed.
 */
static int gwlbtun_nl_fill(struct sk_buff *msg, struct gwlbtun_dev *gd,
			   u8 cmd, u32 portid, u32 seq, int flags,
			   struct netlink_callback *cb)
{
	const struct gwlbtun_config *cfg = rtnl_dereference(gd->cfg);
	void *hdr;
	int err;

	hdr = genlmsg_put(msg, portid, seq, &gwlbtun_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	err = -EMSGSIZE;
	if (nla_put_u32(msg, GWLBTUN_A_IFINDEX, gd->dev->ifindex) ||
	    nla_put_string(msg, GWLBTUN_A_IFNAME, gd->dev->name))
		goto cancel;
	if (cmd == GWLBTUN_CMD_GET_STATS) {
		err = -EMSGSIZE;
		if (!nla_put_u8(msg, GWLBTUN_A_DRAIN, cfg && cfg->p.drain))
			err = gwlbtun_nl_put_stats(msg, gd->stats, true);
	} else {
		err = cfg ? gwlbtun_nl_put_config(msg, gd->dev, &cfg->p) : 0;
	}
	if (err)
		goto cancel;
	genlmsg_end(msg, hdr);
	return 0;
cancel:
	genlmsg_cancel(msg, hdr);
	return err;
}

static int gwlbtun_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct gwlbtun_dev *gd;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	gd = gwlbtun_nl_dev(info);
	err = IS_ERR(gd) ? PTR_ERR(gd) :
		gwlbtun_nl_fill(msg, gd, info->genlhdr->cmd, info->snd_portid,
				info->snd_seq, 0, NULL);
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * cb->args[0]: how many devices of the netns were sent already. A device
 * added or removed between two parts of the dump would shift that count and
 * make it skip or repeat one: cb->seq follows the netns's generation, so
 * the first message after such a change carries NLM_F_DUMP_INTR.
 */
static int gwlbtun_nl_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct gwlbtun_net *gn = gwlbtun_pernet(sock_net(skb->sk));
	u8 cmd = genl_dumpit_info(cb)->op.cmd;
	struct gwlbtun_dev *gd;
	long idx = 0;
	int err = 0;

	rtnl_lock();
	cb->seq = gn->gen + 1;
	list_for_each_entry(gd, &gn->devices, list) {
		if (idx++ < cb->args[0])
			continue;
		err = gwlbtun_nl_fill(skb, gd, cmd, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (err) {
			idx--;
			break;
		}
	}
	rtnl_unlock();
	cb->args[0] = idx;
	/* A full buffer ends this part of the dump; the next one resumes. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static int gwlbtun_nl_parse_tunnel(struct nlattr *attr,
				   struct gwlbtun_tunnel *t,
				   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[GWLBTUN_TUNNEL_A_MAX + 1];
	u32 vni;
	int err;

	err = nla_parse_nested(tb, GWLBTUN_TUNNEL_A_MAX, attr,
			       gwlbtun_tunnel_policy, extack);
	if (err)
		return err;
	if (!tb[GWLBTUN_TUNNEL_A_VNI] || !tb[GWLBTUN_TUNNEL_A_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "a tunnel needs both a VNI and a UDP port");
		return -EINVAL;
	}
	vni = nla_get_u32(tb[GWLBTUN_TUNNEL_A_VNI]);
	if (vni > GWLBTUN_VNI_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GWLBTUN_TUNNEL_A_VNI],
				    "VNI is above 16777215");
		return -ERANGE;
	}
	t->port = nla_get_u16(tb[GWLBTUN_TUNNEL_A_PORT]);
	if (!t->port) {
		NL_SET_ERR_MSG_ATTR(extack, tb[GWLBTUN_TUNNEL_A_PORT],
				    "UDP port 0 is not a port");
		return -EINVAL;
	}
	t->vni = vni;
	return 0;
}

static int gwlbtun_nl_parse_peers(struct nlattr *attr, struct gwlbtun_params *p,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *a;
	int rem;

	p->n_peers = 0;
	nla_for_each_nested(a, attr, rem) {
		struct gwlbtun_addr *addr;

		if (p->n_peers == GWLBTUN_PEERS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, a, "too many peers (at most 64)");
			return -E2BIG;
		}
		addr = &p->peers[p->n_peers++];
		if (nla_type(a) == GWLBTUN_PEER_A_IPV4) {
			addr->family = AF_INET;
			addr->ip4 = nla_get_in_addr(a);
		} else {
			addr->family = AF_INET6;
			addr->ip6 = nla_get_in6_addr(a);
		}
	}
	return 0;
}

/* Apply a SET request's attributes to @p; gwlbtun_config_set() validates. */
int gwlbtun_nl_parse(struct nlattr **attrs, struct gwlbtun_params *p,
		     struct netlink_ext_ack *extack)
{
	int err;

	if (attrs[GWLBTUN_A_EXTERNAL]) {
		err = gwlbtun_nl_parse_tunnel(attrs[GWLBTUN_A_EXTERNAL],
					      &p->tun[GWLBTUN_EXT], extack);
		if (err)
			return err;
	}
	if (attrs[GWLBTUN_A_INTERNAL]) {
		err = gwlbtun_nl_parse_tunnel(attrs[GWLBTUN_A_INTERNAL],
					      &p->tun[GWLBTUN_INT], extack);
		if (err)
			return err;
	}
	if (attrs[GWLBTUN_A_PEERS]) {
		err = gwlbtun_nl_parse_peers(attrs[GWLBTUN_A_PEERS], p, extack);
		if (err)
			return err;
	}
	if (attrs[GWLBTUN_A_PEERS_ANY])
		p->peers_any = nla_get_u8(attrs[GWLBTUN_A_PEERS_ANY]);
	if (attrs[GWLBTUN_A_TTL])
		p->ttl = nla_get_u8(attrs[GWLBTUN_A_TTL]);
	if (attrs[GWLBTUN_A_UDP_CSUM])
		p->udp_csum = nla_get_u8(attrs[GWLBTUN_A_UDP_CSUM]);
	if (attrs[GWLBTUN_A_NF_HOOKS])
		p->nf_hooks = nla_get_u8(attrs[GWLBTUN_A_NF_HOOKS]);
	if (attrs[GWLBTUN_A_MARK_EXTERNAL])
		p->mark[GWLBTUN_EXT] = nla_get_u32(attrs[GWLBTUN_A_MARK_EXTERNAL]);
	if (attrs[GWLBTUN_A_MARK_INTERNAL])
		p->mark[GWLBTUN_INT] = nla_get_u32(attrs[GWLBTUN_A_MARK_INTERNAL]);
	if (attrs[GWLBTUN_A_MARK_MASK])
		p->mark_mask = nla_get_u32(attrs[GWLBTUN_A_MARK_MASK]);
	if (attrs[GWLBTUN_A_NON_IP])
		p->non_ip = nla_get_u8(attrs[GWLBTUN_A_NON_IP]);
	if (attrs[GWLBTUN_A_UDP6_ZERO_CSUM_RX])
		p->udp6_zero_csum_rx =
			nla_get_u8(attrs[GWLBTUN_A_UDP6_ZERO_CSUM_RX]);
	if (attrs[GWLBTUN_A_DRAIN])
		p->drain = nla_get_u8(attrs[GWLBTUN_A_DRAIN]);
	return 0;
}

static int gwlbtun_nl_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	const struct gwlbtun_config *cfg;
	struct gwlbtun_params *p;
	struct gwlbtun_dev *gd;
	int err;

	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	rtnl_lock();
	gd = gwlbtun_nl_dev(info);
	if (IS_ERR(gd)) {
		err = PTR_ERR(gd);
		goto out;
	}
	cfg = rtnl_dereference(gd->cfg);
	*p = cfg->p;
	err = gwlbtun_nl_parse(info->attrs, p, info->extack);
	if (!err)
		err = gwlbtun_config_set(gd, p, info->extack);
	if (!err) {
		gwlbtun_net_changed(gwlbtun_pernet(dev_net(gd->dev)));
		gwlbtun_genl_notify(gd);
	}
out:
	rtnl_unlock();
	kfree(p);
	return err;
}

static int gwlbtun_nl_netns_stats_doit(struct sk_buff *skb,
				       struct genl_info *info)
{
	struct gwlbtun_net *gn = gwlbtun_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &gwlbtun_genl_family, 0,
				GWLBTUN_CMD_GET_NETNS_STATS);
	if (!hdr || gwlbtun_nl_put_stats(msg, gn->unmatched, false)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* Announce @gd's new configuration; RTNL held. */
void gwlbtun_genl_notify(struct gwlbtun_dev *gd)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (gwlbtun_nl_fill(msg, gd, GWLBTUN_CMD_SET_DEVICE, 0, 0, 0, NULL)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&gwlbtun_genl_family, dev_net(gd->dev), msg, 0,
				GWLBTUN_MCGRP_CONFIG_ID, GFP_KERNEL);
}

static const struct genl_small_ops gwlbtun_genl_ops[] = {
	{
		.cmd = GWLBTUN_CMD_GET_DEVICE,
		.doit = gwlbtun_nl_get_doit,
		.dumpit = gwlbtun_nl_get_dumpit,
	},
	{
		.cmd = GWLBTUN_CMD_SET_DEVICE,
		.doit = gwlbtun_nl_set_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = GWLBTUN_CMD_GET_STATS,
		.doit = gwlbtun_nl_get_doit,
		.dumpit = gwlbtun_nl_get_dumpit,
	},
	{
		.cmd = GWLBTUN_CMD_GET_NETNS_STATS,
		.doit = gwlbtun_nl_netns_stats_doit,
	},
};

static const struct genl_multicast_group gwlbtun_mcgrps[] = {
	[GWLBTUN_MCGRP_CONFIG_ID] = { .name = GWLBTUN_MCGRP_CONFIG },
};

static struct genl_family gwlbtun_genl_family __ro_after_init = {
	.name = GWLBTUN_GENL_NAME,
	.version = GWLBTUN_GENL_VERSION,
	.maxattr = GWLBTUN_A_MAX,
	.policy = gwlbtun_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = gwlbtun_genl_ops,
	.n_small_ops = ARRAY_SIZE(gwlbtun_genl_ops),
	/*
	 * A new family leaves resv_start_op at 0: every command gets the
	 * strict checks (reserved header bits, nlmsg_flags, a policy).
	 */
	.resv_start_op = 0,
	.mcgrps = gwlbtun_mcgrps,
	.n_mcgrps = ARRAY_SIZE(gwlbtun_mcgrps),
};

int __init gwlbtun_genl_init(void)
{
	return genl_register_family(&gwlbtun_genl_family);
}

void gwlbtun_genl_exit(void)
{
	genl_unregister_family(&gwlbtun_genl_family);
}
