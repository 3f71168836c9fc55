// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbctl: configure gwlbtun devices (Azure Gateway Load Balancer tunnel
 * endpoints) through the "gwlbtun" generic netlink family.
 *
 * The command line is read and checked completely before the kernel is
 * asked anything, so usage errors exit with 2 whether or not the module is
 * loaded.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gwlbctl.h"

/* In three parts: C99 promises string literals of 4095 bytes only. */
static const char *const usage_text[] = {
"Usage: gwlbctl [-j|--json] [-p|--pretty] show [DEV]\n"
"       gwlbctl set DEV [external VNI:PORT] [internal VNI:PORT]\n"
"                   [peers ADDR[,ADDR...] | peers any | peers none]\n"
"                   [ttl N|inherit] [udpcsum on|off] [hooks on|off]\n"
"                   [mark-external VAL] [mark-internal VAL] [mark-mask MASK]\n"
"                   [non-ip drop|reflect] [udp6-zero-csum-rx on|off]\n"
"                   [drain on|off]\n"
"       gwlbctl showconf DEV\n"
"       gwlbctl setconf DEV FILE\n"
"       gwlbctl [-j|--json] [-p|--pretty] stats [-a|--all] [DEV]\n"
"       gwlbctl [-j|--json] [-p|--pretty] monitor\n"
"       gwlbctl help | -h | --help\n"
"       gwlbctl --version\n"
"\n"
"Configure gwlbtun devices. A gwlbtun device terminates the two VXLAN tunnels\n"
"(External and Internal) over which an Azure Gateway Load Balancer (GWLB)\n"
"hands traffic to a network virtual appliance, passes every inner packet\n"
"through netfilter, and sends what is accepted back to the GWLB it came from\n"
"over the other tunnel. Devices are created and deleted with ip-link(8):\n"
"    ip link add gwlb0 type gwlbtun        (no tunnels; reflects nothing)\n"
"    ip link del gwlb0\n"
"\n"
"Commands:\n"
"  show [DEV]            Show the configuration of DEV, or of every gwlbtun\n"
"                        device in the network namespace, with the MTU of\n"
"                        the route to each listed GWLB now.\n"
"  set DEV SETTING...    Change settings of DEV. Settings not given keep their\n"
"                        value; those given apply together and atomically, or\n"
"                        not at all. Then warns of each listed GWLB whose\n"
"                        route MTU is below 1550 (IPv4) or 1570 (IPv6), what\n"
"                        a 1500-byte inner frame needs.\n"
"  showconf DEV          Print the whole configuration of DEV as a file\n"
"                        setconf reads (KEY = VALUE lines; see gwlbctl(8)).\n"
"  setconf DEV FILE      Apply FILE (- for standard input) to DEV: every\n"
"                        setting at once, atomically, those FILE leaves out\n"
"                        at their defaults; the peer list is replaced. Then\n"
"                        warns of route MTUs as set does.\n"
"  stats [-a] [DEV]      Show the counters of DEV; without DEV, of every device\n"
"                        and then \"netns unmatched\": packets that reached a\n"
"                        gwlbtun UDP port of the namespace but matched no device.\n"
"  monitor               Print every configuration change (the multicast group\n"
"                        \"config\") until interrupted.\n"
"  help                  Show this help.\n"
"\n",
"Settings of set (each at most once):\n"
"  external VNI:PORT     The External tunnel: what arrives on it leaves on the\n"
"                        Internal one. VNI 0..16777215, PORT 1..65535.\n"
"  internal VNI:PORT     The Internal tunnel: what arrives on it leaves on the\n"
"                        External one. Same ranges. The two tunnels need\n"
"                        different ports, and a device has both or neither,\n"
"                        so the first set of a new device gives both.\n"
"  peers ADDR[,ADDR...]  Accept packets only from these GWLB addresses (IPv4\n"
"                        and IPv6 may be mixed; at most 64). Replaces the list.\n"
"  peers any             Accept packets from any source (each is still sent\n"
"                        back to its own sender only).\n"
"  peers none            Accept nothing: clear the list (the default).\n"
"  ttl N|inherit         TTL / hop limit of the outer header, 0..255; 0 or\n"
"                        inherit (the default) takes the route's default.\n"
"  udpcsum on|off        Compute the outer UDP checksum over IPv4 (default on;\n"
"                        over IPv6 it is always computed).\n"
"  hooks on|off          Pass inner IPv4/IPv6 packets through the netfilter\n"
"                        PRE_ROUTING, FORWARD and POST_ROUTING hooks (default\n"
"                        on).\n"
"  mark-external VAL     Mark bits (within mark-mask) set on packets that\n"
"                        arrived on the External tunnel.\n"
"  mark-internal VAL     Likewise for the Internal tunnel.\n"
"  mark-mask MASK        The bits of the packet mark the device owns; 0 (the\n"
"                        default) leaves the mark alone. VAL and MASK are\n"
"                        32-bit numbers, decimal or 0x hexadecimal.\n"
"  non-ip drop|reflect   While hooks are on, inner frames netfilter cannot\n"
"                        see (neither IPv4, IPv6 nor ARP): drop them (the\n"
"                        default) or reflect them unfiltered. IP inside VLAN\n"
"                        tags is always dropped while hooks are on.\n"
"  udp6-zero-csum-rx on|off  Accept outer IPv6 packets with a zero UDP\n"
"                        checksum (RFC 6936; default off: dropped).\n"
"  drain on|off          Draining for maintenance (default off): the device\n"
"                        reflects every packet as before, but gwlbtun-probe\n"
"                        answers the GWLB's health probe with 503, so that\n"
"                        no new flows come while established ones go on.\n"
"\n",
"Options (before the command, or after it but for set):\n"
"  -j, --json            Print JSON (show, stats, monitor): an array with one\n"
"                        object per device; monitor prints one object a line.\n"
"  -p, --pretty          Indent the JSON output (with --json).\n"
"  -a, --all             stats: also list the drop counters that are zero.\n"
"  -h, --help            Show this help.\n"
"      --version         Show the version.\n"
"\n"
"Drop reasons counted by stats: malformed, unknown-vni, peer-not-allowed,\n"
"device-down, netfilter, no-route, too-big, nomem, xmit, not-unicast,\n"
"zero-csum, ttl, unfiltered, ecn, stale (JSON keys use _).\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  the kernel refused the request, or an operation failed\n"
"  2  usage error\n"
"  3  the gwlbtun generic netlink family is not registered (module not loaded)\n"
"\n"
"Examples:\n"
"  The Azure default tunnels, accepting the GWLB frontend 10.0.0.5:\n"
"    gwlbctl set gwlb0 external 901:10801 internal 900:10800 peers 10.0.0.5\n"
"  Two GWLB addresses, and marks for nftables rules (meta mark & 0x3):\n"
"    gwlbctl set gwlb0 peers 10.0.0.5,10.0.0.6 mark-external 0x1 \\\n"
"            mark-internal 0x2 mark-mask 0x3\n"
"  Stop reflecting without losing the tunnels:\n"
"    gwlbctl set gwlb0 peers none\n"
"  The drop counters of every device, as JSON:\n"
"    gwlbctl -j stats | jq '.[] | select(.ifname) | {ifname, drops}'\n"
"\n"
"Changing a device needs CAP_NET_ADMIN. See gwlbctl(8).\n",
};

