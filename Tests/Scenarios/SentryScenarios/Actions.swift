import Sentry

/// The declarative callbacks of scenario files (event processors, `before_send`, `before_breadcrumb`),
/// with the oracle's semantics.
enum Actions {
    /// `{"drop": true}`, `{"drop_if_message": M}`, `{"append_tag": [K, S]}`, `{"set_tag": [K, V]}`,
    /// applied in this order.
    static func eventCallback(_ action: SentryJSONObject) -> @Sendable (Event) -> Event? {
        { event in
            if action["drop"].map(pythonTruthy) == true { return nil }
            if let m = action["drop_if_message"], !m.isNull, event.raw["message"] == m { return nil }
            var event = event
            if let pair = action["append_tag"]?.arrayValue, pair.count == 2, let key = pair[0].stringValue {
                var tags = event.raw["tags"]?.objectValue ?? [:]
                let old = tags[key].map { pythonTruthy($0) ? pythonStr($0) : "" } ?? ""
                tags[key] = .string(old + pythonStr(pair[1]))
                event.raw["tags"] = .object(tags)
            }
            if let pair = action["set_tag"]?.arrayValue, pair.count == 2, let key = pair[0].stringValue {
                switch event.raw["tags"] {
                case nil:
                    event.raw["tags"] = .object([key: pair[1]])
                case .object(var tags):
                    tags[key] = pair[1]
                    event.raw["tags"] = .object(tags)
                default:
                    break
                }
            }
            return event
        }
    }

    /// `traces_sampler` `{"rates": {NAME: rate}, "default": rate, "inherit_parent": bool, "custom_key": K}`:
    /// the parent's decision (with inherit_parent), else the custom sampling context's value
    /// under K, else the rate for the name, else `default` (0).
    static func sampler(_ spec: SentryJSONObject) -> @Sendable (SamplingContext) -> Double {
        { ctx in
            if spec["inherit_parent"]?.boolValue == true, let parent = ctx.parentSampled { return parent ? 1 : 0 }
            if let key = spec["custom_key"]?.stringValue, let v = ctx.customSamplingContext[key] {
                return v.doubleValue ?? v.boolValue.map { $0 ? 1 : 0 } ?? .nan
            }
            if let rate = spec["rates"]?[ctx.name]?.doubleValue { return rate }
            return spec["default"]?.doubleValue ?? 0
        }
    }

    /// `{"drop_category": C, "append_message": S}`.
    static func breadcrumbCallback(_ action: SentryJSONObject) -> @Sendable (Breadcrumb) -> Breadcrumb? {
        { crumb in
            if let c = action["drop_category"], !c.isNull, crumb.category.map(SentryJSON.string) == c { return nil }
            var crumb = crumb
            if let s = action["append_message"] {
                crumb.message = (crumb.message ?? "") + pythonStr(s)
            }
            return crumb
        }
    }

    /// Python's truthiness of a SentryJSON value.
    static func pythonTruthy(_ v: SentryJSON) -> Bool {
        switch v {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }

    /// Python's `str()` of a scalar SentryJSON value (containers fall back to JSON text).
    static func pythonStr(_ v: SentryJSON) -> String {
        switch v {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e16 ? String(format1: d) : String(d)
        case .string(let s): return s
        default: return v.serialized()
        }
    }
}

private extension String {
    /// `1.0`-style text of an integral double, as Python prints it.
    init(format1 d: Double) { self = String(Int64(d)) + ".0" }
}
