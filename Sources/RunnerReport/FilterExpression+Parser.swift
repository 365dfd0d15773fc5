import Foundation
import RunnerSpec

// MARK: - Tokens

/// One lexical token of a `--where` expression.
package struct FilterToken: Equatable {
    package enum Keyword: String, CaseIterable {
        case and, or, not, `in`, between, `true`, `false`
    }

    package enum Kind: Equatable {
        case identifier(String)
        case keyword(Keyword)
        case number(SQLValue)
        case string(String)
        case comparison(FilterExpression.Operator)
        case leftParenthesis
        case rightParenthesis
        case comma
        /// A character the grammar has no use for (`;`, a lone `-`, ...). The parser reports it as
        /// found where something else was expected.
        case invalid(Character)
        case end
    }

    package var kind: Kind
    /// 1-based character position of the token's first character.
    package var position: Int
    /// The source text of the token.
    package var text: String

    /// How an error message names the token: `the end`, `'foo'`, `the string 'x'`.
    package var described: String {
        switch kind {
        case .end: "the end"
        case .string(let value): "the string '\(value)'"
        default: "'\(text)'"
        }
    }
}

// MARK: - Lexer

/// Splits a `--where` expression into tokens.
package struct FilterLexer {
    private let characters: [Character]
    private let expression: String
    private var index = 0

    package init(_ expression: String) {
        self.expression = expression
        self.characters = Array(expression)
    }

    /// All tokens, ending with `.end`.
    package mutating func tokenize() throws(FilterError) -> [FilterToken] {
        var tokens: [FilterToken] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ offset: Int = 0) -> Character? {
        let position = index + offset
        return position < characters.count ? characters[position] : nil
    }

    /// Letters of any script start a name, so that a misspelt one (`hïddenSize`) is reported
    /// whole rather than cut at its first non-ASCII letter; only ASCII names match columns.
    private static func isIdentifierStart(_ character: Character) -> Bool {
        character == "_" || character.isLetter
    }

    private static func isIdentifierPart(_ character: Character) -> Bool {
        isIdentifierStart(character) || character.isNumber || character == "."
    }

    private static func isDigit(_ character: Character?) -> Bool {
        guard let character else { return false }
        return character.isASCII && character.isNumber
    }

    private mutating func next() throws(FilterError) -> FilterToken {
        while let character = peek(), character.isWhitespace { index += 1 }
        let start = index
        guard let character = peek() else {
            return FilterToken(kind: .end, position: start + 1, text: "")
        }
        func token(_ kind: FilterToken.Kind, length: Int) -> FilterToken {
            index += length
            return FilterToken(kind: kind, position: start + 1, text: String(characters[start..<index]))
        }
        switch character {
        case "(": return token(.leftParenthesis, length: 1)
        case ")": return token(.rightParenthesis, length: 1)
        case ",": return token(.comma, length: 1)
        case "=": return token(.comparison(.equal), length: peek(1) == "=" ? 2 : 1)
        case "!":
            if peek(1) == "=" { return token(.comparison(.notEqual), length: 2) }
            return token(.invalid(character), length: 1)
        case "<":
            if peek(1) == "=" { return token(.comparison(.lessOrEqual), length: 2) }
            if peek(1) == ">" { return token(.comparison(.notEqual), length: 2) }
            return token(.comparison(.less), length: 1)
        case ">":
            if peek(1) == "=" { return token(.comparison(.greaterOrEqual), length: 2) }
            return token(.comparison(.greater), length: 1)
        case "'", "\"":
            return try string(quote: character)
        default:
            break
        }
        if Self.isDigit(character) || (character == "." && Self.isDigit(peek(1)))
            || (character == "-" && (Self.isDigit(peek(1)) || (peek(1) == "." && Self.isDigit(peek(2)))))
        {
            return try number()
        }
        if Self.isIdentifierStart(character) {
            var end = index
            while end < characters.count, Self.isIdentifierPart(characters[end]) { end += 1 }
            let word = String(characters[index..<end])
            if let keyword = FilterToken.Keyword(rawValue: word.lowercased()) {
                return token(.keyword(keyword), length: end - index)
            }
            return token(.identifier(word), length: end - index)
        }
        return token(.invalid(character), length: 1)
    }

    private mutating func string(quote: Character) throws(FilterError) -> FilterToken {
        let start = index
        index += 1
        var value = ""
        while let character = peek() {
            if character == quote {
                if peek(1) == quote {
                    value.append(quote)
                    index += 2
                    continue
                }
                index += 1
                return FilterToken(kind: .string(value), position: start + 1, text: String(characters[start..<index]))
            }
            value.append(character)
            index += 1
        }
        throw FilterError(
            code: .unterminatedString, expression: expression, position: start + 1,
            detail:
                "unterminated string starting with \(quote); end it with a matching \(quote) and double a \(quote) inside it"
        )
    }

    private mutating func number() throws(FilterError) -> FilterToken {
        let start = index
        if peek() == "-" { index += 1 }
        var isInteger = true
        while Self.isDigit(peek()) { index += 1 }
        if peek() == "." {
            isInteger = false
            index += 1
            while Self.isDigit(peek()) { index += 1 }
        }
        var malformed = false
        if peek() == "e" || peek() == "E" {
            isInteger = false
            index += 1
            if peek() == "+" || peek() == "-" { index += 1 }
            if !Self.isDigit(peek()) { malformed = true }
            while Self.isDigit(peek()) { index += 1 }
        }
        // A number runs into a name or another dot: `12abc`, `1.2.3`.
        while let character = peek(), Self.isIdentifierPart(character) {
            malformed = true
            index += 1
        }
        let text = String(characters[start..<index])
        let value: SQLValue?
        if malformed {
            value = nil
        } else if isInteger, let integer = Int64(text) {
            value = .integer(integer)
        } else if let real = Double(text), real.isFinite {
            value = .real(real)
        } else {
            value = nil
        }
        guard let value else {
            throw FilterError(
                code: .malformedNumber, expression: expression, position: start + 1,
                detail: "'\(text)' is not a number; write numbers like 42, -0.5 or 1e-3"
            )
        }
        return FilterToken(kind: .number(value), position: start + 1, text: text)
    }
}