struct opts {
	bool json;
	bool pretty;
	bool all;
	bool help;
};

static void print_usage(FILE *f)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(usage_text); i++)
		fputs(usage_text[i], f);
}

/* ---- talking to the kernel ---- */

/* "gwlbctl: [WHAT: ][DEV: ]<extack message> (<strerror>)" */
static void report_error(const char *what, const char *dev,
			 const struct gwlb_nl_err *err)
{
	fputs("gwlbctl: ", stderr);
	if (what)
		fprintf(stderr, "%s: ", what);
	if (dev) {
		gwlb_print_safe(stderr, dev);
		fputs(": ", stderr);
	}
	if (err->bad_attr) {
		fprintf(stderr, "malformed reply from the kernel (%s)\n",
			err->bad_attr);
		return;
	}
	if (err->dump_intr) {
		fprintf(stderr, "the devices kept changing during the listing (%u tries); try again\n",
			err->dump_tries);
		return;
	}
	if (err->msg[0]) {
		gwlb_print_safe(stderr, err->msg);
		fprintf(stderr, " (%s)", strerror(err->error));
	} else if (err->has_miss_type) {
		fprintf(stderr, "the kernel misses attribute %s (%s)",
			gwlb_attr_name(err->miss_type), strerror(err->error));
	} else {
		fputs(strerror(err->error), stderr);
	}
	if (err->error == EPERM)
		fputs("; this needs CAP_NET_ADMIN", stderr);
	fputc('\n', stderr);
}

