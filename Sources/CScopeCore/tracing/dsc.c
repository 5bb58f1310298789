/* The Dynamic Sampling Context: frozen as received, or made from a transaction (frozen at
 * first use) or from the options; as the envelope header `trace` and as baggage. */
#include <stdlib.h>
#include <string.h>

#include "tracing_internal.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

static void put(json_t *d, const char *k, const char *v) {
    if (v) json_object_set_new(d, k, json_string(v));
}

/* environment, release, public_key, org_id: shared by both kinds of DSC. */
static void put_client_items(json_t *d, const csc_options_t *o, const char *public_key, const char *org_id) {
    if (o && o->environment && *o->environment) put(d, "environment", o->environment);
    if (o && o->release && *o->release) put(d, "release", o->release);
    if (public_key) {
        put(d, "public_key", public_key);
        if (org_id && *org_id) put(d, "org_id", org_id);
    }
}

json_t *csc__dsc_of_propagation(const csc_options_t *o, const char *public_key, const char *org_id,
                                const csc__propagation_t *p) {
    if (p->dsc) return json_incref(p->dsc);
    json_t *d = json_pack("{s:s}", "trace_id", p->trace_id);
    if (!d) return NULL;
    put_client_items(d, o, public_key, org_id);
    if (o && o->tracing && o->tracing->has_rate && o->tracing->rate != 0.0) {
        char r[32];
        csc__float_repr(o->tracing->rate, r);
        put(d, "sample_rate", r);
    }
    return d;
}

json_t *csc__dsc_of_tree_client(const csc__client_t *c, csc__tree_t *t, const char *trace_id) {
    return csc__dsc_of_tree(c ? c->opts : NULL, c && c->dsn.valid ? c->dsn.public_key : NULL,
                            c ? csc__tracing_org_id(c) : NULL, t, trace_id);
}

json_t *csc__dsc_of_tree(const csc_options_t *o, const char *public_key, const char *org_id, csc__tree_t *t,
                         const char *trace_id) {
    if (t->dsc) return json_incref(t->dsc);
    json_t *d = json_pack("{s:s}", "trace_id", trace_id);
    if (!d) return NULL;
    char buf[32];
    snprintf(buf, sizeof buf, "%.6f", t->sample_rand);
    put(d, "sample_rand", buf);
    put_client_items(d, o, public_key, org_id);
    if (t->name && *t->name && !(t->source && !strcmp(t->source, "url"))) put(d, "transaction", t->name);
    if (t->has_rate) {
        csc__float_repr(t->sample_rate, buf);
        put(d, "sample_rate", buf);
    }
    if (t->sampled != CSC_SAMPLED_UNSET) put(d, "sampled", t->sampled ? "true" : "false");
    t->dsc = json_incref(d); /* frozen from now on */
    return d;
}

/* Percent-encodes as Python's urllib.parse.quote (safe: letters, digits, "_.-~" and "/"). */
static void put_quoted(csc__buf_t *b, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("_.-~/", ch))
            csc__buf_putc(b, (char)ch);
        else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            csc__buf_put(b, e, 3);
        }
    }
}

/* True if the baggage item [s, s+n) (untrimmed) is a sentry- item. */
static bool is_sentry_item(const char *s, size_t n) {
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    return n >= 7 && !memcmp(s, "sentry-", 7);
}

char *csc__dsc_to_baggage(const json_t *dsc) {
    csc__buf_t b = {0};
    csc__buf_reserve(&b, 256);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)dsc, k, v) {
        if (!json_is_string(v)) continue;
        if (b.len) csc__buf_putc(&b, ',');
        csc__buf_put(&b, "sentry-", 7);
        put_quoted(&b, k);
        csc__buf_putc(&b, '=');
        put_quoted(&b, json_string_value(v));
    }
    csc__buf_putc(&b, 0);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* A member that can go into an HTTP header as it is: printable ASCII, spaces and tabs (W3C
 * baggage's optional whitespace), and something else than whitespace. */
static bool header_safe(const char *p, size_t n) {
    bool content = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && c != '\t') || c >= 0x7f) return false;
        content |= c != ' ' && c != '\t';
    }
    return content;
}

#define BAGGAGE_MAX_BYTES 8192 /* W3C baggage: a header of at most 8,192 bytes */

/* Appends the comma-separated members of list[0..n) that `keep` accepts and that fit in `budget`
 * bytes of `b` (with their commas). */
static void put_members(csc__buf_t *b, const char *list, size_t n, size_t budget, bool third_party) {
    const char *p = list, *end = list + n;
    while (p < end) {
        const char *e = memchr(p, ',', (size_t)(end - p));
        size_t m = e ? (size_t)(e - p) : (size_t)(end - p);
        bool ok = third_party ? !is_sentry_item(p, m) && header_safe(p, m) : m > 0;
        if (ok && b->len + (b->len ? 1 : 0) + m <= budget) {
            if (b->len) csc__buf_putc(b, ',');
            csc__buf_put(b, p, m);
        }
        if (!e) break;
        p = e + 1;
    }
}

char *csc__baggage_merge(const char *existing, const char *sentry_items) {
    /* ours first (a member that would take the header past 8,192 bytes is left out: an incoming
     * baggage's sentry- values can be long, and percent-encoding triples non-ASCII bytes), then
     * the other vendors' members that fit: never an older sentry- one, nor one with control
     * characters or non-ASCII bytes (it would corrupt the header, or inject one) */
    csc__buf_t ours = {0}, b = {0};
    put_members(&ours, sentry_items, strlen(sentry_items), BAGGAGE_MAX_BYTES, false);
    size_t room = BAGGAGE_MAX_BYTES - ours.len - (ours.len ? 1 : 0);
    if (existing) put_members(&b, existing, strlen(existing), room, true);
    if (b.len && ours.len) csc__buf_putc(&b, ',');
    if (ours.len) csc__buf_put(&b, ours.p, ours.len);
    csc__buf_putc(&b, 0);
    bool oom = b.oom || ours.oom;
    free(ours.p);
    if (oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

const char *csc__tracing_org_id(const csc__client_t *c) {
    if (c->opts->tracing && c->opts->tracing->org_id) return c->opts->tracing->org_id;
    return c->dsn.valid && c->dsn.org_id[0] ? c->dsn.org_id : NULL;
}
