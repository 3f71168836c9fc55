// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gwlbtun's receive side on real configurations: the demux
 * tables (module/config.c) filled by gwlbtun_config_set() on gwlbtun
 * devices in init_net, configuration replacement with its shared sockets
 * (module/socket.c) and its retirement after a grace period, and the
 * receive entry point (module/receive.c) called as the UDP stack calls it,
 * with every outcome checked on the counters.
 *
 * Each test makes the devices it needs ("gwlbrx%d"), on UDP ports 10821
 * (External) and 10820 (Internal), and they go when the test ends, however
 * it ended. UML has no route to the GWLB, so a packet that gets as far as
 * reflection ends there as GWLBTUN_DROP_NO_ROUTE, unless a stand-in
 * underlay device gives it one.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/if_vlan.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/dst.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/udp_tunnel.h>
#include <net/vxlan.h>

#include "gwlbtun.h"
#include "skb_util.h"

#define GWLBTUN_RX_PORT_EXT	10821
#define GWLBTUN_RX_PORT_INT	10820
#define GWLBTUN_RX_PORT_OTHER	10822
#define GWLBTUN_RX_PORT_TAKEN	10823
#define GWLBTUN_RX_PORT_NONE	10899

/* An Ethertype nobody handles (IEEE local experimental). */
#define GWLBTUN_RX_ETH_P_EXP	0x88b5

/* Devices made by a test go when it ends, even when it failed. */
static int gwlbtun_rx_dev_init(struct kunit_resource *res, void *context)
{
	res->data = context;
	return 0;
}

static void gwlbtun_rx_dev_free(struct kunit_resource *res)
{
	rtnl_lock();
	unregister_netdevice(res->data);
	rtnl_unlock();
}

/* A new gwlbtun device, up and unconfigured. */
static struct net_device *gwlbtun_rx_dev(struct kunit *test, const char *name)
{
	struct net_device *dev;
	int err;

	rtnl_lock();
	dev = gwlbtun_create(&init_net, name, NULL);
	err = IS_ERR(dev) ? PTR_ERR(dev) : dev_open(dev, NULL);
	if (err && !IS_ERR(dev))
		unregister_netdevice(dev);
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);
	if (!kunit_alloc_resource(test, gwlbtun_rx_dev_init,
				  gwlbtun_rx_dev_free, GFP_KERNEL, dev)) {
		rtnl_lock();
		unregister_netdevice(dev);
		rtnl_unlock();
		KUNIT_ASSERT_FAILURE(test, "cannot track a device");
	}
	return dev;
}

static struct gwlbtun_dev *gwlbtun_rx_gd(struct net_device *dev)
{
	return netdev_priv(dev);
}

static struct gwlbtun_net *gwlbtun_rx_gn(void)
{
	return gwlbtun_pernet(&init_net);
}

static struct gwlbtun_addr gwlbtun_rx_a4(u32 addr)
{
	struct gwlbtun_addr a = { .family = AF_INET };

	a.ip4 = htonl(addr);
	return a;
}

/* fd00::@last */
static struct gwlbtun_addr gwlbtun_rx_a6(u8 last)
{
	struct gwlbtun_addr a = { .family = AF_INET6 };

	a.ip6 = gwlbtun_test_gwlb6;
	a.ip6.s6_addr[15] = last;
	return a;
}

/* Tunnels on the test's ports with VNIs @ext and @int, no peers. */
static struct gwlbtun_params *gwlbtun_rx_params(struct kunit *test, u32 ext,
						u32 in)
{
	struct gwlbtun_params *p;

	p = kunit_kmalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	gwlbtun_params_init(p);
	p->tun[GWLBTUN_EXT].port = GWLBTUN_RX_PORT_EXT;
	p->tun[GWLBTUN_EXT].vni = ext;
	p->tun[GWLBTUN_INT].port = GWLBTUN_RX_PORT_INT;
	p->tun[GWLBTUN_INT].vni = in;
	return p;
}

static void gwlbtun_rx_peer(struct gwlbtun_params *p, struct gwlbtun_addr a)
{
	p->peers[p->n_peers++] = a;
}

/* The GWLB of skb_util's packets: 10.0.0.5 and fd00::5. */
static void gwlbtun_rx_peers_test(struct gwlbtun_params *p)
{
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000005));
	gwlbtun_rx_peer(p, gwlbtun_rx_a6(5));
}

static int gwlbtun_rx_set(struct net_device *dev,
			  const struct gwlbtun_params *p,
			  struct netlink_ext_ack *extack)
{
	int err;

	rtnl_lock();
	err = gwlbtun_config_set(gwlbtun_rx_gd(dev), p, extack);
	rtnl_unlock();
	return err;
}

static void gwlbtun_rx_configure(struct kunit *test, struct net_device *dev,
				 const struct gwlbtun_params *p)
{
	struct netlink_ext_ack extack = {};
	int err = gwlbtun_rx_set(dev, p, &extack);

	KUNIT_ASSERT_EQ_MSG(test, err, 0, "%s", extack._msg ?: "");
}

/* A device configured with @p. */
static struct net_device *gwlbtun_rx_dev_with(struct kunit *test,
					      const struct gwlbtun_params *p)
{
	struct net_device *dev = gwlbtun_rx_dev(test, "gwlbrx%d");

	gwlbtun_rx_configure(test, dev, p);
	return dev;
}

static struct gwlbtun_config *gwlbtun_rx_cfg(struct net_device *dev)
{
	return rcu_access_pointer(gwlbtun_rx_gd(dev)->cfg);
}

/* Until every retired configuration has been freed. */
static void gwlbtun_rx_settle(void)
{
	synchronize_rcu();
	rcu_barrier();
	flush_workqueue(gwlbtun_wq);
}

/*
 * What the demux finds for (@port, @vni, @src): @dev's entry for @dir,
 * the source accepted or not (@dev NULL: nothing). An accepted source is
 * an allow-list entry for it, unless the device accepts any.
 */
static void gwlbtun_rx_expect_demux(struct kunit *test, u16 port, u32 vni,
				    struct gwlbtun_addr src,
				    struct net_device *dev,
				    enum gwlbtun_dir dir, bool accepted)
{
	const struct gwlbtun_demux *d;
	struct gwlbtun_dev *gd = NULL;
	bool acc = !accepted, any = false, own = true;
	u32 got_vni = vni;
	u16 got_port = port;
	u8 got_dir = 0;

	/* Read under RCU, checked after it. */
	rcu_read_lock();
	d = gwlbtun_demux_lookup(gwlbtun_rx_gn(), port, vni, &src, &acc);
	if (d) {
		gd = d->cfg->gd;
		got_dir = d->dir;
		got_port = d->port;
		got_vni = d->vni;
		any = d->cfg->p.peers_any;
		own = !d->peer || gwlbtun_addr_equal(d->peer, &src);
		/* Accepted by a tunnel entry only with peers_any. */
		if (!d->peer && acc && !any)
			own = false;
	}
	rcu_read_unlock();

	KUNIT_EXPECT_TRUE_MSG(test, own, "port %u VNI %u: not its own entry",
			      port, vni);
	KUNIT_EXPECT_EQ(test, got_port, port);
	KUNIT_EXPECT_EQ(test, got_vni, vni);

