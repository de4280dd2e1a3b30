/// The architecture a bilm-tf `options.json` describes (elmo-formats §1.3). The JSON itself is
/// kept verbatim in `json`; the typed fields are what the forward pass and the validator use.
public struct ELMoOptions: Sendable {
    public struct CharCNN: Sendable, Equatable {
        /// E: char embedding width.
        public var embeddingDim: Int
        /// (width, count) per filter bank, in order.
        public var filters: [(width: Int, count: Int)]
        public var nHighway: Int
        /// 261 (training) or 262 (inference); the file always holds 261 rows.
        public var nCharacters: Int
        public var maxCharactersPerToken: Int
        /// "relu" or "tanh", applied after the max over time.
        public var activation: String
        /// F: total number of filters.
        public var totalFilters: Int { filters.reduce(0) { $0 + $1.count } }

        public static func == (a: CharCNN, b: CharCNN) -> Bool {
            a.embeddingDim == b.embeddingDim && a.filters.map(\.width) == b.filters.map(\.width)
                && a.filters.map(\.count) == b.filters.map(\.count) && a.nHighway == b.nHighway
                && a.nCharacters == b.nCharacters && a.maxCharactersPerToken == b.maxCharactersPerToken
                && a.activation == b.activation
        }
    }

    /// D: LSTM cell size.
    public var dim: Int
    /// P: projection size, the width of every layer output per direction.
    public var projectionDim: Int
    /// L: number of LSTM layers per direction.
    public var nLayers: Int
    /// nil when absent, null or 0 (no clipping).
    public var cellClip: Float?
    public var projClip: Float?
    public var useSkipConnections: Bool
    public var bidirectional: Bool
    /// nil for token-input models (an `embedding` tensor instead of the char CNN).
    public var charCNN: CharCNN?
    /// The source JSON, unchanged.
    public var json: JSONValue
    /// Non-fatal remarks found while reading (e.g. missing optional keys); `validate` shows them.
    public var notes: [String] = []

    /// Caps on sizes (dims, filter widths and counts) and on counts of things (layers, highway
    /// layers, filter banks, characters per token): far above any real model (ELMo's largest
    /// size is 4096, it reads 50 characters a token), low enough that hostile options cannot
    /// overflow shape arithmetic (a sum of huge filter counts trapped in `totalFilters`), make
    /// `expectedTensors` loop for ever (n_layers = 10^12) or make each token allocate megabytes.
    public static let maxSize = 1 << 20
    public static let maxCount = 1024

