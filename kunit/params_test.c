// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gwlbtun's configuration values: the peers module
 * parameter parser (module/params.c) and the checks every configuration
 * passes before it is applied (module/config.c).
 */
#include <kunit/test.h>
#include <linux/in6.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "gwlbtun.h"

#define GWLBTUN_TEST_GWLB4	cpu_to_be32(0x0a000005)	/* 10.0.0.5 */

static const struct in6_addr gwlbtun_test_gwlb6 = {
	.in6_u.u6_addr8 = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 }
};

static struct gwlbtun_params *gwlbtun_test_params(struct kunit *test)
{
	struct gwlbtun_params *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	gwlbtun_params_init(p);
	return p;
}

static void gwlbtun_test_parse_one_v4(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_params(test);
	const char *bad = NULL;
	size_t bad_len = 0;

	KUNIT_EXPECT_EQ(test, gwlbtun_parse_peers("10.0.0.5", p, &bad,
						  &bad_len), 0);
	KUNIT_EXPECT_EQ(test, p->n_peers, 1U);
	KUNIT_EXPECT_FALSE(test, p->peers_any);
	KUNIT_EXPECT_EQ(test, p->peers[0].family, AF_INET);
	KUNIT_EXPECT_EQ(test, p->peers[0].ip4, GWLBTUN_TEST_GWLB4);
}

static void gwlbtun_test_parse_v4_v6(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_params(test);
	const char *bad = NULL;
	size_t bad_len = 0;

	KUNIT_EXPECT_EQ(test, gwlbtun_parse_peers("10.0.0.5,fd00::5", p, &bad,
						  &bad_len), 0);
	KUNIT_ASSERT_EQ(test, p->n_peers, 2U);
	KUNIT_EXPECT_FALSE(test, p->peers_any);
	KUNIT_EXPECT_EQ(test, p->peers[0].family, AF_INET);
	KUNIT_EXPECT_EQ(test, p->peers[0].ip4, GWLBTUN_TEST_GWLB4);
	KUNIT_EXPECT_EQ(test, p->peers[1].family, AF_INET6);
	KUNIT_EXPECT_EQ(test, memcmp(&p->peers[1].ip6, &gwlbtun_test_gwlb6,
				     sizeof(struct in6_addr)), 0);

	/* An IPv4-mapped IPv6 address stays IPv6. */
	KUNIT_EXPECT_EQ(test, gwlbtun_parse_peers("::ffff:10.0.0.5", p, &bad,
						  &bad_len), 0);
	KUNIT_ASSERT_EQ(test, p->n_peers, 1U);
	KUNIT_EXPECT_EQ(test, p->peers[0].family, AF_INET6);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_v4mapped(&p->peers[0].ip6));
	KUNIT_EXPECT_EQ(test, p->peers[0].ip6.s6_addr32[3],
			GWLBTUN_TEST_GWLB4);
}

static void gwlbtun_test_parse_any_empty(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_params(test);
	const char *bad = NULL;
	size_t bad_len = 0;

	/* Whatever was there before is replaced. */
	p->n_peers = 3;
	KUNIT_EXPECT_EQ(test, gwlbtun_parse_peers("any", p, &bad, &bad_len), 0);
	KUNIT_EXPECT_TRUE(test, p->peers_any);
	KUNIT_EXPECT_EQ(test, p->n_peers, 0U);

	KUNIT_EXPECT_EQ(test, gwlbtun_parse_peers("", p, &bad, &bad_len), 0);
	KUNIT_EXPECT_FALSE(test, p->peers_any);
	KUNIT_EXPECT_EQ(test, p->n_peers, 0U);
}

/* @s is rejected with @err, and *bad names @s[@off..@off + @len). */
static void gwlbtun_test_parse_bad(struct kunit *test, const char *s, int err,
				   size_t off, size_t len)
{
	struct gwlbtun_params *p = gwlbtun_test_params(test);
	const char *bad = NULL;
	size_t bad_len = 12345;

	KUNIT_EXPECT_EQ_MSG(test, gwlbtun_parse_peers(s, p, &bad, &bad_len), err,
			    "peers \"%s\"", s);
	KUNIT_EXPECT_PTR_EQ_MSG(test, bad, s + off, "peers \"%s\"", s);
	KUNIT_EXPECT_EQ_MSG(test, bad_len, len, "peers \"%s\"", s);
}

