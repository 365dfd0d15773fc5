import LSTMCore

let clock = ContinuousClock()
var times: [Double] = []
for _ in 0..<20 {
    let (p, data) = ReferenceProblem.make()
    let net = LSTMNetwork(parameters: p, trainingSet: data)
    let t0 = clock.now
    let losses = net.train(iterations: 100)
    let d = t0.duration(to: clock.now)
    times.append(Double(d.components.attoseconds) * 1e-18 + Double(d.components.seconds))
    precondition(losses[99] < 1e-4)
}
times.sort()
print("median \(times[10] * 1000) ms min \(times[0] * 1000) max \(times[19] * 1000)")
