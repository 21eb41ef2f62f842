/// A date, a time, or both, as TOML 1.0 defines them: offset date-time, local date-time,
/// local date and local time (RFC 3339 profiles).
///
/// Kept as components rather than a `Date` so that a local time stays local (it has no
/// instant) and so that the text written back is the text an operator would expect. In JSON,
/// YAML and the snapshot they are exported as RFC 3339 strings (`description`).
public struct DateTime: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// `1979-05-27T07:32:00Z`, `1979-05-27T00:32:00-07:00`: an instant.
        case offsetDateTime = "datetime"
        /// `1979-05-27T07:32:00`: a wall-clock time in no particular zone.
        case localDateTime = "datetime-local"
        /// `1979-05-27`
        case localDate = "date-local"
        /// `07:32:00.999`
        case localTime = "time-local"
    }

    public var kind: Kind
    public var year = 0, month = 0, day = 0
    public var hour = 0, minute = 0, second = 0
    /// Fractional seconds, in nanoseconds (TOML requires at least millisecond precision;
    /// digits beyond nanoseconds are truncated).
    public var nanosecond = 0
    /// How many fractional digits to print (0 prints none); at most 9.
    public var fractionDigits = 0
    /// Offset from UTC in minutes; meaningful for `.offsetDateTime` only.
    public var offsetMinutes = 0

    public init(kind: Kind, year: Int = 0, month: Int = 0, day: Int = 0, hour: Int = 0, minute: Int = 0,
                second: Int = 0, nanosecond: Int = 0, fractionDigits: Int = 0, offsetMinutes: Int = 0)
    {
        self.kind = kind
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
        self.nanosecond = nanosecond; self.fractionDigits = min(fractionDigits, 9)
        self.offsetMinutes = offsetMinutes
    }

    public var hasDate: Bool { kind != .localTime }
    public var hasTime: Bool { kind != .localDate }

    /// RFC 3339 text: `T` between date and time, `Z` for a zero offset.
    public var description: String {
        var s = ""
        if hasDate { s += pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }
        if hasDate && hasTime { s += "T" }
        if hasTime {
            s += pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
            if fractionDigits > 0 {
                var frac = nanosecond
                for _ in 0..<(9 - fractionDigits) { frac /= 10 }
                s += "." + pad(frac, fractionDigits)
            }
        }
        if kind == .offsetDateTime {
            if offsetMinutes == 0 {
                s += "Z"
            } else {
                let m = abs(offsetMinutes)
                s += (offsetMinutes < 0 ? "-" : "+") + pad(m / 60, 2) + ":" + pad(m % 60, 2)
            }
        }
        return s
    }

    /// Whether `year-month-day` names a real day of the proleptic Gregorian calendar.
    public static func isValidDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }
}

private func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
