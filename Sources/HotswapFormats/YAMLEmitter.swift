import HotswapCore

struct YAMLEmitter {
    mutating func document(_ value: Value) -> String { JSON.emit(value, style: .pretty) + "\n" }
}
