// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: configurations and the demux tables.
 *
 * A configuration is built whole, checked against every other device of
 * the netns, given its sockets, and only then published; the one it
 * replaces is unpublished and freed after a grace period. Each demux entry
 * points at its own configuration, so a packet is handled entirely by the
 * one it matched. Writers hold RTNL; the data path reads under RCU.
 */
#include <linux/jhash.h>
#include <linux/hash.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "gwlbtun.h"

void gwlbtun_params_init(struct gwlbtun_params *p)
{
	memset(p, 0, sizeof(*p));
	p->udp_csum = true;
	p->nf_hooks = true;
}

static bool gwlbtun_addr_unicast(const struct gwlbtun_addr *a)
{
	if (a->family == AF_INET)
		return !ipv4_is_zeronet(a->ip4) && !ipv4_is_multicast(a->ip4) &&
		       !ipv4_is_lbcast(a->ip4);
	return !ipv6_addr_any(&a->ip6) && !ipv6_addr_is_multicast(&a->ip6);
}

/* Everything a configuration must satisfy on its own. */
int gwlbtun_params_validate(const struct gwlbtun_params *p,
			    struct netlink_ext_ack *extack)
{
	unsigned int i, j;
	int d;

	if (!p->tun[GWLBTUN_EXT].port != !p->tun[GWLBTUN_INT].port) {
		NL_SET_ERR_MSG(extack,
			       "the External and the Internal tunnel must both be set");
		return -EINVAL;
	}
	for (d = 0; d < GWLBTUN_NDIRS; d++) {
		if (p->tun[d].vni > GWLBTUN_VNI_MAX) {
			NL_SET_ERR_MSG(extack, "VNI is above 16777215");
			return -ERANGE;
		}
	}
	if (gwlbtun_params_configured(p) &&
	    p->tun[GWLBTUN_EXT].port == p->tun[GWLBTUN_INT].port) {
		NL_SET_ERR_MSG(extack,
			       "the External and the Internal tunnel need different UDP ports");
		return -EINVAL;
	}
	if (p->n_peers > GWLBTUN_PEERS_MAX) {
		NL_SET_ERR_MSG(extack, "too many peers (at most 64)");
		return -E2BIG;
	}
	for (i = 0; i < p->n_peers; i++) {
		if (!gwlbtun_addr_unicast(&p->peers[i])) {
			NL_SET_ERR_MSG(extack, "peer is not a unicast address");
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (gwlbtun_addr_equal(&p->peers[i], &p->peers[j])) {
				NL_SET_ERR_MSG(extack, "peer is listed twice");
				return -EINVAL;
			}
		}
	}
	if ((p->mark[GWLBTUN_EXT] | p->mark[GWLBTUN_INT]) & ~p->mark_mask) {
		NL_SET_ERR_MSG(extack, "a direction mark has bits outside the mark mask");
		return -EINVAL;
	}
	return 0;
}

static u32 gwlbtun_hash(u16 port, u32 vni, const struct gwlbtun_addr *a)
{
	u32 h = jhash_2words(port, vni, 0);

	if (a && a->family == AF_INET)
		h = jhash_1word((__force u32)a->ip4, h);
	else if (a)
		h = jhash2((const u32 *)&a->ip6, 4, h);
	return hash_32(h, GWLBTUN_HASH_BITS);
}

const struct gwlbtun_demux *gwlbtun_demux_lookup(struct gwlbtun_net *gn,
						 u16 port, u32 vni,
						 const struct gwlbtun_addr *src,
						 bool *accepted)
{
	const struct gwlbtun_demux *d, *tunnel = NULL;

	hlist_for_each_entry_rcu(d, &gn->peer_hash[gwlbtun_hash(port, vni, src)],
				 node) {
		if (d->port == port && d->vni == vni &&
		    gwlbtun_addr_equal(d->peer, src)) {
			*accepted = true;
			return d;
		}
	}
	/* Every configured tunnel is here too: any-source devices, and the
	 * device to charge when the source is not allowed.
	 */
	hlist_for_each_entry_rcu(d, &gn->any_hash[gwlbtun_hash(port, vni, NULL)],
				 node) {
		if (d->port != port || d->vni != vni)
			continue;
		if (d->cfg->p.peers_any) {
			*accepted = true;
			return d;
		}
		if (!tunnel)
			tunnel = d;
	}
	*accepted = false;
	return tunnel;
}

