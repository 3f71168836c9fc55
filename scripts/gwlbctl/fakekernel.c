// SPDX-License-Identifier: GPL-2.0
/*
 * fakekernel.so: a stand-in for the gwlbtun module, for testing gwlbctl's
 * commands end to end where the module cannot be loaded. Preloaded
 * (LD_PRELOAD) into gwlbctl, it replaces libmnl's socket functions and
 * answers requests the way <linux/gwlbtun.h> says the kernel does: replies,
 * acks, extended acks, multipart dumps, notifications.
 *
 * It is written independently of gwlbctl's own parser and builder, walking
 * the attributes itself, so that the two check each other. It is built by
 * "make check" only, and never installed.
 *
 * Its world: gwlb0 (ifindex 5), configured like the Azure default but for
 * non-ip reflect and udp6-zero-csum-rx on, not draining, its routes to its two GWLBs of
 * MTU 9000 and 1570, and gwlb1 (ifindex 6), new, unconfigured and draining. Every SET_DEVICE request is decoded
 * into one line of text appended to $GWLBCTL_FAKE_LOG. Rules enforced on
 * SET: the device must exist; the two tunnels both or neither; the ports
 * different. Knobs, set in the environment:
 *	GWLBCTL_FAKE_NOFAMILY	the family is not registered
 *	GWLBCTL_FAKE_EPERM	SET_DEVICE fails with EPERM, without extack
 *	GWLBCTL_FAKE_DUMP_INTR=N	the first N dumps are flagged NLM_F_DUMP_INTR
 *	GWLBCTL_FAKE_LOWMTU	the routes to gwlb0's GWLBs: MTU 1549 and none
 *	GWLBCTL_FAKE_MALFORMED	GET_DEVICE replies carry a u32 GWLBTUN_A_TTL
 *	GWLBCTL_FAKE_NOCAP	acks are not capped even if asked to be
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <linux/gwlbtun.h>

#define FAKE_FAMILY	0x1f
#define FAKE_GROUP	7
#define FAKE_PORTID	4242
#define QUEUE_LEN	32
#define DGRAM_SIZE	8192

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct mnl_socket {
	int unused;
};

static struct {
	struct mnl_socket sock;
	unsigned char q[QUEUE_LEN][DGRAM_SIZE];
	size_t len[QUEUE_LEN];
	unsigned int head, tail;
	bool ext_ack, cap_ack, joined;
	unsigned int monitor_step;
} fk;

static bool knob(const char *name)
{
	return getenv(name);
}

/* Dumps so far, in this process: a new socket does not reset it. */
static unsigned int dumps;

/* ---- the receive queue: one entry per datagram ---- */

static struct nlmsghdr *dgram_put(unsigned int *dgram, uint16_t type,
				  uint16_t flags, uint32_t seq, uint32_t portid)
{
	unsigned char *buf = fk.q[*dgram];
	struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + fk.len[*dgram]);

	memset(nlh, 0, DGRAM_SIZE - fk.len[*dgram]);
	nlh = mnl_nlmsg_put_header(nlh);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = portid;
	return nlh;
}

static void dgram_end(unsigned int dgram, struct nlmsghdr *nlh)
{
	fk.len[dgram] += MNL_ALIGN(nlh->nlmsg_len);
}

static unsigned int dgram_new(void)
{
	unsigned int d = fk.tail++ % QUEUE_LEN;

	fk.len[d] = 0;
	return d;
}

static struct nlmsghdr *genl_put(unsigned int *dgram, uint8_t cmd,
				 uint16_t flags, uint32_t seq, uint32_t portid)
{
	struct nlmsghdr *nlh = dgram_put(dgram, FAKE_FAMILY, flags, seq, portid);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = GWLBTUN_GENL_VERSION;
	return nlh;
}

