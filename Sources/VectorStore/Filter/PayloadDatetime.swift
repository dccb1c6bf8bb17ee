/// Datetime strings as Qdrant reads them from payloads and filters, as microseconds since the
/// Unix epoch in UTC (Qdrant's own representation).
///
/// Accepted: RFC 3339 (`2024-05-01T12:00:00.123+02:00`, `Z`/`z`, `T`/`t`/space separator) and
/// the looser forms Qdrant also takes: an offset without a colon or without minutes (`+0200`,
/// `+02`), a space before the offset, ` UTC`, no offset (UTC assumed), no seconds
/// (`2024-05-01 12:00`) and a bare date (midnight UTC). Digits of a fraction beyond the sixth
/// are dropped, since the value is kept in microseconds.
public enum PayloadDatetime {
    /// Microseconds since 1970-01-01T00:00:00Z, or `nil` when `text` is not a datetime.
    public static func microseconds(from text: String) -> Int64? {
        var scanner = DatetimeScanner(bytes: Array(text.utf8))
        return scanner.parse()
    }

    /// The RFC 3339 spelling in UTC with microseconds, e.g. `2024-05-01T10:00:00.123Z`.
    public static func rfc3339(microseconds: Int64) -> String {
        let days = floorDivide(microseconds, 86_400_000_000)
        let dayMicros = microseconds - days * 86_400_000_000
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let seconds = dayMicros / 1_000_000
        let fraction = dayMicros % 1_000_000
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text +=
            pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        if fraction != 0 {
            var digits = pad(fraction, 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (Hinnant's algorithm).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilDate(daysSinceEpoch days: Int64) -> (Int64, Int64, Int64) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// A one-pass reader over the bytes of a datetime string.
private struct DatetimeScanner {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parse() -> Int64? {
        while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
        guard let year = digits(4), take("-"), let month = digits(2), take("-"),
            let day = digits(2), (1...12).contains(month),
            (1...PayloadDatetime.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        let days = PayloadDatetime.daysSinceEpoch(year: year, month: month, day: day)
        guard position < bytes.count else { return days * 86_400_000_000 }

        guard take("T") || take("t") || take(" ") else { return nil }
        guard let clock = parseClock() else { return nil }
        guard let offsetSeconds = parseOffset(), position == bytes.count else { return nil }
        return days * 86_400_000_000 + clock - offsetSeconds * 1_000_000
    }

    /// `HH:MM[:SS[.fraction]]` as microseconds into the day.
    private mutating func parseClock() -> Int64? {
        guard let hour = digits(2), take(":"), let minute = digits(2), hour < 24, minute < 60
        else { return nil }
        var micros = (hour * 3600 + minute * 60) * 1_000_000
        guard take(":") else { return micros }
        guard let second = digits(2), second < 60 else { return nil }
        micros += second * 1_000_000
        if take(".") {
            var scale: Int64 = 100_000
            let start = position
            while position < bytes.count, isDigit(bytes[position]) {
                micros += Int64(bytes[position] - 48) * scale
                scale /= 10
                position += 1
            }
            guard position > start else { return nil }
        }
        return micros
    }

    /// An optional offset (`Z`, `UTC`, `±HH`, `±HHMM`, `±HH:MM`, maybe after one space) in
    /// seconds east of UTC; 0 when there is none.
    private mutating func parseOffset() -> Int64? {
        guard position < bytes.count else { return 0 }
        _ = take(" ")
        if take("Z") || take("z") { return 0 }
        if take("U") { return take("T") && take("C") ? 0 : nil }
        let sign: Int64
        if take("+") {
            sign = 1
        } else if take("-") {
            sign = -1
        } else {
            return nil
        }
        guard let hours = digits(2), hours < 24 else { return nil }
        var minutes: Int64 = 0
        if position < bytes.count {
            _ = take(":")
            guard let parsed = digits(2), parsed < 60 else { return nil }
            minutes = parsed
        }
        return sign * (hours * 3600 + minutes * 60)
    }

    private mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: character) else {
            return false
        }
        position += 1
        return true
    }

    private mutating func digits(_ count: Int) -> Int64? {
        guard position + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for offset in 0..<count {
            let byte = bytes[position + offset]
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int64(byte - 48)
        }
        position += count
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
}
