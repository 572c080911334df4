#!/usr/bin/env bash
# The print-mode "fix the bug in calc.py" comparison of bench/scenario.py, run by hyperfine
# for people who prefer its statistics. calc.py is restored before every run (--prepare),
# and each command checks its own result, so a broken run fails instead of being timed.
#
#   bench/hyperfine.sh [extra hyperfine options, e.g. --export-json bench/results/hf.json]
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$REPO/.venv/bin/python}
CLAUDE_LSP=${CLAUDE_LSP:-$REPO/.venv/bin/claude-lsp}
PEER=${PEER:-}
if [[ -z $PEER ]]; then
  for candidate in /tmp/cc/node_modules/.bin/claude "$REPO/bench/.peer/node_modules/.bin/claude"; do
    if [[ -x $candidate ]]; then PEER=$candidate; break; fi
  done
fi
if [[ -z $PEER ]]; then
  echo "installing Claude Code into bench/.peer/ (npm) ..." >&2
  timeout 600 npm install --prefix "$REPO/bench/.peer" @anthropic-ai/claude-code >&2
  PEER=$REPO/bench/.peer/node_modules/.bin/claude
fi

TMP=$(mktemp -d -t claude-lsp-hyperfine-XXXXXX)
FAKE_PID=
cleanup() {
  if [[ -n $FAKE_PID ]] && kill -0 "$FAKE_PID" 2>/dev/null; then
    kill "$FAKE_PID" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$FAKE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$FAKE_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

WORK=$TMP/work
mkdir -p "$WORK" "$TMP/home-lsp" "$TMP/home-cc"
(cd "$REPO" && exec "$PY" -m tests.fakeapi --port 0 --scenario fix-calc \
  --calc-path "$WORK/calc.py" >"$TMP/url" 2>"$TMP/fakeapi.stderr") &
FAKE_PID=$!
for _ in $(seq 150); do [[ -s $TMP/url ]] && break; sleep 0.1; done
BASE_URL=$(head -n1 "$TMP/url")
if [[ $BASE_URL != http* ]]; then
  echo "fake API did not start:" >&2
  cat "$TMP/fakeapi.stderr" >&2
  exit 1
fi

for var in $(compgen -e | grep '^ANTHROPIC_' || true); do unset "$var"; done
export ANTHROPIC_BASE_URL=$BASE_URL ANTHROPIC_API_KEY=test
cd "$WORK"

ARGS='-p "fix the bug in calc.py" --permission-mode acceptEdits --output-format json'
CHECK="grep -Eq '\"subtype\": ?\"success\"' out.json && grep -Eq '\"num_turns\": ?3[,}]' out.json"
CHECK="$CHECK && grep -q 'return a + b' calc.py"
hyperfine --warmup 1 --runs 5 \
  --prepare "printf 'def add(a, b):\n    return a - b\n' > calc.py" \
  --command-name claude-lsp "HOME=$TMP/home-lsp $CLAUDE_LSP $ARGS > out.json && $CHECK" \
  --command-name 'Claude Code' "HOME=$TMP/home-cc $PEER $ARGS > out.json && $CHECK" \
  "$@"