/* An NLMSG_ERROR answering req, as netlink_ack() builds it. */
static void ack(const struct nlmsghdr *req, int error, const char *msg)
{
	unsigned int d = dgram_new();
	bool capped = fk.cap_ack && !knob("GWLBCTL_FAKE_NOCAP");
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	if (!error && !(req->nlmsg_flags & NLM_F_ACK))
		return;
	nlh = dgram_put(&d, NLMSG_ERROR, capped ? NLM_F_CAPPED : 0,
			req->nlmsg_seq, req->nlmsg_pid);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg = *req;
	if (!capped) {
		size_t plen = req->nlmsg_len - sizeof(*req);

		memcpy(mnl_nlmsg_put_extra_header(nlh, plen), req + 1, plen);
	}
	if (msg && fk.ext_ack) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	dgram_end(d, nlh);
}

/* ---- the devices ---- */

struct fake_dev {
	const char *name;
	uint32_t ifindex;
	bool configured;
	uint32_t vni[2];
	uint16_t port[2];
	const char *peers[2];
	uint32_t route_mtu[2], low_route_mtu[2];
	uint64_t rx[2], tx[2];
	uint8_t non_ip, udp6_zero_csum_rx, drain;
};

static const struct fake_dev devs[] = {
	{ "gwlb0", 5, true, { 901, 900 }, { 10801, 10800 },
	  { "10.0.0.5", "fd00::5" }, { 9000, 1570 }, { 1549, 0 },
	  { 10, 9 }, { 9, 10 }, GWLBTUN_NON_IP_REFLECT, 1, 0 },
	{ "gwlb1", 6, false, { 0, 0 }, { 0, 0 }, { NULL, NULL }, { 0, 0 },
	  { 0, 0 }, { 0, 0 }, { 0, 0 }, GWLBTUN_NON_IP_DROP, 0, 1 },
};

static const struct fake_dev *find_dev(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(devs); i++)
		if (name && !strcmp(devs[i].name, name))
			return &devs[i];
	return NULL;
}

static void put_config(struct nlmsghdr *nlh, const struct fake_dev *dev)
{
	struct nlattr *nest;
	unsigned int i;

	mnl_attr_put_u32(nlh, GWLBTUN_A_IFINDEX, dev->ifindex);
	mnl_attr_put_strz(nlh, GWLBTUN_A_IFNAME, dev->name);
	if (dev->configured) {
		for (i = 0; i < 2; i++) {
			nest = mnl_attr_nest_start(nlh, i ? GWLBTUN_A_INTERNAL :
							    GWLBTUN_A_EXTERNAL);
			mnl_attr_put_u32(nlh, GWLBTUN_TUNNEL_A_VNI, dev->vni[i]);
			mnl_attr_put_u16(nlh, GWLBTUN_TUNNEL_A_PORT, dev->port[i]);
			mnl_attr_nest_end(nlh, nest);
		}
	}
	nest = mnl_attr_nest_start(nlh, GWLBTUN_A_PEERS);
	for (i = 0; i < 2 && dev->peers[i]; i++) {
		unsigned char a[16];

		if (inet_pton(AF_INET, dev->peers[i], a) == 1) {
			mnl_attr_put(nlh, GWLBTUN_PEER_A_IPV4, 4, a);
		} else {
			inet_pton(AF_INET6, dev->peers[i], a);
			mnl_attr_put(nlh, GWLBTUN_PEER_A_IPV6, 16, a);
		}
		mnl_attr_put_u32(nlh, GWLBTUN_PEER_A_ROUTE_MTU,
				 knob("GWLBCTL_FAKE_LOWMTU") ?
				 dev->low_route_mtu[i] : dev->route_mtu[i]);
	}
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u8(nlh, GWLBTUN_A_PEERS_ANY, 0);
	if (knob("GWLBCTL_FAKE_MALFORMED"))
		mnl_attr_put_u32(nlh, GWLBTUN_A_TTL, 0);
	else
		mnl_attr_put_u8(nlh, GWLBTUN_A_TTL, 0);
	mnl_attr_put_u8(nlh, GWLBTUN_A_UDP_CSUM, 1);
	mnl_attr_put_u8(nlh, GWLBTUN_A_NF_HOOKS, 1);
	mnl_attr_put_u32(nlh, GWLBTUN_A_MARK_EXTERNAL, dev->configured ? 1 : 0);
	mnl_attr_put_u32(nlh, GWLBTUN_A_MARK_INTERNAL, dev->configured ? 2 : 0);
	mnl_attr_put_u32(nlh, GWLBTUN_A_MARK_MASK, dev->configured ? 3 : 0);
	mnl_attr_put_u8(nlh, GWLBTUN_A_NON_IP, dev->non_ip);
	mnl_attr_put_u8(nlh, GWLBTUN_A_UDP6_ZERO_CSUM_RX, dev->udp6_zero_csum_rx);
	mnl_attr_put_u8(nlh, GWLBTUN_A_DRAIN, dev->drain);
}

