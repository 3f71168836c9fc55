// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbctl-selftest: unit tests of gwlbctl's parts that need no gwlbtun
 * module: the JSON writer, argument parsing into a SET_DEVICE request and
 * its exact wire layout, the reply parser (unknown attributes skipped,
 * malformed ones refused), the extended ack parser, and the request loop
 * against the kernel's own "nlctrl" family (extended ack, dump, ENOENT).
 *
 *	gwlbctl-selftest			run the tests, exit 1 if one fails
 *	gwlbctl-selftest [-p] show|stats	print sample output as gwlbctl
 *	gwlbctl-selftest [-p] json-show|json-stats	would, for checks by jq
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "gwlbctl.h"

#define FAKE_FAMILY 0x1234

static unsigned int passed, failed;

#define CHECK(cond) check(!!(cond), #cond, __LINE__)

static bool check(bool ok, const char *what, int line)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		printf("FAIL selftest.c:%d: %s\n", line, what);
	}
	return ok;
}

/* ---- JSON ---- */

static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_string(f, s);
	fclose(f);
	return buf;
}

static void test_json_string(void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "gwlb0", "\"gwlb0\"" },
		{ "", "\"\"" },
		{ "a\"b\\c/d", "\"a\\\"b\\\\c/d\"" },
		{ "\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"" },
		/* valid UTF-8 passes through: e-acute, euro sign, an emoji */
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		/* invalid UTF-8 becomes U+FFFD, byte by byte */
		{ "\xff", "\"\\ufffd\"" },
		{ "\xc0\x80", "\"\\ufffd\\ufffd\"" },			/* overlong */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "a\xe2\x82" "b", "\"a\\ufffd\\ufffdb\"" },		/* truncated */
		{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *out = json_of(cases[i].in);

		if (!CHECK(!strcmp(out, cases[i].out)))
			printf("     case %u: got %s, want %s\n", i, out,
			       cases[i].out);
		free(out);
	}
}

static char *json_doc(bool pretty)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f, pretty);
	json_open(&j, NULL, '[');
	json_open(&j, NULL, '{');
	json_str(&j, "name", "x");
	json_u64(&j, "n", 18446744073709551615ULL);
	json_bool(&j, "b", true);
	json_null(&j, "z");
	json_open(&j, "a", '[');
	json_close(&j, ']');
	json_open(&j, "o", '{');
	json_u64(&j, "k", 0);
	json_close(&j, '}');
	json_close(&j, '}');
	json_close(&j, ']');
	fclose(f);
	return buf;
}

static void test_json_writer(void)
{
	char *out;

	out = json_doc(false);
	CHECK(!strcmp(out, "[{\"name\":\"x\",\"n\":18446744073709551615,"
			   "\"b\":true,\"z\":null,\"a\":[],\"o\":{\"k\":0}}]"));
	free(out);
	out = json_doc(true);
	CHECK(!strcmp(out,
		      "[\n"
		      "  {\n"
		      "    \"name\": \"x\",\n"
		      "    \"n\": 18446744073709551615,\n"
		      "    \"b\": true,\n"
		      "    \"z\": null,\n"
		      "    \"a\": [],\n"
		      "    \"o\": {\n"
		      "      \"k\": 0\n"
		      "    }\n"
		      "  }\n"
		      "]"));
	free(out);
}

/* ---- SET_DEVICE requests ---- */

static struct gwlb_peer peer_buf[GWLBTUN_PEERS_MAX];

/* Parse a "set" command line given as one string of words. */
static int set_args(struct gwlb_device *req, const char *line)
{
	char *copy = strdup(line), *argv[64], *tok;
	int argc = 0, ret;

	for (tok = strtok(copy, " "); tok && argc < 64; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	ret = gwlb_parse_set_args(argc, argv, req, peer_buf,
				  ARRAY_SIZE(peer_buf));
	/* req->ifname is a copy, so the words may go. */
	free(copy);
	return ret;
}

static struct nlmsghdr *build_set(void *buf, size_t len,
				  const struct gwlb_device *req)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, len);
	nlh = gwlb_msg_start(buf, FAKE_FAMILY, GWLBTUN_CMD_SET_DEVICE,
			     NLM_F_ACK, 7);
	if (gwlb_msg_put_device(nlh, len, req) < 0)
		return NULL;
	return nlh;
}

