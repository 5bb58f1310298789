import CScopeCore

extension Scope {
    /// Adds a breadcrumb to this scope.
    ///
    /// Needs a started SDK (a breadcrumb added before ``SentrySDK/start(options:)`` is dropped,
    /// as in the Python SDK). Runs the `beforeBreadcrumb` option. The scope keeps the newest
    /// `maxBreadcrumbs` and counts the evicted ones.
    ///
    /// Fast path: strings, numbers, booleans and `null` in ``Breadcrumb/data`` go to the core
    /// without building JSON.
    ///
    /// - Parameters:
    ///   - crumb: The breadcrumb.
    ///   - hint: Reserved for `beforeBreadcrumb` hints; not forwarded yet.
    public func addBreadcrumb(_ crumb: Breadcrumb, hint: JSONObject = [:]) {
        _ = BreadcrumbBridge.add(crumb, to: handle)
    }

    /// Adds a breadcrumb given as a raw JSON object (`message`, `category`, `level`, `type`,
    /// `data`, `timestamp` as ISO-8601 text or seconds, and any other key), kept as given.
    public func addBreadcrumb(json crumb: JSONObject) {
        guard let j = crumb.makeJansson() else { return }
        defer { json_decref(j) }
        _ = csc_scope_add_breadcrumb_json(handle, j)
    }

    /// Removes this scope's breadcrumbs and resets its count of evicted ones.
    public func clearBreadcrumbs() {
        _ = csc_scope_clear_breadcrumbs(handle)
    }

    /// The number of breadcrumbs this scope holds.
    public var breadcrumbCount: Int {
        csc_scope_breadcrumb_count(handle)
    }
}

/// Fills the core's `csc_breadcrumb_t`/`csc_kv_t` structures on the stack.
enum BreadcrumbBridge {
    static func add(_ crumb: Breadcrumb, to scope: OpaquePointer) -> Int32 {
        var c = csc_breadcrumb_t()
        c.level = crumb.level.cLevel
        c.timestamp_us = crumb.timestamp.map(Timestamp.micros) ?? 0
        return withOptionalCString(crumb.type) { type in
            withOptionalCString(crumb.category) { category in
                withOptionalCString(crumb.message) { message in
                    c.type = type
                    c.category = category
                    c.message = message
                    let n = crumb.data.count
                    if n == 0 { return csc_scope_add_breadcrumb(scope, &c) }
                    return withUnsafeTemporaryAllocation(of: csc_kv_t.self, capacity: n) { kvs in
                        fill(0, crumb.data.entries, kvs, &c, scope)
                    }
                }
            }
        }
    }

    /// Pins entry `i`'s strings, fills `kvs[i]`, recurses; calls the core after the last one.
    private static func fill(_ i: Int, _ entries: [(String, JSON)],
                             _ kvs: UnsafeMutableBufferPointer<csc_kv_t>,
                             _ crumb: UnsafeMutablePointer<csc_breadcrumb_t>, _ scope: OpaquePointer) -> Int32 {
        if i == entries.count {
            crumb.pointee.data = UnsafePointer(kvs.baseAddress)
            crumb.pointee.data_count = entries.count
            let rc = csc_scope_add_breadcrumb(scope, crumb)
            for k in 0..<entries.count where kvs[k].type == CSC_KV_JSON {
                json_decref(kvs[k].v.json)
            }
            return rc
        }
        let (key, value) = entries[i]
        return key.withCString { kp in
            var kv = csc_kv_t()
            kv.key = kp
            kv.key_len = key.utf8.count
            switch value {
            case .string(let s):
                return s.withCString { sp in
                    kv.type = CSC_KV_STRING
                    kv.v.s = sp
                    kv.s_len = s.utf8.count
                    (kvs.baseAddress! + i).initialize(to: kv)
                    return fill(i + 1, entries, kvs, crumb, scope)
                }
            case .int(let v):
                kv.type = CSC_KV_INT
                kv.v.i = v
            case .double(let d) where d.isFinite:
                kv.type = CSC_KV_DOUBLE
                kv.v.d = d
            case .bool(let b):
                kv.type = CSC_KV_BOOL
                kv.v.b = b
            case .null:
                kv.type = CSC_KV_NULL
            default:
                kv.type = CSC_KV_JSON
                kv.v.json = value.makeJansson()
            }
            (kvs.baseAddress! + i).initialize(to: kv)
            return fill(i + 1, entries, kvs, crumb, scope)
        }
    }
}
