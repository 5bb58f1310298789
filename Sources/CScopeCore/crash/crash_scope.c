/* The crash event's scope data: tags, extra, contexts (+ trace), user and
 * breadcrumbs of the global scope and the crashing thread's isolation and
 * current scopes, merged as merge.c does (later tiers win per key; breadcrumbs
 * of all tiers by time), written straight from the scopes' copy-on-write tables.
 *
 * SIGNAL SAFETY: async-signal-safe. Each scope is try-locked with a bounded spin
 * (its critical sections are a few dozen instructions, never I/O): a scope whose
 * lock does not come free (e.g. the crash happened inside a scope write on this
 * very thread) is left out and counted. The tables are only read. Nothing here
 * touches jansson beyond read-only accessors (sigwriter.c). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "crash_scope.h"

#include "scope/scrubber.h"

#define TRYLOCK_SPINS 200000

static bool try_lock(csc__lock_t *l) {
    for (int i = 0; i < TRYLOCK_SPINS; i++) {
        if (!atomic_load_explicit(&l->v, memory_order_relaxed) &&
            !atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
            return true;
        csc__spin_pause();
    }
    return false;
}

int csc__crash_scopes_lock(csc__crash_scopes_t *cs, csc_scope_t *global, csc_scope_t *isolation, csc_scope_t *current) {
    csc_scope_t *in[3] = {global, isolation, current};
    cs->n = 0;
    cs->skipped = 0;
    for (int i = 0; i < 3; i++) {
        csc_scope_t *s = in[i];
        if (!s) continue;
        bool dup = false;
        for (int k = 0; k < cs->n; k++) dup |= cs->s[k] == s;
        if (dup) continue;
        if (!try_lock(&s->lock)) {
            cs->skipped++;
            continue;
        }
        cs->s[cs->n++] = s;
    }
    return cs->n;
}

void csc__crash_scopes_unlock(csc__crash_scopes_t *cs) {
    for (int i = 0; i < cs->n; i++) csc__unlock(&cs->s[i]->lock);
    cs->n = 0;
}

/* ---------------------------------------------------------------- maps */

static csc__map_t *map_of(csc_scope_t *s, int which) {
    return which == 0 ? s->tags : which == 1 ? s->extras : s->contexts;
}

static bool map_has(const csc__map_t *m, const char *k, uint32_t kl, uint32_t h) {
    for (uint32_t i = 0; m && i < m->count; i++) {
        const csc__entry_t *e = &m->e[i];
        if (e->hash == h && e->klen == kl) {
            const char *x = csc__map_key(m, e);
            uint32_t j = 0;
            while (j < kl && x[j] == k[j]) j++;
            if (j == kl) return true;
        }
    }
    return false;
}

/* Writes the entries of one map kind, merged; returns how many were written. */
static int write_map_entries(csc__sw_t *w, const csc__crash_scopes_t *cs, int which, bool first, bool scrub) {
    int written = 0;
    for (int i = 0; i < cs->n; i++) {
        const csc__map_t *m = map_of(cs->s[i], which);
        for (uint32_t k = 0; m && k < m->count; k++) {
            const csc__entry_t *e = &m->e[k];
            const char *key = csc__map_key(m, e); /* no NULL + 0 for an empty map heap */
            bool shadowed = false;
            for (int j = i + 1; j < cs->n && !shadowed; j++)
                shadowed = map_has(map_of(cs->s[j], which), key, e->klen, e->hash);
            if (shadowed) continue;
            if (!first || written) csc__sw_putc(w, ',');
            csc__sw_str(w, key, e->klen);
            csc__sw_putc(w, ':');
            if (scrub && csc__scrub_key(key, e->klen))
                CSC__SW_LIT(w, "\"[Filtered]\"");
            else if (e->j)
                csc__sw_json(w, e->j, 32);
            else
                csc__sw_str(w, e->vlen ? m->heap + e->voff : "", e->vlen);
            written++;
        }
    }
    return written;
}

static bool any_entries(const csc__crash_scopes_t *cs, int which) {
    for (int i = 0; i < cs->n; i++) {
        const csc__map_t *m = map_of(cs->s[i], which);
        if (m && m->count) return true;
    }
    return false;
}