static void put_drops(struct nlmsghdr *nlh, uint64_t unknown_vni,
		      uint64_t peer)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, GWLBTUN_STATS_A_DROPS);
	unsigned int t;

	for (t = 1; t <= GWLBTUN_DROP_MAX; t++)
		mnl_attr_put_u64(nlh, t, t == GWLBTUN_DROP_UNKNOWN_VNI ? unknown_vni :
				 t == GWLBTUN_DROP_PEER_NOT_ALLOWED ? peer : 0);
	mnl_attr_nest_end(nlh, nest);
}

static void put_stats(struct nlmsghdr *nlh, const struct fake_dev *dev)
{
	struct nlattr *stats, *nest;
	unsigned int i;

	mnl_attr_put_u32(nlh, GWLBTUN_A_IFINDEX, dev->ifindex);
	mnl_attr_put_strz(nlh, GWLBTUN_A_IFNAME, dev->name);
	mnl_attr_put_u8(nlh, GWLBTUN_A_DRAIN, dev->drain);
	stats = mnl_attr_nest_start(nlh, GWLBTUN_A_STATS);
	for (i = 0; i < 2; i++) {
		nest = mnl_attr_nest_start(nlh, i ? GWLBTUN_STATS_A_INTERNAL :
						    GWLBTUN_STATS_A_EXTERNAL);
		mnl_attr_put_u64(nlh, GWLBTUN_TUNNEL_STATS_A_RX_PACKETS, dev->rx[i]);
		mnl_attr_put_u64(nlh, GWLBTUN_TUNNEL_STATS_A_RX_BYTES, dev->rx[i] * 100);
		mnl_attr_put_u64(nlh, GWLBTUN_TUNNEL_STATS_A_TX_PACKETS, dev->tx[i]);
		mnl_attr_put_u64(nlh, GWLBTUN_TUNNEL_STATS_A_TX_BYTES, dev->tx[i] * 100);
		mnl_attr_nest_end(nlh, nest);
	}
	put_drops(nlh, dev->configured ? 4 : 0, 0);
	mnl_attr_nest_end(nlh, stats);
}

/* ---- requests ---- */

static const char *req_ifname(const struct nlmsghdr *req)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, req, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == GWLBTUN_A_IFNAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(a);
	return NULL;
}

static void get(const struct nlmsghdr *req, uint8_t cmd)
{
	const char *intr = getenv("GWLBCTL_FAKE_DUMP_INTR");
	const struct fake_dev *dev;
	struct nlmsghdr *nlh;
	unsigned int d, i;

	if (req->nlmsg_flags & NLM_F_DUMP) {
		bool interrupted = intr && dumps++ < strtoul(intr, NULL, 10);

		/* Two datagrams: one device, then one device and DONE. */
		for (i = 0; i < 2; i++) {
			d = dgram_new();
			nlh = genl_put(&d, cmd, NLM_F_MULTI, req->nlmsg_seq,
				       req->nlmsg_pid);
			if (i && interrupted)
				nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
			if (cmd == GWLBTUN_CMD_GET_DEVICE)
				put_config(nlh, &devs[i]);
			else
				put_stats(nlh, &devs[i]);
			dgram_end(d, nlh);
		}
		nlh = dgram_put(&d, NLMSG_DONE, NLM_F_MULTI, req->nlmsg_seq,
				req->nlmsg_pid);
		*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
		dgram_end(d, nlh);
		return;
	}

	dev = find_dev(req_ifname(req));
	if (!dev) {
		ack(req, -ENODEV, "no gwlbtun device of that name");
		return;
	}
	d = dgram_new();
	nlh = genl_put(&d, cmd, 0, req->nlmsg_seq, req->nlmsg_pid);
	if (cmd == GWLBTUN_CMD_GET_DEVICE)
		put_config(nlh, dev);
	else
		put_stats(nlh, dev);
	dgram_end(d, nlh);
	ack(req, 0, NULL);
}

