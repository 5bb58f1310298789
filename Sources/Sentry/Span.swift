/// A unit of work being traced.
///
/// A placeholder until tracing lands: the scope's span slot (``Scope/span``) already stores
/// any object conforming to this protocol, so integrations can bind spans to scopes today.
public protocol Span: AnyObject, Sendable {}