static void test_set_layout(void)
{
	char buf[4096];
	struct gwlb_device req;
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	struct nlattr *a, *b;

	CHECK(set_args(&req, "gwlb0 external 901:10801") == 0);
	nlh = build_set(buf, sizeof(buf), &req);
	if (!CHECK(nlh))
		return;
	genl = mnl_nlmsg_get_payload(nlh);
	CHECK(nlh->nlmsg_type == FAKE_FAMILY);
	CHECK(nlh->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
	CHECK(nlh->nlmsg_seq == 7);
	CHECK(genl->cmd == GWLBTUN_CMD_SET_DEVICE);
	CHECK(genl->version == GWLBTUN_GENL_VERSION);
	/* 16 header + 4 genl + 12 ifname + 20 external nest */
	CHECK(nlh->nlmsg_len == 52);

	a = (struct nlattr *)(genl + 1);
	CHECK(a->nla_type == GWLBTUN_A_IFNAME);
	CHECK(a->nla_len == 4 + 6);
	CHECK(!memcmp(a + 1, "gwlb0", 6));

	a = (struct nlattr *)((char *)a + 12);
	CHECK(a->nla_type == (GWLBTUN_A_EXTERNAL | NLA_F_NESTED));
	CHECK(a->nla_len == 20);
	b = a + 1;
	CHECK(b->nla_type == GWLBTUN_TUNNEL_A_VNI && b->nla_len == 8);
	CHECK(*(uint32_t *)(b + 1) == 901);
	b = (struct nlattr *)((char *)b + 8);
	CHECK(b->nla_type == GWLBTUN_TUNNEL_A_PORT && b->nla_len == 6);
	CHECK(*(uint16_t *)(b + 1) == 10801);	/* host byte order */

	/* peers none: ANY 0 and an empty nest */
	CHECK(set_args(&req, "gwlb0 peers none") == 0);
	nlh = build_set(buf, sizeof(buf), &req);
	if (!CHECK(nlh))
		return;
	genl = mnl_nlmsg_get_payload(nlh);
	a = (struct nlattr *)((char *)(genl + 1) + 12);
	CHECK(a->nla_type == (GWLBTUN_A_PEERS | NLA_F_NESTED));
	CHECK(a->nla_len == 4);
	a = a + 1;
	CHECK(a->nla_type == GWLBTUN_A_PEERS_ANY && a->nla_len == 5);
	CHECK(*(uint8_t *)(a + 1) == 0);
	CHECK(nlh->nlmsg_len == 16 + 4 + 12 + 4 + 8);

	/* non-ip reflect: a u8 of value 1 */
	CHECK(set_args(&req, "gwlb0 non-ip reflect") == 0);
	nlh = build_set(buf, sizeof(buf), &req);
	if (!CHECK(nlh))
		return;
	genl = mnl_nlmsg_get_payload(nlh);
	a = (struct nlattr *)((char *)(genl + 1) + 12);
	CHECK(a->nla_type == GWLBTUN_A_NON_IP && a->nla_len == 5);
	CHECK(*(uint8_t *)(a + 1) == GWLBTUN_NON_IP_REFLECT);
	CHECK(nlh->nlmsg_len == 16 + 4 + 12 + 8);

	/* peers any: ANY 1 and an empty nest */
	CHECK(set_args(&req, "gwlb0 peers any") == 0);
	CHECK(req.peers_any == 1 && req.n_peers == 0);
	CHECK(req.present == (BIT(GWLBTUN_A_IFNAME) | BIT(GWLBTUN_A_PEERS) |
			      BIT(GWLBTUN_A_PEERS_ANY)));
}

static bool same_peer(const struct gwlb_peer *p, const char *addr)
{
	char s[INET6_ADDRSTRLEN];

	gwlb_format_peer(p, s, sizeof(s));
	return !strcmp(s, addr);
}

/* A request is shaped like a reply, so parsing it gives it back. */
static void test_set_roundtrip(void)
{
	char buf[4096], line[2048];
	struct gwlb_device req, back;
	struct nlmsghdr *nlh;
	const char *bad;
	unsigned int i;
	size_t n;

	CHECK(set_args(&req, "gwlb0 external 901:10801 internal 900:10800 "
			     "peers 10.0.0.5,fd00::5,192.168.0.5 ttl inherit "
			     "udpcsum off hooks on mark-external 0x1 "
			     "mark-internal 2 mark-mask 0xFFFFFFFF "
			     "non-ip reflect udp6-zero-csum-rx on") == 0);
	nlh = build_set(buf, sizeof(buf), &req);
	if (!CHECK(nlh))
		return;
	memset(&back, 0, sizeof(back));
	CHECK(gwlb_msg_parse_device(nlh, &back, &bad) == 0);
	CHECK(back.present == req.present);
	CHECK(back.present == (BIT(GWLBTUN_A_IFNAME) | BIT(GWLBTUN_A_EXTERNAL) |
			       BIT(GWLBTUN_A_INTERNAL) | BIT(GWLBTUN_A_PEERS) |
			       BIT(GWLBTUN_A_PEERS_ANY) | BIT(GWLBTUN_A_TTL) |
			       BIT(GWLBTUN_A_UDP_CSUM) | BIT(GWLBTUN_A_NF_HOOKS) |
			       BIT(GWLBTUN_A_MARK_EXTERNAL) |
			       BIT(GWLBTUN_A_MARK_INTERNAL) |
			       BIT(GWLBTUN_A_MARK_MASK) | BIT(GWLBTUN_A_NON_IP) |
			       BIT(GWLBTUN_A_UDP6_ZERO_CSUM_RX)));
	CHECK(!strcmp(back.ifname, "gwlb0"));
	CHECK(back.external.vni == 901 && back.external.port == 10801);
	CHECK(back.internal.vni == 900 && back.internal.port == 10800);
	CHECK(back.n_peers == 3);
	if (back.n_peers == 3) {
		CHECK(back.peers[0].family == AF_INET &&
		      same_peer(&back.peers[0], "10.0.0.5"));
		CHECK(back.peers[1].family == AF_INET6 &&
		      same_peer(&back.peers[1], "fd00::5"));
		CHECK(same_peer(&back.peers[2], "192.168.0.5"));
	}
	CHECK(back.peers_any == 0 && back.ttl == 0);
	CHECK(back.udp_csum == 0 && back.nf_hooks == 1);
	CHECK(back.mark_external == 1 && back.mark_internal == 2);
	CHECK(back.mark_mask == 0xffffffff);
	CHECK(back.non_ip == GWLBTUN_NON_IP_REFLECT);
	CHECK(back.udp6_zero_csum_rx == 1);
	/* A request carries no route MTU: the kernel refuses it. */
	CHECK(!back.peers[0].has_route_mtu && !back.peers[2].has_route_mtu);
	gwlb_device_free(&back);

	/* And the other values. */
	CHECK(set_args(&req, "gwlb0 non-ip drop udp6-zero-csum-rx off") == 0);
	CHECK(req.present == (BIT(GWLBTUN_A_IFNAME) | BIT(GWLBTUN_A_NON_IP) |
			      BIT(GWLBTUN_A_UDP6_ZERO_CSUM_RX)));
	CHECK(req.non_ip == GWLBTUN_NON_IP_DROP && req.udp6_zero_csum_rx == 0);

	/* drain, and what the request carries of it. */
	CHECK(set_args(&req, "gwlb0 drain on") == 0);
	CHECK(req.present == (BIT(GWLBTUN_A_IFNAME) | BIT(GWLBTUN_A_DRAIN)));
	CHECK(req.drain == 1);
	nlh = build_set(buf, sizeof(buf), &req);
	if (CHECK(nlh)) {
		memset(&back, 0, sizeof(back));
		CHECK(gwlb_msg_parse_device(nlh, &back, &bad) == 0);
		CHECK(back.present == req.present && back.drain == 1);
		gwlb_device_free(&back);
	}
	CHECK(set_args(&req, "gwlb0 drain off") == 0 && req.drain == 0);

	/* The limits: VNI 0 and 16777215, port 1 and 65535, ttl 255. */
	CHECK(set_args(&req, "gwlb0 external 0:1 internal 16777215:65535 ttl 255") == 0);
	CHECK(req.external.vni == 0 && req.external.port == 1);
	CHECK(req.internal.vni == GWLBTUN_VNI_MAX && req.internal.port == 65535);
	CHECK(req.ttl == 255);

	/* GWLBTUN_PEERS_MAX peers fit in the request buffer. */
	n = (size_t)snprintf(line, sizeof(line), "gwlb0 peers ");
	for (i = 0; i < GWLBTUN_PEERS_MAX; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%sfd00::%x",
				      i ? "," : "", i + 1);
	CHECK(set_args(&req, line) == 0);
	CHECK(req.n_peers == GWLBTUN_PEERS_MAX);
	nlh = build_set(buf, sizeof(buf), &req);
	CHECK(nlh);
	memset(&back, 0, sizeof(back));
	CHECK(nlh && gwlb_msg_parse_device(nlh, &back, &bad) == 0);
	CHECK(back.n_peers == GWLBTUN_PEERS_MAX);
	gwlb_device_free(&back);

	/* A buffer too small is refused, not overrun. */
	memset(buf, 0, sizeof(buf));
	nlh = gwlb_msg_start(buf, FAKE_FAMILY, GWLBTUN_CMD_SET_DEVICE, 0, 1);
	CHECK(gwlb_msg_put_device(nlh, 256, &req) == -EMSGSIZE);
	CHECK(nlh->nlmsg_len <= 256);
}

/* ---- replies ---- */

static struct nlmsghdr *reply_start(void *buf, size_t len, uint8_t cmd)
{
	memset(buf, 0, len);
	return gwlb_msg_start(buf, FAKE_FAMILY, cmd, 0, 0);
}

static void put_counter_nest(struct nlmsghdr *nlh, uint16_t type,
			     uint64_t base)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u64(nlh, GWLBTUN_TUNNEL_STATS_A_RX_PACKETS, base + 1);
	mnl_attr_put(nlh, GWLBTUN_TUNNEL_STATS_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, GWLBTUN_TUNNEL_STATS_A_RX_BYTES, base + 1000);
	mnl_attr_put_u32(nlh, GWLBTUN_TUNNEL_STATS_A_TX_PACKETS, base + 2);
	mnl_attr_put_u64(nlh, GWLBTUN_TUNNEL_STATS_A_TX_BYTES, base + 2000);
	mnl_attr_put_u64(nlh, 77, 5);	/* a counter from the future */
	mnl_attr_nest_end(nlh, nest);
}

