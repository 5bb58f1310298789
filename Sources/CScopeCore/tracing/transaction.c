/* Starting a transaction (sampling, continuing a trace) and sending it when it finishes:
 * the caller hands over the finished spans; the event JSON is built where the capture
 * path builds events (on the transport's worker on the fast path). */
#include <stdlib.h>
#include <string.h>

#include "tracing_internal.h"
#include "transport/http_transport.h"

csc_span_t *csc_transaction_start(const csc_transaction_options_t *o) {
    csc_transaction_options_t def = CSC_TRANSACTION_OPTIONS_INIT;
    if (!o) o = &def;
    csc__tree_t *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    atomic_init(&t->refs, 0);
    t->parent_sampled = CSC_SAMPLED_UNSET;
    t->sampled = CSC_SAMPLED_NO;
    csc_span_t *tx = csc__span_alloc(t);
    if (!tx) {
        free(t);
        return NULL;
    }
    tx->is_tx = true;
    if (o->start_timestamp_us) tx->start_us = o->start_timestamp_us;
    csc__client_t *c = csc__client_get();
    int rc = csc_transaction_set_name(tx, o->name && *o->name ? o->name : NULL,
                                      o->source && *o->source ? o->source : "custom");
    if (rc == CSC_OK) rc = csc_span_set_op(tx, o->op);
    if (rc == CSC_OK) rc = csc_span_set_description(tx, o->description);
    if (rc == CSC_OK) rc = csc_span_set_origin(tx, o->origin);
    if (rc != CSC_OK) {
        csc__client_release(c);
        csc_span_release(tx);
        return NULL;
    }

    /* the trace: the incoming one (also put on the scopes, as continue_trace does), else a new one */
    csc__propagation_t *p = NULL;
    if (o->header_count && o->headers) {
        csc_continue_trace(o->headers, o->header_count, o->scopes);
        csc_scope_t *cur = o->scopes ? o->scopes->current : csc_current_scope();
        if (cur) {
            csc__lock(&cur->lock);
            p = cur->propagation;
            if (p) atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
            csc__unlock(&cur->lock);
        }
    }
    bool keep_incoming_rate = false;
    if (p) {
        memcpy(tx->trace_id, p->trace_id, 33);
        memcpy(tx->parent_span_id, p->parent_span_id, 17);
        tx->same_process = false;
        t->parent_sampled = p->parent_sampled;
        if (p->dsc) t->dsc = json_deep_copy(p->dsc); /* frozen; only its sample_rate may still change */
        csc__propagation_release(p);
        keep_incoming_rate = o->sampled == CSC_SAMPLED_UNSET && t->parent_sampled != CSC_SAMPLED_UNSET &&
                             !(c && c->opts->tracing && c->opts->tracing->sampler);
    } else {
        csc_uuid4_hex(tx->trace_id);
    }
    /* sample_rand: the incoming valid one, else a new draw */
    const char *sr = t->dsc ? json_string_value(json_object_get(t->dsc, "sample_rand")) : NULL;
    char *end = NULL;
    double r = sr ? strtod(sr, &end) : -1.0;
    t->sample_rand = sr && *end == 0 && r >= 0.0 && r < 1.0 ? r : csc__sample_rand_draw(0.0, 1.0);

    csc__sample_transaction(c, t, o->op, o->sampled, o->custom_sampling_context);
    tx->sampled = t->sampled;
    if (t->has_rate && !keep_incoming_rate && t->dsc) {
        char buf[32];
        csc__float_repr(t->sample_rate, buf);
        json_object_set_new(t->dsc, "sample_rate", json_string(buf));
    }
    t->max = c ? csc__tracing_max_spans(c->opts) : 0;
    csc__client_release(c);
    return tx;
}

/* ------------------------------------------------------------ sending */

typedef struct {
    csc_span_t *tx;
    csc_span_t **spans;
    size_t nspans;
    uint64_t dropped;
} tx_ctx_t;

static void tx_ctx_free(void *p) {
    tx_ctx_t *x = p;
    for (size_t i = 0; i < x->nspans; i++) csc_span_release(x->spans[i]);
    free(x->spans);
    csc_span_release(x->tx);
    free(x);
}

