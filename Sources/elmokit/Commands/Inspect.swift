import ELMoKit

struct InspectCommand: Command {
    static let name = "inspect"
    static let abstract = "List the tensors of a weight file (HDF5, .elmk, safetensors) with statistics."
    static let usage = "inspect FILE [--json] [--attrs] [--no-stats]"
    static let discussion = """
    One row per tensor: name, stored dtype, shape, elements, bytes, min / max / mean / std over the
    finite values, and the number of NaN and Inf; then a total line. For .elmk files the header,
    architecture config and provenance come first (a long config on one line; --attrs shows it all).
    """
    static let options = [
        CommonOptions.json,
        OptionSpec(long: "attrs", help: "Also show groups, attributes and storage (layout, filters, offsets), and long configs in full."),
        OptionSpec(long: "no-stats", help: "Skip statistics (does not read tensor data)."),
    ]

    static func run(_ args: Arguments, _ out: Output) throws -> Int32 {
        let path = try args.positionals(["file"])[0]
        let report = try InspectionReport(path: path, withStatistics: !args.flag("no-stats"))
        for name in report.damagedTensors {
            out.note("elmokit: warning: \(path): tensor '\(name)' does not match its CRC-32 (data corrupted); run 'elmokit validate'")
        }
        if out.json {
            out.printJSON(json(report))
        } else {
            out.print(text(report, attributes: args.flag("attrs")))
        }
        return 0
    }

    static func json(_ r: InspectionReport) -> JSONValue {
        let tensors: [JSONValue] = r.rows.map { row in
            var members: [(String, JSONValue)] = [
                ("name", JSONValue(row.name)), ("dtype", JSONValue(row.storedType)),
                ("shape", .array(row.shape.map { JSONValue($0) })), ("elements", JSONValue(row.elementCount)),
                ("bytes", JSONValue(row.byteCount)),
            ]
            if let s = row.statistics {
                members += [("min", JSONValue(s.min)), ("max", JSONValue(s.max)), ("mean", JSONValue(s.mean)),
                            ("std", JSONValue(s.std)), ("nan", JSONValue(s.nanCount)), ("inf", JSONValue(s.infCount))]
            }
            members.append(("storage", .object(row.storage)))
            return .object(members)
        }
        return .object([
            ("file", JSONValue(r.path)), ("format", JSONValue(r.format)),
            ("details", .object(r.details)),
            ("tensors", .array(tensors)),
            ("totals", .object([("tensors", JSONValue(r.rows.count)), ("parameters", JSONValue(r.parameterCount)),
                                ("bytes", JSONValue(r.totalBytes))])),
        ])
    }

    static func text(_ r: InspectionReport, attributes: Bool) -> String {
        var lines = ["\(r.path) (\(r.format))"]
        for (key, value) in r.details where r.format != "hdf5" || attributes {
            let rendered = value.prettyString()
            let lineCount = rendered.split(separator: "\n").count
            if lineCount > 12 && !attributes {
                // A long config (a Keras model's config.json runs to hundreds of lines) would bury
                // the table: one line here, all of it with --attrs or --json.
                let compact = value.canonicalString()
                let shown = compact.count > 160 ? compact.prefix(160) + "…" : Substring(compact)
                lines.append("\(key): \(shown) (\(lineCount) lines; --attrs or --json shows all)")
            } else {
                lines.append(rendered.contains("\n") ? "\(key):\n" + rendered : "\(key): " + rendered)
            }
        }
        if r.format != "hdf5" || attributes { lines.append("") }
        let headers = ["name", "dtype", "shape", "elements", "bytes", "min", "max", "mean", "std", "nan", "inf"]
        var table = r.rows.map { row -> [String] in
            let s = row.statistics
            let stat = { (v: Double?) in v.map(NumberFormat.short) ?? "-" }
            return [terminalSafe(row.name, keepingLines: false), row.storedType, "[" + row.shape.map(String.init).joined(separator: ", ") + "]",
                    String(row.elementCount), String(row.byteCount), stat(s?.min), stat(s?.max), stat(s?.mean),
                    stat(s?.std), s.map { String($0.nanCount) } ?? "-", s.map { String($0.infCount) } ?? "-"]
        }
        table.insert(headers, at: 0)
        let widths = headers.indices.map { c in table.map { $0[c].count }.max()! }
        for (i, row) in table.enumerated() {
            let cells = row.enumerated().map { c, cell in NumberFormat.pad(cell, widths[c], right: c >= 3) }
            lines.append(cells.joined(separator: "  "))
            if attributes, i > 0 {
                let storage = r.rows[i - 1].storage.map { "\($0.0)=\($0.1.canonicalString())" }.joined(separator: " ")
                lines.append("    " + storage)
            }
        }
        lines.append("total: \(plural(r.rows.count, "tensor")), \(plural(r.parameterCount, "parameter")), \(r.totalBytes) bytes (\(NumberFormat.bytes(r.totalBytes)))")
        return lines.joined(separator: "\n")
    }
}
