import Foundation

/// A model release archive (.zip, .tar.gz, .tar) holding an options.json and an HDF5 weight
/// file, as the OSCAR (zip) and AllenNLP (tar.gz) ELMo models ship. The pair is extracted into a
/// private temp folder that is removed with this object.
public final class ReleaseArchive {
    public let path: String
    private let scratch: URL
    private let names: [String]
    private let extractor: (String, String) throws -> Void

    /// Returns nil when `path` is not an archive we read.
    public static func openIfArchive(_ path: String) throws -> ReleaseArchive? {
        guard let kind = kind(of: path) else { return nil }
        return try ReleaseArchive(path: path, zip: kind == .zip)
    }

    public enum Kind: Sendable { case zip, gzip, tar }

    /// What kind of archive `path` is by its first bytes (zip, gzip, or a ustar header), if any.
    public static func kind(of path: String) -> Kind? {
        if ZipArchive.hasSignature(path) { return .zip }
        let head = InputFile.prefix(path, count: 262)
        if head.starts(with: [0x1F, 0x8B]) { return .gzip }
        if head.count == 262, Array(head[257..<262]) == Array("ustar".utf8) { return .tar }
        return nil
    }

    private init(path: String, zip: Bool) throws {
        self.path = path
        scratch = try TemporaryFile.makeFolder(kind: "archive")
        do {
            if zip {
                let archive = try ZipArchive(path: path)
                names = archive.entries.filter { !$0.isDirectory }.map(\.name)
                extractor = { name, destination in
                    guard FileManager.default.createFile(atPath: destination, contents: nil),
                          let out = FileHandle(forWritingAtPath: destination) else {
                        throw ELMoKitError(.writeFailed, "cannot extract '\(name)'", file: destination)
                    }
                    defer { try? out.close() }
                    try archive.stream(archive.entry(name)!) { try write(Data($0), to: out, destination) }
                }
            } else {
                let tar = try TarArchive(path: path, scratch: scratch)
                names = tar.entries.map(\.name)
                extractor = { name, destination in
                    try tar.extract(tar.entries.first { $0.name == name }!, to: destination)
                }
            }
        } catch {
            try? FileManager.default.removeItem(at: scratch)
            throw error
        }
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Finds the one options file (`*options*.json`) and the one weight file (`.hdf5`/`.h5`) in the
    /// archive and extracts both, with the vocabulary of a token-input model when there is one
    /// `*vocab*.txt` (extracted beside the weights, where `ELMoModel.vocabulary` looks for it);
    /// several candidates or none is an error listing what was found. Returns the extracted
    /// paths and the members' names in the archive.
    public func findELMoPair() throws -> (weights: String, options: String, weightsMember: String, optionsMember: String,
                                          vocabularyMember: String?, vocabularyCandidates: [String]) {
        let files = names.filter { !($0 as NSString).lastPathComponent.hasPrefix(".") }
        func base(_ name: String) -> String { (name as NSString).lastPathComponent.lowercased() }
        let options = files.filter { base($0).contains("options") && base($0).hasSuffix(".json") }
        let weights = files.filter { base($0).hasSuffix(".hdf5") || base($0).hasSuffix(".h5") }
        let vocabularies = files.filter { base($0).contains("vocab") && base($0).hasSuffix(".txt") }
        guard options.count == 1, weights.count == 1 else {
            throw ELMoKitError(.input, "expected one options .json and one weights .hdf5 in the archive, found options \(options) and weights \(weights)",
                               file: path)
        }
        let pair = (weights: scratch.appendingPathComponent((weights[0] as NSString).lastPathComponent).path,
                    options: scratch.appendingPathComponent((options[0] as NSString).lastPathComponent).path,
                    weightsMember: weights[0], optionsMember: options[0],
                    vocabularyMember: vocabularies.count == 1 ? vocabularies[0] : nil, vocabularyCandidates: vocabularies)
        try extractor(weights[0], pair.weights)
        try extractor(options[0], pair.options)
        if let member = pair.vocabularyMember { try extractor(member, vocabularyPath(member)) }
        return pair
    }

    /// Where `findELMoPair` extracts the vocabulary member.
    func vocabularyPath(_ member: String) -> String {
        scratch.appendingPathComponent((member as NSString).lastPathComponent).path
    }
}

/// Appends `data` to an extraction file; a full temp folder is an error naming it, not the
/// trap that `FileHandle.write(_:)` raises.
func write(_ data: Data, to handle: FileHandle, _ path: String) throws {
    do { try handle.write(contentsOf: data) } catch {
        throw ELMoKitError(.writeFailed, "cannot extract into the temp folder: \((error as NSError).localizedDescription)",
                           file: (path as NSString).deletingLastPathComponent)
    }
}
