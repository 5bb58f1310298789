/* Internal: gzip compression of request bodies (zlib). */
#ifndef CSC_TRANSPORT_GZIP_H
#define CSC_TRANSPORT_GZIP_H

#include <stddef.h>

/* Returns a malloc'd gzip stream of data[0..len) and its size in *out_len; NULL on failure. */
char *csc__gzip(const char *data, size_t len, size_t *out_len);

#endif
