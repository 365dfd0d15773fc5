import LSTMCore
let (p, data) = ReferenceProblem.make()
let net = LSTMNetwork(parameters: p, trainingSet: data)
let losses = net.train(iterations: 100)
for (i, l) in losses.enumerated() where i % 10 == 0 || i == 99 { print(i, l) }
print(net.predictions())
