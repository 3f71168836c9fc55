// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: the reply context, carried by the skb through the netfilter
 * hooks.
 *
 * Between receive and reflect an inner packet may wait in an NFQUEUE,
 * be segmented (a consumer without F_GSO), be reassembled, be NATed or
 * have its head reallocated. The one thing of ours that all of these carry
 * along, reference counted, is the skb's dst: every copy, clone, segment
 * and fragment the kernel makes gets it. So the context travels as a
 * placeholder dst of our own type, recognised at transmit by its ops and
 * by its device, and holding nothing but a struct gwlbtun_reply written
 * here. Transmit reads no other byte from the receive side, and checks
 * the GWLB against the configuration in force at that moment.
 *
 * As br_netfilter's fake rtable does for bridged packets, the placeholder
 * also serves the rules and targets that expect a route on a forwarded
 * packet (TCPMSS reads its MTU, MASQUERADE its next hop, REJECT its flags):
 * "out of this device, its MTU", zero everywhere else, for either family.
 * Its input and output discard, so it can never route a packet anywhere.
 *
 * Each configuration keeps the placeholders in a small direct-mapped cache
 * keyed by the context. A hit costs a hash and a compare and no reference
 * count (the skb holds it without a reference while RCU protects it, and
 * netfilter takes one when it queues the packet); a miss allocates one.
 * Misses happen once per (GWLB, local address, direction, received TTL),
 * and again after each configuration change, so the steady state allocates
 * nothing per packet. Each placeholder holds its device, so a device is not
 * freed while a packet still carries one.
 */
#include <linux/jhash.h>
#include <linux/slab.h>
#include <net/dst.h>
#include <net/ip6_fib.h>
#include <net/route.h>

#include "gwlbtun.h"

struct gwlbtun_rdst {
	union {			/* first: skb_rtable() and rt6 casts read it */
		struct rtable rt;
		struct rt6_info rt6;
	} u;
	u32 hash;		/* of the reply: its slot and its cb note */
	struct gwlbtun_reply reply;
};

/*
 * NAT in PRE_ROUTING drops the dst of a packet whose destination it
 * changes (the reply of a SNATed connection, a DNATed request), expecting
 * it to be routed afterwards. So the skb also carries a note of the
 * placeholder's hash in its control block, after the IP layer's part and
 * before the part GSO segmentation uses, and the continuation after
 * PRE_ROUTING puts the placeholder back from the configuration's cache.
 * The note is only a hint: it is used when the hash of the placeholder in
 * its slot matches it, and that placeholder is of the packet's device.
 */
#define GWLBTUN_REPLY_CB_OFFSET	24
#define GWLBTUN_REPLY_CB(skb)	((u32 *)((skb)->cb + GWLBTUN_REPLY_CB_OFFSET))

static_assert(sizeof(struct inet_skb_parm) <= GWLBTUN_REPLY_CB_OFFSET);
static_assert(sizeof(struct inet6_skb_parm) <= GWLBTUN_REPLY_CB_OFFSET);
static_assert(GWLBTUN_REPLY_CB_OFFSET + sizeof(u32) <= SKB_GSO_CB_OFFSET);

static void gwlbtun_rdst_update_pmtu(struct dst_entry *dst, struct sock *sk,
				     struct sk_buff *skb, u32 mtu,
				     bool confirm_neigh)
{
}

static void gwlbtun_rdst_redirect(struct dst_entry *dst, struct sock *sk,
				  struct sk_buff *skb)
{
}

static u32 *gwlbtun_rdst_cow_metrics(struct dst_entry *dst, unsigned long old)
{
	return NULL;
}

static struct neighbour *gwlbtun_rdst_neigh_lookup(const struct dst_entry *dst,
						   struct sk_buff *skb,
						   const void *daddr)
{
	return NULL;
}

static unsigned int gwlbtun_rdst_mtu(const struct dst_entry *dst)
{
	return READ_ONCE(dst->dev->mtu);
}

static struct dst_ops gwlbtun_rdst_ops = {
	.family = AF_INET,
	.update_pmtu = gwlbtun_rdst_update_pmtu,
	.redirect = gwlbtun_rdst_redirect,
	.cow_metrics = gwlbtun_rdst_cow_metrics,
	.neigh_lookup = gwlbtun_rdst_neigh_lookup,
	.mtu = gwlbtun_rdst_mtu,
};

static const u32 gwlbtun_rdst_metrics[RTAX_MAX];

int gwlbtun_reply_init(void)
{
	gwlbtun_rdst_ops.kmem_cachep =
		kmem_cache_create("gwlbtun_rdst", sizeof(struct gwlbtun_rdst),
				  0, SLAB_HWCACHE_ALIGN, NULL);
	return gwlbtun_rdst_ops.kmem_cachep ? 0 : -ENOMEM;
}

/* After every placeholder was released and its RCU callback has run. */
void gwlbtun_reply_exit(void)
{
	kmem_cache_destroy(gwlbtun_rdst_ops.kmem_cachep);
}