static void netns_stats(const struct nlmsghdr *req)
{
	unsigned int d = dgram_new();
	struct nlmsghdr *nlh;
	struct nlattr *stats;

	nlh = genl_put(&d, GWLBTUN_CMD_GET_NETNS_STATS, 0, req->nlmsg_seq,
		       req->nlmsg_pid);
	stats = mnl_attr_nest_start(nlh, GWLBTUN_A_STATS);
	put_drops(nlh, 12, 3);
	mnl_attr_nest_end(nlh, stats);
	dgram_end(d, nlh);
	ack(req, 0, NULL);
}

/* Append "fmt..." to the log line. */
static void logadd(char *line, size_t size, const char *fmt, ...)
{
	size_t n = strlen(line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + n, size - n, fmt, ap);
	va_end(ap);
}

static void decode_tunnel(char *line, size_t size, const char *name,
			  const struct nlattr *nest, int *vni, int *port)
{
	const struct nlattr *a;

	logadd(line, size, " %s%s=", name,
	       nest->nla_type & NLA_F_NESTED ? "" : "(NOT-NESTED)");
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == GWLBTUN_TUNNEL_A_VNI &&
		    mnl_attr_get_payload_len(a) == 4) {
			*vni = (int)mnl_attr_get_u32(a);
			logadd(line, size, "vni:%d", *vni);
		} else if (mnl_attr_get_type(a) == GWLBTUN_TUNNEL_A_PORT &&
			   mnl_attr_get_payload_len(a) == 2) {
			*port = mnl_attr_get_u16(a);
			logadd(line, size, ",port:%d", *port);
		} else {
			logadd(line, size, ",?%u", mnl_attr_get_type(a));
		}
	}
}

