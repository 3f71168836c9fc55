// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: the network device, its rtnl link kind and its counters.
 *
 * The device carries the inner frames: taps see them, netfilter sees it as
 * the in and out device. It has no addresses of its own to speak from;
 * what the local stack sends to it is dropped and counted as tx_dropped.
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "gwlbtun.h"

static netdev_tx_t gwlbtun_start_xmit(struct sk_buff *skb,
				      struct net_device *dev)
{
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const enum gwlbtun_drop gwlbtun_tx_drops[] = {
	GWLBTUN_DROP_NO_ROUTE, GWLBTUN_DROP_TOO_BIG, GWLBTUN_DROP_XMIT,
	GWLBTUN_DROP_STALE,
};

static void gwlbtun_get_stats64(struct net_device *dev,
				struct rtnl_link_stats64 *tot)
{
	struct gwlbtun_dev *gd = netdev_priv(dev);
	struct gwlbtun_stats s;
	unsigned int i;
	int d;

	gwlbtun_stats_fold(gd->stats, &s);
	for (d = 0; d < GWLBTUN_NDIRS; d++) {
		tot->rx_packets += s.rx_packets[d];
		tot->rx_bytes += s.rx_bytes[d];
		tot->tx_packets += s.tx_packets[d];
		tot->tx_bytes += s.tx_bytes[d];
	}
	for (i = 0; i < __GWLBTUN_DROP_MAX; i++)
		tot->rx_dropped += s.drops[i];
	for (i = 0; i < ARRAY_SIZE(gwlbtun_tx_drops); i++) {
		tot->rx_dropped -= s.drops[gwlbtun_tx_drops[i]];
		tot->tx_dropped += s.drops[gwlbtun_tx_drops[i]];
	}
}

static int gwlbtun_dev_init(struct net_device *dev)
{
	struct gwlbtun_dev *gd = netdev_priv(dev);
	struct gwlbtun_net *gn = gwlbtun_pernet(dev_net(dev));
	int err;

	gd->dev = dev;
	gd->stats = gwlbtun_stats_alloc();
	if (!gd->stats)
		return -ENOMEM;
	err = gwlbtun_config_init(gd);
	if (err) {
		free_percpu(gd->stats);
		gd->stats = NULL;
		return err;
	}
	list_add_tail(&gd->list, &gn->devices);
	gwlbtun_net_changed(gn);
	return 0;
}

/* Readers that found the configuration are done before the device is freed:
 * unregistration waits for a grace period after ndo_uninit.
 */
static void gwlbtun_dev_uninit(struct net_device *dev)
{
	struct gwlbtun_dev *gd = netdev_priv(dev);

	gwlbtun_config_clear(gd);
	list_del(&gd->list);
	gwlbtun_net_changed(gwlbtun_pernet(dev_net(dev)));
}

static void gwlbtun_dev_free(struct net_device *dev)
{
	struct gwlbtun_dev *gd = netdev_priv(dev);

	free_percpu(gd->stats);
}

static const struct net_device_ops gwlbtun_netdev_ops = {
	.ndo_init = gwlbtun_dev_init,
	.ndo_uninit = gwlbtun_dev_uninit,
	.ndo_start_xmit = gwlbtun_start_xmit,
	.ndo_get_stats64 = gwlbtun_get_stats64,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static void gwlbtun_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &gwlbtun_netdev_ops;
	dev->ethtool_ops = &gwlbtun_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = gwlbtun_dev_free;
	/* Nothing inside the tunnels answers ARP; the device takes no part. */
	dev->flags |= IFF_NOARP;
	dev->flags &= ~IFF_MULTICAST;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	/* The sockets belong to the netns the device was configured in. */
	gwlbtun_compat_set_netns_local(dev);
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
	eth_hw_addr_random(dev);
}

static int gwlbtun_validate(struct nlattr *tb[], struct nlattr *data[],
			    struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
			NL_SET_ERR_MSG(extack, "invalid link address length");
			return -EINVAL;
		}
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
			NL_SET_ERR_MSG(extack, "invalid link address");
			return -EADDRNOTAVAIL;
		}
	}
	return 0;
}

struct rtnl_link_ops gwlbtun_link_ops __read_mostly = {
	.kind = "gwlbtun",
	.priv_size = sizeof(struct gwlbtun_dev),
	.setup = gwlbtun_setup,
	.validate = gwlbtun_validate,
};

