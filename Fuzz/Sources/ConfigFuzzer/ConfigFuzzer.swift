import BatonConfig
import BatonCore

/// libFuzzer's entry point: load arbitrary bytes as a cluster.yaml and check the loader's promises.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let result = ConfigLoader.load(bytes, file: "fuzz.yaml")
    // A usable model and an error never come together, and every diagnostic has a real position and a hint.
    precondition((result.spec == nil) == result.diagnostics.containsErrors)
    // An upper bound on YAML's lines: every byte that can be part of a break (CR, LF, NEL, LS, PS) counts.
    let lines = bytes.count { [0x0A, 0x0D, 0x85, 0xA8, 0xA9].contains($0) } + 1
    for diagnostic in result.diagnostics {
        precondition((1...lines).contains(diagnostic.location.line), "\(diagnostic)")
        precondition(diagnostic.location.column >= 1 && !diagnostic.hint.isEmpty, "\(diagnostic)")
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's `main` to `<target>_main`; hand control to libFuzzer's driver from there.
@_cdecl("ConfigFuzzer_main")
public func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return runDriver(&argc, &argv, fuzz)
}
