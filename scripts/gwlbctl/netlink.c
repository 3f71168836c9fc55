// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbctl: the generic netlink side. Builds the requests described in
 * <linux/gwlbtun.h>, runs them with NLM_F_ACK, collects the kernel's
 * extended ack on failure and parses the replies into struct gwlb_device.
 *
 * Replies are never trusted: every attribute the tool uses is validated for
 * its type and length before it is read, and attributes the tool does not
 * know are skipped, so that a newer kernel can add some.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "gwlbctl.h"

/* Large enough for any message the kernel sends to a dumping socket. */
#define GWLB_NL_BUF_SIZE 32768

/* Large enough for a SET_DEVICE request with GWLBTUN_PEERS_MAX peers. */
#define GWLB_NL_REQ_SIZE 4096

static const char *const attr_names[GWLBTUN_A_MAX + 1] = {
	[GWLBTUN_A_IFINDEX] = "GWLBTUN_A_IFINDEX",
	[GWLBTUN_A_IFNAME] = "GWLBTUN_A_IFNAME",
	[GWLBTUN_A_EXTERNAL] = "GWLBTUN_A_EXTERNAL",
	[GWLBTUN_A_INTERNAL] = "GWLBTUN_A_INTERNAL",
	[GWLBTUN_A_PEERS] = "GWLBTUN_A_PEERS",
	[GWLBTUN_A_PEERS_ANY] = "GWLBTUN_A_PEERS_ANY",
	[GWLBTUN_A_TTL] = "GWLBTUN_A_TTL",
	[GWLBTUN_A_UDP_CSUM] = "GWLBTUN_A_UDP_CSUM",
	[GWLBTUN_A_NF_HOOKS] = "GWLBTUN_A_NF_HOOKS",
	[GWLBTUN_A_MARK_EXTERNAL] = "GWLBTUN_A_MARK_EXTERNAL",
	[GWLBTUN_A_MARK_INTERNAL] = "GWLBTUN_A_MARK_INTERNAL",
	[GWLBTUN_A_MARK_MASK] = "GWLBTUN_A_MARK_MASK",
	[GWLBTUN_A_STATS] = "GWLBTUN_A_STATS",
	[GWLBTUN_A_PAD] = "GWLBTUN_A_PAD",
	[GWLBTUN_A_NON_IP] = "GWLBTUN_A_NON_IP",
	[GWLBTUN_A_UDP6_ZERO_CSUM_RX] = "GWLBTUN_A_UDP6_ZERO_CSUM_RX",
	[GWLBTUN_A_DRAIN] = "GWLBTUN_A_DRAIN",
};

const char *gwlb_attr_name(unsigned int type)
{
	if (type < ARRAY_SIZE(attr_names) && attr_names[type])
		return attr_names[type];
	return "unknown attribute";
}

/* ---- device records ---- */

void gwlb_device_free(struct gwlb_device *d)
{
	free(d->peers);
	d->peers = NULL;
	d->n_peers = 0;
	d->peers_cap = 0;
}

struct gwlb_device *gwlb_device_list_add(struct gwlb_device_list *list)
{
	struct gwlb_device *d;

	if (list->n == list->cap) {
		unsigned int cap = list->cap ? list->cap * 2 : 8;

		d = realloc(list->dev, cap * sizeof(*d));
		if (!d)
			return NULL;
		list->dev = d;
		list->cap = cap;
	}
	d = &list->dev[list->n++];
	memset(d, 0, sizeof(*d));
	return d;
}

void gwlb_device_list_free(struct gwlb_device_list *list)
{
	unsigned int i;

	for (i = 0; i < list->n; i++)
		gwlb_device_free(&list->dev[i]);
	free(list->dev);
	memset(list, 0, sizeof(*list));
}

/* ---- building requests ---- */

