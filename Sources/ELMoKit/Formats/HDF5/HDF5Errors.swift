import CHDF5

/// Turns HDF5's error stack into Swift errors. HDF5's own printing to stderr is switched off
/// once, because a CLI must print one clear line, not a C stack dump.
enum HDF5Errors {
    /// Silences HDF5's automatic error printing (idempotent; `H5open` is cheap once done).
    static let silenced: Bool = {
        // No cleanup at exit: after a failed H5Fclose (a full disk) libhdf5's atexit handler
        // crashes flushing the file again, turning a clean error into SIGSEGV. Every file we
        // write is closed (and fsynced) explicitly; files we read need no flush.
        _ = H5dont_atexit()
        _ = H5open()
        H5Eset_auto2(ek_H5E_DEFAULT(), nil, nil)
        return true
    }()

    /// The innermost-first messages of the current error stack, then clears it.
    static func takeStack() -> [String] {
        final class Box { var messages: [String] = [] }
        let box = Box()
        let stack = H5Eget_current_stack()
        guard stack >= 0 else { return [] }
        H5Ewalk2(stack, H5E_WALK_UPWARD, { _, desc, data in
            guard let desc, let data else { return 0 }
            let box = Unmanaged<Box>.fromOpaque(data).takeUnretainedValue()
            // One line: libhdf5's messages can span lines (its write errors do).
            if let text = desc.pointee.desc {
                box.messages.append(String(cString: text).split(whereSeparator: \.isNewline).joined(separator: " "))
            }
            return 0
        }, Unmanaged.passUnretained(box).toOpaque())
        H5Eclose_stack(stack)
        H5Eclear2(ek_H5E_DEFAULT())
        return box.messages
    }

    /// A failed call while writing `file`: exit 3 (output not written), with the OS's reason
    /// when libhdf5 reports one ("errno = 28, error message = 'No space left on device'").
    static func writeFailure(_ call: String, file: String, object: String? = nil) -> ELMoKitError {
        let stack = takeStack()
        let what = object.map { "'\($0)': " } ?? ""
        let joined = stack.joined(separator: " ")
        if let start = joined.range(of: "error message = '"), let end = joined[start.upperBound...].firstIndex(of: "'") {
            return ELMoKitError(.writeFailed, "\(what)write failed: \(joined[start.upperBound..<end])", file: file, tensor: object)
        }
        return ELMoKitError(.writeFailed, "\(what)\(call) failed" + (stack.first.map { ": \($0)" } ?? ""), file: file, tensor: object)
    }

    /// Builds the error for a failed call: file and object named, HDF5's first message appended.
    static func failure(_ call: String, file: String, object: String? = nil) -> ELMoKitError {
        let stack = takeStack()
        let joined = stack.joined(separator: "; ")
        let lower = joined.lowercased()
        if lower.contains("truncated") || lower.contains("eof") || lower.contains("bad object header")
            || lower.contains("bad") && lower.contains("signature") && !lower.contains("file signature")
        {
            return ELMoKitError(.hdf5Corrupt, "truncated or corrupt HDF5 file (\(stack.first ?? call))",
                                file: file, tensor: object)
        }
        if lower.contains("file signature not found") {
            return ELMoKitError(.notHDF5, "not an HDF5 file (no HDF5 signature)", file: file, tensor: object)
        }
        let what = object.map { "'\($0)': " } ?? ""
        let detail = stack.first.map { ": \($0)" } ?? ""
        return ELMoKitError(.hdf5, "\(what)\(call) failed\(detail)", file: file, tensor: object)
    }
}
