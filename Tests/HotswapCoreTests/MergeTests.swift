import HotswapCore
import Testing

@Suite struct MergeTests {
    @Test func merge_whenBothAreMaps_mergesRecursively() {
        let base: Value = ["server": ["host": "a", "port": 1, "tls": ["on": false]], "x": 1]
        let top: Value = ["server": ["port": 2, "tls": ["cert": "c"]], "y": 2]
        #expect(top.merged(over: base) == ["server": ["host": "a", "port": 2, "tls": ["on": false, "cert": "c"]], "x": 1, "y": 2])
    }

    @Test func merge_whenScalarReplacesMap_higherPriorityWins() {
        #expect((["a": 1] as Value).merged(over: ["a": ["b": 2]]) == ["a": 1])
        #expect((["a": ["b": 2]] as Value).merged(over: ["a": 1]) == ["a": ["b": 2]])
    }

    @Test func merge_arraysReplaceRatherThanConcatenate() {
        #expect((["l": [3]] as Value).merged(over: ["l": [1, 2]]) == ["l": [3]])
    }

    @Test func merge_nullIsAValueAndReplaces() {
        #expect((["a": nil] as Value).merged(over: ["a": ["b": 1]]) == ["a": nil])
    }

    @Test func merge_keepsBaseKeyOrderAndAppendsNewKeys() {
        let merged = (["c": 3, "a": 10] as Value).merged(over: ["a": 1, "b": 2])
        #expect(merged.objectValue?.keys == ["a", "b", "c"])
    }

    @Test func merge_everyNodeKeepsTheOriginOfTheLayerThatWon() {
        func o(_ f: String) -> Origin { Origin(file: f, line: 1, column: 1) }
        let base = Value(.object(Object([("s", Value(.object(Object([("p", .integer(1, origin: o("low"))), ("h", .string("x", origin: o("low")))])), origin: o("low")))])), origin: o("low"))
        let top = Value(.object(Object([("s", Value(.object(Object([("p", .integer(2, origin: o("high")))])), origin: o("high")))])), origin: o("high"))
        let m = top.merged(over: base)
        #expect(m["s"]?["p"]?.origin?.file == "high")
        #expect(m["s"]?["h"]?.origin?.file == "low")
        #expect(m["s"]?.origin?.file == "high")
    }

    @Test func mergeLayers_ordersByPriority_thenByPosition() {
        let layers = [
            Layer(name: "env", priority: 300, document: ["port": 3]),
            Layer(name: "default", priority: 100, document: ["port": 1, "host": "h"]),
            Layer(name: "conf.d/a", priority: 250, document: ["port": 25, "a": 1]),
            Layer(name: "conf.d/b", priority: 250, document: ["port": 26, "a": 2]),
        ]
        #expect(Value.merge(layers) == ["port": 3, "host": "h", "a": 2])
        #expect(Value.merge(Array(layers.dropFirst())) == ["port": 26, "host": "h", "a": 2])
        #expect(Value.merge([]) == Value(.object(Object())))
    }

    @Test func merge_nonObjectLayerReplacesEverythingBelow() {
        #expect(Value.merge([Layer(name: "a", priority: 1, document: ["a": 1]), Layer(name: "b", priority: 2, document: [1, 2])]) == [1, 2])
    }
}
