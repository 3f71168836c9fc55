// SPDX-License-Identifier: GPL-2.0
/*
 * For scripts/vm/selftest.sh only: a module that leaks one allocation on
 * load, so the runner's kmemleak check has something to find.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static int __init leaky_init(void)
{
	void *p = kmalloc(200, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	/* used, then forgotten: no pointer to it is left anywhere */
	memset(p, 0x5a, 200);
	OPTIMIZER_HIDE_VAR(p);
	p = NULL;
	pr_info("leaky: leaked 200 bytes on purpose\n");
	return 0;
}

static void __exit leaky_exit(void)
{
}

module_init(leaky_init);
module_exit(leaky_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("gwlbtun VM runner self-test: leaks on purpose");