/* A message that came with a successful answer. */
static void report_warning(const char *dev, const struct gwlb_nl_err *err)
{
	if (!err->msg[0])
		return;
	fputs("gwlbctl: ", stderr);
	if (dev) {
		gwlb_print_safe(stderr, dev);
		fputs(": ", stderr);
	}
	fputs("warning: ", stderr);
	gwlb_print_safe(stderr, err->msg);
	fputc('\n', stderr);
}

/* Open the socket and find the family; returns 0 or an exit code. */
static int connect_family(struct gwlb_nl *nl)
{
	struct gwlb_nl_err err;

	if (gwlb_nl_open(nl, &err) < 0) {
		fprintf(stderr, "gwlbctl: cannot open a generic netlink socket: %s\n",
			strerror(err.error));
		return GWLBCTL_EXIT_FAIL;
	}
	if (gwlb_nl_resolve(nl, GWLBTUN_GENL_NAME, &err) < 0) {
		gwlb_nl_close(nl);
		if (err.error == ENOENT) {
			fputs("gwlbctl: the gwlbtun generic netlink family is not registered (is the gwlbtun module loaded?)\n",
			      stderr);
			return GWLBCTL_EXIT_NO_FAMILY;
		}
		report_error("cannot look up the gwlbtun generic netlink family",
			     NULL, &err);
		return GWLBCTL_EXIT_FAIL;
	}
	return GWLBCTL_EXIT_OK;
}

/* ---- command line ---- */

/*
 * The arguments of show, stats and monitor: options, and at most max_pos
 * positional arguments (the device). Returns 0 or GWLBCTL_EXIT_USAGE.
 */
static int cmd_args(int argc, char **argv, struct opts *o, bool allow_all,
		    int max_pos, const char **dev)
{
	const char *cmd = argv[0];
	bool options = true;
	int i, pos = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (options && a[0] == '-' && a[1]) {
			if (!strcmp(a, "--"))
				options = false;
			else if (!strcmp(a, "-j") || !strcmp(a, "--json"))
				o->json = true;
			else if (!strcmp(a, "-p") || !strcmp(a, "--pretty"))
				o->pretty = true;
			else if (allow_all && (!strcmp(a, "-a") || !strcmp(a, "--all")))
				o->all = true;
			else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
				o->help = true;
			else
				return gwlb_usage_error("%s: unknown option '%s'",
							cmd, a);
			continue;
		}
		if (pos == max_pos)
			return gwlb_usage_error("%s: unexpected argument '%s'",
						cmd, a);
		pos++;
		*dev = a;
	}
	if (*dev) {
		const char *why;

		if (!gwlb_parse_ifname(*dev, &why))
			return gwlb_usage_error("%s: device name '%s' %s",
						cmd, *dev, why);
	}
	return 0;
}

/* ---- commands ---- */

