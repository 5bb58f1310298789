/* SwiftPM needs one source file per C target. The functions declared in
 * include/cscope_spi.h are implemented in CScopeCore (stacktrace/); this file
 * only checks that the header compiles on its own. */
#include "cscope_spi.h"
