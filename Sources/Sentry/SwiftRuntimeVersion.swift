/// The `runtime` context the overlay reports: Swift and the version of the compiler that built
/// it (Linux has no API for the version of the Swift runtime loaded).
enum SwiftRuntimeVersion {
    static let name = "swift"
    static let version: String = {
        #if compiler(>=7.0)
        return "7.0"
        #elseif compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }()
}
