/* The default scrubber: the Python SDK's DEFAULT_DENYLIST + DEFAULT_PII_DENYLIST,
 * applied when send_default_pii is off. */
#include "scrubber.h"

#include <strings.h>

static const char *const denylist[] = {
    "password", "passwd", "secret", "api_key", "apikey", "auth", "credentials", "mysql_pwd",
    "privatekey", "private_key", "token", "session", "csrftoken", "sessionid", "x_csrftoken",
    "x_forwarded_for", "set_cookie", "cookie", "authorization", "proxy-authorization", "x_api_key",
    "aiohttp_session", "connect.sid", "csrf_token", "csrf", "_csrf", "_csrf_token", "phpsessid",
    "_session", "symfony", "user_session", "_xsrf", "xsrf-token",
    /* PII */
    "x_real_ip", "ip_address", "remote_addr",
};

bool csc__scrub_key(const char *key, size_t len) {
    static uint8_t lens[sizeof denylist / sizeof *denylist];
    static atomic_bool ready;
    if (len < 4 || len > 19) return false;
    if (!atomic_load_explicit(&ready, memory_order_acquire)) {
        for (size_t i = 0; i < sizeof denylist / sizeof *denylist; i++) lens[i] = (uint8_t)strlen(denylist[i]);
        atomic_store_explicit(&ready, true, memory_order_release);
    }
    char first = (char)(key[0] | 0x20);
    for (size_t i = 0; i < sizeof denylist / sizeof *denylist; i++)
        if (lens[i] == len && denylist[i][0] == first && strncasecmp(denylist[i], key, len) == 0) return true;
    return false;
}

json_t *csc__scrub_meta(void) { return json_pack("{s:{s:[[s,s]]}}", "", "rem", "!config", "s"); }

void csc__scrub_object(json_t *obj, json_t **meta) {
    if (!json_is_object(obj)) return;
    const char *k; json_t *v;
    json_object_foreach(obj, k, v) {
        if (!csc__scrub_key(k, strlen(k))) continue;
        json_object_set_new(obj, k, json_string("[Filtered]"));
        if (!*meta) *meta = json_object();
        json_object_set_new(*meta, k, csc__scrub_meta());
    }
}