static struct nlmsghdr *msg_start(void *buf, uint16_t family, uint8_t cmd,
				  uint8_t version, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

/* Start a gwlbtun request in buf (zeroed, at least GENL header sized). */
struct nlmsghdr *gwlb_msg_start(void *buf, uint16_t family, uint8_t cmd,
				uint16_t flags, uint32_t seq)
{
	return msg_start(buf, family, cmd, GWLBTUN_GENL_VERSION, flags, seq);
}

static bool put_tunnel(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
		       const struct gwlb_tunnel *t)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, buflen, type);

	if (!nest)
		return false;
	if ((t->present & BIT(GWLBTUN_TUNNEL_A_VNI)) &&
	    !mnl_attr_put_u32_check(nlh, buflen, GWLBTUN_TUNNEL_A_VNI, t->vni))
		return false;
	if ((t->present & BIT(GWLBTUN_TUNNEL_A_PORT)) &&
	    !mnl_attr_put_u16_check(nlh, buflen, GWLBTUN_TUNNEL_A_PORT, t->port))
		return false;
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static bool put_peers(struct nlmsghdr *nlh, size_t buflen,
		      const struct gwlb_device *d)
{
	struct nlattr *nest;
	unsigned int i;

	nest = mnl_attr_nest_start_check(nlh, buflen, GWLBTUN_A_PEERS);
	if (!nest)
		return false;
	for (i = 0; i < d->n_peers; i++) {
		const struct gwlb_peer *p = &d->peers[i];
		bool ok;

		if (p->family == AF_INET)
			ok = mnl_attr_put_check(nlh, buflen, GWLBTUN_PEER_A_IPV4,
						sizeof(p->addr.v4), &p->addr.v4);
		else
			ok = mnl_attr_put_check(nlh, buflen, GWLBTUN_PEER_A_IPV6,
						sizeof(p->addr.v6), &p->addr.v6);
		if (!ok)
			return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static bool put_u8(struct nlmsghdr *nlh, size_t buflen,
		   const struct gwlb_device *d, uint16_t type, uint8_t v)
{
	return !(d->present & BIT(type)) ||
	       mnl_attr_put_u8_check(nlh, buflen, type, v);
}

static bool put_u32(struct nlmsghdr *nlh, size_t buflen,
		    const struct gwlb_device *d, uint16_t type, uint32_t v)
{
	return !(d->present & BIT(type)) ||
	       mnl_attr_put_u32_check(nlh, buflen, type, v);
}

/*
 * Append the attributes of d that are present (the settable ones and the
 * device's identity) to nlh, a message in a buffer of buflen bytes.
 * Returns 0 or -EMSGSIZE.
 */
int gwlb_msg_put_device(struct nlmsghdr *nlh, size_t buflen,
			const struct gwlb_device *d)
{
	bool ok = true;

	ok = ok && put_u32(nlh, buflen, d, GWLBTUN_A_IFINDEX, d->ifindex);
	if (d->present & BIT(GWLBTUN_A_IFNAME))
		ok = ok && mnl_attr_put_strz_check(nlh, buflen, GWLBTUN_A_IFNAME,
						   d->ifname);
	if (d->present & BIT(GWLBTUN_A_EXTERNAL))
		ok = ok && put_tunnel(nlh, buflen, GWLBTUN_A_EXTERNAL,
				      &d->external);
	if (d->present & BIT(GWLBTUN_A_INTERNAL))
		ok = ok && put_tunnel(nlh, buflen, GWLBTUN_A_INTERNAL,
				      &d->internal);
	if (d->present & BIT(GWLBTUN_A_PEERS))
		ok = ok && put_peers(nlh, buflen, d);
	ok = ok && put_u8(nlh, buflen, d, GWLBTUN_A_PEERS_ANY, d->peers_any);
	ok = ok && put_u8(nlh, buflen, d, GWLBTUN_A_TTL, d->ttl);
	ok = ok && put_u8(nlh, buflen, d, GWLBTUN_A_UDP_CSUM, d->udp_csum);
	ok = ok && put_u8(nlh, buflen, d, GWLBTUN_A_NF_HOOKS, d->nf_hooks);
	ok = ok && put_u32(nlh, buflen, d, GWLBTUN_A_MARK_EXTERNAL,
			   d->mark_external);
	ok = ok && put_u32(nlh, buflen, d, GWLBTUN_A_MARK_INTERNAL,
			   d->mark_internal);
	ok = ok && put_u32(nlh, buflen, d, GWLBTUN_A_MARK_MASK, d->mark_mask);
	ok = ok && put_u8(nlh, buflen, d, GWLBTUN_A_NON_IP, d->non_ip);
	ok = ok && put_u8(nlh, buflen, d, GWLBTUN_A_UDP6_ZERO_CSUM_RX,
			  d->udp6_zero_csum_rx);
	ok = ok && put_u8(nlh, buflen, d, GWLBTUN_A_DRAIN, d->drain);
	return ok ? 0 : -EMSGSIZE;
}

/* ---- parsing replies ---- */

struct parse_ctx {
	struct gwlb_device *d;
	const char *bad;	/* the attribute that failed validation */
	int error;		/* ENOMEM, EPROTO */
};

static int parse_fail(struct parse_ctx *ctx, const char *what)
{
	ctx->bad = what;
	ctx->error = EPROTO;
	return MNL_CB_ERROR;
}

/* Counters are u64; a 32-bit one (as NLA_UINT may send) is accepted too. */
static bool get_counter(const struct nlattr *attr, uint64_t *v)
{
	if (mnl_attr_get_payload_len(attr) == sizeof(uint64_t)) {
		*v = mnl_attr_get_u64(attr);
		return true;
	}
	if (mnl_attr_get_payload_len(attr) == sizeof(uint32_t)) {
		*v = mnl_attr_get_u32(attr);
		return true;
	}
	return false;
}

static bool get_u32(const struct nlattr *attr, uint32_t *v)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(attr);
	return true;
}

static bool get_u8(const struct nlattr *attr, uint8_t *v)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
		return false;
	*v = mnl_attr_get_u8(attr);
	return true;
}

