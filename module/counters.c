// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: per-CPU counters. The data path runs with bottom halves
 * disabled, so this_cpu_ptr() is stable while a counter is updated.
 */
#include <linux/skbuff.h>
#include <net/dropreason.h>

#include "gwlbtun.h"

void gwlbtun_count(struct gwlbtun_pcpu_stats __percpu *stats, bool tx,
		   enum gwlbtun_dir dir, unsigned int len)
{
	struct gwlbtun_pcpu_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	if (tx) {
		u64_stats_inc(&s->tx_packets[dir]);
		u64_stats_add(&s->tx_bytes[dir], len);
	} else {
		u64_stats_inc(&s->rx_packets[dir]);
		u64_stats_add(&s->rx_bytes[dir], len);
	}
	u64_stats_update_end(&s->syncp);
}

void gwlbtun_count_drop(struct gwlbtun_pcpu_stats __percpu *stats,
			enum gwlbtun_drop reason)
{
	struct gwlbtun_pcpu_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->drops[reason]);
	u64_stats_update_end(&s->syncp);
}

/* The kernel's own reason, so drop monitors and tracepoints say it too. */
static enum skb_drop_reason gwlbtun_skb_reason(enum gwlbtun_drop reason)
{
	switch (reason) {
	case GWLBTUN_DROP_MALFORMED:
		return SKB_DROP_REASON_HDR_TRUNC;
	case GWLBTUN_DROP_UNKNOWN_VNI:
		return SKB_DROP_REASON_NO_SOCKET;
	case GWLBTUN_DROP_DEVICE_DOWN:
		return SKB_DROP_REASON_DEV_READY;
	case GWLBTUN_DROP_NETFILTER:
		return SKB_DROP_REASON_NETFILTER_DROP;
	case GWLBTUN_DROP_NO_ROUTE:
		return SKB_DROP_REASON_IP_OUTNOROUTES;
	case GWLBTUN_DROP_TOO_BIG:
		return SKB_DROP_REASON_PKT_TOO_BIG;
	case GWLBTUN_DROP_NOMEM:
		return SKB_DROP_REASON_NOMEM;
	default:
		return SKB_DROP_REASON_NOT_SPECIFIED;
	}
}

void gwlbtun_drop(struct gwlbtun_pcpu_stats __percpu *stats,
		  struct sk_buff *skb, enum gwlbtun_drop reason)
{
	gwlbtun_count_drop(stats, reason);
	kfree_skb_reason(skb, gwlbtun_skb_reason(reason));
}

void gwlbtun_stats_fold(struct gwlbtun_pcpu_stats __percpu *pcpu,
			struct gwlbtun_stats *sum)
{
	int cpu, d, r;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct gwlbtun_pcpu_stats *s = per_cpu_ptr(pcpu, cpu);
		struct gwlbtun_stats one;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (d = 0; d < GWLBTUN_NDIRS; d++) {
				one.rx_packets[d] = u64_stats_read(&s->rx_packets[d]);
				one.rx_bytes[d] = u64_stats_read(&s->rx_bytes[d]);
				one.tx_packets[d] = u64_stats_read(&s->tx_packets[d]);
				one.tx_bytes[d] = u64_stats_read(&s->tx_bytes[d]);
			}
			for (r = 0; r < __GWLBTUN_DROP_MAX; r++)
				one.drops[r] = u64_stats_read(&s->drops[r]);
		} while (u64_stats_fetch_retry(&s->syncp, start));

		for (d = 0; d < GWLBTUN_NDIRS; d++) {
			sum->rx_packets[d] += one.rx_packets[d];
			sum->rx_bytes[d] += one.rx_bytes[d];
			sum->tx_packets[d] += one.tx_packets[d];
			sum->tx_bytes[d] += one.tx_bytes[d];
		}
		for (r = 0; r < __GWLBTUN_DROP_MAX; r++)
			sum->drops[r] += one.drops[r];
	}
}

struct gwlbtun_pcpu_stats __percpu *gwlbtun_stats_alloc(void)
{
	struct gwlbtun_pcpu_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu(struct gwlbtun_pcpu_stats);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}
