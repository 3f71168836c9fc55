/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gwlbtun: small helpers for what differs between kernel versions. The
 * module targets Debian's 6.1; each helper names the change it hides.
 */
#ifndef _GWLBTUN_COMPAT_H
#define _GWLBTUN_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>

/* 6.12 turned NETIF_F_NETNS_LOCAL into dev->netns_local. */
static inline void gwlbtun_compat_set_netns_local(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->netns_local = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
}

#endif /* _GWLBTUN_COMPAT_H */
