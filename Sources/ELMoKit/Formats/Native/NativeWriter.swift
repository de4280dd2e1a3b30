import Foundation

/// Streams a native checkpoint: header first, then each tensor's bytes in table order (in as many
/// pieces as the caller likes), then the trailer with the CRCs and SHA-256 computed on the way.
/// Memory use is the header plus whatever piece the caller hands in. See docs/FORMAT.md.
public final class NativeWriter {
    private enum State { case writingData(index: Int, written: Int), finished }

    public let tensors: [TensorInfo]
    private let output: AtomicOutputFile
    private var state: State
    private let sha = SHA256()
    private var crcs: [UInt32]
    private var currentCRC: UInt32 = 0
    private var position: UInt64

    /// Opens the output and writes the header. `tensors` may come in any order; they are
    /// written sorted by name, and `write` must then be called in `tensors` (sorted) order.
    public init(destination: String, metadata: JSONValue, tensors unsorted: [TensorInfo], force: Bool) throws {
        let tensors = unsorted.sorted { NativeFormat.canonicalOrder($0.name, $1.name) }
        for (a, b) in zip(tensors, tensors.dropFirst()) where a.name == b.name {
            throw ELMoKitError(.nativeDuplicateName, "two tensors named '\(a.name)'", tensor: a.name)
        }
        guard tensors.count <= NativeFormat.maxTensorCount else {
            throw ELMoKitError(.nativeTensorCount, "\(tensors.count) tensors, at most \(NativeFormat.maxTensorCount)")
        }
        self.tensors = tensors
        let header = try Self.header(metadata: metadata, tensors: tensors)
        output = try AtomicOutputFile(destination: destination, force: force)
        crcs = []
        crcs.reserveCapacity(tensors.count)
        state = .writingData(index: 0, written: 0)
        position = UInt64(header.count)
        sha.update(header)
        try output.write(header)
        try finishEmptyTensors()
    }

    /// Builds preamble + metadata + table + padding (FORMAT.md, in field order).
    static func header(metadata: JSONValue, tensors: [TensorInfo]) throws -> [UInt8] {
        let meta = Array(metadata.canonicalString().utf8)
        guard meta.count <= NativeFormat.maxMetadataLength else {
            throw ELMoKitError(.nativeMetadata, "metadata of \(meta.count) bytes exceeds the 16 MiB cap")
        }
        var table = ByteBuffer()
        var offset: UInt64 = 0
        for t in tensors {
            guard !t.name.isEmpty, t.name.utf8.count <= NativeFormat.maxNameLength, !t.name.utf8.contains(0) else {
                throw ELMoKitError(.nativeTensorName, "tensor name '\(t.name)' is empty, too long or holds NUL", tensor: t.name)
            }
            guard t.shape.count <= NativeFormat.maxRank else {
                throw ELMoKitError(.nativeRank, "tensor '\(t.name)' has rank \(t.shape.count), at most 8", tensor: t.name)
            }
            NativeFormat.encodeEntry(name: t.name, dtype: t.dtype, shape: t.shape, offset: offset, into: &table)
            offset = alignUp(offset + UInt64(t.byteCount), UInt64(NativeFormat.alignment))!
        }
        let a = UInt64(NativeFormat.alignment)
        let dataOffset = alignUp(UInt64(NativeFormat.preambleSize + meta.count + table.bytes.count), a)!
        var pre = ByteBuffer()
        pre.append(NativeFormat.magic)
        pre.append(NativeFormat.versionMajor)
        pre.append(NativeFormat.versionMinor)
        pre.append(NativeFormat.byteOrderMark)
        pre.append(UInt32(NativeFormat.alignment))
        pre.append(UInt32(tensors.count))
        pre.append(UInt64(meta.count))
        pre.append(UInt64(table.bytes.count))
        pre.append(dataOffset)
        pre.append(offset)  // data_length: aligned end of the last tensor
        var crc = CRC32.checksum(pre.bytes)
        crc = CRC32.checksum(meta, continuing: crc)
        crc = CRC32.checksum(table.bytes, continuing: crc)
        pre.append(crc)
        pre.append(UInt32(0))
        var header = pre.bytes + meta + table.bytes
        header += [UInt8](repeating: 0, count: Int(dataOffset) - header.count)
        return header
    }

