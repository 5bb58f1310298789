/*
 * cscope.h: the one public header of CScopeCore, the C core of the Sentry SDK
 * for server-side Swift and C/C++ hosts. Include this and nothing else.
 *
 *   #include <cscope.h>   // link with -lcscope (pkg-config cscope) or CMake cscope::cscope
 *
 * Parts: common.h (status codes, levels, limits), scope.h (one scope's data),
 * tiers.h (global/isolation/current), options.h (client and life cycle),
 * event.h (events, exceptions, envelopes), capture.h (the capture pipeline),
 * tracing.h (transactions, spans, sampling, trace propagation).
 */
#ifndef CSCOPE_H
#define CSCOPE_H

#include "cscope/common.h"
#include "cscope/scope.h"
#include "cscope/tiers.h"
#include "cscope/options.h"
#include "cscope/event.h"
#include "cscope/capture.h"
#include "cscope/transport.h"
#include "cscope/stacktrace.h"
#include "cscope/crash.h"
#include "cscope/tracing.h"

#endif /* CSCOPE_H */