/* A GET_DEVICE reply with everything, including attributes from the future. */
static struct nlmsghdr *full_reply(void *buf, size_t len, const char *ifname,
				   uint32_t ifindex)
{
	struct nlmsghdr *nlh = reply_start(buf, len, GWLBTUN_CMD_GET_DEVICE);
	struct in6_addr v6;
	struct in_addr v4;
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, GWLBTUN_A_IFINDEX, ifindex);
	mnl_attr_put_strz(nlh, GWLBTUN_A_IFNAME, ifname);
	mnl_attr_put_u32(nlh, 100, 42);
	nest = mnl_attr_nest_start(nlh, GWLBTUN_A_EXTERNAL);
	mnl_attr_put_u32(nlh, GWLBTUN_TUNNEL_A_VNI, 901);
	mnl_attr_put_u16(nlh, GWLBTUN_TUNNEL_A_PORT, 10801);
	mnl_attr_put_u64(nlh, 9, 1);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, GWLBTUN_A_INTERNAL);
	mnl_attr_put_u32(nlh, GWLBTUN_TUNNEL_A_VNI, 900);
	mnl_attr_put_u16(nlh, GWLBTUN_TUNNEL_A_PORT, 10800);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, GWLBTUN_A_PEERS);
	/* A route MTU before any address describes nothing. */
	mnl_attr_put_u32(nlh, GWLBTUN_PEER_A_ROUTE_MTU, 1);
	inet_pton(AF_INET, "192.168.0.5", &v4);
	mnl_attr_put(nlh, GWLBTUN_PEER_A_IPV4, sizeof(v4), &v4);
	mnl_attr_put_u32(nlh, GWLBTUN_PEER_A_ROUTE_MTU, 1500);
	mnl_attr_put_strz(nlh, 7, "future peer");
	inet_pton(AF_INET6, "fd00::5", &v6);
	mnl_attr_put(nlh, GWLBTUN_PEER_A_IPV6, sizeof(v6), &v6);
	mnl_attr_put_u32(nlh, GWLBTUN_PEER_A_ROUTE_MTU, 0);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u8(nlh, GWLBTUN_A_PEERS_ANY, 0);
	mnl_attr_put_u8(nlh, GWLBTUN_A_TTL, 0);
	mnl_attr_put_u8(nlh, GWLBTUN_A_UDP_CSUM, 1);
	mnl_attr_put_u8(nlh, GWLBTUN_A_NF_HOOKS, 1);
	mnl_attr_put_u32(nlh, GWLBTUN_A_MARK_EXTERNAL, 0x1);
	mnl_attr_put_u32(nlh, GWLBTUN_A_MARK_INTERNAL, 0x2);
	mnl_attr_put_u32(nlh, GWLBTUN_A_MARK_MASK, 0x3);
	mnl_attr_put(nlh, GWLBTUN_A_PAD, 0, NULL);
	mnl_attr_put_u8(nlh, GWLBTUN_A_NON_IP, GWLBTUN_NON_IP_REFLECT);
	mnl_attr_put_u8(nlh, GWLBTUN_A_UDP6_ZERO_CSUM_RX, 1);
	mnl_attr_put_u8(nlh, GWLBTUN_A_DRAIN, 0);
	return nlh;
}

