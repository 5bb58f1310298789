/*
 * A small C host using CScopeCore: a transport callback that prints each
 * envelope's event id and size, scope data on the three tiers, breadcrumbs,
 * an isolation scope for one "request", a message and an exception.
 *
 *   cc main.c $(pkg-config --cflags --libs cscope) && ./a.out
 */
#include <stdio.h>

#include <cscope.h>

static int envelopes;

/* Receives each envelope (we own it) on the capturing thread; must not block. */
static void print_transport(csc_envelope_t *env, void *user_data) {
    (void)user_data;
    size_t len = 0;
    const char *bytes = csc_envelope_serialize(env, &len);
    printf("envelope: event_id=%s items=%zu size=%zu bytes\n", csc_envelope_event_id(env), csc_envelope_item_count(env),
           bytes ? len : 0);
    envelopes++;
    csc_envelope_free(env);
}

static int handle_request(const char *route, const char *user_id) {
    /* Everything set inside the isolation scope stays with this request. */
    csc_scope_token_t token;
    if (csc_push_isolation_scope(&token) != CSC_OK) return -1;
    csc_scope_t *iso = csc_isolation_scope();
    csc_scope_set_tag(iso, "route", route);
    csc_scope_set_user(iso, json_pack("{s:s}", "id", user_id));
    csc_scope_set_transaction(csc_current_scope(), route, "route");

    csc_kv_t data[] = {CSC_KV_STR("method", "GET"), CSC_KV_INT64("status", 500)};
    csc_breadcrumb_t crumb = {.type = "http",
                              .category = "request",
                              .message = route,
                              .level = CSC_LEVEL_INFO,
                              .data = data,
                              .data_count = 2};
    csc_scope_add_breadcrumb(iso, &crumb);

    char id[33] = "";
    int rc = csc_capture_message("request failed", CSC_LEVEL_WARNING, NULL, id);
    printf("captured message: %s (%s)\n", id, csc_status_str(rc));

    csc_frame_t frames[] = {
        {.function = "main", .filename = "main.c", .lineno = 80, .in_app = 1},
        {.function = "handle_request", .filename = "main.c", .lineno = 50, .in_app = 1},
    };
    csc_exception_t exc = {
        .type = "RequestError", .value = "upstream returned 500", .handled = 1, .frames = frames, .frame_count = 2};
    int rc2 = csc_capture_exception(&exc, NULL, id);
    printf("captured exception: %s (%s)\n", id, csc_status_str(rc2));

    csc_pop_isolation_scope(&token);
    return rc == CSC_OK && rc2 == CSC_OK ? 0 : -1;
}

int main(void) {
    csc_options_t *opts = csc_options_new();
    csc_options_set_release(opts, "example-c@" CSC_VERSION);
    csc_options_set_environment(opts, "example");
    csc_options_set_transport(opts, print_transport, NULL);
    if (csc_init(opts) != CSC_OK) {
        fprintf(stderr, "csc_init failed\n");
        return 1;
    }

    csc_scope_set_tag(csc_global_scope(), "service", "example-c");
    csc_breadcrumb_t start = {.message = "started", .category = "lifecycle", .level = CSC_LEVEL_NONE};
    csc_scope_add_breadcrumb(csc_global_scope(), &start);

    int rc = handle_request("/orders/{id}", "42");

    char last[33];
    if (csc_last_event_id(last))
        printf("last event id outside the request: %s\n", last);
    else
        printf("no event id outside the request (it stayed in the isolation scope)\n");

    csc_close();
    printf("%d envelopes\n", envelopes);
    return rc == 0 && envelopes == 2 ? 0 : 1;
}
