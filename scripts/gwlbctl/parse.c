// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbctl: parsing and checking of the user's arguments. Everything the
 * kernel would reject for a reason the tool can see is rejected here, before
 * any netlink traffic, with a message naming the bad token.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "gwlbctl.h"

int gwlb_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("gwlbctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'gwlbctl --help' for more information.\n", stderr);
	return GWLBCTL_EXIT_USAGE;
}

/* The rules of the kernel's dev_valid_name(). */
bool gwlb_parse_ifname(const char *s, const char **why)
{
	if (!*s) {
		*why = "is empty";
		return false;
	}
	if (strlen(s) >= IFNAMSIZ) {
		*why = "is too long (at most 15 characters)";
		return false;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..")) {
		*why = "is not a valid interface name";
		return false;
	}
	for (; *s; s++) {
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s)) {
			*why = "contains '/', ':' or white space";
			return false;
		}
	}
	return true;
}

/*
 * Parse the len characters at s as a number no larger than max: decimal, or
 * with allow_hex also 0x hexadecimal. No sign, no white space, nothing else.
 * Returns 0, -EINVAL when they are not such a number or -ERANGE when it is
 * larger than max.
 */
static int parse_uint_len(const char *s, size_t len, bool allow_hex,
			  uint32_t max, uint32_t *out)
{
	const char *end = s + len;
	unsigned int base = 10;
	uint64_t v = 0;
	bool range = false;

	if (allow_hex && len > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (s == end)
		return -EINVAL;
	for (; s < end; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		/* Keep scanning so that "99x" is -EINVAL, not -ERANGE. */
		if (!range) {
			v = v * base + d;
			range = v > max;
		}
	}
	if (range)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

static int parse_uint(const char *s, bool allow_hex, uint32_t max,
		      uint32_t *out)
{
	return parse_uint_len(s, strlen(s), allow_hex, max, out);
}

enum set_keyword {
	KW_EXTERNAL,
	KW_INTERNAL,
	KW_PEERS,
	KW_TTL,
	KW_UDPCSUM,
	KW_HOOKS,
	KW_MARK_EXTERNAL,
	KW_MARK_INTERNAL,
	KW_MARK_MASK,
	KW_NON_IP,
	KW_UDP6_ZERO_CSUM_RX,
	KW_DRAIN,
};

static const struct {
	const char *name;
	const char *value;	/* what the value looks like, for messages */
} set_keywords[] = {
	[KW_EXTERNAL] = { "external", "VNI:PORT" },
	[KW_INTERNAL] = { "internal", "VNI:PORT" },
	[KW_PEERS] = { "peers", "ADDR[,ADDR...], any or none" },
	[KW_TTL] = { "ttl", "0..255 or inherit" },
	[KW_UDPCSUM] = { "udpcsum", "on or off" },
	[KW_HOOKS] = { "hooks", "on or off" },
	[KW_MARK_EXTERNAL] = { "mark-external", "a 32-bit number" },
	[KW_MARK_INTERNAL] = { "mark-internal", "a 32-bit number" },
	[KW_MARK_MASK] = { "mark-mask", "a 32-bit number" },
	[KW_NON_IP] = { "non-ip", "drop or reflect" },
	[KW_UDP6_ZERO_CSUM_RX] = { "udp6-zero-csum-rx", "on or off" },
	[KW_DRAIN] = { "drain", "on or off" },
};

static int parse_tunnel(const char *kw, const char *s, struct gwlb_tunnel *t)
{
	const char *colon = strchr(s, ':'), *port;
	int vni_len;
	uint32_t v;
	int err;

	if (!colon || strchr(colon + 1, ':') || colon == s || !colon[1])
		return gwlb_usage_error("set: %s: expected VNI:PORT, got '%s'",
					kw, s);
	vni_len = (int)(colon - s);
	port = colon + 1;

	err = parse_uint_len(s, vni_len, false, GWLBTUN_VNI_MAX, &v);
	if (err == -ERANGE)
		return gwlb_usage_error("set: %s: VNI %.*s is out of range 0..%u",
					kw, vni_len, s, GWLBTUN_VNI_MAX);
	if (err)
		return gwlb_usage_error("set: %s: VNI '%.*s' is not a decimal number 0..%u",
					kw, vni_len, s, GWLBTUN_VNI_MAX);
	t->vni = v;

	err = parse_uint(port, false, 65535, &v);
	if (err == -ERANGE || (!err && !v))
		return gwlb_usage_error("set: %s: port %s is out of range 1..65535",
					kw, port);
	if (err)
		return gwlb_usage_error("set: %s: port '%s' is not a decimal number 1..65535",
					kw, port);
	t->port = (uint16_t)v;
	t->present = BIT(GWLBTUN_TUNNEL_A_VNI) | BIT(GWLBTUN_TUNNEL_A_PORT);
	return 0;
}

static bool peer_equal(const struct gwlb_peer *a, const struct gwlb_peer *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	return !memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6));
}

