import HotswapCore
import Testing

@Suite struct JSONPatchTests {
    func patch(_ ops: Value) throws -> JSONPatch { try JSONPatch(parsing: ops) }

    @Test func add_insertsIntoArraysAndSetsObjectMembers() throws {
        let doc: Value = ["a": [1, 3], "o": ["x": 1]]
        let p = try patch([
            ["op": "add", "path": "/a/1", "value": 2],
            ["op": "add", "path": "/a/-", "value": 4],
            ["op": "add", "path": "/o/y", "value": 2],
            ["op": "add", "path": "/o/x", "value": 10],
        ])
        #expect(try p.apply(to: doc) == ["a": [1, 2, 3, 4], "o": ["x": 10, "y": 2]])
    }

    @Test func add_atTheRoot_replacesTheDocument() throws {
        #expect(try patch([["op": "add", "path": "", "value": [1]]]).apply(to: ["a": 1]) == [1])
    }

    @Test func removeReplaceMoveCopy_followRFC6902() throws {
        let doc: Value = ["a": ["b": 1, "c": 2], "l": [1, 2, 3]]
        let p = try patch([
            ["op": "remove", "path": "/l/0"],
            ["op": "replace", "path": "/a/b", "value": "B"],
            ["op": "move", "from": "/a/c", "path": "/moved"],
            ["op": "copy", "from": "/l", "path": "/a/l"],
            ["op": "test", "path": "/moved", "value": 2.0],
        ])
        #expect(try p.apply(to: doc) == ["a": ["b": "B", "l": [2, 3]], "l": [2, 3], "moved": 2])
    }

    @Test(arguments: [
        ["op": "remove", "path": "/missing"] as Value,
        ["op": "replace", "path": "/missing", "value": 1],
        ["op": "add", "path": "/missing/child", "value": 1],
        ["op": "add", "path": "/l/5", "value": 1],
        ["op": "add", "path": "/l/01", "value": 1],
        ["op": "move", "from": "/a", "path": "/a/b/c"],
        ["op": "test", "path": "/a/b", "value": "1"],
        ["op": "copy", "from": "/nope", "path": "/x"],
        ["op": "add", "path": "/a/b/c", "value": 1],
    ])
    func apply_refusesOperationsThatCannotApply(_ op: Value) throws {
        let doc: Value = ["a": ["b": 1], "l": [1]]
        #expect(throws: ConfigError(.patch, "")) { try JSONPatch(parsing: [op]).apply(to: doc) }
    }

    @Test(arguments: [
        ["op": "add", "path": "/a"] as Value,
        ["path": "/a", "value": 1],
        ["op": "frobnicate", "path": "/a"],
        ["op": "add", "path": "a", "value": 1],
        ["op": "add", "path": 1, "value": 1],
        ["op": "move", "path": "/a"],
        "not an object",
    ])
    func parsing_refusesMalformedOperations(_ op: Value) {
        #expect(throws: ConfigError(.patch, "")) { try JSONPatch(parsing: [op]) }
    }

    @Test func parsing_refusesANonArray() {
        #expect(throws: ConfigError(.patch, "")) { try JSONPatch(parsing: ["op": "add"]) }
    }

    @Test func apply_isAtomic_aFailingOperationLeavesNothingApplied() throws {
        let doc: Value = ["a": 1]
        let p = try patch([["op": "replace", "path": "/a", "value": 2], ["op": "remove", "path": "/zz"]])
        #expect(throws: ConfigError(.patch, "")) { try p.apply(to: doc) }
        #expect(doc == ["a": 1])
    }

    @Test func errorMessage_namesTheOperation() throws {
        let p = try patch([["op": "add", "path": "/a", "value": 1], ["op": "remove", "path": "/zz"]])
        do {
            _ = try p.apply(to: [:])
            Issue.record("expected failure")
        } catch {
            #expect(error.message.contains("operation 1 (remove /zz)"))
        }
    }

    @Test func isJSONEqual_comparesNumbersByValue() {
        #expect(Value.integer(1).isJSONEqual(to: .float(1.0)))
        #expect(!Value.integer(1).isJSONEqual(to: .float(1.5)))
        #expect((["a": [1, 2.0]] as Value).isJSONEqual(to: ["a": [1.0, 2]]))
        #expect(!Value.integer(1).isJSONEqual(to: "1"))
    }
}

@Suite struct DiffTests {
    @Test func changes_listAddedRemovedAndChangedPaths() {
        let a: Value = ["s": ["port": 1, "host": "h"], "gone": true, "l": [1, 2]]
        let b: Value = ["s": ["port": 2, "host": "h"], "new": 1, "l": [1, 3]]
        #expect(a.changes(to: b) == [
            Change(path: ConfigPath(tokens: ["s", "port"]), kind: .changed, old: 1, new: 2),
            Change(path: ConfigPath(tokens: ["gone"]), kind: .removed, old: true, new: nil),
            Change(path: ConfigPath(tokens: ["l", "1"]), kind: .changed, old: 2, new: 3),
            Change(path: ConfigPath(tokens: ["new"]), kind: .added, old: nil, new: 1),
        ])
    }

    @Test func changes_ofEqualDocuments_isEmpty() {
        let a: Value = ["x": [1, ["y": nil]]]
        #expect(a.changes(to: a).isEmpty)
    }

    @Test func changes_whenArrayLengthChanges_reportsTheWholeArray() {
        let c = (["l": [1]] as Value).changes(to: ["l": [1, 2]])
        #expect(c.count == 1)
        #expect(c.first?.path.description == "l")
        #expect(c.first?.description == "~ l: [1] -> [1, 2]")
    }

    @Test func changes_whenTypeChanges_reportsAChange() {
        #expect((["a": 1] as Value).changes(to: ["a": 1.0]).count == 1)
    }
}
