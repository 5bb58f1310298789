import Sentry

/// Compares result documents as `compare.py` does (SentryJSON equality: key order ignored,
/// `1 == 1.0`, booleans never equal numbers; `"__meta__"` ignored). With `looseEmpty`
/// (`compare.py --loose-empty`), an object key whose value is null, `{}` or `[]` counts as absent.
public enum ScenarioComparison {
    /// The names of the scenarios of `expected` that `actual` lacks or that differ, in `expected`'s order.
    public static func differing(expected: SentryJSONObject, actual: SentryJSONObject, looseEmpty: Bool = false)
        -> [String]
    {
        expected.keys.filter { name in
            guard name != "__meta__" else { return false }
            guard looseEmpty else { return actual[name] != expected[name] }
            return actual[name].map(loose) != expected[name].map(loose)
        }
    }

    /// `value` with every object key whose value is (after this) null, `{}` or `[]` removed.
    public static func loose(_ value: SentryJSON) -> SentryJSON {
        switch value {
        case .object(let o):
            var out = SentryJSONObject()
            for (k, v) in o {
                let l = loose(v)
                switch l {
                case .null: continue
                case .object(let x) where x.isEmpty: continue
                case .array(let x) where x.isEmpty: continue
                default: out[k] = l
                }
            }
            return .object(out)
        case .array(let a):
            return .array(a.map(loose))
        default:
            return value
        }
    }

    /// Path-level differences between two values (for messages), at most `limit`.
    public static func differences(_ expected: SentryJSON?, _ actual: SentryJSON?, path: String = "", limit: Int = 25)
        -> [String]
    {
        var out: [String] = []
        diff(expected, actual, path, &out, limit)
        return out
    }

    private static func diff(_ e: SentryJSON?, _ a: SentryJSON?, _ path: String, _ out: inout [String], _ limit: Int) {
        guard out.count < limit, e != a else { return }
        switch (e, a) {
        case (.object(let eo)?, .object(let ao)?):
            for k in eo.keys { diff(eo[k], ao[k], path + "." + k, &out, limit) }
            for k in ao.keys where eo[k] == nil { diff(nil, ao[k], path + "." + k, &out, limit) }
        case (.array(let ea)?, .array(let aa)?) where ea.count == aa.count:
            for i in ea.indices { diff(ea[i], aa[i], path + "[\(i)]", &out, limit) }
        default:
            out.append(
                "\(path): expected \(e.map { $0.serialized(sortedKeys: true) } ?? "<missing>"), got \(a.map { $0.serialized(sortedKeys: true) } ?? "<missing>")"
            )
        }
    }
}
