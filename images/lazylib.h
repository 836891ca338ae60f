/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl, libarchive and gpgme, loaded on first use.
 *
 * Linked normally, the three pull about 45 shared objects into every
 * cocoon process (curl's TLS, Kerberos and LDAP stacks, libarchive's
 * libxml2 and ICU), and loading them is most of the start-up time of
 * `cocoon run` for an image already in the store, which needs none of
 * them. So stage0 does not link them: a file that calls one includes
 * this header after the library's own, and each call goes through a
 * pointer resolved with dlopen/dlsym the first time it is made. The
 * pointer has the exact type of the library's declaration (__typeof__),
 * so the compiler still checks every call's arguments.
 *
 * A library that cannot be loaded is an installation fault, not bad
 * input: the process prints which library and package and exits 1.
 * Unit tests and fuzz targets that also link the libraries get the
 * already-loaded copies.
 */
#ifndef COCOON_LAZYLIB_H
#define COCOON_LAZYLIB_H

enum lazylib_id { LAZYLIB_CURL, LAZYLIB_ARCHIVE, LAZYLIB_GPGME };

/* The address of NAME in library ID; never returns NULL. */
void *lazylib_sym(enum lazylib_id id, const char *name);

/*
 * LAZYLIB_FN(ID, name): a getter returning a pointer of name's own type.
 * The getter caches the address: one dlsym per function per process.
 */
#define LAZYLIB_FN(id, name)                                                  \
	static inline __typeof__(name) *lazylib_##name(void)                  \
	{                                                                     \
		static __typeof__(name) *fn;                                  \
		__typeof__(name) *f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE); \
		if (!f) {                                                     \
			f = (__typeof__(name) *)lazylib_sym(id, #name);       \
			__atomic_store_n(&fn, f, __ATOMIC_RELEASE);           \
		}                                                             \
		return f;                                                     \
	}