/* A GET_STATS reply; drops of reasons 2, 3 and the future reason 40. */
static struct nlmsghdr *stats_reply(void *buf, size_t len, uint8_t cmd,
				    const char *ifname, uint64_t base)
{
	struct nlmsghdr *nlh = reply_start(buf, len, cmd);
	struct nlattr *stats, *drops;
	unsigned int t;

	if (ifname) {
		mnl_attr_put_u32(nlh, GWLBTUN_A_IFINDEX, 5);
		mnl_attr_put_strz(nlh, GWLBTUN_A_IFNAME, ifname);
		mnl_attr_put_u8(nlh, GWLBTUN_A_DRAIN, base == 0);
	}
	stats = mnl_attr_nest_start(nlh, GWLBTUN_A_STATS);
	if (ifname) {
		put_counter_nest(nlh, GWLBTUN_STATS_A_EXTERNAL, base);
		put_counter_nest(nlh, GWLBTUN_STATS_A_INTERNAL, base * 2);
	}
	drops = mnl_attr_nest_start(nlh, GWLBTUN_STATS_A_DROPS);
	mnl_attr_put(nlh, GWLBTUN_DROP_NONE, 0, NULL);	/* padding */
	for (t = 1; t <= GWLBTUN_DROP_MAX; t++)
		mnl_attr_put_u64(nlh, t, t == GWLBTUN_DROP_UNKNOWN_VNI ? 7 :
				 t == GWLBTUN_DROP_PEER_NOT_ALLOWED ? base : 0);
	mnl_attr_put_u64(nlh, 40, 3);
	mnl_attr_nest_end(nlh, drops);
	mnl_attr_put_u32(nlh, 9, 9);	/* a stats attribute from the future */
	mnl_attr_nest_end(nlh, stats);
	return nlh;
}

