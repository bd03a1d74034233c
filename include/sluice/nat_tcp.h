/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file nat_tcp.h
 * NAT TCP session tracking, one definition for both backends (the XDP
 * program includes it too): the state machine of RFC 7857 2.2 (from RFC
 * 6146 3.5.2) kept as the flags seen per direction.
 *
 * - A session is established once a SYN was seen in both directions, or
 *   when it was created from a non-SYN segment (picked up mid-connection).
 * - A FIN in one direction (a half-close) keeps it established; FINs in
 *   both directions, or a RST, make it transitory.
 * - After a RST, any segment other than a RST puts it back in the state it
 *   had (the RST may have been spoofed or lost: RFC 6146 TRANS state).
 * - A SYN without ACK on a session closed by FINs both ways or by a RST
 *   starts a new connection on the same addresses and ports.
 */
#ifndef SLUICE_NAT_TCP_H
#define SLUICE_NAT_TCP_H

/* the session's tcp byte: flags seen, per direction (0: the creating one) */
#define SL_NAT_SYN0   0x01
#define SL_NAT_SYN1   0x02
#define SL_NAT_FIN0   0x04
#define SL_NAT_FIN1   0x08
#define SL_NAT_RST    0x10
#define SL_NAT_PICKUP 0x20 /**< created from a non-SYN segment: counts as established */

/* TCP header flags (byte 13) */
#define SL_TCP_FIN 0x01
#define SL_TCP_SYN 0x02
#define SL_TCP_RST 0x04
#define SL_TCP_ACK 0x10

/** The session state @p st after a segment with TCP flags @p flags in
 * direction @p dir. */
static inline unsigned char sl_nat_tcp_next(unsigned char st, unsigned int dir, unsigned char flags)
{
	unsigned char fins = SL_NAT_FIN0 | SL_NAT_FIN1;

	if (flags & SL_TCP_RST)
		return st | SL_NAT_RST;
	if ((flags & (SL_TCP_SYN | SL_TCP_ACK)) == SL_TCP_SYN &&
		((st & SL_NAT_RST) || (st & fins) == fins))
		return dir ? SL_NAT_SYN1 : SL_NAT_SYN0;
	st &= (unsigned char)~SL_NAT_RST;
	if (flags & SL_TCP_SYN)
		st |= dir ? SL_NAT_SYN1 : SL_NAT_SYN0;
	if (flags & SL_TCP_FIN)
		st |= dir ? SL_NAT_FIN1 : SL_NAT_FIN0;
	return st;
}

/** A segment that can change the state of a session in state @p st. */
static inline int sl_nat_tcp_moves(unsigned char st, unsigned char flags)
{
	return (flags & (SL_TCP_FIN | SL_TCP_SYN | SL_TCP_RST)) || (st & SL_NAT_RST);
}

/** Established (its timeout tcp-established), else transitory. */
static inline int sl_nat_tcp_established(unsigned char st)
{
	unsigned char fins = SL_NAT_FIN0 | SL_NAT_FIN1;

	return !(st & SL_NAT_RST) && (st & fins) != fins &&
	       ((st & (SL_NAT_SYN0 | SL_NAT_SYN1)) == (SL_NAT_SYN0 | SL_NAT_SYN1) ||
		       (st & SL_NAT_PICKUP));
}

#endif
