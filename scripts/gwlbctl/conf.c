// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbctl: the configuration file of showconf and setconf.
 *
 * One setting a line, "KEY = VALUE", the keys and values of "gwlbctl set"
 * (peers as a comma-separated list, spaces allowed after the commas), plus
 * "peers-any = on|off". Blank lines and lines starting with '#' are
 * ignored. showconf writes every setting; setconf sends every setting in
 * one SET_DEVICE request, those the file leaves out at their defaults, so
 * the device ends up exactly as the file says (the tunnels excepted: a
 * file without them leaves a configured device's tunnels alone, as the
 * kernel cannot unconfigure a device).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gwlbctl.h"

/* The keys of the file, in the order showconf writes them. */
static const char *const conf_keys[] = {
	"external", "internal", "peers", "peers-any", "ttl", "udpcsum",
	"hooks", "mark-external", "mark-internal", "mark-mask", "non-ip",
	"udp6-zero-csum-rx", "drain",
};

/* What setconf sends for a key the file leaves out; NULL: nothing. */
static const char *const conf_defaults[] = {
	NULL, NULL, "none", "off", "inherit", "on", "on", "0", "0", "0",
	"drop", "off", "off",
};

#define CONF_KEYS ARRAY_SIZE(conf_keys)
#define CONF_PEERS 2
#define CONF_PEERS_ANY 3

static const char *on_off(uint8_t v)
{
	return v ? "on" : "off";
}

