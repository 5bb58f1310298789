/// What a symbol's mangled name tells about where the code comes from.
enum SwiftSymbolName {
    /// The Swift module a mangled symbol belongs to: `$s6Sentry...` is `Sentry`, `$ss...` is the
    /// standard library (`Swift`), `$sSo...`/`$sSC...` are imported C declarations (`__C`).
    /// `nil` for C/C++ symbols and anything not understood.
    static func module(ofMangled raw: String) -> String? {
        var s = Substring(raw)
        if s.hasPrefix("_") { s = s.dropFirst() }
        guard s.hasPrefix("$s") || s.hasPrefix("$S") || s.hasPrefix("$e") else { return nil }
        s = s.dropFirst(2)
        guard let first = s.first else { return nil }
        if first == "s" { return "Swift" }  // the standard library's substitution
        if s.hasPrefix("So") || s.hasPrefix("SC") { return "__C" }
        guard first.isASCII, first.isNumber else { return nil }
        let digits = s.prefix { $0.isASCII && $0.isNumber }
        guard let length = Int(digits), length > 0 else { return nil }
        let rest = s.dropFirst(digits.count)
        guard rest.utf8.count >= length else { return nil }
        return String(decoding: rest.utf8.prefix(length), as: UTF8.self)
    }

    /// `Foo.(unknown context at $5581ab12).Bar` -> `Foo.Bar`: private and local types carry an
    /// address that changes with every build, which would split issues in Sentry.
    static func stableTypeName(_ name: String) -> String {
        guard name.contains("(unknown context at ") else { return name }
        var out = ""
        var rest = Substring(name)
        while let r = rest.firstRange(of: "(unknown context at ") {
            out += rest[..<r.lowerBound]
            rest = rest[r.upperBound...]
            if let close = rest.firstIndex(of: ")") {
                rest = rest[rest.index(after: close)...]
                if rest.first == "." { rest = rest.dropFirst() }
            }
        }
        return out + rest
    }
}