static void set(const struct nlmsghdr *req)
{
	int vni[2] = { -1, -1 }, port[2] = { -1, -1 };
	const char *ifname = NULL, *log = getenv("GWLBCTL_FAKE_LOG");
	const struct fake_dev *dev;
	const struct nlattr *a, *p;
	char line[4096] = "SET";
	char addr[INET6_ADDRSTRLEN];
	FILE *f;

	mnl_attr_for_each(a, req, GENL_HDRLEN) {
		uint16_t type = mnl_attr_get_type(a);
		uint16_t len = mnl_attr_get_payload_len(a);

		switch (type) {
		case GWLBTUN_A_IFNAME:
			ifname = mnl_attr_get_str(a);
			logadd(line, sizeof(line), " ifname=%.*s%s", (int)len,
			       ifname, len && ifname[len - 1] ? "(NO-NUL)" : "");
			break;
		case GWLBTUN_A_EXTERNAL:
		case GWLBTUN_A_INTERNAL:
			decode_tunnel(line, sizeof(line),
				      type == GWLBTUN_A_EXTERNAL ? "external" : "internal",
				      a, &vni[type == GWLBTUN_A_INTERNAL],
				      &port[type == GWLBTUN_A_INTERNAL]);
			break;
		case GWLBTUN_A_PEERS:
			logadd(line, sizeof(line), " peers%s=[",
			       a->nla_type & NLA_F_NESTED ? "" : "(NOT-NESTED)");
			mnl_attr_for_each_nested(p, a) {
				int fam = mnl_attr_get_type(p) == GWLBTUN_PEER_A_IPV4 &&
					  mnl_attr_get_payload_len(p) == 4 ? AF_INET :
					  mnl_attr_get_type(p) == GWLBTUN_PEER_A_IPV6 &&
					  mnl_attr_get_payload_len(p) == 16 ? AF_INET6 : 0;

				if (!fam)
					strcpy(addr, "BAD");
				else
					inet_ntop(fam, mnl_attr_get_payload(p), addr,
						  sizeof(addr));
				logadd(line, sizeof(line), "%s%s",
				       line[strlen(line) - 1] == '[' ? "" : ",", addr);
			}
			logadd(line, sizeof(line), "]");
			break;
		case GWLBTUN_A_PEERS_ANY:
		case GWLBTUN_A_TTL:
		case GWLBTUN_A_UDP_CSUM:
		case GWLBTUN_A_NF_HOOKS:
		case GWLBTUN_A_NON_IP:
		case GWLBTUN_A_UDP6_ZERO_CSUM_RX:
		case GWLBTUN_A_DRAIN:
			logadd(line, sizeof(line), " %s=%s%u",
			       type == GWLBTUN_A_PEERS_ANY ? "peers_any" :
			       type == GWLBTUN_A_TTL ? "ttl" :
			       type == GWLBTUN_A_UDP_CSUM ? "udp_csum" :
			       type == GWLBTUN_A_NF_HOOKS ? "nf_hooks" :
			       type == GWLBTUN_A_NON_IP ? "non_ip" :
			       type == GWLBTUN_A_DRAIN ? "drain" :
			       "udp6_zero_csum_rx",
			       len == 1 ? "" : "(BAD-LEN)", mnl_attr_get_u8(a));
			break;
		case GWLBTUN_A_MARK_EXTERNAL:
		case GWLBTUN_A_MARK_INTERNAL:
		case GWLBTUN_A_MARK_MASK:
			logadd(line, sizeof(line), " %s=%s0x%x",
			       type == GWLBTUN_A_MARK_EXTERNAL ? "mark_external" :
			       type == GWLBTUN_A_MARK_INTERNAL ? "mark_internal" :
			       "mark_mask",
			       len == 4 ? "" : "(BAD-LEN)", mnl_attr_get_u32(a));
			break;
		default:
			logadd(line, sizeof(line), " ?%u", type);
		}
	}
	if (log) {
		f = fopen(log, "a");
		if (f) {
			fprintf(f, "%s\n", line);
			fclose(f);
		}
	}

	if (knob("GWLBCTL_FAKE_EPERM")) {
		ack(req, -EPERM, NULL);
		return;
	}
	dev = find_dev(ifname);
	if (!dev) {
		ack(req, -ENODEV, "no gwlbtun device of that name");
		return;
	}
	if (dev->configured) {
		if (port[0] < 0)
			port[0] = dev->port[0];
		if (port[1] < 0)
			port[1] = dev->port[1];
	} else if ((port[0] < 0) != (port[1] < 0)) {
		ack(req, -EINVAL, "a device needs both tunnels or neither");
		return;
	}
	if (port[0] >= 0 && port[0] == port[1]) {
		ack(req, -EINVAL, "external and internal tunnels need different ports");
		return;
	}
	ack(req, 0, NULL);
}

static void getfamily(const struct nlmsghdr *req)
{
	const char *name = NULL;
	const struct nlattr *a;
	struct nlattr *groups, *grp;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	unsigned int d;

	mnl_attr_for_each(a, req, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME)
			name = mnl_attr_get_str(a);
	if (!name || strcmp(name, GWLBTUN_GENL_NAME) ||
	    knob("GWLBCTL_FAKE_NOFAMILY")) {
		ack(req, -ENOENT, NULL);
		return;
	}
	d = dgram_new();
	nlh = dgram_put(&d, GENL_ID_CTRL, 0, req->nlmsg_seq, req->nlmsg_pid);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_NEWFAMILY;
	g->version = 2;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, GWLBTUN_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAKE_FAMILY);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, GWLBTUN_GENL_VERSION);
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, FAKE_GROUP);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, GWLBTUN_MCGRP_CONFIG);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, groups);
	dgram_end(d, nlh);
	ack(req, 0, NULL);
}

