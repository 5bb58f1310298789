import CScopeCore

/// The severity of an event or a breadcrumb.
public enum SentryLevel: String, Sendable, Hashable, CaseIterable {
    /// Debugging information.
    case debug
    /// Informational (the default level of a captured message).
    case info
    /// A warning.
    case warning
    /// An error (the default level of a captured error).
    case error
    /// A fatal error.
    case fatal

    /// The core's level constant.
    var cLevel: csc_level_t {
        switch self {
        case .debug: return CSC_LEVEL_DEBUG
        case .info: return CSC_LEVEL_INFO
        case .warning: return CSC_LEVEL_WARNING
        case .error: return CSC_LEVEL_ERROR
        case .fatal: return CSC_LEVEL_FATAL
        }
    }

    /// The level for a core constant; `nil` for `CSC_LEVEL_NONE` or unknown values.
    init?(_ level: csc_level_t) {
        switch level {
        case CSC_LEVEL_DEBUG: self = .debug
        case CSC_LEVEL_INFO: self = .info
        case CSC_LEVEL_WARNING: self = .warning
        case CSC_LEVEL_ERROR: self = .error
        case CSC_LEVEL_FATAL: self = .fatal
        default: return nil
        }
    }

    /// Parses a level name as Sentry accepts it: also `"warn"` and `"critical"` (= fatal).
    public init?(name: String) {
        switch name {
        case "debug": self = .debug
        case "info", "log": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        case "fatal", "critical": self = .fatal
        default: return nil
        }
    }
}

extension Optional where Wrapped == SentryLevel {
    /// The core's level constant (`CSC_LEVEL_NONE` for `nil`).
    var cLevel: csc_level_t { self?.cLevel ?? CSC_LEVEL_NONE }
}
