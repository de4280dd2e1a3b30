/// Release archives (.zip, .tar.gz) as the AllenNLP and OSCAR models ship. Placeholder until the
/// archive reader lands: recognises nothing.
public final class ReleaseArchive {
    public static func openIfArchive(_ path: String) throws -> ReleaseArchive? { nil }
    public func findELMoPair() throws -> (weights: String, options: String) {
        throw ELMoKitError(.unknownFormat, "archives are not supported yet")
    }
}
