/// "Did you mean …?" for misspelled keys, enum values and keywords.
enum Suggest {
    /// The candidate closest to `word` by optimal-string-alignment distance (Levenshtein
    /// plus adjacent transpositions, so `prot` → `port` costs one), when it is close enough
    /// to be a plausible typo: at most a third of the word's length, at least one edit.
    /// Case-only differences always qualify. Ties go to the earlier candidate.
    static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let w = Array(word.unicodeScalars)
        guard !w.isEmpty, w.count <= 64 else { return nil }
        let lowered = word.lowercased()
        var best: (String, Int)? = nil
        for c in candidates where c != word {
            if c.lowercased() == lowered { return c }
            let d = distance(w, Array(c.unicodeScalars), limit: 3)
            if d <= max(1, min(3, w.count / 3)), best == nil || d < best!.1 {
                best = (c, d)
            }
        }
        return best?.0
    }

    /// Optimal string alignment distance, giving up (returning `limit + 1`) once every
    /// alignment is over `limit`.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            var rowMin = cur[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    v = min(v, prev2[j - 2] + 1)
                }
                cur[j] = v
                rowMin = min(rowMin, v)
            }
            if rowMin > limit { return limit + 1 }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }
}