/* A nest being parsed: where its values go, and the whole parse's state. */
struct nest_ctx {
	struct parse_ctx *ctx;
	void *target;
};

static int tunnel_cb(const struct nlattr *attr, void *data)
{
	struct nest_ctx *n = data;
	struct gwlb_tunnel *t = n->target;
	uint16_t type = mnl_attr_get_type(attr);

	switch (type) {
	case GWLBTUN_TUNNEL_A_VNI:
		if (!get_u32(attr, &t->vni))
			return parse_fail(n->ctx, "GWLBTUN_TUNNEL_A_VNI");
		break;
	case GWLBTUN_TUNNEL_A_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return parse_fail(n->ctx, "GWLBTUN_TUNNEL_A_PORT");
		t->port = mnl_attr_get_u16(attr);
		break;
	default:
		return MNL_CB_OK;
	}
	t->present |= BIT(type);
	return MNL_CB_OK;
}

static int peer_cb(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	struct gwlb_device *d = ctx->d;
	uint16_t type = mnl_attr_get_type(attr);
	struct gwlb_peer *p;

	switch (type) {
	case GWLBTUN_PEER_A_IPV4:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY,
				       sizeof(struct in_addr)) < 0)
			return parse_fail(ctx, "GWLBTUN_PEER_A_IPV4");
		break;
	case GWLBTUN_PEER_A_IPV6:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY,
				       sizeof(struct in6_addr)) < 0)
			return parse_fail(ctx, "GWLBTUN_PEER_A_IPV6");
		break;
	case GWLBTUN_PEER_A_ROUTE_MTU:
		/* It describes the address before it. */
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return parse_fail(ctx, "GWLBTUN_PEER_A_ROUTE_MTU");
		if (d->n_peers) {
			p = &d->peers[d->n_peers - 1];
			p->has_route_mtu = true;
			p->route_mtu = mnl_attr_get_u32(attr);
		}
		return MNL_CB_OK;
	default:
		return MNL_CB_OK;
	}

	if (d->n_peers == d->peers_cap) {
		unsigned int cap = d->peers_cap ? d->peers_cap * 2 : 4;

		p = realloc(d->peers, cap * sizeof(*p));
		if (!p) {
			ctx->error = ENOMEM;
			return MNL_CB_ERROR;
		}
		d->peers = p;
		d->peers_cap = cap;
	}
	p = &d->peers[d->n_peers++];
	memset(p, 0, sizeof(*p));
	if (type == GWLBTUN_PEER_A_IPV4) {
		p->family = AF_INET;
		memcpy(&p->addr.v4, mnl_attr_get_payload(attr), sizeof(p->addr.v4));
	} else {
		p->family = AF_INET6;
		memcpy(&p->addr.v6, mnl_attr_get_payload(attr), sizeof(p->addr.v6));
	}
	return MNL_CB_OK;
}