/* The allow-listed peer with address @addr, or NULL. */
const struct gwlbtun_peer *
gwlbtun_config_peer(const struct gwlbtun_config *cfg,
		    const struct gwlbtun_addr *addr)
{
	unsigned int i;

	for (i = 0; i < cfg->n_peers; i++) {
		if (gwlbtun_addr_equal(&cfg->peers[i].addr, addr))
			return &cfg->peers[i];
	}
	return NULL;
}

static void gwlbtun_config_free(struct gwlbtun_config *cfg)
{
	unsigned int i;
	int d;

	gwlbtun_reply_release_all(cfg);
	for (i = 0; i < cfg->n_peers; i++) {
		for (d = 0; d < GWLBTUN_NDIRS; d++)
			dst_cache_destroy(&cfg->peers[i].dst_cache[d]);
	}
	kfree(cfg);
}

static void gwlbtun_config_free_work(struct work_struct *work)
{
	gwlbtun_config_free(container_of(to_rcu_work(work),
					 struct gwlbtun_config, free_work));
}

static struct gwlbtun_config *gwlbtun_config_build(struct gwlbtun_dev *gd,
						   const struct gwlbtun_params *p)
{
	struct gwlbtun_config *cfg;
	unsigned int i;
	int d;

	cfg = kzalloc(struct_size(cfg, peers, p->n_peers), GFP_KERNEL);
	if (!cfg)
		return NULL;
	cfg->gd = gd;
	cfg->p = *p;
	INIT_RCU_WORK(&cfg->free_work, gwlbtun_config_free_work);
	for (i = 0; i < p->n_peers; i++) {
		struct gwlbtun_peer *peer = &cfg->peers[i];

		if (dst_cache_init(&peer->dst_cache[GWLBTUN_EXT], GFP_KERNEL))
			goto err;
		if (dst_cache_init(&peer->dst_cache[GWLBTUN_INT], GFP_KERNEL)) {
			dst_cache_destroy(&peer->dst_cache[GWLBTUN_EXT]);
			goto err;
		}
		cfg->n_peers++;
		peer->addr = p->peers[i];
		for (d = 0; d < GWLBTUN_NDIRS; d++) {
			peer->demux[d].cfg = cfg;
			peer->demux[d].port = p->tun[d].port;
			peer->demux[d].vni = p->tun[d].vni;
			peer->demux[d].dir = d;
			peer->demux[d].peer = &peer->addr;
		}
	}
	for (d = 0; d < GWLBTUN_NDIRS; d++) {
		cfg->any[d].cfg = cfg;
		cfg->any[d].port = p->tun[d].port;
		cfg->any[d].vni = p->tun[d].vni;
		cfg->any[d].dir = d;
	}
	return cfg;

err:
	gwlbtun_config_free(cfg);
	return NULL;
}

/* Does another device already take packets this configuration would? */
static int gwlbtun_config_conflicts(struct gwlbtun_net *gn,
				    const struct gwlbtun_config *cfg,
				    struct netlink_ext_ack *extack)
{
	const struct gwlbtun_demux *d, *o;
	struct hlist_head *bucket;
	unsigned int i;
	int dir;

	for (dir = 0; dir < GWLBTUN_NDIRS; dir++) {
		for (i = 0; i < cfg->n_peers; i++) {
			d = &cfg->peers[i].demux[dir];
			bucket = &gn->peer_hash[gwlbtun_hash(d->port, d->vni,
							     d->peer)];
			hlist_for_each_entry(o, bucket, node) {
				if (o->cfg->gd != cfg->gd && o->port == d->port &&
				    o->vni == d->vni &&
				    gwlbtun_addr_equal(o->peer, d->peer)) {
					NL_SET_ERR_MSG(extack,
						       "another gwlbtun device already accepts this peer on the same port and VNI");
					return -EEXIST;
				}
			}
		}
		if (!cfg->p.peers_any)
			continue;
		d = &cfg->any[dir];
		bucket = &gn->any_hash[gwlbtun_hash(d->port, d->vni, NULL)];
		hlist_for_each_entry(o, bucket, node) {
			if (o->cfg->gd != cfg->gd && o->port == d->port &&
			    o->vni == d->vni && o->cfg->p.peers_any) {
				NL_SET_ERR_MSG(extack,
					       "another gwlbtun device already accepts any peer on the same port and VNI");
				return -EEXIST;
			}
		}
	}
	return 0;
}