/*
 * The common start of show and stats: parse [DEV], connect, fetch the
 * devices with @cmd. Returns -1 when the command goes on (then @nl is open
 * and @list filled, both for the caller to release), else the exit code.
 */
static int fetch_devices(int argc, char **argv, struct opts *o, bool stats,
			 int cmd, const char **dev, struct gwlb_nl *nl,
			 struct gwlb_device_list *list)
{
	struct gwlb_nl_err err;
	int ret;

	ret = cmd_args(argc, argv, o, stats, 1, dev);
	if (ret || o->help)
		return ret;
	ret = connect_family(nl);
	if (ret)
		return ret;
	if (gwlb_nl_get_devices(nl, cmd, *dev, list, &err) < 0) {
		report_error(NULL, *dev, &err);
		gwlb_device_list_free(list);
		gwlb_nl_close(nl);
		return GWLBCTL_EXIT_FAIL;
	}
	report_warning(*dev, &err);
	return -1;
}

static int cmd_show(int argc, char **argv, struct opts *o)
{
	struct gwlb_device_list list = { NULL, 0, 0 };
	const char *dev = NULL;
	struct gwlb_nl nl;
	struct json j;
	unsigned int i;
	int ret;

	ret = fetch_devices(argc, argv, o, false, GWLBTUN_CMD_GET_DEVICE, &dev,
			    &nl, &list);
	if (ret >= 0)
		return ret;
	ret = 0;

	if (o->json) {
		json_init(&j, stdout, o->pretty);
		json_open(&j, NULL, '[');
		for (i = 0; i < list.n; i++)
			gwlb_json_device(&j, &list.dev[i]);
		json_close(&j, ']');
		putchar('\n');
	} else {
		for (i = 0; i < list.n; i++) {
			if (i)
				putchar('\n');
			gwlb_print_device(stdout, &list.dev[i]);
		}
	}
	gwlb_device_list_free(&list);
	gwlb_nl_close(&nl);
	return ret;
}

static int cmd_stats(int argc, char **argv, struct opts *o)
{
	struct gwlb_device_list list = { NULL, 0, 0 };
	struct gwlb_stats netns;
	const char *dev = NULL;
	struct gwlb_nl_err err;
	struct gwlb_nl nl;
	struct json j;
	unsigned int i;
	int ret;

	ret = fetch_devices(argc, argv, o, true, GWLBTUN_CMD_GET_STATS, &dev,
			    &nl, &list);
	if (ret >= 0)
		return ret;
	ret = 0;
	if (!dev) {
		if (gwlb_nl_get_netns_stats(&nl, &netns, &err) < 0) {
			report_error(NULL, NULL, &err);
			ret = GWLBCTL_EXIT_FAIL;
			goto out;
		}
		report_warning(NULL, &err);
	}

	if (o->json) {
		json_init(&j, stdout, o->pretty);
		json_open(&j, NULL, '[');
		for (i = 0; i < list.n; i++)
			gwlb_json_stats(&j, &list.dev[i]);
		if (!dev)
			gwlb_json_netns_stats(&j, &netns);
		json_close(&j, ']');
		putchar('\n');
	} else {
		for (i = 0; i < list.n; i++) {
			const struct gwlb_device *d = &list.dev[i];
			char title[32];

			if (i)
				putchar('\n');
			if (d->present & BIT(GWLBTUN_A_IFNAME))
				snprintf(title, sizeof(title), "%s", d->ifname);
			else
				snprintf(title, sizeof(title), "ifindex %u",
					 d->ifindex);
			/* The state the GWLB's probe sees, with the counters. */
			if ((d->present & BIT(GWLBTUN_A_DRAIN)) && d->drain)
				strncat(title, " (draining)",
					sizeof(title) - strlen(title) - 1);
			gwlb_print_stats(stdout, title, &d->stats, o->all);
		}
		if (!dev) {
			if (list.n)
				putchar('\n');
			gwlb_print_stats(stdout, "netns unmatched", &netns,
					 o->all);
		}
	}
out:
	gwlb_device_list_free(&list);
	gwlb_nl_close(&nl);
	return ret;
}