	if (!dev) {
		KUNIT_EXPECT_NULL_MSG(test, d, "port %u VNI %u %s", port, vni,
				      gd ? gd->dev->name : "");
		return;
	}
	KUNIT_ASSERT_NOT_NULL_MSG(test, d, "port %u VNI %u", port, vni);
	KUNIT_EXPECT_PTR_EQ_MSG(test, gd, gwlbtun_rx_gd(dev),
				"port %u VNI %u: %s, not %s", port, vni,
				gd->dev->name, dev->name);
	KUNIT_EXPECT_EQ_MSG(test, got_dir, dir, "port %u VNI %u", port, vni);
	KUNIT_EXPECT_EQ_MSG(test, acc, accepted, "port %u VNI %u", port, vni);
}

/* Shorthands: the External and the Internal tunnel of the test's ports. */
static void gwlbtun_rx_expect_ext(struct kunit *test, u32 vni,
				  struct gwlbtun_addr src,
				  struct net_device *dev, bool accepted)
{
	gwlbtun_rx_expect_demux(test, GWLBTUN_RX_PORT_EXT, vni, src, dev,
				GWLBTUN_EXT, accepted);
}

static void gwlbtun_rx_expect_int(struct kunit *test, u32 vni,
				  struct gwlbtun_addr src,
				  struct net_device *dev, bool accepted)
{
	gwlbtun_rx_expect_demux(test, GWLBTUN_RX_PORT_INT, vni, src, dev,
				GWLBTUN_INT, accepted);
}

/* Each listed peer, IPv4 and IPv6, on each tunnel: its device. */
static void gwlbtun_demux_exact(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct net_device *a;

	gwlbtun_rx_peers_test(p);
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0xc0a80001));
	a = gwlbtun_rx_dev_with(test, p);

	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000005), a, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a4(0x0a000005), a, true);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a6(5), a, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a6(5), a, true);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0xc0a80001), a, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a4(0xc0a80001), a, true);
	/* One tunnel's VNI on the other tunnel's port: no tunnel. */
	gwlbtun_rx_expect_ext(test, 900, gwlbtun_rx_a4(0x0a000005), NULL,
			      false);
	gwlbtun_rx_expect_int(test, 901, gwlbtun_rx_a6(5), NULL, false);
}

/* The IPv4-mapped form of an IPv4 peer is another address. */
static void gwlbtun_demux_family(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct gwlbtun_addr mapped = { .family = AF_INET6 };
	struct gwlbtun_addr v4as6 = gwlbtun_rx_a4(0x0a000005);
	struct net_device *a;

	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000005));
	a = gwlbtun_rx_dev_with(test, p);
	ipv6_addr_set_v4mapped(htonl(0x0a000005), &mapped.ip6);
	gwlbtun_rx_expect_ext(test, 901, mapped, a, false);
	/* The same bytes as the first word of an IPv6 address. */
	v4as6.family = AF_INET6;
	memset(&v4as6.ip6, 0, sizeof(v4as6.ip6));
	v4as6.ip6.s6_addr32[0] = htonl(0x0a000005);
	gwlbtun_rx_expect_ext(test, 901, v4as6, a, false);
}

/* One GWLB on two devices, told apart by the VNI. */
static void gwlbtun_demux_two_devices(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct gwlbtun_params *q = gwlbtun_rx_params(test, 911, 910);
	struct net_device *a, *b;

	gwlbtun_rx_peers_test(p);
	gwlbtun_rx_peers_test(q);
	a = gwlbtun_rx_dev_with(test, p);
	b = gwlbtun_rx_dev_with(test, q);

	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000005), a, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a4(0x0a000005), a, true);
	gwlbtun_rx_expect_ext(test, 911, gwlbtun_rx_a4(0x0a000005), b, true);
	gwlbtun_rx_expect_int(test, 910, gwlbtun_rx_a4(0x0a000005), b, true);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a6(5), a, true);
	gwlbtun_rx_expect_ext(test, 911, gwlbtun_rx_a6(5), b, true);
	gwlbtun_rx_expect_int(test, 910, gwlbtun_rx_a6(5), b, true);
	/* Another source is charged to the device of its VNI. */
	gwlbtun_rx_expect_ext(test, 911, gwlbtun_rx_a4(0x0a000006), b, false);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a4(0x0a000006), a, false);
}

/* A source not on the list: the tunnel's device, not accepted. */
static void gwlbtun_demux_not_allowed(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct gwlbtun_params *q = gwlbtun_rx_params(test, 921, 920);
	struct net_device *a, *b;

	gwlbtun_rx_peers_test(p);
	a = gwlbtun_rx_dev_with(test, p);
	/* Tunnels and an empty list: nobody is accepted. */
	b = gwlbtun_rx_dev_with(test, q);

	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000006), a, false);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a6(6), a, false);
	gwlbtun_rx_expect_ext(test, 921, gwlbtun_rx_a4(0x0a000005), b, false);
	gwlbtun_rx_expect_int(test, 920, gwlbtun_rx_a6(5), b, false);
}

/* peers_any: every source, both families, both tunnels. */
static void gwlbtun_demux_any(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct net_device *a;

	p->peers_any = true;
	a = gwlbtun_rx_dev_with(test, p);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000006), a, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a4(0xc0000201), a, true);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a6(7), a, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a6(7), a, true);
}

/* Nothing for a port, a VNI, or a device without tunnels. */
static void gwlbtun_demux_unknown(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct net_device *a;

	p->peers_any = true;
	a = gwlbtun_rx_dev_with(test, p);
	/* Unconfigured: in no table. */
	gwlbtun_rx_dev(test, "gwlbrx%d");

	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000005), a, true);
	gwlbtun_rx_expect_ext(test, 902, gwlbtun_rx_a4(0x0a000005), NULL,
			      false);
	gwlbtun_rx_expect_ext(test, 0, gwlbtun_rx_a4(0x0a000005), NULL, false);
	gwlbtun_rx_expect_demux(test, GWLBTUN_RX_PORT_NONE, 901,
				gwlbtun_rx_a4(0x0a000005), NULL, GWLBTUN_EXT,
				false);
	gwlbtun_rx_expect_demux(test, 0, 0, gwlbtun_rx_a4(0x0a000005), NULL,
				GWLBTUN_EXT, false);
}

/*
 * An allow-list device and a peers_any device on the same (port, VNI):
 * the listed peer goes to its device, every other source to the any
 * device. Made in either order.
 */
static void gwlbtun_demux_any_and_list(struct kunit *test, bool list_first)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct gwlbtun_params *q = gwlbtun_rx_params(test, 901, 900);
	struct net_device *list, *any;

	gwlbtun_rx_peers_test(p);
	q->peers_any = true;
	if (list_first) {
		list = gwlbtun_rx_dev_with(test, p);
		any = gwlbtun_rx_dev_with(test, q);
	} else {
		any = gwlbtun_rx_dev_with(test, q);
		list = gwlbtun_rx_dev_with(test, p);
	}

	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000005), list, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a4(0x0a000005), list, true);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a6(5), list, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a6(5), list, true);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000006), any, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a4(0x0a000006), any, true);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a6(6), any, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a6(6), any, true);
}

static void gwlbtun_demux_any_and_list_list_first(struct kunit *test)
{
	gwlbtun_demux_any_and_list(test, true);
}

static void gwlbtun_demux_any_and_list_any_first(struct kunit *test)
{
	gwlbtun_demux_any_and_list(test, false);
}

/*
 * @dev is refused @p with -EEXIST and a message containing @msg, and
 * keeps the configuration it had.
 */
