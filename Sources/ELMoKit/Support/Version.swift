/// The tool's version, recorded in the provenance of every file it writes.
public enum ELMoKitVersion {
    public static let string = "0.1.0"
}
