/* Cron check-ins (csc_capture_check_in): validated on the caller's thread, rendered as one
 * small `check_in` item (sentry-python's crons/api.py fields), queued on the transport. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health_internal.h"
#include "scope/scope_internal.h"
#include "support/util.h"

#define MAX_SLUG       50   /* Relay's limit for a monitor slug */
#define MAX_SLUG_INPUT 4096 /* longer input is rejected before slugifying */

/* Relay's slugify: lowercase ASCII letters, digits, '-' and '_' kept; every run of other
 * characters becomes one '-'; no leading or trailing '-'. Returns the length, 0 when empty
 * or longer than MAX_SLUG. */
static size_t slugify(const char *in, char out[MAX_SLUG + 1]) {
    size_t n = 0;
    bool dash = false;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        unsigned char c = *p;
        if (c < 0x80 && (isalnum(c) || c == '_' || c == '-')) {
            if (dash && n) {
                if (n == MAX_SLUG) return 0;
                out[n++] = '-';
            }
            dash = false;
            if (n == MAX_SLUG) return 0;
            out[n++] = (char)tolower(c);
        } else {
            dash = true;
        }
    }
    out[n] = 0;
    return n;
}

/* ------------------------------------------------------------ crontab */

static const char *const k_months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const k_days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* One value of field f (0 minute .. 4 weekday); names for months and weekdays. */
static bool cron_value(const char **p, int f, int *v) {
    static const int lo[] = {0, 0, 1, 1, 0}, hi[] = {59, 23, 31, 12, 7};
    const char *s = *p;
    if (isdigit((unsigned char)*s)) {
        long x = 0;
        int digits = 0;
        while (isdigit((unsigned char)*s)) {
            x = x * 10 + (*s++ - '0');
            if (++digits > 2) return false;
        }
        if (x < lo[f] || x > hi[f]) return false;
        *v = (int)x;
        *p = s;
        return true;
    }
    const char *const *names = f == 3 ? k_months : f == 4 ? k_days : NULL;
    int count = f == 3 ? 12 : 7;
    for (int i = 0; names && i < count; i++)
        if (strncasecmp(s, names[i], 3) == 0 && !isalpha((unsigned char)s[3])) {
            *v = f == 3 ? i + 1 : i;
            *p = s + 3;
            return true;
        }
    return false;
}

static bool cron_field(const char *s, const char *end, int f) {
    for (;;) { /* a comma list of: * | v | v-v, each with an optional /step */
        const char *item_end = s;
        while (item_end < end && *item_end != ',') item_end++;
        if (item_end == s) return false;
        const char *p = s;
        int a, b;
        if (*p == '*')
            p++;
        else {
            if (!cron_value(&p, f, &a)) return false;
            if (p < item_end && *p == '-') {
                p++;
                if (!cron_value(&p, f, &b) || b < a) return false;
            }
        }
        if (p < item_end && *p == '/') {
            p++;
            long step = 0;
            int digits = 0;
            while (p < item_end && isdigit((unsigned char)*p)) {
                step = step * 10 + (*p++ - '0');
                if (++digits > 2) return false;
            }
            if (!digits || step == 0) return false;
        }
        if (p != item_end) return false;
        if (item_end == end) return true;
        s = item_end + 1;
    }
}

bool csc_crontab_valid(const char *crontab) {
    if (!crontab) return false;
    static const char *const macros[] = {"@yearly", "@annually", "@monthly", "@weekly",
                                         "@daily",  "@midnight", "@hourly"};
    const char *s = crontab;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '@') {
        for (size_t i = 0; i < sizeof macros / sizeof *macros; i++) {
            size_t n = strlen(macros[i]);
            if (strncmp(s, macros[i], n) == 0) {
                const char *t = s + n;
                while (*t == ' ' || *t == '\t') t++;
                if (!*t) return true;
            }
        }
        return false;
    }
    int f = 0;
    while (*s) {
        const char *e = s;
        while (*e && *e != ' ' && *e != '\t') e++;
        if (f == 5 || !cron_field(s, e, f)) return false;
        f++;
        s = e;
        while (*s == ' ' || *s == '\t') s++;
    }
    return f == 5;
}

/* ------------------------------------------------------------ the check-in */

static bool timezone_valid(const char *tz) {
    size_t n = strlen(tz);
    if (!n || n > 64) return false;
    for (const char *p = tz; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '/' || *p == '+' || *p == '-')) return false;
    return true;
}

static bool hex_id(const char *s) {
    for (int i = 0; i < 32; i++)
        if (!isxdigit((unsigned char)s[i])) return false;
    return s[32] == 0;
}

static void put_str(csc__buf_t *b, const char *s) { csc__buf_put(b, s, strlen(s)); }

static void put_key_uint(csc__buf_t *b, const char *key, unsigned v) {
    char num[48];
    int n = snprintf(num, sizeof num, ",\"%s\":%u", key, v);
    csc__buf_put(b, num, (size_t)n);
}

