"""Python baselines of the parse benchmark: json, tomllib and PyYAML's C loader on the files
`hotswap-bench gen` wrote (parse.json, parse.toml, parse.yaml: the same data).

    python3 baseline_parse.py DIR RUNS

Prints one JSON object: per format, the file size and each run's seconds. Like the Swift
side, the bytes are read once and each run parses from memory; tomllib needs text, so its
runs include decoding the UTF-8 (a few milliseconds per megabyte).
"""

import json
import os
import sys
import tomllib

import yaml

from benchlib import note, time_runs


def main():
    d, runs = sys.argv[1], int(sys.argv[2])
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        note("baseline_parse: PyYAML has no C loader (libyaml missing); using the pure-Python SafeLoader")
        loader = yaml.SafeLoader
    parsers = {
        "json": lambda b: json.loads(b),
        "yaml": lambda b: yaml.load(b, Loader=loader),
        "toml": lambda b: tomllib.loads(b.decode("utf-8")),
    }
    out = {"yaml_loader": loader.__name__}
    data = {}
    for fmt, parse in parsers.items():
        with open(os.path.join(d, "parse." + fmt), "rb") as f:
            b = f.read()
        data[fmt] = parse(b)
        out[fmt] = {"bytes": len(b), "times": time_runs(lambda: parse(b), runs)}
    # The three files must hold the same data, or the comparison means nothing.
    out["same_data"] = data["json"] == data["yaml"] == data["toml"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
