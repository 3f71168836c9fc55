// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun-nfq: a small NFQUEUE consumer (libnetfilter_queue) standing in for
 * an IPS behind gwlbtun. It binds one queue and gives every packet a verdict:
 * TCP (IPv4 or IPv6) to one of the ports given with -d is dropped, anything
 * else is accepted.
 *
 *   gwlbtun-nfq [-q QUEUE] [-d PORT[,PORT...]]... [-G] [-v]
 *
 * By default it asks for whole GSO packets (NFQA_CFG_F_GSO), as an IPS
 * that reads only headers would; -G leaves the flag off, so the kernel
 * segments GSO packets before queueing them, as for consumers that know
 * nothing of GSO.
 *
 * Once the queue is bound it prints "gwlbtun-nfq: queue N ready". Signals:
 *   SIGUSR1          switch dropping off (accept everything) or back on
 *   SIGUSR2          print the counters
 *   SIGINT, SIGTERM  print the counters and exit 0
 * The counters line reads
 *   "gwlbtun-nfq: packets N accepted N dropped N".
 * It exits 1 when the queue cannot be bound (e.g. another consumer has it)
 * or the netlink socket fails.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

/* Headers are all the verdict needs; the kernel keeps the packet. */
#define NFQ_COPY_RANGE	256

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *prog = "gwlbtun-nfq";

static uint8_t drop_ports[65536 / 8];
static bool dropping = true;
static bool verbose;
static bool want_gso = true;

static unsigned long long n_packets, n_accepted, n_dropped;

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-q QUEUE] [-d PORT[,PORT...]]... [-G] [-v]\n"
		"  -q QUEUE  the NFQUEUE number to bind (default 0)\n"
		"  -d PORTS  drop TCP packets to these destination ports\n"
		"  -G        do not ask for GSO packets whole (NFQA_CFG_F_GSO):\n"
		"            the kernel segments them before queueing\n"
		"  -v        print every verdict\n"
		"SIGUSR1 switches dropping off and on, SIGUSR2 prints the\n"
		"counters, SIGINT/SIGTERM print them and exit.\n", prog);
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *val)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*val = strtoul(s, &end, 10);
	return !errno && !*end && *val <= max;
}

static bool add_ports(char *list)
{
	unsigned long port;
	char *tok, *save;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!parse_uint(tok, 65535, &port) || !port)
			return false;
		drop_ports[port / 8] |= 1u << (port % 8);
	}
	return true;
}

static bool port_dropped(unsigned int port)
{
	return drop_ports[port / 8] & (1u << (port % 8));
}

static void report(void)
{
	printf("%s: packets %llu accepted %llu dropped %llu\n", prog,
	       n_packets, n_accepted, n_dropped);
	fflush(stdout);
}

/*
 * The TCP destination port of an IPv4 or IPv6 packet, or -1 if it is not
 * TCP, is a later fragment, or is cut short.
 */
static int tcp_dport(const uint8_t *p, size_t len)
{
	size_t off, hlen;
	uint8_t next;

	if (len < 1)
		return -1;
	switch (p[0] >> 4) {
	case 4:
		if (len < 20)
			return -1;
		off = (size_t)(p[0] & 0xf) * 4;
		/* a later fragment has no transport header */
		if (p[9] != 6 || off < 20 || (((p[6] & 0x1f) << 8) | p[7]))
			return -1;
		break;
	case 6:
		if (len < 40)
			return -1;
		next = p[6];
		off = 40;
		for (;;) {
			if (next == 6)
				break;
			if (len < off + 8)
				return -1;
			switch (next) {
			case 0:		/* hop-by-hop options */
			case 43:	/* routing */
			case 60:	/* destination options */
				hlen = ((size_t)p[off + 1] + 1) * 8;
				break;
			case 44:	/* fragment */
				if (((p[off + 2] << 8) | p[off + 3]) & ~7)
					return -1;
				hlen = 8;
				break;
			case 51:	/* authentication header */
				hlen = ((size_t)p[off + 1] + 2) * 4;
				break;
			default:
				return -1;
			}
			next = p[off];
			off += hlen;
		}
		break;
	default:
		return -1;
	}
	if (len < off + 4)
		return -1;
	return (p[off + 2] << 8) | p[off + 3];
}

static int send_verdict(struct mnl_socket *nl, uint16_t queue, uint32_t id,
			int verdict)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT, queue);
	nfq_nlmsg_verdict_put(nlh, id, verdict);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		fprintf(stderr, "%s: sending a verdict: %s\n", prog,
			strerror(errno));
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int packet_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr[NFQA_MAX + 1] = { NULL };
	struct mnl_socket *nl = data;
	struct nfqnl_msg_packet_hdr *ph;
	const uint8_t *payload = NULL;
	struct nfgenmsg *nfg;
	size_t plen = 0;
	int port, verdict;
	uint32_t id;

	if (nfq_nlmsg_parse(nlh, attr) < 0) {
		fprintf(stderr, "%s: cannot parse a queued packet\n", prog);
		return MNL_CB_ERROR;
	}
	if (!attr[NFQA_PACKET_HDR]) {
		fprintf(stderr, "%s: queued packet without a header\n", prog);
		return MNL_CB_ERROR;
	}
	nfg = mnl_nlmsg_get_payload(nlh);
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	id = ntohl(ph->packet_id);
	if (attr[NFQA_PAYLOAD]) {
		payload = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		plen = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}

	port = payload ? tcp_dport(payload, plen) : -1;
	if (dropping && port >= 0 && port_dropped(port))
		verdict = NF_DROP;
	else
		verdict = NF_ACCEPT;

	n_packets++;
	if (verdict == NF_DROP)
		n_dropped++;
	else
		n_accepted++;
	if (verbose) {
		printf("%s: id %u hook %u tcp dport %d: %s\n", prog, id,
		       ph->hook, port, verdict == NF_DROP ? "drop" : "accept");
		fflush(stdout);
	}
	return send_verdict(nl, ntohs(nfg->res_id), id, verdict);
}