bool gwlbtun_is_dev(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &gwlbtun_link_ops;
}

/* The module parameters' device: created like "ip link add" would. */
struct net_device *gwlbtun_create(struct net *net, const char *name,
				  struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int err;

	ASSERT_RTNL();
	dev = alloc_netdev(sizeof(struct gwlbtun_dev), name, NET_NAME_USER,
			   gwlbtun_setup);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev_net_set(dev, net);
	dev->rtnl_link_ops = &gwlbtun_link_ops;
	err = register_netdevice(dev);
	if (err) {
		free_netdev(dev);
		return ERR_PTR(err);
	}
	return dev;
}

/* ethtool -S: per tunnel traffic, then drops per reason. */
static const char gwlbtun_tunnel_stat_names[][ETH_GSTRING_LEN] = {
	"ext_rx_packets", "ext_rx_bytes", "ext_tx_packets", "ext_tx_bytes",
	"int_rx_packets", "int_rx_bytes", "int_tx_packets", "int_tx_bytes",
};

static const char gwlbtun_drop_stat_names[][ETH_GSTRING_LEN] = {
	[GWLBTUN_DROP_MALFORMED] = "drop_malformed",
	[GWLBTUN_DROP_UNKNOWN_VNI] = "drop_unknown_vni",
	[GWLBTUN_DROP_PEER_NOT_ALLOWED] = "drop_peer_not_allowed",
	[GWLBTUN_DROP_DEVICE_DOWN] = "drop_device_down",
	[GWLBTUN_DROP_NETFILTER] = "drop_netfilter",
	[GWLBTUN_DROP_NO_ROUTE] = "drop_no_route",
	[GWLBTUN_DROP_TOO_BIG] = "drop_too_big",
	[GWLBTUN_DROP_NOMEM] = "drop_nomem",
	[GWLBTUN_DROP_XMIT] = "drop_xmit",
	[GWLBTUN_DROP_NOT_UNICAST] = "drop_not_unicast",
	[GWLBTUN_DROP_ZERO_CSUM] = "drop_zero_csum",
	[GWLBTUN_DROP_TTL] = "drop_ttl",
	[GWLBTUN_DROP_UNFILTERED] = "drop_unfiltered",
	[GWLBTUN_DROP_ECN] = "drop_ecn",
	[GWLBTUN_DROP_STALE] = "drop_stale",
};

static_assert(ARRAY_SIZE(gwlbtun_drop_stat_names) == __GWLBTUN_DROP_MAX);

#define GWLBTUN_N_STATS (ARRAY_SIZE(gwlbtun_tunnel_stat_names) + \
			 GWLBTUN_DROP_MAX)

static int gwlbtun_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? GWLBTUN_N_STATS : -EOPNOTSUPP;
}

static void gwlbtun_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	if (sset != ETH_SS_STATS)
		return;
	memcpy(buf, gwlbtun_tunnel_stat_names,
	       sizeof(gwlbtun_tunnel_stat_names));
	memcpy(buf + sizeof(gwlbtun_tunnel_stat_names),
	       gwlbtun_drop_stat_names[1], GWLBTUN_DROP_MAX * ETH_GSTRING_LEN);
}

static void gwlbtun_get_ethtool_stats(struct net_device *dev,
				      struct ethtool_stats *stats, u64 *data)
{
	struct gwlbtun_dev *gd = netdev_priv(dev);
	struct gwlbtun_stats s;
	int d, r;

	gwlbtun_stats_fold(gd->stats, &s);
	for (d = 0; d < GWLBTUN_NDIRS; d++) {
		*data++ = s.rx_packets[d];
		*data++ = s.rx_bytes[d];
		*data++ = s.tx_packets[d];
		*data++ = s.tx_bytes[d];
	}
	for (r = 1; r <= GWLBTUN_DROP_MAX; r++)
		*data++ = s.drops[r];
}

static void gwlbtun_get_drvinfo(struct net_device *dev,
				struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "gwlbtun", sizeof(info->driver));
	strscpy(info->version, GWLBTUN_VERSION, sizeof(info->version));
}

const struct ethtool_ops gwlbtun_ethtool_ops = {
	.get_drvinfo = gwlbtun_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = gwlbtun_get_sset_count,
	.get_strings = gwlbtun_get_strings,
	.get_ethtool_stats = gwlbtun_get_ethtool_stats,
};