    /// Appends the next piece of the current tensor's little-endian bytes.
    public func write(_ piece: UnsafeRawBufferPointer) throws {
        guard case let .writingData(index, written) = state, index < tensors.count else {
            throw ELMoKitError(.writeFailed, "writer: no tensor left to write", file: output.destination)
        }
        let tensor = tensors[index]
        guard piece.count <= tensor.byteCount - written else {
            throw ELMoKitError(.writeFailed, "writer: tensor '\(tensor.name)' got more than its \(tensor.byteCount) bytes",
                               file: output.destination, tensor: tensor.name)
        }
        try emit(piece)
        currentCRC = CRC32.checksum(piece, continuing: currentCRC)
        state = .writingData(index: index, written: written + piece.count)
        if written + piece.count == tensor.byteCount { try endTensor() }
    }

    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// The name of the tensor whose bytes `write` expects next, nil when all are written.
    public var nextTensor: TensorInfo? {
        if case let .writingData(index, _) = state, index < tensors.count { return tensors[index] }
        return nil
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        sha.update(bytes)
        try output.write(bytes)
        position += UInt64(bytes.count)
    }

    private func endTensor() throws {
        guard case let .writingData(index, _) = state else { return }
        crcs.append(currentCRC)
        currentCRC = 0
        let padding = Int(alignUp(position, UInt64(NativeFormat.alignment))! - position)
        if padding > 0 {
            try [UInt8](repeating: 0, count: padding).withUnsafeBytes { try emit($0) }
        }
        state = .writingData(index: index + 1, written: 0)
        try finishEmptyTensors()
    }

    /// Zero-size tensors take no `write` call.
    private func finishEmptyTensors() throws {
        if case let .writingData(index, 0) = state, index < tensors.count, tensors[index].byteCount == 0 {
            try endTensor()
        }
    }

    /// Writes the trailer, fsyncs and renames into place. Returns the file's SHA-256.
    @discardableResult
    public func finish() throws -> [UInt8] {
        guard case let .writingData(index, _) = state, index == tensors.count else {
            let name = nextTensor?.name ?? "?"
            throw ELMoKitError(.writeFailed, "writer: finish() before tensor '\(name)' was written",
                               file: output.destination, tensor: name)
        }
        var trailer = ByteBuffer()
        for crc in crcs { trailer.append(crc) }
        trailer.append(NativeFormat.endMagic)
        try trailer.bytes.withUnsafeBytes { try emit($0) }
        let digest = sha.finalize()
        try output.write(digest)
        try output.commit()
        state = .finished
        return digest
    }
}