static u32 gwlbtun_reply_hash(const struct gwlbtun_reply *r)
{
	static u32 seed __read_mostly;

	BUILD_BUG_ON(sizeof(*r) % sizeof(u32));
	net_get_random_once(&seed, sizeof(seed));
	return jhash2((const u32 *)r, sizeof(*r) / sizeof(u32), seed);
}

static u32 gwlbtun_reply_slot(u32 hash)
{
	return hash & (GWLBTUN_RDST_SLOTS - 1);
}

static struct gwlbtun_rdst *gwlbtun_rdst_alloc(struct net_device *dev,
					       const struct gwlbtun_reply *r,
					       u32 hash)
{
	struct gwlbtun_rdst *rd;

	/* One reference: the cache slot's. */
	rd = dst_alloc(&gwlbtun_rdst_ops, dev, 1, DST_OBSOLETE_NONE,
		       DST_NOCOUNT | DST_NOXFRM | DST_FAKE_RTABLE);
	if (!rd)
		return NULL;
	memset((u8 *)rd + sizeof(struct dst_entry), 0,
	       sizeof(*rd) - sizeof(struct dst_entry));
	dst_init_metrics(&rd->u.rt.dst, gwlbtun_rdst_metrics, true);
	rd->hash = hash;
	rd->reply = *r;
	return rd;
}

/*
 * The placeholder for @r, for an skb to carry without a reference: valid
 * while the caller's RCU read section lasts (netfilter takes a reference
 * when it queues the packet). NULL: none could be made. RCU held.
 */
struct dst_entry *gwlbtun_reply_dst(struct gwlbtun_config *cfg,
				    const struct gwlbtun_reply *r)
{
	u32 hash = gwlbtun_reply_hash(r);
	struct gwlbtun_rdst __rcu **slot = &cfg->rdst[gwlbtun_reply_slot(hash)];
	struct gwlbtun_rdst *rd, *old;

	rd = rcu_dereference(*slot);
	if (likely(rd && rd->hash == hash &&
		   !memcmp(&rd->reply, r, sizeof(*r))))
		return &rd->u.rt.dst;
	rd = gwlbtun_rdst_alloc(cfg->gd->dev, r, hash);
	if (!rd)
		return NULL;
	/* Readers of the old one are in RCU sections or hold a reference. */
	old = unrcu_pointer(xchg(slot, RCU_INITIALIZER(rd)));
	if (old)
		dst_release(&old->u.rt.dst);
	return &rd->u.rt.dst;
}

/* Give @skb the placeholder for @r, and the note. -ENOMEM: none. */
int gwlbtun_reply_attach(struct gwlbtun_config *cfg, struct sk_buff *skb,
			 const struct gwlbtun_reply *r)
{
	struct dst_entry *dst = gwlbtun_reply_dst(cfg, r);

	if (unlikely(!dst))
		return -ENOMEM;
	skb_dst_set_noref(skb, dst);
	*GWLBTUN_REPLY_CB(skb) =
		container_of(dst, struct gwlbtun_rdst, u.rt.dst)->hash;
	return 0;
}

/*
 * After PRE_ROUTING: a packet whose placeholder NAT dropped gets it back
 * from the cache of @cfg, if its note still names one of this device's.
 * False: nothing to put back (the packet is then dropped as stale at
 * transmit). RCU held.
 */
bool gwlbtun_reply_recover(struct gwlbtun_config *cfg, struct sk_buff *skb)
{
	u32 hash = *GWLBTUN_REPLY_CB(skb);
	struct gwlbtun_rdst *rd;

	if (likely(gwlbtun_reply_of(skb)))
		return true;
	rd = rcu_dereference(cfg->rdst[gwlbtun_reply_slot(hash)]);
	if (!rd || rd->hash != hash || rd->u.rt.dst.dev != skb->dev)
		return false;
	skb_dst_drop(skb);
	skb_dst_set_noref(skb, &rd->u.rt.dst);
	return true;
}

/*
 * The context of a packet at transmit: only from a placeholder of ours
 * whose device is the one the packet is on. NULL: none (lost, or made on
 * another device, as when fragments that came through two devices were
 * reassembled into one).
 */
const struct gwlbtun_reply *gwlbtun_reply_of(const struct sk_buff *skb)
{
	const struct dst_entry *dst = skb_dst(skb);

	if (unlikely(!dst || dst->ops != &gwlbtun_rdst_ops ||
		     dst->dev != skb->dev))
		return NULL;
	return &container_of(dst, struct gwlbtun_rdst, u.rt.dst)->reply;
}

/* A retired configuration's slots, once no reader can see them. */
void gwlbtun_reply_release_all(struct gwlbtun_config *cfg)
{
	struct gwlbtun_rdst *rd;
	unsigned int i;

	for (i = 0; i < GWLBTUN_RDST_SLOTS; i++) {
		rd = rcu_dereference_protected(cfg->rdst[i], true);
		if (rd)
			dst_release(&rd->u.rt.dst);
		RCU_INIT_POINTER(cfg->rdst[i], NULL);
	}
}
