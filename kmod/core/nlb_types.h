/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The few primitives kmod/core needs, mapped to the kernel's or to libc's,
 * so that the same decision logic is compiled into nlb.ko and into the
 * userspace unit tests and fuzzers.
 */
#ifndef _NLB_TYPES_H
#define _NLB_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/bitops.h>
#include <linux/math64.h>
#include <asm/byteorder.h>

/* asm/unaligned.h moved to linux/unaligned.h in 6.12: keep away from both. */
static inline u64 nlb_get_le64(const void *p)
{
	__le64 v;

	memcpy(&v, p, sizeof(v));
	return le64_to_cpu(v);
}

static inline u32 nlb_get_le32(const void *p)
{
	__le32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}
#else
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>
#include <errno.h>
#include <endian.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef uint16_t __be16;
typedef uint32_t __be32;

#define cpu_to_be16(x) htobe16(x)
#define cpu_to_be32(x) htobe32(x)
#define be16_to_cpu(x) be16toh(x)
#define be32_to_cpu(x) be32toh(x)

static inline u64 nlb_get_le64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline u32 nlb_get_le32(const void *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline u64 rol64(u64 word, unsigned int shift)
{
	return (word << (shift & 63)) | (word >> ((-shift) & 63));
}

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}
#endif /* __KERNEL__ */

/*
 * Big-endian loads and stores at any alignment, for the heartbeat codec.
 * Written byte by byte: the same code and result in both builds.
 */
static inline u16 nlb_load_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static inline u32 nlb_load_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline u64 nlb_load_be64(const u8 *p)
{
	return (u64)nlb_load_be32(p) << 32 | nlb_load_be32(p + 4);
}

static inline void nlb_store_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline void nlb_store_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void nlb_store_be64(u8 *p, u64 v)
{
	nlb_store_be32(p, v >> 32);
	nlb_store_be32(p + 4, v);
}

#endif /* _NLB_TYPES_H */
