/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gwlbtun: internal declarations shared by the module's files.
 */
#ifndef _GWLBTUN_H
#define _GWLBTUN_H

#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <linux/in6.h>
#include <net/dst_cache.h>
#include <net/vxlan.h>
#include <linux/udp.h>
#include <net/netns/generic.h>
#include <net/route.h>
#include <linux/gwlbtun.h>

#define GWLBTUN_VERSION		"0.1.0"

/* Outer bytes in front of the inner Ethernet frame, without the IP header. */
#define GWLBTUN_UDP_VXLAN_LEN	(sizeof(struct udphdr) + sizeof(struct vxlanhdr))

enum gwlbtun_dir {
	GWLBTUN_EXT,
	GWLBTUN_INT,
	GWLBTUN_NDIRS,
};

/* The tunnel a packet arriving on @dir leaves on. */
static inline enum gwlbtun_dir gwlbtun_other(enum gwlbtun_dir dir)
{
	return dir == GWLBTUN_EXT ? GWLBTUN_INT : GWLBTUN_EXT;
}

struct gwlbtun_addr {
	u8 family;		/* AF_INET or AF_INET6 */
	union {
		__be32 ip4;
		struct in6_addr ip6;
	};
};

bool gwlbtun_addr_equal(const struct gwlbtun_addr *a,
			const struct gwlbtun_addr *b);

struct gwlbtun_tunnel {
	u32 vni;
	u16 port;
};

/* What a user configures: a plain value, copied, edited and validated. */
struct gwlbtun_params {
	struct gwlbtun_tunnel tun[GWLBTUN_NDIRS];	/* port 0: not set */
	bool peers_any;
	bool udp_csum;
	bool nf_hooks;
	bool udp6_zero_csum_rx;		/* accept outer IPv6 UDP checksum 0 */
	bool drain;			/* for the probe; not the data path */
	u8 non_ip;			/* enum gwlbtun_non_ip */
	u8 ttl;
	u32 mark[GWLBTUN_NDIRS];
	u32 mark_mask;
	unsigned int n_peers;
	struct gwlbtun_addr peers[GWLBTUN_PEERS_MAX];
};

void gwlbtun_params_init(struct gwlbtun_params *p);

static inline bool gwlbtun_params_configured(const struct gwlbtun_params *p)
{
	return p->tun[GWLBTUN_EXT].port && p->tun[GWLBTUN_INT].port;
}

int gwlbtun_params_validate(const struct gwlbtun_params *p,
			    struct netlink_ext_ack *extack);
int gwlbtun_parse_peers(const char *s, struct gwlbtun_params *p,
			const char **bad, size_t *bad_len);

struct gwlbtun_config;

/*
 * A demux entry: (port, VNI, GWLB address) -> the configuration that
 * accepts it. The any-source entries live in a table keyed on (port, VNI).
 */
struct gwlbtun_demux {
	struct hlist_node node;
	struct gwlbtun_config *cfg;
	u16 port;
	u32 vni;
	u8 dir;
	const struct gwlbtun_addr *peer;	/* NULL: any source */
};

struct gwlbtun_peer {
	struct gwlbtun_addr addr;
	/* Route back to this GWLB, per tunnel left on: the two directions
	 * may carry different marks, and a mark may steer the route.
	 */
	struct dst_cache dst_cache[GWLBTUN_NDIRS];
	struct gwlbtun_demux demux[GWLBTUN_NDIRS];
};

/*
 * What the reply needs and only the receive side knows: where the packet
 * came from and was sent to, the tunnel it leaves on, and the TTL it
 * arrived with. Always zero-filled before use: it is compared and hashed
 * as bytes.
 */
struct gwlbtun_reply {
	struct gwlbtun_addr gwlb;	/* outer destination: the sender */
	struct gwlbtun_addr local;	/* outer source: the address it was sent to */
	u8 dir;				/* the tunnel it leaves on */
	u8 ttl_in;			/* received TTL / hop limit, >= 2 */
	u8 in_dir;			/* the tunnel it arrived on */
	u8 pad;
	/*
	 * The inner Ethernet header, with the hooks on: NFQUEUE segments
	 * GSO packets from the network header, so segments have none.
	 */
	u8 eth[ETH_HLEN];
	u8 pad2[2];
};

