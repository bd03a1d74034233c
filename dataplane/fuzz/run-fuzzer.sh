#!/bin/sh
# Run the libFuzzer target on the pipeline with the whole dataplane
# instrumented (coverage + ASan + UBSan). Needs clang with libFuzzer
# (Debian: clang-14 ships libclang_rt.fuzzer).
#
#   dataplane/fuzz/run-fuzzer.sh [SECONDS] [extra libFuzzer flags...]
#
# Builds into build-fuzz/ (reused), fuzzes for SECONDS (default 300) with
# the seed corpus plus a work corpus in build-fuzz/fuzz-corpus, and leaves
# any crashing input as build-fuzz/fuzz-artifacts/crash-*. Replay one with
#   build-fuzz/dataplane/fuzz/fuzz_pipeline CRASHFILE
# or, in a gcc build, build/dataplane/fuzz/fuzz_pipeline_standalone -n 0 CRASHFILE.
# SLUICE_FUZZ_SKIP_ACCOUNTING=1 skips the accounting invariant (memory bugs only).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${SLUICE_FUZZ_BUILD:-$src/build-fuzz}
secs=${1:-300}
[ $# -gt 0 ] && shift

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$src" -Dfuzz=enabled -Dbuildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link
fi
ninja -C "$build" dataplane/fuzz/fuzz_pipeline
mkdir -p "$build/fuzz-corpus" "$build/fuzz-artifacts"
# leaks: the gateway state lives for the whole run on purpose
exec "$build/dataplane/fuzz/fuzz_pipeline" -max_len=2049 -max_total_time="$secs" \
	-detect_leaks=0 -artifact_prefix="$build/fuzz-artifacts/" "$@" \
	"$build/fuzz-corpus" "$src/dataplane/fuzz/corpus"
