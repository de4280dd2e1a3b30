import ELMoKit
import Foundation

/// Writes the seed corpus: small valid inputs for each target (a few hundred bytes each), so the
/// fuzzer starts from files that pass every rule and mutates from there.
enum Seeds {
    static func write(to root: String) throws {
        let fm = FileManager.default
        for target in FuzzTarget.allCases {
            try fm.createDirectory(atPath: root + "/" + target.rawValue, withIntermediateDirectories: true)
        }
        try nativeSeeds(root + "/native")
        for (name, text) in optionsSeeds { try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/options/" + name)) }
        for (name, text) in sentenceSeeds {
            // First byte picks max_characters_per_token in the target ('/' = 47 → 3 + 47 % 62 = 50).
            try Data(("/" + text).utf8).write(to: URL(fileURLWithPath: root + "/charids/" + name))
        }
    }

    static let tinyOptions = """
    {"char_cnn":{"activation":"relu","embedding":{"dim":2},"filters":[[1,2],[2,2]],"max_characters_per_token":5,\
    "n_characters":262,"n_highway":1},"lstm":{"cell_clip":3,"dim":4,"n_layers":1,"proj_clip":3,"projection_dim":2,\
    "use_skip_connections":true}}
    """

    static func nativeSeeds(_ folder: String) throws {
        let config = try JSONParser.parse(tinyOptions)
        let elmoMeta: JSONValue = .object([("architecture", JSONValue("elmo")), ("config", config),
                                           ("layout", JSONValue("bilm-tf")),
                                           ("runtime", .object([("lstm_forget_bias", .number("1.0"))]))])
        let f32 = DType.float32, f16 = DType.float16
        try write(folder + "/mixed.elmk", .object([("k", JSONValue("v"))]), [
            (TensorInfo(name: "a", dtype: f32, shape: [2, 3]), 1),
            (TensorInfo(name: "b", dtype: f16, shape: [4]), 2),
            (TensorInfo(name: "c", dtype: .float64, shape: []), 3),
            (TensorInfo(name: "d", dtype: .bfloat16, shape: [0, 5]), 4),
        ])
        try write(folder + "/empty.elmk", .object([]), [])
        try write(folder + "/rank8.elmk", .object([]), [(TensorInfo(name: "x/y", dtype: f32, shape: [1, 1, 1, 1, 1, 1, 1, 2]), 5)])
        try write(folder + "/unicode.elmk", .object([("ü", .array([.null, .bool(true), .number("-1.5e3")]))]),
                  [(TensorInfo(name: "é", dtype: f32, shape: [1]), 6), (TensorInfo(name: "日本", dtype: f16, shape: [3]), 7)])
        // A whole (tiny) ELMo: the shapes its own config asks for.
        var elmo: [(TensorInfo, UInt8)] = [(TensorInfo(name: "char_embed", dtype: f32, shape: [261, 2]), 8)]
        elmo += [(TensorInfo(name: "CNN/W_cnn_0", dtype: f32, shape: [1, 1, 2, 2]), 9),
                 (TensorInfo(name: "CNN/W_cnn_1", dtype: f32, shape: [1, 2, 2, 2]), 10),
                 (TensorInfo(name: "CNN/b_cnn_0", dtype: f32, shape: [2]), 11),
                 (TensorInfo(name: "CNN/b_cnn_1", dtype: f32, shape: [2]), 12)]
        try write(folder + "/elmo-partial.elmk", elmoMeta, elmo)
    }

    /// Writes a file whose tensors hold bytes `fill, fill+1, …`.
    static func write(_ path: String, _ metadata: JSONValue, _ tensors: [(TensorInfo, UInt8)]) throws {
        let writer = try NativeWriter(destination: path, metadata: metadata, tensors: tensors.map(\.0), force: true)
        let fills = Dictionary(uniqueKeysWithValues: tensors.map { ($0.0.name, $0.1) })
        while let next = writer.nextTensor {
            let fill = fills[next.name]!
            try writer.write((0..<next.byteCount).map { UInt8(truncatingIfNeeded: Int(fill) &* 31 &+ $0) })
        }
        try writer.finish()
    }

    static let optionsSeeds: [(String, String)] = [
        ("reference.json", """
        {"lstm":{"cell_clip":3,"use_skip_connections":true,"n_layers":2,"proj_clip":3,"projection_dim":16,"dim":64},\
        "char_cnn":{"embedding":{"dim":4},"filters":[[1,4],[2,8],[3,16],[4,32],[5,64]],"n_highway":2,\
        "n_characters":262,"max_characters_per_token":50,"activation":"relu"}}
        """),
        ("tiny.json", tinyOptions),
        ("token-model.json", #"{"bidirectional": false, "lstm": {"dim": 8, "projection_dim": 4, "n_layers": 1, "cell_clip": null}}"#),
        ("training-keys.json", """
        {"bidirectional":true,"char_cnn":{"activation":"tanh","embedding":{"dim":16},"filters":[[1,32],[2,32]],\
        "max_characters_per_token":50,"n_characters":261,"n_highway":1},"dropout":0.1,"lstm":{"cell_clip":3.0,"dim":4096,\
        "n_layers":2,"proj_clip":3e0,"projection_dim":512,"use_skip_connections":true},"all_clip_norm_val":10.0,\
        "n_epochs":10,"n_train_tokens":768648884,"batch_size":128,"n_tokens_vocab":793471,"unroll_steps":20,\
        "n_negative_samples_batch":8192}
        """),
        ("escapes.json", #" [ "\u00e9\ud83d\ude00\n\t\"\\\/", -0.0e-10, 1E+2, {}, [], true, false, null ] "#),
    ]

    static let sentenceSeeds: [(String, String)] = [
        ("plain.txt", "The quick brown fox jumps over the lazy dog ."),
        ("markers.txt", "<S> </S> <S>x </S>"),
        ("long.txt", "Pneumonoultramicroscopicsilicovolcanoconiosis-and-then-some-more-characters-to-exceed-fifty"),
        ("scripts.txt", "Привет мир 日本語のテキスト 😀👍🏽 e\u{301}\tcafé\u{00A0}x"),
    ]
}