/* Slots of a configuration's reply-context cache (see reply.c). */
#define GWLBTUN_RDST_SLOTS	256

struct gwlbtun_rdst;

/* A kernel UDP socket on one port and family, shared by every device. */
struct gwlbtun_sock {
	struct list_head list;		/* in gwlbtun_net.socks, RTNL */
	struct socket *sock;
	struct gwlbtun_net *gn;
	unsigned int refs;		/* configurations using it, RTNL */
	u16 port;
	u8 family;
};

/*
 * A published configuration. Immutable once visible to the data path;
 * replaced as a whole and freed after an RCU grace period, so a packet sees
 * one configuration from demux to reflection.
 */
struct gwlbtun_config {
	struct gwlbtun_dev *gd;
	struct gwlbtun_params p;
	struct gwlbtun_sock *socks[GWLBTUN_NDIRS][2];	/* [dir][v4, v6] */
	struct gwlbtun_demux any[GWLBTUN_NDIRS];
	struct gwlbtun_rdst __rcu *rdst[GWLBTUN_RDST_SLOTS];
	struct rcu_work free_work;
	unsigned int n_peers;
	struct gwlbtun_peer peers[];
};

struct gwlbtun_pcpu_stats {
	u64_stats_t rx_packets[GWLBTUN_NDIRS];
	u64_stats_t rx_bytes[GWLBTUN_NDIRS];
	u64_stats_t tx_packets[GWLBTUN_NDIRS];
	u64_stats_t tx_bytes[GWLBTUN_NDIRS];
	u64_stats_t drops[__GWLBTUN_DROP_MAX];
	struct u64_stats_sync syncp;
};

struct gwlbtun_stats {
	u64 rx_packets[GWLBTUN_NDIRS];
	u64 rx_bytes[GWLBTUN_NDIRS];
	u64 tx_packets[GWLBTUN_NDIRS];
	u64 tx_bytes[GWLBTUN_NDIRS];
	u64 drops[__GWLBTUN_DROP_MAX];
};

struct gwlbtun_dev {
	struct net_device *dev;
	struct gwlbtun_config __rcu *cfg;	/* NULL: not configured */
	struct gwlbtun_pcpu_stats __percpu *stats;
	struct list_head list;			/* in gwlbtun_net.devices */
};

/* Per network namespace state; all writers hold RTNL. */
#define GWLBTUN_HASH_BITS 8
struct gwlbtun_net {
	struct hlist_head peer_hash[1 << GWLBTUN_HASH_BITS];
	struct hlist_head any_hash[1 << GWLBTUN_HASH_BITS];
	struct list_head socks;
	struct list_head devices;
	/* Packets that reached a gwlbtun port but matched no device. */
	struct gwlbtun_pcpu_stats __percpu *unmatched;
	/* Bumped when a device comes, goes or is reconfigured: see dumps. */
	unsigned int gen;
	bool early_hooked;	/* early_rx's PRE_ROUTING hook is in, RTNL */
};

/* RTNL held. A dump's cb->seq is gen + 1, which must never be 0. */
static inline void gwlbtun_net_changed(struct gwlbtun_net *gn)
{
	if (++gn->gen == UINT_MAX)
		gn->gen = 0;
}

extern unsigned int gwlbtun_net_id;
extern struct rtnl_link_ops gwlbtun_link_ops;
extern struct workqueue_struct *gwlbtun_wq;

static inline struct gwlbtun_net *gwlbtun_pernet(const struct net *net)
{
	return net_generic(net, gwlbtun_net_id);
}

/* counters.c */
struct gwlbtun_pcpu_stats __percpu *gwlbtun_stats_alloc(void);
void gwlbtun_count_drop(struct gwlbtun_pcpu_stats __percpu *stats,
			enum gwlbtun_drop reason);
void gwlbtun_count(struct gwlbtun_pcpu_stats __percpu *stats, bool tx,
		   enum gwlbtun_dir dir, unsigned int len);
void gwlbtun_stats_fold(struct gwlbtun_pcpu_stats __percpu *pcpu,
			struct gwlbtun_stats *sum);
void gwlbtun_drop(struct gwlbtun_pcpu_stats __percpu *stats,
		  struct sk_buff *skb, enum gwlbtun_drop reason);

