/// Which representation `embed` writes per sentence (the `allennlp elmo` command's choices).
public enum EmbeddingSelection: String, Sendable {
    /// (L+1, n, 2P): every layer.
    case all
    /// (n, 2P): the top LSTM layer.
    case top
    /// (n, 2P): the mean of all layers.
    case average

    /// The values and shape to store for one sentence.
    public func select(_ e: SentenceEmbedding) -> (shape: [Int], values: [Float]) {
        switch self {
        case .all: return ([e.layerCount, e.tokenCount, e.dim], e.values)
        case .top: return ([e.tokenCount, e.dim], Array(e.layer(e.layerCount - 1)))
        case .average: return ([e.tokenCount, e.dim], Verifier.average(e))
        }
    }
}

/// Writes embeddings in the layout of the `allennlp elmo` command (elmo-formats §3): one float32
/// dataset per sentence keyed by its line number, plus `sentence_to_index`, a (1,) string dataset
/// holding the JSON map sentence → key, so existing readers work unchanged.
public final class EmbeddingOutputFile {
    private let file: HDF5OutputFile
    private var index: [(String, JSONValue)] = []
    /// Position of each sentence in `index`.
    private var position: [String: Int] = [:]
    public let selection: EmbeddingSelection

    public init(destination: String, selection: EmbeddingSelection, force: Bool) throws {
        file = try HDF5OutputFile(destination: destination, force: force)
        self.selection = selection
    }

    /// Adds one sentence; `mixed` (n × dim values of a scalar mix) replaces the selection when given.
    public func add(line: Int, sentence: String, embedding: SentenceEmbedding, mixed: [Float]? = nil) throws {
        let (shape, values) = mixed.map { ([embedding.tokenCount, embedding.dim], $0) } ?? selection.select(embedding)
        try file.addDataset(String(line), shape: shape, values: values)
        // Like AllenNLP's Python dict: a repeated sentence keeps its first position and its last key.
        if let at = position[sentence] {
            index[at].1 = JSONValue(String(line))
        } else {
            position[sentence] = index.count
            index.append((sentence, JSONValue(String(line))))
        }
    }

    public func commit() throws {
        try file.addStringDataset("sentence_to_index", [JSONValue.object(index).canonicalString()])
        try file.commit()
    }
}
