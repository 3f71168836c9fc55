/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gwlbctl: shared definitions of the command-line tool for gwlbtun devices.
 *
 * The tool is split in four parts:
 *	gwlbctl.c	command line, commands, main()
 *	parse.c		parsing and checking of the user's arguments
 *	netlink.c	generic netlink transport, request builders, reply parsers
 *	output.c	human readable and JSON output
 *	conf.c		the configuration file of showconf and setconf
 */
#ifndef GWLBCTL_H
#define GWLBCTL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/netlink.h>

#include <linux/gwlbtun.h>

#ifndef GWLBCTL_VERSION
#define GWLBCTL_VERSION "0.1.0"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(n) (1U << (n))

/* Exit codes, documented in --help and gwlbctl(8). */
enum {
	GWLBCTL_EXIT_OK = 0,		/* success */
	GWLBCTL_EXIT_FAIL = 1,		/* the kernel refused, or an operation failed */
	GWLBCTL_EXIT_USAGE = 2,		/* bad command line */
	GWLBCTL_EXIT_NO_FAMILY = 3,	/* the gwlbtun genl family is not registered */
};

/* Drop reasons the tool can hold; reasons beyond it are ignored. */
#define GWLBCTL_DROPS_MAX 64

/*
 * One GWLB address; family is AF_INET or AF_INET6. Replies may follow it
 * with the MTU of the route to it (0: no route).
 */
struct gwlb_peer {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	bool has_route_mtu;
	uint32_t route_mtu;
};

/* The route MTU a 1500-byte inner frame needs: 50 / 70 bytes of headers. */
#define GWLBCTL_MIN_ROUTE_MTU4 1550
#define GWLBCTL_MIN_ROUTE_MTU6 1570

/* How often a dump that changes under it is tried before giving up. */
#define GWLBCTL_DUMP_TRIES 5

/* A tunnel; present holds BIT(GWLBTUN_TUNNEL_A_*) of the fields set. */
struct gwlb_tunnel {
	uint32_t present;
	uint32_t vni;
	uint16_t port;
};

/* Counters of a tunnel; present holds BIT(GWLBTUN_TUNNEL_STATS_A_*). */
struct gwlb_tunnel_stats {
	uint32_t present;
	uint64_t val[GWLBTUN_TUNNEL_STATS_A_MAX + 1];
};

/*
 * The GWLBTUN_A_STATS nest; present holds BIT(GWLBTUN_STATS_A_*),
 * drops_present has bit N set when drops[N] was reported.
 */
struct gwlb_stats {
	uint32_t present;
	struct gwlb_tunnel_stats external;
	struct gwlb_tunnel_stats internal;
	uint64_t drops_present;
	uint64_t drops[GWLBCTL_DROPS_MAX];
};

/*
 * A device as carried by a GET_DEVICE / GET_STATS reply, a configuration
 * notification, or a SET_DEVICE request (the four share one shape).
 * present holds BIT(GWLBTUN_A_*) of the attributes that are set.
 */
struct gwlb_device {
	uint32_t present;
	char ifname[IFNAMSIZ];
	uint32_t ifindex;
	struct gwlb_tunnel external;
	struct gwlb_tunnel internal;
	struct gwlb_peer *peers;
	unsigned int n_peers;
	unsigned int peers_cap;
	uint8_t peers_any;
	uint8_t ttl;
	uint8_t udp_csum;
	uint8_t nf_hooks;
	uint32_t mark_external;
	uint32_t mark_internal;
	uint32_t mark_mask;
	uint8_t non_ip;			/* enum gwlbtun_non_ip */
	uint8_t udp6_zero_csum_rx;
	uint8_t drain;			/* for the probe only */
	struct gwlb_stats stats;
};

/* A growable list of devices, in the order the kernel reported them. */
struct gwlb_device_list {
	struct gwlb_device *dev;
	unsigned int n;
	unsigned int cap;
};

/* What went wrong with a request, as the kernel explained it. */
struct gwlb_nl_err {
	int error;		/* positive errno, 0 if none */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	bool has_offs;
	uint32_t offs;		/* NLMSGERR_ATTR_OFFS */
	bool has_miss_type;
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE */
	bool dump_intr;		/* the dump was interrupted by a change */
	unsigned int dump_tries;	/* dumps tried, when dump_intr */
	const char *bad_attr;	/* a reply attribute that failed validation */
};

