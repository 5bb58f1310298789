/* The default scrubber: the Python SDK's DEFAULT_DENYLIST + DEFAULT_PII_DENYLIST,
 * applied when send_default_pii is off. */
#include "scrubber.h"

#include <pthread.h>
#include <strings.h>

static const char *const denylist[] = {
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "auth",
    "credentials",
    "mysql_pwd",
    "privatekey",
    "private_key",
    "token",
    "session",
    "csrftoken",
    "sessionid",
    "x_csrftoken",
    "x_forwarded_for",
    "set_cookie",
    "cookie",
    "authorization",
    "proxy-authorization",
    "x_api_key",
    "aiohttp_session",
    "connect.sid",
    "csrf_token",
    "csrf",
    "_csrf",
    "_csrf_token",
    "phpsessid",
    "_session",
    "symfony",
    "user_session",
    "_xsrf",
    "xsrf-token",
    /* PII */
    "x_real_ip",
    "ip_address",
    "remote_addr",
};

/* filter[len] has bit (c & 63) set for the first character c of every entry of that length:
 * most keys are rejected by one load and a test */
static uint64_t filter[20];
static uint8_t lens[sizeof denylist / sizeof *denylist];
static pthread_once_t filter_once = PTHREAD_ONCE_INIT;

static void build_filter(void) {
    for (size_t i = 0; i < sizeof denylist / sizeof *denylist; i++) {
        lens[i] = (uint8_t)strlen(denylist[i]);
        filter[lens[i]] |= 1ull << (denylist[i][0] & 63);
    }
}

bool csc__scrub_key(const char *key, size_t len) {
    if (len < 4 || len > 19) return false;
    pthread_once(&filter_once, build_filter);
    char first = (char)(key[0] >= 'A' && key[0] <= 'Z' ? key[0] | 0x20 : key[0]);
    if (!(filter[len] & (1ull << (first & 63)))) return false;
    for (size_t i = 0; i < sizeof denylist / sizeof *denylist; i++)
        if (lens[i] == len && denylist[i][0] == first && strncasecmp(denylist[i], key, len) == 0) return true;
    return false;
}

json_t *csc__scrub_meta(void) { return json_pack("{s:{s:[[s,s]]}}", "", "rem", "!config", "s"); }

void csc__scrub_object(json_t *obj, json_t **meta) {
    if (!json_is_object(obj)) return;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (!csc__scrub_key(k, strlen(k))) continue;
        json_object_set_new(obj, k, json_string("[Filtered]"));
        if (!*meta) *meta = json_object();
        json_object_set_new(*meta, k, csc__scrub_meta());
    }
}