static void gwlbtun_rx_expect_refused(struct kunit *test,
				      struct net_device *dev,
				      const struct gwlbtun_params *p,
				      int want, const char *msg)
{
	struct gwlbtun_config *before = gwlbtun_rx_cfg(dev);
	struct netlink_ext_ack extack = {};
	int err;

	err = gwlbtun_rx_set(dev, p, &extack);
	KUNIT_EXPECT_EQ(test, err, want);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	if (extack._msg)
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(extack._msg, msg),
					  "message: %s", extack._msg);
	KUNIT_EXPECT_PTR_EQ(test, gwlbtun_rx_cfg(dev), before);
}

/* Two devices cannot both take one (port, VNI, peer), nor both any. */
static void gwlbtun_demux_conflict(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct gwlbtun_params *q = gwlbtun_rx_params(test, 911, 910);
	struct net_device *a, *b;

	gwlbtun_rx_peers_test(p);
	a = gwlbtun_rx_dev_with(test, p);
	gwlbtun_rx_peer(q, gwlbtun_rx_a4(0x0a000008));
	b = gwlbtun_rx_dev_with(test, q);

	/* B wants A's tunnels with a new peer and one of A's. */
	q = gwlbtun_rx_params(test, 901, 900);
	gwlbtun_rx_peer(q, gwlbtun_rx_a4(0x0a000007));
	gwlbtun_rx_peer(q, gwlbtun_rx_a6(5));
	gwlbtun_rx_expect_refused(test, b, q, -EEXIST,
				  "already accepts this peer");
	/* Only the Internal tunnel in common. */
	q = gwlbtun_rx_params(test, 931, 900);
	gwlbtun_rx_peer(q, gwlbtun_rx_a4(0x0a000005));
	gwlbtun_rx_expect_refused(test, b, q, -EEXIST,
				  "already accepts this peer");

	/* Nothing changed: B's new peers are nowhere, its old ones are. */
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000007), a, false);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a6(5), a, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a4(0x0a000005), a, true);
	gwlbtun_rx_expect_ext(test, 931, gwlbtun_rx_a4(0x0a000005), NULL,
			      false);
	gwlbtun_rx_expect_ext(test, 911, gwlbtun_rx_a4(0x0a000008), b, true);
	gwlbtun_rx_expect_int(test, 910, gwlbtun_rx_a4(0x0a000008), b, true);

	/* Two peers_any devices on one (port, VNI). */
	p = gwlbtun_rx_params(test, 901, 900);
	p->peers_any = true;
	gwlbtun_rx_configure(test, a, p);
	q = gwlbtun_rx_params(test, 901, 900);
	q->peers_any = true;
	gwlbtun_rx_expect_refused(test, b, q, -EEXIST,
				  "already accepts any peer");
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000009), a, true);
	gwlbtun_rx_expect_ext(test, 911, gwlbtun_rx_a4(0x0a000008), b, true);

	/* The same device may keep its own peers when replaced. */
	p = gwlbtun_rx_params(test, 901, 900);
	gwlbtun_rx_peers_test(p);
	gwlbtun_rx_configure(test, a, p);
	gwlbtun_rx_configure(test, a, p);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000005), a, true);
}

/* Set A then B: B's entries only. */
static void gwlbtun_config_replace(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct gwlbtun_config *first;
	struct net_device *a;

	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000005));
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000006));
	gwlbtun_rx_peer(p, gwlbtun_rx_a6(5));
	a = gwlbtun_rx_dev_with(test, p);
	first = gwlbtun_rx_cfg(a);

	p = gwlbtun_rx_params(test, 901, 900);
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000006));
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000007));
	gwlbtun_rx_peer(p, gwlbtun_rx_a6(7));
	gwlbtun_rx_configure(test, a, p);
	KUNIT_EXPECT_PTR_NE(test, gwlbtun_rx_cfg(a), first);
	KUNIT_EXPECT_EQ(test, gwlbtun_rx_cfg(a)->n_peers, 3U);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000005), a, false);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a4(0x0a000005), a, false);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a6(5), a, false);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000006), a, true);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000007), a, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a6(7), a, true);

	/* A new External VNI: the old one is gone. */
	p->tun[GWLBTUN_EXT].vni = 902;
	gwlbtun_rx_configure(test, a, p);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000006), NULL,
			      false);
	gwlbtun_rx_expect_ext(test, 902, gwlbtun_rx_a4(0x0a000006), a, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a4(0x0a000006), a, true);

	/* From the list to any source, and back to no tunnels at all. */
	p->peers_any = true;
	p->n_peers = 0;
	gwlbtun_rx_configure(test, a, p);
	gwlbtun_rx_expect_ext(test, 902, gwlbtun_rx_a4(0x0a000005), a, true);
	p = gwlbtun_rx_params(test, 0, 0);
	p->tun[GWLBTUN_EXT].port = 0;
	p->tun[GWLBTUN_INT].port = 0;
	gwlbtun_rx_configure(test, a, p);
	gwlbtun_rx_expect_ext(test, 902, gwlbtun_rx_a4(0x0a000005), NULL,
			      false);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a4(0x0a000005), NULL,
			      false);
}

/*
 * gwlbtun's socket on (@port, @family) and how many there are; RTNL.
 * NULL: none.
 */
static struct gwlbtun_sock *gwlbtun_rx_sock(u16 port, int family,
					    unsigned int *n)
{
	struct gwlbtun_sock *gs, *found = NULL;

	*n = 0;
	list_for_each_entry(gs, &gwlbtun_rx_gn()->socks, list) {
		if (gs->port == port && gs->family == family) {
			found = gs;
			(*n)++;
		}
	}
	return found;
}

/* The socket on (@port, @family) is @want with @refs users (0: none). */
static void gwlbtun_rx_expect_sock(struct kunit *test, u16 port, int family,
				   struct gwlbtun_sock *want,
				   unsigned int refs)
{
	struct gwlbtun_sock *gs;
	unsigned int n, got_refs = 0;

	rtnl_lock();
	gs = gwlbtun_rx_sock(port, family, &n);
	if (gs)
		got_refs = gs->refs;
	rtnl_unlock();
	KUNIT_EXPECT_EQ_MSG(test, n, refs ? 1U : 0U, "port %u family %d",
			    port, family);
	KUNIT_EXPECT_EQ_MSG(test, got_refs, refs, "port %u family %d", port,
			    family);
	if (want)
		KUNIT_EXPECT_PTR_EQ_MSG(test, gs, want, "port %u family %d",
					port, family);
}

static struct gwlbtun_sock *gwlbtun_rx_cfg_sock(struct net_device *dev,
						enum gwlbtun_dir dir, bool v6)
{
	struct gwlbtun_config *cfg;
	struct gwlbtun_sock *gs;

	rtnl_lock();
	cfg = rtnl_dereference(gwlbtun_rx_gd(dev)->cfg);
	gs = cfg ? cfg->socks[dir][v6] : NULL;
	rtnl_unlock();
	return gs;
}

/*
 * One socket per (port, family), shared by the devices on it: a
 * replacement that keeps a port keeps its socket, and the last user of a
 * port closes it.
 */
