/* Trace propagation: incoming sentry-trace / baggage / traceparent, outgoing headers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tracing_internal.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

/* ------------------------------------------------------------ sentry-trace */

typedef struct {
    bool has_trace, has_span;
    char trace_id[33], span_id[17];
    int8_t sampled;
} sentry_trace_t;

static bool lower_hex(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

/* The Python SDK's regex `^[ \t]*([0-9a-f]{32})?-?([0-9a-f]{16})?-?([01])?[ \t]*$`, with the
 * same (greedy, first-alternative-first) preference among its optional parts. */
static bool match_from(const char *s, size_t n, int part, sentry_trace_t *out) {
    static const size_t widths[5] = {32, 1, 16, 1, 1};
    if (part == 5) {
        for (size_t i = 0; i < n; i++)
            if (s[i] != ' ' && s[i] != '\t') return false;
        return true;
    }
    size_t w = widths[part];
    bool fits = n >= w;
    if (fits) {
        switch (part) {
            case 0:
            case 2: fits = lower_hex(s, w); break;
            case 1:
            case 3: fits = s[0] == '-'; break;
            default: fits = s[0] == '0' || s[0] == '1'; break;
        }
    }
    if (fits && match_from(s + w, n - w, part + 1, out)) {
        if (part == 0) {
            out->has_trace = true;
            memcpy(out->trace_id, s, 32);
            out->trace_id[32] = 0;
        }
        if (part == 2) {
            out->has_span = true;
            memcpy(out->span_id, s, 16);
            out->span_id[16] = 0;
        }
        if (part == 4) out->sampled = s[0] == '1';
        return true;
    }
    return match_from(s, n, part + 1, out);
}

static bool parse_sentry_trace(const char *h, sentry_trace_t *out) {
    memset(out, 0, sizeof *out);
    out->sampled = CSC_SAMPLED_UNSET;
    if (!h || !*h) return false;
    size_t n = strlen(h);
    if (strchr(h, ',')) { /* several values joined: the first non-empty one (trimmed) */
        const char *p = h;
        for (;;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            while (len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
                p++;
                len--;
            }
            while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\n' || p[len - 1] == '\r')) len--;
            if (len || !e) {
                h = p;
                n = len;
                break;
            }
            p = e + 1;
        }
        if (!n) return false;
    }
    if (n >= 6 && !memcmp(h, "00-", 3) && !memcmp(h + n - 3, "-00", 3)) {
        h += 3;
        n -= 6;
    }
    while (n && (*h == ' ' || *h == '\t')) {
        h++;
        n--;
    }
    return match_from(h, n, 0, out);
}

/* W3C traceparent: 00-<32 hex>-<16 hex>-<2 hex flags>, lower case, ids not all zero. */
static bool parse_traceparent(const char *h, sentry_trace_t *out) {
    memset(out, 0, sizeof *out);
    out->sampled = CSC_SAMPLED_UNSET;
    if (!h) return false;
    while (*h == ' ' || *h == '\t') h++;
    size_t n = strlen(h);
    while (n && (h[n - 1] == ' ' || h[n - 1] == '\t')) n--;
    if (n != 55 || memcmp(h, "00-", 3) || h[35] != '-' || h[52] != '-') return false;
    if (!lower_hex(h + 3, 32) || !lower_hex(h + 36, 16) || !lower_hex(h + 53, 2)) return false;
    if (!strncmp(h + 3, "00000000000000000000000000000000", 32) || !strncmp(h + 36, "0000000000000000", 16))
        return false;
    out->has_trace = out->has_span = true;
    memcpy(out->trace_id, h + 3, 32);
    out->trace_id[32] = 0;
    memcpy(out->span_id, h + 36, 16);
    out->span_id[16] = 0;
    int flags = (int)strtol((char[3]){h[53], h[54], 0}, NULL, 16);
    out->sampled = (flags & 1) ? CSC_SAMPLED_YES : CSC_SAMPLED_NO;
    return true;
}

/* ------------------------------------------------------------ baggage */

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Python's urllib.parse.unquote into `d` (room for n bytes): valid %XX decoded, anything else
 * kept. Returns the decoded length. Invalid UTF-8 is replaced by the caller. */
static size_t unquote_into(char *d, const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
            d[k++] = (char)(hi << 4 | lo);
            i += 2;
        } else
            d[k++] = s[i];
    }
    return k;
}

