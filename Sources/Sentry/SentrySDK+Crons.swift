import CScopeCore

/// The status of a cron monitor's check-in.
public enum CheckInStatus: String, Sendable, Hashable {
    /// The job started (close it with `.ok` or `.error` and the same check-in id).
    case inProgress = "in_progress"
    /// The job finished successfully.
    case ok
    /// The job failed.
    case error

    var cStatus: csc_check_in_status_t {
        switch self {
        case .inProgress: CSC_CHECK_IN_IN_PROGRESS
        case .ok: CSC_CHECK_IN_OK
        case .error: CSC_CHECK_IN_ERROR
        }
    }
}

/// A cron monitor's configuration, sent with check-ins so that Sentry creates or updates the
/// monitor ("upsert").
///
/// ```swift
/// let config = MonitorConfig(schedule: .crontab("0 3 * * *"), checkinMargin: 5, maxRuntime: 30,
///                            timezone: "Europe/Vienna")
/// ```
public struct MonitorConfig: Sendable, Hashable {
    /// When the job is expected to run.
    public enum Schedule: Sendable, Hashable {
        /// A crontab expression: five fields (minute, hour, day of month, month, day of week;
        /// `*`, lists, ranges, steps, month and weekday names) or `@yearly`, `@monthly`,
        /// `@weekly`, `@daily`, `@hourly`.
        case crontab(String)
        /// Every `value` units (`value` ≥ 1).
        case interval(Int, IntervalUnit)
    }

    /// The unit of an interval schedule.
    public enum IntervalUnit: String, Sendable, Hashable, CaseIterable {
        case minute, hour, day, week, month, year
    }

    /// When the job is expected to run.
    public var schedule: Schedule
    /// Minutes after the expected time before a missing check-in counts as missed.
    public var checkinMargin: Int?
    /// Minutes a check-in may stay in progress before it counts as timed out.
    public var maxRuntime: Int?
    /// The tz database name of the schedule's time zone (`nil`: UTC).
    public var timezone: String?
    /// Consecutive failed check-ins that open an issue.
    public var failureIssueThreshold: Int?
    /// Consecutive successful check-ins that resolve it.
    public var recoveryThreshold: Int?

    /// A configuration; the optional settings are left to Sentry's defaults when `nil`.
    public init(
        schedule: Schedule, checkinMargin: Int? = nil, maxRuntime: Int? = nil, timezone: String? = nil,
        failureIssueThreshold: Int? = nil, recoveryThreshold: Int? = nil
    ) {
        self.schedule = schedule
        self.checkinMargin = checkinMargin
        self.maxRuntime = maxRuntime
        self.timezone = timezone
        self.failureIssueThreshold = failureIssueThreshold
        self.recoveryThreshold = recoveryThreshold
    }
}

/// Why a check-in was not sent.
public enum CheckInError: Error, Sendable, Hashable {
    /// The slug is empty or longer than 50 characters once slugified (lower-case letters,
    /// digits, `-`, `_`; other characters become `-`, as Sentry does).
    case invalidSlug(String)
    /// The duration is negative.
    case invalidDuration(Duration)
    /// The configuration is invalid: an unparseable crontab, an interval below 1, a negative
    /// number, or a time zone that is not a tz database name.
    case invalidConfig(MonitorConfig)
    /// The check-in id to close is not an id the SDK returned.
    case invalidCheckInId(SentryId)
}

/// Cron monitors: check-ins. See <doc:ReleaseHealthAndCrons>.
extension SentrySDK {
    /// Sends a check-in of the monitor `monitorSlug` and returns its id.
    ///
    /// Pass the id of an `.inProgress` check-in as `checkInId` to close it with `.ok` or
    /// `.error`. The check-in carries the trace of the calling task's scopes, the release and the
    /// environment; it is not passed to ``SentryOptions/beforeSend`` and is rate limited in the
    /// `monitor` category. It returns in a few microseconds: the transport sends it.
    ///
    /// - Returns: the check-in id, or ``SentryId/empty`` when the SDK is not started.
    /// - Throws: ``CheckInError`` for an invalid slug, duration, configuration or id.
    @discardableResult
    public static func captureCheckIn(
        monitorSlug: String, status: CheckInStatus, duration: Duration? = nil,
        config: MonitorConfig? = nil, checkInId: SentryId? = nil
    ) throws(CheckInError) -> SentryId {
        var seconds = Double.nan  // CSC_NO_DURATION
        if let duration {
            if duration < .zero { throw .invalidDuration(duration) }
            let (s, atto) = duration.components
            seconds = Double(s) + Double(atto) / 1e18
        }
        var id = [CChar](repeating: 0, count: 33)
        if let checkInId {
            let hex = checkInId.hexString.utf8CString
            guard hex.count == 33 else { throw .invalidCheckInId(checkInId) }
            id = Array(hex)
        }
        let rc = withMonitorConfig(config) { cfg in
            csc_capture_check_in(monitorSlug, status.cStatus, seconds, cfg, &id)
        }
        if rc == CSC_OK.rawValue { return SentryId(cBuffer: id) ?? .empty }
        if rc != CSC_ERR_INVALID.rawValue { return .empty }
        // tell the caller which input was rejected
        if let config, !config.isValid { throw .invalidConfig(config) }
        if let checkInId { throw .invalidCheckInId(checkInId) }
        throw .invalidSlug(monitorSlug)
    }

