/// Reads the legacy Keras HDF5 layouts (elmo-formats §6.1): a full model (`model.save('x.h5')`,
/// layers under `model_weights/`) or `save_weights('x.h5')` (layers at the root). Both list the
/// layers in the `layer_names` attribute and each layer's weights in its `weight_names`
/// attribute; a weight's dataset is `<root>/<layer>/<weight name>` (the name's `/` make groups),
/// with `:0` in tf.keras 2 names and without in Keras 3's legacy writer.
enum KerasLegacyH5 {
    /// `root` is "model_weights" for a full model, "" for save_weights files.
    static func read(_ file: HDF5File, root: String) throws -> KerasStoredWeights {
        let rootObject = root.isEmpty ? "/" : root
        let prefix = root.isEmpty ? "" : root + "/"
        guard let layerNames = try file.kerasStringList("layer_names", at: rootObject) else {
            throw ELMoKitError(.modelInvalid, "no 'layer_names' attribute on '\(rootObject)': not a Keras weights file", file: file.path)
        }
        var layers: [KerasStoredLayer] = []
        var listed = Set<String>()
        for name in layerNames {
            let group = prefix + name
            guard file.exists(group) else {
                throw ELMoKitError(.modelInvalid, "layer_names lists layer '\(name)' but there is no group '\(group)'",
                                   file: file.path, tensor: group)
            }
            let weightNames = try file.kerasStringList("weight_names", at: group) ?? []
            var tensors: [KerasStoredTensor] = []
            for weight in weightNames {
                let path = group + "/" + weight
                guard file.exists(path) else {
                    throw ELMoKitError(.missingTensor, "layer '\(name)': weight '\(weight)' is listed in weight_names but there is no dataset '\(path)'",
                                       file: file.path, tensor: path)
                }
                let info = try file.info(path)
                tensors.append(KerasStoredTensor(path: path, label: weight, shape: info.shape, storedType: info.storedType))
                listed.insert(path)
            }
            layers.append(KerasStoredLayer(name: name, objectPath: nil, weightNames: weightNames,
                                           directions: splitDirections(tensors, layer: name)))
        }
        let others = try file.datasetPaths().filter { !listed.contains($0) && (root.isEmpty || $0.hasPrefix(prefix)) }
        return KerasStoredWeights(layers: layers, layerNames: layerNames, otherDatasets: others,
                                  kerasVersion: file.kerasString("keras_version", at: rootObject) ?? file.kerasString("keras_version", at: "/"),
                                  backend: file.kerasString("backend", at: rootObject) ?? file.kerasString("backend", at: "/"))
    }

    /// Groups a layer's weights by direction: a Bidirectional's names carry a `forward_<inner>` or
    /// `backward_<inner>` component (`bidirectional/forward_lstm/lstm_cell/kernel:0`).
    static func splitDirections(_ tensors: [KerasStoredTensor], layer: String) -> [KerasStoredDirection] {
        var directions: [KerasStoredDirection] = []
        for tensor in tensors {
            let parts = tensor.label.split(separator: "/").map(String.init)
            let inner = parts.dropLast().first { $0.hasPrefix("forward_") || $0.hasPrefix("backward_") }
            let direction = inner.map { $0.hasPrefix("forward_") ? "forward" : "backward" }
            let hint = parts.dropLast().reversed().lazy.compactMap { RecurrentCellType.fromName($0) }.first
                ?? RecurrentCellType.fromName(layer)
            if let index = directions.firstIndex(where: { $0.direction == direction }) {
                directions[index].tensors.append(tensor)
            } else {
                directions.append(KerasStoredDirection(direction: direction, name: inner, cellHint: hint, tensors: [tensor]))
            }
        }
        return directions
    }
}
