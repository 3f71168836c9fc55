// SPDX-License-Identifier: GPL-2.0
/*
 * gwlbtun: Azure Gateway Load Balancer tunnel device. Module entry points
 * and per network namespace state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "gwlbtun.h"

unsigned int gwlbtun_net_id __read_mostly;
struct workqueue_struct *gwlbtun_wq;

static int __net_init gwlbtun_net_init(struct net *net)
{
	struct gwlbtun_net *gn = gwlbtun_pernet(net);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gn->peer_hash); i++) {
		INIT_HLIST_HEAD(&gn->peer_hash[i]);
		INIT_HLIST_HEAD(&gn->any_hash[i]);
	}
	INIT_LIST_HEAD(&gn->socks);
	INIT_LIST_HEAD(&gn->devices);
	gn->unmatched = gwlbtun_stats_alloc();
	return gn->unmatched ? 0 : -ENOMEM;
}

/*
 * Our pernet exit runs before the core deletes a dying netns's devices, so
 * delete ours here: their sockets live in this netns.
 */
static void __net_exit gwlbtun_net_exit_batch(struct list_head *net_list)
{
	struct gwlbtun_dev *gd, *tmp;
	struct net *net;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry(net, net_list, exit_list) {
		struct gwlbtun_net *gn = gwlbtun_pernet(net);

		list_for_each_entry_safe(gd, tmp, &gn->devices, list)
			unregister_netdevice_queue(gd->dev, &kill);
	}
	unregister_netdevice_many(&kill);
	rtnl_unlock();

	list_for_each_entry(net, net_list, exit_list) {
		struct gwlbtun_net *gn = gwlbtun_pernet(net);

		WARN_ON_ONCE(!list_empty(&gn->socks));
		WARN_ON_ONCE(gn->early_hooked);
		free_percpu(gn->unmatched);
	}
}

static struct pernet_operations gwlbtun_net_ops = {
	.init = gwlbtun_net_init,
	.exit_batch = gwlbtun_net_exit_batch,
	.id = &gwlbtun_net_id,
	.size = sizeof(struct gwlbtun_net),
};

static int __init gwlbtun_init(void)
{
	int err;

	err = gwlbtun_reply_init();
	if (err)
		return err;
	gwlbtun_wq = alloc_workqueue("gwlbtun", 0, 0);
	if (!gwlbtun_wq) {
		gwlbtun_reply_exit();
		return -ENOMEM;
	}
	err = register_pernet_device(&gwlbtun_net_ops);
	if (err)
		goto err_wq;
	err = rtnl_link_register(&gwlbtun_link_ops);
	if (err)
		goto err_pernet;
	err = gwlbtun_genl_init();
	if (err)
		goto err_link;
	err = gwlbtun_modparams_create();
	if (err)
		goto err_genl;
	pr_info("Azure Gateway Load Balancer tunnel device, version " GWLBTUN_VERSION "\n");
	return 0;

err_genl:
	gwlbtun_genl_exit();
err_link:
	rtnl_link_unregister(&gwlbtun_link_ops);
err_pernet:
	unregister_pernet_device(&gwlbtun_net_ops);
err_wq:
	rcu_barrier();
	destroy_workqueue(gwlbtun_wq);
	rcu_barrier();
	gwlbtun_reply_exit();
	return err;
}

static void __exit gwlbtun_exit(void)
{
	gwlbtun_genl_exit();
	rtnl_link_unregister(&gwlbtun_link_ops);
	unregister_pernet_device(&gwlbtun_net_ops);
	/* Configurations wait for a grace period, then for the workqueue;
	 * the reply placeholders they release, for another grace period.
	 */
	rcu_barrier();
	destroy_workqueue(gwlbtun_wq);
	rcu_barrier();
	gwlbtun_reply_exit();
}

module_init(gwlbtun_init);
module_exit(gwlbtun_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("The gwlbtun authors");
MODULE_DESCRIPTION("Azure Gateway Load Balancer tunnel device: terminates the External and Internal VXLAN tunnels, runs netfilter on the inner packets and reflects them");
MODULE_VERSION(GWLBTUN_VERSION);
MODULE_ALIAS_RTNL_LINK("gwlbtun");
MODULE_ALIAS_GENL_FAMILY(GWLBTUN_GENL_NAME);