static void test_parse_reply(void)
{
	char buf[4096];
	struct gwlb_device d;
	struct nlmsghdr *nlh;
	const char *bad;

	nlh = full_reply(buf, sizeof(buf), "gwlb0", 5);
	memset(&d, 0, sizeof(d));
	CHECK(gwlb_msg_parse_device(nlh, &d, &bad) == 0);
	CHECK(d.ifindex == 5 && !strcmp(d.ifname, "gwlb0"));
	CHECK(d.external.vni == 901 && d.external.port == 10801);
	CHECK(d.external.present == (BIT(GWLBTUN_TUNNEL_A_VNI) |
				     BIT(GWLBTUN_TUNNEL_A_PORT)));
	CHECK(d.internal.vni == 900 && d.internal.port == 10800);
	CHECK(d.n_peers == 2);
	CHECK(d.n_peers == 2 && same_peer(&d.peers[0], "192.168.0.5") &&
	      same_peer(&d.peers[1], "fd00::5"));
	CHECK(d.udp_csum == 1 && d.nf_hooks == 1 && d.ttl == 0);
	CHECK(d.mark_external == 1 && d.mark_internal == 2 && d.mark_mask == 3);
	CHECK(d.n_peers == 2 && d.peers[0].has_route_mtu &&
	      d.peers[0].route_mtu == 1500);
	CHECK(d.n_peers == 2 && d.peers[1].has_route_mtu &&
	      d.peers[1].route_mtu == 0);
	CHECK(d.non_ip == GWLBTUN_NON_IP_REFLECT && d.udp6_zero_csum_rx == 1);
	CHECK(d.present & BIT(GWLBTUN_A_NON_IP));
	CHECK(d.present & BIT(GWLBTUN_A_UDP6_ZERO_CSUM_RX));
	CHECK((d.present & BIT(GWLBTUN_A_DRAIN)) && d.drain == 0);
	CHECK(!(d.present & BIT(GWLBTUN_A_STATS)));
	gwlb_device_free(&d);

	nlh = stats_reply(buf, sizeof(buf), GWLBTUN_CMD_GET_STATS, "gwlb0", 100);
	memset(&d, 0, sizeof(d));
	CHECK(gwlb_msg_parse_device(nlh, &d, &bad) == 0);
	CHECK(d.present & BIT(GWLBTUN_A_STATS));
	CHECK(d.stats.external.val[GWLBTUN_TUNNEL_STATS_A_RX_PACKETS] == 101);
	CHECK(d.stats.external.val[GWLBTUN_TUNNEL_STATS_A_TX_PACKETS] == 102);
	CHECK(d.stats.internal.val[GWLBTUN_TUNNEL_STATS_A_TX_BYTES] == 2200);
	CHECK(d.stats.external.present == (BIT(1) | BIT(2) | BIT(3) | BIT(4)));
	CHECK(d.stats.drops[GWLBTUN_DROP_UNKNOWN_VNI] == 7);
	CHECK(d.stats.drops[40] == 3);
	CHECK(d.stats.drops_present ==
	      (((1ULL << (GWLBTUN_DROP_MAX + 1)) - 2) | (1ULL << 40)));
	gwlb_device_free(&d);
}

enum bad_kind {
	BAD_TTL_U32,
	BAD_IFNAME_NO_NUL,
	BAD_IFNAME_LONG,
	BAD_PEER_V4_LEN,
	BAD_PEER_V6_LEN,
	BAD_VNI_U16,
	BAD_PORT_U32,
	BAD_EXTERNAL_SHORT,
	BAD_COUNTER_LEN,
	BAD_DROP_LEN,
	BAD_MARK_U8,
	BAD_NON_IP_U32,
	BAD_ROUTE_MTU_U16,
	BAD_MAX
};

static const char *const bad_names[BAD_MAX] = {
	[BAD_TTL_U32] = "GWLBTUN_A_TTL",
	[BAD_IFNAME_NO_NUL] = "GWLBTUN_A_IFNAME",
	[BAD_IFNAME_LONG] = "GWLBTUN_A_IFNAME",
	[BAD_PEER_V4_LEN] = "GWLBTUN_PEER_A_IPV4",
	[BAD_PEER_V6_LEN] = "GWLBTUN_PEER_A_IPV6",
	[BAD_VNI_U16] = "GWLBTUN_TUNNEL_A_VNI",
	[BAD_PORT_U32] = "GWLBTUN_TUNNEL_A_PORT",
	[BAD_EXTERNAL_SHORT] = "GWLBTUN_A_EXTERNAL",
	[BAD_COUNTER_LEN] = "GWLBTUN_TUNNEL_STATS_A_RX_PACKETS",
	[BAD_DROP_LEN] = "GWLBTUN_STATS_A_DROPS",
	[BAD_MARK_U8] = "GWLBTUN_A_MARK_MASK",
	[BAD_NON_IP_U32] = "GWLBTUN_A_NON_IP",
	[BAD_ROUTE_MTU_U16] = "GWLBTUN_PEER_A_ROUTE_MTU",
};

static struct nlmsghdr *bad_reply(void *buf, size_t len, enum bad_kind kind)
{
	struct nlmsghdr *nlh = reply_start(buf, len, GWLBTUN_CMD_GET_DEVICE);
	static const char addr[16];
	struct nlattr *nest, *sub;