/* The transaction's own fields; the tree is closed, so nothing here changes any more. */
static json_t *tx_build(void *p, json_t *ev, const csc_options_t *o, const char *public_key, const char *org_id) {
    tx_ctx_t *x = p;
    csc_span_t *tx = x->tx;
    csc__tree_t *t = tx->tree;
    json_t *spans = json_array();
    for (size_t i = 0; i < x->nspans; i++) json_array_append_new(spans, csc__span_to_json(x->spans[i]));
    json_t *contexts = t->contexts ? json_copy(t->contexts) : json_object();
    json_object_set_new(contexts, "trace", csc__span_trace_context(tx));
    char ts[32];
    json_object_set_new(ev, "type", json_string("transaction"));
    json_object_set_new(ev, "transaction", json_string(t->name && *t->name ? t->name : "<unlabeled transaction>"));
    json_object_set_new(ev, "transaction_info", json_pack("{s:s}", "source", t->source ? t->source : "custom"));
    json_object_set_new(ev, "contexts", contexts);
    json_object_set_new(ev, "tags", tx->tags ? json_copy(tx->tags) : json_object());
    csc__format_timestamp(tx->end_us, ts);
    json_object_set_new(ev, "timestamp", json_string(ts));
    csc__format_timestamp(tx->start_us, ts);
    json_object_set_new(ev, "start_timestamp", json_string(ts));
    json_object_set_new(ev, "spans", spans);
    json_object_set_new(ev, "measurements", t->measurements ? json_copy(t->measurements) : json_object());
    if (x->dropped) /* as the Python SDK: the number of spans before the cut, in _meta */
        json_object_set_new(ev, "_meta",
                            json_pack("{s:{s:{s:I}}}", "spans", "", "len", (json_int_t)(x->nspans + x->dropped)));
    csc__lock(&t->lock);
    json_t *dsc = csc__dsc_of_tree(o, public_key, org_id, t, tx->trace_id);
    csc__unlock(&t->lock);
    return dsc;
}

int csc__transaction_send(csc_span_t *tx, csc_span_t **spans, size_t nspans, uint64_t dropped,
                          const csc_scopes_t *scopes, char *id_out) {
    csc__client_t *c = csc__client_get();
    tx_ctx_t *x = NULL;
    int rc = CSC_ERR_DISABLED;
    if (c && tx->sampled != CSC_SAMPLED_YES) {
        if (csc__tracing_enabled(c->opts) && c->http) {
            csc__http_transport_record_lost(c->http, "sample_rate", "transaction", 1);
            csc__http_transport_record_lost(c->http, "sample_rate", "span", 1);
        }
        rc = CSC_ERR_DROPPED;
    } else if (c && (x = calloc(1, sizeof *x))) {
        x->tx = csc_span_retain(tx);
        x->spans = spans;
        x->nspans = nspans;
        x->dropped = dropped;
        spans = NULL;
        nspans = 0;
        if (dropped && c->http) csc__http_transport_record_lost(c->http, "buffer_overflow", "span", (uint32_t)dropped);
        const csc__tracing_opts_t *to = c->opts->tracing;
        csc__capture_hooks_t h = {
            .item_type = "transaction",
            .category = "transaction",
            .spans = (uint32_t)x->nspans,
            .before_send = to ? to->before_send_transaction : NULL,
            .before_send_data = to ? to->bst_data : NULL,
            .ctx = x,
            .build = tx_build,
            .free_ctx = tx_ctx_free,
        };
        csc__client_release(c);
        c = NULL;
        json_t *ev = json_object();
        rc = ev ? csc__capture_with_hooks(ev, scopes, &h, id_out) : (tx_ctx_free(x), CSC_ERR_NOMEM);
    } else if (c) {
        rc = CSC_ERR_NOMEM;
    }
    csc__client_release(c);
    for (size_t i = 0; i < nspans; i++) csc_span_release(spans[i]);
    free(spans);
    return rc;
}