static void gwlbtun_config_socks(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct gwlbtun_params *q = gwlbtun_rx_params(test, 911, 910);
	struct gwlbtun_sock *ext4, *ext6, *int4, *int6, *gs;
	struct net_device *a, *b;

	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET, NULL, 0);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_INT, AF_INET, NULL, 0);

	gwlbtun_rx_peers_test(p);
	a = gwlbtun_rx_dev_with(test, p);
	ext4 = gwlbtun_rx_cfg_sock(a, GWLBTUN_EXT, false);
	ext6 = gwlbtun_rx_cfg_sock(a, GWLBTUN_EXT, true);
	int4 = gwlbtun_rx_cfg_sock(a, GWLBTUN_INT, false);
	int6 = gwlbtun_rx_cfg_sock(a, GWLBTUN_INT, true);
	KUNIT_ASSERT_NOT_NULL(test, ext4);
	KUNIT_ASSERT_NOT_NULL(test, ext6);
	KUNIT_ASSERT_NOT_NULL(test, int4);
	KUNIT_ASSERT_NOT_NULL(test, int6);
	KUNIT_EXPECT_PTR_NE(test, ext4, int4);
	KUNIT_EXPECT_PTR_NE(test, ext4, ext6);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET, ext4, 1);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET6, ext6, 1);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_INT, AF_INET, int4, 1);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_INT, AF_INET6, int6, 1);
	/* The socket hands its packets to gwlbtun. */
	rcu_read_lock();
	gs = rcu_dereference_sk_user_data(ext4->sock->sk);
	rcu_read_unlock();
	KUNIT_EXPECT_PTR_EQ(test, gs, ext4);
	KUNIT_EXPECT_EQ(test, ext4->port, GWLBTUN_RX_PORT_EXT);

	/* A second device on the same ports shares them. */
	gwlbtun_rx_peers_test(q);
	b = gwlbtun_rx_dev_with(test, q);
	KUNIT_EXPECT_PTR_EQ(test, gwlbtun_rx_cfg_sock(b, GWLBTUN_EXT, false),
			    ext4);
	KUNIT_EXPECT_PTR_EQ(test, gwlbtun_rx_cfg_sock(b, GWLBTUN_INT, true),
			    int6);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET, ext4, 2);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_INT, AF_INET6, int6, 2);

	/* A keeps its External port and moves the Internal one. */
	p->tun[GWLBTUN_INT].port = GWLBTUN_RX_PORT_OTHER;
	gwlbtun_rx_configure(test, a, p);
	KUNIT_EXPECT_PTR_EQ(test, gwlbtun_rx_cfg_sock(a, GWLBTUN_EXT, false),
			    ext4);
	KUNIT_EXPECT_PTR_EQ(test, gwlbtun_rx_cfg_sock(a, GWLBTUN_EXT, true),
			    ext6);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET, ext4, 2);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET6, ext6, 2);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_INT, AF_INET, int4, 1);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_INT, AF_INET6, int6, 1);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_OTHER, AF_INET, NULL, 1);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_OTHER, AF_INET6, NULL, 1);

	/* B, the Internal port's last user, goes to other ports. */
	q->tun[GWLBTUN_INT].port = GWLBTUN_RX_PORT_OTHER;
	gwlbtun_rx_configure(test, b, q);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_INT, AF_INET, NULL, 0);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_INT, AF_INET6, NULL, 0);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_OTHER, AF_INET, NULL, 2);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET, ext4, 2);

	/* Unconfigured, B holds no socket; A's remain. */
	q = gwlbtun_rx_params(test, 0, 0);
	q->tun[GWLBTUN_EXT].port = 0;
	q->tun[GWLBTUN_INT].port = 0;
	gwlbtun_rx_configure(test, b, q);
	KUNIT_EXPECT_NULL(test, gwlbtun_rx_cfg_sock(b, GWLBTUN_EXT, false));
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET, ext4, 1);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_OTHER, AF_INET6, NULL, 1);

	/* And the last one closes them all. */
	gwlbtun_rx_configure(test, a, q);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET, NULL, 0);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET6, NULL, 0);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_OTHER, AF_INET, NULL, 0);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_OTHER, AF_INET6, NULL, 0);
}

/* The configuration, its sockets and their users, as they were. */
static void gwlbtun_rx_expect_unchanged(struct kunit *test,
					struct net_device *a,
					struct gwlbtun_config *cfg,
					struct gwlbtun_sock *ext4,
					struct gwlbtun_sock *int6)
{
	KUNIT_EXPECT_PTR_EQ(test, gwlbtun_rx_cfg(a), cfg);
	KUNIT_EXPECT_PTR_EQ(test, gwlbtun_rx_cfg_sock(a, GWLBTUN_EXT, false),
			    ext4);
	KUNIT_EXPECT_PTR_EQ(test, gwlbtun_rx_cfg_sock(a, GWLBTUN_INT, true),
			    int6);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET, ext4, 1);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_INT, AF_INET6, int6, 1);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_OTHER, AF_INET, NULL, 0);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_TAKEN, AF_INET, NULL, 0);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_TAKEN, AF_INET6, NULL, 0);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000005), a, true);
	gwlbtun_rx_expect_int(test, 900, gwlbtun_rx_a6(5), a, true);
	/* No peer of a refused configuration is accepted. */
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000008), a, false);
	gwlbtun_rx_expect_ext(test, 901, gwlbtun_rx_a4(0x0a000007), a, false);
}

/*
 * A failed set changes nothing: the previous configuration stays
 * published, with its sockets and their counts, whether the new one was
 * invalid, conflicting, or could not have its socket.
 */