// MARK: - Parser

/// A recursive-descent parser for the grammar documented on ``FilterExpression``.
///
/// Its recursion is bounded: parentheses and `not` nest at most
/// ``FilterExpression/maximumDepth`` levels, and an expression has at most
/// ``FilterExpression/maximumConditions`` conditions and ``FilterExpression/maximumValues``
/// values, so neither this parser, the SQL it becomes (SQLite's expression depth limit is 1000;
/// ``FilterExpression/sql()`` orders operands to fit its parser's 100-entry stack) nor the
/// in-memory evaluation can run out of stack.
package struct FilterParser {
    private let expression: String
    private let columns: [String: FilterColumn]
    private let tokens: [FilterToken]
    private var index = 0
    /// Parentheses and `not`s open around the current token.
    private var depth = 0
    /// Conditions and values read so far.
    private var conditions = 0
    private var values = 0

    package init(text: String, columns: [String: FilterColumn]) throws(FilterError) {
        self.expression = text
        self.columns = columns
        var lexer = FilterLexer(text)
        self.tokens = try lexer.tokenize()
    }

    private var current: FilterToken { tokens[index] }

    private mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    private func failure(_ expected: String, code: FilterError.Code = .unexpectedToken) -> FilterError {
        FilterError(
            code: code, expression: expression, position: current.position,
            detail: "expected \(expected), found \(current.described)"
        )
    }

    private mutating func accept(_ keyword: FilterToken.Keyword) -> Bool {
        if current.kind == .keyword(keyword) {
            advance()
            return true
        }
        return false
    }

    package mutating func parseAll() throws(FilterError) -> FilterExpression.Node {
        if current.kind == .end {
            throw failure("a condition such as hiddenSize >= 50")
        }
        let node = try parseOr()
        guard current.kind == .end else { throw failure("'and', 'or' or the end") }
        return node
    }

    private mutating func parseOr() throws(FilterError) -> FilterExpression.Node {
        var children = [try parseAnd()]
        while accept(.or) { children.append(try parseAnd()) }
        return children.count == 1 ? children[0] : .or(children)
    }

    private mutating func parseAnd() throws(FilterError) -> FilterExpression.Node {
        var children = [try parseNot()]
        while accept(.and) { children.append(try parseNot()) }
        return children.count == 1 ? children[0] : .and(children)
    }

    private mutating func parseNot() throws(FilterError) -> FilterExpression.Node {
        if current.kind == .keyword(.not) || current.kind == .leftParenthesis {
            guard depth < FilterExpression.maximumDepth else {
                throw tooComplex(
                    "parentheses and 'not' nest more than \(FilterExpression.maximumDepth) levels deep here; "
                        + "remove redundant ones (not not x is x)")
            }
            depth += 1
            defer { depth -= 1 }
            return try parseNested()
        }
        return try parseComparison()
    }

    /// `not` followed by its operand, or a parenthesized expression.
    private mutating func parseNested() throws(FilterError) -> FilterExpression.Node {
        if accept(.not) { return .not(try parseNot()) }
        if current.kind == .leftParenthesis {
            advance()
            let inner = try parseOr()
            guard current.kind == .rightParenthesis else { throw failure("'and', 'or' or ')'") }
            advance()
            return inner
        }
        return try parseComparison()
    }

    private func tooComplex(_ detail: String) -> FilterError {
        FilterError(code: .tooComplex, expression: expression, position: current.position, detail: detail)
    }

    private mutating func parseComparison() throws(FilterError) -> FilterExpression.Node {
        guard case .identifier(let name) = current.kind else {
            throw failure("a column name, 'not' or '('")
        }
        conditions += 1
        guard conditions <= FilterExpression.maximumConditions else {
            throw tooComplex(
                "the expression has more than \(FilterExpression.maximumConditions) conditions; "
                    + "shorten it (a list of values fits in one 'in (...)')")
        }
        let reference = try resolve(name)
        advance()
        switch current.kind {
        case .comparison(let op):
            advance()
            return .comparison(reference, op, try parseValue(for: reference))
        case .keyword(.in):
            advance()
            guard current.kind == .leftParenthesis else { throw failure("'(' after 'in'") }
            advance()
            var values = [try parseValue(for: reference)]
            while current.kind == .comma {
                advance()
                values.append(try parseValue(for: reference))
            }
            guard current.kind == .rightParenthesis else { throw failure("',' or ')'") }
            advance()
            return .membership(reference, values)
        case .keyword(.between):
            advance()
            let low = try parseValue(for: reference)
            guard accept(.and) else { throw failure("'and' between the bounds of 'between'") }
            let high = try parseValue(for: reference)
            return .range(reference, low: low, high: high)
        default:
            throw failure("a comparison (=, !=, <, <=, >, >=), 'in' or 'between' after '\(name)'")
        }
    }

    private mutating func parseValue(for reference: FilterExpression.ColumnReference) throws(FilterError) -> SQLValue {
        let token = current
        values += 1
        guard values <= FilterExpression.maximumValues else {
            throw tooComplex(
                "the expression has more than \(FilterExpression.maximumValues) values; filter on fewer values")
        }
        let value: SQLValue
        let isText: Bool
        switch token.kind {
        case .number(let number):
            value = number
            isText = false
        case .keyword(.true):
            value = .integer(1)
            isText = false
        case .keyword(.false):
            value = .integer(0)
            isText = false
        case .string(let text):
            value = .text(text)
            isText = true
        default:
            throw failure("a number or a quoted string")
        }
        switch (reference.column.kind, isText) {
        case (.number, true):
            throw FilterError(
                code: .typeMismatch, expression: expression, position: token.position,
                detail: "'\(reference.name)' is a number column; compare it with a number, not \(token.described)"
            )
        case (.text, false):
            throw FilterError(
                code: .typeMismatch, expression: expression, position: token.position,
                detail:
                    "'\(reference.name)' is a text column; compare it with a quoted string such as '\(token.text)', not \(token.text)"
            )
        default:
            break
        }
        advance()
        return value
    }

    private func resolve(_ name: String) throws(FilterError) -> FilterExpression.ColumnReference {
        if let column = columns[name] {
            return FilterExpression.ColumnReference(name: name, column: column)
        }
        let folded = columns.filter { $0.key.lowercased() == name.lowercased() }
        if folded.count == 1, let match = folded.first {
            return FilterExpression.ColumnReference(name: match.key, column: match.value)
        }
        let known = columns.keys.sorted()
        var detail = "unknown column '\(name)'"
        let listing = known.joined(separator: ", ")
        if known.isEmpty {
            detail += "; no columns can be filtered here"
        } else if let nearest = Suggestion.nearest(to: name, in: known) {
            detail += "; did you mean '\(nearest)'? Known columns: \(listing)"
        } else {
            detail += "; known columns: \(listing)"
        }
        throw FilterError(code: .unknownColumn, expression: expression, position: current.position, detail: detail)
    }
}
