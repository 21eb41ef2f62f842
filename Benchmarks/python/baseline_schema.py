"""Python baseline of the schema benchmark: jsonschema's Draft202012Validator on the same
schema and 10,000-key document as HotswapSchema (schema.json, doc10k.json from
`hotswap-bench gen`).

    python3 baseline_schema.py DIR RUNS

Prints one JSON object with each run's seconds for:
- `validate`: every error collected (`list(iter_errors(doc))`, which is what our `validate`
  does), with jsonschema's own format checker. jsonschema checks only the formats whose
  optional packages are installed; `formats_checked` lists which of the schema's formats
  were really checked.
- `validate_noformat`: the same without a format checker (JSON Schema's default, and the
  like-for-like comparison with our validator with format assertion off).
- `stock`: stock Draft202012Validator without format checker. Its `multipleOf` divides floats
  (5.3 / 0.1 = 52.99999…), which gives false errors on documents with such values
  (`stock_errors` counts them); the two figures above use a validator extended with an exact
  decimal `multipleOf`, so that both engines agree on what is valid and do the same work
  whatever the fixture's numbers.
"""

import decimal
import json
import os
import sys

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from benchlib import time_runs


def exact_multiple_of(validator, dB, instance, schema):
    """multipleOf with decimal arithmetic on the numbers' shortest representations."""
    if not validator.is_type(instance, "number"):
        return
    q = decimal.Decimal(repr(instance)) / decimal.Decimal(repr(dB))
    if q != q.to_integral_value():
        yield ValidationError(f"{instance!r} is not a multiple of {dB}")


def schema_formats(node, out):
    if isinstance(node, dict):
        if isinstance(node.get("format"), str):
            out.add(node["format"])
        for v in node.values():
            schema_formats(v, out)
    elif isinstance(node, list):
        for v in node:
            schema_formats(v, out)
    return out


def main():
    d, runs = sys.argv[1], int(sys.argv[2])
    with open(os.path.join(d, "schema.json"), "rb") as f:
        schema = json.load(f)
    with open(os.path.join(d, "doc10k.json"), "rb") as f:
        doc = json.load(f)
    Draft202012Validator.check_schema(schema)
    Exact = validators.extend(Draft202012Validator, {"multipleOf": exact_multiple_of})
    checker = Draft202012Validator.FORMAT_CHECKER
    with_formats = Exact(schema, format_checker=checker)
    without = Exact(schema)
    stock = Draft202012Validator(schema)

    errors = list(with_formats.iter_errors(doc))
    if errors:
        raise SystemExit(f"baseline_schema: the document should be valid: {errors[0].message}")
    out = {
        "jsonschema": _version(),
        "formats_checked": sorted(schema_formats(schema, set()) & set(checker.checkers)),
        "formats_unchecked": sorted(schema_formats(schema, set()) - set(checker.checkers)),
        "stock_errors": len(list(stock.iter_errors(doc))),
        "validate": time_runs(lambda: list(with_formats.iter_errors(doc)), runs),
        "validate_noformat": time_runs(lambda: list(without.iter_errors(doc)), runs),
        "stock": time_runs(lambda: list(stock.iter_errors(doc)), runs),
    }
    print(json.dumps(out))


def _version():
    try:
        from importlib.metadata import version
        return version("jsonschema")
    except Exception:  # the version is decoration; never fail the benchmark over it
        return "?"


if __name__ == "__main__":
    main()
