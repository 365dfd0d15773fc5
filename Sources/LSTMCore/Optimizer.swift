/// An update rule: new parameters from the old ones and the loss gradient.
///
/// Each trial owns its optimizer (and so its state, such as Adam's moments). Updates walk the
/// flat parameter array front to back, so their results do not depend on anything but the inputs.
public protocol Optimizer: Sendable {
    /// The name a spec or a flag uses (`sgd`).
    var name: String { get }

    /// Applies one update to `parameters` (all of ``LSTMParameters/values``) given `gradient`,
    /// of the same length.
    mutating func update(_ parameters: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>)

    /// The state the optimizer carries between updates, as named arrays (empty when it has none),
    /// so that a checkpoint can resume training with the same bits.
    var state: [String: [Double]] { get }

    /// Restores a state that ``state`` returned.
    ///
    /// - Returns: `false` when the state does not fit this optimizer (missing or extra arrays).
    mutating func restore(_ state: [String: [Double]]) -> Bool
}

extension Optimizer {
    /// No state.
    public var state: [String: [Double]] { [:] }

    /// Accepts only the empty state.
    public mutating func restore(_ state: [String: [Double]]) -> Bool { state.isEmpty }
}

/// Plain stochastic gradient descent, `θ ← θ − η g`: the reference problem's optimizer.
public struct SGD: Optimizer {
    /// `η`.
    public var learningRate: Double

    /// Creates the optimizer.
    public init(learningRate: Double) {
        self.learningRate = learningRate
    }

    /// `sgd`.
    public var name: String { "sgd" }

    /// `θ[k] = θ[k] - η g[k]`.
    public mutating func update(_ parameters: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>)
    {
        let rate = learningRate
        for k in 0..<parameters.count {
            parameters[k] = parameters[k] - rate * gradient[k]
        }
    }
}

/// Gradient descent with heavy-ball momentum, in the convention of PyTorch:
/// `v ← μ v + g`, `θ ← θ − η v`, with `v` zero at the start.
public struct Momentum: Optimizer {
    /// `η`.
    public var learningRate: Double
    /// `μ`.
    public var momentum: Double
    private var velocity: [Double] = []

    /// Creates the optimizer.
    public init(learningRate: Double, momentum: Double = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    /// `momentum`.
    public var name: String { "momentum" }

    /// `velocity`: `v`, as long as the parameters once the first update ran.
    public var state: [String: [Double]] { velocity.isEmpty ? [:] : ["velocity": velocity] }

    /// Restores `velocity`.
    public mutating func restore(_ state: [String: [Double]]) -> Bool {
        guard state.keys.allSatisfy({ $0 == "velocity" }) else { return false }
        velocity = state["velocity"] ?? []
        return true
    }

    /// One momentum step.
    public mutating func update(_ parameters: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>)
    {
        if velocity.count != parameters.count {
            velocity = Array(repeating: 0, count: parameters.count)
        }
        let rate = learningRate
        let mu = momentum
        velocity.withUnsafeMutableBufferPointer { v in
            for k in 0..<parameters.count {
                v[k] = mu * v[k] + gradient[k]
                parameters[k] = parameters[k] - rate * v[k]
            }
        }
    }
}

/// Adam (Kingma and Ba, 2015, algorithm 1):
/// `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`,
/// `θ ← θ − η (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε)`.
///
/// `β^t` is kept as a running product (no `pow`), so every operation is a correctly rounded
/// IEEE one and the bits do not depend on the C library.
public struct Adam: Optimizer {
    /// `η`.
    public var learningRate: Double
    /// `β1`.
    public var beta1: Double
    /// `β2`.
    public var beta2: Double
    /// `ε`.
    public var epsilon: Double
    private var firstMoment: [Double] = []
    private var secondMoment: [Double] = []
    private var beta1Power = 1.0
    private var beta2Power = 1.0

    /// Creates the optimizer with the paper's defaults.
    public init(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// `adam`.
    public var name: String { "adam" }

    /// `m`, `v` and `[β1^t, β2^t]` as `powers`, once the first update ran.
    public var state: [String: [Double]] {
        firstMoment.isEmpty ? [:] : ["m": firstMoment, "v": secondMoment, "powers": [beta1Power, beta2Power]]
    }

    /// Restores `m`, `v` and the powers.
    public mutating func restore(_ state: [String: [Double]]) -> Bool {
        if state.isEmpty {
            (firstMoment, secondMoment, beta1Power, beta2Power) = ([], [], 1, 1)
            return true
        }
        guard state.count == 3, let m = state["m"], let v = state["v"], m.count == v.count,
            let powers = state["powers"], powers.count == 2
        else { return false }
        (firstMoment, secondMoment, beta1Power, beta2Power) = (m, v, powers[0], powers[1])
        return true
    }

    /// One Adam step.
    public mutating func update(_ parameters: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>)
    {
        if firstMoment.count != parameters.count {
            firstMoment = Array(repeating: 0, count: parameters.count)
            secondMoment = Array(repeating: 0, count: parameters.count)
        }
        beta1Power *= beta1
        beta2Power *= beta2
        let (b1, b2, eps, rate) = (beta1, beta2, epsilon, learningRate)
        let correction1 = 1.0 - beta1Power
        let correction2 = 1.0 - beta2Power
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                OptimizerLanes.forEach(parameters.count) { k, n in
                    let g = OptimizerLanes.load(gradient.baseAddress! + k, n)
                    let mk = b1 * OptimizerLanes.load(m.baseAddress! + k, n) + (1.0 - b1) * g
                    let vk = b2 * OptimizerLanes.load(v.baseAddress! + k, n) + (1.0 - b2) * (g * g)
                    let mHat = mk / correction1
                    let vHat = vk / correction2
                    let theta = OptimizerLanes.load(parameters.baseAddress! + k, n)
                    OptimizerLanes.store(mk, m.baseAddress! + k, n)
                    OptimizerLanes.store(vk, v.baseAddress! + k, n)
                    OptimizerLanes.store(
                        theta - rate * mHat / (vHat.squareRoot() + eps), parameters.baseAddress! + k, n)
                }
            }
        }
    }
}

