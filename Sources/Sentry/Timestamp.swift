#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
internal import CScopeCoreSPI

/// ISO-8601 timestamps as Sentry sends them: `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds).
///
/// Formatting and parsing are the C core's (`csc_timestamp_format` / `csc_timestamp_parse`),
/// so a breadcrumb's time reads the same whether the core or the overlay wrote it.
enum Timestamp {
    /// Microseconds since the Unix epoch for `date`.
    static func micros(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The date for microseconds since the Unix epoch.
    static func date(micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    static func format(micros: Int64) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buf in
            let n = csc_timestamp_format(micros, buf.baseAddress!)
            return String(decoding: UnsafeRawBufferPointer(start: buf.baseAddress!, count: n), as: UTF8.self)
        }
    }

    /// Parses `YYYY-MM-DD[(T| )HH:MM[:SS][.f+][Z|±HH:MM|±HHMM]]` (no offset = UTC). `nil` if malformed.
    static func parse(_ text: String) -> Int64? {
        var us: Int64 = 0
        return csc_timestamp_parse(text, &us) ? us : nil
    }
}