static const char *const tunnel_stats_names[GWLBTUN_TUNNEL_STATS_A_MAX + 1] = {
	[GWLBTUN_TUNNEL_STATS_A_RX_PACKETS] = "GWLBTUN_TUNNEL_STATS_A_RX_PACKETS",
	[GWLBTUN_TUNNEL_STATS_A_RX_BYTES] = "GWLBTUN_TUNNEL_STATS_A_RX_BYTES",
	[GWLBTUN_TUNNEL_STATS_A_TX_PACKETS] = "GWLBTUN_TUNNEL_STATS_A_TX_PACKETS",
	[GWLBTUN_TUNNEL_STATS_A_TX_BYTES] = "GWLBTUN_TUNNEL_STATS_A_TX_BYTES",
};

static int tunnel_stats_cb(const struct nlattr *attr, void *data)
{
	struct nest_ctx *n = data;
	struct gwlb_tunnel_stats *ts = n->target;
	uint16_t type = mnl_attr_get_type(attr);

	/* Padding and counters newer than this tool are skipped. */
	if (type > GWLBTUN_TUNNEL_STATS_A_MAX || !tunnel_stats_names[type])
		return MNL_CB_OK;
	if (!get_counter(attr, &ts->val[type]))
		return parse_fail(n->ctx, tunnel_stats_names[type]);
	ts->present |= BIT(type);
	return MNL_CB_OK;
}

static int drops_cb(const struct nlattr *attr, void *data)
{
	struct nest_ctx *n = data;
	struct gwlb_stats *s = n->target;
	uint16_t type = mnl_attr_get_type(attr);

	/* Type 0 (GWLBTUN_DROP_NONE) is never a counter; it may pad. */
	if (type == GWLBTUN_DROP_NONE || type >= GWLBCTL_DROPS_MAX)
		return MNL_CB_OK;
	if (!get_counter(attr, &s->drops[type]))
		return parse_fail(n->ctx, "GWLBTUN_STATS_A_DROPS");
	s->drops_present |= 1ULL << type;
	return MNL_CB_OK;
}

static int stats_cb(const struct nlattr *attr, void *data)
{
	struct nest_ctx *n = data;
	struct gwlb_stats *s = n->target;
	uint16_t type = mnl_attr_get_type(attr);
	struct nest_ctx sub = { .ctx = n->ctx };
	mnl_attr_cb_t cb;
	const char *name;

	switch (type) {
	case GWLBTUN_STATS_A_EXTERNAL:
		memset(&s->external, 0, sizeof(s->external));
		sub.target = &s->external;
		cb = tunnel_stats_cb;
		name = "GWLBTUN_STATS_A_EXTERNAL";
		break;
	case GWLBTUN_STATS_A_INTERNAL:
		memset(&s->internal, 0, sizeof(s->internal));
		sub.target = &s->internal;
		cb = tunnel_stats_cb;
		name = "GWLBTUN_STATS_A_INTERNAL";
		break;
	case GWLBTUN_STATS_A_DROPS:
		sub.target = s;
		cb = drops_cb;
		name = "GWLBTUN_STATS_A_DROPS";
		break;
	default:
		return MNL_CB_OK;
	}
	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return parse_fail(n->ctx, name);
	if (mnl_attr_parse_nested(attr, cb, &sub) != MNL_CB_OK)
		return MNL_CB_ERROR;
	s->present |= BIT(type);
	return MNL_CB_OK;
}

