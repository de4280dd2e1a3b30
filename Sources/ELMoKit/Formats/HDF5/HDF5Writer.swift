/// Writes a checkpoint's tensors as HDF5 in the bilm-tf layout: one dataset per tensor under its
/// name (nested groups from the `/`), and the root attribute `elmokit_metadata` holding the
/// checkpoint's metadata JSON, so `convert` of an exported file restores the same checkpoint.
/// bilm-tf and AllenNLP read datasets by name and ignore the attribute.
public enum HDF5Writer {
    public static let metadataAttribute = "elmokit_metadata"

    public static func write(from source: WeightSource, to destination: String, metadata: JSONValue?,
                             dtype: DType? = nil, force: Bool) throws {
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

    /// The metadata an `elmokit export` left in `file`, if any.
    public static func embeddedMetadata(_ file: HDF5File) -> JSONValue? {
        guard let attributes = try? file.attributes(at: "/"),
              let attribute = attributes.first(where: { $0.name == metadataAttribute }),
              case let .strings(values) = attribute.value, let text = values.first,
              let json = try? JSONParser.parse(text), case .object = json else { return nil }
        return json
    }
}
