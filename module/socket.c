// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: kernel UDP tunnel sockets, one per (netns, port, family), shared
 * by every device that uses the port and released when the last
 * configuration using it goes away. RTNL protects the list and the counts.
 */
#include <linux/slab.h>
#include <net/ipv6.h>
#include <net/udp_tunnel.h>

#include "gwlbtun.h"

static int gwlbtun_sock_open(struct net *net, struct gwlbtun_sock *gs)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.sk_user_data = gs,
		.encap_type = 1,
		.encap_rcv = gwlbtun_udp_encap_recv,
	};
	struct udp_port_cfg ucfg = {
		.family = gs->family,
		.local_udp_port = htons(gs->port),
	};
	int err;

	if (gs->family == AF_INET6) {
		ucfg.local_ip6 = in6addr_any;
		ucfg.ipv6_v6only = 1;
	} else {
		ucfg.local_ip.s_addr = htonl(INADDR_ANY);
	}
	gwlbtun_gro_setup(&tcfg);
	err = udp_sock_create(net, &ucfg, &gs->sock);
	if (err)
		return err;
	setup_udp_tunnel_sock(net, gs->sock, &tcfg);
	return 0;
}

/*
 * Returns the shared socket, a new reference, NULL when the family is not
 * available in this kernel (IPv6 disabled at boot), or an ERR_PTR.
 */
struct gwlbtun_sock *gwlbtun_sock_get(struct net *net, u16 port, int family,
				      struct netlink_ext_ack *extack)
{
	struct gwlbtun_net *gn = gwlbtun_pernet(net);
	struct gwlbtun_sock *gs;
	int err;

	ASSERT_RTNL();
	if (family == AF_INET6 && !ipv6_mod_enabled())
		return NULL;
	list_for_each_entry(gs, &gn->socks, list) {
		if (gs->port == port && gs->family == family) {
			gs->refs++;
			return gs;
		}
	}

	gs = kzalloc(sizeof(*gs), GFP_KERNEL);
	if (!gs)
		return ERR_PTR(-ENOMEM);
	gs->gn = gn;
	gs->port = port;
	gs->family = family;
	gs->refs = 1;
	err = gwlbtun_sock_open(net, gs);
	if (err) {
		kfree(gs);
		if (err == -EADDRINUSE)
			NL_SET_ERR_MSG(extack,
				       "UDP port is already in use by another socket");
		else
			NL_SET_ERR_MSG(extack, "cannot open the UDP tunnel socket");
		return ERR_PTR(err);
	}
	/* The early_rx hook walks the list under RCU. */
	list_add_rcu(&gs->list, &gn->socks);
	err = gwlbtun_early_sync(net, gn, extack);
	if (err) {
		list_del_rcu(&gs->list);
		udp_tunnel_sock_release(gs->sock);
		kfree(gs);
		return ERR_PTR(err);
	}
	return gs;
}

void gwlbtun_sock_put(struct gwlbtun_sock *gs)
{
	struct net *net;

	ASSERT_RTNL();
	if (!gs || --gs->refs)
		return;
	net = sock_net(gs->sock->sk);
	/* The early_rx hook walks the list under RCU: out of it, and the
	 * hook gone with the last IPv4 socket, before the socket is closed.
	 */
	list_del_rcu(&gs->list);
	gwlbtun_early_sync(net, gs->gn, NULL);
	/* Unhooks the receive path and waits for readers (the early_rx
	 * hook's too: it runs under RCU) before closing.
	 */
	udp_tunnel_sock_release(gs->sock);
	kfree(gs);
}
