// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: module parameters, for the simple case of one device created at
 * load time in the initial network namespace:
 *
 *	modprobe gwlbtun ifname=gwlb0 peers=192.168.0.5
 *
 * Invalid values fail the load with a log line naming the parameter; a
 * device is only left behind when everything succeeded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inet.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "gwlbtun.h"

static char *ifname = "";
module_param(ifname, charp, 0444);
MODULE_PARM_DESC(ifname,
		 "create this gwlbtun device in the initial netns at load, up and configured from the parameters below (default: none)");

static uint external_vni = 901;
module_param(external_vni, uint, 0444);
MODULE_PARM_DESC(external_vni, "VNI of the External tunnel, 0-16777215 (default 901)");

static ushort external_port = 10801;
module_param(external_port, ushort, 0444);
MODULE_PARM_DESC(external_port, "UDP port of the External tunnel (default 10801)");

static uint internal_vni = 900;
module_param(internal_vni, uint, 0444);
MODULE_PARM_DESC(internal_vni, "VNI of the Internal tunnel, 0-16777215 (default 900)");

static ushort internal_port = 10800;
module_param(internal_port, ushort, 0444);
MODULE_PARM_DESC(internal_port, "UDP port of the Internal tunnel (default 10800)");

static char *peers = "";
module_param(peers, charp, 0444);
MODULE_PARM_DESC(peers,
		 "GWLB addresses to accept and reflect to: comma-separated IPv4/IPv6 addresses, or 'any' (default: none, nothing is reflected)");

/*
 * Parse "a,b,c" (IPv4 or IPv6 addresses), "any" or "" into @p. On error
 * *@bad and *@bad_len name the offending token.
 */
int gwlbtun_parse_peers(const char *s, struct gwlbtun_params *p,
			const char **bad, size_t *bad_len)
{
	p->n_peers = 0;
	p->peers_any = false;
	if (!strcmp(s, "any")) {
		p->peers_any = true;
		return 0;
	}
	while (*s) {
		size_t len = strcspn(s, ",");
		struct gwlbtun_addr *a;
		const char *end;

		*bad = s;
		*bad_len = len;
		if (p->n_peers == GWLBTUN_PEERS_MAX)
			return -E2BIG;
		a = &p->peers[p->n_peers];
		/* The whole token must be the address: no "/24", no "%eth0". */
		if (len && in4_pton(s, len, (u8 *)&a->ip4, -1, &end) &&
		    end == s + len) {
			a->family = AF_INET;
		} else if (len && in6_pton(s, len, a->ip6.s6_addr, -1, &end) &&
			   end == s + len) {
			a->family = AF_INET6;
		} else {
			return -EINVAL;
		}
		p->n_peers++;
		s += len;
		if (*s == ',' && !*++s) {
			*bad = s;
			*bad_len = 0;
			return -EINVAL;
		}
	}
	return 0;
}

static int gwlbtun_modparams_build(struct gwlbtun_params *p)
{
	struct netlink_ext_ack extack = {};
	const char *bad = peers;
	size_t bad_len = 0;
	int err;

	gwlbtun_params_init(p);
	p->tun[GWLBTUN_EXT].vni = external_vni;
	p->tun[GWLBTUN_EXT].port = external_port;
	p->tun[GWLBTUN_INT].vni = internal_vni;
	p->tun[GWLBTUN_INT].port = internal_port;
	if (!external_port || !internal_port) {
		pr_err("external_port and internal_port must not be 0\n");
		return -EINVAL;
	}
	err = gwlbtun_parse_peers(peers, p, &bad, &bad_len);
	if (err == -E2BIG) {
		pr_err("peers: more than %d addresses\n", GWLBTUN_PEERS_MAX);
		return err;
	}
	if (err) {
		pr_err("peers: '%.*s' is not an IPv4 or IPv6 address\n",
		       (int)bad_len, bad);
		return err;
	}
	err = gwlbtun_params_validate(p, &extack);
	if (err)
		pr_err("invalid parameters: %s\n", extack._msg);
	return err;
}

/* Validates the parameters whether or not a device is asked for. */
int __init gwlbtun_modparams_create(void)
{
	struct gwlbtun_params *p;
	struct net_device *dev;
	int err;

	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	err = gwlbtun_modparams_build(p);
	if (err || !*ifname)
		goto out;
	if (strlen(ifname) >= IFNAMSIZ || !dev_valid_name(ifname)) {
		pr_err("ifname: '%s' is not a valid interface name\n", ifname);
		err = -EINVAL;
		goto out;
	}

	rtnl_lock();
	dev = gwlbtun_create(&init_net, ifname, NULL);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		pr_err("ifname: cannot create %s: error %d\n", ifname, err);
		goto unlock;
	}
	err = gwlbtun_config_set(netdev_priv(dev), p, NULL);
	if (err) {
		pr_err("%s: cannot apply the parameters: error %d (is a UDP port in use?)\n",
		       ifname, err);
		unregister_netdevice(dev);
		goto unlock;
	}
	err = dev_open(dev, NULL);
	if (err) {
		pr_err("%s: cannot bring the device up: error %d\n", ifname, err);
		unregister_netdevice(dev);
		goto unlock;
	}
	pr_info("%s: external vni %u port %u, internal vni %u port %u, peers '%s'\n",
		ifname, external_vni, external_port, internal_vni,
		internal_port, peers);
unlock:
	rtnl_unlock();
out:
	kfree(p);
	return err;
}