static int device_cb(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	struct gwlb_device *d = ctx->d;
	uint16_t type = mnl_attr_get_type(attr);
	struct nest_ctx sub = { .ctx = ctx };
	bool ok = true;

	switch (type) {
	case GWLBTUN_A_IFINDEX:
		ok = get_u32(attr, &d->ifindex);
		break;
	case GWLBTUN_A_IFNAME:
		ok = mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 &&
		     mnl_attr_get_payload_len(attr) <= sizeof(d->ifname);
		if (ok)
			memcpy(d->ifname, mnl_attr_get_str(attr),
			       mnl_attr_get_payload_len(attr));
		break;
	case GWLBTUN_A_EXTERNAL:
	case GWLBTUN_A_INTERNAL:
		sub.target = type == GWLBTUN_A_EXTERNAL ? &d->external
							: &d->internal;
		memset(sub.target, 0, sizeof(struct gwlb_tunnel));
		ok = mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0;
		if (ok && mnl_attr_parse_nested(attr, tunnel_cb, &sub) != MNL_CB_OK)
			return MNL_CB_ERROR;
		break;
	case GWLBTUN_A_PEERS:
		d->n_peers = 0;
		ok = mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0;
		if (ok && mnl_attr_parse_nested(attr, peer_cb, ctx) != MNL_CB_OK)
			return MNL_CB_ERROR;
		break;
	case GWLBTUN_A_PEERS_ANY:
		ok = get_u8(attr, &d->peers_any);
		break;
	case GWLBTUN_A_TTL:
		ok = get_u8(attr, &d->ttl);
		break;
	case GWLBTUN_A_UDP_CSUM:
		ok = get_u8(attr, &d->udp_csum);
		break;
	case GWLBTUN_A_NF_HOOKS:
		ok = get_u8(attr, &d->nf_hooks);
		break;
	case GWLBTUN_A_MARK_EXTERNAL:
		ok = get_u32(attr, &d->mark_external);
		break;
	case GWLBTUN_A_MARK_INTERNAL:
		ok = get_u32(attr, &d->mark_internal);
		break;
	case GWLBTUN_A_MARK_MASK:
		ok = get_u32(attr, &d->mark_mask);
		break;
	case GWLBTUN_A_NON_IP:
		ok = get_u8(attr, &d->non_ip);
		break;
	case GWLBTUN_A_UDP6_ZERO_CSUM_RX:
		ok = get_u8(attr, &d->udp6_zero_csum_rx);
		break;
	case GWLBTUN_A_DRAIN:
		ok = get_u8(attr, &d->drain);
		break;
	case GWLBTUN_A_STATS:
		memset(&d->stats, 0, sizeof(d->stats));
		sub.target = &d->stats;
		ok = mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0;
		if (ok && mnl_attr_parse_nested(attr, stats_cb, &sub) != MNL_CB_OK)
			return MNL_CB_ERROR;
		break;
	default:
		/* Padding, and attributes newer than this tool. */
		return MNL_CB_OK;
	}
	if (!ok)
		return parse_fail(ctx, gwlb_attr_name(type));
	d->present |= BIT(type);
	return MNL_CB_OK;
}

/*
 * Parse a GET_DEVICE or GET_STATS reply, or a configuration notification,
 * into d (zeroed by the caller; free its peers with gwlb_device_free()).
 * Returns 0, or -EPROTO with *bad naming the attribute that failed
 * validation, or -ENOMEM.
 */
int gwlb_msg_parse_device(const struct nlmsghdr *nlh, struct gwlb_device *d,
			  const char **bad)
{
	struct parse_ctx ctx = { .d = d };

	*bad = NULL;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr)) {
		*bad = "generic netlink header";
		return -EPROTO;
	}
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), device_cb,
			   &ctx) != MNL_CB_OK) {
		*bad = ctx.bad;
		return -(ctx.error ? ctx.error : EPROTO);
	}
	return 0;
}

/* ---- acknowledgements and the extended ack ---- */

static int ack_attr_cb(const struct nlattr *attr, void *data)
{
	struct gwlb_nl_err *err = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(err->msg, sizeof(err->msg), "%s",
				 mnl_attr_get_str(attr));
		break;
	case NLMSGERR_ATTR_OFFS:
		err->has_offs = get_u32(attr, &err->offs);
		break;
#ifdef NLMSGERR_ATTR_MISS_TYPE
	case NLMSGERR_ATTR_MISS_TYPE:
		err->has_miss_type = get_u32(attr, &err->miss_type);
		break;
#endif
	default:
		break;
	}
	return MNL_CB_OK;
}

/*
 * Collect the extended ack TLVs of an NLMSG_ERROR or NLMSG_DONE message;
 * they start off bytes into its payload.
 */
static void parse_ack(const struct nlmsghdr *nlh, size_t off,
		      struct gwlb_nl_err *err)
{
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (MNL_ALIGN(off) > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, off, ack_attr_cb, err);
}

/* A negative errno from the kernel, as a positive one. */
static int kernel_errno(int error)
{
	return error < 0 && error > -4096 ? -error : EPROTO;
}

struct req_ctx {
	int (*cb)(const struct nlmsghdr *nlh, void *data,
		  struct gwlb_nl_err *err);
	void *data;
	struct gwlb_nl_err *err;
	uint32_t seq;
};