static void trim(const char **p, size_t *n) {
    while (*n && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*n)--;
    }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t')) (*n)--;
}

/* The sentry- items of a baggage header as an ordered object (NULL when there are none). */
static json_t *parse_baggage(const char *h) {
    if (!h) return NULL;
    size_t total = strlen(h);
    if (total > CSC_MAX_BAGGAGE_LEN) { /* cut at the last item that fits */
        total = CSC_MAX_BAGGAGE_LEN;
        while (total && h[total] != ',') total--;
    }
    json_t *items = NULL;
    const char *p = h, *end = h + total;
    while (p < end) {
        const char *e = memchr(p, ',', (size_t)(end - p));
        size_t n = e ? (size_t)(e - p) : (size_t)(end - p);
        const char *item = p;
        p = e ? e + 1 : end;
        const char *eq = memchr(item, '=', n);
        if (!eq) continue;
        trim(&item, &n);
        eq = memchr(item, '=', n);
        if (!eq || (size_t)(eq - item) < 7 || memcmp(item, "sentry-", 7)) continue;
        /* key: Python's key.split("-")[1] */
        const char *k = item + 7, *kend = eq;
        const char *dash = memchr(k, '-', (size_t)(kend - k));
        if (dash) kend = dash;
        /* decoded in place: both fit in the item's own length (at most CSC_MAX_BAGGAGE_LEN) */
        char buf[CSC_MAX_BAGGAGE_LEN + 1];
        size_t kl = unquote_into(buf, k, (size_t)(kend - k));
        const char *key;
        size_t key_len;
        if (csc__utf8_clean(buf, kl, CSC_MAX_STRING_LEN, &key, &key_len) < 0) continue;
        char *key_copy = key == buf ? NULL : (char *)key; /* repaired: a new allocation */
        size_t vl = n - (size_t)(eq + 1 - item);
        char *vbuf = buf + kl; /* the value decodes after the key, in the same room */
        vl = unquote_into(vbuf, eq + 1, vl);
        int st = 0;
        json_t *val = csc__json_string_clean(vbuf, vl, CSC_MAX_STRING_LEN, &st);
        if (val && (items || (items = json_object())))
            json_object_setn_new(items, key, key_len, val); /* a later duplicate wins */
        else
            json_decref(val);
        free(key_copy);
    }
    return items;
}

/* ------------------------------------------------------------ incoming */

/* The values of header `name` (case-insensitive) joined with ','; malloc'd, NULL when absent. */
static char *header_value(const csc_header_t *h, size_t n, const char *name) {
    char *out = NULL;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (!h[i].name || !h[i].value || strcasecmp(h[i].name, name)) continue;
        size_t vl = strlen(h[i].value);
        char *no = realloc(out, len + vl + 2);
        if (!no) {
            free(out);
            return NULL;
        }
        out = no;
        if (len) out[len++] = ',';
        memcpy(out + len, h[i].value, vl);
        len += vl;
        out[len] = 0;
    }
    return out;
}

static bool should_continue(const csc__client_t *c, const json_t *dsc) {
    const char *ours = c ? csc__tracing_org_id(c) : NULL;
    const char *theirs = dsc ? json_string_value(json_object_get(dsc, "org_id")) : NULL;
    if (ours && theirs && strcmp(ours, theirs)) return false;
    bool strict = c && c->opts->tracing && c->opts->tracing->strict;
    if (strict && ((theirs && !ours) || (!theirs && ours))) return false;
    return true;
}