/* ,"monitor_config":{...} (only the fields that are set) */
static void put_config(csc__buf_t *b, const csc_monitor_config_t *c) {
    static const char *const units[] = {"minute", "hour", "day", "week", "month", "year"};
    put_str(b, ",\"monitor_config\":{\"schedule\":{\"type\":");
    if (c->schedule_type == CSC_SCHEDULE_CRONTAB) {
        put_str(b, "\"crontab\",\"value\":");
        csc__buf_put_json_string(b, c->crontab, strlen(c->crontab));
        csc__buf_putc(b, '}');
    } else {
        char num[64];
        int n = snprintf(num, sizeof num, "\"interval\",\"value\":%u,\"unit\":\"%s\"}", c->interval_value,
                         units[c->interval_unit]);
        csc__buf_put(b, num, (size_t)n);
    }
    if (c->checkin_margin) put_key_uint(b, "checkin_margin", c->checkin_margin);
    if (c->max_runtime) put_key_uint(b, "max_runtime", c->max_runtime);
    if (c->timezone) {
        put_str(b, ",\"timezone\":");
        csc__buf_put_json_string(b, c->timezone, strlen(c->timezone));
    }
    if (c->failure_issue_threshold) put_key_uint(b, "failure_issue_threshold", c->failure_issue_threshold);
    if (c->recovery_threshold) put_key_uint(b, "recovery_threshold", c->recovery_threshold);
    csc__buf_putc(b, '}');
}

static int config_check(const csc_monitor_config_t *c) {
    if (!c || c->schedule_type == CSC_SCHEDULE_NONE) return CSC_OK;
    if (c->schedule_type == CSC_SCHEDULE_CRONTAB) {
        if (!csc_crontab_valid(c->crontab)) return CSC_ERR_INVALID;
    } else if (c->schedule_type == CSC_SCHEDULE_INTERVAL) {
        if (c->interval_value == 0 || (unsigned)c->interval_unit > CSC_INTERVAL_YEAR) return CSC_ERR_INVALID;
    } else {
        return CSC_ERR_INVALID;
    }
    if (c->timezone && !timezone_valid(c->timezone)) return CSC_ERR_INVALID;
    return CSC_OK;
}

/* The trace context of the calling thread's scopes: current, else isolation, else global. */
static void trace_of_scopes(char trace_id[33], char span_id[17]) {
    csc_scope_t *order[3] = {csc_current_scope(), csc_isolation_scope(), csc_global_scope()};
    trace_id[0] = span_id[0] = 0;
    for (int i = 0; i < 3 && !trace_id[0]; i++) {
        csc_scope_t *s = order[i];
        if (!s) continue;
        csc__lock(&s->lock);
        if (s->propagation) {
            memcpy(trace_id, s->propagation->trace_id, 33);
            memcpy(span_id, s->propagation->span_id, 17);
        }
        csc__unlock(&s->lock);
    }
}

int csc_capture_check_in(const char *slug, csc_check_in_status_t status, double duration_s,
                         const csc_monitor_config_t *config, char *check_in_id) {
    static const char *const names[] = {"in_progress", "ok", "error"};
    if (!slug) return CSC_ERR_NULL;
    char clean[MAX_SLUG + 1];
    if (strnlen(slug, MAX_SLUG_INPUT + 1) > MAX_SLUG_INPUT || !slugify(slug, clean)) return CSC_ERR_INVALID;
    if ((unsigned)status > CSC_CHECK_IN_ERROR) return CSC_ERR_INVALID;
    bool has_duration = !isnan(duration_s);
    if (has_duration && (!isfinite(duration_s) || duration_s < 0)) return CSC_ERR_INVALID;
    if (config_check(config) != CSC_OK) return CSC_ERR_INVALID;
    char id[33];
    if (check_in_id && check_in_id[0]) {
        if (!hex_id(check_in_id)) return CSC_ERR_INVALID;
        for (int i = 0; i < 32; i++) id[i] = (char)tolower((unsigned char)check_in_id[i]);
        id[32] = 0;
    } else {
        csc_uuid4_hex(id);
    }
    csc_options_t *o = csc__health_retain_opts();
    if (!o) return CSC_ERR_DISABLED;
    char trace_id[33], span_id[17];
    trace_of_scopes(trace_id, span_id);
    /* rendered directly (no jansson tree): the slug, id and status need no escaping */
    csc__buf_t b = {0};
    csc__buf_reserve(&b, 512);
    put_str(&b, "{\"check_in_id\":\"");
    put_str(&b, id);
    put_str(&b, "\",\"monitor_slug\":\"");
    put_str(&b, clean);
    put_str(&b, "\",\"status\":\"");
    put_str(&b, names[status]);
    csc__buf_putc(&b, '"');
    if (has_duration) {
        char num[48];
        int n = snprintf(num, sizeof num, ",\"duration\":%.17g", duration_s);
        csc__buf_put(&b, num, (size_t)n);
    }
    if (o->release) {
        put_str(&b, ",\"release\":");
        csc__buf_put_json_string(&b, o->release, strlen(o->release));
    }
    const char *env_name = o->environment ? o->environment : "production";
    put_str(&b, ",\"environment\":");
    csc__buf_put_json_string(&b, env_name, strlen(env_name));
    if (config && config->schedule_type != CSC_SCHEDULE_NONE) put_config(&b, config);
    if (trace_id[0]) {
        put_str(&b, ",\"contexts\":{\"trace\":{\"trace_id\":\"");
        put_str(&b, trace_id);
        put_str(&b, "\",\"span_id\":\"");
        put_str(&b, span_id);
        put_str(&b, "\"}}");
    }
    csc__buf_putc(&b, '}');
    csc_options_free(o);
    if (b.oom) {
        free(b.p);
        return CSC_ERR_NOMEM;
    }
    char *payload = b.p;
    size_t payload_len = b.len;
    csc_envelope_t *env = payload ? csc__envelope_new(NULL) : NULL;
    if (!env) {
        free(payload);
        return CSC_ERR_NOMEM;
    }
    if (csc__envelope_add_item(env, "check_in", "application/json", NULL, payload, payload_len) != CSC_OK) {
        csc_envelope_free(env);
        return CSC_ERR_NOMEM;
    }
    csc__health_send(env);
    if (check_in_id) memcpy(check_in_id, id, 33);
    return CSC_OK;
}
