import CScopeCore
internal import CScopeCoreSPI
import Runtime

/// A frame's jansson object without `in_app` (`function`, `symbol`, `filename`, ...), built once
/// per address and only read afterwards: events get copies (`csc_stacktrace_frames_json`), so
/// no `json_t` is ever shared between events or threads. Freed with the last frame that uses it.
final class FrameTemplate: @unchecked Sendable {
    let object: UnsafeMutablePointer<json_t>?

    init(_ object: SentryJSONObject) { self.object = object.makeJansson() }

    deinit { json_decref(object) }
}

/// One source-level stack frame, ready to send. An address yields several when calls were
/// inlined into it. Immutable; the jansson template is built once, so emitting a cached frame
/// does no Swift JSON work. A class: stacks pass frames around by the
/// dozen, and a reference costs one retain where the struct's fields cost ten.
final class SymbolizedFrame: Sendable {
    /// The Swift module of the symbol (see ``SwiftSymbolName/module(ofMangled:)``), if any.
    let module: String?
    /// The image the code was loaded from, and its file name.
    let imagePath: String?
    let imageFileName: String?
    let isMainExecutable: Bool
    /// The captured address (`instruction_addr`), for `csc_debug_images_for`.
    let instructionAddress: UInt64
    /// Symbolication named the function.
    let hasSymbol: Bool
    /// `function`, `symbol`, `filename`, `abs_path`, `lineno`, `colno`, `instruction_addr`,
    /// `package`, without `in_app`, as jansson (what events are built from, adding `in_app`).
    let template: FrameTemplate
    /// `in_app` under the built-in rules (no ``InAppRules/include`` or ``InAppRules/exclude``).
    private let builtinInApp: Bool?

    init(
        pairs: [(String, SentryJSON)], module: String?, imagePath: String?, isMainExecutable: Bool, pc: UInt64,
        hasSymbol: Bool
    ) {
        self.module = module
        self.instructionAddress = pc
        self.hasSymbol = hasSymbol
        self.imagePath = imagePath
        self.imageFileName = imagePath.map(InAppRules.fileName)
        self.isMainExecutable = isMainExecutable
        template = FrameTemplate(SentryJSONObject(adopting: pairs))
        builtinInApp = InAppRules().classify(
            module: module, imagePath: imagePath, imageFileName: imageFileName,
            isMainExecutable: isMainExecutable)
    }

    /// `in_app` of this frame under `rules`.
    func classify(_ rules: InAppRules) -> Bool? {
        if rules.include.isEmpty && rules.exclude.isEmpty { return builtinInApp }
        return rules.classify(
            module: module, imagePath: imagePath, imageFileName: imageFileName, isMainExecutable: isMainExecutable)
    }
}

extension SymbolizedFrame {
    /// The frame Runtime symbolicated for address `pc`.
    convenience init(_ frame: SymbolicatedBacktrace.Frame, pc: UInt64, images: ImageMap, mainPath: String?) {
        guard let symbol = frame.symbol else {
            self.init(unresolvedPC: pc, images: images)
            return
        }
        var pairs: [(String, SentryJSON)] = [("function", .string(symbol.name))]
        if symbol.rawName != symbol.name { pairs.append(("symbol", .string(symbol.rawName))) }
        if let location = symbol.sourceLocation, location.line > 0, location.path.hasPrefix("/") {
            pairs.append(("filename", .string(Self.sourceFileName(location.path))))
            pairs.append(("abs_path", .string(location.path)))
            pairs.append(("lineno", .int(Int64(location.line))))
            if location.column > 0 { pairs.append(("colno", .int(Int64(location.column)))) }
        }
        pairs.append(("instruction_addr", .string(Self.hex(pc))))
        var path: String? = symbol.imageName
        if symbol.imageIndex >= 0, symbol.imageIndex < images.count {
            path = images[symbol.imageIndex].path ?? path
        }
        if let path { pairs.append(("package", .string(path))) }
        self.init(
            pairs: pairs, module: SwiftSymbolName.module(ofMangled: symbol.rawName),
            imagePath: path, isMainExecutable: path != nil && path == mainPath, pc: pc, hasSymbol: true)
    }

    /// A frame symbolication could not name: its address and image only. The image comes from
    /// the map, else from the dynamic linker: `ImageMap.capture()` was seen to leave out images
    /// that `dl_iterate_phdr` reports (after a `dlopen`, in swift-testing processes). No name is
    /// guessed from the dynamic symbol table, which only knows exported symbols and would name
    /// a local function after its exported neighbour.
    convenience init(unresolvedPC pc: UInt64, images: ImageMap) {
        var pairs: [(String, SentryJSON)] = [("instruction_addr", .string(Self.hex(pc)))]
        let image = images.first { image in
            guard let base = UInt64(image.baseAddress), let end = UInt64(image.endOfText) else { return false }
            return pc >= base && pc < end
        }
        let path = image?.path ?? LoadedImages.imagePath(containing: pc)
        if let path { pairs.append(("package", .string(path))) }
        self.init(
            pairs: pairs, module: nil, imagePath: path,
            isMainExecutable: path != nil && path == LoadedImages.mainExecutablePath, pc: pc, hasSymbol: false)
    }

    /// `Sources/App/Handler.swift` for a file in a SwiftPM layout, else the file name.
    static func sourceFileName(_ path: String) -> String {
        for marker in ["/Sources/", "/Tests/"] {
            if let r = path.firstRange(of: marker) { return String(path[path.index(after: r.lowerBound)...]) }
        }
        return InAppRules.fileName(path)
    }

    static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}