static double dsc_number(const json_t *dsc, const char *key, bool *ok) {
    const char *s = dsc ? json_string_value(json_object_get(dsc, key)) : NULL;
    *ok = false;
    if (!s || !*s) return NAN;
    char *end;
    double d = strtod(s, &end);
    while (*end == ' ' || *end == '\t') end++;
    *ok = *end == 0 && !isnan(d);
    return d;
}

csc__propagation_t *csc__propagation_from_headers(const csc__client_t *c, const csc_header_t *h, size_t n) {
    char *st = header_value(h, n, "sentry-trace");
    sentry_trace_t t;
    bool ok;
    if (st)
        ok = parse_sentry_trace(st, &t);
    else {
        char *tp = header_value(h, n, "traceparent");
        ok = parse_traceparent(tp, &t);
        free(tp);
    }
    free(st);
    if (!ok) return NULL;
    char *bag = header_value(h, n, "baggage");
    json_t *dsc = parse_baggage(bag);
    free(bag);
    if (!should_continue(c, dsc)) {
        json_decref(dsc);
        return NULL;
    }
    csc__propagation_t *p = csc__propagation_new();
    if (!p) {
        json_decref(dsc);
        return NULL;
    }
    if (t.has_trace) memcpy(p->trace_id, t.trace_id, 33);
    if (t.has_span) memcpy(p->parent_span_id, t.span_id, 17);
    p->parent_sampled = t.sampled;
    p->dsc = dsc;
    if (dsc) { /* keep a valid sample_rand, else backfill one that agrees with the parent */
        bool have;
        double r = dsc_number(dsc, "sample_rand", &have);
        if (!have || r < 0.0 || r >= 1.0) {
            bool has_rate;
            double rate = dsc_number(dsc, "sample_rate", &has_rate);
            double lo = 0.0, hi = 1.0;
            if (t.sampled != CSC_SAMPLED_UNSET && has_rate) {
                if (t.sampled)
                    hi = rate;
                else
                    lo = rate;
            }
            if (lo < hi) {
                char buf[32];
                snprintf(buf, sizeof buf, "%.6f", csc__sample_rand_draw(lo, hi));
                json_object_set_new(dsc, "sample_rand", json_string(buf));
            }
        }
    }
    return p;
}

int csc_continue_trace(const csc_header_t *headers, size_t count, const csc_scopes_t *scopes) {
    if (count && !headers) return CSC_ERR_NULL;
    csc__client_t *c = csc__client_get();
    csc__propagation_t *p = csc__propagation_from_headers(c, headers, count);
    csc__client_release(c);
    int rc = p ? CSC_OK : CSC_ERR_PARSE;
    if (!p && !(p = csc__propagation_new())) return CSC_ERR_NOMEM;
    csc_scope_t *iso = scopes ? scopes->isolation : csc_isolation_scope();
    csc_scope_t *cur = scopes ? scopes->current : csc_current_scope();
    if (iso) csc__scope_put_propagation(iso, p);
    if (cur) csc__scope_put_propagation(cur, p);
    csc__propagation_release(p);
    return rc;
}

/* ------------------------------------------------------------ outgoing */

static bool url_allowed(const csc__client_t *c, const char *url) {
    if (!url || !c) return true;
    if (c->dsn.valid && c->dsn.host[0] && strstr(url, c->dsn.host)) return false;
    const csc__tracing_opts_t *t = c->opts->tracing;
    if (!t || !t->targets_set) return true;
    for (size_t i = 0; i < t->ntargets; i++)
        if (regexec(&t->targets[i], url, 0, NULL, 0) == 0) return true;
    return false;
}

static void put_sentry_trace(char out[56], const char *trace, const char *span, int sampled) {
    snprintf(out, 56, "%s-%s%s", trace, span, sampled == CSC_SAMPLED_UNSET ? "" : sampled ? "-1" : "-0");
}

