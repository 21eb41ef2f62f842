import Foundation
import HotswapCore
import HotswapFormats
import HotswapSchema
import HotswapTestSupport
import Testing

/// The example under etc/app, which docs/schema.md walks through, must stay valid.
struct ExampleConfigTests {
    let dir = TestPaths.packageRoot.appendingPathComponent("etc/app")

    func load(_ name: String) throws -> Value {
        let url = dir.appendingPathComponent(name)
        return try Format(path: name)!.parse(readBytes(url), options: ParseOptions(fileName: "etc/app/" + name))
    }

    @Test func exampleSchemaCompilesStrictlyAndTheExampleConfigurationIsValid() throws {
        let s = try Schema.compile(load("schema.yaml"), uri: "file://" + dir.appendingPathComponent("schema.yaml").path)
        let base = try load("default.yaml")
        let production = try load("production.yaml").merged(over: base)
        for doc in [base, production] {
            let r = s.apply(to: doc)
            #expect(r.isValid, "\(r.violations.map(\.description))")
            #expect(r.secrets.map(\.description) == ["database.password"])
        }
    }

    @Test func exampleTyposAreCaughtWithSuggestions() throws {
        let s = try Schema.compile(load("schema.yaml"), uri: "file://" + dir.appendingPathComponent("schema.yaml").path)
        var doc = try load("default.yaml")
        doc = try doc.setting(.integer(30), at: ConfigPath(parsing: "server.timout_ms"))
        let v = s.validate(doc)
        #expect(v.map(\.message) == ["unknown key `timout_ms`; did you mean `timeout_ms`?"])
    }
}
