import Foundation

/// Whether this is one of scripts/test-swift.sh's ThreadSanitizer or AddressSanitizer runs
/// (`SENTRY_SANITIZER_RUN=thread|address`). A few stack-content checks are left to the plain
/// run: once under TSan, with other suites running in parallel, the innermost frame of a capture
/// came out without file and line and two captures from one call site differed (not reproduced
/// in isolation; see the CHANGELOG).
let sanitizerRun = ProcessInfo.processInfo.environment["SENTRY_SANITIZER_RUN"] != nil
