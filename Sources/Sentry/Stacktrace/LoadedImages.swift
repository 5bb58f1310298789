internal import CScopeCoreSPI
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Facts about the process's loaded images that the stack trace code keys its caches on (the
/// core's `csc_image_generation()` tells when they change).
enum LoadedImages {
    private typealias Callback = @convention(c) (UnsafeRawPointer?, Int, UnsafeMutableRawPointer?) -> Int32
    private typealias IteratePhdr = @convention(c) (Callback, UnsafeMutableRawPointer?) -> Int32

    /// `dl_iterate_phdr`, which the Glibc module does not import (`<link.h>` is not in it).
    private static let iteratePhdr: IteratePhdr? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "dl_iterate_phdr") else { return nil }
        return unsafeBitCast(symbol, to: IteratePhdr.self)
    }()

    /// How many file-backed images the dynamic linker has loaded: the main executable and every
    /// object with a path (not the vDSO). `ImageMap.capture()` reads `/proc/self/maps`, which
    /// the kernel does not return atomically: while other threads map or unmap memory, lines
    /// can be skipped and a map can miss whole images. A map with fewer images than this is
    /// read again. One `dl_iterate_phdr` walk (~1 µs for 50 images). Thread-safe.
    static func fileImageCount() -> Int {
        guard let iteratePhdr else { return 0 }
        var count = 0
        _ = iteratePhdr(
            { info, _, context in
                // dlpi_name is the second field of struct dl_phdr_info.
                guard let info, let context else { return 0 }
                let name = info.load(fromByteOffset: MemoryLayout<Int>.size, as: UnsafePointer<CChar>?.self)
                let counter = context.assumingMemoryBound(to: Int.self)
                if let name, name.pointee != 0 {
                    if strncmp(name, "linux-vdso", 10) != 0 && strncmp(name, "linux-gate", 10) != 0 {
                        counter.pointee += 1
                    }
                } else if counter.pointee == 0 {
                    counter.pointee += 1  // the main executable (listed first, without a name)
                }
                return 0
            }, &count)
        return count
    }

    private typealias DladdrFunction = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32

    /// `dladdr`, which the Glibc module does not import (it is a GNU extension).
    private static let dladdrFunction: DladdrFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "dladdr") else { return nil }
        return unsafeBitCast(symbol, to: DladdrFunction.self)
    }()

    /// The path of the loaded image that contains `address` (`dladdr`'s `dli_fname`; the main
    /// executable's real path for the main executable), or `nil`. Thread-safe.
    static func imagePath(containing address: UInt64) -> String? {
        guard let dladdrFunction, address != 0, let pointer = UnsafeRawPointer(bitPattern: UInt(address)) else {
            return nil
        }
        // Dl_info: dli_fname, dli_fbase, dli_sname, dli_saddr (four pointers).
        var info: (UnsafePointer<CChar>?, UnsafeRawPointer?, UnsafePointer<CChar>?, UnsafeRawPointer?) = (
            nil, nil, nil, nil
        )
        let found = withUnsafeMutableBytes(of: &info) { dladdrFunction(pointer, $0.baseAddress) }
        guard found != 0, let name = info.0 else { return nil }
        let path = String(cString: name)
        // glibc reports argv[0] (often relative) for the main executable; libraries have the
        // absolute path they were found at.
        if !path.hasPrefix("/") { return mainExecutablePath }
        return path
    }

    /// The main executable's resolved path (`/proc/self/exe`), read once.
    static let mainExecutablePath: String? = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}