	mnl_attr_put_u32(nlh, GWLBTUN_A_IFINDEX, 3);
	switch (kind) {
	case BAD_TTL_U32:
		mnl_attr_put_u32(nlh, GWLBTUN_A_TTL, 1);
		break;
	case BAD_IFNAME_NO_NUL:
		mnl_attr_put_str(nlh, GWLBTUN_A_IFNAME, "gwlb0");
		break;
	case BAD_IFNAME_LONG:
		mnl_attr_put_strz(nlh, GWLBTUN_A_IFNAME, "a-name-of-20-chars!!");
		break;
	case BAD_PEER_V4_LEN:
	case BAD_PEER_V6_LEN:
		nest = mnl_attr_nest_start(nlh, GWLBTUN_A_PEERS);
		if (kind == BAD_PEER_V4_LEN)
			mnl_attr_put(nlh, GWLBTUN_PEER_A_IPV4, 16, addr);
		else
			mnl_attr_put(nlh, GWLBTUN_PEER_A_IPV6, 4, addr);
		mnl_attr_nest_end(nlh, nest);
		break;
	case BAD_VNI_U16:
	case BAD_PORT_U32:
		nest = mnl_attr_nest_start(nlh, GWLBTUN_A_INTERNAL);
		if (kind == BAD_VNI_U16)
			mnl_attr_put_u16(nlh, GWLBTUN_TUNNEL_A_VNI, 1);
		else
			mnl_attr_put_u32(nlh, GWLBTUN_TUNNEL_A_PORT, 1);
		mnl_attr_nest_end(nlh, nest);
		break;
	case BAD_EXTERNAL_SHORT:
		mnl_attr_put_u16(nlh, GWLBTUN_A_EXTERNAL, 1);
		break;
	case BAD_COUNTER_LEN:
	case BAD_DROP_LEN:
		nest = mnl_attr_nest_start(nlh, GWLBTUN_A_STATS);
		sub = mnl_attr_nest_start(nlh, kind == BAD_COUNTER_LEN ?
					  GWLBTUN_STATS_A_EXTERNAL :
					  GWLBTUN_STATS_A_DROPS);
		mnl_attr_put_u16(nlh, 1, 1);
		mnl_attr_nest_end(nlh, sub);
		mnl_attr_nest_end(nlh, nest);
		break;
	case BAD_MARK_U8:
		mnl_attr_put_u8(nlh, GWLBTUN_A_MARK_MASK, 1);
		break;
	case BAD_NON_IP_U32:
		mnl_attr_put_u32(nlh, GWLBTUN_A_NON_IP, 1);
		break;
	case BAD_ROUTE_MTU_U16:
		nest = mnl_attr_nest_start(nlh, GWLBTUN_A_PEERS);
		mnl_attr_put(nlh, GWLBTUN_PEER_A_IPV4, 4, addr);
		mnl_attr_put_u16(nlh, GWLBTUN_PEER_A_ROUTE_MTU, 1500);
		mnl_attr_nest_end(nlh, nest);
		break;
	case BAD_MAX:
		break;
	}
	return nlh;
}

static void test_parse_malformed(void)
{
	char buf[1024];
	struct gwlb_device d;
	struct nlmsghdr *nlh;
	const char *bad;
	unsigned int k;
	int ret;

	for (k = 0; k < BAD_MAX; k++) {
		nlh = bad_reply(buf, sizeof(buf), k);
		memset(&d, 0, sizeof(d));
		ret = gwlb_msg_parse_device(nlh, &d, &bad);
		if (!CHECK(ret == -EPROTO && bad && !strcmp(bad, bad_names[k])))
			printf("     case %u: ret %d bad %s\n", k, ret,
			       bad ? bad : "(null)");
		gwlb_device_free(&d);
	}

	/* No room for the genl header. */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = FAKE_FAMILY;
	nlh->nlmsg_len += 2;
	memset(&d, 0, sizeof(d));
	CHECK(gwlb_msg_parse_device(nlh, &d, &bad) == -EPROTO);

	/*
	 * An attribute claiming more bytes than the message has ends the
	 * parse without reading beyond the message. (libmnl rounds the
	 * message's length up to 4, so cut a whole 4 bytes.)
	 */
	nlh = reply_start(buf, sizeof(buf), GWLBTUN_CMD_GET_DEVICE);
	mnl_attr_put_u32(nlh, GWLBTUN_A_IFINDEX, 3);
	mnl_attr_put_u32(nlh, GWLBTUN_A_MARK_MASK, 3);
	nlh->nlmsg_len -= 4;
	memset(&d, 0, sizeof(d));
	CHECK(gwlb_msg_parse_device(nlh, &d, &bad) == 0);
	CHECK(d.present == BIT(GWLBTUN_A_IFINDEX) && d.ifindex == 3);
}

/* ---- acknowledgements ---- */

