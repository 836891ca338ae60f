/* SPDX-License-Identifier: Apache-2.0 */
/* Hexadecimal digits, for the parsers of every stage. */
#ifndef COCOON_COMMON_HEX_H
#define COCOON_COMMON_HEX_H

/* The value of hex digit c (either case), or -1 if c is not one. */
int hex_value(int c);

#endif