static void gwlbtun_config_failed_set(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct gwlbtun_params *q = gwlbtun_rx_params(test, 911, 910);
	struct udp_port_cfg ucfg = {
		.family = AF_INET,
		.local_udp_port = htons(GWLBTUN_RX_PORT_TAKEN),
	};
	struct gwlbtun_sock *ext4, *int6;
	struct gwlbtun_config *cfg;
	struct net_device *a, *b;
	struct socket *taken;
	int err;

	gwlbtun_rx_peers_test(p);
	a = gwlbtun_rx_dev_with(test, p);
	q->tun[GWLBTUN_EXT].port = 10831;
	q->tun[GWLBTUN_INT].port = 10830;
	gwlbtun_rx_peer(q, gwlbtun_rx_a4(0x0a000008));
	b = gwlbtun_rx_dev_with(test, q);
	/* B's peer, A's VNIs: B is on other ports, so no conflict. */
	q = gwlbtun_rx_params(test, 901, 900);
	q->tun[GWLBTUN_EXT].port = 10831;
	q->tun[GWLBTUN_INT].port = 10830;
	gwlbtun_rx_peer(q, gwlbtun_rx_a4(0x0a000008));
	gwlbtun_rx_configure(test, b, q);

	cfg = gwlbtun_rx_cfg(a);
	ext4 = gwlbtun_rx_cfg_sock(a, GWLBTUN_EXT, false);
	int6 = gwlbtun_rx_cfg_sock(a, GWLBTUN_INT, true);
	KUNIT_ASSERT_NOT_NULL(test, ext4);
	KUNIT_ASSERT_NOT_NULL(test, int6);

	/* Invalid: a multicast peer (with a new port, not taken). */
	p = gwlbtun_rx_params(test, 901, 900);
	p->tun[GWLBTUN_INT].port = GWLBTUN_RX_PORT_OTHER;
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000007));
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0xe0000001));
	gwlbtun_rx_expect_refused(test, a, p, -EINVAL, "not a unicast");
	gwlbtun_rx_expect_unchanged(test, a, cfg, ext4, int6);

	/* Invalid: the same port for both tunnels. */
	p = gwlbtun_rx_params(test, 901, 900);
	p->tun[GWLBTUN_INT].port = GWLBTUN_RX_PORT_EXT;
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000007));
	gwlbtun_rx_expect_refused(test, a, p, -EINVAL, "different UDP ports");
	gwlbtun_rx_expect_unchanged(test, a, cfg, ext4, int6);

	/* Conflicting: A moves to B's ports with B's peer. */
	p = gwlbtun_rx_params(test, 901, 900);
	p->tun[GWLBTUN_EXT].port = 10831;
	p->tun[GWLBTUN_INT].port = 10830;
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000007));
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000008));
	gwlbtun_rx_expect_refused(test, a, p, -EEXIST, "already accepts");
	gwlbtun_rx_expect_unchanged(test, a, cfg, ext4, int6);
	gwlbtun_rx_expect_demux(test, 10831, 901, gwlbtun_rx_a4(0x0a000008),
				b, GWLBTUN_EXT, true);
	gwlbtun_rx_expect_demux(test, 10831, 901, gwlbtun_rx_a4(0x0a000007),
				b, GWLBTUN_EXT, false);

	/*
	 * A port held by another socket: the External port's sockets are
	 * taken (shared, one more user each) before the Internal one fails,
	 * and must be given back.
	 */
	err = udp_sock_create(&init_net, &ucfg, &taken);
	KUNIT_ASSERT_EQ(test, err, 0);
	p = gwlbtun_rx_params(test, 901, 900);
	p->tun[GWLBTUN_INT].port = GWLBTUN_RX_PORT_TAKEN;
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000007));
	gwlbtun_rx_expect_refused(test, a, p, -EADDRINUSE, "already in use");
	gwlbtun_rx_expect_unchanged(test, a, cfg, ext4, int6);
	udp_tunnel_sock_release(taken);

	/* And the configuration still works as before. */
	p = gwlbtun_rx_params(test, 901, 900);
	p->tun[GWLBTUN_INT].port = GWLBTUN_RX_PORT_TAKEN;
	gwlbtun_rx_peer(p, gwlbtun_rx_a4(0x0a000007));
	gwlbtun_rx_configure(test, a, p);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_INT, AF_INET6, NULL, 0);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_TAKEN, AF_INET, NULL, 1);
	gwlbtun_rx_expect_sock(test, GWLBTUN_RX_PORT_EXT, AF_INET, ext4, 1);
}

/*
 * A replaced configuration is freed after a grace period and gives back
 * the placeholders it cached; one an skb holds stays valid, still naming
 * the device and the context, until the skb goes.
 */
static void gwlbtun_config_retired(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);
	struct gwlbtun_reply r, want;
	const struct gwlbtun_reply *got;
	struct dst_entry *dst, *now;
	struct gwlbtun_config *cfg;
	struct net_device *a;
	struct sk_buff *skb;

	gwlbtun_rx_peers_test(p);
	a = gwlbtun_rx_dev_with(test, p);
	skb = gwlbtun_test_alloc(test, GWLBTUN_TEST_INNER_LEN);
	gwlbtun_test_put_inner(skb_put(skb, GWLBTUN_TEST_INNER_LEN));
	skb->dev = a;
	gwlbtun_test_reply(&r, false, GWLBTUN_EXT, 64);
	want = r;

	rcu_read_lock();
	cfg = rcu_dereference(gwlbtun_rx_gd(a)->cfg);
	dst = gwlbtun_reply_dst(cfg, &r);
	if (dst) {
		skb_dst_set_noref(skb, dst);
		skb_dst_force(skb);
	}
	rcu_read_unlock();
	KUNIT_ASSERT_NOT_NULL(test, dst);
	KUNIT_ASSERT_PTR_EQ(test, skb_dst(skb), dst);
	/* The cache's reference and the skb's. */
	KUNIT_EXPECT_EQ(test, atomic_read(&dst->__refcnt), 2);

	gwlbtun_rx_configure(test, a, p);
	KUNIT_EXPECT_PTR_NE(test, gwlbtun_rx_cfg(a), cfg);
	gwlbtun_rx_settle();
	/* The old configuration is gone, and its cache's reference. */
	KUNIT_EXPECT_EQ(test, atomic_read(&dst->__refcnt), 1);
	KUNIT_EXPECT_PTR_EQ(test, dst->dev, a);

	rcu_read_lock();
	got = gwlbtun_reply_of(skb);
	KUNIT_EXPECT_NOT_NULL(test, got);
	if (got)
		KUNIT_EXPECT_EQ(test, memcmp(got, &want, sizeof(want)), 0);
	now = gwlbtun_reply_dst(rcu_dereference(gwlbtun_rx_gd(a)->cfg), &r);
	KUNIT_EXPECT_NOT_NULL(test, now);
	KUNIT_EXPECT_PTR_NE(test, now, dst);
	rcu_read_unlock();

	/* The last reference goes with the skb; read inside a grace period. */
	rcu_read_lock();
	gwlbtun_test_untrack(test, skb);
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, atomic_read(&dst->__refcnt), 0);
	rcu_read_unlock();
}

/* Counters before a packet, of the device and of the netns. */
struct gwlbtun_rx_snap {
	struct gwlbtun_stats dev;
	struct gwlbtun_stats net;
};

static void gwlbtun_rx_snap(struct net_device *dev, struct gwlbtun_rx_snap *s)
{
	gwlbtun_stats_fold(gwlbtun_rx_gd(dev)->stats, &s->dev);
	gwlbtun_stats_fold(gwlbtun_rx_gn()->unmatched, &s->net);
}

/* What a packet should have moved. */
struct gwlbtun_rx_want {
	enum gwlbtun_drop drop;		/* GWLBTUN_DROP_NONE: none */
	bool unmatched;			/* counted in the netns, not @dev */
	int rx_dir;			/* -1: not received */
	unsigned int rx_len;
	int tx_dir;			/* -1: not sent */
	unsigned int tx_len;
};

static void gwlbtun_rx_expect_delta(struct kunit *test, const char *who,
				    const struct gwlbtun_stats *b,
				    const struct gwlbtun_stats *n,
				    const struct gwlbtun_rx_want *w, bool mine)
{
	int d, r;

	for (r = 0; r < __GWLBTUN_DROP_MAX; r++) {
		u64 want = mine && w->drop && r == w->drop ? 1 : 0;

		KUNIT_EXPECT_EQ_MSG(test, n->drops[r] - b->drops[r], want,
				    "%s drops[%d]", who, r);
	}
	for (d = 0; d < GWLBTUN_NDIRS; d++) {
		bool rx = mine && w->rx_dir == d, tx = mine && w->tx_dir == d;

		KUNIT_EXPECT_EQ_MSG(test, n->rx_packets[d] - b->rx_packets[d],
				    (u64)rx, "%s rx_packets[%d]", who, d);
		KUNIT_EXPECT_EQ_MSG(test, n->rx_bytes[d] - b->rx_bytes[d],
				    (u64)(rx ? w->rx_len : 0),
				    "%s rx_bytes[%d]", who, d);
		KUNIT_EXPECT_EQ_MSG(test, n->tx_packets[d] - b->tx_packets[d],
				    (u64)tx, "%s tx_packets[%d]", who, d);
		KUNIT_EXPECT_EQ_MSG(test, n->tx_bytes[d] - b->tx_bytes[d],
				    (u64)(tx ? w->tx_len : 0),
				    "%s tx_bytes[%d]", who, d);
	}
}

