/// A JSON value that keeps numbers as their source text, so options.json is carried
/// verbatim (no float re-formatting) and serialised deterministically.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's literal text, already checked to be valid JSON number syntax.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in source order; duplicate keys are rejected by the parser.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    // MARK: - Access

    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var doubleValue: Double? {
        if case let .number(text) = self { return Double(text) }
        return nil
    }

    /// The value as an Int if it is an integral number (3 and 3.0 both qualify).
    public var intValue: Int? {
        guard let d = doubleValue, d.rounded() == d, abs(d) < 1e15 else { return nil }
        return Int(d)
    }

    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    public var objectValue: [(String, JSONValue)]? {
        if case let .object(o) = self { return o }
        return nil
    }

    // MARK: - Building

    public init(_ string: String) { self = .string(string) }
    public init(_ int: Int) { self = .number(String(int)) }
    public init(_ bool: Bool) { self = .bool(bool) }
    /// A finite double, written in Swift's shortest round-trip form.
    public init(_ double: Double) {
        if double.isFinite {
            self = .number(double == double.rounded() && abs(double) < 1e15 ? String(Int(double)) : "\(double)")
        } else {
            self = .null
        }
    }

    // MARK: - Serialising

    /// Canonical form: object keys sorted by their UTF-8 bytes, no insignificant whitespace,
    /// numbers as in the source. Two equal values always give the same bytes.
    public func canonicalString() -> String {
        var out = ""
        write(to: &out, sortKeys: true, indent: nil, level: 0)
        return out
    }

    /// Human-readable form with two-space indentation; `sortKeys` false keeps source order.
    public func prettyString(sortKeys: Bool = false) -> String {
        var out = ""
        write(to: &out, sortKeys: sortKeys, indent: "  ", level: 0)
        return out
    }

    private func write(to out: inout String, sortKeys: Bool, indent: String?, level: Int) {
        let newline = indent == nil ? "" : "\n"
        let pad = { (n: Int) in String(repeating: indent ?? "", count: n) }
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(text): out += text
        case let .string(s): JSONValue.writeString(s, to: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            // Arrays of scalars stay on one line: filter lists read better that way.
            let flat = indent == nil || items.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += flat && indent != nil ? ", " : "," }
                if !flat { out += newline + pad(level + 1) }
                item.write(to: &out, sortKeys: sortKeys, indent: indent, level: level + 1)
            }
            if !flat { out += newline + pad(level) }
            out += "]"
        case let .object(members):
            if members.isEmpty { out += "{}"; return }
            let ordered = sortKeys ? members.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) } : members
            out += "{"
            for (i, (key, value)) in ordered.enumerated() {
                if i > 0 { out += "," }
                out += newline + pad(level + 1)
                JSONValue.writeString(key, to: &out)
                out += indent == nil ? ":" : ": "
                value.write(to: &out, sortKeys: sortKeys, indent: indent, level: level + 1)
            }
            out += newline + pad(level) + "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
