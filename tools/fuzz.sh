#!/bin/sh
# fuzz.sh SECONDS - build the libFuzzer target with ASan+UBSan and run it
# for SECONDS, growing tests/fuzz/corpus (commit what it adds). Crashes are
# saved in build/fuzz/ as crash-*; replay one with build/fuzz/replay FILE.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
sh tools/deps.sh fuzz
mkdir -p build/fuzz
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
. tools/vars.sh
src=$mmf_core_src
# shellcheck disable=SC2086
clang $mmf_inc -g -O1 -fsanitize=fuzzer $san tests/fuzz/fuzz_ops.c \
    $src -lpthread -o build/fuzz/fuzz_ops
# shellcheck disable=SC2086
clang $mmf_inc -g -O1 $san tests/fuzz/fuzz_ops.c tests/fuzz/replay.c \
    $src -lpthread -o build/fuzz/replay
export ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:allow_user_segv_handler=1
export UBSAN_OPTIONS=print_stacktrace=1
build/fuzz/fuzz_ops -max_total_time="$secs" -max_len=1024 -timeout=10 \
    -artifact_prefix=build/fuzz/ -print_final_stats=1 tests/fuzz/corpus
