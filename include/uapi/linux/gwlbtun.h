/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * gwlbtun: Azure Gateway Load Balancer tunnel device, generic netlink API.
 *
 * A gwlbtun device terminates the two VXLAN tunnels (External and Internal)
 * that an Azure Gateway Load Balancer (GWLB) uses to hand traffic to a
 * network virtual appliance, passes each inner packet through netfilter and
 * sends it back to the GWLB it came from over the other tunnel.
 *
 * Devices are created and deleted with rtnetlink ("ip link add gwlb0 type
 * gwlbtun"); a new device has no tunnels and reflects nothing. They are
 * configured through the generic netlink family GWLBTUN_GENL_NAME, version
 * GWLBTUN_GENL_VERSION. Every command that names a device takes
 * GWLBTUN_A_IFINDEX or GWLBTUN_A_IFNAME, resolved in the caller's network
 * namespace. Commands that change state need CAP_NET_ADMIN over the user
 * namespace owning that network namespace.
 *
 * GWLBTUN_CMD_GET_DEVICE
 *	do: the configuration of one device; dump: of every gwlbtun device in
 *	the caller's netns. The reply carries GWLBTUN_A_IFINDEX,
 *	GWLBTUN_A_IFNAME, GWLBTUN_A_EXTERNAL and GWLBTUN_A_INTERNAL (only while
 *	configured), GWLBTUN_A_PEERS, GWLBTUN_A_PEERS_ANY, GWLBTUN_A_TTL,
 *	GWLBTUN_A_UDP_CSUM, GWLBTUN_A_NF_HOOKS, GWLBTUN_A_MARK_EXTERNAL,
 *	GWLBTUN_A_MARK_INTERNAL, GWLBTUN_A_MARK_MASK, GWLBTUN_A_NON_IP,
 *	GWLBTUN_A_UDP6_ZERO_CSUM_RX and GWLBTUN_A_DRAIN.
 *
 * GWLBTUN_CMD_SET_DEVICE
 *	Changes the attributes present and keeps the others. GWLBTUN_A_EXTERNAL
 *	and GWLBTUN_A_INTERNAL must both end up set (or both absent on an
 *	unconfigured device), with two different UDP ports. GWLBTUN_A_PEERS, when
 *	present, replaces the whole allow-list (an empty nest clears it). The
 *	change is applied atomically: a packet is handled entirely under the old
 *	or entirely under the new configuration. A rejected request changes
 *	nothing and says why in the extended ack. On success the new
 *	configuration is announced to GWLBTUN_MCGRP_CONFIG as a
 *	GWLBTUN_CMD_SET_DEVICE message shaped like a GET_DEVICE reply.
 *
 * GWLBTUN_CMD_GET_STATS
 *	do: counters of one device; dump: of every device in the netns. The
 *	reply carries GWLBTUN_A_IFINDEX, GWLBTUN_A_IFNAME, GWLBTUN_A_DRAIN
 *	(so that counters read while draining say so) and GWLBTUN_A_STATS.
 *
 * GWLBTUN_CMD_GET_NETNS_STATS
 *	do, no device: packets that reached a gwlbtun UDP port of the caller's
 *	netns but matched no device, in GWLBTUN_A_STATS (only the
 *	GWLBTUN_STATS_A_DROPS nest is present).
 *
 * Demultiplexing: a packet belongs to the device whose tunnel has the
 * packet's UDP destination port and VNI and whose allow-list holds the outer
 * source address (or that accepts any source). Devices may share ports and
 * VNIs as long as no two of them accept the same source on the same
 * (port, VNI).
 */
#ifndef _UAPI_LINUX_GWLBTUN_H
#define _UAPI_LINUX_GWLBTUN_H

#define GWLBTUN_GENL_NAME	"gwlbtun"
#define GWLBTUN_GENL_VERSION	1
#define GWLBTUN_MCGRP_CONFIG	"config"

/* The largest VXLAN network identifier (24 bits). */
#define GWLBTUN_VNI_MAX		0xffffff
/* The most GWLB addresses one device accepts. */
#define GWLBTUN_PEERS_MAX	64

enum gwlbtun_cmd {
	GWLBTUN_CMD_UNSPEC,
	GWLBTUN_CMD_GET_DEVICE,
	GWLBTUN_CMD_SET_DEVICE,
	GWLBTUN_CMD_GET_STATS,
	GWLBTUN_CMD_GET_NETNS_STATS,
	__GWLBTUN_CMD_MAX
};

#define GWLBTUN_CMD_MAX (__GWLBTUN_CMD_MAX - 1)

/**
 * enum gwlbtun_attr - top-level attributes
 * @GWLBTUN_A_UNSPEC: unused
 * @GWLBTUN_A_IFINDEX: u32, the device's interface index
 * @GWLBTUN_A_IFNAME: string, the device's name (when no ifindex is given)
 * @GWLBTUN_A_EXTERNAL: nest of &enum gwlbtun_tunnel_attr, the External
 *	tunnel (arrives from the GWLB on it, leaves on the Internal one)
 * @GWLBTUN_A_INTERNAL: nest of &enum gwlbtun_tunnel_attr, the Internal
 *	tunnel (arrives on it, leaves on the External one)
 * @GWLBTUN_A_PEERS: nest of &enum gwlbtun_peer_attr, the GWLB addresses
 *	packets are accepted from and reflected to; on SET it replaces the list
 * @GWLBTUN_A_PEERS_ANY: u8 0 or 1; 1 accepts packets from any source (each
 *	is still reflected only to its own sender). Default 0. The list in
 *	GWLBTUN_A_PEERS is kept either way; its addresses get a cached route.
 *	Two devices may not both accept any source on the same (port, VNI).
 *	Meant for labs: the device then reflects, with its own address as
 *	source, whatever anyone sends it, spoofed sources included. Two hosts
 *	accepting any peer bounce a datagram between them until its TTL runs
 *	out (see GWLBTUN_A_TTL); in production, list the GWLB addresses.
 * @GWLBTUN_A_TTL: u8, TTL / hop limit of the outer header; 0 (default) uses
 *	the route's default, as the vxlan driver does. Either way a reply
 *	leaves with at most the TTL it arrived with minus one, and a packet
 *	that arrives with TTL 1 or 0 is dropped (GWLBTUN_DROP_TTL), so a
 *	reflection loop between two misconfigured hosts ends by itself. A
 *	GWLB builds new outer headers for each packet, so it never sees this.
 * @GWLBTUN_A_UDP_CSUM: u8 0 or 1, compute the outer UDP checksum over IPv4
 *	(default 1); over IPv6 it is always computed
 * @GWLBTUN_A_NF_HOOKS: u8 0 or 1, pass inner IPv4/IPv6 packets through the
 *	netfilter PRE_ROUTING, FORWARD and POST_ROUTING hooks (default 1)
 * @GWLBTUN_A_MARK_EXTERNAL: u32, bits (within GWLBTUN_A_MARK_MASK) set in
 *	skb->mark of packets that arrived on the External tunnel
 * @GWLBTUN_A_MARK_INTERNAL: u32, likewise for the Internal tunnel
 * @GWLBTUN_A_MARK_MASK: u32, the bits of skb->mark the device owns; 0
 *	(default) leaves the mark alone. A direction mark with bits outside
 *	the mask is rejected. Packets are marked before PRE_ROUTING, so rules
 *	can tell the tunnels apart, e.g. "meta mark & 0x3 == 0x1".
 *	The outer packet keeps the mark for its route lookup, as vxlan does:
 *	with "ip rule fwmark" each direction takes its own route. The route
 *	cache of each (GWLB, direction) serves only packets that carry the
 *	mark the device gave them; a packet whose mark a rule changed gets a
 *	route lookup of its own.
 * @GWLBTUN_A_STATS: nest of &enum gwlbtun_stats_attr, read only
 * @GWLBTUN_A_PAD: padding for 64-bit attributes
 * @GWLBTUN_A_NON_IP: u8, what happens to inner frames netfilter cannot see
 *	while GWLBTUN_A_NF_HOOKS is on: GWLBTUN_NON_IP_DROP (default) drops
 *	them (counted as GWLBTUN_DROP_UNFILTERED), GWLBTUN_NON_IP_REFLECT
 *	reflects them unfiltered. ARP is always reflected. IP inside 802.1Q
 *	or 802.1ad tags is always dropped while the hooks are on: it would
 *	pass the firewall unseen.
 * @GWLBTUN_A_UDP6_ZERO_CSUM_RX: u8 0 or 1, accept outer IPv6 packets whose
 *	UDP checksum is zero (RFC 6936 allows it for tunnels that opt in).
 *	Default 0: such packets are dropped as GWLBTUN_DROP_ZERO_CSUM.
 * @GWLBTUN_A_DRAIN: u8 0 or 1, the device is being drained for
 *	maintenance (default 0). The data path ignores it: every packet,
 *	of an established flow or a new one, is still reflected. It is a flag
 *	for the health probe responder (gwlbtun-probe), which answers the
 *	GWLB's probes with a failure while it is set, so that the GWLB sends
 *	no new flows to this NVA while the open ones go on.
 */
enum gwlbtun_attr {
	GWLBTUN_A_UNSPEC,
	GWLBTUN_A_IFINDEX,
	GWLBTUN_A_IFNAME,
	GWLBTUN_A_EXTERNAL,
	GWLBTUN_A_INTERNAL,
	GWLBTUN_A_PEERS,
	GWLBTUN_A_PEERS_ANY,
	GWLBTUN_A_TTL,
	GWLBTUN_A_UDP_CSUM,
	GWLBTUN_A_NF_HOOKS,
	GWLBTUN_A_MARK_EXTERNAL,
	GWLBTUN_A_MARK_INTERNAL,
	GWLBTUN_A_MARK_MASK,
	GWLBTUN_A_STATS,
	GWLBTUN_A_PAD,
	GWLBTUN_A_NON_IP,
	GWLBTUN_A_UDP6_ZERO_CSUM_RX,
	GWLBTUN_A_DRAIN,
	__GWLBTUN_A_MAX
};

#define GWLBTUN_A_MAX (__GWLBTUN_A_MAX - 1)

/**
 * enum gwlbtun_non_ip - values of GWLBTUN_A_NON_IP
 * @GWLBTUN_NON_IP_DROP: drop, counted as GWLBTUN_DROP_UNFILTERED
 * @GWLBTUN_NON_IP_REFLECT: reflect without filtering
 */
enum gwlbtun_non_ip {
	GWLBTUN_NON_IP_DROP,
	GWLBTUN_NON_IP_REFLECT,
	__GWLBTUN_NON_IP_MAX
};

#define GWLBTUN_NON_IP_MAX (__GWLBTUN_NON_IP_MAX - 1)

/**
 * enum gwlbtun_tunnel_attr - one tunnel, in GWLBTUN_A_EXTERNAL/INTERNAL
 * @GWLBTUN_TUNNEL_A_UNSPEC: unused
 * @GWLBTUN_TUNNEL_A_VNI: u32, VXLAN network identifier, 0..GWLBTUN_VNI_MAX
 * @GWLBTUN_TUNNEL_A_PORT: u16 in host byte order, the UDP port, not 0
 */
enum gwlbtun_tunnel_attr {
	GWLBTUN_TUNNEL_A_UNSPEC,
	GWLBTUN_TUNNEL_A_VNI,
	GWLBTUN_TUNNEL_A_PORT,
	__GWLBTUN_TUNNEL_A_MAX
};

#define GWLBTUN_TUNNEL_A_MAX (__GWLBTUN_TUNNEL_A_MAX - 1)

/**
 * enum gwlbtun_peer_attr - one GWLB address, repeated in GWLBTUN_A_PEERS
 * @GWLBTUN_PEER_A_UNSPEC: unused
 * @GWLBTUN_PEER_A_IPV4: 4 bytes, an IPv4 address in network byte order
 * @GWLBTUN_PEER_A_IPV6: 16 bytes, an IPv6 address
 * @GWLBTUN_PEER_A_ROUTE_MTU: u32, read only (GET replies): the MTU of the
 *	route to this GWLB now, 0 when there is none. A 1500-byte inner frame
 *	needs 1550 over IPv4 and 1570 over IPv6.
 */
enum gwlbtun_peer_attr {
	GWLBTUN_PEER_A_UNSPEC,
	GWLBTUN_PEER_A_IPV4,
	GWLBTUN_PEER_A_IPV6,
	GWLBTUN_PEER_A_ROUTE_MTU,
	__GWLBTUN_PEER_A_MAX
};

#define GWLBTUN_PEER_A_MAX (__GWLBTUN_PEER_A_MAX - 1)

/**
 * enum gwlbtun_stats_attr - counters, in GWLBTUN_A_STATS
 * @GWLBTUN_STATS_A_UNSPEC: unused
 * @GWLBTUN_STATS_A_EXTERNAL: nest of &enum gwlbtun_tunnel_stats_attr
 * @GWLBTUN_STATS_A_INTERNAL: nest of &enum gwlbtun_tunnel_stats_attr
 * @GWLBTUN_STATS_A_DROPS: nest of u64 counters, one per &enum gwlbtun_drop,
 *	the attribute type being the reason's value; GWLBTUN_DROP_NONE (0) is
 *	the padding attribute where 64-bit alignment needs one
 */
enum gwlbtun_stats_attr {
	GWLBTUN_STATS_A_UNSPEC,
	GWLBTUN_STATS_A_EXTERNAL,
	GWLBTUN_STATS_A_INTERNAL,
	GWLBTUN_STATS_A_DROPS,
	__GWLBTUN_STATS_A_MAX
};

#define GWLBTUN_STATS_A_MAX (__GWLBTUN_STATS_A_MAX - 1)

/**
 * enum gwlbtun_tunnel_stats_attr - per tunnel counters, all u64
 * @GWLBTUN_TUNNEL_STATS_A_UNSPEC: unused
 * @GWLBTUN_TUNNEL_STATS_A_RX_PACKETS: packets that arrived on the tunnel
 *	from an allowed GWLB while the device was up; each is then either
 *	reflected (counted in the other tunnel's TX_PACKETS) or dropped with a
 *	reason other than PEER_NOT_ALLOWED and DEVICE_DOWN. Inner fragments,
 *	with the hooks on, are the exception: they are reassembled, and the
 *	datagram is reflected as the fragments it is cut into again (so far
 *	as many as arrived); fragments of a datagram that never completes are
 *	freed by the kernel's reassembly and counted there (nstat
 *	IpReasmFails, Ip6ReasmFails), not here
 * @GWLBTUN_TUNNEL_STATS_A_RX_BYTES: their inner frame bytes
 * @GWLBTUN_TUNNEL_STATS_A_TX_PACKETS: packets sent on the tunnel
 * @GWLBTUN_TUNNEL_STATS_A_TX_BYTES: their inner frame bytes
 * @GWLBTUN_TUNNEL_STATS_A_PAD: padding
 */
enum gwlbtun_tunnel_stats_attr {
	GWLBTUN_TUNNEL_STATS_A_UNSPEC,
	GWLBTUN_TUNNEL_STATS_A_RX_PACKETS,
	GWLBTUN_TUNNEL_STATS_A_RX_BYTES,
	GWLBTUN_TUNNEL_STATS_A_TX_PACKETS,
	GWLBTUN_TUNNEL_STATS_A_TX_BYTES,
	GWLBTUN_TUNNEL_STATS_A_PAD,
	__GWLBTUN_TUNNEL_STATS_A_MAX
};

#define GWLBTUN_TUNNEL_STATS_A_MAX (__GWLBTUN_TUNNEL_STATS_A_MAX - 1)

/**
 * enum gwlbtun_drop - why a packet was dropped
 * @GWLBTUN_DROP_NONE: unused
 * @GWLBTUN_DROP_MALFORMED: truncated outer UDP/VXLAN header, VXLAN I flag
 *	clear, inner frame shorter than an Ethernet header, or an inner IPv4 or
 *	IPv6 header that fails the checks the IP stack makes
 * @GWLBTUN_DROP_UNKNOWN_VNI: no tunnel has this UDP port and VNI
 * @GWLBTUN_DROP_PEER_NOT_ALLOWED: the outer source is not on the allow-list
 * @GWLBTUN_DROP_DEVICE_DOWN: the device is administratively down
 * @GWLBTUN_DROP_NETFILTER: a netfilter rule dropped the inner packet. Not
 *	counted: packets sent to an NFQUEUE that has no consumer and no
 *	"bypass" (netfilter frees them without telling the caller)
 * @GWLBTUN_DROP_NO_ROUTE: no route back to the GWLB, or the route leads
 *	into this host (a local address, or the device itself): a reply from
 *	a local sender would otherwise loop between the two tunnels
 * @GWLBTUN_DROP_TOO_BIG: the reflected packet exceeds the route's MTU
 * @GWLBTUN_DROP_NOMEM: memory allocation failed
 * @GWLBTUN_DROP_XMIT: the underlay refused the reflected packet
 * @GWLBTUN_DROP_NOT_UNICAST: the outer packet was not addressed to this
 *	host alone (multicast or broadcast): a reply would carry a group address
 *	as its source
 * @GWLBTUN_DROP_ZERO_CSUM: outer IPv6 with a zero UDP checksum while
 *	GWLBTUN_A_UDP6_ZERO_CSUM_RX is off (RFC 6936)
 * @GWLBTUN_DROP_TTL: the outer TTL / hop limit was 1 or 0. A reply leaves
 *	with at most the received TTL minus one, so that a reflection loop
 *	between two hosts (two devices accepting any peer, say) dies out
 * @GWLBTUN_DROP_UNFILTERED: while the netfilter hooks are on, an inner
 *	frame they cannot see: IP inside VLAN tags, or another non-IP, non-ARP
 *	frame while GWLBTUN_A_NON_IP is GWLBTUN_NON_IP_DROP
 * @GWLBTUN_DROP_ECN: the outer header was marked CE (congestion) but the
 *	inner packet is not ECN-capable (RFC 6040 section 4.2)
 * @GWLBTUN_DROP_STALE: at transmit, the packet's reply context is no longer
 *	valid: its GWLB left the allow-list, the device was reconfigured to
 *	no tunnels, or the packet holds no context of this device (fragments
 *	that arrived on two devices, reassembled into one)
 * @__GWLBTUN_DROP_MAX: number of reasons plus one
 */
enum gwlbtun_drop {
	GWLBTUN_DROP_NONE,
	GWLBTUN_DROP_MALFORMED,
	GWLBTUN_DROP_UNKNOWN_VNI,
	GWLBTUN_DROP_PEER_NOT_ALLOWED,
	GWLBTUN_DROP_DEVICE_DOWN,
	GWLBTUN_DROP_NETFILTER,
	GWLBTUN_DROP_NO_ROUTE,
	GWLBTUN_DROP_TOO_BIG,
	GWLBTUN_DROP_NOMEM,
	GWLBTUN_DROP_XMIT,
	GWLBTUN_DROP_NOT_UNICAST,
	GWLBTUN_DROP_ZERO_CSUM,
	GWLBTUN_DROP_TTL,
	GWLBTUN_DROP_UNFILTERED,
	GWLBTUN_DROP_ECN,
	GWLBTUN_DROP_STALE,
	__GWLBTUN_DROP_MAX
};

#define GWLBTUN_DROP_MAX (__GWLBTUN_DROP_MAX - 1)

#endif /* _UAPI_LINUX_GWLBTUN_H */
