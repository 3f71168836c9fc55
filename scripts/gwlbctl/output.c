// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbctl: human readable and JSON output.
 *
 * JSON keys are stable; a value the kernel did not report is null. Strings
 * are escaped, and bytes that are not UTF-8 become U+FFFD, so the output is
 * always valid JSON whatever a device is called.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "gwlbctl.h"

/* Names of the drop reasons: for people, and as JSON keys. */
const char *const gwlb_drop_names[GWLBTUN_DROP_MAX + 1] = {
	[GWLBTUN_DROP_MALFORMED] = "malformed",
	[GWLBTUN_DROP_UNKNOWN_VNI] = "unknown-vni",
	[GWLBTUN_DROP_PEER_NOT_ALLOWED] = "peer-not-allowed",
	[GWLBTUN_DROP_DEVICE_DOWN] = "device-down",
	[GWLBTUN_DROP_NETFILTER] = "netfilter",
	[GWLBTUN_DROP_NO_ROUTE] = "no-route",
	[GWLBTUN_DROP_TOO_BIG] = "too-big",
	[GWLBTUN_DROP_NOMEM] = "nomem",
	[GWLBTUN_DROP_XMIT] = "xmit",
	[GWLBTUN_DROP_NOT_UNICAST] = "not-unicast",
	[GWLBTUN_DROP_ZERO_CSUM] = "zero-csum",
	[GWLBTUN_DROP_TTL] = "ttl",
	[GWLBTUN_DROP_UNFILTERED] = "unfiltered",
	[GWLBTUN_DROP_ECN] = "ecn",
	[GWLBTUN_DROP_STALE] = "stale",
};

const char *const gwlb_drop_json_keys[GWLBTUN_DROP_MAX + 1] = {
	[GWLBTUN_DROP_MALFORMED] = "malformed",
	[GWLBTUN_DROP_UNKNOWN_VNI] = "unknown_vni",
	[GWLBTUN_DROP_PEER_NOT_ALLOWED] = "peer_not_allowed",
	[GWLBTUN_DROP_DEVICE_DOWN] = "device_down",
	[GWLBTUN_DROP_NETFILTER] = "netfilter",
	[GWLBTUN_DROP_NO_ROUTE] = "no_route",
	[GWLBTUN_DROP_TOO_BIG] = "too_big",
	[GWLBTUN_DROP_NOMEM] = "nomem",
	[GWLBTUN_DROP_XMIT] = "xmit",
	[GWLBTUN_DROP_NOT_UNICAST] = "not_unicast",
	[GWLBTUN_DROP_ZERO_CSUM] = "zero_csum",
	[GWLBTUN_DROP_TTL] = "ttl",
	[GWLBTUN_DROP_UNFILTERED] = "unfiltered",
	[GWLBTUN_DROP_ECN] = "ecn",
	[GWLBTUN_DROP_STALE] = "stale",
};

/* The values of GWLBTUN_A_NON_IP, as "set ... non-ip" takes them. */
const char *gwlb_non_ip_name(uint8_t v)
{
	switch (v) {
	case GWLBTUN_NON_IP_DROP:
		return "drop";
	case GWLBTUN_NON_IP_REFLECT:
		return "reflect";
	}
	return NULL;
}

/* ---- JSON ---- */

void json_init(struct json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->pretty = pretty;
	j->depth = 0;
	j->first = true;
}

/* The length of the valid UTF-8 sequence at p, or 0 if there is none. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* beyond U+10FFFF */
	} else {
		return 0;
	}
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* Write s as a JSON string. */
void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	fputc('"', f);
	while (*p) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
			} else if (*p < 0x80) {
				fputc(*p, f);
			} else {
				len = utf8_len(p);
				if (!len) {
					fputs("\\ufffd", f);
					break;
				}
				fwrite(p, 1, len, f);
				p += len;
				continue;
			}
		}
		p++;
	}
	fputc('"', f);
}