static csc__propagation_t *active_propagation(csc_scope_t *current, csc_scope_t *isolation) {
    csc_scope_t *sc[2] = {current, isolation};
    for (int i = 0; i < 2; i++) {
        if (!sc[i]) continue;
        csc__lock(&sc[i]->lock);
        csc__propagation_t *p = sc[i]->propagation;
        if (p) atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
        csc__unlock(&sc[i]->lock);
        if (p) return p;
    }
    if (isolation && csc_scope_new_trace(isolation) == CSC_OK) return active_propagation(NULL, isolation);
    return NULL;
}

int csc_trace_headers(const char *url, const char *existing_baggage, csc_trace_headers_t *out) {
    return csc_trace_headers_ex(NULL, url, existing_baggage, out);
}

int csc_trace_headers_ex(const csc_scopes_t *scopes, const char *url, const char *existing_baggage,
                         csc_trace_headers_t *out) {
    if (!out) return CSC_ERR_NULL;
    csc_scope_t *current = scopes ? scopes->current : csc_current_scope();
    csc_scope_t *isolation = scopes ? scopes->isolation : csc_isolation_scope();
    out->sentry_trace[0] = out->traceparent[0] = 0;
    out->baggage = NULL;
    csc__client_t *c = csc__client_get();
    if (!url_allowed(c, url)) {
        csc__client_release(c);
        return 0;
    }
    bool tracing = c && csc__tracing_enabled(c->opts);
    csc_span_t *span = NULL;
    if (tracing && !(span = csc_scope_get_bound_span(current))) span = csc_scope_get_bound_span(isolation);
    json_t *dsc = NULL;
    char trace_id[33], span_id[17];
    int sampled = CSC_SAMPLED_UNSET;
    int count = 0;
    if (span) {
        bool in_tx = span->tree != NULL;
        if (in_tx) { /* the transaction's DSC is frozen at first use: its baggage items too */
            csc__tree_t *t = span->tree;
            memcpy(trace_id, span->trace_id, 33);
            memcpy(span_id, span->span_id, 17);
            sampled = span->sampled;
            csc__lock(&t->lock);
            if (!t->baggage) {
                json_t *d = csc__dsc_of_tree_client(c, t, span->trace_id);
                t->baggage = d ? csc__dsc_to_baggage(d) : NULL;
                json_decref(d);
            }
            out->baggage = t->baggage && *t->baggage ? csc__baggage_merge(existing_baggage, t->baggage) : NULL;
            csc__unlock(&t->lock);
        }
        csc_span_release(span);
        if (!in_tx) {
            csc__client_release(c);
            return 0;
        } /* a span outside any transaction propagates nothing */
    } else {
        csc__propagation_t *p = active_propagation(current, isolation);
        if (!p) {
            csc__client_release(c);
            return CSC_ERR_NOMEM;
        }
        memcpy(trace_id, p->trace_id, 33);
        memcpy(span_id, p->span_id, 17);
        dsc = csc__dsc_of_propagation(c ? c->opts : NULL, c && c->dsn.valid ? c->dsn.public_key : NULL,
                                      c ? csc__tracing_org_id(c) : NULL, p);
        csc__propagation_release(p);
    }
    put_sentry_trace(out->sentry_trace, trace_id, span_id, sampled);
    count++;
    if (dsc && json_object_size(dsc)) {
        char *items = csc__dsc_to_baggage(dsc);
        out->baggage = items ? csc__baggage_merge(existing_baggage, items) : NULL;
        free(items);
    }
    if (out->baggage) count++;
    json_decref(dsc);
    if (c && c->opts->tracing && c->opts->tracing->traceparent) {
        snprintf(out->traceparent, sizeof out->traceparent, "00-%s-%s-%s", trace_id, span_id,
                 sampled == CSC_SAMPLED_YES ? "01" : "00");
        count++;
    }
    csc__client_release(c);
    return count;
}

void csc_trace_headers_clear(csc_trace_headers_t *out) {
    if (!out) return;
    free(out->baggage);
    out->baggage = NULL;
}