static void handle(const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);

	if (req->nlmsg_type == GENL_ID_CTRL && g->cmd == CTRL_CMD_GETFAMILY) {
		getfamily(req);
		return;
	}
	if (req->nlmsg_type != FAKE_FAMILY) {
		ack(req, -ENOENT, NULL);
		return;
	}
	switch (g->cmd) {
	case GWLBTUN_CMD_GET_DEVICE:
	case GWLBTUN_CMD_GET_STATS:
		get(req, g->cmd);
		break;
	case GWLBTUN_CMD_GET_NETNS_STATS:
		netns_stats(req);
		break;
	case GWLBTUN_CMD_SET_DEVICE:
		set(req);
		break;
	default:
		ack(req, -EOPNOTSUPP, NULL);
	}
}

/* ---- libmnl's socket functions ---- */

struct mnl_socket *mnl_socket_open(int bus)
{
	if (bus != NETLINK_GENERIC) {
		errno = EPROTONOSUPPORT;
		return NULL;
	}
	memset(&fk, 0, sizeof(fk));
	return &fk.sock;
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl;
	(void)groups;
	(void)pid;
	return 0;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return FAKE_PORTID;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf,
			  socklen_t len)
{
	int v = len >= sizeof(int) ? *(int *)buf : 0;

	(void)nl;
	switch (type) {
	case NETLINK_EXT_ACK:
		fk.ext_ack = v;
		return 0;
	case NETLINK_CAP_ACK:
		fk.cap_ack = v;
		return 0;
	case NETLINK_ADD_MEMBERSHIP:
		if (v != FAKE_GROUP) {
			errno = EINVAL;
			return -1;
		}
		fk.joined = true;
		return 0;
	}
	errno = ENOPROTOOPT;
	return -1;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf,
			  size_t len)
{
	const struct nlmsghdr *req = buf;

	(void)nl;
	if (len < NLMSG_HDRLEN + GENL_HDRLEN || req->nlmsg_len != len ||
	    !(req->nlmsg_flags & NLM_F_REQUEST)) {
		errno = EINVAL;
		return -1;
	}
	handle(req);
	return (ssize_t)len;
}

/* Two notifications, a lost one, a malformed one, then SIGINT. */
static ssize_t monitor_recv(void *buf, size_t size)
{
	struct nlmsghdr *nlh;
	unsigned int d;

	switch (fk.monitor_step++) {
	case 0:
	case 3:
		d = dgram_new();
		nlh = genl_put(&d, GWLBTUN_CMD_SET_DEVICE, 0, 0, 0);
		put_config(nlh, &devs[fk.monitor_step == 1 ? 0 : 1]);
		dgram_end(d, nlh);
		break;
	case 1:
		errno = ENOBUFS;
		return -1;
	case 2:
		d = dgram_new();
		nlh = genl_put(&d, GWLBTUN_CMD_SET_DEVICE, 0, 0, 0);
		mnl_attr_put_u16(nlh, GWLBTUN_A_MARK_MASK, 1);
		dgram_end(d, nlh);
		/* and one of another command, to be ignored */
		nlh = genl_put(&d, GWLBTUN_CMD_GET_STATS, 0, 0, 0);
		put_stats(nlh, &devs[0]);
		dgram_end(d, nlh);
		break;
	default:
		raise(SIGINT);
		errno = EINTR;
		return -1;
	}
	d = fk.head++ % QUEUE_LEN;
	if (fk.len[d] > size) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, fk.q[d], fk.len[d]);
	return (ssize_t)fk.len[d];
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
			    size_t size)
{
	unsigned int d;

	(void)nl;
	if (fk.head == fk.tail) {
		if (fk.joined)
			return monitor_recv(buf, size);
		/* The kernel would block forever: fail the test instead. */
		errno = ETIMEDOUT;
		return -1;
	}
	d = fk.head++ % QUEUE_LEN;
	if (fk.len[d] > size) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, fk.q[d], fk.len[d]);
	return (ssize_t)fk.len[d];
}

int mnl_socket_close(struct mnl_socket *nl)
{
	(void)nl;
	return 0;
}