static struct nlmsghdr *error_msg(void *buf, size_t len, int error,
				  bool capped, const char *text, bool offs)
{
	struct nlmsghdr *nlh, *orig;
	struct nlmsgerr *e;
	char req[64];

	/* The request being answered: a header, a genl header, a u32. */
	memset(req, 0, sizeof(req));
	orig = gwlb_msg_start(req, FAKE_FAMILY, GWLBTUN_CMD_SET_DEVICE,
			      NLM_F_ACK, 9);
	mnl_attr_put_u32(orig, GWLBTUN_A_MARK_MASK, 0xdeadbeef);

	memset(buf, 0, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 9;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg = *orig;
	if (capped) {
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	} else {
		void *p = mnl_nlmsg_put_extra_header(nlh, orig->nlmsg_len -
						     sizeof(*orig));

		memcpy(p, orig + 1, orig->nlmsg_len - sizeof(*orig));
	}
	if (text || offs)
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	if (offs)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	return nlh;
}

static void test_parse_ack(void)
{
	char buf[512];
	struct gwlb_nl_err err;
	struct nlmsghdr *nlh;
	int capped;

	for (capped = 0; capped < 2; capped++) {
		nlh = error_msg(buf, sizeof(buf), -EINVAL, capped,
				"external and internal need different ports",
				true);
		memset(&err, 0, sizeof(err));
		CHECK(gwlb_msg_parse_error(nlh, &err) == EINVAL);
		CHECK(!strcmp(err.msg, "external and internal need different ports"));
		CHECK(err.has_offs && err.offs == 20);
	}

	nlh = error_msg(buf, sizeof(buf), 0, true, NULL, false);
	memset(&err, 0, sizeof(err));
	CHECK(gwlb_msg_parse_error(nlh, &err) == 0);
	CHECK(!err.msg[0] && !err.has_offs);

	nlh = error_msg(buf, sizeof(buf), -ENODEV, false, NULL, false);
	memset(&err, 0, sizeof(err));
	CHECK(gwlb_msg_parse_error(nlh, &err) == ENODEV && !err.msg[0]);

	/* A warning with a successful ack. */
	nlh = error_msg(buf, sizeof(buf), 0, true, "mark outside mask", false);
	memset(&err, 0, sizeof(err));
	CHECK(gwlb_msg_parse_error(nlh, &err) == 0);
	CHECK(!strcmp(err.msg, "mark outside mask"));

	/* A nonsense error code and a message too short to hold one. */
	nlh = error_msg(buf, sizeof(buf), 5, true, NULL, false);
	CHECK(gwlb_msg_parse_error(nlh, &err) == EPROTO);
	nlh->nlmsg_len = sizeof(*nlh) + 2;
	CHECK(gwlb_msg_parse_error(nlh, &err) == EBADMSG);

	/* The message's TLVs claim to be past its end: ignored. */
	nlh = error_msg(buf, sizeof(buf), -EINVAL, false, NULL, false);
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->msg.nlmsg_len = 4000;
	memset(&err, 0, sizeof(err));
	CHECK(gwlb_msg_parse_error(nlh, &err) == EINVAL && !err.msg[0]);

	/* NLMSG_DONE of a failed dump. */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = -EMSGSIZE;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "dump failed");
	memset(&err, 0, sizeof(err));
	CHECK(gwlb_msg_parse_done(nlh, &err) == EMSGSIZE);
	CHECK(!strcmp(err.msg, "dump failed"));
}

/* ---- the request loop, against the kernel's nlctrl family ---- */

static int count_cb(const struct nlmsghdr *nlh, void *data,
		    struct gwlb_nl_err *err)
{
	(void)nlh;
	(void)err;
	(*(unsigned int *)data)++;
	return MNL_CB_OK;
}

static void test_live(void)
{
	char buf[256] = { 0 };
	struct gwlb_nl_err err;
	struct nlmsghdr *nlh;
	struct gwlb_nl nl;
	unsigned int n = 0;

	if (gwlb_nl_open(&nl, &err) < 0) {
		printf("SKIP live netlink tests: %s\n", strerror(err.error));
		return;
	}

	CHECK(gwlb_nl_resolve(&nl, "nlctrl", &err) == 0);
	CHECK(nl.family == GENL_ID_CTRL);
	CHECK(nl.mcgrp_config == 0);	/* nlctrl's group is "notify" */

	CHECK(gwlb_nl_resolve(&nl, "gwlbtun-none", &err) < 0);
	CHECK(err.error == ENOENT);

	/*
	 * Family names have at most 15 characters: a longer one earns an
	 * extended ack pointing at the attribute.
	 */
	nlh = gwlb_msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK,
			     ++nl.seq);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "a-family-name-too-long");
	CHECK(gwlb_nl_request(&nl, nlh, count_cb, &n, &err) < 0);
	CHECK(err.error == EINVAL);
	if (CHECK(err.msg[0]))
		printf("     (kernel said: \"%s\")\n", err.msg);
	CHECK(err.has_offs && err.offs == NLMSG_HDRLEN + GENL_HDRLEN);
	CHECK(n == 0);

	/* A dump runs over several messages up to NLMSG_DONE. */
	memset(buf, 0, sizeof(buf));
	nlh = gwlb_msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
			     NLM_F_ACK | NLM_F_DUMP, ++nl.seq);
	CHECK(gwlb_nl_request(&nl, nlh, count_cb, &n, &err) == 0);
	CHECK(n >= 1);

	/* The socket still works after the dump: a do with an ack. */
	memset(buf, 0, sizeof(buf));
	nlh = gwlb_msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK,
			     ++nl.seq);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	n = 0;
	CHECK(gwlb_nl_request(&nl, nlh, count_cb, &n, &err) == 0);
	CHECK(n == 1);

	/*
	 * Answers to an earlier request still in the socket are skipped: send
	 * a request whose reply and ack nobody reads, then another.
	 */
	CHECK(mnl_socket_sendto(nl.sock, nlh, nlh->nlmsg_len) > 0);
	memset(buf, 0, sizeof(buf));
	nlh = gwlb_msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK,
			     ++nl.seq);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "nlctrl");
	n = 0;
	CHECK(gwlb_nl_request(&nl, nlh, count_cb, &n, &err) == 0);
	CHECK(n == 1);

	gwlb_nl_close(&nl);
}

/* ---- sample output ---- */

