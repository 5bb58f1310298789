/*
 * cscope.h: the one public header of CScopeCore, the C core of the Sentry SDK
 * for server-side Swift and C/C++ hosts. Include this and nothing else.
 *
 *   #include <cscope.h>   // link with -lcscope (pkg-config cscope) or CMake cscope::cscope
 *
 * Parts: common.h (status codes, levels, limits), scope.h (one scope's data),
 * tiers.h (global/isolation/current), options.h (client and life cycle),
 * event.h (events, exceptions, envelopes), capture.h (the capture pipeline),
 * transport.h (the HTTP transport's settings, csc_flush), stacktrace.h (stack
 * traces for errors reported from C), crash.h (crash reporting), tracing.h
 * (transactions, spans, sampling, trace propagation), health.h (sessions and
 * cron check-ins), logs.h (Sentry Logs). Each header
 * also compiles on its own (C11 and C++; Tests/CScopeCoreTests/headers checks it).
 *
 * jansson is part of this API: events, contexts, extras, breadcrumb data and
 * the before_send / before_breadcrumb / event-processor arguments are jansson
 * values (`json_t *`, from <jansson.h>, which these headers include). ABI
 * consequences for a host:
 *  - the host and CScopeCore must use the SAME jansson library (one soname,
 *    libjansson.so.4; link it once: the CMake package and pkg-config file
 *    declare jansson as a public dependency). Two copies in one process would
 *    let a value built by one be freed by the other;
 *  - a `json_t *` crossing the boundary follows jansson's reference counting:
 *    "CALLER OWNS" means one reference is yours to json_decref; a function
 *    documented to STEAL a value consumes your reference; a
 *    BORROWED value must be json_incref'd to be kept;
 *  - jansson values are not thread-safe for concurrent modification: the SDK
 *    copies what it stores, and never changes a value it handed out shared.
 * Hosts that want no jansson dependency in their own code can stay with the
 * string setters (csc_scope_set_tag, csc_capture_message, ...).
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
#include "cscope/health.h"
#include "cscope/logs.h"

#endif /* CSCOPE_H */