/* A generic netlink socket talking to the gwlbtun family. */
struct gwlb_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t mcgrp_config;	/* 0 when the family has no "config" group */
	char *buf;
	size_t buf_size;
};

/* parse.c */
int gwlb_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
bool gwlb_parse_ifname(const char *s, const char **why);
int gwlb_parse_set_args(int argc, char **argv, struct gwlb_device *req,
			struct gwlb_peer *peer_buf, unsigned int peer_buf_len);

/* conf.c */
void gwlb_print_conf(FILE *f, const struct gwlb_device *d);
int gwlb_parse_conf(const char *dev, const char *file, struct gwlb_device *req,
		    struct gwlb_peer *peer_buf, unsigned int peer_buf_len);

/* netlink.c */
int gwlb_nl_open(struct gwlb_nl *nl, struct gwlb_nl_err *err);
void gwlb_nl_close(struct gwlb_nl *nl);
int gwlb_nl_resolve(struct gwlb_nl *nl, const char *name,
		    struct gwlb_nl_err *err);
int gwlb_nl_get_devices(struct gwlb_nl *nl, uint8_t cmd, const char *ifname,
			struct gwlb_device_list *list, struct gwlb_nl_err *err);
int gwlb_nl_get_netns_stats(struct gwlb_nl *nl, struct gwlb_stats *stats,
			    struct gwlb_nl_err *err);
int gwlb_nl_set_device(struct gwlb_nl *nl, const struct gwlb_device *req,
		       struct gwlb_nl_err *err);
int gwlb_nl_monitor(struct gwlb_nl *nl, volatile sig_atomic_t *stop,
		    void (*notify)(const struct gwlb_device *dev,
				   const char *problem, void *data),
		    void *data, struct gwlb_nl_err *err);

struct nlmsghdr *gwlb_msg_start(void *buf, uint16_t family, uint8_t cmd,
				uint16_t flags, uint32_t seq);
int gwlb_msg_put_device(struct nlmsghdr *nlh, size_t buflen,
			const struct gwlb_device *d);
int gwlb_msg_parse_device(const struct nlmsghdr *nlh, struct gwlb_device *d,
			  const char **bad_attr);
int gwlb_msg_parse_error(const struct nlmsghdr *nlh, struct gwlb_nl_err *err);
int gwlb_msg_parse_done(const struct nlmsghdr *nlh, struct gwlb_nl_err *err);
int gwlb_nl_request(struct gwlb_nl *nl, struct nlmsghdr *nlh,
		    int (*cb)(const struct nlmsghdr *nlh, void *data,
			      struct gwlb_nl_err *err),
		    void *data, struct gwlb_nl_err *err);
const char *gwlb_attr_name(unsigned int type);

void gwlb_device_free(struct gwlb_device *d);
struct gwlb_device *gwlb_device_list_add(struct gwlb_device_list *list);
void gwlb_device_list_free(struct gwlb_device_list *list);

/* output.c */
struct json {
	FILE *f;
	bool pretty;
	int depth;
	bool first;	/* no value written yet in the innermost container */
};

extern const char *const gwlb_drop_names[GWLBTUN_DROP_MAX + 1];
const char *gwlb_non_ip_name(uint8_t v);
extern const char *const gwlb_drop_json_keys[GWLBTUN_DROP_MAX + 1];

void json_init(struct json *j, FILE *f, bool pretty);
void json_string(FILE *f, const char *s);
void json_open(struct json *j, const char *key, char bracket);
void json_close(struct json *j, char bracket);
void json_str(struct json *j, const char *key, const char *s);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

void gwlb_print_safe(FILE *f, const char *s);
void gwlb_format_peer(const struct gwlb_peer *p, char *buf, size_t len);
void gwlb_print_device(FILE *f, const struct gwlb_device *d);
void gwlb_json_device(struct json *j, const struct gwlb_device *d);
void gwlb_print_stats(FILE *f, const char *title, const struct gwlb_stats *s,
		      bool all);
void gwlb_json_stats(struct json *j, const struct gwlb_device *d);
void gwlb_json_netns_stats(struct json *j, const struct gwlb_stats *s);

#endif /* GWLBCTL_H */
