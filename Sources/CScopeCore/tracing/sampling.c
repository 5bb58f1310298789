/* The sampling decision of a transaction, in the Python SDK's order, and sample_rand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracing_internal.h"

void csc__float_repr(double v, char out[32]) {
    if (isnan(v)) {
        strcpy(out, "nan");
        return;
    }
    if (isinf(v)) {
        strcpy(out, v > 0 ? "inf" : "-inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, 32, "%.*g", prec, v);
        if (strtod(out, NULL) == v) break;
    }
    /* Python writes exponents with at least two digits (1e-05), as printf does; integral values get ".0" */
    if (!strpbrk(out, ".e")) strcat(out, ".0");
}

double csc__sample_rand_draw(double lower, double upper) {
    /* an incoming sample_rate out of [0, 1] (sentry-sample_rate=5e98, found by fuzz_propagation)
     * must not overflow the conversion: the interval is cut to [0, 1] (sentry-python would draw
     * outside [0, 1); a sample_rand there is invalid for every later hop anyway) */
    lower = !(lower > 0.0) ? 0.0 : lower > 1.0 ? 1.0 : lower;
    upper = !(upper > 0.0) ? 0.0 : upper > 1.0 ? 1.0 : upper;
    long lo = (long)(lower * 1000000.0), hi = (long)(upper * 1000000.0);
    if (hi <= lo) return lo / 1000000.0;
    return (lo + (long)(csc__rand64() % (uint64_t)(hi - lo))) / 1000000.0;
}

static bool valid_rate(double r) { return !isnan(r) && r >= 0.0 && r <= 1.0; }

void csc__sample_transaction(const csc__client_t *c, csc__tree_t *t, const char *op, int forced, const json_t *custom) {
    const csc_options_t *o = c ? c->opts : NULL;
    if (!o || !csc__tracing_enabled(o)) {
        t->sampled = CSC_SAMPLED_NO;
        return;
    }
    if (forced != CSC_SAMPLED_UNSET) {
        t->sampled = forced ? CSC_SAMPLED_YES : CSC_SAMPLED_NO;
        t->has_rate = true;
        t->sample_rate = forced ? 1.0 : 0.0;
        return;
    }
    const csc__tracing_opts_t *to = o->tracing;
    double rate;
    if (to->sampler) {
        double parent_rate = NAN;
        json_t *pr = t->dsc ? json_object_get(t->dsc, "sample_rate") : NULL;
        if (json_is_string(pr)) {
            char *end;
            double d = strtod(json_string_value(pr), &end);
            if (*end == 0) parent_rate = d;
        }
        csc_sampling_context_t ctx = {t->name ? t->name : "", op, t->parent_sampled, parent_rate, custom};
        rate = to->sampler(&ctx, to->sampler_data);
    } else if (t->parent_sampled != CSC_SAMPLED_UNSET) {
        rate = t->parent_sampled ? 1.0 : 0.0;
    } else {
        rate = to->rate;
    }
    if (!valid_rate(rate)) {
        csc__debug_log("tracing: invalid sample rate; transaction unsampled");
        t->sampled = CSC_SAMPLED_NO;
        return;
    }
    t->has_rate = true;
    t->sample_rate = rate;
    t->sampled = rate > 0.0 && t->sample_rand < rate ? CSC_SAMPLED_YES : CSC_SAMPLED_NO;
}