static void gwlbtun_config_put_socks(struct gwlbtun_config *cfg)
{
	int d, f;

	for (d = 0; d < GWLBTUN_NDIRS; d++) {
		for (f = 0; f < 2; f++) {
			gwlbtun_sock_put(cfg->socks[d][f]);
			cfg->socks[d][f] = NULL;
		}
	}
}

static int gwlbtun_config_get_socks(struct net *net, struct gwlbtun_config *cfg,
				    struct netlink_ext_ack *extack)
{
	static const int families[2] = { AF_INET, AF_INET6 };
	struct gwlbtun_sock *gs;
	int d, f;

	for (d = 0; d < GWLBTUN_NDIRS; d++) {
		for (f = 0; f < 2; f++) {
			gs = gwlbtun_sock_get(net, cfg->p.tun[d].port,
					      families[f], extack);
			if (IS_ERR(gs)) {
				gwlbtun_config_put_socks(cfg);
				return PTR_ERR(gs);
			}
			cfg->socks[d][f] = gs;
		}
	}
	return 0;
}

static void gwlbtun_config_hash(struct gwlbtun_net *gn,
				struct gwlbtun_config *cfg)
{
	struct gwlbtun_demux *d;
	unsigned int i;
	int dir;

	if (!gwlbtun_params_configured(&cfg->p))
		return;
	for (dir = 0; dir < GWLBTUN_NDIRS; dir++) {
		for (i = 0; i < cfg->n_peers; i++) {
			d = &cfg->peers[i].demux[dir];
			hlist_add_head_rcu(&d->node,
					   &gn->peer_hash[gwlbtun_hash(d->port, d->vni, d->peer)]);
		}
		d = &cfg->any[dir];
		hlist_add_head_rcu(&d->node,
				   &gn->any_hash[gwlbtun_hash(d->port, d->vni, NULL)]);
	}
}

static void gwlbtun_config_unhash(struct gwlbtun_config *cfg)
{
	unsigned int i;
	int dir;

	if (!gwlbtun_params_configured(&cfg->p))
		return;
	for (dir = 0; dir < GWLBTUN_NDIRS; dir++) {
		for (i = 0; i < cfg->n_peers; i++)
			hlist_del_rcu(&cfg->peers[i].demux[dir].node);
		hlist_del_rcu(&cfg->any[dir].node);
	}
}

static void gwlbtun_config_retire(struct gwlbtun_config *cfg)
{
	gwlbtun_config_unhash(cfg);
	gwlbtun_config_put_socks(cfg);
	queue_rcu_work(gwlbtun_wq, &cfg->free_work);
}

/*
 * Replace @gd's configuration with @p, or change nothing and say why.
 * The new sockets are taken before the old ones are put, so a port both
 * configurations use keeps its socket.
 */
int gwlbtun_config_set(struct gwlbtun_dev *gd, const struct gwlbtun_params *p,
		       struct netlink_ext_ack *extack)
{
	struct net *net = dev_net(gd->dev);
	struct gwlbtun_net *gn = gwlbtun_pernet(net);
	struct gwlbtun_config *cfg, *old;
	int err;

	ASSERT_RTNL();
	err = gwlbtun_params_validate(p, extack);
	if (err)
		return err;
	cfg = gwlbtun_config_build(gd, p);
	if (!cfg) {
		NL_SET_ERR_MSG(extack, "out of memory");
		return -ENOMEM;
	}
	if (gwlbtun_params_configured(p)) {
		err = gwlbtun_config_conflicts(gn, cfg, extack);
		if (!err)
			err = gwlbtun_config_get_socks(net, cfg, extack);
		if (err) {
			gwlbtun_config_free(cfg);
			return err;
		}
	}

	old = rtnl_dereference(gd->cfg);
	gwlbtun_config_hash(gn, cfg);
	rcu_assign_pointer(gd->cfg, cfg);
	if (old)
		gwlbtun_config_retire(old);
	return 0;
}

/* A new device: unconfigured, reflecting nothing. */
int gwlbtun_config_init(struct gwlbtun_dev *gd)
{
	struct gwlbtun_params *p;
	int err;

	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	gwlbtun_params_init(p);
	err = gwlbtun_config_set(gd, p, NULL);
	kfree(p);
	return err;
}

void gwlbtun_config_clear(struct gwlbtun_dev *gd)
{
	struct gwlbtun_config *old = rtnl_dereference(gd->cfg);

	RCU_INIT_POINTER(gd->cfg, NULL);
	if (old)
		gwlbtun_config_retire(old);
}
