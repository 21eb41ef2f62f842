import HotswapCore
import Testing

@Suite struct ValueTests {
    @Test func equality_ignoresOriginsAndKeyOrder() {
        let a = Value(.object(Object([("x", .integer(1, origin: Origin(file: "a.yaml", line: 1, column: 4))), ("y", "s")])),
                      origin: Origin(file: "a.yaml", line: 1, column: 1))
        let b: Value = ["y": "s", "x": 1]
        #expect(a == b)
    }

    @Test(arguments: [
        (Value.integer(1), Value.float(1.0)),
        (Value.string("1"), Value.integer(1)),
        (Value.null, Value.bool(false)),
        (Value.array([1, 2]), Value.array([2, 1])),
        ((["a": 1] as Value), (["a": 1, "b": 2] as Value)),
        ((["a": 1] as Value), (["b": 1] as Value)),
    ])
    func equality_distinguishesTypesAndContent(_ a: Value, _ b: Value) {
        #expect(a != b)
        #expect(b != a)
    }

    @Test func equality_nanEqualsNan_soDocumentsRoundTrip() {
        #expect(Value.float(.nan) == Value.float(-.nan))
        #expect(Value.float(0.0) == Value.float(-0.0))
    }

    @Test func accessors_returnPayloadOnlyForTheirKind() {
        let v: Value = ["n": 3, "f": 2.5, "s": "x", "b": true, "a": [1], "z": nil]
        #expect(v["n"]?.integerValue == 3)
        #expect(v["n"]?.numberValue == 3.0)
        #expect(v["f"]?.numberValue == 2.5)
        #expect(v["f"]?.integerValue == nil)
        #expect(v["s"]?.stringValue == "x")
        #expect(v["b"]?.boolValue == true)
        #expect(v["a"]?[0] == 1)
        #expect(v["a"]?[1] == nil)
        #expect(v["z"]?.isNull == true)
        #expect(v["missing"] == nil)
        #expect(v["s"]?["x"] == nil)
    }

    @Test(arguments: [
        (Value.null, "null"), (Value.bool(true), "boolean"), (Value.integer(1), "integer"),
        (Value.float(1), "number"), (Value.string(""), "string"), (Value.array([]), "array"),
        (Value.object(Object()), "object"), (Value.dateTime(DateTime(kind: .localDate, year: 2000, month: 1, day: 1)), "date-time"),
    ])
    func typeName_usesJSONSchemaNames(_ v: Value, _ name: String) {
        #expect(v.typeName == name)
    }

    @Test func strippingOrigins_removesEveryOriginRecursively() {
        let o = Origin(file: "f", line: 1, column: 1)
        let v = Value(.object(Object([("a", Value(.array([.integer(1, origin: o)]), origin: o))])), origin: o)
        let s = v.strippingOrigins
        #expect(s.origin == nil)
        #expect(s["a"]?.origin == nil)
        #expect(s["a"]?[0]?.origin == nil)
        #expect(s == v)
    }
}

@Suite struct ObjectTests {
    @Test func subscriptSet_keepsInsertionOrder_andReplacesInPlace() {
        var o = Object()
        o["b"] = 1
        o["a"] = 2
        o["c"] = 3
        o["a"] = 20
        #expect(o.keys == ["b", "a", "c"])
        #expect(o["a"] == 20)
        #expect(o.count == 3)
    }

    @Test func removal_shiftsLaterMembersAndKeepsLookupCorrect() {
        var o = Object([("a", 1), ("b", 2), ("c", 3), ("d", 4)])
        #expect(o.removeValue(forKey: "b") == 2)
        o["c"] = nil
        #expect(o.keys == ["a", "d"])
        #expect(o["d"] == 4)
        #expect(o["c"] == nil)
        #expect(o.removeValue(forKey: "zz") == nil)
        o["e"] = 5
        #expect(o[position: 2].key == "e")
    }

    @Test func iteration_followsInsertionOrder() {
        let o = Object([("z", 1), ("y", 2), ("x", 3)])
        #expect(o.map(\.key) == ["z", "y", "x"])
    }
}

@Suite struct DateTimeTests {
    @Test(arguments: [
        (DateTime(kind: .offsetDateTime, year: 1979, month: 5, day: 27, hour: 7, minute: 32), "1979-05-27T07:32:00Z"),
        (DateTime(kind: .offsetDateTime, year: 1979, month: 5, day: 27, hour: 0, minute: 32, second: 0,
                  nanosecond: 999_999_000, fractionDigits: 6, offsetMinutes: -420), "1979-05-27T00:32:00.999999-07:00"),
        (DateTime(kind: .localDateTime, year: 1979, month: 5, day: 27, hour: 7, minute: 32, second: 1), "1979-05-27T07:32:01"),
        (DateTime(kind: .localDate, year: 9, month: 1, day: 2), "0009-01-02"),
        (DateTime(kind: .localTime, hour: 0, minute: 32, second: 0, nanosecond: 500_000_000, fractionDigits: 3), "00:32:00.500"),
        (DateTime(kind: .offsetDateTime, year: 2000, month: 1, day: 1, offsetMinutes: 330), "2000-01-01T00:00:00+05:30"),
    ])
    func description_isRFC3339(_ d: DateTime, _ text: String) {
        #expect(d.description == text)
    }

    @Test func isValidDate_knowsLeapYearsAndMonthLengths() {
        #expect(DateTime.isValidDate(year: 2000, month: 2, day: 29))
        #expect(!DateTime.isValidDate(year: 1900, month: 2, day: 29))
        #expect(DateTime.isValidDate(year: 2024, month: 2, day: 29))
        #expect(!DateTime.isValidDate(year: 2023, month: 2, day: 29))
        #expect(!DateTime.isValidDate(year: 2023, month: 4, day: 31))
        #expect(!DateTime.isValidDate(year: 2023, month: 13, day: 1))
        #expect(!DateTime.isValidDate(year: 2023, month: 1, day: 0))
    }
}

@Suite struct ConfigErrorTests {
    @Test func description_prefixesTheLocation() {
        let e = ConfigError(.syntax, "expected ':'", at: Origin(file: "a.yaml", line: 3, column: 7))
        #expect(e.description == "a.yaml:3:7: expected ':'")
        #expect(ConfigError(.io, "boom").description == "boom")
        #expect(ConfigError(.syntax, "x", at: Origin(file: "<env>")).description == "<env>: x")
    }

    @Test func equality_comparesTheCodeOnly() {
        #expect(ConfigError(.syntax, "a") == ConfigError(.syntax, "b"))
        #expect(ConfigError(.syntax, "a") != ConfigError(.limit, "a"))
    }
}
