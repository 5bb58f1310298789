// A small C++17 host using CScopeCore: RAII for the isolation scope, a transport
// lambda that prints each envelope's event id and size, and a std::exception
// captured with its what() as the exception value.
#include <cscope.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <typeinfo>
#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#endif

namespace {

int envelopes = 0;

// Pushes an isolation scope for the lifetime of the object.
class IsolationScope {
  public:
    IsolationScope() { ok_ = csc_push_isolation_scope(&token_) == CSC_OK; }
    ~IsolationScope() {
        if (ok_) csc_pop_isolation_scope(&token_);
    }
    IsolationScope(const IsolationScope &) = delete;
    IsolationScope &operator=(const IsolationScope &) = delete;
    csc_scope_t *scope() const { return csc_isolation_scope(); }

  private:
    csc_scope_token_t token_{};
    bool ok_ = false;
};

// The dynamic type's readable name ("std::runtime_error"), where the ABI can demangle it.
std::string type_name(const std::exception &e) {
    std::string name = typeid(e).name();
#if __has_include(<cxxabi.h>)
    int status = 0;
    char *readable = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
    if (status == 0 && readable) name = readable;
    std::free(readable);
#endif
    return name;
}

std::string capture(const std::exception &e) {
    const std::string type = type_name(e);
    csc_exception_t exc{};
    exc.type = type.c_str();
    exc.value = e.what();
    exc.mechanism_type = "cpp";
    exc.handled = 1;
    char id[33] = "";
    int rc = csc_capture_exception(&exc, nullptr, id);
    return rc == CSC_OK ? std::string(id) : std::string("(") + csc_status_str(rc) + ")";
}

void process_order(int order) {
    if (order % 2) throw std::runtime_error("order " + std::to_string(order) + " is odd");
}

} // namespace

int main() {
    csc_options_t *opts = csc_options_new();
    csc_options_set_release(opts, "example-cpp@" CSC_VERSION);
    csc_options_set_transport(
        opts,
        [](csc_envelope_t *env, void *) {
            size_t len = 0;
            const char *bytes = csc_envelope_serialize(env, &len);
            std::printf("envelope: event_id=%s size=%zu bytes\n", csc_envelope_event_id(env), bytes ? len : 0);
            ++envelopes;
            csc_envelope_free(env);
        },
        nullptr);
    if (csc_init(opts) != CSC_OK) {
        std::fprintf(stderr, "csc_init failed\n");
        return 1;
    }
    csc_scope_set_tag(csc_global_scope(), "service", "example-cpp");
    csc_scope_set_user(csc_isolation_scope(), json_pack("{s:s}", "username", "cpp-user"));

    bool captured_exception = false;
    {
        IsolationScope iso;
        csc_scope_set_tag(iso.scope(), "order", "7");
        csc_breadcrumb_t crumb{};
        crumb.message = "processing order 7";
        crumb.category = "orders";
        crumb.level = CSC_LEVEL_INFO;
        csc_scope_add_breadcrumb(iso.scope(), &crumb);
        try {
            process_order(7);
        } catch (const std::exception &e) {
            std::printf("captured exception: %s (value: %s)\n", capture(e).c_str(), e.what());
            captured_exception = true;
        }
    }

    char id[33] = "";
    int rc = csc_capture_message("orders processed", CSC_LEVEL_INFO, nullptr, id);
    std::printf("captured message: %s (%s)\n", id, csc_status_str(rc));

    csc_close();
    std::printf("%d envelopes\n", envelopes);
    return captured_exception && rc == CSC_OK && envelopes == 2 ? 0 : 1;
}
