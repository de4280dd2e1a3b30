import XCTest
@testable import ELMoKit

/// Values worked out by hand from AllenNLP's ScalarMix definition.
final class ScalarMixTests: XCTestCase {
    // Two layers, one sentence of one token, dim 2: A0 = [1, 3], A1 = [5, 7].
    let e = SentenceEmbedding(tokenCount: 1, layerCount: 2, dim: 2, values: [1, 3, 5, 7])

    func test_equalWeights_areTheMeanTimesGamma() throws {
        XCTAssertEqual(try ScalarMix(weights: [0, 0], gamma: 2).mix([e])[0], [6, 10])
    }

    func test_weights_goThroughSoftmax() throws {
        // softmax([0, ln 3]) = [1/4, 3/4]: 1/4·[1,3] + 3/4·[5,7] = [4, 6]
        let out = try ScalarMix(weights: [0, log(3)]).mix([e])[0]
        XCTAssertEqual(out[0], 4, accuracy: 1e-6)
        XCTAssertEqual(out[1], 6, accuracy: 1e-6)
    }

    /// Layer norm uses one mean and variance per layer over the whole batch: A0 = [1, 3] → mean 2,
    /// var 1 → [-1, 1]; A1 = [5, 7] → [-1, 1]; equal weights → [-1, 1].
    func test_layerNorm_isGlobalPerLayer() throws {
        let out = try ScalarMix(weights: [0, 0], layerNorm: true).mix([e])[0]
        XCTAssertEqual(out[0], -1, accuracy: 1e-6)
        XCTAssertEqual(out[1], 1, accuracy: 1e-6)
    }

    func test_wrongNumberOfWeights_isAnError() {
        XCTAssertThrowsCode(.usage, try ScalarMix(weights: [0, 0, 0]).mix([e]))
    }
}