    /// Runs `body` as one run of the monitored job `slug`: sends `in_progress`, then `ok` with
    /// the duration when `body` returns, or `error` with the duration when it throws (also for
    /// a cancellation), and rethrows. The job runs even when the check-in cannot be sent (an
    /// invalid slug or configuration: use ``captureCheckIn(monitorSlug:status:duration:config:checkInId:)``
    /// once to see the ``CheckInError``).
    ///
    /// ```swift
    /// try SentrySDK.withMonitor(slug: "nightly-backup", config: MonitorConfig(schedule: .crontab("0 3 * * *"))) {
    ///     try backup()
    /// }
    /// ```
    @discardableResult
    public static func withMonitor<R, E: Error>(
        slug: String, config: MonitorConfig? = nil,
        _ body: () throws(E) -> R
    ) throws(E) -> R {
        let run = MonitorRun(slug: slug, config: config)
        do throws(E) {
            let result = try body()
            run.finish(.ok)
            return result
        } catch {
            run.finish(.error)
            throw error
        }
    }

    /// Runs `body` as one run of the monitored job `slug` (async variant; runs on the caller's
    /// actor). Cancellation counts as `error`. See ``withMonitor(slug:config:_:)-7nfx0``.
    @discardableResult
    nonisolated(nonsending)
        public static func withMonitor<R, E: Error>(
            slug: String, config: MonitorConfig? = nil,
            _ body: nonisolated(nonsending) () async throws(E) -> R
        ) async throws(E) -> R
    {
        let run = MonitorRun(slug: slug, config: config)
        do throws(E) {
            let result = try await body()
            run.finish(Task.isCancelled ? .error : .ok)
            return result
        } catch {
            run.finish(.error)
            throw error
        }
    }

    static func withMonitorConfig<T>(_ config: MonitorConfig?, _ body: (UnsafePointer<csc_monitor_config_t>?) -> T) -> T
    {
        guard let config else { return body(nil) }
        var c = csc_monitor_config_t()
        func minutes(_ v: Int?) -> UInt32? {
            guard let v else { return 0 }
            return v >= 1 && v <= Int(UInt32.max) ? UInt32(v) : nil
        }
        guard let margin = minutes(config.checkinMargin), let runtime = minutes(config.maxRuntime),
            let failures = minutes(config.failureIssueThreshold), let recoveries = minutes(config.recoveryThreshold)
        else {
            c.schedule_type = csc_schedule_type_t(rawValue: 99)  // rejected by the core
            return body(&c)
        }
        c.checkin_margin = margin
        c.max_runtime = runtime
        c.failure_issue_threshold = failures
        c.recovery_threshold = recoveries
        let units: [MonitorConfig.IntervalUnit: csc_interval_unit_t] = [
            .minute: CSC_INTERVAL_MINUTE, .hour: CSC_INTERVAL_HOUR, .day: CSC_INTERVAL_DAY,
            .week: CSC_INTERVAL_WEEK, .month: CSC_INTERVAL_MONTH, .year: CSC_INTERVAL_YEAR,
        ]
        return withOptionalCString(config.timezone) { tz in
            c.timezone = tz
            switch config.schedule {
            case .crontab(let text):
                c.schedule_type = CSC_SCHEDULE_CRONTAB
                return text.withCString { p in
                    c.crontab = p
                    return body(&c)
                }
            case .interval(let value, let unit):
                c.schedule_type = CSC_SCHEDULE_INTERVAL
                c.interval_value = value >= 1 && value <= Int(UInt32.max) ? UInt32(value) : 0
                c.interval_unit = units[unit] ?? CSC_INTERVAL_MINUTE
                return body(&c)
            }
        }
    }
}

extension MonitorConfig {
    /// What the core accepts (the same checks as `csc_capture_check_in`).
    var isValid: Bool {
        for v in [checkinMargin, maxRuntime, failureIssueThreshold, recoveryThreshold] {
            if let v, v < 1 { return false }
        }
        switch schedule {
        case .crontab(let text): return csc_crontab_valid(text) && timezoneValid
        case .interval(let v, _): return v >= 1 && timezoneValid
        }
    }

    private var timezoneValid: Bool {
        guard let tz = timezone else { return true }
        return !tz.isEmpty && tz.utf8.count <= 64
            && tz.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_/+-".unicodeScalars.contains($0))
            }
    }
}

/// One monitored run: the in_progress check-in and the clock.
struct MonitorRun {
    let slug: String
    let config: MonitorConfig?
    let id: SentryId
    let start: ContinuousClock.Instant

    init(slug: String, config: MonitorConfig?) {
        self.slug = slug
        self.config = config
        start = .now
        // an invalid slug or configuration: the job still runs, unmonitored
        id = (try? SentrySDK.captureCheckIn(monitorSlug: slug, status: .inProgress, config: config)) ?? .empty
    }

    func finish(_ status: CheckInStatus) {
        guard id != .empty else { return }
        _ = try? SentrySDK.captureCheckIn(
            monitorSlug: slug, status: status, duration: ContinuousClock.now - start,
            config: config, checkInId: id)
    }
}
