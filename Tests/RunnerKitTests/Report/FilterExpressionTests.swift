import Foundation
import Testing

@testable import RunnerReport
@testable import RunnerSpec

@Suite struct FilterExpressionTests {
    static let columns: [String: FilterColumn] = [
        "hiddenSize": .number(#""runs"."hidden_size""#),
        "learningRate": .number(#""runs"."learning_rate""#),
        "finalLoss": .number(#""runs"."final_loss""#),
        "optimizer": .text(#""runs"."optimizer""#),
        "status": .text(#""runs"."status""#),
        "model.cellOutput": .text(#"json_extract("runs"."config", '$.model.cellOutput')"#),
    ]

    // MARK: - Valid expressions

    struct ValidCase: Sendable, CustomTestStringConvertible {
        var text: String
        var clause: String
        var arguments: [SQLValue]
        var testDescription: String { text }
    }

    static let validCases: [ValidCase] = [
        ValidCase(text: "hiddenSize = 50", clause: #""runs"."hidden_size" = ?"#, arguments: [.integer(50)]),
        ValidCase(text: "hiddenSize == 50", clause: #""runs"."hidden_size" = ?"#, arguments: [.integer(50)]),
        ValidCase(text: "hiddenSize != 50", clause: #""runs"."hidden_size" <> ?"#, arguments: [.integer(50)]),
        ValidCase(text: "hiddenSize<>50", clause: #""runs"."hidden_size" <> ?"#, arguments: [.integer(50)]),
        ValidCase(text: "learningRate < 0.1", clause: #""runs"."learning_rate" < ?"#, arguments: [.real(0.1)]),
        ValidCase(text: "learningRate <= 1e-2", clause: #""runs"."learning_rate" <= ?"#, arguments: [.real(0.01)]),
        ValidCase(text: "finalLoss > -1.5E+3", clause: #""runs"."final_loss" > ?"#, arguments: [.real(-1500)]),
        ValidCase(text: "hiddenSize >= -7", clause: #""runs"."hidden_size" >= ?"#, arguments: [.integer(-7)]),
        ValidCase(text: "learningRate > 1.", clause: #""runs"."learning_rate" > ?"#, arguments: [.real(1)]),
        ValidCase(text: "learningRate>-.5e1", clause: #""runs"."learning_rate" > ?"#, arguments: [.real(-5)]),
        ValidCase(
            text: "hiddenSize = 99999999999999999999", clause: #""runs"."hidden_size" = ?"#, arguments: [.real(1e20)]),
        ValidCase(text: "optimizer = 'sgd'", clause: #""runs"."optimizer" = ?"#, arguments: [.text("sgd")]),
        ValidCase(text: #"optimizer = "ad""am""#, clause: #""runs"."optimizer" = ?"#, arguments: [.text(#"ad"am"#)]),
        ValidCase(text: "status = 'it''s'", clause: #""runs"."status" = ?"#, arguments: [.text("it's")]),
        ValidCase(
            text: "optimizer = 'x''; DROP TABLE runs; --'", clause: #""runs"."optimizer" = ?"#,
            arguments: [.text("x'; DROP TABLE runs; --")]),
        ValidCase(
            text: "hiddenSize in (25, 50,100)", clause: #""runs"."hidden_size" IN (?, ?, ?)"#,
            arguments: [.integer(25), .integer(50), .integer(100)]),
        ValidCase(text: "optimizer IN ('sgd')", clause: #""runs"."optimizer" IN (?)"#, arguments: [.text("sgd")]),
        ValidCase(
            text: "learningRate between 0.01 and .1", clause: #""runs"."learning_rate" BETWEEN ? AND ?"#,
            arguments: [.real(0.01), .real(0.1)]),
        ValidCase(
            text: "hiddenSize >= 50 and optimizer = 'sgd'",
            clause: #"("runs"."hidden_size" >= ? AND "runs"."optimizer" = ?)"#,
            arguments: [.integer(50), .text("sgd")]),
        ValidCase(
            text: "hiddenSize = 25 or hiddenSize = 50 and optimizer = 'adam'",
            // The nested operand first, so that deep nesting fits SQLite's parser stack.
            clause: #"("runs"."hidden_size" = ? AND "runs"."optimizer" = ? OR "runs"."hidden_size" = ?)"#,
            arguments: [.integer(50), .text("adam"), .integer(25)]),
        ValidCase(
            text: "(hiddenSize = 25 OR hiddenSize = 50) AND optimizer = 'adam'",
            clause: #"(("runs"."hidden_size" = ? OR "runs"."hidden_size" = ?) AND "runs"."optimizer" = ?)"#,
            arguments: [.integer(25), .integer(50), .text("adam")]),
        ValidCase(text: "not hiddenSize = 25", clause: #"NOT "runs"."hidden_size" = ?"#, arguments: [.integer(25)]),
        ValidCase(
            text: "NOT NOT optimizer = 'sgd'", clause: #"NOT NOT "runs"."optimizer" = ?"#,
            arguments: [.text("sgd")]),
        ValidCase(
            text: "not (hiddenSize in (1, 2) or learningRate between .5 and 1)",
            clause: #"NOT ("runs"."hidden_size" IN (?, ?) OR "runs"."learning_rate" BETWEEN ? AND ?)"#,
            arguments: [.integer(1), .integer(2), .real(0.5), .integer(1)]),
        ValidCase(
            text: "model.cellOutput = 'tanh'",
            clause: #"json_extract("runs"."config", '$.model.cellOutput') = ?"#, arguments: [.text("tanh")]),
        ValidCase(text: "HIDDENSIZE = 1", clause: #""runs"."hidden_size" = ?"#, arguments: [.integer(1)]),
        ValidCase(text: "hiddenSize = TRUE", clause: #""runs"."hidden_size" = ?"#, arguments: [.integer(1)]),
        ValidCase(
            text: "finalLoss < 1e-3 And status = 'completed' or status = \"diverged\"",
            clause: #"("runs"."final_loss" < ? AND "runs"."status" = ? OR "runs"."status" = ?)"#,
            arguments: [.real(1e-3), .text("completed"), .text("diverged")]),
        ValidCase(
            text: "((hiddenSize=1))\n\tand\tnot(optimizer='a' and status='b')",
            clause: #"(NOT ("runs"."optimizer" = ? AND "runs"."status" = ?) AND "runs"."hidden_size" = ?)"#,
            arguments: [.text("a"), .text("b"), .integer(1)]),
    ]

    @Test(arguments: validCases)
    func validExpressionCompilesToBoundSQL(_ valid: ValidCase) throws {
        let expression = try FilterExpression.parse(valid.text, columns: Self.columns)
        let (clause, arguments) = expression.sql()
        #expect(clause == valid.clause)
        #expect(arguments == valid.arguments)
    }

    // MARK: - Invalid expressions

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var text: String
        var code: FilterError.Code
        var message: String
        var testDescription: String { text }
    }

    static let invalidCases: [InvalidCase] = [
        InvalidCase(
            text: "", code: .unexpectedToken,
            message: "at position 1: expected a condition such as hiddenSize >= 50, found the end"),
        InvalidCase(
            text: "hiddenSize >= ", code: .unexpectedToken,
            message: "--where 'hiddenSize >= ': at position 15: expected a number or a quoted string, found the end"),
        InvalidCase(
            text: "1; DROP TABLE runs", code: .unexpectedToken,
            message: "at position 1: expected a column name, 'not' or '(', found '1'"),
        InvalidCase(
            text: "hiddenSize = 1; DROP TABLE runs", code: .unexpectedToken,
            message: "at position 15: expected 'and', 'or' or the end, found ';'"),
        InvalidCase(
            text: "hiddenSize = 1 -- x", code: .unexpectedToken,
            message: "at position 16: expected 'and', 'or' or the end, found '-'"),
        InvalidCase(
            text: "hiddenSize = 1 /* x */", code: .unexpectedToken,
            message: "at position 16: expected 'and', 'or' or the end, found '/'"),
        InvalidCase(
            text: "hiddenSize = 1 union select * from runs", code: .unexpectedToken,
            message: "at position 16: expected 'and', 'or' or the end, found 'union'"),
        InvalidCase(
            text: "optimizer = 'sgd", code: .unterminatedString,
            message: "at position 13: unterminated string starting with '"),
        InvalidCase(
            text: #"optimizer = "sgd' or 1=1"#, code: .unterminatedString,
            message: #"at position 13: unterminated string starting with ""#),
        InvalidCase(
            text: "optimizer = 'x' or 1=1", code: .unexpectedToken,
            message: "at position 20: expected a column name, 'not' or '(', found '1'"),
        InvalidCase(
            text: #"hiddenSize = "x" or 1=1"#, code: .typeMismatch,
            message: "at position 14: 'hiddenSize' is a number column; compare it with a number, not the string 'x'"),
        InvalidCase(
            text: "optimizer = 3", code: .typeMismatch,
            message: "at position 13: 'optimizer' is a text column; compare it with a quoted string such as '3', not 3"),
        InvalidCase(
            text: "optimizer in ('sgd', true)", code: .typeMismatch,
            message: "at position 22: 'optimizer' is a text column"),
        InvalidCase(
            text: "hiddenSiz = 3", code: .unknownColumn,
            message:
                "at position 1: unknown column 'hiddenSiz'; did you mean 'hiddenSize'? Known columns: finalLoss, "
                + "hiddenSize, learningRate, model.cellOutput, optimizer, status"),
        InvalidCase(
            text: "sqlite_master = 1", code: .unknownColumn,
            message: "unknown column 'sqlite_master'; known columns: finalLoss,"),
        InvalidCase(
            text: "hiddenSize = 1 or", code: .unexpectedToken,
            message: "at position 18: expected a column name, 'not' or '(', found the end"),
        InvalidCase(
            text: "(hiddenSize = 1", code: .unexpectedToken,
            message: "at position 16: expected 'and', 'or' or ')', found the end"),
        InvalidCase(
            text: "hiddenSize = 1)", code: .unexpectedToken,
            message: "at position 15: expected 'and', 'or' or the end, found ')'"),
        InvalidCase(
            text: "hiddenSize 1", code: .unexpectedToken,
            message:
                "at position 12: expected a comparison (=, !=, <, <=, >, >=), 'in' or 'between' after 'hiddenSize', found '1'"
        ),
        InvalidCase(
            text: "hiddenSize in 1, 2", code: .unexpectedToken,
            message: "at position 15: expected '(' after 'in', found '1'"),
        InvalidCase(
            text: "hiddenSize in (1 2)", code: .unexpectedToken,
            message: "at position 18: expected ',' or ')', found '2'"),
        InvalidCase(
            text: "hiddenSize in ()", code: .unexpectedToken,
            message: "at position 16: expected a number or a quoted string, found ')'"),
        InvalidCase(
            text: "hiddenSize between 1 or 2", code: .unexpectedToken,
            message: "at position 22: expected 'and' between the bounds of 'between', found 'or'"),
        InvalidCase(
            text: "hiddenSize = 1e", code: .malformedNumber,
            message: "at position 14: '1e' is not a number"),
        InvalidCase(
            text: "hiddenSize = 12abc", code: .malformedNumber,
            message: "at position 14: '12abc' is not a number"),
        InvalidCase(
            text: "hiddenSize = hiddenSize", code: .unexpectedToken,
            message: "at position 14: expected a number or a quoted string, found 'hiddenSize'"),
        InvalidCase(
            text: "hiddenSize = !1", code: .unexpectedToken,
            message: "at position 14: expected a number or a quoted string, found '!'"),
    ]

    @Test(arguments: invalidCases)
    func invalidExpressionIsRejectedWithPositionAndExpectation(_ invalid: InvalidCase) {
        #expect {
            _ = try FilterExpression.parse(invalid.text, columns: Self.columns)
        } throws: { error in
            guard let error = error as? FilterError else { return false }
            #expect(error.code == invalid.code)
            #expect(error.message.contains(invalid.message), "\(error.message)")
            #expect(error.message.hasPrefix("--where '\(invalid.text)': at position "))
            return true
        }
    }

    @Test func unknownColumnListsKnownColumnsWithoutSuggestionWhenNothingIsClose() throws {
        let error = #expect(throws: FilterError.self) {
            try FilterExpression.parse("zzz = 1", columns: ["a": .number("a"), "b": .text("b")])
        }
        #expect(error?.message == "--where 'zzz = 1': at position 1: unknown column 'zzz'; known columns: a, b")
    }

    @Test func messageStaysOnOneLineWhenTheExpressionHasLineBreaks() {
        let error = #expect(throws: FilterError.self) {
            try FilterExpression.parse("hiddenSize = 1\nand\tfoo", columns: Self.columns)
        }
        #expect(
            error?.message.hasPrefix("--where 'hiddenSize = 1 and foo': at position 20: unknown column 'foo'") == true)
        #expect(error?.message.contains("\n") == false)
    }

    @Test func editDistanceCountsSingleCharacterEdits() {
        #expect(Suggestion.editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(Suggestion.editDistance(Array(""), Array("abc")) == 3)
        #expect(Suggestion.editDistance(Array("same"), Array("same")) == 0)
    }

    // MARK: - In-memory evaluation

    /// Rows as SQLite would hold them; a missing key reads as NULL.
    static let rows: [[String: SQLValue]] = [
        [
            "hiddenSize": .integer(50), "learningRate": .real(0.1), "optimizer": .text("sgd"),
            "status": .text("completed"), "finalLoss": .real(1e-4),
        ],
        [
            "hiddenSize": .integer(100), "learningRate": .real(0.01), "optimizer": .text("adam"),
            "status": .text("diverged"), "finalLoss": .null,
        ],
        [
            "hiddenSize": .integer(25), "learningRate": .real(1.0), "optimizer": .text("Sgd"),
            "status": .text("completed"), "finalLoss": .real(0.5),
        ],
        ["hiddenSize": .null, "learningRate": .real(0.1), "optimizer": .null, "status": .text("failed")],
    ]

    struct MatchCase: Sendable, CustomTestStringConvertible {
        var text: String
        /// Indices into `rows` that `SELECT ... WHERE clause` returns.
        var matching: [Int]
        var testDescription: String { text }
    }

    /// Expected row sets were checked against SQLite 3 (Python's sqlite3 module) with the clause and
    /// arguments that ``FilterExpression/sql()`` produces, on a table holding these rows.
    static let matchCases: [MatchCase] = [
        MatchCase(text: "finalLoss < 1e-3", matching: [0]),
        MatchCase(text: "not finalLoss < 1e-3", matching: [2]),
        MatchCase(text: "finalLoss < 1e-3 or status = 'diverged'", matching: [0, 1]),
        MatchCase(text: "not (finalLoss < 1e-3 and hiddenSize = 100)", matching: [0, 2]),
        MatchCase(text: "not (finalLoss > 1 or hiddenSize = 100)", matching: [0, 2]),
        MatchCase(text: "optimizer = 'sgd'", matching: [0]),
        MatchCase(text: "optimizer > 'Sgd'", matching: [0, 1]),
        MatchCase(text: "optimizer <> 'sgd'", matching: [1, 2]),
        MatchCase(text: "hiddenSize in (25, 50)", matching: [0, 2]),
        MatchCase(text: "not hiddenSize in (25, 50)", matching: [1]),
        MatchCase(text: "learningRate between 0.05 and 1", matching: [0, 2, 3]),
        MatchCase(text: "not learningRate between 0.05 and 1", matching: [1]),
        MatchCase(text: "hiddenSize = 50.0", matching: [0]),
        MatchCase(text: "hiddenSize >= 50 or learningRate = 0.1", matching: [0, 1, 3]),
    ]

    @Test(arguments: matchCases)
    func matchesAgreesWithSQLSemantics(_ match: MatchCase) throws {
        let expression = try FilterExpression.parse(match.text, columns: Self.columns)
        let matching = Self.rows.indices.filter { expression.matches(Self.rows[$0]) }
        #expect(matching == match.matching)
    }

    @Test func referencedColumnsUseCanonicalNames() throws {
        let expression = try FilterExpression.parse("HIDDENSIZE = 1 or optimizer = 'a'", columns: Self.columns)
        #expect(expression.referencedColumns == ["hiddenSize", "optimizer"])
    }
}