static void gwlbtun_rx_expect(struct kunit *test, struct net_device *dev,
			      const struct gwlbtun_rx_snap *before,
			      const struct gwlbtun_rx_want *w)
{
	struct gwlbtun_rx_snap now;

	gwlbtun_rx_snap(dev, &now);
	gwlbtun_rx_expect_delta(test, "device", &before->dev, &now.dev, w,
				!w->unmatched);
	gwlbtun_rx_expect_delta(test, "netns", &before->net, &now.net, w,
				w->unmatched);
}

/* The tunnel socket of @dev's @dir for the outer family. */
static struct sock *gwlbtun_rx_sk(struct kunit *test, struct net_device *dev,
				  enum gwlbtun_dir dir, bool v6)
{
	struct gwlbtun_sock *gs = gwlbtun_rx_cfg_sock(dev, dir, v6);

	KUNIT_ASSERT_NOT_NULL(test, gs);
	return gs->sock->sk;
}

/*
 * Hand @skb to the socket of @dev's @dir as the UDP stack does, and check
 * the counters moved by @w. A packet sent on is the stack's; otherwise
 * the test keeps a reference of its own and checks that the data path
 * released exactly one.
 */
static void gwlbtun_rx_recv(struct kunit *test, struct net_device *dev,
			    enum gwlbtun_dir dir, struct sk_buff *skb,
			    const struct gwlbtun_rx_want *w)
{
	struct sock *sk = gwlbtun_rx_sk(test, dev, dir,
					skb->protocol == htons(ETH_P_IPV6));
	struct gwlbtun_rx_snap before;
	bool sent = w->tx_dir >= 0;
	int ret;

	gwlbtun_rx_snap(dev, &before);
	if (sent)
		gwlbtun_test_untrack(test, skb);
	else
		skb_get(skb);
	local_bh_disable();
	rcu_read_lock();
	ret = gwlbtun_udp_encap_recv(sk, skb);
	rcu_read_unlock();
	local_bh_enable();
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (!sent)
		KUNIT_EXPECT_EQ(test, refcount_read(&skb->users), 1U);
	gwlbtun_rx_expect(test, dev, &before, w);
}

/* A packet from the GWLB; an IPv6 one with a UDP checksum. */
static struct sk_buff *gwlbtun_rx_pkt(struct kunit *test, bool v6)
{
	struct sk_buff *skb;

	skb = gwlbtun_test_rx(test, v6 ? &gwlbtun_test_v6 : &gwlbtun_test_v4);
	if (v6)
		udp_hdr(skb)->check = (__force __sum16)htons(0x1234);
	return skb;
}

/* The same with its own inner frame. */
static struct sk_buff *gwlbtun_rx_pkt_frame(struct kunit *test,
					    const void *frame,
					    unsigned int len)
{
	return gwlbtun_test_rx_frame(test, &gwlbtun_test_v4, frame, len);
}

/* The test's device: 901/900 on the test's ports, peers 10.0.0.5, fd00::5. */
static struct gwlbtun_params *gwlbtun_rx_base(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_params(test, 901, 900);

	gwlbtun_rx_peers_test(p);
	return p;
}

static struct net_device *gwlbtun_rx_base_dev(struct kunit *test)
{
	return gwlbtun_rx_dev_with(test, gwlbtun_rx_base(test));
}

/* Dropped before any device: counted in the netns. */
static const struct gwlbtun_rx_want gwlbtun_rx_malformed = {
	.drop = GWLBTUN_DROP_MALFORMED, .unmatched = true,
	.rx_dir = -1, .tx_dir = -1,
};

static const struct gwlbtun_rx_want gwlbtun_rx_unknown = {
	.drop = GWLBTUN_DROP_UNKNOWN_VNI, .unmatched = true,
	.rx_dir = -1, .tx_dir = -1,
};

/* Dropped by @dev before it counted it received. */
static struct gwlbtun_rx_want gwlbtun_rx_refused(enum gwlbtun_drop why)
{
	struct gwlbtun_rx_want w = { .drop = why, .rx_dir = -1, .tx_dir = -1 };

	return w;
}

/* Received on @dir with an inner frame of @len bytes, then dropped. */
static struct gwlbtun_rx_want gwlbtun_rx_dropped(enum gwlbtun_drop why,
						 enum gwlbtun_dir dir,
						 unsigned int len)
{
	struct gwlbtun_rx_want w = {
		.drop = why, .rx_dir = dir, .rx_len = len, .tx_dir = -1,
	};

	return w;
}

/* The VXLAN I flag clear, and packets too short for the headers. */
static void gwlbtun_rx_malformed_cases(struct kunit *test)
{
	struct gwlbtun_test_outer o = gwlbtun_test_v4;
	struct net_device *a = gwlbtun_rx_base_dev(test);
	u8 frame[ETH_HLEN] = {};
	struct sk_buff *skb;

	o.vx_flags = 0;
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_test_rx(test, &o),
			&gwlbtun_rx_malformed);
	/* Only the reserved bits: still no I flag. */
	o.vx_flags = ~VXLAN_HF_VNI;
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_test_rx(test, &o),
			&gwlbtun_rx_malformed);
	/* Part of an Ethernet header, none, half a VXLAN header. */
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT,
			gwlbtun_rx_pkt_frame(test, frame, ETH_HLEN - 1),
			&gwlbtun_rx_malformed);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT,
			gwlbtun_rx_pkt_frame(test, frame, 0),
			&gwlbtun_rx_malformed);
	skb = gwlbtun_rx_pkt_frame(test, frame, 0);
	skb_trim(skb, sizeof(struct udphdr) + 4);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, skb, &gwlbtun_rx_malformed);
}

/* No tunnel with this VNI on this port: the netns counts it. */
static void gwlbtun_rx_unknown_vni(struct kunit *test)
{
	struct gwlbtun_test_outer o = gwlbtun_test_v4;
	struct net_device *a = gwlbtun_rx_base_dev(test);

	o.vx_vni = cpu_to_be32(999 << 8);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_test_rx(test, &o),
			&gwlbtun_rx_unknown);
	/* The External VNI on the Internal port. */
	gwlbtun_rx_recv(test, a, GWLBTUN_INT, gwlbtun_rx_pkt(test, false),
			&gwlbtun_rx_unknown);
	o = gwlbtun_test_v6;
	o.vx_vni = cpu_to_be32(999 << 8);
	gwlbtun_rx_recv(test, a, GWLBTUN_INT, gwlbtun_test_rx(test, &o),
			&gwlbtun_rx_unknown);
}

/* A source not on the list: the device counts it, nothing received. */
static void gwlbtun_rx_peer_not_allowed(struct kunit *test)
{
	struct gwlbtun_rx_want w = gwlbtun_rx_refused(GWLBTUN_DROP_PEER_NOT_ALLOWED);
	struct net_device *a = gwlbtun_rx_base_dev(test);
	struct sk_buff *skb;

	skb = gwlbtun_rx_pkt(test, false);
	ip_hdr(skb)->saddr = htonl(0x0a000006);
	ip_send_check(ip_hdr(skb));
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, skb, &w);

	skb = gwlbtun_rx_pkt(test, true);
	ipv6_hdr(skb)->saddr.s6_addr[15] = 6;
	gwlbtun_rx_recv(test, a, GWLBTUN_INT, skb, &w);
}