/* The user object; with `scrub` (send_default_pii off) as merge.c sends it: no ip_address, denylisted keys filtered. */
static void write_user(csc__sw_t *w, json_t *user, bool scrub) {
    if (!scrub || !json_is_object(user)) {
        csc__sw_json(w, user, 16);
        return;
    }
    csc__sw_putc(w, '{');
    bool first = true;
    for (void *it = json_object_iter(user); it; it = json_object_iter_next(user, it)) {
        const char *k = json_object_iter_key(it);
        size_t kl = json_object_iter_key_len(it);
        if (kl == 10 && !__builtin_memcmp(k, "ip_address", 10)) continue;
        if (!first) csc__sw_putc(w, ',');
        first = false;
        csc__sw_str(w, k, kl);
        csc__sw_putc(w, ':');
        if (csc__scrub_key(k, kl))
            CSC__SW_LIT(w, "\"[Filtered]\"");
        else
            csc__sw_json(w, json_object_iter_value(it), 15);
    }
    csc__sw_putc(w, '}');
}

void csc__crash_write_scope_fields(csc__sw_t *w, const csc__crash_scopes_t *cs, const csc__crash_config_t *cfg) {
    size_t max_crumbs = cfg->max_breadcrumbs;
    bool scrub = cfg->scrub;
    if (any_entries(cs, 0)) {
        CSC__SW_LIT(w, ",\"tags\":{");
        write_map_entries(w, cs, 0, true, false);
        csc__sw_putc(w, '}');
    }
    if (any_entries(cs, 1)) {
        CSC__SW_LIT(w, ",\"extra\":{");
        write_map_entries(w, cs, 1, true, scrub); /* merge.c scrubs extra and user */
        csc__sw_putc(w, '}');
    }

    /* contexts, and the trace context from the innermost propagation context */
    const csc__propagation_t *prop = NULL;
    bool has_trace = false;
    for (int i = 0; i < cs->n; i++) {
        if (cs->s[i]->propagation) prop = cs->s[i]->propagation;
        has_trace |= map_has(cs->s[i]->contexts, "trace", 5, csc__hash("trace", 5));
    }
    CSC__SW_LIT(w, ",\"contexts\":{");
    int n = write_map_entries(w, cs, 2, true, false);
    if (prop && !has_trace) {
        if (n) csc__sw_putc(w, ',');
        CSC__SW_LIT(w, "\"trace\":{\"trace_id\":");
        csc__sw_cstr(w, prop->trace_id);
        CSC__SW_LIT(w, ",\"span_id\":");
        csc__sw_cstr(w, prop->span_id);
        if (prop->parent_span_id[0]) {
            CSC__SW_LIT(w, ",\"parent_span_id\":");
            csc__sw_cstr(w, prop->parent_span_id);
        }
        csc__sw_putc(w, '}');
        n++;
    }
    for (int d = 0; d < cfg->n_defaults; d++) {
        bool shadowed = false;
        for (int i = 0; i < cs->n && !shadowed; i++)
            shadowed = map_has(cs->s[i]->contexts, cfg->defaults[d].key, cfg->defaults[d].klen, cfg->defaults[d].hash);
        if (shadowed) continue;
        if (n) csc__sw_putc(w, ',');
        csc__sw_put(w, cfg->defaults[d].json, cfg->defaults[d].len);
        n++;
    }
    if (cs->skipped) { /* say why some scope data may be missing */
        if (n) csc__sw_putc(w, ',');
        CSC__SW_LIT(w, "\"cscope_crash\":{\"scopes_skipped\":");
        csc__sw_i64(w, cs->skipped);
        csc__sw_putc(w, '}');
    }
    csc__sw_putc(w, '}');

    /* user, fingerprint, transaction: the innermost that is set */
    json_t *user = NULL, *fingerprint = NULL, *transaction = NULL;
    for (int i = 0; i < cs->n; i++) {
        if (cs->s[i]->user) user = cs->s[i]->user;
        if (cs->s[i]->fingerprint) fingerprint = cs->s[i]->fingerprint;
        if (cs->s[i]->transaction) transaction = cs->s[i]->transaction;
    }
    if (user) {
        CSC__SW_LIT(w, ",\"user\":");
        write_user(w, user, scrub);
    }
    if (fingerprint) {
        CSC__SW_LIT(w, ",\"fingerprint\":");
        csc__sw_json(w, fingerprint, 4);
    }
    if (transaction) {
        CSC__SW_LIT(w, ",\"transaction\":");
        csc__sw_json(w, transaction, 1);
    }

    csc__crash_write_breadcrumbs(w, cs, max_crumbs);
}