    /// Reads options from JSON, failing with every problem listed when the architecture cannot be
    /// determined (missing `lstm`, non-numeric sizes…).
    public init(json: JSONValue, file: String? = nil) throws {
        self.json = json
        var problems: [String] = []
        func int(_ value: JSONValue?, _ key: String, min: Int, max: Int = ELMoOptions.maxSize,
                 default fallback: Int? = nil) -> Int {
            guard let value, value != .null else {
                if let fallback { return fallback }
                problems.append("'\(key)' is missing")
                return 0
            }
            guard let n = value.intValue, n >= min, n <= max else {
                problems.append("'\(key)' must be an integer in \(min)...\(max), got \(value.canonicalString())")
                return 0
            }
            return n
        }
        func clip(_ value: JSONValue?, _ key: String) -> Float? {
            guard let value, value != .null else { return nil }
            guard let d = value.doubleValue, d >= 0 else {
                problems.append("'\(key)' must be a number >= 0, got \(value.canonicalString())")
                return nil
            }
            return d == 0 ? nil : Float(d)
        }
        guard case .object = json else {
            throw ELMoKitError(.optionsInvalid, "options must be a JSON object", file: file)
        }
        let lstm = json["lstm"]
        if lstm?.objectValue == nil { problems.append("'lstm' section is missing") }
        dim = int(lstm?["dim"], "lstm.dim", min: 1)
        projectionDim = int(lstm?["projection_dim"], "lstm.projection_dim", min: 1, default: lstm?["dim"]?.intValue)
        nLayers = int(lstm?["n_layers"], "lstm.n_layers", min: 1, max: Self.maxCount, default: 1)
        cellClip = clip(lstm?["cell_clip"], "lstm.cell_clip")
        projClip = clip(lstm?["proj_clip"], "lstm.proj_clip")
        if let skip = lstm?["use_skip_connections"], skip != .null {
            if let b = skip.boolValue { useSkipConnections = b } else {
                problems.append("'lstm.use_skip_connections' must be true or false")
                useSkipConnections = false
            }
        } else {
            useSkipConnections = false
            notes.append("'lstm.use_skip_connections' is missing; assuming false (bilm-tf requires the key)")
        }
        // A key of the wrong type is a problem, never a silent default.
        if let value = json["bidirectional"], value != .null, value.boolValue == nil {
            problems.append("'bidirectional' must be true or false, got \(value.canonicalString())")
        }
        bidirectional = json["bidirectional"]?.boolValue ?? true
        if projectionDim > dim, dim > 0 {
            problems.append("'lstm.projection_dim' \(projectionDim) is larger than 'lstm.dim' \(dim)")
        }
        if let cnn = json["char_cnn"], cnn != .null {
            var filters: [(Int, Int)] = []
            if let list = cnn["filters"]?.arrayValue, list.count > Self.maxCount {
                problems.append("'char_cnn.filters' has \(list.count) banks, at most \(Self.maxCount)")
            } else if let list = cnn["filters"]?.arrayValue, !list.isEmpty {
                for (i, f) in list.enumerated() {
                    guard let pair = f.arrayValue, pair.count == 2, let w = pair[0].intValue, let n = pair[1].intValue,
                          (1...Self.maxSize).contains(w), (1...Self.maxSize).contains(n) else {
                        problems.append("'char_cnn.filters[\(i)]' must be [width, count] with integers in 1...\(Self.maxSize)")
                        continue
                    }
                    filters.append((w, n))
                }
            } else {
                problems.append("'char_cnn.filters' is missing or empty")
            }
            let maxChars = int(cnn["max_characters_per_token"], "char_cnn.max_characters_per_token", min: 3, max: Self.maxCount, default: 50)
            for (w, _) in filters where w > maxChars {
                problems.append("filter width \(w) exceeds max_characters_per_token \(maxChars)")
            }
            let activation = cnn["activation"]?.stringValue ?? "relu"
            if let value = cnn["activation"], value != .null, value.stringValue == nil {
                problems.append("'char_cnn.activation' must be \"relu\" or \"tanh\", got \(value.canonicalString())")
            } else if !["relu", "tanh"].contains(activation) {
                problems.append("'char_cnn.activation' must be \"relu\" or \"tanh\", got \"\(activation)\"")
            }
            let nChars = int(cnn["n_characters"], "char_cnn.n_characters", min: 1, default: 262)
            if nChars != 261 && nChars != 262 {
                problems.append("'char_cnn.n_characters' must be 261 (training) or 262 (inference), got \(nChars)")
            }
            charCNN = CharCNN(embeddingDim: int(cnn["embedding"]?["dim"], "char_cnn.embedding.dim", min: 1),
                              filters: filters, nHighway: int(cnn["n_highway"], "char_cnn.n_highway", min: 0, max: Self.maxCount, default: 0),
                              nCharacters: nChars, maxCharactersPerToken: maxChars, activation: activation)
            if nChars == 261 {
                notes.append("n_characters is 261 (training value); inference adds the padding row itself, as bilm-tf does with 262")
            }
        } else {
            charCNN = nil
        }
        guard problems.isEmpty else {
            throw ELMoKitError(.optionsInvalid, "invalid options: " + problems.joined(separator: "; "), file: file)
        }
    }

    /// Reads and parses an options.json file.
    public init(path: String) throws {
        try InputFile.checkReadable(path)
        let bytes = InputFile.prefix(path, count: 16 << 20)
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch let e as ELMoKitError {
            throw ELMoKitError(.optionsInvalid, "options are not valid JSON: \(e.message)", file: path)
        }
        try self.init(json: json, file: path)
    }

    /// Directions in the model: ["forward", "backward"] or ["forward"].
    public var directionCount: Int { bidirectional ? 2 : 1 }
    /// Width of each output layer: 2P for bidirectional models.
    public var outputDim: Int { projectionDim * directionCount }
}
