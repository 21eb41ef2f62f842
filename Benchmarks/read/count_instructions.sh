#!/bin/sh
# count_instructions.sh - instructions per read of each case of instr_read.c, by callgrind.
#
#   count_instructions.sh INSTR_READ [reads-per-case]
#   count_instructions.sh INSTR_READ_SO [reads-per-case] PUBLISHER
#
# The first form runs a statically linked instr_read (it publishes its own segment). The
# second measures a reader-only build linked against libhotswap.so (-DINSTR_READER_ONLY),
# on a segment that PUBLISHER (a full instr_read build) publishes first and removes after.
# Instruction counts do not depend on the machine's load, so they compare runs taken at
# different moments; the medians of bench_read do not.
set -eu
bin=$1
n=${2:-20000}
publisher=${3:-}
dir=$(mktemp -d /tmp/hs-instr.XXXXXX)
instance=instr-$$
cleanup() {
    [ -n "$publisher" ] && "$publisher" --remove "$instance" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
extra=
if [ -n "$publisher" ]; then
    "$publisher" --publish "$instance"
    extra="--instance $instance"
fi
# shellcheck disable=SC2086
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$dir/cg.out" "$bin" "$n" $extra >/dev/null 2>"$dir/log" || {
    cat "$dir/log" >&2; exit 1; }
printf '%-40s %12s\n' "case" "instr/read"
for f in "$dir"/cg.out.*; do
    awk '
        /^desc: Trigger: Client Request: / { sub(/^desc: Trigger: Client Request: /, ""); label = $0 }
        /^summary: / { total = $2 }
        /^totals: / { total = $2 }
        END {
            at = index(label, " @"); name = substr(label, 1, at - 1); reads = substr(label, at + 2) + 0
            if (reads > 0) printf "%-40s %12.1f\n", name, total / reads
        }' "$f"
done | sort
