import CScopeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What `SentryOptions.tracesSampler` sees of a transaction about to start.
public struct SamplingContext: Sendable {
    /// The transaction's name.
    public let name: String
    /// The transaction's operation (`http.server`, ...).
    public let operation: String?
    /// The incoming trace's decision, `nil` when it made none (or there is no incoming trace).
    public let parentSampled: Bool?
    /// The incoming dynamic sampling context's `sample_rate`, when there is one.
    public let parentSampleRate: Double?
    /// The values passed as `customSamplingContext` to ``SentrySDK/startTransaction(name:operation:source:headers:sampled:customSamplingContext:)``.
    public let customSamplingContext: SentryJSONObject
}

/// Hands the tracing options to the core.
enum TracingOptionsBridge {
    static func apply(_ options: SentryOptions, to o: OpaquePointer, boxes: CallbackBoxes) {
        if let rate = options.tracesSampleRate {
            _ = csc_options_set_traces_sample_rate(o, rate.isNaN ? -1 : min(max(rate, 0), 1))
        }
        if let sampler = options.tracesSampler {
            _ = csc_options_set_traces_sampler(o, samplerTrampoline, boxes.keep(SamplerBox(sampler)))
        }
        if let bst = options.beforeSendTransaction {
            _ = csc_options_set_before_send_transaction(
                o, beforeSendTransactionTrampoline, boxes.keep(EventCallbackBox(bst)))
        }
        _ = csc_options_set_max_spans(o, max(1, min(options.maxSpans, Int(CSC_MAX_SPANS_LIMIT))))
        if let org = options.orgId { _ = csc_options_set_org_id(o, org) }
        _ = csc_options_set_strict_trace_continuation(o, options.strictTraceContinuation)
        _ = csc_options_set_propagate_traceparent(o, options.propagateTraceparent)
        if let targets = options.tracePropagationTargets {
            let owned = targets.map { strdup($0) }
            defer { owned.forEach { free($0) } }
            let pointers = owned.map { UnsafePointer<CChar>($0) }
            let rc = pointers.withUnsafeBufferPointer {
                csc_options_set_trace_propagation_targets(o, $0.baseAddress, $0.count)
            }
            if rc != CSC_OK.rawValue {
                options.logger?("tracePropagationTargets: a pattern does not compile; every URL gets trace headers")
            }
        }
    }
}

final class SamplerBox: Sendable {
    let body: @Sendable (SamplingContext) -> Double
    init(_ body: @escaping @Sendable (SamplingContext) -> Double) { self.body = body }
}

private func samplerTrampoline(_ ctx: UnsafePointer<csc_sampling_context_t>?, _ userData: UnsafeMutableRawPointer?)
    -> Double
{
    guard let ctx, let userData else { return .nan }
    let c = ctx.pointee
    let parent: Bool? = c.parent_sampled == CSC_SAMPLED_YES ? true : c.parent_sampled == CSC_SAMPLED_NO ? false : nil
    let custom = c.custom.map { SentryJSONObject(jansson: UnsafeMutablePointer(mutating: $0)) } ?? SentryJSONObject()
    let context = SamplingContext(
        name: c.name.map { String(cString: $0) } ?? "", operation: c.op.map { String(cString: $0) },
        parentSampled: parent, parentSampleRate: c.parent_sample_rate.isNaN ? nil : c.parent_sample_rate,
        customSamplingContext: custom)
    return Unmanaged<SamplerBox>.fromOpaque(userData).takeUnretainedValue().body(context)
}

private func beforeSendTransactionTrampoline(
    _ event: UnsafeMutablePointer<json_t>?, _ userData: UnsafeMutableRawPointer?
) -> Bool {
    guard let event, let userData else { return true }
    return Unmanaged<EventCallbackBox>.fromOpaque(userData).takeUnretainedValue().run(event)
}