/*
 * Whether nlh answers another (earlier) request: skipped, rather than
 * failing this one.
 */
static bool stale(const struct nlmsghdr *nlh, const struct req_ctx *ctx)
{
	return nlh->nlmsg_seq != ctx->seq;
}

static int req_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;

	if (stale(nlh, ctx) || !ctx->cb)
		return MNL_CB_OK;
	return ctx->cb(nlh, ctx->data, ctx->err);
}

static int req_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/*
 * The answer of an NLMSG_ERROR message: 0 for an acknowledgement, else a
 * positive errno. The extended ack, if any, goes to err.
 */
int gwlb_msg_parse_error(const struct nlmsghdr *nlh, struct gwlb_nl_err *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return EBADMSG;
	/* Unless capped, the request's payload comes before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len >= sizeof(struct nlmsghdr))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	parse_ack(nlh, off, err);
	return e->error ? kernel_errno(e->error) : 0;
}

/* Likewise for the NLMSG_DONE message that ends a dump. */
int gwlb_msg_parse_done(const struct nlmsghdr *nlh, struct gwlb_nl_err *err)
{
	int error;

	/* Very old kernels send no error code. */
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(error))
		return 0;
	memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	parse_ack(nlh, sizeof(error), err);
	return error ? kernel_errno(error) : 0;
}

static int req_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;

	if (stale(nlh, ctx))
		return MNL_CB_OK;
	ctx->err->error = gwlb_msg_parse_error(nlh, ctx->err);
	return ctx->err->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

static int req_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;

	if (stale(nlh, ctx))
		return MNL_CB_OK;
	ctx->err->error = gwlb_msg_parse_done(nlh, ctx->err);
	return ctx->err->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

/*
 * Send the request nlh and process the answer until its acknowledgement (or,
 * for a dump, NLMSG_DONE), handing each data message to cb. Returns 0, or -1
 * with err filled in. On success err->msg may hold a warning.
 */
int gwlb_nl_request(struct gwlb_nl *nl, struct nlmsghdr *nlh,
		    int (*cb)(const struct nlmsghdr *nlh, void *data,
			      struct gwlb_nl_err *err),
		    void *data, struct gwlb_nl_err *err)
{
	struct req_ctx ctx = {
		.cb = cb, .data = data, .err = err, .seq = nlh->nlmsg_seq,
	};
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = req_noop_cb,
		[NLMSG_ERROR] = req_error_cb,
		[NLMSG_DONE] = req_done_cb,
		[NLMSG_OVERRUN] = req_noop_cb,
	};
	int ret = MNL_CB_OK;

	memset(err, 0, sizeof(*err));
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		err->error = errno;
		return -1;
	}
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buf_size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err->error = n ? errno : EPROTO;
			return -1;
		}
		/* Sequence numbers are checked by the callbacks. */
		errno = 0;
		ret = mnl_cb_run2(nl->buf, n, 0, nl->portid, req_data_cb, &ctx,
				  ctl, ARRAY_SIZE(ctl));
	} while (ret == MNL_CB_OK);

	if (ret == MNL_CB_ERROR) {
		if (!err->error) {
			/* One of libmnl's own checks failed. */
			err->error = errno ? errno : EPROTO;
			err->dump_intr = errno == EINTR;
		}
		return -1;
	}
	return 0;
}

/* ---- the socket and the family ---- */

