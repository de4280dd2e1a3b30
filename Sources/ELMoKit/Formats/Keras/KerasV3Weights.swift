import CHDF5

/// Reads Keras 3's `.weights.h5` layout (elmo-formats §6.2; also `model.weights.h5` inside a
/// `.keras`): every object's variables are datasets `<path>/vars/0`, `1`, … in creation order.
/// A model's layers sit under `layers/<snake_case class name>[_<n>]`; an RNN layer's variables
/// under its `cell`, a Bidirectional's under `forward_layer/cell` and `backward_layer/cell`.
/// The `vars` groups carry a `name` attribute with the Keras object's name.

enum KerasV3Weights {
    static func read(_ file: HDF5File) throws -> KerasStoredWeights {
        // layer path → [(sub-path before "vars", var index, dataset path)]
        var byLayer: [String: [(owner: String, index: Int, path: String)]] = [:]
        var order: [String] = []
        var others: [String] = []
        for path in try file.datasetPaths() {
            let parts = path.split(separator: "/").map(String.init)
            guard parts.count >= 4, parts[0] == "layers", parts[parts.count - 2] == "vars", let index = Int(parts.last!), index >= 0 else {
                others.append(path)
                continue
            }
            let layerPath = "layers/" + parts[1]
            let owner = parts[2..<(parts.count - 2)].joined(separator: "/")
            if byLayer[layerPath] == nil { order.append(layerPath) }
            byLayer[layerPath, default: []].append((owner, index, path))
        }
        var layers: [KerasStoredLayer] = []
        for layerPath in order {
            let variables = byLayer[layerPath]!
            let name = file.kerasString("name", at: layerPath + "/vars") ?? String(layerPath.dropFirst("layers/".count))
            var directions: [KerasStoredDirection] = []
            for owner in ["", "cell", "forward_layer/cell", "backward_layer/cell"] {
                let mine = variables.filter { $0.owner == owner }.sorted { $0.index < $1.index }
                guard !mine.isEmpty else { continue }
                // vars/<i> must run 0, 1, 2…: a gap means a variable is missing, and order is meaning.
                for (expected, variable) in mine.enumerated() where variable.index != expected {
                    throw ELMoKitError(.missingTensor, "layer '\(name)': '\(layerPath)/\(owner.isEmpty ? "" : owner + "/")vars' has no variable \(expected) "
                                       + "(found \(mine.map { String($0.index) }.joined(separator: ", ")))", file: file.path,
                                       tensor: "\(layerPath)/\(owner.isEmpty ? "" : owner + "/")vars/\(expected)")
                }
                var tensors: [KerasStoredTensor] = []
                for variable in mine {
                    let info = try file.info(variable.path)
                    let label = (owner.isEmpty ? "" : owner + "/") + "vars/\(variable.index)"
                    tensors.append(KerasStoredTensor(path: variable.path, label: label, shape: info.shape, storedType: info.storedType))
                }
                let direction: String? = owner.hasPrefix("forward_") ? "forward" : owner.hasPrefix("backward_") ? "backward" : nil
                let innerName = direction.flatMap { file.kerasString("name", at: "\(layerPath)/\($0)_layer/vars") }
                let cellName = owner.isEmpty ? nil : file.kerasString("name", at: "\(layerPath)/\(owner)/vars")
                let hint = cellName.flatMap(RecurrentCellType.fromName) ?? innerName.flatMap(RecurrentCellType.fromName)
                    ?? (owner.isEmpty ? nil : RecurrentCellType.fromName(String(layerPath.dropFirst("layers/".count))))
                directions.append(KerasStoredDirection(direction: direction, name: innerName, cellHint: hint, tensors: tensors))
            }
            let unknown = Set(variables.map(\.owner)).subtracting(["", "cell", "forward_layer/cell", "backward_layer/cell"])
            if let owner = unknown.sorted().first {
                throw ELMoKitError(.modelInvalid, "layer '\(name)': variables under '\(layerPath)/\(owner)' are not in a layout this reader knows "
                                   + "(nested models and custom layers are not supported)", file: file.path, tensor: "\(layerPath)/\(owner)/vars")
            }
            let offsets = variables.map { file.dataOffset($0.path) }
            let writeOrder = offsets.contains(nil) ? nil : offsets.compactMap { $0 }.min()
            layers.append(KerasStoredLayer(name: name, objectPath: layerPath, weightNames: nil, directions: directions, writeOrder: writeOrder))
        }
        return KerasStoredWeights(layers: layers, layerNames: nil, otherDatasets: others,
                                  kerasVersion: file.kerasString("keras_version", at: "/"), backend: file.kerasString("backend", at: "/"))
    }

    /// The object path Keras 3 gives each layer of a model: the snake_case class name, with
    /// `_1`, `_2`, … for repeats, in model layer order (`saving_lib._save_container_state`).
    static func objectPaths(classNames: [String]) -> [String] {
        var used: [String: Int] = [:]
        return classNames.map { className in
            let stem = kerasSnakeCase(className)
            if let count = used[stem] {
                used[stem] = count + 1
                return "layers/\(stem)_\(count + 1)"
            }
            used[stem] = 0
            return "layers/\(stem)"
        }
    }
}

extension HDF5File {
    /// The file address of a contiguous dataset's data, nil if it has none (chunked, compact,
    /// not yet written). h5py allocates data as it writes, so addresses follow write order.
    func dataOffset(_ name: String) -> UInt64? {
        let ds = H5Dopen2(id, name, ek_H5P_DEFAULT())
        guard ds >= 0 else {
            H5Eclear2(ek_H5E_DEFAULT())
            return nil
        }
        defer { H5Dclose(ds) }
        let offset = H5Dget_offset(ds)
        return offset == haddr_t.max ? nil : UInt64(offset)
    }
}
