#!/usr/bin/env bash
# bench/fanout/run.sh — issue 4's SSH fan-out benchmark (DESIGN.md "Performance"): Gatehouse side by
# side with pdsh, parallel-ssh, clush, Ansible and a plain ssh loop, running `uname -a; echo done` on
# N loopback sshd hosts from the shared harness (../shared/bench/fanout), in one session per key
# exchange: the tools' default (OpenSSH 9.2: sntrup761x25519-sha512) and KEX=curve25519-sha256 (what
# Gatehouse's ssh2 negotiates). Writes bench/results/fanout-<N>.md (+ the raw rows, .tsv) and brings
# the hosts down at the end, also on failure or Ctrl-C.
#
# The harness is not changed: its scripts are copied, byte for byte, to a scratch directory and run
# from there, because run-anchors.sh writes its results next to itself (../shared stays as it is).
#
# Each session (session.mjs) interleaves the tools in ROUNDS rounds: every round runs each anchor
# once and Gatehouse (watched, unwatched) and the engine alone once, so load from other work on this
# shared machine falls on all rows alike; each round waits for an idle machine first (QUIET_MAX s).
#
# Env: NS ("100 300"), KEXES ("default curve25519-sha256"), ROUNDS (5: runs of Gatehouse and
# engine-only), RUNS (5: runs per anchor tool, in the first RUNS rounds; lower it to save time),
# TOOLS (anchor rows, default below), FANOUT_DIR (/tmp/fanout), QUIET_MAX (300),
# PROFILE=DIR (the Gatehouse server writes a --cpu-prof profile per session into DIR).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${FANOUT_HARNESS:-$(cd "$ROOT/../shared/bench/fanout" && pwd)}
NS=${NS:-100 300}
KEXES=${KEXES:-default curve25519-sha256}
RUNS=${RUNS:-5}
ROUNDS=${ROUNDS:-5}
TOOLS=${TOOLS:-ssh-loop pdsh pssh clush ansible-raw ansible-shell-warm-pipe}
export FANOUT_DIR=${FANOUT_DIR:-/tmp/fanout}
RESULTS=$ROOT/bench/results
ulimit -n "$(ulimit -Hn)" # hundreds of sockets at once, as run-anchors.sh allows its tools
if [[ ${REAL_BASHRC:-0} == 1 ]]; then echo "run.sh: REAL_BASHRC=1 is set; the hosts will source the real /root/.bashrc" >&2; fi

H=$(mktemp -d /tmp/gatehouse-fanout-harness.XXXXXX)
cp "$SHARED"/*.sh "$SHARED"/*.py "$H"/
cleanup() {
  "$H/hosts-down.sh" || true
  rm -rf "$H"
}
trap cleanup EXIT

for f in "$SHARED"/*.sh "$SHARED"/*.py; do cmp -s "$f" "$H/$(basename "$f")" || { echo "run.sh: copy of $f differs" >&2; exit 1; }; done
for t in ansible pdsh parallel-ssh clush sshd; do command -v "$t" >/dev/null || [[ -x /usr/sbin/$t ]] || {
  echo "run.sh: $t is missing: apt-get install -y openssh-server ansible pssh pdsh clustershell" >&2
  exit 1
}; done
# Gatehouse as `npm start` runs it; the web app is not used here, so a web build problem only warns.
(cd "$ROOT" && node scripts/ensure-built.mjs) || {
  echo "run.sh: ensure-built failed; building the server alone (npm run build:server)" >&2
  (cd "$ROOT" && npm run build:server >&2)
}
# Every sshd of this run starts now, with this run's settings (hosts-up.sh leaves running ones alone).
"$H/hosts-down.sh"

for n in $NS; do
  sessions=() notes=()
  for kex in $KEXES; do
    if [[ $kex == default ]]; then unset KEX; label="OpenSSH default key exchange"
    else export KEX=$kex; label="KEX=$kex"; fi
    out=$H/fanout-$n-$kex.tsv
    echo "== N=$n, $label: $ROUNDS rounds (anchors: ${TOOLS// /, } in the first $RUNS)" >&2
    prof=(); if [[ -n ${PROFILE:-} ]]; then mkdir -p "$PROFILE/$n-$kex"; prof=(--cpu-prof "$PROFILE/$n-$kex"); fi
    (cd "$ROOT" && node bench/fanout/session.mjs --n "$n" --harness "$H" --tsv "$out" --rounds "$ROUNDS" \
      --anchor-runs "$RUNS" --tools "$TOOLS" --quiet-max "${QUIET_MAX:-300}" "${prof[@]}")
    echo ", as ssh's: $(ssh -n -F "$FANOUT_DIR/ssh_config" "$(head -1 "$FANOUT_DIR/hosts-$n.txt")" 'wc -c </root/.bashrc') bytes" >>"$H/negotiated"
    cp "$out" "$RESULTS/fanout-$n-$kex.tsv"
    sessions+=(--session "$label::$out::$out.harness.md")
    [[ -s $out.notes ]] && notes+=("$label: $(cat "$out.notes")")
  done
  load="every round began on an idle machine (< 30 % of 200 busy over 2 s; other helpers share it, so spikes during a round remain possible)"
  ((${#notes[@]})) && load="${notes[*]}"
  node "$ROOT/bench/fanout/report.mjs" --n "$n" --harness "$H" --out "$RESULTS/fanout-$n.md" --info "$H/negotiated" \
    --note "Runs: $ROUNDS interleaved rounds; anchors in the first $RUNS of them, one run per tool per round; anchor rows: ${TOOLS}." \
    --note "Machine load: $load." "${sessions[@]}" >/dev/null
  echo "== wrote bench/results/fanout-$n.md" >&2
done
