#!/usr/bin/env bash
# The push client of another commit (A) against this tree's (B), back to
# back in one run, each sending one alert through bench/alerts.sh to the same
# sink (this tree's, on the h2 crate's server) with the same subscriptions
# and the same `openssl speed` reference. A is built from a git worktree
# into its own target folder (target/ab-reference, kept between runs): a
# shared one would keep A's build-script output, which names files in the
# worktree, for this tree's next build.
#
#   bench/alerts_ab.sh COMMIT [subscriptions, default 200000]
set -euo pipefail
cd "$(dirname "$0")/.."
commit="${1:?usage: bench/alerts_ab.sh COMMIT [subscriptions]}"
count="${2:-200000}"
root="$(pwd)"
work="$(mktemp -d)"
cleanup() {
  git -C "$root" worktree remove --force "$work/a" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building B (this tree)"
cargo build --release --quiet --bin broadsheet --example alert_fanout
cp target/release/broadsheet "$work/broadsheet-b"
echo "== building A ($commit)"
git worktree add --detach --quiet "$work/a" "$commit"
(cd "$work/a" && CARGO_TARGET_DIR="$root/target/ab-reference" cargo build --release --quiet --bin broadsheet)
cp target/ab-reference/release/broadsheet "$work/broadsheet-a"

for side in a b; do
  if [ "$side" = a ]; then bin="$work/broadsheet-a"; label="A ($commit)"; else bin="$work/broadsheet-b"; label="B (this tree)"; fi
  echo
  echo "######## $label"
  BROADSHEET_BIN="$bin" bench/alerts.sh "$count" | tee "$work/$side.txt"
done

echo
echo "== A/B, same sink, same run"
for side in a b; do
  rate="$(awk -F': ' '/alerts per second/ {print $2}' "$work/$side.txt")"
  ratio="$(awk -F': ' '/ratio to the key-agreement limit/ {print $2}' "$work/$side.txt")"
  echo "$side: $rate alerts/s; $ratio"
done