static int parse_peer(const char *tok, struct gwlb_peer *p)
{
	if (!strcmp(tok, "any") || !strcmp(tok, "none"))
		return gwlb_usage_error("set: peers: '%s' cannot be combined with addresses",
					tok);
	if (inet_pton(AF_INET, tok, &p->addr.v4) == 1) {
		p->family = AF_INET;
		if (p->addr.v4.s_addr == htonl(INADDR_ANY))
			return gwlb_usage_error("set: peers: '%s' is the unspecified address; use 'peers any' to accept any source",
						tok);
		return 0;
	}
	if (inet_pton(AF_INET6, tok, &p->addr.v6) == 1) {
		p->family = AF_INET6;
		if (IN6_IS_ADDR_UNSPECIFIED(&p->addr.v6))
			return gwlb_usage_error("set: peers: '%s' is the unspecified address; use 'peers any' to accept any source",
						tok);
		if (IN6_IS_ADDR_V4MAPPED(&p->addr.v6))
			return gwlb_usage_error("set: peers: '%s' is an IPv4-mapped IPv6 address; give the IPv4 address",
						tok);
		return 0;
	}
	return gwlb_usage_error("set: peers: '%s' is not an IPv4 or IPv6 address",
				tok);
}

static int parse_peers(const char *s, struct gwlb_device *req,
		       struct gwlb_peer *buf, unsigned int buf_len)
{
	const char *tok = s;
	unsigned int n = 0, i;

	req->present |= BIT(GWLBTUN_A_PEERS) | BIT(GWLBTUN_A_PEERS_ANY);
	req->peers = buf;
	req->n_peers = 0;
	req->peers_any = 0;
	if (!strcmp(s, "any")) {
		req->peers_any = 1;
		return 0;
	}
	if (!strcmp(s, "none"))
		return 0;

	for (;;) {
		const char *end = strchr(tok, ',');
		size_t len = end ? (size_t)(end - tok) : strlen(tok);
		char addr[INET6_ADDRSTRLEN + 1];

		if (!len)
			return gwlb_usage_error("set: peers: empty address in '%s'",
						s);
		if (len >= sizeof(addr))
			return gwlb_usage_error("set: peers: '%.*s' is not an IPv4 or IPv6 address",
						(int)len, tok);
		memcpy(addr, tok, len);
		addr[len] = '\0';
		if (n == buf_len) {
			/* Count them all for the message. */
			for (n++; end; end = strchr(end + 1, ','))
				n++;
			return gwlb_usage_error("set: peers: too many addresses (%u given, at most %u)",
						n, buf_len);
		}
		if (parse_peer(addr, &buf[n]))
			return GWLBCTL_EXIT_USAGE;
		for (i = 0; i < n; i++)
			if (peer_equal(&buf[i], &buf[n]))
				return gwlb_usage_error("set: peers: '%s' is listed twice",
							addr);
		n++;
		if (!end)
			break;
		tok = end + 1;
	}
	req->n_peers = n;
	return 0;
}

static int parse_bool(const char *kw, const char *s, uint8_t *out)
{
	if (!strcmp(s, "on")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(s, "off")) {
		*out = 0;
		return 0;
	}
	return gwlb_usage_error("set: %s: expected on or off, got '%s'", kw, s);
}

static int parse_non_ip(const char *s, uint8_t *out)
{
	if (!strcmp(s, "drop")) {
		*out = GWLBTUN_NON_IP_DROP;
		return 0;
	}
	if (!strcmp(s, "reflect")) {
		*out = GWLBTUN_NON_IP_REFLECT;
		return 0;
	}
	return gwlb_usage_error("set: non-ip: expected drop or reflect, got '%s'",
				s);
}

static int parse_mark(const char *kw, const char *s, uint32_t *out)
{
	int err = parse_uint(s, true, UINT32_MAX, out);

	if (err == -ERANGE)
		return gwlb_usage_error("set: %s: %s does not fit in 32 bits",
					kw, s);
	if (err)
		return gwlb_usage_error("set: %s: '%s' is not a decimal or 0x hexadecimal number",
					kw, s);
	return 0;
}