/*
 * After a successful set: read the device back and warn about each listed
 * GWLB whose route cannot carry a 1500-byte inner frame. Only warnings;
 * the change is made either way.
 */
static void warn_route_mtu(struct gwlb_nl *nl, const char *dev)
{
	struct gwlb_device_list list = { NULL, 0, 0 };
	char addr[INET6_ADDRSTRLEN];
	struct gwlb_nl_err err;
	unsigned int i;

	if (gwlb_nl_get_devices(nl, GWLBTUN_CMD_GET_DEVICE, dev, &list,
				&err) < 0 || list.n != 1) {
		gwlb_device_list_free(&list);
		return;
	}
	for (i = 0; i < list.dev[0].n_peers; i++) {
		const struct gwlb_peer *p = &list.dev[0].peers[i];
		uint32_t need = p->family == AF_INET ? GWLBCTL_MIN_ROUTE_MTU4 :
						       GWLBCTL_MIN_ROUTE_MTU6;

		if (!p->has_route_mtu || p->route_mtu >= need)
			continue;
		gwlb_format_peer(p, addr, sizeof(addr));
		fputs("gwlbctl: ", stderr);
		gwlb_print_safe(stderr, dev);
		if (!p->route_mtu)
			fprintf(stderr, ": warning: no route to %s: nothing can be sent back to it\n",
				addr);
		else
			fprintf(stderr, ": warning: the route to %s has MTU %u; a 1500-byte inner frame needs %u over %s\n",
				addr, p->route_mtu, need,
				p->family == AF_INET ? "IPv4" : "IPv6");
	}
	gwlb_device_list_free(&list);
}

/* Send req, then warn of route MTUs; returns the exit code. */
static int apply_set(const struct gwlb_device *req)
{
	struct gwlb_nl_err err;
	struct gwlb_nl nl;
	int ret;

	ret = connect_family(&nl);
	if (ret)
		return ret;

	if (gwlb_nl_set_device(&nl, req, &err) < 0) {
		report_error(NULL, req->ifname, &err);
		ret = GWLBCTL_EXIT_FAIL;
	} else {
		report_warning(req->ifname, &err);
		warn_route_mtu(&nl, req->ifname);
	}
	gwlb_nl_close(&nl);
	return ret;
}

static int cmd_set(int argc, char **argv, struct opts *o)
{
	static struct gwlb_peer peers[GWLBTUN_PEERS_MAX];
	struct gwlb_device req;
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		o->help = true;
		return 0;
	}
	ret = gwlb_parse_set_args(argc - 1, argv + 1, &req, peers,
				  ARRAY_SIZE(peers));
	if (ret)
		return ret;
	return apply_set(&req);
}

/* showconf DEV: the whole configuration, in the file format of setconf. */
static int cmd_showconf(int argc, char **argv, struct opts *o)
{
	struct gwlb_device_list list = { NULL, 0, 0 };
	const char *dev = NULL;
	struct gwlb_nl nl;
	int ret;

	ret = cmd_args(argc, argv, o, false, 1, &dev);
	if (ret || o->help)
		return ret;
	if (!dev)
		return gwlb_usage_error("showconf: missing device name");
	ret = fetch_devices(argc, argv, o, false, GWLBTUN_CMD_GET_DEVICE, &dev,
			    &nl, &list);
	if (ret >= 0)
		return ret;
	ret = 0;
	if (list.n == 1)
		gwlb_print_conf(stdout, &list.dev[0]);
	gwlb_device_list_free(&list);
	gwlb_nl_close(&nl);
	return ret;
}