/*
 * Send a configuration request and wait for the kernel's acknowledgment.
 * Packets queued in the meantime get their verdicts as usual.
 */
static int config_request(struct mnl_socket *nl, struct nlmsghdr *nlh,
			  char *buf, size_t size)
{
	unsigned int portid = mnl_socket_get_portid(nl);
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(nl, buf, size);
		if (n < 0)
			return -1;
		ret = mnl_cb_run(buf, n, seq, portid, packet_cb, nl);
	} while (ret == MNL_CB_OK);
	return ret < 0 ? -1 : 0;
}

static int bind_queue(struct mnl_socket *nl, uint16_t queue, char *buf,
		      size_t size)
{
	struct nlmsghdr *nlh;
	uint32_t seq = 1;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nlh->nlmsg_seq = seq++;
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	if (config_request(nl, nlh, buf, size) < 0) {
		fprintf(stderr, "%s: cannot bind queue %u: %s\n", prog, queue,
			strerror(errno));
		return -1;
	}

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nlh->nlmsg_seq = seq++;
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, NFQ_COPY_RANGE);
	/* Whole GSO packets, as they are: only their headers are read. */
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS,
			 htonl(want_gso ? NFQA_CFG_F_GSO : 0));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO));
	if (config_request(nl, nlh, buf, size) < 0) {
		fprintf(stderr, "%s: cannot configure queue %u: %s\n", prog,
			queue, strerror(errno));
		return -1;
	}
	return 0;
}

/* The signals we act on arrive on a descriptor, next to the queue's. */
static int signal_fd(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGUSR1, SIGUSR2 };
	unsigned int i;
	sigset_t set;

	sigemptyset(&set);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Act on one signal; true when it is time to stop. */
static bool handle_signal(int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return false;
	switch (si.ssi_signo) {
	case SIGUSR1:
		dropping = !dropping;
		printf("%s: dropping %s\n", prog, dropping ? "on" : "off");
		fflush(stdout);
		return false;
	case SIGUSR2:
		report();
		return false;
	default:
		return true;
	}
}

int main(int argc, char **argv)
{
	size_t size = NFQ_COPY_RANGE + MNL_SOCKET_BUFFER_SIZE;
	unsigned long queue = 0;
	struct pollfd pfd[2];
	struct mnl_socket *nl;
	unsigned int portid;
	int opt, ret, sfd;
	int one = 1;
	ssize_t n;
	char *buf;

	while ((opt = getopt(argc, argv, "q:d:Gvh")) != -1) {
		switch (opt) {
		case 'q':
			if (!parse_uint(optarg, 65535, &queue)) {
				fprintf(stderr, "%s: bad queue number: %s\n",
					prog, optarg);
				return 2;
			}
			break;
		case 'd':
			if (!add_ports(optarg)) {
				fprintf(stderr, "%s: bad port list: %s\n",
					prog, optarg);
				return 2;
			}
			break;
		case 'G':
			want_gso = false;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		print_usage(stderr);
		return 2;
	}

	sfd = signal_fd();
	if (sfd < 0) {
		perror("signalfd");
		return 1;
	}
	buf = malloc(size);
	if (!buf) {
		perror("malloc");
		return 1;
	}
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl) {
		perror("mnl_socket_open");
		return 1;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("mnl_socket_bind");
		return 1;
	}
	portid = mnl_socket_get_portid(nl);
	if (bind_queue(nl, queue, buf, size) < 0)
		return 1;
	/* Packets the kernel could not queue are its business, not ours. */
	mnl_socket_setsockopt(nl, NETLINK_NO_ENOBUFS, &one, sizeof(one));

	printf("%s: queue %lu ready\n", prog, queue);
	fflush(stdout);

	pfd[0].fd = sfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = mnl_socket_get_fd(nl);
	pfd[1].events = POLLIN;
	for (;;) {
		ret = poll(pfd, ARRAY_SIZE(pfd), -1);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		if ((pfd[0].revents & POLLIN) && handle_signal(sfd))
			break;
		if (!(pfd[1].revents & POLLIN))
			continue;
		n = recv(pfd[1].fd, buf, size, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ENOBUFS)
				continue;
			perror("recv");
			return 1;
		}
		ret = mnl_cb_run(buf, n, 0, portid, packet_cb, nl);
		if (ret < 0) {
			perror("mnl_cb_run");
			return 1;
		}
	}

	report();
	mnl_socket_close(nl);
	free(buf);
	return 0;
}
