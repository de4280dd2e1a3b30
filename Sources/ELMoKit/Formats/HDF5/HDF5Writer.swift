/// Writes a checkpoint's tensors as HDF5 in the bilm-tf layout: one dataset per tensor under its
/// name (nested groups from the `/`), and the root attribute `elmokit_metadata` holding the
/// checkpoint's metadata JSON, so `convert` of an exported file restores the same checkpoint.
/// bilm-tf and AllenNLP read datasets by name and ignore the attribute.
public enum HDF5Writer {
    public static let metadataAttribute = "elmokit_metadata"

    public static func write(from source: WeightSource, to destination: String, metadata: JSONValue?,
                             dtype: DType? = nil, force: Bool) throws {
        try checkNames(source.tensorInfos.map(\.name), source: source.path)
        let out = try HDF5OutputFile(destination: destination, force: force)
        for info in source.tensorInfos {
            let stored = dtype ?? info.dtype
            try source.withBytes(info.name, as: stored) { raw in
                try out.addDataset(info.name, dtype: stored, shape: info.shape, raw: raw)
            }
        }
        if let metadata { try out.setRootAttribute(metadataAttribute, metadata.canonicalString()) }
        try out.commit()
    }

    /// Every name must come back as itself from HDF5: no empty, "." or ".." parts (a leading,
    /// trailing or doubled `/` would be dropped), no NUL (C strings end there), and no name that is a group of another
    /// (`CNN` and `CNN/W_cnn_0`). Checked before anything is written.
    static func checkNames(_ names: [String], source: String) throws {
        let all = Set(names)
        for name in names {
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            if parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) || name.utf8.contains(0) {
                throw ELMoKitError(.usage, "tensor '\(name)' cannot be an HDF5 dataset name (empty, '.' or '..' path parts, or a NUL)",
                                   file: source, tensor: name)
            }
            for end in parts.indices.dropLast() {
                let group = parts[...end].joined(separator: "/")
                if all.contains(group) {
                    throw ELMoKitError(.usage, "tensors '\(group)' and '\(name)' cannot both be HDF5 datasets: the first would have "
                                       + "to be the second's group", file: source, tensor: group)
                }
            }
        }
    }

    /// The metadata an `elmokit export` left in `file`, if any.
    public static func embeddedMetadata(_ file: HDF5File) -> JSONValue? {
        guard let attributes = try? file.attributes(at: "/"),
              let attribute = attributes.first(where: { $0.name == metadataAttribute }),
              case let .strings(values) = attribute.value, let text = values.first,
              let json = try? JSONParser.parse(text), case .object = json else { return nil }
        return json
    }
}
