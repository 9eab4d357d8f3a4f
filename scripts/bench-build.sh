#!/usr/bin/env bash
# Times the builds a developer waits for, at a given commit: a clean build of
# the `flagstaff` binary (dev profile), then the rebuild after touching one web
# UI file, then the rebuild after touching one operation. Each commit builds
# in its own worktree and target directory under $BENCH_DIR (default
# /tmp/flagstaff-bench-build), so two commits compare on the same machine in
# one session:
#
#   scripts/bench-build.sh <commit-before> <commit-after>
#
# Prints one line per build: commit, what was built, wall and CPU seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
bench_dir="${BENCH_DIR:-/tmp/flagstaff-bench-build}"
mkdir -p "$bench_dir"

timed() { # label, then the command
  local label="$1"; shift
  /usr/bin/time -f "%e %U %S" -o "$bench_dir/time" "$@" >/dev/null 2>&1
  read -r wall user sys < "$bench_dir/time"
  printf '%-10s %-34s wall %6.1f s   cpu %6.1f s\n' "$commit" "$label" "$wall" "$(awk "BEGIN{print $user + $sys}")"
}

for commit in "$@"; do
  tree="$bench_dir/tree-$commit"
  rm -rf "$tree" "$bench_dir/target-$commit"
  git worktree add --detach -q "$tree" "$commit"
  export CARGO_TARGET_DIR="$bench_dir/target-$commit"
  # Dependencies are fetched beforehand so the clean build times compiling only.
  (cd "$tree" && cargo fetch --locked -q)
  ui_file="$(cd "$tree" && git ls-files 'crates/server/src/ui/flags.rs')"
  op_file="$(cd "$tree" && git ls-files '*src/ops/flags.rs')"
  (cd "$tree" && timed "clean build" cargo build -p flagstaff --locked)
  (cd "$tree" && touch "$ui_file" && timed "rebuild after touching $(basename "$(dirname "$ui_file")")/$(basename "$ui_file")" cargo build -p flagstaff --locked)
  (cd "$tree" && touch "$op_file" && timed "rebuild after touching ops/$(basename "$op_file")" cargo build -p flagstaff --locked)
  git worktree remove --force "$tree"
  rm -rf "$bench_dir/target-$commit"
done
