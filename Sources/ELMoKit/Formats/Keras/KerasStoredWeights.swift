/// The weights of a Keras file as stored, before any architecture is applied: per layer, per
/// direction, the datasets in Keras order (`weight_names` order, or `vars/<i>` by number; never
/// HDF5's alphabetical listing, which puts `bias` before `kernel`).
struct KerasStoredWeights {
    var layers: [KerasStoredLayer]
    /// Legacy files: `layer_names` in model order, weightless layers included. Keras 3: nil.
    var layerNames: [String]?
    /// Float or other datasets that belong to no layer (optimizer state, unknown groups).
    var otherDatasets: [String]
    /// `keras_version` / `backend` root attributes, where the file has them.
    var kerasVersion: String?
    var backend: String?

    func layer(named name: String) -> KerasStoredLayer? { layers.first { $0.name == name } }
}

struct KerasStoredLayer {
    /// The Keras layer name (legacy group name; Keras 3 `vars` `name` attribute, else the path stem).
    var name: String
    /// Keras 3: `layers/<snake_case>`.
    var objectPath: String?
    /// Legacy: the `weight_names` attribute, verbatim.
    var weightNames: [String]?
    /// One entry for a plain layer, two (forward, backward) for a Bidirectional.
    var directions: [KerasStoredDirection]
    /// Keras 3: the lowest file address of the layer's data, i.e. when Keras wrote it (it writes
    /// layers in model order). nil where unknown.
    var writeOrder: UInt64? = nil

    var tensors: [KerasStoredTensor] { directions.flatMap(\.tensors) }

    /// "kernel (3, 4), bias (4,)" for messages.
    var tensorSummary: String {
        tensors.map { "\($0.label) \(shapeText($0.shape))" }.joined(separator: ", ")
    }
}

struct KerasStoredDirection {
    /// nil, "forward" or "backward".
    var direction: String?
    /// The inner layer's name (`forward_lstm`), where the file records it.
    var name: String?
    /// The cell type the names reveal (`lstm_cell`, `forward_gru`), if any.
    var cellHint: RecurrentCellType?
    var tensors: [KerasStoredTensor]
}

struct KerasStoredTensor {
    /// The dataset's path in the HDF5 file.
    let path: String
    /// The weight's own name: `lstm/lstm_cell/kernel:0`, or `vars/0`.
    let label: String
    let shape: [Int]
    let storedType: HDF5StoredType

    /// `kernel`, `recurrent_kernel` or `bias` if the weight name says so (`…/kernel:0` → kernel).
    var namedRole: RecurrentTensorRole? {
        guard var last = label.split(separator: "/").last.map(String.init) else { return nil }
        if let colon = last.lastIndex(of: ":"), Int(last[last.index(after: colon)...]) != nil {
            last = String(last[..<colon])
        }
        return RecurrentTensorRole(rawValue: last)
    }
}

/// "[3, 16]" for messages (the style of the ELMo validator).
func shapeText(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

extension HDF5File {
    /// A string-list attribute, joined from Keras' `name0`, `name1`, … chunks when the list was
    /// too long for one HDF5 header; an empty numeric array (how h5py stores `[]`) is an empty list.
    func kerasStringList(_ name: String, at object: String) throws -> [String]? {
        let attributes = try self.attributes(at: object)
        func list(_ attribute: HDF5Attribute) -> [String] {
            if case let .strings(values) = attribute.value { return values }
            return []
        }
        if let attribute = attributes.first(where: { $0.name == name }) { return list(attribute) }
        var chunks: [String] = []
        var index = 0
        while let chunk = attributes.first(where: { $0.name == "\(name)\(index)" }) {
            chunks += list(chunk)
            index += 1
        }
        return index > 0 ? chunks : nil
    }

    /// A scalar string attribute, if present.
    func kerasString(_ name: String, at object: String) -> String? {
        guard exists(object) || object == "/",
              let attribute = try? attributes(at: object).first(where: { $0.name == name }),
              case let .strings(values) = attribute.value else { return nil }
        return values.first
    }
}