/* A new socket for nl; returns 0 or -1 with errno set. */
static int nl_socket(struct gwlb_nl *nl)
{
	int one = 1;

	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		return -1;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	/* Best effort: without them errors are still reported, less well. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

int gwlb_nl_open(struct gwlb_nl *nl, struct gwlb_nl_err *err)
{
	memset(nl, 0, sizeof(*nl));
	memset(err, 0, sizeof(*err));
	nl->buf_size = GWLB_NL_BUF_SIZE;
	nl->buf = malloc(nl->buf_size);
	if (!nl->buf || nl_socket(nl) < 0)
		goto fail;
	nl->seq = time(NULL);
	return 0;
fail:
	err->error = errno;
	gwlb_nl_close(nl);
	return -1;
}

void gwlb_nl_close(struct gwlb_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

struct family_ctx {
	uint16_t id;
	uint32_t mcgrp_config;
};

struct mcgrp {
	const char *name;
	uint32_t id;
};

static int mcgrp_attr_cb(const struct nlattr *attr, void *data)
{
	struct mcgrp *g = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_MCAST_GRP_NAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			g->name = mnl_attr_get_str(attr);
		break;
	case CTRL_ATTR_MCAST_GRP_ID:
		get_u32(attr, &g->id);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int mcgrps_cb(const struct nlattr *attr, void *data)
{
	struct family_ctx *f = data;
	struct mcgrp g = { NULL, 0 };

	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return MNL_CB_OK;
	mnl_attr_parse_nested(attr, mcgrp_attr_cb, &g);
	if (g.name && g.id && !strcmp(g.name, GWLBTUN_MCGRP_CONFIG))
		f->mcgrp_config = g.id;
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_ctx *f = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			f->id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(attr, mcgrps_cb, f);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data,
		     struct gwlb_nl_err *err)
{
	(void)err;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct genlmsghdr))
		mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
			       data);
	return MNL_CB_OK;
}

/*
 * Look up the generic netlink family name and its "config" multicast group.
 * Fails with err->error ENOENT when the family is not registered.
 */
int gwlb_nl_resolve(struct gwlb_nl *nl, const char *name,
		    struct gwlb_nl_err *err)
{
	char buf[256] = { 0 };
	struct family_ctx f = { 0, 0 };
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK,
			++nl->seq);
	if (!mnl_attr_put_strz_check(nlh, sizeof(buf), CTRL_ATTR_FAMILY_NAME,
				     name)) {
		memset(err, 0, sizeof(*err));
		err->error = ENAMETOOLONG;
		return -1;
	}
	if (gwlb_nl_request(nl, nlh, family_cb, &f, err) < 0)
		return -1;
	if (!f.id) {
		err->error = EPROTO;
		err->bad_attr = "CTRL_ATTR_FAMILY_ID";
		return -1;
	}
	nl->family = f.id;
	nl->mcgrp_config = f.mcgrp_config;
	return 0;
}

/* ---- the gwlbtun commands ---- */

static int device_reply_cb(const struct nlmsghdr *nlh, void *data,
			   struct gwlb_nl_err *err)
{
	struct gwlb_device_list *list = data;
	struct gwlb_device *d = gwlb_device_list_add(list);
	int ret;