void gwlb_print_conf(FILE *f, const struct gwlb_device *d)
{
	char addr[INET6_ADDRSTRLEN];
	const char *non_ip;
	unsigned int i;

	fputs("# gwlbtun configuration of ", f);
	gwlb_print_safe(f, d->ifname);
	fputs(" (gwlbctl showconf; apply with gwlbctl setconf DEV FILE)\n", f);
	if ((d->present & BIT(GWLBTUN_A_EXTERNAL)) &&
	    (d->present & BIT(GWLBTUN_A_INTERNAL))) {
		fprintf(f, "external = %" PRIu32 ":%u\n", d->external.vni,
			d->external.port);
		fprintf(f, "internal = %" PRIu32 ":%u\n", d->internal.vni,
			d->internal.port);
	} else {
		fputs("# external, internal: not configured\n", f);
	}
	fputs("peers = ", f);
	for (i = 0; i < d->n_peers; i++) {
		gwlb_format_peer(&d->peers[i], addr, sizeof(addr));
		fprintf(f, "%s%s", i ? ", " : "", addr);
	}
	fputs(d->n_peers ? "\n" : "none\n", f);
	fprintf(f, "peers-any = %s\n", on_off(d->peers_any));
	if (d->ttl)
		fprintf(f, "ttl = %u\n", d->ttl);
	else
		fputs("ttl = inherit\n", f);
	fprintf(f, "udpcsum = %s\n", on_off(d->udp_csum));
	fprintf(f, "hooks = %s\n", on_off(d->nf_hooks));
	fprintf(f, "mark-external = 0x%" PRIx32 "\n", d->mark_external);
	fprintf(f, "mark-internal = 0x%" PRIx32 "\n", d->mark_internal);
	fprintf(f, "mark-mask = 0x%" PRIx32 "\n", d->mark_mask);
	non_ip = gwlb_non_ip_name(d->non_ip);
	if (non_ip)
		fprintf(f, "non-ip = %s\n", non_ip);
	else
		fprintf(f, "# non-ip = %u: unknown to this gwlbctl\n", d->non_ip);
	fprintf(f, "udp6-zero-csum-rx = %s\n", on_off(d->udp6_zero_csum_rx));
	fprintf(f, "drain = %s\n", on_off(d->drain));
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* "a, b,c" -> "a,b,c", in place. */
static void squeeze_list(char *s)
{
	char *w = s, *r;

	for (r = s; *r; r++) {
		if (*r == ',') {
			while (w > s && (w[-1] == ' ' || w[-1] == '\t'))
				w--;
			*w++ = ',';
			while (r[1] == ' ' || r[1] == '\t')
				r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static int conf_error(const char *file, unsigned int line, const char *fmt,
		      const char *arg)
{
	fputs("gwlbctl: setconf: ", stderr);
	gwlb_print_safe(stderr, file);
	fprintf(stderr, ":%u: ", line);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return GWLBCTL_EXIT_FAIL;
}

/*
 * Read FILE ("-": standard input) into req for device dev: every setting,
 * those missing at their defaults. Returns 0, or an exit code after saying
 * what is wrong (file and line).
 */
int gwlb_parse_conf(const char *dev, const char *file, struct gwlb_device *req,
		    struct gwlb_peer *peer_buf, unsigned int peer_buf_len)
{
	static struct gwlb_peer scratch[GWLBTUN_PEERS_MAX];
	char *values[CONF_KEYS] = { NULL };
	char *argv[1 + 2 * CONF_KEYS];
	unsigned int lineno = 0, k;
	struct gwlb_device one;
	char *line = NULL;
	size_t cap = 0;
	int argc, ret = 0;
	uint8_t any = 0;
	FILE *f;

	f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!f) {
		fprintf(stderr, "gwlbctl: setconf: cannot open ");
		gwlb_print_safe(stderr, file);
		fprintf(stderr, ": %s\n", strerror(errno));
		return GWLBCTL_EXIT_FAIL;
	}
	while (!ret && getline(&line, &cap, f) >= 0) {
		char *s = trim(line), *eq, *key, *val;
		char *one_argv[3];

		lineno++;
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			ret = conf_error(file, lineno, "expected KEY = VALUE, got '%s'", s);
			break;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		for (k = 0; k < CONF_KEYS; k++)
			if (!strcmp(key, conf_keys[k]))
				break;
		if (k == CONF_KEYS) {
			ret = conf_error(file, lineno, "unknown key '%s'", key);
			break;
		}
		if (values[k]) {
			ret = conf_error(file, lineno, "'%s' given twice", key);
			break;
		}
		if (!*val) {
			ret = conf_error(file, lineno, "'%s' needs a value", key);
			break;
		}
		if (k == CONF_PEERS)
			squeeze_list(val);
		values[k] = strdup(val);
		if (!values[k]) {
			ret = conf_error(file, lineno, "%s", strerror(ENOMEM));
			break;
		}
		/* Each value checked on its own, for the line number. */
		if (k == CONF_PEERS_ANY) {
			if (strcmp(val, "on") && strcmp(val, "off"))
				ret = conf_error(file, lineno,
						 "peers-any: expected on or off, got '%s'",
						 val);
			continue;
		}
		one_argv[0] = (char *)dev;
		one_argv[1] = key;
		one_argv[2] = val;
		if (gwlb_parse_set_args(3, one_argv, &one, scratch,
					ARRAY_SIZE(scratch)))
			ret = conf_error(file, lineno, "in '%s = ...' (see above)",
					 key);
	}
	if (ferror(f) && !ret) {
		fprintf(stderr, "gwlbctl: setconf: cannot read ");
		gwlb_print_safe(stderr, file);
		fprintf(stderr, ": %s\n", strerror(errno));
		ret = GWLBCTL_EXIT_FAIL;
	}
	if (f != stdin)
		fclose(f);
	free(line);
	if (!ret && !values[0] != !values[1])
		ret = conf_error(file, lineno,
				 "a device has both tunnels or neither: '%s' has no partner",
				 values[0] ? "external" : "internal");

	if (!ret) {
		argc = 0;
		argv[argc++] = (char *)dev;
		for (k = 0; k < CONF_KEYS; k++) {
			const char *v = values[k] ? values[k] : conf_defaults[k];

			if (k == CONF_PEERS_ANY) {
				any = !strcmp(v, "on");
				continue;
			}
			if (!v)
				continue;
			argv[argc++] = (char *)conf_keys[k];
			argv[argc++] = (char *)v;
		}
		ret = gwlb_parse_set_args(argc, argv, req, peer_buf,
					  peer_buf_len);
		/* "peers = any" says it too; "peers-any" has the last word. */
		if (!ret && (values[CONF_PEERS_ANY] || !req->peers_any))
			req->peers_any = any;
	}
	for (k = 0; k < CONF_KEYS; k++)
		free(values[k]);
	return ret;
}