static void samples(struct gwlb_device_list *list, bool stats,
		    struct gwlb_stats *netns)
{
	char buf[4096];
	struct gwlb_device *d;
	struct nlmsghdr *nlh;
	const char *bad;

	if (stats) {
		d = gwlb_device_list_add(list);
		nlh = stats_reply(buf, sizeof(buf), GWLBTUN_CMD_GET_STATS,
				  "gwlb0", 1000000);
		gwlb_msg_parse_device(nlh, d, &bad);
		d = gwlb_device_list_add(list);
		nlh = stats_reply(buf, sizeof(buf), GWLBTUN_CMD_GET_STATS,
				  "we\"ird\\\n\x01\xff\xc3\xa9", 0);
		gwlb_msg_parse_device(nlh, d, &bad);
		nlh = stats_reply(buf, sizeof(buf), GWLBTUN_CMD_GET_NETNS_STATS,
				  NULL, 4);
		d = gwlb_device_list_add(list);
		gwlb_msg_parse_device(nlh, d, &bad);
		*netns = d->stats;
		list->n--;
		return;
	}

	d = gwlb_device_list_add(list);
	nlh = full_reply(buf, sizeof(buf), "gwlb0", 5);
	gwlb_msg_parse_device(nlh, d, &bad);

	/* A new device: no tunnels, no peers, defaults. */
	d = gwlb_device_list_add(list);
	nlh = reply_start(buf, sizeof(buf), GWLBTUN_CMD_GET_DEVICE);
	mnl_attr_put_u32(nlh, GWLBTUN_A_IFINDEX, 6);
	mnl_attr_put_strz(nlh, GWLBTUN_A_IFNAME, "we\"ird\\\n\x01\xff\xc3\xa9");
	mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, GWLBTUN_A_PEERS));
	mnl_attr_put_u8(nlh, GWLBTUN_A_PEERS_ANY, 0);
	mnl_attr_put_u8(nlh, GWLBTUN_A_TTL, 0);
	mnl_attr_put_u8(nlh, GWLBTUN_A_UDP_CSUM, 1);
	mnl_attr_put_u8(nlh, GWLBTUN_A_NF_HOOKS, 1);
	mnl_attr_put_u32(nlh, GWLBTUN_A_MARK_EXTERNAL, 0);
	mnl_attr_put_u32(nlh, GWLBTUN_A_MARK_INTERNAL, 0);
	mnl_attr_put_u32(nlh, GWLBTUN_A_MARK_MASK, 0);
	mnl_attr_put_u8(nlh, GWLBTUN_A_NON_IP, GWLBTUN_NON_IP_DROP);
	mnl_attr_put_u8(nlh, GWLBTUN_A_UDP6_ZERO_CSUM_RX, 0);
	gwlb_msg_parse_device(nlh, d, &bad);

	/* Any source, ttl 64, no checksum, no hooks, a future non-ip value. */
	d = gwlb_device_list_add(list);
	nlh = full_reply(buf, sizeof(buf), "gwlb1", 7);
	gwlb_msg_parse_device(nlh, d, &bad);
	d->peers_any = 1;
	d->n_peers = 0;
	d->ttl = 64;
	d->udp_csum = 0;
	d->nf_hooks = 0;
	d->mark_mask = 0;
	d->non_ip = 7;
	d->udp6_zero_csum_rx = 0;
}

static int print_samples(const char *what, bool pretty)
{
	struct gwlb_device_list list = { NULL, 0, 0 };
	bool stats = strstr(what, "stats");
	bool json = !strncmp(what, "json-", 5);
	struct gwlb_stats netns;
	struct json j;
	unsigned int i;

	if (strcmp(what, "show") && strcmp(what, "stats") &&
	    strcmp(what, "json-show") && strcmp(what, "json-stats")) {
		fprintf(stderr, "usage: gwlbctl-selftest [[-p] show|stats|json-show|json-stats]\n");
		return 2;
	}
	samples(&list, stats, &netns);
	if (json) {
		json_init(&j, stdout, pretty);
		json_open(&j, NULL, '[');
		for (i = 0; i < list.n; i++) {
			if (stats)
				gwlb_json_stats(&j, &list.dev[i]);
			else
				gwlb_json_device(&j, &list.dev[i]);
		}
		if (stats)
			gwlb_json_netns_stats(&j, &netns);
		json_close(&j, ']');
		putchar('\n');
	} else {
		for (i = 0; i < list.n; i++) {
			if (i)
				putchar('\n');
			if (stats)
				gwlb_print_stats(stdout, list.dev[i].ifname,
						 &list.dev[i].stats, false);
			else
				gwlb_print_device(stdout, &list.dev[i]);
		}
		if (stats) {
			putchar('\n');
			gwlb_print_stats(stdout, "netns unmatched", &netns,
					 true);
		}
	}
	gwlb_device_list_free(&list);
	return 0;
}

int main(int argc, char **argv)
{
	bool pretty = argc > 1 && !strcmp(argv[1], "-p");

	if (pretty) {
		argc--;
		argv++;
	}
	if (argc > 1)
		return print_samples(argv[1], pretty);

	test_json_string();
	test_json_writer();
	test_set_layout();
	test_set_roundtrip();
	test_parse_reply();
	test_parse_malformed();
	test_parse_ack();
	test_live();
	printf("selftest: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