/* Start a value: the comma, the indentation and the key, if any. */
static void json_start(struct json *j, const char *key)
{
	int i;

	if (j->depth > 0) {
		if (!j->first)
			fputc(',', j->f);
		if (j->pretty) {
			fputc('\n', j->f);
			for (i = 0; i < j->depth; i++)
				fputs("  ", j->f);
		}
	}
	j->first = false;
	if (key) {
		json_string(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

/* Open an object ('{') or array ('['); key is NULL inside arrays. */
void json_open(struct json *j, const char *key, char bracket)
{
	json_start(j, key);
	fputc(bracket, j->f);
	j->depth++;
	j->first = true;
}

void json_close(struct json *j, char bracket)
{
	int i;

	j->depth--;
	if (j->pretty && !j->first) {
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(bracket, j->f);
	j->first = false;
}

void json_str(struct json *j, const char *key, const char *s)
{
	json_start(j, key);
	json_string(j->f, s);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_start(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_start(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	json_start(j, key);
	fputs("null", j->f);
}

/* ---- shared helpers ---- */

/* Print s, with control characters escaped so they reach no terminal. */
void gwlb_print_safe(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

void gwlb_format_peer(const struct gwlb_peer *p, char *buf, size_t len)
{
	if (!inet_ntop(p->family, &p->addr, buf, len))
		snprintf(buf, len, "?");
}

static void print_title(FILE *f, const struct gwlb_device *d)
{
	if (d->present & BIT(GWLBTUN_A_IFNAME))
		gwlb_print_safe(f, d->ifname);
	else
		fprintf(f, "ifindex %" PRIu32, d->ifindex);
	fputs(":\n", f);
}

static void json_identity(struct json *j, const struct gwlb_device *d)
{
	if (d->present & BIT(GWLBTUN_A_IFNAME))
		json_str(j, "ifname", d->ifname);
	else
		json_null(j, "ifname");
	if (d->present & BIT(GWLBTUN_A_IFINDEX))
		json_u64(j, "ifindex", d->ifindex);
	else
		json_null(j, "ifindex");
}

/* ---- show ---- */

static void print_tunnel(FILE *f, const char *name,
			 const struct gwlb_device *d, unsigned int attr,
			 const struct gwlb_tunnel *t)
{
	fprintf(f, "  %s:", name);
	if (!(d->present & BIT(attr))) {
		fputs(" not configured\n", f);
		return;
	}
	if (t->present & BIT(GWLBTUN_TUNNEL_A_VNI))
		fprintf(f, " vni %" PRIu32, t->vni);
	if (t->present & BIT(GWLBTUN_TUNNEL_A_PORT))
		fprintf(f, " port %u", t->port);
	fputc('\n', f);
}

/* "10.0.0.5 (route mtu 1500), fd00::5 (no route)" */
static void print_peer_list(FILE *f, const struct gwlb_device *d)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned int i;

	for (i = 0; i < d->n_peers; i++) {
		const struct gwlb_peer *p = &d->peers[i];

		gwlb_format_peer(p, addr, sizeof(addr));
		fprintf(f, "%s%s", i ? ", " : "", addr);
		if (p->has_route_mtu && p->route_mtu)
			fprintf(f, " (route mtu %" PRIu32 ")", p->route_mtu);
		else if (p->has_route_mtu)
			fputs(" (no route)", f);
	}
}

/* One item of the "ttl: inherit   udpcsum: on   hooks: on" line. */
static void print_item(FILE *f, bool *first, const char *name,
		       const char *value)
{
	fprintf(f, "%s%s: %s", *first ? "  " : "   ", name, value);
	*first = false;
}

void gwlb_print_device(FILE *f, const struct gwlb_device *d)
{
	const uint32_t tunnels = BIT(GWLBTUN_A_EXTERNAL) | BIT(GWLBTUN_A_INTERNAL);
	bool first = true;
	char ttl[8];

	print_title(f, d);
	if (!(d->present & tunnels)) {
		fputs("  tunnels: not configured\n", f);
	} else {
		print_tunnel(f, "external", d, GWLBTUN_A_EXTERNAL, &d->external);
		print_tunnel(f, "internal", d, GWLBTUN_A_INTERNAL, &d->internal);
	}

	if (d->present & (BIT(GWLBTUN_A_PEERS) | BIT(GWLBTUN_A_PEERS_ANY))) {
		fputs("  peers: ", f);
		if (d->peers_any) {
			fputs("any", f);
			if (d->n_peers) {
				fputs(" (also listed: ", f);
				print_peer_list(f, d);
				fputc(')', f);
			}
		} else if (d->n_peers) {
			print_peer_list(f, d);
		} else {
			fputs("none (reflects nothing)", f);
		}
		fputc('\n', f);
	}

	if (d->present & BIT(GWLBTUN_A_TTL)) {
		if (d->ttl)
			snprintf(ttl, sizeof(ttl), "%u", d->ttl);
		else
			snprintf(ttl, sizeof(ttl), "inherit");
		print_item(f, &first, "ttl", ttl);
	}
	if (d->present & BIT(GWLBTUN_A_UDP_CSUM))
		print_item(f, &first, "udpcsum", d->udp_csum ? "on" : "off");
	if (d->present & BIT(GWLBTUN_A_NF_HOOKS))
		print_item(f, &first, "hooks", d->nf_hooks ? "on" : "off");
	if (!first)
		fputc('\n', f);

	first = true;
	if (d->present & BIT(GWLBTUN_A_NON_IP)) {
		const char *name = gwlb_non_ip_name(d->non_ip);

		snprintf(ttl, sizeof(ttl), "%u", d->non_ip);
		print_item(f, &first, "non-ip", name ? name : ttl);
	}
	if (d->present & BIT(GWLBTUN_A_UDP6_ZERO_CSUM_RX))
		print_item(f, &first, "udp6-zero-csum-rx",
			   d->udp6_zero_csum_rx ? "on" : "off");
	if (!first)
		fputc('\n', f);

	if (d->present & BIT(GWLBTUN_A_DRAIN))
		fputs(d->drain ? "  drain: on (gwlbtun-probe answers 503)\n" :
				 "  drain: off\n", f);

	if (d->present & BIT(GWLBTUN_A_MARK_MASK)) {
		if (!d->mark_mask) {
			fputs("  marks: off\n", f);
		} else {
			fputs("  marks:", f);
			if (d->present & BIT(GWLBTUN_A_MARK_EXTERNAL))
				fprintf(f, " external 0x%" PRIx32, d->mark_external);
			if (d->present & BIT(GWLBTUN_A_MARK_INTERNAL))
				fprintf(f, " internal 0x%" PRIx32, d->mark_internal);
			fprintf(f, " mask 0x%" PRIx32 "\n", d->mark_mask);
		}
	}
}

static void json_tunnel(struct json *j, const char *key,
			const struct gwlb_device *d, unsigned int attr,
			const struct gwlb_tunnel *t)
{
	if (!(d->present & BIT(attr))) {
		json_null(j, key);
		return;
	}
	json_open(j, key, '{');
	if (t->present & BIT(GWLBTUN_TUNNEL_A_VNI))
		json_u64(j, "vni", t->vni);
	else
		json_null(j, "vni");
	if (t->present & BIT(GWLBTUN_TUNNEL_A_PORT))
		json_u64(j, "port", t->port);
	else
		json_null(j, "port");
	json_close(j, '}');
}

static void json_opt_u64(struct json *j, const char *key,
			 const struct gwlb_device *d, unsigned int attr,
			 uint64_t v)
{
	if (d->present & BIT(attr))
		json_u64(j, key, v);
	else
		json_null(j, key);
}

static void json_opt_bool(struct json *j, const char *key,
			  const struct gwlb_device *d, unsigned int attr,
			  bool v)
{
	if (d->present & BIT(attr))
		json_bool(j, key, v);
	else
		json_null(j, key);
}

void gwlb_json_device(struct json *j, const struct gwlb_device *d)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned int i;

	json_open(j, NULL, '{');
	json_identity(j, d);
	json_tunnel(j, "external", d, GWLBTUN_A_EXTERNAL, &d->external);
	json_tunnel(j, "internal", d, GWLBTUN_A_INTERNAL, &d->internal);
	if (d->present & BIT(GWLBTUN_A_PEERS)) {
		json_open(j, "peers", '[');
		for (i = 0; i < d->n_peers; i++) {
			gwlb_format_peer(&d->peers[i], addr, sizeof(addr));
			json_str(j, NULL, addr);
		}
		json_close(j, ']');
	} else {
		json_null(j, "peers");
	}
	json_opt_bool(j, "peers_any", d, GWLBTUN_A_PEERS_ANY, d->peers_any);
	json_opt_u64(j, "ttl", d, GWLBTUN_A_TTL, d->ttl);
	json_opt_bool(j, "udp_csum", d, GWLBTUN_A_UDP_CSUM, d->udp_csum);
	json_opt_bool(j, "nf_hooks", d, GWLBTUN_A_NF_HOOKS, d->nf_hooks);
	json_opt_u64(j, "mark_external", d, GWLBTUN_A_MARK_EXTERNAL,
		     d->mark_external);
	json_opt_u64(j, "mark_internal", d, GWLBTUN_A_MARK_INTERNAL,
		     d->mark_internal);
	json_opt_u64(j, "mark_mask", d, GWLBTUN_A_MARK_MASK, d->mark_mask);
	if (!(d->present & BIT(GWLBTUN_A_NON_IP)))
		json_null(j, "non_ip");
	else if (gwlb_non_ip_name(d->non_ip))
		json_str(j, "non_ip", gwlb_non_ip_name(d->non_ip));
	else
		json_u64(j, "non_ip", d->non_ip);
	json_opt_bool(j, "udp6_zero_csum_rx", d, GWLBTUN_A_UDP6_ZERO_CSUM_RX,
		      d->udp6_zero_csum_rx);
	json_opt_bool(j, "drain", d, GWLBTUN_A_DRAIN, d->drain);
	/* Each listed peer's route MTU (0: no route), null if not reported. */
	if (d->present & BIT(GWLBTUN_A_PEERS)) {
		json_open(j, "peer_route_mtu", '{');
		for (i = 0; i < d->n_peers; i++) {
			gwlb_format_peer(&d->peers[i], addr, sizeof(addr));
			if (d->peers[i].has_route_mtu)
				json_u64(j, addr, d->peers[i].route_mtu);
			else
				json_null(j, addr);
		}
		json_close(j, '}');
	} else {
		json_null(j, "peer_route_mtu");
	}
	json_close(j, '}');
}

/* ---- stats ---- */

static const char *const counter_headers[] = {
	"tunnel", "rx packets", "rx bytes", "tx packets", "tx bytes",
};

static const unsigned int counter_attrs[] = {
	GWLBTUN_TUNNEL_STATS_A_RX_PACKETS,
	GWLBTUN_TUNNEL_STATS_A_RX_BYTES,
	GWLBTUN_TUNNEL_STATS_A_TX_PACKETS,
	GWLBTUN_TUNNEL_STATS_A_TX_BYTES,
};

static const char *const counter_json_keys[] = {
	"rx_packets", "rx_bytes", "tx_packets", "tx_bytes",
};

#define COUNTER_COLUMNS ARRAY_SIZE(counter_headers)

static void print_counter_table(FILE *f, const struct gwlb_stats *s)
{
	char cells[2][COUNTER_COLUMNS][24];
	size_t width[COUNTER_COLUMNS];
	unsigned int rows = 0, r, c;

	for (c = 0; c < COUNTER_COLUMNS; c++)
		width[c] = strlen(counter_headers[c]);

	for (r = 0; r < 2; r++) {
		const struct gwlb_tunnel_stats *ts = r ? &s->internal : &s->external;
		unsigned int nest = r ? GWLBTUN_STATS_A_INTERNAL : GWLBTUN_STATS_A_EXTERNAL;

		if (!(s->present & BIT(nest)))
			continue;
		snprintf(cells[rows][0], sizeof(cells[rows][0]), "%s",
			 r ? "internal" : "external");
		for (c = 1; c < COUNTER_COLUMNS; c++) {
			unsigned int a = counter_attrs[c - 1];

			if (ts->present & BIT(a))
				snprintf(cells[rows][c], sizeof(cells[rows][c]),
					 "%" PRIu64, ts->val[a]);
			else
				snprintf(cells[rows][c], sizeof(cells[rows][c]),
					 "-");
		}
		for (c = 0; c < COUNTER_COLUMNS; c++)
			if (strlen(cells[rows][c]) > width[c])
				width[c] = strlen(cells[rows][c]);
		rows++;
	}
	if (!rows)
		return;

	fprintf(f, "  %-*s", (int)width[0], counter_headers[0]);
	for (c = 1; c < COUNTER_COLUMNS; c++)
		fprintf(f, "  %*s", (int)width[c], counter_headers[c]);
	fputc('\n', f);
	for (r = 0; r < rows; r++) {
		fprintf(f, "  %-*s", (int)width[0], cells[r][0]);
		for (c = 1; c < COUNTER_COLUMNS; c++)
			fprintf(f, "  %*s", (int)width[c], cells[r][c]);
		fputc('\n', f);
	}
}

static void drop_name(unsigned int reason, char *buf, size_t len, bool json)
{
	const char *const *names = json ? gwlb_drop_json_keys : gwlb_drop_names;

	if (reason <= GWLBTUN_DROP_MAX && names[reason])
		snprintf(buf, len, "%s", names[reason]);
	else
		snprintf(buf, len, json ? "reason_%u" : "reason-%u", reason);
}

static void print_drops(FILE *f, const struct gwlb_stats *s, bool all)
{
	char names[GWLBCTL_DROPS_MAX][24], value[24];
	unsigned int shown[GWLBCTL_DROPS_MAX];
	unsigned int n = 0, i, t;
	size_t name_w = 0, value_w = 0;

	for (t = 1; t < GWLBCTL_DROPS_MAX; t++) {
		if (!(s->drops_present & (1ULL << t)) || (!all && !s->drops[t]))
			continue;
		drop_name(t, names[n], sizeof(names[n]), false);
		if (strlen(names[n]) > name_w)
			name_w = strlen(names[n]);
		snprintf(value, sizeof(value), "%" PRIu64, s->drops[t]);
		if (strlen(value) > value_w)
			value_w = strlen(value);
		shown[n++] = t;
	}
	if (!n) {
		fputs("  drops: none\n", f);
		return;
	}
	fputs("  drops:\n", f);
	for (i = 0; i < n; i++)
		fprintf(f, "    %-*s  %*" PRIu64 "\n", (int)name_w, names[i],
			(int)value_w, s->drops[shown[i]]);
}

/*
 * Print the counters s under title: the per tunnel table, then the drop
 * counters that are not zero (all of them with all).
 */
void gwlb_print_stats(FILE *f, const char *title, const struct gwlb_stats *s,
		      bool all)
{
	gwlb_print_safe(f, title);
	fputs(":\n", f);
	if (!s->present) {
		fputs("  counters: none reported\n", f);
		return;
	}
	print_counter_table(f, s);
	if (s->present & BIT(GWLBTUN_STATS_A_DROPS))
		print_drops(f, s, all);
}

static void json_tunnel_stats(struct json *j, const char *key,
			      const struct gwlb_stats *s, unsigned int nest,
			      const struct gwlb_tunnel_stats *ts)
{
	unsigned int c;

	if (!(s->present & BIT(nest))) {
		json_null(j, key);
		return;
	}
	json_open(j, key, '{');
	for (c = 0; c < ARRAY_SIZE(counter_attrs); c++) {
		if (ts->present & BIT(counter_attrs[c]))
			json_u64(j, counter_json_keys[c], ts->val[counter_attrs[c]]);
		else
			json_null(j, counter_json_keys[c]);
	}
	json_close(j, '}');
}

/* "drops": every known reason, null when not reported, then newer ones. */
static void json_drops(struct json *j, const struct gwlb_stats *s)
{
	char name[24];
	unsigned int t;

	if (!(s->present & BIT(GWLBTUN_STATS_A_DROPS))) {
		json_null(j, "drops");
		return;
	}
	json_open(j, "drops", '{');
	for (t = 1; t < GWLBCTL_DROPS_MAX; t++) {
		bool present = s->drops_present & (1ULL << t);

		if (t > GWLBTUN_DROP_MAX && !present)
			continue;
		drop_name(t, name, sizeof(name), true);
		if (present)
			json_u64(j, name, s->drops[t]);
		else
			json_null(j, name);
	}
	json_close(j, '}');
}

void gwlb_json_stats(struct json *j, const struct gwlb_device *d)
{
	const struct gwlb_stats *s = &d->stats;

	json_open(j, NULL, '{');
	json_identity(j, d);
	json_opt_bool(j, "drain", d, GWLBTUN_A_DRAIN, d->drain);
	json_tunnel_stats(j, "external", s, GWLBTUN_STATS_A_EXTERNAL,
			  &s->external);
	json_tunnel_stats(j, "internal", s, GWLBTUN_STATS_A_INTERNAL,
			  &s->internal);
	json_drops(j, s);
	json_close(j, '}');
}

void gwlb_json_netns_stats(struct json *j, const struct gwlb_stats *s)
{
	json_open(j, NULL, '{');
	json_open(j, "netns_unmatched", '{');
	json_drops(j, s);
	json_close(j, '}');
	json_close(j, '}');
}