static void gwlbtun_rx_device_down(struct kunit *test)
{
	struct gwlbtun_rx_want w = gwlbtun_rx_refused(GWLBTUN_DROP_DEVICE_DOWN);
	struct net_device *a = gwlbtun_rx_base_dev(test);

	rtnl_lock();
	dev_close(a);
	rtnl_unlock();
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_rx_pkt(test, false), &w);
	gwlbtun_rx_recv(test, a, GWLBTUN_INT, gwlbtun_rx_pkt(test, true), &w);
}

/* Received, then refused: not addressed to this host alone. */
static void gwlbtun_rx_not_unicast(struct kunit *test)
{
	struct gwlbtun_rx_want w;
	struct net_device *a = gwlbtun_rx_base_dev(test);
	struct sk_buff *skb;

	w = gwlbtun_rx_dropped(GWLBTUN_DROP_NOT_UNICAST, GWLBTUN_EXT,
			       GWLBTUN_TEST_INNER_LEN);
	skb = gwlbtun_rx_pkt(test, false);
	skb->pkt_type = PACKET_MULTICAST;
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, skb, &w);
	skb = gwlbtun_rx_pkt(test, false);
	skb->pkt_type = PACKET_BROADCAST;
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, skb, &w);
	/* To a group address, whatever pkt_type says. */
	skb = gwlbtun_rx_pkt(test, false);
	ip_hdr(skb)->daddr = htonl(0xe0000001);
	ip_send_check(ip_hdr(skb));
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, skb, &w);

	w.rx_dir = GWLBTUN_INT;
	skb = gwlbtun_rx_pkt(test, true);
	skb->pkt_type = PACKET_MULTICAST;
	gwlbtun_rx_recv(test, a, GWLBTUN_INT, skb, &w);
}

/* Hooks off, nothing filtered: the packet reaches transmit. */
static struct gwlbtun_rx_want gwlbtun_rx_no_route(enum gwlbtun_dir dir,
						  unsigned int len)
{
	return gwlbtun_rx_dropped(GWLBTUN_DROP_NO_ROUTE, dir, len);
}

/* RFC 6936: an IPv6 zero UDP checksum only when allowed. */
static void gwlbtun_rx_zero_csum(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_base(test);
	struct gwlbtun_rx_want w;
	struct net_device *a;
	struct sk_buff *skb;

	p->nf_hooks = false;
	a = gwlbtun_rx_dev_with(test, p);
	w = gwlbtun_rx_dropped(GWLBTUN_DROP_ZERO_CSUM, GWLBTUN_INT,
			       GWLBTUN_TEST_INNER_LEN);
	skb = gwlbtun_rx_pkt(test, true);
	udp_hdr(skb)->check = 0;
	gwlbtun_rx_recv(test, a, GWLBTUN_INT, skb, &w);
	/* IPv4 may always leave it out. */
	skb = gwlbtun_rx_pkt(test, false);
	KUNIT_ASSERT_TRUE(test, !udp_hdr(skb)->check);
	w = gwlbtun_rx_no_route(GWLBTUN_EXT, GWLBTUN_TEST_INNER_LEN);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, skb, &w);

	p->udp6_zero_csum_rx = true;
	gwlbtun_rx_configure(test, a, p);
	skb = gwlbtun_rx_pkt(test, true);
	udp_hdr(skb)->check = 0;
	w = gwlbtun_rx_no_route(GWLBTUN_INT, GWLBTUN_TEST_INNER_LEN);
	gwlbtun_rx_recv(test, a, GWLBTUN_INT, skb, &w);
}

/* A TTL or hop limit of 1 or 0: a reflection loop dies here. */
static void gwlbtun_rx_ttl(struct kunit *test)
{
	struct net_device *a = gwlbtun_rx_base_dev(test);
	struct gwlbtun_rx_want w;
	struct sk_buff *skb;
	int ttl;

	for (ttl = 0; ttl <= 1; ttl++) {
		w = gwlbtun_rx_dropped(GWLBTUN_DROP_TTL, GWLBTUN_EXT,
				       GWLBTUN_TEST_INNER_LEN);
		skb = gwlbtun_rx_pkt(test, false);
		ip_hdr(skb)->ttl = ttl;
		ip_send_check(ip_hdr(skb));
		gwlbtun_rx_recv(test, a, GWLBTUN_EXT, skb, &w);

		w.rx_dir = GWLBTUN_INT;
		skb = gwlbtun_rx_pkt(test, true);
		ipv6_hdr(skb)->hop_limit = ttl;
		gwlbtun_rx_recv(test, a, GWLBTUN_INT, skb, &w);
	}
}

/*
 * RFC 6040: an outer CE around a not-ECT inner packet is dropped; around
 * an ECT one it marks the inner packet CE, which goes on.
 */
static void gwlbtun_rx_ecn(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_base(test);
	struct gwlbtun_rx_want w;
	struct net_device *a;
	struct sk_buff *skb;
	struct iphdr *inner;

	p->nf_hooks = false;
	a = gwlbtun_rx_dev_with(test, p);

	w = gwlbtun_rx_dropped(GWLBTUN_DROP_ECN, GWLBTUN_EXT,
			       GWLBTUN_TEST_INNER_LEN);
	skb = gwlbtun_rx_pkt(test, false);
	ip_hdr(skb)->tos |= INET_ECN_CE;
	ip_send_check(ip_hdr(skb));
	inner = (struct iphdr *)(skb->data + GWLBTUN_UDP_VXLAN_LEN + ETH_HLEN);
	KUNIT_ASSERT_EQ(test, inner->tos & INET_ECN_MASK, INET_ECN_NOT_ECT);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, skb, &w);

	w.rx_dir = GWLBTUN_INT;
	skb = gwlbtun_rx_pkt(test, true);
	ipv6_change_dsfield(ipv6_hdr(skb), 0, INET_ECN_CE);
	gwlbtun_rx_recv(test, a, GWLBTUN_INT, skb, &w);

	/* ECT(0) inside: marked CE, and on to transmit. */
	skb = gwlbtun_rx_pkt(test, false);
	ip_hdr(skb)->tos |= INET_ECN_CE;
	ip_send_check(ip_hdr(skb));
	inner = (struct iphdr *)(skb->data + GWLBTUN_UDP_VXLAN_LEN + ETH_HLEN);
	inner->tos = INET_ECN_ECT_0;
	ip_send_check(inner);
	w = gwlbtun_rx_no_route(GWLBTUN_EXT, GWLBTUN_TEST_INNER_LEN);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, skb, &w);
	/* The test's reference keeps the bytes. */
	KUNIT_EXPECT_EQ(test, inner->tos & INET_ECN_MASK, INET_ECN_CE);
	KUNIT_EXPECT_TRUE(test, !ip_fast_csum(inner, inner->ihl));
}

/* An 802.1Q-tagged IPv4 frame, @len bytes. */
static u8 *gwlbtun_rx_vlan_frame(struct kunit *test, unsigned int *len)
{
	unsigned int n = ETH_HLEN + VLAN_HLEN +
			 GWLBTUN_TEST_IP4_LEN(GWLBTUN_TEST_PAYLOAD);
	u8 *f = kunit_kzalloc(test, n, GFP_KERNEL);
	struct vlan_hdr *vh;

	KUNIT_ASSERT_NOT_NULL(test, f);
	gwlbtun_test_put_eth(f, ETH_P_8021Q);
	vh = (struct vlan_hdr *)(f + ETH_HLEN);
	vh->h_vlan_TCI = htons(100);
	vh->h_vlan_encapsulated_proto = htons(ETH_P_IP);
	gwlbtun_test_put_ip4(vh + 1, GWLBTUN_TEST_PAYLOAD);
	*len = n;
	return f;
}