/// RMSProp (Tieleman and Hinton, 2012, in PyTorch's convention without momentum or centring):
/// `v ← decay v + (1 − decay) g²`, `θ ← θ − η g / (sqrt(v) + ε)`, with `v` zero at the start.
///
/// Each parameter's update is evaluated exactly as `v = decay * v + (1 - decay) * (g * g)` and
/// `θ = θ - (η * g) / (v.squareRoot() + ε)`, every operation a correctly rounded IEEE one.
public struct RMSProp: Optimizer {
    /// `η`.
    public var learningRate: Double
    /// The decay of the running mean of squared gradients.
    public var decay: Double
    /// `ε`.
    public var epsilon: Double
    private var meanSquare: [Double] = []

    /// Creates the optimizer; the defaults are those of issue 13 (and of Keras).
    public init(learningRate: Double, decay: Double = 0.9, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.decay = decay
        self.epsilon = epsilon
    }

    /// `rmsprop`.
    public var name: String { "rmsprop" }

    /// `v`, the running mean of squared gradients, once the first update ran.
    public var state: [String: [Double]] { meanSquare.isEmpty ? [:] : ["v": meanSquare] }

    /// Restores `v`.
    public mutating func restore(_ state: [String: [Double]]) -> Bool {
        guard state.keys.allSatisfy({ $0 == "v" }) else { return false }
        meanSquare = state["v"] ?? []
        return true
    }

    /// One RMSProp step.
    public mutating func update(_ parameters: UnsafeMutableBufferPointer<Double>, gradient: UnsafeBufferPointer<Double>)
    {
        if meanSquare.count != parameters.count {
            meanSquare = Array(repeating: 0, count: parameters.count)
        }
        let (rho, eps, rate) = (decay, epsilon, learningRate)
        let complement = 1.0 - rho
        meanSquare.withUnsafeMutableBufferPointer { v in
            OptimizerLanes.forEach(parameters.count) { k, n in
                let g = OptimizerLanes.load(gradient.baseAddress! + k, n)
                let vk = rho * OptimizerLanes.load(v.baseAddress! + k, n) + complement * (g * g)
                let theta = OptimizerLanes.load(parameters.baseAddress! + k, n)
                OptimizerLanes.store(vk, v.baseAddress! + k, n)
                OptimizerLanes.store(theta - rate * g / (vk.squareRoot() + eps), parameters.baseAddress! + k, n)
            }
        }
    }
}

/// Four parameters at a time in SIMD lanes, for the rules with divisions and square roots (which
/// the compiler does not vectorize on its own). Each lane performs the scalar formula's IEEE
/// operations in its order, so the result is the scalar loop's, bit for bit; the last group is
/// padded with zeros, and its padding is never stored.
enum OptimizerLanes {
    typealias Lanes = SIMD4<Double>

    /// Calls `body(k, n)` for `k = 0, 4, 8, ...` below `count`, `n` the elements from `k` on (at
    /// most 4).
    @inline(__always)
    static func forEach(_ count: Int, _ body: (Int, Int) -> Void) {
        var k = 0
        while k < count {
            body(k, min(4, count - k))
            k += 4
        }
    }

    /// The `n` values from `pointer` on, zeros after them.
    @inline(__always)
    static func load(_ pointer: UnsafePointer<Double>, _ n: Int) -> Lanes {
        if n == 4 { return UnsafeRawPointer(pointer).loadUnaligned(as: Lanes.self) }
        var lanes = Lanes()
        for l in 0..<n { lanes[l] = pointer[l] }
        return lanes
    }

    @inline(__always)
    static func load(_ pointer: UnsafeMutablePointer<Double>, _ n: Int) -> Lanes {
        load(UnsafePointer(pointer), n)
    }

    /// Stores the first `n` lanes at `pointer`.
    @inline(__always)
    static func store(_ lanes: Lanes, _ pointer: UnsafeMutablePointer<Double>, _ n: Int) {
        if n == 4 {
            UnsafeMutableRawPointer(pointer).storeBytes(of: lanes, as: Lanes.self)
            return
        }
        for l in 0..<n { pointer[l] = lanes[l] }
    }
}