/* ---------------------------------------------------------------- breadcrumbs */

static void write_crumb(csc__sw_t *w, const csc__crumb_t *c) {
    CSC__SW_LIT(w, "{\"timestamp\":");
    int64_t us = c->ts_us < 0 ? 0 : c->ts_us;
    csc__sw_u64(w, (uint64_t)us / 1000000u);
    char frac[7] = {'.', 0, 0, 0, 0, 0, 0};
    uint64_t f = (uint64_t)us % 1000000u;
    for (int i = 6; i >= 1; i--) {
        frac[i] = (char)('0' + f % 10);
        f /= 10;
    }
    csc__sw_put(w, frac, 7);
    if (c->type) {
        CSC__SW_LIT(w, ",\"type\":");
        csc__sw_str(w, c->type, c->type_len);
    }
    if (c->category) {
        CSC__SW_LIT(w, ",\"category\":");
        csc__sw_str(w, c->category, c->category_len);
    }
    if (c->message) {
        CSC__SW_LIT(w, ",\"message\":");
        csc__sw_str(w, c->message, c->message_len);
    }
    const char *lvl = csc_level_name((csc_level_t)c->level);
    if (lvl) {
        CSC__SW_LIT(w, ",\"level\":");
        csc__sw_cstr(w, lvl);
    }
    if (c->data) {
        CSC__SW_LIT(w, ",\"data\":");
        csc__sw_put(w, c->data, c->data_len);
    } /* rendered JSON text */
    if (c->extra_keys && json_is_object(c->extra_keys)) {
        for (void *it = json_object_iter(c->extra_keys); it; it = json_object_iter_next(c->extra_keys, it)) {
            csc__sw_putc(w, ',');
            csc__sw_str(w, json_object_iter_key(it), json_object_iter_key_len(it));
            csc__sw_putc(w, ':');
            csc__sw_json(w, json_object_iter_value(it), 16);
        }
    }
    csc__sw_putc(w, '}');
}

void csc__crash_write_breadcrumbs(csc__sw_t *w, const csc__crash_scopes_t *cs, size_t max_crumbs) {
    /* a k-way merge by timestamp of the (time-ordered) rings, no allocation */
    uint32_t pos[3] = {0, 0, 0};
    size_t total = 0;
    for (int i = 0; i < cs->n; i++)
        if (cs->s[i]->crumbs) total += cs->s[i]->crumbs->count;
    if (!total) return;
    /* keep the newest max_crumbs * tiers (what merge.c would send is bounded the same way per tier) */
    size_t skip = max_crumbs && total > max_crumbs * (size_t)cs->n ? total - max_crumbs * (size_t)cs->n : 0;
    CSC__SW_LIT(w, ",\"breadcrumbs\":{\"values\":[");
    size_t emitted = 0;
    for (size_t k = 0; k < total; k++) {
        int best = -1;
        const csc__crumb_t *bc = NULL;
        for (int i = 0; i < cs->n; i++) {
            const csc__ring_t *r = cs->s[i]->crumbs;
            if (!r || pos[i] >= r->count) continue;
            const csc__crumb_t *c = csc__ring_at(r, pos[i]);
            if (!bc || c->ts_us < bc->ts_us) {
                bc = c;
                best = i;
            }
        }
        if (best < 0) break;
        pos[best]++;
        if (k < skip) continue;
        if (emitted++) csc__sw_putc(w, ',');
        write_crumb(w, bc);
    }
    CSC__SW_LIT(w, "]}");
}