#ifdef CURLINC_CURL_H
/* curl's type-checking wrapper is a macro of the same name; drop it. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
LAZYLIB_FN(LAZYLIB_CURL, curl_global_init)
LAZYLIB_FN(LAZYLIB_CURL, curl_easy_init)
LAZYLIB_FN(LAZYLIB_CURL, curl_easy_setopt)
LAZYLIB_FN(LAZYLIB_CURL, curl_easy_perform)
LAZYLIB_FN(LAZYLIB_CURL, curl_easy_getinfo)
LAZYLIB_FN(LAZYLIB_CURL, curl_easy_cleanup)
LAZYLIB_FN(LAZYLIB_CURL, curl_easy_strerror)
LAZYLIB_FN(LAZYLIB_CURL, curl_easy_escape)
LAZYLIB_FN(LAZYLIB_CURL, curl_free)
LAZYLIB_FN(LAZYLIB_CURL, curl_slist_append)
LAZYLIB_FN(LAZYLIB_CURL, curl_slist_free_all)
#define curl_global_init    (*lazylib_curl_global_init())
#define curl_easy_init	    (*lazylib_curl_easy_init())
#define curl_easy_setopt    (*lazylib_curl_easy_setopt())
#define curl_easy_perform   (*lazylib_curl_easy_perform())
#define curl_easy_getinfo   (*lazylib_curl_easy_getinfo())
#define curl_easy_cleanup   (*lazylib_curl_easy_cleanup())
#define curl_easy_strerror  (*lazylib_curl_easy_strerror())
#define curl_easy_escape    (*lazylib_curl_easy_escape())
#define curl_free	    (*lazylib_curl_free())
#define curl_slist_append   (*lazylib_curl_slist_append())
#define curl_slist_free_all (*lazylib_curl_slist_free_all())
#endif
#ifdef ARCHIVE_H_INCLUDED
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_disk_descend)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_disk_open)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_disk_set_standard_lookup)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_write_data)
#define archive_read_disk_descend (*lazylib_archive_read_disk_descend())
#define archive_read_disk_open	  (*lazylib_archive_read_disk_open())
#define archive_read_disk_set_standard_lookup \
	(*lazylib_archive_read_disk_set_standard_lookup())
#define archive_write_data (*lazylib_archive_write_data())
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_error_string)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_data)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_data_block)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_disk_new)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_disk_set_symlink_physical)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_free)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_new)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_next_header)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_next_header2)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_open_fd)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_open_memory)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_support_filter_all)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_support_format_raw)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_read_support_format_tar)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_write_close)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_write_free)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_write_header)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_write_new)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_write_open_fd)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_write_set_format_pax_restricted)
#define archive_error_string	(*lazylib_archive_error_string())
#define archive_read_data	(*lazylib_archive_read_data())
#define archive_read_data_block (*lazylib_archive_read_data_block())
#define archive_read_disk_new	(*lazylib_archive_read_disk_new())
#define archive_read_disk_set_symlink_physical \
	(*lazylib_archive_read_disk_set_symlink_physical())
#define archive_read_free	  (*lazylib_archive_read_free())
#define archive_read_new	  (*lazylib_archive_read_new())
#define archive_read_next_header  (*lazylib_archive_read_next_header())
#define archive_read_next_header2 (*lazylib_archive_read_next_header2())
#define archive_read_open_fd	  (*lazylib_archive_read_open_fd())
#define archive_read_open_memory  (*lazylib_archive_read_open_memory())
#define archive_read_support_filter_all \
	(*lazylib_archive_read_support_filter_all())
#define archive_read_support_format_raw \
	(*lazylib_archive_read_support_format_raw())
#define archive_read_support_format_tar \
	(*lazylib_archive_read_support_format_tar())
#define archive_write_close   (*lazylib_archive_write_close())
#define archive_write_free    (*lazylib_archive_write_free())
#define archive_write_header  (*lazylib_archive_write_header())
#define archive_write_new     (*lazylib_archive_write_new())
#define archive_write_open_fd (*lazylib_archive_write_open_fd())
#define archive_write_set_format_pax_restricted \
	(*lazylib_archive_write_set_format_pax_restricted())
#endif
#ifdef ARCHIVE_ENTRY_H_INCLUDED
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_filetype)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_free)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_gid)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_hardlink)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_mtime)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_mtime_nsec)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_new)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_pathname)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_perm)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_rdev)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_set_filetype)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_set_pathname)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_set_perm)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_set_size)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_size)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_sourcepath)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_symlink)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_uid)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_xattr_next)
LAZYLIB_FN(LAZYLIB_ARCHIVE, archive_entry_xattr_reset)
#define archive_entry_filetype	   (*lazylib_archive_entry_filetype())
#define archive_entry_free	   (*lazylib_archive_entry_free())
#define archive_entry_gid	   (*lazylib_archive_entry_gid())
#define archive_entry_hardlink	   (*lazylib_archive_entry_hardlink())
#define archive_entry_mtime	   (*lazylib_archive_entry_mtime())
#define archive_entry_mtime_nsec   (*lazylib_archive_entry_mtime_nsec())
#define archive_entry_new	   (*lazylib_archive_entry_new())
#define archive_entry_pathname	   (*lazylib_archive_entry_pathname())
#define archive_entry_perm	   (*lazylib_archive_entry_perm())
#define archive_entry_rdev	   (*lazylib_archive_entry_rdev())
#define archive_entry_set_filetype (*lazylib_archive_entry_set_filetype())
#define archive_entry_set_pathname (*lazylib_archive_entry_set_pathname())
#define archive_entry_set_perm	   (*lazylib_archive_entry_set_perm())
#define archive_entry_set_size	   (*lazylib_archive_entry_set_size())
#define archive_entry_size	   (*lazylib_archive_entry_size())
#define archive_entry_sourcepath   (*lazylib_archive_entry_sourcepath())
#define archive_entry_symlink	   (*lazylib_archive_entry_symlink())
#define archive_entry_uid	   (*lazylib_archive_entry_uid())
#define archive_entry_xattr_next   (*lazylib_archive_entry_xattr_next())
#define archive_entry_xattr_reset  (*lazylib_archive_entry_xattr_reset())
#endif
#ifdef GPGME_H
/* gpgme_check_version is a macro calling gpgme_check_version_internal. */
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_check_version_internal)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_ctx_set_engine_info)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_data_new_from_fd)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_data_new_from_mem)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_data_release)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_get_key)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_key_unref)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_new)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_op_import)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_op_import_result)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_op_keylist_end)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_op_keylist_next)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_op_keylist_start)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_op_verify)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_op_verify_result)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_release)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_set_protocol)
LAZYLIB_FN(LAZYLIB_GPGME, gpgme_strerror)
#define gpgme_check_version_internal (*lazylib_gpgme_check_version_internal())
#define gpgme_ctx_set_engine_info    (*lazylib_gpgme_ctx_set_engine_info())
#define gpgme_data_new_from_fd	     (*lazylib_gpgme_data_new_from_fd())
#define gpgme_data_new_from_mem	     (*lazylib_gpgme_data_new_from_mem())
#define gpgme_data_release	     (*lazylib_gpgme_data_release())
#define gpgme_get_key		     (*lazylib_gpgme_get_key())
#define gpgme_key_unref		     (*lazylib_gpgme_key_unref())
#define gpgme_new		     (*lazylib_gpgme_new())
#define gpgme_op_import		     (*lazylib_gpgme_op_import())
#define gpgme_op_import_result	     (*lazylib_gpgme_op_import_result())
#define gpgme_op_keylist_end	     (*lazylib_gpgme_op_keylist_end())
#define gpgme_op_keylist_next	     (*lazylib_gpgme_op_keylist_next())
#define gpgme_op_keylist_start	     (*lazylib_gpgme_op_keylist_start())
#define gpgme_op_verify		     (*lazylib_gpgme_op_verify())
#define gpgme_op_verify_result	     (*lazylib_gpgme_op_verify_result())
#define gpgme_release		     (*lazylib_gpgme_release())
#define gpgme_set_protocol	     (*lazylib_gpgme_set_protocol())
#define gpgme_strerror		     (*lazylib_gpgme_strerror())
#endif

#endif
