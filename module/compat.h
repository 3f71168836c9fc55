/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gwlbtun: small helpers for what differs between kernel versions. The
 * module targets Debian's 6.1; each helper names the change it hides.
 */
#ifndef _GWLBTUN_COMPAT_H
#define _GWLBTUN_COMPAT_H

#include <linux/netdevice.h>

/* 6.12 turned the NETIF_F_NETNS_LOCAL feature into dev->netns_local. */
static inline void gwlbtun_compat_set_netns_local(struct net_device *dev)
{
#ifdef NETIF_F_NETNS_LOCAL
	dev->features |= NETIF_F_NETNS_LOCAL;
#else
	dev->netns_local = true;
#endif
}

#endif /* _GWLBTUN_COMPAT_H */