/* hdr.c: header work on real skbs, no device state */
int gwlbtun_vxlan_parse(struct sk_buff *skb, u32 *vni);
void gwlbtun_outer_source(const struct sk_buff *skb, struct gwlbtun_addr *a);
void gwlbtun_outer_reply(const struct sk_buff *skb, enum gwlbtun_dir in,
			 struct gwlbtun_reply *r);
bool gwlbtun_outer_unicast(const struct sk_buff *skb);
u8 gwlbtun_outer_dsfield(const struct sk_buff *skb);
u32 gwlbtun_inner_flow_hash(const struct sk_buff *skb, u32 seed);
u8 gwlbtun_inner_dsfield(const struct sk_buff *skb);
int gwlbtun_inner_ecn_decap(struct sk_buff *skb, u8 outer_ds);
void gwlbtun_decap(struct sk_buff *skb, struct net_device *dev);
int gwlbtun_inner_validate(struct sk_buff *skb);
int gwlbtun_inner_reassembled(struct sk_buff *skb);
bool gwlbtun_inner_tagged(const struct sk_buff *skb);

/* reply.c: the reply context carried by the skb through the hooks */
int gwlbtun_reply_init(void);
void gwlbtun_reply_exit(void);
struct dst_entry *gwlbtun_reply_dst(struct gwlbtun_config *cfg,
				    const struct gwlbtun_reply *r);
int gwlbtun_reply_attach(struct gwlbtun_config *cfg, struct sk_buff *skb,
			 const struct gwlbtun_reply *r);
bool gwlbtun_reply_recover(struct gwlbtun_config *cfg, struct sk_buff *skb);
const struct gwlbtun_reply *gwlbtun_reply_of(const struct sk_buff *skb);
void gwlbtun_reply_release_all(struct gwlbtun_config *cfg);

/* early.c */
int gwlbtun_early_sync(struct net *net, struct gwlbtun_net *gn,
		       struct netlink_ext_ack *extack);

/* socket.c */
struct gwlbtun_sock *gwlbtun_sock_get(struct net *net, u16 port, int family,
				      struct netlink_ext_ack *extack);
void gwlbtun_sock_put(struct gwlbtun_sock *gs);

/* config.c */
int gwlbtun_config_set(struct gwlbtun_dev *gd, const struct gwlbtun_params *p,
		       struct netlink_ext_ack *extack);
void gwlbtun_config_clear(struct gwlbtun_dev *gd);
const struct gwlbtun_demux *gwlbtun_demux_lookup(struct gwlbtun_net *gn,
						 u16 port, u32 vni,
						 const struct gwlbtun_addr *src,
						 bool *accepted);
int gwlbtun_config_init(struct gwlbtun_dev *gd);
const struct gwlbtun_peer *
gwlbtun_config_peer(const struct gwlbtun_config *cfg,
		    const struct gwlbtun_addr *addr);

/* receive.c */
int gwlbtun_udp_encap_recv(struct sock *sk, struct sk_buff *skb);

/* gro.c */
struct udp_tunnel_sock_cfg;
void gwlbtun_gro_setup(struct udp_tunnel_sock_cfg *cfg);

/* netfilter.c */
void gwlbtun_nf_run(struct gwlbtun_config *cfg, struct sk_buff *skb,
		    const struct gwlbtun_reply *r);

/* send.c */
void gwlbtun_xmit(struct sk_buff *skb, const struct gwlbtun_config *cfg,
		  const struct gwlbtun_reply *r);
void gwlbtun_xmit_filtered(struct sk_buff *skb);

/* device.c */
struct net_device *gwlbtun_create(struct net *net, const char *name,
				  struct netlink_ext_ack *extack);
bool gwlbtun_is_dev(const struct net_device *dev);
extern const struct ethtool_ops gwlbtun_ethtool_ops;

/* netlink.c */
extern const struct nla_policy gwlbtun_policy[GWLBTUN_A_MAX + 1];
int gwlbtun_nl_parse(struct nlattr **attrs, struct gwlbtun_params *p,
		     struct netlink_ext_ack *extack);
int gwlbtun_nl_put_config(struct sk_buff *msg, struct net_device *dev,
			  const struct gwlbtun_params *p);
int gwlbtun_genl_init(void);
void gwlbtun_genl_exit(void);
void gwlbtun_genl_notify(struct gwlbtun_dev *gd);

/* params.c */
int gwlbtun_modparams_create(void);

#endif /* _GWLBTUN_H */
