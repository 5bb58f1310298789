/* The tracing options (csc_options_set_traces_sample_rate, ...) and their defaults. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "options_internal.h"
#include "support/util.h"

static csc__tracing_opts_t *get(csc_options_t *o) {
    if (!o->tracing) {
        o->tracing = calloc(1, sizeof *o->tracing);
        if (o->tracing) o->tracing->max_spans = CSC_DEFAULT_MAX_SPANS;
    }
    return o->tracing;
}

static void free_targets(csc__tracing_opts_t *t) {
    for (size_t i = 0; i < t->ntargets; i++) regfree(&t->targets[i]);
    free(t->targets);
    t->targets = NULL;
    t->ntargets = 0;
}

void csc__tracing_opts_free(csc__tracing_opts_t *t) {
    if (!t) return;
    free_targets(t);
    free(t->org_id);
    free(t);
}

void csc__tracing_opts_from_env(csc_options_t *o) {
    const char *v = getenv("SENTRY_TRACES_SAMPLE_RATE");
    if (!v || !*v) return;
    char *end;
    double d = strtod(v, &end);
    if (*end == 0 && d >= 0.0 && d <= 1.0) csc_options_set_traces_sample_rate(o, d);
}

bool csc__tracing_enabled(const csc_options_t *o) {
    return o && o->tracing && (o->tracing->has_rate || o->tracing->sampler);
}

size_t csc__tracing_max_spans(const csc_options_t *o) {
    return o && o->tracing ? o->tracing->max_spans : CSC_DEFAULT_MAX_SPANS;
}


int csc_options_set_traces_sample_rate(csc_options_t *o, double rate) {
    if (!o) return CSC_ERR_NULL;
    if (rate > 1.0) return CSC_ERR_INVALID;
    csc__tracing_opts_t *t = get(o);
    if (!t) return CSC_ERR_NOMEM;
    t->has_rate = !isnan(rate) && rate >= 0.0;
    t->rate = t->has_rate ? rate : 0.0;
    return CSC_OK;
}

int csc_options_set_traces_sampler(csc_options_t *o, csc_traces_sampler_fn fn, void *user_data) {
    if (!o) return CSC_ERR_NULL;
    csc__tracing_opts_t *t = get(o);
    if (!t) return CSC_ERR_NOMEM;
    t->sampler = fn;
    t->sampler_data = user_data;
    return CSC_OK;
}

int csc_options_set_before_send_transaction(csc_options_t *o, csc_before_send_fn fn, void *user_data) {
    if (!o) return CSC_ERR_NULL;
    csc__tracing_opts_t *t = get(o);
    if (!t) return CSC_ERR_NOMEM;
    t->before_send_transaction = fn;
    t->bst_data = user_data;
    return CSC_OK;
}

int csc_options_set_max_spans(csc_options_t *o, size_t max_spans) {
    if (!o) return CSC_ERR_NULL;
    if (max_spans < 1 || max_spans > CSC_MAX_SPANS_LIMIT) return CSC_ERR_INVALID;
    csc__tracing_opts_t *t = get(o);
    if (!t) return CSC_ERR_NOMEM;
    t->max_spans = max_spans;
    return CSC_OK;
}

int csc_options_set_org_id(csc_options_t *o, const char *org_id) {
    if (!o) return CSC_ERR_NULL;
    if (org_id && (!*org_id || strspn(org_id, "0123456789") != strlen(org_id) || strlen(org_id) > 31))
        return CSC_ERR_INVALID;
    csc__tracing_opts_t *t = get(o);
    if (!t) return CSC_ERR_NOMEM;
    char *c = org_id ? csc__strdup(org_id) : NULL;
    if (org_id && !c) return CSC_ERR_NOMEM;
    free(t->org_id);
    t->org_id = c;
    return CSC_OK;
}

int csc_options_set_strict_trace_continuation(csc_options_t *o, bool enabled) {
    if (!o) return CSC_ERR_NULL;
    csc__tracing_opts_t *t = get(o);
    if (!t) return CSC_ERR_NOMEM;
    t->strict = enabled;
    return CSC_OK;
}

int csc_options_set_propagate_traceparent(csc_options_t *o, bool enabled) {
    if (!o) return CSC_ERR_NULL;
    csc__tracing_opts_t *t = get(o);
    if (!t) return CSC_ERR_NOMEM;
    t->traceparent = enabled;
    return CSC_OK;
}

int csc_options_set_trace_propagation_targets(csc_options_t *o, const char *const *patterns, size_t count) {
    if (!o) return CSC_ERR_NULL;
    if (count && !patterns) return CSC_ERR_NULL;
    regex_t *re = calloc(count ? count : 1, sizeof *re);
    if (!re) return CSC_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        if (!patterns[i] || regcomp(&re[i], patterns[i], REG_EXTENDED | REG_NOSUB) != 0) {
            for (size_t k = 0; k < i; k++) regfree(&re[k]);
            free(re);
            return CSC_ERR_INVALID;
        }
    }
    csc__tracing_opts_t *t = get(o);
    if (!t) {
        for (size_t k = 0; k < count; k++) regfree(&re[k]);
        free(re);
        return CSC_ERR_NOMEM;
    }
    free_targets(t);
    t->targets = re;
    t->ntargets = count;
    t->targets_set = true;
    return CSC_OK;
}
