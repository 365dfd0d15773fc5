import Foundation
import LSTMCore
import RunnerModel

// MARK: - .csv

extension DatasetTask {
    /// The windows of a CSV time series (see ``DatasetTask`` for the definition).
    ///
    /// - Parameters:
    ///   - bytes: The file's bytes.
    ///   - path: The file, for errors.
    ///   - window: `T`, rows per sequence.
    ///   - stride: Rows from one window's start to the next.
    ///   - target: The column predicted one row ahead.
    /// - Returns: `N` sequences of `T` steps, every column an input, one target a step.
    /// - Throws: ``TaskDataError`` for a ragged row, a cell that is not a finite number, an unknown
    ///   target column, too few rows for one window.
    static func parseCSV(_ bytes: Data, path: String, window: Int, stride: Int, target: String) throws(TaskDataError)
        -> Loaded
    {
        func fail(_ message: String) -> TaskDataError { TaskDataError(file: path, message) }
        var header: [String]?
        var values: [Double] = []  // [R, C]
        var rows = 0
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let cells = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map(trimmed)
            if cells.count == 1 && cells[0].isEmpty { continue }  // a blank line
            guard let names = header else {
                var names: [String] = []
                for (column, cell) in cells.enumerated() {
                    guard let name = String(validating: cell, as: UTF8.self), !name.isEmpty else {
                        throw fail(
                            "line \(lineNumber): column \(column + 1) of the header is empty or not UTF-8; the first "
                                + "line must name every column.")
                    }
                    guard !names.contains(name) else {
                        throw fail(
                            "line \(lineNumber): the header names column \"\(name)\" twice; give each column a "
                                + "unique name.")
                    }
                    names.append(name)
                }
                header = names
                continue
            }
            guard cells.count == names.count else {
                throw fail(
                    "line \(lineNumber) has \(cells.count) cell\(cells.count == 1 ? "" : "s"), but the header has "
                        + "\(names.count) columns; every row needs one number a column.")
            }
            for (column, cell) in cells.enumerated() {
                let text = String(decoding: cell, as: UTF8.self)
                guard let value = Double(text), value.isFinite else {
                    throw fail(
                        "line \(lineNumber), column \"\(names[column])\" is \"\(text)\"; every cell below the header "
                            + "must be a finite number.")
                }
                values.append(value)
            }
            rows += 1
        }
        guard let names = header else {
            throw fail("is empty; a .csv dataset needs a header row of column names and rows of numbers.")
        }
        guard let targetColumn = names.firstIndex(of: target) else {
            throw TaskDataError(
                file: path, keyPath: "target",
                "is \"\(target)\", which is not a column of the header (\(names.joined(separator: ", "))); "
                    + "give one of those names.")
        }
        guard rows >= window + 1 else {
            throw TaskDataError(
                file: path, keyPath: "window",
                "is \(window), but the file has \(rows) row\(rows == 1 ? "" : "s") of data; one window needs "
                    + "window + 1 = \(window + 1) (the targets are the next row's): make the window shorter.")
        }
        let columns = names.count
        let count = (rows - 1 - window) / stride + 1
        // The windows repeat rows when they overlap: refuse what could not fit in memory.
        let (cells, overflow) = count.multipliedReportingOverflow(by: window * (columns + 1))
        guard !overflow, cells <= Int(clamping: ProcessInfo.processInfo.physicalMemory / 16) else {
            throw TaskDataError(
                file: path, keyPath: "stride",
                "is \(stride): \(count) windows of \(window) rows and \(columns) columns would not fit in this "
                    + "machine's memory; make task.stride larger.")
        }
        var inputs: [Double] = []  // [N, T, X]
        var targets: [Double] = []  // [N, T, 1]
        inputs.reserveCapacity(count * window * columns)
        targets.reserveCapacity(count * window)
        for sequence in 0..<count {
            let start = sequence * stride
            inputs += values[(start * columns)..<((start + window) * columns)]
            for row in (start + 1)...(start + window) { targets.append(values[row * columns + targetColumn]) }
        }
        return Loaded(
            batch: SequenceBatch(
                batchSize: count, sequenceLength: window, inputSize: columns, inputs: .dense(inputs),
                targets: .values(targets)),
            output: .values(1))
    }

    /// A cell without surrounding spaces, tabs, carriage return or one pair of double quotes.
    private static func trimmed(_ cell: Data.SubSequence) -> Data.SubSequence {
        func blank(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
        }
        var cell = cell
        while let first = cell.first, blank(first) { cell = cell.dropFirst() }
        while let last = cell.last, blank(last) { cell = cell.dropLast() }
        if cell.count >= 2, cell.first == UInt8(ascii: "\""), cell.last == UInt8(ascii: "\"") {
            cell = cell.dropFirst().dropLast()
        }
        return cell
    }
}