static void gwlbtun_test_parse_invalid(struct kunit *test)
{
	gwlbtun_test_parse_bad(test, "10.0.0.300", -EINVAL, 0, 10);
	gwlbtun_test_parse_bad(test, "10.0.0.5,bogus", -EINVAL, 9, 5);
	gwlbtun_test_parse_bad(test, "10.0.0.5,", -EINVAL, 9, 0);
	gwlbtun_test_parse_bad(test, ",10.0.0.5", -EINVAL, 0, 0);
	gwlbtun_test_parse_bad(test, "10.0.0.5,,fd00::5", -EINVAL, 9, 0);
	gwlbtun_test_parse_bad(test, "fd00::5,fd00:::6", -EINVAL, 8, 8);
	gwlbtun_test_parse_bad(test, "10.0.0", -EINVAL, 0, 6);
	gwlbtun_test_parse_bad(test, "ANY", -EINVAL, 0, 3);
	/* The whole token must be the address. */
	gwlbtun_test_parse_bad(test, "10.0.0.5x", -EINVAL, 0, 9);
	gwlbtun_test_parse_bad(test, "10.0.0.5/24", -EINVAL, 0, 11);
	gwlbtun_test_parse_bad(test, "fd00::5zz", -EINVAL, 0, 9);
	gwlbtun_test_parse_bad(test, "fd00::5%eth0", -EINVAL, 0, 12);
	gwlbtun_test_parse_bad(test, "any,10.0.0.5", -EINVAL, 0, 3);
}

/* "10.0.1.1,10.0.1.2,...": @n addresses. */
static char *gwlbtun_test_many(struct kunit *test, unsigned int n)
{
	size_t size = n * sizeof("10.0.1.255,");
	size_t len = 0;
	unsigned int i;
	char *s;

	s = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 1; i <= n; i++)
		len += scnprintf(s + len, size - len, "%s10.0.1.%u",
				 i > 1 ? "," : "", i);
	return s;
}

static void gwlbtun_test_parse_max(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_params(test);
	const char *bad = NULL;
	size_t bad_len = 0;
	char *s;

	s = gwlbtun_test_many(test, GWLBTUN_PEERS_MAX);
	KUNIT_EXPECT_EQ(test, gwlbtun_parse_peers(s, p, &bad, &bad_len), 0);
	KUNIT_EXPECT_EQ(test, p->n_peers, GWLBTUN_PEERS_MAX);
	KUNIT_EXPECT_EQ(test, p->peers[GWLBTUN_PEERS_MAX - 1].family, AF_INET);
	KUNIT_EXPECT_EQ(test, p->peers[GWLBTUN_PEERS_MAX - 1].ip4,
			cpu_to_be32(0x0a000100 | GWLBTUN_PEERS_MAX));

	s = gwlbtun_test_many(test, GWLBTUN_PEERS_MAX + 1);
	KUNIT_EXPECT_EQ(test, gwlbtun_parse_peers(s, p, &bad, &bad_len), -E2BIG);
	/* The address that did not fit is named. */
	KUNIT_EXPECT_PTR_EQ(test, bad, strrchr(s, ',') + 1);
	KUNIT_EXPECT_EQ(test, bad_len, strlen("10.0.1.65"));
	KUNIT_EXPECT_LE(test, p->n_peers, GWLBTUN_PEERS_MAX);
}

/* gwlbtun_params_validate() returns @err, with a message unless 0. */
static void gwlbtun_test_validate(struct kunit *test,
				  const struct gwlbtun_params *p, int err,
				  const char *what)
{
	struct netlink_ext_ack extack = {};

	KUNIT_EXPECT_EQ_MSG(test, gwlbtun_params_validate(p, &extack), err,
			    "%s", what);
	if (err)
		KUNIT_EXPECT_NOT_NULL_MSG(test, extack._msg, "%s", what);
	else
		KUNIT_EXPECT_NULL_MSG(test, extack._msg, "%s: %s", what,
				      extack._msg);
}

