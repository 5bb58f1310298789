/*
 * cscope/health.h: release health (sessions) and cron monitors (check-ins).
 *
 * Sessions follow Sentry's sessions protocol, with sentry-python 2.75.0 as the reference:
 *  - request mode (servers): csc_start_request_session on a request's isolation scope,
 *    csc_end_request_session when the request is done. Requests are counted in per-minute
 *    aggregates (exited, errored, crashed, abnormal) sent as `sessions` items every 60 s,
 *    at csc_flush and at csc_close, at most 100 aggregates per envelope.
 *  - application mode (command-line tools, workers): one `session` per run, csc_start_session
 *    .. csc_end_session, or automatically from csc_init to csc_close with
 *    csc_options_set_session_mode(o, CSC_SESSION_MODE_APPLICATION). With a cache directory the
 *    open session is kept in a file there; when the run dies before csc_end_session, the next
 *    csc_init sends it once, as `crashed` when the crash handler wrote a report, else `abnormal`.
 * An event with an exception captured while a session is tracked makes it errored; an
 * exception with `mechanism.handled: false` makes it crashed. Without a release
 * (csc_options_set_release / SENTRY_RELEASE) no session is tracked, as in sentry-python.
 *
 * Check-ins (csc_capture_check_in) report a scheduled job's runs to a cron monitor.
 */
#ifndef CSCOPE_HEALTH_H
#define CSCOPE_HEALTH_H

#include <stdbool.h>

#include "common.h"
#include "options.h"
#include "scope.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CSC_SESSION_MODE_REQUEST = 0,     /* default: sessions only where the host starts request sessions */
    CSC_SESSION_MODE_APPLICATION = 1, /* csc_init starts the application session, csc_close ends it */
} csc_session_mode_t;

/** How a session ends. CSC_SESSION_EXITED lets the captured events decide (exited, errored, crashed). */
typedef enum {
    CSC_SESSION_EXITED = 0,
    CSC_SESSION_CRASHED = 1,
    CSC_SESSION_ABNORMAL = 2,
} csc_session_end_t;

/** Default true. False: the csc_*session* calls are no-ops (CSC_ERR_DISABLED). */
CSC_API int csc_options_set_auto_session_tracking(csc_options_t *opts, bool enabled);
/** Default CSC_SESSION_MODE_REQUEST. CSC_ERR_INVALID for another value. */
CSC_API int csc_options_set_session_mode(csc_options_t *opts, csc_session_mode_t mode);

/**
 * Starts a request session on `isolation` (an isolation scope; its forks share the session).
 * A session already running there is replaced (ended as it stands). CSC_ERR_NULL, CSC_ERR_DISABLED
 * (SDK off, session tracking off, or no release).
 */
CSC_API int csc_start_request_session(csc_scope_t *isolation);
/** Ends the request session of `isolation` and counts it; CSC_ERR_INVALID when none runs there. */
CSC_API int csc_end_request_session(csc_scope_t *isolation, csc_session_end_t how);

/** Starts the application session (an `init` update is sent at once). CSC_ERR_INVALID when one runs. */
CSC_API int csc_start_session(void);
/** Ends the application session and sends its final update. CSC_ERR_INVALID when none runs. */
CSC_API int csc_end_session(csc_session_end_t how);

/* ---------------------------------------------------------------- check-ins */

typedef enum {
    CSC_CHECK_IN_IN_PROGRESS = 0,
    CSC_CHECK_IN_OK = 1,
    CSC_CHECK_IN_ERROR = 2,
} csc_check_in_status_t;

typedef enum {
    CSC_SCHEDULE_NONE = 0, /* no monitor_config is sent */
    CSC_SCHEDULE_CRONTAB,  /* crontab: 5 fields or @hourly, @daily, ... */
    CSC_SCHEDULE_INTERVAL, /* every interval_value interval_unit */
} csc_schedule_type_t;

typedef enum {
    CSC_INTERVAL_MINUTE = 0,
    CSC_INTERVAL_HOUR,
    CSC_INTERVAL_DAY,
    CSC_INTERVAL_WEEK,
    CSC_INTERVAL_MONTH,
    CSC_INTERVAL_YEAR,
} csc_interval_unit_t;

/** A monitor's configuration, upserted with the check-in. Zero-initialize; 0 = not sent. */
typedef struct csc_monitor_config_s {
    csc_schedule_type_t schedule_type;
    const char *crontab;     /* CSC_SCHEDULE_CRONTAB */
    unsigned interval_value; /* CSC_SCHEDULE_INTERVAL, >= 1 */
    csc_interval_unit_t interval_unit;
    unsigned checkin_margin;          /* minutes */
    unsigned max_runtime;             /* minutes */
    const char *timezone;             /* tz database name, e.g. "Europe/Vienna"; NULL = UTC */
    unsigned failure_issue_threshold; /* consecutive failures that open an issue */
    unsigned recovery_threshold;      /* consecutive successes that resolve it */
} csc_monitor_config_t;

/** Pass as duration_s when there is none. */
#define CSC_NO_DURATION (__builtin_nan(""))

/**
 * Sends a check-in of monitor `slug` (letters, digits, '-', '_'; uppercase letters are lowered and
 * runs of other characters become one '-', as Relay does; at most 50 characters after that).
 * `check_in_id`: in/out, 33 bytes. When it holds a 32-hex-digit id on entry (the id of the
 * in_progress check-in this one closes), that id is used; when it is "" (or NULL), a new id is made
 * and written there. `duration_s`: seconds, CSC_NO_DURATION for none. `config` may be NULL.
 * The check-in carries the current scopes' trace context, release and environment; it is not
 * passed to before_send; the `monitor` rate-limit category applies. Never waits on I/O.
 * Returns CSC_OK, CSC_ERR_DISABLED, or CSC_ERR_INVALID (empty or too long slug, bad status,
 * negative or non-finite duration, bad crontab, interval 0, bad unit, bad timezone, bad id).
 */
CSC_API int csc_capture_check_in(const char *slug, csc_check_in_status_t status, double duration_s,
                                 const csc_monitor_config_t *config, char *check_in_id);

/** Checks a crontab expression the way csc_capture_check_in does. */
CSC_API bool csc_crontab_valid(const char *crontab);

#ifdef __cplusplus
}
#endif

#endif /* CSCOPE_HEALTH_H */
