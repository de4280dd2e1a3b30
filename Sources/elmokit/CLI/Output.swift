import ELMoKit
import Foundation

/// Where commands print: results to stdout, diagnostics to stderr; nothing else writes.
final class Output {
    let json: Bool

    init(json: Bool) { self.json = json }

    /// Text for a terminal: control characters that come from files (tensor names, sentences)
    /// are shown escaped, so a hostile name cannot move the cursor, recolour or clear the screen.
    func print(_ text: String) {
        var line = terminalSafe(text, keepingLines: true)
        if !line.hasSuffix("\n") { line += "\n" }
        Output.write(line, to: 1)
    }

    /// JSON escapes every control character itself.
    func printJSON(_ value: JSONValue) {
        var text = value.prettyString()
        if !text.hasSuffix("\n") { text += "\n" }
        Output.write(text, to: 1)
    }

    /// A warning or progress line on stderr.
    func note(_ text: String) {
        Output.write(terminalSafe(text, keepingLines: false) + "\n", to: 2)
    }

    /// Why standard output could not be written (a full disk, `> /dev/full`), if it could not:
    /// `main` then reports E_WRITE and exits 3 instead of claiming success.
    nonisolated(unsafe) static var stdoutFailure: String?

    /// Writes all of `text` to `fd` with write(2): `FileHandle.write(_:)` traps on an I/O error.
    static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                if fd == 1, stdoutFailure == nil { stdoutFailure = String(cString: strerror(errno)) }
                return
            }
            bytes = bytes.dropFirst(n)
        }
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

/// Formats numbers for tables: fixed width, scientific when small or large.
enum NumberFormat {
    static func short(_ v: Double) -> String {
        if v.isNaN { return "-" }
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e-3 && a < 1e5 {
            return fourSignificant(v)
        }
        return scientific(v)
    }

    static func scientific(_ v: Double, digits: Int = 2) -> String {
        if v == 0 { return "0" }
        if !v.isFinite { return "\(v)" }
        let exponent = Int((log10(abs(v))).rounded(.down))
        let mantissa = v / pow(10, Double(exponent))
        let m = (mantissa * pow(10, Double(digits))).rounded() / pow(10, Double(digits))
        if abs(m) >= 10 { return scientific(v * 1.0000001, digits: digits) }
        return "\(fixed(m, digits))e\(exponent < 0 ? "-" : "+")\(abs(exponent) < 10 ? "0" : "")\(abs(exponent))"
    }

    static func fixed(_ v: Double, _ digits: Int) -> String {
        let scale = pow(10, Double(digits))
        let r = (abs(v) * scale).rounded()
        let whole = Int(r / scale)
        var frac = String(Int(r.truncatingRemainder(dividingBy: scale)))
        frac = String(repeating: "0", count: max(0, digits - frac.count)) + frac
        return (v < 0 && r != 0 ? "-" : "") + "\(whole)" + (digits > 0 ? ".\(frac)" : "")
    }

    /// 4 significant digits in fixed notation.
    static func fourSignificant(_ v: Double) -> String {
        let digits = max(0, 4 - Int(log10(abs(v)).rounded(.down)) - 1)
        return fixed(v, min(digits, 6))
    }

    static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var v = Double(n), u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(n) B" : "\(fixed(v, 1)) \(units[u])"
    }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        s.count >= width ? s : (right ? String(repeating: " ", count: width - s.count) + s : s + String(repeating: " ", count: width - s.count))
    }
}


/// "1 tensor", "2 tensors".
func plural(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

/// `text` with C0 and C1 control characters (ESC, CR, BEL, …) written as `\u{1B}`; newlines and
/// tabs stay when `keepingLines` (a table, a report), and become escapes too when the text must
/// stay one line (an error message on stderr).
func terminalSafe(_ text: String, keepingLines: Bool) -> String {
    guard text.unicodeScalars.contains(where: { isControl($0) && !(keepingLines && ($0 == "\n" || $0 == "\t")) }) else {
        return text
    }
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        if isControl(scalar) && !(keepingLines && (scalar == "\n" || scalar == "\t")) {
            out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
        } else {
            out.append(scalar)
        }
    }
    return String(out)
}

private func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
}