/* External 901/10801, Internal 900/10800, one peer: 10.0.0.5. */
static struct gwlbtun_params *gwlbtun_test_full(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_params(test);

	p->tun[GWLBTUN_EXT].vni = 901;
	p->tun[GWLBTUN_EXT].port = 10801;
	p->tun[GWLBTUN_INT].vni = 900;
	p->tun[GWLBTUN_INT].port = 10800;
	p->n_peers = 1;
	p->peers[0].family = AF_INET;
	p->peers[0].ip4 = GWLBTUN_TEST_GWLB4;
	return p;
}

static void gwlbtun_test_validate_defaults(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_params(test);

	KUNIT_EXPECT_FALSE(test, gwlbtun_params_configured(p));
	KUNIT_EXPECT_TRUE(test, p->udp_csum);
	KUNIT_EXPECT_TRUE(test, p->nf_hooks);
	KUNIT_EXPECT_FALSE(test, p->peers_any);
	KUNIT_EXPECT_EQ(test, p->ttl, 0);
	KUNIT_EXPECT_EQ(test, p->n_peers, 0U);
	KUNIT_EXPECT_EQ(test, p->mark_mask, 0U);
	gwlbtun_test_validate(test, p, 0, "defaults");
}

static void gwlbtun_test_validate_full(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_full(test);

	KUNIT_EXPECT_TRUE(test, gwlbtun_params_configured(p));
	gwlbtun_test_validate(test, p, 0, "full");

	p->n_peers = 2;
	p->peers[1].family = AF_INET6;
	p->peers[1].ip6 = gwlbtun_test_gwlb6;
	p->ttl = 64;
	p->udp_csum = false;
	p->nf_hooks = false;
	gwlbtun_test_validate(test, p, 0, "two peers, ttl, no checksum");
}

static void gwlbtun_test_validate_tunnels(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_full(test);

	p->tun[GWLBTUN_INT].port = 10801;
	gwlbtun_test_validate(test, p, -EINVAL, "equal ports");
	p->tun[GWLBTUN_INT].vni = 901;
	gwlbtun_test_validate(test, p, -EINVAL, "equal ports and VNIs");

	p = gwlbtun_test_full(test);
	p->tun[GWLBTUN_INT].port = 0;
	KUNIT_EXPECT_FALSE(test, gwlbtun_params_configured(p));
	gwlbtun_test_validate(test, p, -EINVAL, "only External");

	p = gwlbtun_test_full(test);
	p->tun[GWLBTUN_EXT].port = 0;
	gwlbtun_test_validate(test, p, -EINVAL, "only Internal");

	/* Equal VNIs on different ports are fine. */
	p = gwlbtun_test_full(test);
	p->tun[GWLBTUN_INT].vni = 901;
	gwlbtun_test_validate(test, p, 0, "equal VNIs");
}

static void gwlbtun_test_validate_vni(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_full(test);

	p->tun[GWLBTUN_EXT].vni = GWLBTUN_VNI_MAX;
	gwlbtun_test_validate(test, p, 0, "External VNI 16777215");
	p->tun[GWLBTUN_EXT].vni = GWLBTUN_VNI_MAX + 1;
	gwlbtun_test_validate(test, p, -ERANGE, "External VNI 16777216");

	p = gwlbtun_test_full(test);
	p->tun[GWLBTUN_INT].vni = 0;
	gwlbtun_test_validate(test, p, 0, "Internal VNI 0");
	p->tun[GWLBTUN_INT].vni = GWLBTUN_VNI_MAX + 1;
	gwlbtun_test_validate(test, p, -ERANGE, "Internal VNI 16777216");
	p->tun[GWLBTUN_INT].vni = U32_MAX;
	gwlbtun_test_validate(test, p, -ERANGE, "Internal VNI 2^32-1");
}

static void gwlbtun_test_validate_n_peers(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_full(test);
	unsigned int i;

	for (i = 0; i < GWLBTUN_PEERS_MAX; i++) {
		p->peers[i].family = AF_INET;
		p->peers[i].ip4 = cpu_to_be32(0x0a000100 + i + 1);
	}
	p->n_peers = GWLBTUN_PEERS_MAX;
	gwlbtun_test_validate(test, p, 0, "64 peers");
	p->n_peers = GWLBTUN_PEERS_MAX + 1;
	gwlbtun_test_validate(test, p, -E2BIG, "65 peers");
}

