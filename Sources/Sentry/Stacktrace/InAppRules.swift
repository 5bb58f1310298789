/// Which stack frames are the application's own (`in_app`), the frames Sentry shows expanded
/// and groups issues by.
///
/// A frame's *module* is the Swift module of its symbol (`MyApp` for `MyApp.Handler.run()`);
/// its *image* is the file the code was loaded from. The rules, first match wins:
///
/// 1. module or image named in ``exclude``: not in-app;
/// 2. module or image named in ``include``: in-app;
/// 3. a known library module (the Swift runtime, Foundation, Dispatch, SwiftNIO, the test
///    frameworks, this SDK) or a system image (libc, libstdc++, `libswift*`, `libFoundation*`,
///    anything under `/lib`, `/usr/lib`, or the toolchain): not in-app;
/// 4. code in the main executable: in-app (SwiftPM links packages statically, which is why
///    rule 3 must come first);
/// 5. anything else: unknown (`in_app` left out, Sentry decides).
///
/// A name matches a module exactly or as a prefix followed by `.`, and matches an image by its
/// file name (`libPlugin.so`). Immutable and `Sendable`.
struct InAppRules: Sendable, Equatable {
    /// Modules or image file names that are always in-app (unless excluded).
    var include: [String] = []
    /// Modules or image file names that are never in-app.
    var exclude: [String] = []

    init(include: [String] = [], exclude: [String] = []) {
        self.include = include
        self.exclude = exclude
    }

    /// Swift modules that are never the application's code.
    static let libraryModules: Set<String> = [
        "Swift", "_Concurrency", "_StringProcessing", "_Backtracing", "Runtime", "Synchronization", "Dispatch",
        "XCTest", "Testing", "Logging", "Metrics", "AsyncHTTPClient", "Crypto", "_CryptoExtras", "Atomics",
        "Sentry", "CScopeCore", "__C",
    ]
    /// Families of library modules: `NIO` covers `NIOCore`, `NIOPosix`, ...; `Foundation` covers
    /// `FoundationEssentials`, `FoundationNetworking`, ...
    static let libraryModulePrefixes: [String] = ["NIO", "_NIO", "Foundation", "_Foundation"]

    /// Image file name prefixes of system and runtime libraries.
    static let systemImagePrefixes: [String] = [
        "libc.so", "libc-", "libm.so", "libpthread", "libdl.so", "librt.so", "libstdc++", "libgcc_s", "libc++",
        "ld-linux", "ld64.so", "linux-vdso", "libswift", "libFoundation", "lib_FoundationICU", "libdispatch",
        "libBlocksRuntime", "libXCTest", "libTesting", "libcscope",
    ]

    /// `true`, `false`, or `nil` (unknown) for a frame.
    func classify(module: String?, imagePath: String?, isMainExecutable: Bool) -> Bool? {
        classify(
            module: module, imagePath: imagePath, imageFileName: imagePath.map(Self.fileName),
            isMainExecutable: isMainExecutable)
    }

    /// ``classify(module:imagePath:isMainExecutable:)`` with the image's file name already known.
    func classify(module: String?, imagePath: String?, imageFileName image: String?, isMainExecutable: Bool) -> Bool? {
        if matches(exclude, module: module, image: image) { return false }
        if matches(include, module: module, image: image) { return true }
        if let module,
            Self.libraryModules.contains(module) || Self.libraryModulePrefixes.contains(where: { module.hasPrefix($0) })
        {
            return false
        }
        if !isMainExecutable, let imagePath, let image, Self.isSystemImage(path: imagePath, fileName: image) {
            return false
        }
        if isMainExecutable { return true }
        return nil
    }

    private func matches(_ names: [String], module: String?, image: String?) -> Bool {
        if names.isEmpty { return false }
        for name in names {
            if let module, module == name || module.hasPrefix(name + ".") { return true }
            if let image, image == name { return true }
        }
        return false
    }

    static func isSystemImage(path: String, fileName: String) -> Bool {
        if systemImagePrefixes.contains(where: { fileName.hasPrefix($0) }) { return true }
        return path.hasPrefix("/lib/") || path.hasPrefix("/lib64/") || path.hasPrefix("/usr/lib/")
            || path.contains("/usr/lib/swift/")
    }

    static func fileName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
