import Sentry
import Testing

@Suite struct ScopeDataTests {
    @Test func settersAreVisibleInTheScopeJSON() {
        let scope = Scope()
        scope.setTag("region", "eu")
        scope.setTag("retries", 3)
        scope.setExtra("payload", ["id": 7])
        scope.setUser(User(id: "42", email: "a@example.com", data: ["plan": "pro"]))
        scope.setLevel(.warning)
        scope.setTransaction("GET /x", source: .route)
        scope.setFingerprint(["{{ default }}", "x"])
        let j = scope.json
        #expect(j["tags"]?["region"] == "eu")
        #expect(j["tags"]?["retries"] == 3)
        #expect(j["extra"]?["payload"] == ["id": 7])
        #expect(j["user"] == ["id": "42", "email": "a@example.com", "plan": "pro"])
        #expect(scope.level == .warning)
        #expect(scope.user?.id == "42")
        #expect(scope.transaction == "GET /x")
        #expect(scope.transactionSource == .route)
        #expect(j["fingerprint"] == ["{{ default }}", "x"])
    }

    @Test func removeAndUnsetOnlyAffectThisScope() {
        let scope = Scope()
        scope.setTag("a", "1")
        scope.setExtra("e", 1)
        scope.setContext("c", ["k": "v"])
        scope.removeTag("a")
        scope.removeExtra("e")
        scope.removeContext("c")
        scope.removeTag("never-set")
        scope.setUser(User(id: "x"))
        scope.setUser(nil)
        scope.setLevel(nil)
        let j = scope.json
        #expect(j["tags"]?["a"] == nil)
        #expect(j["extra"]?["e"] == nil)
        #expect(j["contexts"]?["c"] == nil)
        #expect(scope.user == nil)
        #expect(scope.level == nil)
    }

    @Test func forkIsIndependentAndSharesTheTrace() {
        let parent = Scope()
        parent.setTag("shared", "p")
        let child = parent.fork()
        child.setTag("shared", "c")
        child.setTag("only_child", "1")
        parent.setTag("only_parent", "1")
        #expect(parent.json["tags"] == ["shared": "p", "only_parent": "1"])
        #expect(child.json["tags"] == ["shared": "c", "only_child": "1"])
        #expect(parent.traceId != nil)
        #expect(parent.traceId == child.traceId)
        #expect(Scope().traceId != parent.traceId)
    }

    @Test func clearRemovesDataAndTheTrace() {
        let scope = Scope()
        scope.setTag("a", "1")
        scope.setUser(User(id: "1"))
        scope.clear()
        #expect(scope.json["tags"] == nil || scope.json["tags"] == [:])
        #expect(scope.user == nil)
        #expect(scope.traceId == nil)
    }

    @Test func updateFromAppliesTheOtherScopeOnTop() {
        let base = Scope()
        base.setTag("k", "base")
        base.setTag("b", "1")
        base.setLevel(.info)
        let top = Scope()
        top.setTag("k", "top")
        top.setLevel(.error)
        base.update(from: top)
        #expect(base.json["tags"] == ["k": "top", "b": "1"])
        #expect(base.level == .error)
    }

    @Test func spanSlotHoldsTheSpan() async {
        await withStartedSDK({ $0.tracesSampleRate = 1 }) { _ in
            let scope = Scope()
            let tx = SentrySDK.startTransaction(name: "GET /x", operation: "http.server", source: .route)
            scope.span = tx
            #expect(scope.span?.spanId == tx.spanId)
            #expect(scope.json["transaction"] == "GET /x", "binding a transaction names the scope")
            scope.span = nil
            #expect(scope.span == nil)
            tx.finish()
        }
    }
}