static int parse_ttl(const char *s, uint8_t *out)
{
	uint32_t v;
	int err;

	if (!strcmp(s, "inherit")) {
		*out = 0;
		return 0;
	}
	err = parse_uint(s, false, 255, &v);
	if (err == -ERANGE)
		return gwlb_usage_error("set: ttl: %s is out of range 0..255", s);
	if (err)
		return gwlb_usage_error("set: ttl: expected 0..255 or inherit, got '%s'",
					s);
	*out = (uint8_t)v;
	return 0;
}

static int parse_keyword(enum set_keyword kw, const char *val,
			 struct gwlb_device *req, struct gwlb_peer *peer_buf,
			 unsigned int peer_buf_len)
{
	const char *name = set_keywords[kw].name;

	switch (kw) {
	case KW_EXTERNAL:
		req->present |= BIT(GWLBTUN_A_EXTERNAL);
		return parse_tunnel(name, val, &req->external);
	case KW_INTERNAL:
		req->present |= BIT(GWLBTUN_A_INTERNAL);
		return parse_tunnel(name, val, &req->internal);
	case KW_PEERS:
		return parse_peers(val, req, peer_buf, peer_buf_len);
	case KW_TTL:
		req->present |= BIT(GWLBTUN_A_TTL);
		return parse_ttl(val, &req->ttl);
	case KW_UDPCSUM:
		req->present |= BIT(GWLBTUN_A_UDP_CSUM);
		return parse_bool(name, val, &req->udp_csum);
	case KW_HOOKS:
		req->present |= BIT(GWLBTUN_A_NF_HOOKS);
		return parse_bool(name, val, &req->nf_hooks);
	case KW_MARK_EXTERNAL:
		req->present |= BIT(GWLBTUN_A_MARK_EXTERNAL);
		return parse_mark(name, val, &req->mark_external);
	case KW_MARK_INTERNAL:
		req->present |= BIT(GWLBTUN_A_MARK_INTERNAL);
		return parse_mark(name, val, &req->mark_internal);
	case KW_MARK_MASK:
		req->present |= BIT(GWLBTUN_A_MARK_MASK);
		return parse_mark(name, val, &req->mark_mask);
	case KW_NON_IP:
		req->present |= BIT(GWLBTUN_A_NON_IP);
		return parse_non_ip(val, &req->non_ip);
	case KW_UDP6_ZERO_CSUM_RX:
		req->present |= BIT(GWLBTUN_A_UDP6_ZERO_CSUM_RX);
		return parse_bool(name, val, &req->udp6_zero_csum_rx);
	case KW_DRAIN:
		req->present |= BIT(GWLBTUN_A_DRAIN);
		return parse_bool(name, val, &req->drain);
	}
	return GWLBCTL_EXIT_USAGE;
}

/*
 * Parse "DEV KEYWORD VALUE..." (the arguments after "set") into req, whose
 * peers point into peer_buf. Returns 0, or GWLBCTL_EXIT_USAGE after telling
 * the user what is wrong.
 */
int gwlb_parse_set_args(int argc, char **argv, struct gwlb_device *req,
			struct gwlb_peer *peer_buf, unsigned int peer_buf_len)
{
	unsigned int seen = 0, kw;
	const char *why;
	int i;

	memset(req, 0, sizeof(*req));
	if (argc < 1)
		return gwlb_usage_error("set: missing device name");
	if (!gwlb_parse_ifname(argv[0], &why))
		return gwlb_usage_error("set: device name '%s' %s", argv[0], why);
	strcpy(req->ifname, argv[0]);
	req->present = BIT(GWLBTUN_A_IFNAME);
	if (argc < 2)
		return gwlb_usage_error("set: nothing to change on %s (give at least one setting)",
					argv[0]);

	for (i = 1; i < argc; i += 2) {
		for (kw = 0; kw < ARRAY_SIZE(set_keywords); kw++)
			if (!strcmp(argv[i], set_keywords[kw].name))
				break;
		if (kw == ARRAY_SIZE(set_keywords))
			return gwlb_usage_error("set: unknown setting '%s'",
						argv[i]);
		if (seen & BIT(kw))
			return gwlb_usage_error("set: '%s' given twice",
						argv[i]);
		seen |= BIT(kw);
		if (i + 1 >= argc || !*argv[i + 1])
			return gwlb_usage_error("set: '%s' needs a value: %s",
						argv[i], set_keywords[kw].value);
		if (parse_keyword(kw, argv[i + 1], req, peer_buf, peer_buf_len))
			return GWLBCTL_EXIT_USAGE;
	}

	if ((seen & BIT(KW_EXTERNAL)) && (seen & BIT(KW_INTERNAL)) &&
	    req->external.port == req->internal.port)
		return gwlb_usage_error("set: external and internal must use different UDP ports (both are %u)",
					req->external.port);
	return 0;
}
