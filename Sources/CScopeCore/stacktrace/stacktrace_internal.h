/* Internal: shared pieces of the stack trace support (cscope/stacktrace.h). */
#ifndef CSC_STACKTRACE_INTERNAL_H
#define CSC_STACKTRACE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cscope/stacktrace.h"
#include "cscope_spi.h" /* the overlay-only calls implemented here */

/* Sentry's ELF debug id: the build id's first 16 bytes (zero-padded), its first
 * three GUID fields (u32, u16, u16) byte-swapped from little endian, formatted
 * "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (37 bytes with NUL). */
void csc__debug_id_from_build_id(const uint8_t *id, size_t len, char out[37]);

/* Lower-case hex of `len` bytes into `out` (2*len+1 bytes). */
void csc__hex(const uint8_t *bytes, size_t len, char *out);

/* The main executable's real path (readlink /proc/self/exe), resolved once. Never NULL ("" if unknown). */
const char *csc__main_executable_path(void);

/* in_app from an image path: 0 for system/runtime libraries, -1 otherwise
 * (the main executable is decided by the caller, which knows the image base). */
int csc__in_app_for_path(const char *path);

/* A C++ or Swift symbol demangled with the runtime's demangler when the process links it
 * (weak references); NULL when it is not mangled or cannot be. Caller frees. */
char *csc__demangle(const char *sym);

/* jansson values can be shared between events and threads: atomic reference counts, and a
 * serializer and deep copy that only read the values (loop detection in a separate table):
 * jansson 2.11 and later. See csc_stacktrace_share. */
#if defined(JANSSON_THREAD_SAFE_REFCOUNT) && JANSSON_VERSION_HEX >= 0x020b00
#define CSC_CAN_SHARE_JSON 1
#else
#define CSC_CAN_SHARE_JSON 0
#endif

#endif /* CSC_STACKTRACE_INTERNAL_H */
