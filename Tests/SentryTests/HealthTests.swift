import Foundation
import Sentry
import SentryTestKit
import Testing

/// The payloads of the items of `type` the transport received, parsed.
private func items(_ transport: InMemoryTransport, _ type: String) -> [[String: Any]] {
    transport.envelopes.flatMap(\.items).filter { $0.type == type }.compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.payload)) as? [String: Any]
    }
}

/// The request-mode counts of every `sessions` item, summed over the minutes.
private func counts(_ transport: InMemoryTransport) -> [String: Int] {
    var total: [String: Int] = [:]
    for item in items(transport, "sessions") {
        for aggregate in item["aggregates"] as? [[String: Any]] ?? [] {
            for (k, v) in aggregate where k != "started" { total[k, default: 0] += v as? Int ?? 0 }
        }
    }
    return total
}

extension SDKTests {
    @Test func requestSessionsCountOutcomesAsSentryPython() async throws {
        try await withStartedSDK { transport in
            SentrySDK.withRequestSession { _ in }  // exited
            SentrySDK.withRequestSession { _ in SentrySDK.capture(error: TestError(code: 1)) }  // errored
            #expect(throws: TestError.self) {
                try SentrySDK.withRequestSession { (_: Scope) throws(TestError) in throw TestError(code: 2) }  // crashed
            }
            await SentrySDK.withRequestSession { _ in
                await Task.yield()
                SentrySDK.capture(message: "only a message", level: .error)  // exited
            }
            await #expect(throws: CancellationError.self) {
                try await SentrySDK.withRequestSession { _ in
                    await Task.yield(); throw CancellationError()
                }  // exited, no capture
            }
            #expect(SentrySDK.flush(timeout: .seconds(2)))
            #expect(counts(transport) == ["exited": 3, "errored": 1, "crashed": 1])
            let unhandled = transport.events.compactMap { $0.exceptions.first }.filter {
                $0["mechanism"]?["handled"] == false
            }
            #expect(unhandled.count == 1)
            let attrs = try #require(items(transport, "sessions").first?["attrs"] as? [String: String])
            #expect(attrs == ["release": "test@1.0", "environment": "production"])
        }
    }

    @Test func noReleaseOrTrackingOffMeansNoSessions() async throws {
        await withStartedSDK({ $0.release = nil }) { transport in
            SentrySDK.withRequestSession { _ in }
            #expect(!SentrySDK.startSession())
            SentrySDK.close()
            #expect(items(transport, "sessions").isEmpty)
        }
        await withStartedSDK({ $0.autoSessionTracking = false }) { transport in
            SentrySDK.withRequestSession { _ in }
            SentrySDK.close()
            #expect(items(transport, "sessions").isEmpty)
        }
    }

    @Test func applicationSessionFromStartToClose() async throws {
        await withStartedSDK({ $0.sessionMode = .application }) { transport in
            #expect(!SentrySDK.startSession())  // already running
            SentrySDK.capture(error: TestError(code: 3))
            SentrySDK.close()
            let sessions = items(transport, "session")
            #expect(sessions.count == 1)
            #expect(sessions.first?["status"] as? String == "exited")
            #expect(sessions.first?["errors"] as? Int == 1)
            #expect(sessions.first?["init"] as? Bool == true)
        }
    }

    @Test func checkInsAndMonitors() async throws {
        try await withStartedSDK({ $0.beforeSend = { _ in nil } }) { transport in  // check-ins skip beforeSend
            let config = MonitorConfig(
                schedule: .crontab("0 3 * * *"), checkinMargin: 5, maxRuntime: 30,
                timezone: "Europe/Vienna", failureIssueThreshold: 2, recoveryThreshold: 1)
            let id = try SentrySDK.captureCheckIn(monitorSlug: "nightly", status: .inProgress, config: config)
            #expect(id != .empty && id.hexString.count == 32)
            let same = try SentrySDK.captureCheckIn(
                monitorSlug: "nightly", status: .ok, duration: .milliseconds(1500), checkInId: id)
            #expect(same == id)
            let value = SentrySDK.withMonitor(slug: "Hourly Job", config: MonitorConfig(schedule: .interval(1, .hour)))
            { 42 }
            #expect(value == 42)
            #expect(throws: TestError.self) {
                try SentrySDK.withMonitor(slug: "failing") { () throws(TestError) in throw TestError(code: 4) }
            }
            await #expect(throws: CancellationError.self) {
                try await SentrySDK.withMonitor(slug: "cancelled") {
                    await Task.yield(); throw CancellationError()
                }
            }  // a CancellationError thrown; below a real cancellation of the task
            let task = Task {
                try await SentrySDK.withMonitor(slug: "cancelled-2") { try await Task.sleep(for: .seconds(30)) }
            }
            task.cancel()
            _ = await task.result
            let checkIns = items(transport, "check_in")
            let summary = checkIns.map { "\($0["monitor_slug"] as? String ?? "?"):\($0["status"] as? String ?? "?")" }
            #expect(
                summary == [
                    "nightly:in_progress", "nightly:ok", "hourly-job:in_progress", "hourly-job:ok",
                    "failing:in_progress", "failing:error", "cancelled:in_progress", "cancelled:error",
                    "cancelled-2:in_progress", "cancelled-2:error",
                ])
            #expect((checkIns[1]["duration"] as? Double).map { abs($0 - 1.5) < 1e-9 } == true)
            #expect(checkIns[3]["duration"] as? Double != nil)
            let sent = checkIns[0]["monitor_config"] as? [String: Any]
            #expect((sent?["schedule"] as? [String: String]) == ["type": "crontab", "value": "0 3 * * *"])
            #expect(sent?["timezone"] as? String == "Europe/Vienna")
            #expect(sent?["failure_issue_threshold"] as? Int == 2)
            let interval = checkIns[2]["monitor_config"] as? [String: Any]
            #expect((interval?["schedule"] as? [String: Any])?["unit"] as? String == "hour")
            #expect(
                ((checkIns[0]["contexts"] as? [String: Any])?["trace"] as? [String: Any])?["trace_id"] as? String != nil
            )
        }
    }

    @Test func checkInBadInput() async throws {
        #expect(try SentrySDK.captureCheckIn(monitorSlug: "job", status: .ok) == .empty)  // not started
        await withStartedSDK { transport in
            #expect(throws: CheckInError.invalidSlug("")) { try SentrySDK.captureCheckIn(monitorSlug: "", status: .ok) }
            let huge = String(repeating: "x", count: 10 * 1024)
            #expect(throws: CheckInError.invalidSlug(huge)) {
                try SentrySDK.captureCheckIn(monitorSlug: huge, status: .ok)
            }
            #expect(throws: CheckInError.invalidDuration(.seconds(-1))) {
                try SentrySDK.captureCheckIn(monitorSlug: "job", status: .ok, duration: .seconds(-1))
            }
            let badCron = MonitorConfig(schedule: .crontab("every night"))
            #expect(throws: CheckInError.invalidConfig(badCron)) {
                try SentrySDK.captureCheckIn(monitorSlug: "job", status: .ok, config: badCron)
            }
            let badInterval = MonitorConfig(schedule: .interval(0, .day))
            #expect(throws: CheckInError.invalidConfig(badInterval)) {
                try SentrySDK.captureCheckIn(monitorSlug: "job", status: .ok, config: badInterval)
            }
            let badMargin = MonitorConfig(schedule: .interval(1, .day), checkinMargin: -5)
            #expect(throws: CheckInError.invalidConfig(badMargin)) {
                try SentrySDK.captureCheckIn(monitorSlug: "job", status: .ok, config: badMargin)
            }
            let badId = SentryId(hexString: "xyz")
            #expect(throws: CheckInError.invalidCheckInId(badId)) {
                try SentrySDK.captureCheckIn(monitorSlug: "job", status: .ok, checkInId: badId)
            }
            // a slug with spaces is slugified, as Sentry does
            let id = try? SentrySDK.captureCheckIn(monitorSlug: "My Nightly Job", status: .ok)
            #expect(id != nil && id != .empty)
            // a monitor whose check-in cannot be sent still runs the job
            #expect(SentrySDK.withMonitor(slug: "", config: badCron) { 7 } == 7)
            let slugs = items(transport, "check_in").compactMap { $0["monitor_slug"] as? String }
            #expect(slugs == ["my-nightly-job"])
        }
    }
}