/* setconf DEV FILE: every setting of FILE in one atomic SET. */
static int cmd_setconf(int argc, char **argv, struct opts *o)
{
	static struct gwlb_peer peers[GWLBTUN_PEERS_MAX];
	struct gwlb_device req;
	const char *why;
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		o->help = true;
		return 0;
	}
	if (argc != 3)
		return gwlb_usage_error("setconf: expected DEV FILE");
	if (!gwlb_parse_ifname(argv[1], &why))
		return gwlb_usage_error("setconf: device name '%s' %s", argv[1],
					why);
	ret = gwlb_parse_conf(argv[1], argv[2], &req, peers, ARRAY_SIZE(peers));
	if (ret)
		return ret;
	return apply_set(&req);
}

static volatile sig_atomic_t monitor_stop;

static void monitor_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

struct monitor_out {
	const struct opts *o;
	unsigned int count;
};

static void monitor_notify(const struct gwlb_device *d, const char *problem,
			   void *data)
{
	struct monitor_out *m = data;
	struct json j;

	if (!d) {
		fprintf(stderr, "gwlbctl: monitor: %s\n", problem);
		return;
	}
	if (m->o->json) {
		json_init(&j, stdout, m->o->pretty);
		gwlb_json_device(&j, d);
		putchar('\n');
	} else {
		if (m->count)
			putchar('\n');
		gwlb_print_device(stdout, d);
	}
	m->count++;
	fflush(stdout);
}

static int cmd_monitor(int argc, char **argv, struct opts *o)
{
	struct monitor_out m = { .o = o, .count = 0 };
	const char *dev = NULL;
	struct gwlb_nl_err err;
	struct sigaction sa;
	struct gwlb_nl nl;
	int ret;

	ret = cmd_args(argc, argv, o, false, 0, &dev);
	if (ret || o->help)
		return ret;
	ret = connect_family(&nl);
	if (ret)
		return ret;
	if (!nl.mcgrp_config) {
		fputs("gwlbctl: monitor: the gwlbtun family has no \"" GWLBTUN_MCGRP_CONFIG "\" multicast group\n",
		      stderr);
		gwlb_nl_close(&nl);
		return GWLBCTL_EXIT_FAIL;
	}

	/* No SA_RESTART, so that a signal ends the wait for a message. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = monitor_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (gwlb_nl_monitor(&nl, &monitor_stop, monitor_notify, &m, &err) < 0) {
		report_error("monitor", NULL, &err);
		ret = GWLBCTL_EXIT_FAIL;
	}
	gwlb_nl_close(&nl);
	return ret;
}

static int cmd_help(int argc, char **argv, struct opts *o)
{
	(void)argc;
	(void)argv;
	o->help = true;
	return 0;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv, struct opts *o);
} commands[] = {
	{ "show", cmd_show },
	{ "set", cmd_set },
	{ "showconf", cmd_showconf },
	{ "setconf", cmd_setconf },
	{ "stats", cmd_stats },
	{ "monitor", cmd_monitor },
	{ "help", cmd_help },
};

/* Flush stdout; a failed write (a full disk, a closed pipe) is a failure. */
static int finish(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gwlbctl: write error: %s\n", strerror(errno));
		if (!ret)
			ret = GWLBCTL_EXIT_FAIL;
	}
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { false, false, false, false };
	unsigned int i;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jpah", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'p':
			o.pretty = true;
			break;
		case 'a':
			o.all = true;
			break;
		case 'h':
			print_usage(stdout);
			return finish(GWLBCTL_EXIT_OK);
		case 'V':
			printf("gwlbctl %s (gwlbtun generic netlink API version %d)\n",
			       GWLBCTL_VERSION, GWLBTUN_GENL_VERSION);
			return finish(GWLBCTL_EXIT_OK);
		default:
			if (optopt)
				return gwlb_usage_error("unknown option '-%c'",
							optopt);
			return gwlb_usage_error("unknown option '%s'",
						argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return gwlb_usage_error("no command given");

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		ret = commands[i].run(argc - optind, argv + optind, &o);
		if (!ret && o.help)
			print_usage(stdout);
		return finish(ret);
	}
	return gwlb_usage_error("unknown command '%s'", argv[optind]);
}
