/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging for every stage: one line per message on stderr, prefixed with
 * the program name. log_debug() prints only after log_set_level(LOG_DEBUG).
 */
#ifndef COCOON_LOG_H
#define COCOON_LOG_H

enum log_level { LOG_SILENT = -1, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(const char *progname);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * Writes at most dst_size-1 bytes of src[0..len) into dst with every byte
 * outside printable ASCII escaped as \xNN: for logging untrusted bytes.
 */
void log_escape(char *dst, unsigned long dst_size, const void *src,
		unsigned long len);

#endif
