import HotswapCore
import HotswapDaemon
import HotswapSnapshot
import Testing

@Suite struct PipelineTests {
    func isUnchanged(_ d: PublishDecision) -> Bool { if case .unchanged = d { true } else { false } }
    func isPublish(_ d: PublishDecision) -> Bool { if case .publish = d { true } else { false } }

    @Test func decide_whenContentEqualsTheLiveSnapshot_isUnchanged_evenAcrossTypesJSONCannotTell() throws {
        let time = DateTime(kind: .offsetDateTime, year: 1979, month: 5, day: 27, hour: 7, minute: 32)
        let candidate = try Candidate(document: ["t": .dateTime(time), "n": 1], secrets: [])
        // What a restarted daemon reads back from the segment: JSON, where the date-time is a string.
        let readBack = try EncodedSnapshot(encoding: ["t": "1979-05-27T07:32:00Z", "n": 1])
        #expect(isUnchanged(decide(live: readBack, evaluation: .accepted(candidate))))
        #expect(isPublish(decide(live: try EncodedSnapshot(encoding: ["t": "1979-05-27T07:32:00Z", "n": 2]), evaluation: .accepted(candidate))))
        #expect(isPublish(decide(live: nil, evaluation: .accepted(candidate))))
    }

    @Test func decide_keyOrderAndOriginsMatter_onlyAsTheJSONTextDoes() throws {
        let a = try Candidate(document: .object(Object([("x", .integer(1, origin: Origin(file: "a.yaml", line: 1, column: 4)))])), secrets: [])
        #expect(isUnchanged(decide(live: try EncodedSnapshot(encoding: ["x": 1]), evaluation: .accepted(a))))
        #expect(isPublish(decide(live: try EncodedSnapshot(encoding: ["x": 1.0]), evaluation: .accepted(a))))
    }

    @Test func evaluate_rejectsASourceError_beforeMerging() {
        let failed = SourceStatus(spec: SourceSpec(kind: .file(path: "a.yaml"), priority: 100),
                                  health: .failed(ConfigError(.syntax, "boom", at: Origin(file: "a.yaml", line: 2, column: 3))), files: [])
        let result = evaluate(sources: LoadedSources(layers: [], statuses: [failed]), schema: nil)
        guard case let .rejected(errors) = result else { Issue.record("accepted"); return }
        #expect(errors.map(\.description) == ["a.yaml:2:3: boom"])
    }

    @Test func evaluate_reportsEverySchemaError() {
        let layer = Layer(name: "f", priority: 100, document: ["a": 1])
        let schema: SchemaStep = { v in SchemaOutcome(document: v, errors: [ConfigError(.schema, "one"), ConfigError(.schema, "two")], secrets: []) }
        guard case let .rejected(errors) = evaluate(sources: LoadedSources(layers: [layer], statuses: []), schema: schema) else {
            Issue.record("accepted"); return
        }
        #expect(errors.map(\.message) == ["one", "two"])
    }
}