extension NativeWriter {
    /// Writes a whole checkpoint with two threads, for `convert`. One thread streams every tensor's
    /// bytes (from `data`) to its place in the file, with CRC-32s, padding included, in file order.
    /// The other first runs `finalMetadata` (`convert` hashes the source file there, for
    /// provenance), then writes the header and follows the writer through the file with the
    /// SHA-256, reading back what is already written; it ends with the trailer and the hash.
    /// `placeholder` fixes the header's length: the final metadata must serialise to the same
    /// number of bytes (same keys, same-length values). Memory: one piece per thread. The output
    /// is committed (fsynced, renamed) only on success. `data(tensor, sink)` must pass the tensor's
    /// bytes to `sink`, in order, in any number of pieces.
    public static func writeConcurrently(destination: String, tensors unsorted: [TensorInfo], force: Bool,
                                         placeholder: JSONValue, finalMetadata: () throws -> JSONValue,
                                         data: (TensorInfo, (UnsafeRawBufferPointer) throws -> Void) throws -> Void,
                                         progress: ((_ done: Int, _ total: Int) -> Void)? = nil)
        throws -> (digest: [UInt8], metadata: JSONValue)
    {
        let tensors = unsorted.sorted { NativeFormat.canonicalOrder($0.name, $1.name) }
        for (a, b) in zip(tensors, tensors.dropFirst()) where a.name == b.name {
            throw ELMoKitError(.nativeDuplicateName, "two tensors named '\(a.name)'", tensor: a.name)
        }
        guard tensors.count <= NativeFormat.maxTensorCount else {
            throw ELMoKitError(.nativeTensorCount, "\(tensors.count) tensors, at most \(NativeFormat.maxTensorCount)")
        }
        let dataOffset = try header(metadata: placeholder, tensors: tensors).count
        var offsets: [Int] = []
        var end = 0
        for t in tensors {
            offsets.append(end)
            end = Int(alignUp(UInt64(end + t.byteCount), UInt64(NativeFormat.alignment))!)
        }
        let trailerStart = dataOffset + end
        let total = tensors.reduce(0) { $0 + $1.byteCount }
        let output = try AtomicOutputFile(destination: destination, force: force)

        // The writer publishes how far the file is complete; the hasher waits on it.
        let progressLock = NSCondition()
        var writtenTo = dataOffset  // bytes [dataOffset, writtenTo) are in the file
        var writerDone = false, hasherFailed = false
        var dataError: Error?, hashResult: Result<(digest: [UInt8], metadata: JSONValue), Error> =
            .failure(ELMoKitError(.writeFailed, "not hashed"))
        var crcs: [UInt32] = []

        func publish(_ position: Int? = nil, done: Bool = false) -> Bool {
            progressLock.lock()
            defer { progressLock.unlock() }
            if let position { writtenTo = position }
            if done { writerDone = true }
            progressLock.broadcast()
            return !hasherFailed
        }

        Parallel.forEach(2) { part in
            if part == 1 {
                // Writer: tensor bytes and padding, in file order, CRC-32 per tensor.
                do {
                    var done = 0
                    for (i, t) in tensors.enumerated() {
                        var written = 0, crc: UInt32 = 0
                        let base = dataOffset + offsets[i]
                        try data(t) { piece in
                            guard piece.count <= t.byteCount - written else {
                                throw ELMoKitError(.writeFailed, "writer: tensor '\(t.name)' got more than its \(t.byteCount) bytes",
                                                   file: destination, tensor: t.name)
                            }
                            crc = CRC32.checksum(piece, continuing: crc)
                            try output.write(piece, at: base + written)
                            output.startWriteback(offset: base + written, count: piece.count)
                            written += piece.count
                            guard publish(base + written) else {
                                throw ELMoKitError(.writeFailed, "stopped: the metadata could not be computed", file: destination)
                            }
                        }
                        guard written == t.byteCount else {
                            throw ELMoKitError(.readFailed, "tensor '\(t.name)' gave \(written) bytes, expected \(t.byteCount)",
                                               file: destination, tensor: t.name)
                        }
                        crcs.append(crc)
                        let padEnd = dataOffset + (i + 1 < tensors.count ? offsets[i + 1] : end)
                        if padEnd > base + written {
                            try [UInt8](repeating: 0, count: padEnd - base - written).withUnsafeBytes { try output.write($0, at: base + written) }
                        }
                        _ = publish(padEnd)
                        done += t.byteCount
                        progress?(done, total)
                    }
                } catch {
                    dataError = error
                }
                _ = publish(done: true)
                return
            }
            // Hasher: metadata, header, then SHA-256 of the file as the writer completes it.
            hashResult = Result {
                let metadata: JSONValue
                do { metadata = try finalMetadata() } catch {
                    progressLock.lock()
                    hasherFailed = true
                    progressLock.unlock()
                    throw error
                }
                let head = try header(metadata: metadata, tensors: tensors)
                guard head.count == dataOffset else {
                    throw ELMoKitError(.writeFailed, "internal error: the final header (\(head.count) bytes) differs in length from the placeholder's (\(dataOffset))",
                                       file: destination)
                }
                try head.withUnsafeBytes { try output.write($0, at: 0) }
                let sha = SHA256()
                sha.update(head)
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: SHA256.pieceBytes, alignment: 4096)
                defer { buffer.deallocate() }
                var hashed = dataOffset
                while hashed < trailerStart {
                    progressLock.lock()
                    while writtenTo <= hashed && !writerDone { progressLock.wait() }
                    let available = writtenTo, finished = writerDone
                    progressLock.unlock()
                    if available <= hashed && finished { throw ELMoKitError(.writeFailed, "the data writer stopped", file: destination) }
                    let n = min(buffer.count, available - hashed)
                    let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n])
                    try output.read(into: piece, at: hashed)
                    sha.update(UnsafeRawBufferPointer(piece))
                    hashed += n
                }
                // The CRCs are complete once the writer has reached the trailer.
                progressLock.lock()
                while !writerDone { progressLock.wait() }
                progressLock.unlock()
                var trailer = ByteBuffer()
                for crc in crcs { trailer.append(crc) }
                trailer.append(NativeFormat.endMagic)
                try trailer.bytes.withUnsafeBytes { try output.write($0, at: trailerStart) }
                sha.update(trailer.bytes)
                let digest = sha.finalize()
                try digest.withUnsafeBytes { try output.write($0, at: trailerStart + trailer.bytes.count) }
                return (digest, metadata)
            }
        }
        // A metadata failure stops the writer too: report the cause, not the writer's stop.
        if hasherFailed { _ = try hashResult.get() }
        if let dataError { throw dataError }
        let (digest, metadata) = try hashResult.get()
        try output.commit()
        return (digest, metadata)
    }
}
