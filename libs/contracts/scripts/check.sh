#!/usr/bin/env bash
# Checks the event contracts (`npm run contracts:check`, run in CI):
#   1. buf lint               (STANDARD rules, proto/buf.yaml)
#   2. buf format             (the .proto files are formatted)
#   3. buf breaking           (FILE rules) against a baseline from git, see choose_baseline
#   4. generated code is fresh (regenerate into a temp dir and compare with libs/contracts/src/gen)
# Works offline: no BSR dependency. Set CONTRACTS_BREAKING_AGAINST=<git ref> to pick the baseline yourself.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$repo_root"

buf="$repo_root/node_modules/.bin/buf"
generated_dir="libs/contracts/src/gen"
work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT

step() { printf '\n== contracts: %s\n' "$1"; }
fail() { printf 'contracts:check FAILED: %s\n' "$1" >&2; exit 1; }

# Prints the git ref whose proto/ the working tree must stay compatible with:
#   - CONTRACTS_BREAKING_AGAINST when set;
#   - on a branch that forked from main: the fork point (everything the branch changed, committed or not);
#   - on main with uncommitted changes under proto/: HEAD (what is being edited);
#   - on main otherwise (e.g. CI on a clean clone): HEAD~1 (what the last commit changed).
choose_baseline() {
  if [[ -n "${CONTRACTS_BREAKING_AGAINST:-}" ]]; then
    echo "$CONTRACTS_BREAKING_AGAINST"
    return
  fi
  local head fork_point
  head="$(git rev-parse HEAD)"
  if git rev-parse --verify --quiet main >/dev/null; then
    fork_point="$(git merge-base HEAD main 2>/dev/null || true)"
    if [[ -n "$fork_point" && "$fork_point" != "$head" ]]; then
      echo "$fork_point"
      return
    fi
  fi
  if [[ -n "$(git status --porcelain -- proto)" ]]; then
    echo HEAD
  else
    echo HEAD~1
  fi
}

check_breaking() {
  if ! git rev-parse --git-dir >/dev/null 2>&1 || ! git rev-parse --verify --quiet HEAD >/dev/null; then
    echo "skipped: not a git checkout with commits, no baseline to compare against"
    return
  fi
  local baseline
  baseline="$(choose_baseline)"
  if ! git rev-parse --verify --quiet "${baseline}^{commit}" >/dev/null; then
    echo "skipped: baseline '$baseline' does not exist (first commit or shallow clone)"
    return
  fi
  if ! git cat-file -e "${baseline}:proto/buf.yaml" 2>/dev/null; then
    echo "skipped: no proto/ at baseline '$baseline' ($(git rev-parse --short "$baseline")), nothing to break"
    return
  fi
  echo "against $baseline ($(git rev-parse --short "$baseline"))"
  mkdir -p "$work_dir/baseline"
  git archive "$baseline" proto | tar -x -C "$work_dir/baseline"
  "$buf" breaking proto --against "$work_dir/baseline/proto" ||
    fail "breaking change against '$baseline'. Add fields instead of changing or removing them (docs/contracts.md)."
}

check_generated_fresh() {
  "$buf" generate proto --template proto/buf.gen.yaml --output "$work_dir/fresh" ||
    fail "code generation failed"
  if ! diff -r "$work_dir/fresh/$generated_dir" "$generated_dir"; then
    fail "$generated_dir is stale or hand-edited (diff above). Run 'npm run contracts:gen' and commit the result."
  fi
  echo "up to date"
}

step "lint"
"$buf" lint proto || fail "buf lint"
echo "ok"

step "format"
"$buf" format --diff --exit-code proto || fail "proto files are not formatted: run 'npx buf format -w proto'"
echo "ok"

step "breaking changes"
check_breaking

step "generated code"
check_generated_fresh

printf '\ncontracts:check passed\n'