static void gwlbtun_test_validate_duplicate(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_full(test);

	/* The same four bytes in another family are another address. */
	p->peers[1].family = AF_INET6;
	p->peers[1].ip6.s6_addr32[0] = GWLBTUN_TEST_GWLB4;
	p->peers[2].family = AF_INET6;
	p->peers[2].ip6 = gwlbtun_test_gwlb6;
	p->n_peers = 3;
	gwlbtun_test_validate(test, p, 0, "distinct peers");

	p->peers[3] = p->peers[0];
	p->n_peers = 4;
	gwlbtun_test_validate(test, p, -EINVAL, "IPv4 peer twice");

	p->peers[3] = p->peers[2];
	gwlbtun_test_validate(test, p, -EINVAL, "IPv6 peer twice");
}

static void gwlbtun_test_validate_not_unicast(struct kunit *test)
{
	static const struct {
		const char *what;
		u8 family;
		__be32 ip4;
		u8 ip6[16];
	} bad[] = {
		{ "0.0.0.0", AF_INET, cpu_to_be32(0x00000000) },
		{ "224.0.0.1", AF_INET, cpu_to_be32(0xe0000001) },
		{ "239.255.255.250", AF_INET, cpu_to_be32(0xeffffffa) },
		{ "255.255.255.255", AF_INET, cpu_to_be32(0xffffffff) },
		{ "::", AF_INET6 },
		{ "ff02::1", AF_INET6, 0, { 0xff, 0x02, [15] = 1 } },
		{ "ff05::1:3", AF_INET6, 0, { 0xff, 0x05, [13] = 1, [15] = 3 } },
	};
	struct gwlbtun_params *p = gwlbtun_test_full(test);
	unsigned int i;

	/* One good peer first, so the bad one is not simply the first. */
	p->n_peers = 2;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&p->peers[1], 0, sizeof(p->peers[1]));
		p->peers[1].family = bad[i].family;
		if (bad[i].family == AF_INET)
			p->peers[1].ip4 = bad[i].ip4;
		else
			memcpy(p->peers[1].ip6.s6_addr, bad[i].ip6, 16);
		gwlbtun_test_validate(test, p, -EINVAL, bad[i].what);
	}
}

static void gwlbtun_test_validate_mark(struct kunit *test)
{
	struct gwlbtun_params *p = gwlbtun_test_full(test);

	p->mark_mask = 0xff00;
	p->mark[GWLBTUN_EXT] = 0x0100;
	p->mark[GWLBTUN_INT] = 0x0200;
	gwlbtun_test_validate(test, p, 0, "marks within the mask");

	p->mark[GWLBTUN_INT] = 0x0201;
	gwlbtun_test_validate(test, p, -EINVAL, "Internal mark outside");

	p->mark[GWLBTUN_INT] = 0x0200;
	p->mark[GWLBTUN_EXT] = 0x10100;
	gwlbtun_test_validate(test, p, -EINVAL, "External mark outside");

	p->mark_mask = 0;
	p->mark[GWLBTUN_EXT] = 0;
	p->mark[GWLBTUN_INT] = 1;
	gwlbtun_test_validate(test, p, -EINVAL, "a mark without a mask");
}

static struct kunit_case gwlbtun_params_cases[] = {
	KUNIT_CASE(gwlbtun_test_parse_one_v4),
	KUNIT_CASE(gwlbtun_test_parse_v4_v6),
	KUNIT_CASE(gwlbtun_test_parse_any_empty),
	KUNIT_CASE(gwlbtun_test_parse_invalid),
	KUNIT_CASE(gwlbtun_test_parse_max),
	KUNIT_CASE(gwlbtun_test_validate_defaults),
	KUNIT_CASE(gwlbtun_test_validate_full),
	KUNIT_CASE(gwlbtun_test_validate_tunnels),
	KUNIT_CASE(gwlbtun_test_validate_vni),
	KUNIT_CASE(gwlbtun_test_validate_n_peers),
	KUNIT_CASE(gwlbtun_test_validate_duplicate),
	KUNIT_CASE(gwlbtun_test_validate_not_unicast),
	KUNIT_CASE(gwlbtun_test_validate_mark),
	{}
};

static struct kunit_suite gwlbtun_params_suite = {
	.name = "gwlbtun_params",
	.test_cases = gwlbtun_params_cases,
};

kunit_test_suite(gwlbtun_params_suite);
