import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private var lastPercent = -1
    private let start = Date()

    init(_ label: String) {
        self.label = label
        enabled = Output.stderrIsTerminal
    }

    func update(_ done: Int, _ total: Int, rate: String = "") {
        guard enabled, total > 0 else { return }
        let percent = done * 100 / total
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30, filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        Output.write("\r\(label) [\(bar)] \(percent)% \(rate)", to: 2)
        if done >= total { finish() }
    }

    func finish() {
        guard enabled, lastPercent >= 0 else { return }
        Output.write("\r\u{1B}[K", to: 2)
        lastPercent = -1
    }

    var elapsed: Double { Date().timeIntervalSince(start) }
}
