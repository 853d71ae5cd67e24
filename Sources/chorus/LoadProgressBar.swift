import Foundation
import MoE
#if canImport(Glibc)
import Glibc
#endif

/// Shows `Model.load`'s progress: a bar on standard error when it is a terminal (redrawn at
/// most ten times a second, then one line with the size and seconds), log lines for `serve`
/// when it is not, or nothing.
final class LoadProgressBar: @unchecked Sendable {
    /// How progress is shown.
    enum Mode {
        /// A bar on standard error.
        case bar
        /// A line at each stage and each quarter of the warm-up, through `log`.
        case log(@Sendable (String) -> Void)
        /// Nothing.
        case silent
    }

    let name: String
    let mode: Mode
    private var lastDraw = -1.0
    private var lastStage: LoadProgress.Stage?
    private var lastQuarter = -1

    /// Progress for loading the file at `path`.
    init(path: String, mode: Mode) {
        name = URL(fileURLWithPath: path).lastPathComponent
        self.mode = mode
    }

    /// A bar when standard error is a terminal, else `otherwise`.
    static func standardError(path: String, otherwise: Mode = .silent) -> LoadProgressBar {
        LoadProgressBar(path: path, mode: isatty(STDERR_FILENO) == 1 ? .bar : otherwise)
    }

    /// The callback to hand to `Model.load`.
    var callback: (LoadProgress) -> Void { { [self] in update($0) } }

    /// Shows one report (rate-limited).
    func update(_ p: LoadProgress) {
        switch mode {
        case .silent: return
        case .bar:
            if p.stage == .ready {
                FileHandle.standardError.write(Data(("\r\u{1B}[2K" + summary(p) + "\n").utf8))
                return
            }
            guard p.stage != lastStage || p.seconds - lastDraw >= 0.1 else { return }
            lastStage = p.stage
            lastDraw = p.seconds
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + Self.line(name: name, p)).utf8))
        case .log(let log):
            if p.stage == .ready { log(summary(p)); return }
            let quarter = p.stage == .warming && p.bytesToWarm > 0 ? 4 * p.bytesWarmed / p.bytesToWarm : -1
            guard p.stage != lastStage || quarter > lastQuarter else { return }
            if p.stage != lastStage && p.stage != .warming { lastStage = p.stage; return }
            lastStage = p.stage
            lastQuarter = quarter
            log(String(format: "loading %@: warming %@ of %@ (%d %%) · %.1f s", name, ModelInfoCommand.bytes(p.bytesWarmed),
                       ModelInfoCommand.bytes(p.bytesToWarm), Int(p.fraction * 100), p.seconds))
        }
    }

    /// `loading NAME [#####·····]  45 % warming 1.2 of 2.6 GiB · 3.1 s`.
    static func line(name: String, _ p: LoadProgress) -> String {
        let width = 24, filled = Int(p.fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "·", count: width - filled)
        var what: String
        switch p.stage {
        case .reading: what = "reading"
        case .validating: what = "checking layer \(p.layersChecked) of \(p.layerCount) (\(p.tensorsChecked) tensors)"
        case .warming: what = "warming \(ModelInfoCommand.bytes(p.bytesWarmed)) of \(ModelInfoCommand.bytes(p.bytesToWarm))"
        case .ready: what = "ready"
        }
        return String(format: "loading %@ [%@] %3d %% %@ · %.1f s", name, bar, Int(p.fraction * 100), what, p.seconds)
    }

    private func summary(_ p: LoadProgress) -> String {
        String(format: "loaded %@ (%@, %d tensors%@) in %.2f s", name, ModelInfoCommand.bytes(p.fileBytes), p.tensorsChecked,
               p.bytesToWarm > 0 ? ", warmed" : "", p.seconds)
    }
}