	if (!d) {
		err->error = ENOMEM;
		return MNL_CB_ERROR;
	}
	ret = gwlb_msg_parse_device(nlh, d, &err->bad_attr);
	if (ret < 0) {
		err->error = -ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/*
 * A dump cut short (NLM_F_DUMP_INTR) leaves the rest of it, and the kernel's
 * dump state, on the socket: the next try gets a socket of its own.
 */
static int nl_reopen(struct gwlb_nl *nl, struct gwlb_nl_err *err)
{
	mnl_socket_close(nl->sock);
	nl->sock = NULL;
	if (nl_socket(nl) < 0) {
		memset(err, 0, sizeof(*err));
		err->error = errno;
		return -1;
	}
	return 0;
}

/*
 * GWLBTUN_CMD_GET_DEVICE or GWLBTUN_CMD_GET_STATS: of ifname, or when it is
 * NULL a dump of every device. The replies are appended to list. A dump
 * the kernel flags as interrupted by a change (a device added, removed or
 * reconfigured meanwhile, which may skip or repeat one) is tried again, up
 * to GWLBCTL_DUMP_TRIES times; then it fails with err->dump_intr set.
 */
int gwlb_nl_get_devices(struct gwlb_nl *nl, uint8_t cmd, const char *ifname,
			struct gwlb_device_list *list, struct gwlb_nl_err *err)
{
	unsigned int start = list->n, tries, i;
	struct nlmsghdr *nlh;
	char buf[256];
	int ret;

	for (tries = 1; ; tries++) {
		memset(buf, 0, sizeof(buf));
		nlh = gwlb_msg_start(buf, nl->family, cmd,
				     ifname ? NLM_F_ACK : NLM_F_ACK | NLM_F_DUMP,
				     ++nl->seq);
		if (ifname && !mnl_attr_put_strz_check(nlh, sizeof(buf),
						       GWLBTUN_A_IFNAME, ifname)) {
			memset(err, 0, sizeof(*err));
			err->error = ENAMETOOLONG;
			return -1;
		}
		ret = gwlb_nl_request(nl, nlh, device_reply_cb, list, err);
		if (!ret || !err->dump_intr)
			return ret;
		/* Forget what this try brought. */
		for (i = start; i < list->n; i++)
			gwlb_device_free(&list->dev[i]);
		list->n = start;
		err->dump_tries = tries;
		if (tries == GWLBCTL_DUMP_TRIES || nl_reopen(nl, err) < 0)
			return -1;
	}
}

/* GWLBTUN_CMD_GET_NETNS_STATS: counters of packets that matched no device. */
int gwlb_nl_get_netns_stats(struct gwlb_nl *nl, struct gwlb_stats *stats,
			    struct gwlb_nl_err *err)
{
	struct gwlb_device_list list = { NULL, 0, 0 };
	char buf[64] = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = gwlb_msg_start(buf, nl->family, GWLBTUN_CMD_GET_NETNS_STATS,
			     NLM_F_ACK, ++nl->seq);
	ret = gwlb_nl_request(nl, nlh, device_reply_cb, &list, err);
	if (!ret && (!list.n || !(list.dev[0].present & BIT(GWLBTUN_A_STATS)))) {
		err->error = EPROTO;
		err->bad_attr = "GWLBTUN_A_STATS";
		ret = -1;
	}
	if (!ret)
		*stats = list.dev[0].stats;
	gwlb_device_list_free(&list);
	return ret;
}

/* GWLBTUN_CMD_SET_DEVICE with the attributes present in req. */
int gwlb_nl_set_device(struct gwlb_nl *nl, const struct gwlb_device *req,
		       struct gwlb_nl_err *err)
{
	char buf[GWLB_NL_REQ_SIZE] = { 0 };
	struct nlmsghdr *nlh;

	nlh = gwlb_msg_start(buf, nl->family, GWLBTUN_CMD_SET_DEVICE, NLM_F_ACK,
			     ++nl->seq);
	if (gwlb_msg_put_device(nlh, sizeof(buf), req) < 0) {
		memset(err, 0, sizeof(*err));
		err->error = EMSGSIZE;
		return -1;
	}
	return gwlb_nl_request(nl, nlh, NULL, NULL, err);
}

struct monitor_ctx {
	struct gwlb_nl *nl;
	void (*notify)(const struct gwlb_device *dev, const char *problem,
		       void *data);
	void *data;
};

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	struct monitor_ctx *m = data;
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct gwlb_device d;
	const char *bad;
	char problem[128];
	int ret;

	if (nlh->nlmsg_type != m->nl->family ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl) ||
	    genl->cmd != GWLBTUN_CMD_SET_DEVICE)
		return MNL_CB_OK;

	memset(&d, 0, sizeof(d));
	ret = gwlb_msg_parse_device(nlh, &d, &bad);
	if (ret == -ENOMEM) {
		m->notify(NULL, "out of memory; a notification was skipped",
			  m->data);
	} else if (ret < 0) {
		snprintf(problem, sizeof(problem),
			 "skipped a malformed notification (%s)",
			 bad ? bad : "?");
		m->notify(NULL, problem, m->data);
	} else {
		m->notify(&d, NULL, m->data);
	}
	gwlb_device_free(&d);
	return MNL_CB_OK;
}

/*
 * Join the "config" multicast group and hand every configuration
 * notification to notify until *stop is set (by a signal). Problems that do
 * not end the loop are handed to notify with dev NULL.
 */
int gwlb_nl_monitor(struct gwlb_nl *nl, volatile sig_atomic_t *stop,
		    void (*notify)(const struct gwlb_device *dev,
				   const char *problem, void *data),
		    void *data, struct gwlb_nl_err *err)
{
	struct monitor_ctx m = { .nl = nl, .notify = notify, .data = data };
	unsigned int grp = nl->mcgrp_config;

	memset(err, 0, sizeof(*err));
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		err->error = errno;
		return -1;
	}
	while (!*stop) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->buf_size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			notify(NULL, "notifications were lost (socket receive buffer overrun)",
			       data);
			continue;
		}
		if (n <= 0) {
			err->error = n ? errno : EPROTO;
			return -1;
		}
		/* Notifications carry sequence number and port id 0. */
		mnl_cb_run(nl->buf, n, 0, 0, monitor_cb, &m);
	}
	return 0;
}
