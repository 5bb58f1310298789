import CScopeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Conversion between ``SentryJSON`` and jansson's `json_t` (the core's value type).
extension SentryJSON {
    /// A new jansson value (the caller owns the reference). Non-finite doubles become the
    /// strings `"nan"`, `"inf"` and `"-inf"`, as the Python SDK's serializer does.
    func makeJansson() -> UnsafeMutablePointer<json_t>? {
        switch self {
        case .null:
            return json_null()
        case .bool(let b):
            return b ? json_true() : json_false()
        case .int(let i):
            return json_integer(json_int_t(i))
        case .double(let d):
            if d.isFinite { return json_real(d) }
            return SentryJSON.string(d.isNaN ? "nan" : (d < 0 ? "-inf" : "inf")).makeJansson()
        case .string(let s):
            return makeJanssonString(s)
        case .array(let a):
            guard let arr = json_array() else { return nil }
            for v in a { json_array_append_new(arr, v.makeJansson()) }
            return arr
        case .object(let o):
            return o.makeJansson()
        }
    }

    /// Reads a jansson value (borrowed; `nil` gives `.null`).
    init(jansson value: UnsafePointer<json_t>?) {
        guard let value else { self = .null; return }
        let p = UnsafeMutablePointer(mutating: value)
        switch value.pointee.type {
        case JSON_OBJECT:
            self = .object(SentryJSONObject(jansson: value))
        case JSON_ARRAY:
            let n = json_array_size(p)
            var out: [SentryJSON] = []
            out.reserveCapacity(n)
            for i in 0..<n { out.append(SentryJSON(jansson: json_array_get(p, i))) }
            self = .array(out)
        case JSON_STRING:
            self = .string(janssonStringValue(p))
        case JSON_INTEGER:
            self = .int(Int64(json_integer_value(p)))
        case JSON_REAL:
            self = .double(json_real_value(p))
        case JSON_TRUE:
            self = .bool(true)
        case JSON_FALSE:
            self = .bool(false)
        default:
            self = .null
        }
    }

    /// Parses JSON text. `nil` when it is not valid JSON.
    public init?(parsing text: String) {
        var text = text
        guard let parsed = text.withUTF8(Self.janssonParse) else { return nil }
        defer { json_decref(parsed) }
        self.init(jansson: parsed)
    }

    /// Parses JSON bytes (UTF-8). `nil` when they are not valid JSON.
    public init?(parsing bytes: [UInt8]) {
        guard let parsed = bytes.withUnsafeBufferPointer(Self.janssonParse) else { return nil }
        defer { json_decref(parsed) }
        self.init(jansson: parsed)
    }

    /// jansson's parse of UTF-8 bytes (any JSON value, NUL allowed in strings); the caller
    /// releases the result.
    private static func janssonParse(_ buf: UnsafeBufferPointer<UInt8>) -> UnsafeMutablePointer<json_t>? {
        json_loadb(
            buf.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, buf.count,
            size_t(JSON_DECODE_ANY | JSON_ALLOW_NUL), nil)
    }

    /// JSON text: compact by default, else indented by `indent` spaces (1 to 31); object keys in
    /// insertion order unless `sortedKeys`. Non-ASCII characters are written as UTF-8.
    public func serialized(sortedKeys: Bool = false, indent: Int = 0) -> String {
        guard let j = makeJansson() else { return "null" }
        defer { json_decref(j) }
        return janssonDump(j, sortedKeys: sortedKeys, indent: indent)
    }
}

extension SentryJSONObject {
    /// A new jansson object (the caller owns the reference).
    func makeJansson() -> UnsafeMutablePointer<json_t>? {
        guard let obj = json_object() else { return nil }
        for (key, value) in entries {
            var key = key
            key.withUTF8 { k in
                _ = json_object_setn_new_nocheck(
                    obj,
                    k.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? CString.empty,
                    k.count, value.makeJansson())
            }
        }
        return obj
    }

    /// Reads a jansson object (borrowed); a non-object gives an empty object.
    init(jansson value: UnsafePointer<json_t>?) {
        self.init()
        guard let value, value.pointee.type == JSON_OBJECT else { return }
        let p = UnsafeMutablePointer(mutating: value)
        entries.reserveCapacity(json_object_size(p))
        var it = json_object_iter(p)
        while let iter = it {
            let keyPtr = json_object_iter_key(iter)!
            let keyLen = json_object_iter_key_len(iter)
            let key = keyPtr.withMemoryRebound(to: UInt8.self, capacity: keyLen) {
                String(decoding: UnsafeBufferPointer(start: $0, count: keyLen), as: UTF8.self)
            }
            entries.append((key, SentryJSON(jansson: json_object_iter_value(iter))))
            it = json_object_iter_next(p, iter)
        }
    }
}

/// A new jansson string from a Swift string (the caller owns it; no UTF-8 check needed: Swift
/// strings are valid UTF-8). May contain NUL characters.
func makeJanssonString(_ string: String) -> UnsafeMutablePointer<json_t>? {
    var string = string
    return string.withUTF8 { json_stringn_nocheck(CString.pointer($0), $0.count) }
}

/// A jansson string's value as a Swift string (may contain NUL characters).
func janssonStringValue(_ p: UnsafeMutablePointer<json_t>) -> String {
    guard let s = json_string_value(p) else { return "" }
    let n = json_string_length(p)
    return s.withMemoryRebound(to: UInt8.self, capacity: n) {
        String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
    }
}

/// Compact text of a jansson value.
func janssonDump(_ j: UnsafeMutablePointer<json_t>, sortedKeys: Bool = false, indent: Int = 0) -> String {
    // JSON_INDENT(n) is a function-like macro: the indent is the low five bits of the flags.
    var flags = indent > 0 ? size_t(min(indent, 31)) | size_t(JSON_ENCODE_ANY) : size_t(JSON_COMPACT | JSON_ENCODE_ANY)
    if sortedKeys { flags |= size_t(JSON_SORT_KEYS) }
    guard let c = json_dumps(j, flags) else { return "null" }
    defer { free(c) }
    return String(cString: c)
}

/// Replaces the contents of the jansson object `target` with `object` (in place, keeping identity).
func janssonReplaceObject(_ target: UnsafeMutablePointer<json_t>, with object: SentryJSONObject) {
    json_object_clear(target)
    if let new = object.makeJansson() {
        json_object_update(target, new)
        json_decref(new)
    }
}
