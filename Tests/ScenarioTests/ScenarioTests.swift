import Sentry
import SentryTestKit
import SentryScenarios
import Testing

/// Runs the scenario files of Tests/Scenarios through the Swift API and compares the result with
/// the Python SDK's output (made by Tests/Scenarios/oracle, scripts/regenerate-scenarios.sh), ignoring `"__meta__"`.
@Suite(.serialized) struct ScenarioTests {
    /// Scenarios whose difference is deliberate, with the reason (also in the README's table of
    /// intended differences). Each still runs; only these named scenarios may differ.
    static let knownDifferences: [String: String] = [
        "transaction_name_stays_on_scope_after":
            "withTransaction binds the transaction through a fork of the current scope (Swift concurrency); "
            + "Python's start_transaction writes the name into the current scope itself, where it stays after the transaction"
    ]

    static let scenarioDirectory: String = {
        // #filePath = <root>/Tests/ScenarioTests/ScenarioTests.swift
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        return parts.joined(separator: "/") + "/Scenarios"
    }()

    /// Sets compared with missing = null = empty (`compare.py --loose-empty`): the tracing
    /// scenarios, where sentry-python writes `"data": {}`, `"tags": {}` or nulls that this SDK
    /// leaves out.
    static let looseSets: Set<String> = ["tracing", "tracing-sample"]

    @Test(arguments: ["scope", "sample", "tracing", "tracing-sample"])
    func scenariosMatchThePythonSDK(set: String) async throws {
        let file = try ScenarioFile(path: "\(Self.scenarioDirectory)/\(set)-scenarios.json")
        let expected = try #require(
            SentryJSON(parsing: readFile("\(Self.scenarioDirectory)/\(set)-expected.json"))?.objectValue)
        let actual = try await SentryTestSupport.withExclusiveSDK { try ScenarioRunner.run(file) }
        #expect(file.scenarios.count == expected.count - 1, "every scenario has an expected result")
        let loose = Self.looseSets.contains(set)
        let differing = ScenarioComparison.differing(expected: expected, actual: actual, looseEmpty: loose)
        let unexpected = differing.filter { Self.knownDifferences[$0] == nil }
        for name in unexpected {
            let details =
                loose
                ? ScenarioComparison.differences(
                    expected[name].map(ScenarioComparison.loose), actual[name].map(ScenarioComparison.loose), path: name
                )
                : ScenarioComparison.differences(expected[name], actual[name], path: name)
            let lines: String = details.joined(separator: "\n  ")
            Issue.record("scenario \(name) differs:\n  \(lines)")
        }
        let passed = file.scenarios.count - differing.count
        print(
            "\(set)-scenarios: \(passed) passed, \(differing.count) failed\(differing.isEmpty ? "" : ": " + differing.joined(separator: ", "))"
        )
        #expect(unexpected.isEmpty, "differing scenarios: \(unexpected)")
    }
}
