/// What the cell state passes through before the output gate.
///
/// `identity` (the default, as the peephole-LSTM paper suggests): `h(t) = s(t) ⊙ o(t)`.
/// `tanh`: `h(t) = tanh(s(t)) ⊙ o(t)`.
public enum CellOutput: String, CaseIterable, Sendable, Codable {
    case identity
    case tanh
}