/* A frame of an Ethertype nobody handles, 60 bytes. */
static u8 *gwlbtun_rx_exp_frame(struct kunit *test, unsigned int *len)
{
	u8 *f = kunit_kzalloc(test, ETH_ZLEN, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	gwlbtun_test_put_eth(f, GWLBTUN_RX_ETH_P_EXP);
	for (i = ETH_HLEN; i < ETH_ZLEN; i++)
		f[i] = i;
	*len = ETH_ZLEN;
	return f;
}

/* With the hooks on, what netfilter cannot see is dropped. */
static void gwlbtun_rx_unfiltered(struct kunit *test)
{
	struct net_device *a = gwlbtun_rx_base_dev(test);
	struct gwlbtun_rx_want w;
	unsigned int len;
	u8 *f;

	f = gwlbtun_rx_vlan_frame(test, &len);
	w = gwlbtun_rx_dropped(GWLBTUN_DROP_UNFILTERED, GWLBTUN_EXT, len);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_rx_pkt_frame(test, f, len),
			&w);
	/* non_ip drop, the default. */
	f = gwlbtun_rx_exp_frame(test, &len);
	w = gwlbtun_rx_dropped(GWLBTUN_DROP_UNFILTERED, GWLBTUN_EXT, len);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_rx_pkt_frame(test, f, len),
			&w);
}

/*
 * non_ip reflect: a non-IP frame goes straight to transmit, a tagged one
 * still does not (the tag could hide IP from the hooks).
 */
static void gwlbtun_rx_non_ip_reflect(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_base(test);
	struct gwlbtun_rx_want w;
	struct net_device *a;
	unsigned int len;
	u8 *f;

	p->non_ip = GWLBTUN_NON_IP_REFLECT;
	a = gwlbtun_rx_dev_with(test, p);
	f = gwlbtun_rx_exp_frame(test, &len);
	w = gwlbtun_rx_no_route(GWLBTUN_EXT, len);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_rx_pkt_frame(test, f, len),
			&w);
	f = gwlbtun_rx_vlan_frame(test, &len);
	w = gwlbtun_rx_dropped(GWLBTUN_DROP_UNFILTERED, GWLBTUN_EXT, len);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_rx_pkt_frame(test, f, len),
			&w);
}

/* A normal packet, hooks off then on, each family: to transmit. */
static void gwlbtun_rx_normal(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_base(test);
	struct gwlbtun_rx_want w;
	struct net_device *a;
	unsigned int len;
	u8 *f;

	p->nf_hooks = false;
	a = gwlbtun_rx_dev_with(test, p);
	w = gwlbtun_rx_no_route(GWLBTUN_EXT, GWLBTUN_TEST_INNER_LEN);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_rx_pkt(test, false), &w);
	w = gwlbtun_rx_no_route(GWLBTUN_INT, GWLBTUN_TEST_INNER_LEN);
	gwlbtun_rx_recv(test, a, GWLBTUN_INT, gwlbtun_rx_pkt(test, true), &w);
	/* With the hooks off even a tagged frame is reflected. */
	f = gwlbtun_rx_vlan_frame(test, &len);
	w = gwlbtun_rx_no_route(GWLBTUN_EXT, len);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_rx_pkt_frame(test, f, len),
			&w);

	/* Hooks on: through netfilter, which accepts, to transmit. */
	p->nf_hooks = true;
	gwlbtun_rx_configure(test, a, p);
	w = gwlbtun_rx_no_route(GWLBTUN_EXT, GWLBTUN_TEST_INNER_LEN);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_rx_pkt(test, false), &w);
	w = gwlbtun_rx_no_route(GWLBTUN_INT, GWLBTUN_TEST_INNER_LEN);
	gwlbtun_rx_recv(test, a, GWLBTUN_INT, gwlbtun_rx_pkt(test, true), &w);
}

/*
 * The GWLB reachable through a stand-in underlay (another gwlbtun device,
 * up with 10.0.0.9/8, which counts what it is given to send as
 * tx_dropped): reflected on the Internal tunnel, hooks off and on.
 */
static void gwlbtun_rx_reflected(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_rx_base(test);
	struct sockaddr_in *sin;
	struct rtnl_link_stats64 st;
	struct gwlbtun_rx_want w = {
		.rx_dir = GWLBTUN_EXT, .rx_len = GWLBTUN_TEST_INNER_LEN,
		.tx_dir = GWLBTUN_INT, .tx_len = GWLBTUN_TEST_INNER_LEN,
	};
	struct net_device *a, *ul;
	struct ifreq ifr = {};

	p->nf_hooks = false;
	a = gwlbtun_rx_dev_with(test, p);
	ul = gwlbtun_rx_dev(test, "gwlbru%d");
	strscpy(ifr.ifr_name, ul->name, IFNAMSIZ);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x0a000009);
	KUNIT_ASSERT_EQ(test, devinet_ioctl(&init_net, SIOCSIFADDR, &ifr), 0);

	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_rx_pkt(test, false), &w);
	p->nf_hooks = true;
	gwlbtun_rx_configure(test, a, p);
	gwlbtun_rx_recv(test, a, GWLBTUN_EXT, gwlbtun_rx_pkt(test, false), &w);
	dev_get_stats(ul, &st);
	KUNIT_EXPECT_EQ(test, st.tx_dropped, 2ULL);
}

static struct kunit_case gwlbtun_rx_cases[] = {
	KUNIT_CASE(gwlbtun_demux_exact),
	KUNIT_CASE(gwlbtun_demux_family),
	KUNIT_CASE(gwlbtun_demux_two_devices),
	KUNIT_CASE(gwlbtun_demux_not_allowed),
	KUNIT_CASE(gwlbtun_demux_any),
	KUNIT_CASE(gwlbtun_demux_unknown),
	KUNIT_CASE(gwlbtun_demux_any_and_list_list_first),
	KUNIT_CASE(gwlbtun_demux_any_and_list_any_first),
	KUNIT_CASE(gwlbtun_demux_conflict),
	KUNIT_CASE(gwlbtun_config_replace),
	KUNIT_CASE(gwlbtun_config_socks),
	KUNIT_CASE(gwlbtun_config_failed_set),
	KUNIT_CASE(gwlbtun_config_retired),
	KUNIT_CASE(gwlbtun_rx_malformed_cases),
	KUNIT_CASE(gwlbtun_rx_unknown_vni),
	KUNIT_CASE(gwlbtun_rx_peer_not_allowed),
	KUNIT_CASE(gwlbtun_rx_device_down),
	KUNIT_CASE(gwlbtun_rx_not_unicast),
	KUNIT_CASE(gwlbtun_rx_zero_csum),
	KUNIT_CASE(gwlbtun_rx_ttl),
	KUNIT_CASE(gwlbtun_rx_ecn),
	KUNIT_CASE(gwlbtun_rx_unfiltered),
	KUNIT_CASE(gwlbtun_rx_non_ip_reflect),
	KUNIT_CASE(gwlbtun_rx_normal),
	KUNIT_CASE(gwlbtun_rx_reflected),
	{}
};

static struct kunit_suite gwlbtun_rx_suite = {
	.name = "gwlbtun_receive",
	.test_cases = gwlbtun_rx_cases,
};

kunit_test_suites(&gwlbtun_rx_suite);
