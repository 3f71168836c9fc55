// SPDX-License-Identifier: GPL-2.0
#include <kunit/test.h>
int gwlbtun_placeholder(void);
static void placeholder(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, gwlbtun_placeholder(), 1);
}
static struct kunit_case cases[] = { KUNIT_CASE(placeholder), {} };
static struct kunit_suite suite = { .name = "gwlbtun_hdr", .test_cases = cases };
kunit_test_suite(suite);
