#!/usr/bin/env bash
# The benchmark, on demand (not a test): builds release, starts the servers,
# drives them with wrk, and prints one table; bench/results/latest.json gets
# every number. See docs/PERFORMANCE.md for what is measured and why.
#
#   bash bench/run.sh                 # full run (~6 min on 2 cores)
#   ROUNDS=1 DURATION=2 bash bench/run.sh    # a quick look
#   SKIP_CLEAN_BUILD=1 bash bench/run.sh     # skip the clean-build timing
#
# Needs: wrk (Debian: apt-get install -y wrk), python3, cargo.
# Respects CARGO_TARGET_DIR. Loopback only.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# bench/ is its own workspace: its binaries land in bench/target, the
# library's example in the repository's target (one dir for both when
# CARGO_TARGET_DIR is set).
bin=${CARGO_TARGET_DIR:-$here/target}/release
examples=${CARGO_TARGET_DIR:-$repo/target}/release/examples
rounds=${ROUNDS:-3}
duration=${DURATION:-4}
results=$here/results
mkdir -p "$results"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

say() { printf '== %s\n' "$*" >&2; }

# A free loopback port (asks the kernel, then releases it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.02
  done
  echo "nothing listens on $1" >&2; return 1
}

vm_kb() { awk -v f="$2:" '$1==f {print $2}' "/proc/$1/status"; }

say "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ── Build ──
say "release build (bench servers and the quickstart example)"
(cd "$here" && cargo build --release --quiet --bins)
(cd "$repo" && cargo build --release --quiet --locked --example quickstart)
strip -o "$work/quickstart.stripped" "$examples/quickstart"
binary_bytes=$(stat -c %s "$work/quickstart.stripped")

# Crates in the default (normal, non-dev) dependency tree, the library itself excluded.
crates=$(cd "$repo" && cargo tree -e normal --prefix none --quiet | sed 's/ (\*)$//; s/ (proc-macro)$//' \
  | sort -u | grep -vc '^remote-mcp ')

clean_build_s=null
if [ -z "${SKIP_CLEAN_BUILD:-}" ]; then
  say "clean release build of the quickstart (fresh target dir)"
  start=$(date +%s.%N)
  (cd "$repo" && CARGO_TARGET_DIR="$work/clean-target" cargo build --release --quiet --locked --example quickstart)
  clean_build_s=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
  rm -rf "$work/clean-target"
fi

# ── Servers ──
# Configured like a deployment: one signing key and one public URL for every
# server here, so a token from the flow is valid on each of them (and on the
# fresh processes of the cold-start rounds).
export MCP_SIGNING_KEY=bench-signing-key-0123456789abcdef-0123456789
export PUBLIC_URL=http://localhost:8080
ceiling_port=$(free_port); "$bin/ceiling" "$ceiling_port" 2>/dev/null & pids+=($!); ceiling_pid=$!
mcp_port=$(free_port); "$bin/server" "$mcp_port" 1 2>/dev/null & pids+=($!); mcp_pid=$!
many_port=$(free_port); "$bin/server" "$many_port" 1000 2>/dev/null & pids+=($!); many_pid=$!
for p in "$ceiling_port" "$mcp_port" "$many_port"; do wait_port "$p"; done

# Authorization, when the server has OAuth: `flow` runs the real flow
# (DCR → authorize → token) and prints the access token.
token=$("$bin/flow" token "$mcp_port")
auth="Bearer $token"

body=$work/call.json
printf '%s' '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}' >"$body"

# One wrk run; appends a JSON line to $work/runs.jsonl.
# CPU time (user + system, clock ticks) a process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # name port pid conns mode round auth
  local name=$1 port=$2 pid=$3 conns=$4 mode=$5 round=$6 authz=$7 threads=2 out close=0 cpu0 cpu1
  [ "$conns" = 1 ] && threads=1
  [ "$mode" = close ] && close=1
  cpu0=$(cpu_ticks "$pid")
  out=$(AUTH="$authz" CLOSE=$close BODY_FILE=$body \
    wrk -t"$threads" -c"$conns" -d"${duration}s" --timeout 5s -s "$here/post.lua" "http://127.0.0.1:$port/mcp")
  cpu1=$(cpu_ticks "$pid")
  python3 - "$name" "$conns" "$mode" "$round" "$((cpu1 - cpu0))" "$(getconf CLK_TCK)" >>"$work/runs.jsonl" <<PY
import json, re, sys
out = """$out"""
name, conns, mode, rnd = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
j = json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
ticks, hz = int(sys.argv[5]), int(sys.argv[6])
j.update(target=name, conns=conns, mode=mode, round=rnd, rps=rps,
         non2xx=int(non2xx.group(1)) if non2xx else 0,
         cpu_us_per_request=ticks / hz * 1e6 / max(j["requests"], 1))
print(json.dumps(j))
PY
  tail -1 "$work/runs.jsonl" | python3 -c 'import json,sys; j=json.loads(sys.stdin.read()); print("   %-9s c=%-3d %-9s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  %5.1f us CPU/req  errors %d" % (j["target"], j["conns"], j["mode"], j["rps"], j["p50_us"]/1000, j["p99_us"]/1000, j["cpu_us_per_request"], j["errors"]+j["non2xx"]))' >&2
}

# ── Throughput: ceiling and tools/call alternate within every round ──
for round in $(seq 1 "$rounds"); do
  say "round $round/$rounds (load $(cut -d' ' -f1 /proc/loadavg))"
  for conns in 1 16 64; do
    for mode in keepalive close; do
      run ceiling "$ceiling_port" "$ceiling_pid" "$conns" "$mode" "$round" ""
      run mcp "$mcp_port" "$mcp_pid" "$conns" "$mode" "$round" "$auth"
      run mcp1000 "$many_port" "$many_pid" "$conns" "$mode" "$round" "$auth"
    done
  done
done
peak_rss_kb=$(vm_kb "$mcp_pid" VmHWM)
threads_after=$(vm_kb "$mcp_pid" Threads)

# ── /token refresh grant: a chained client loop (each refresh rotates the token) ──
say "/token refresh grant: 4 chains of rotated tokens, ${duration}s"
refresh_json=$("$bin/flow" refresh "$mcp_port" "$duration" 4)

# ── Stored tokens: every refresh above left a spent-token record in the
# server's store; tools/call must cost the same with them (ratio to the
# ceiling, alternating, at 16 keep-alive connections). ──
for round in $(seq 1 "$rounds"); do
  run ceiling "$ceiling_port" "$ceiling_pid" 16 keepalive-stored "$round" ""
  run mcp "$mcp_port" "$mcp_pid" 16 keepalive-stored "$round" "$auth"
done

for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()

# ── Cold start and idle RSS: exec → first answered initialize ──
say "cold start (20 rounds)"
cold_port=$(free_port)
cold=$(COLDSTART_RSS=1 "$bin/coldstart" 20 "$cold_port" "Authorization: $auth" -- "$bin/server" "$cold_port" 1)

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$work/runs.jsonl" "$results/latest.json" <<PY
import json, statistics, sys, platform, datetime
runs = [json.loads(l) for l in open(sys.argv[1])]
def med(target, conns, mode, key):
    xs = [r[key] for r in runs if r["target"] == target and r["conns"] == conns and r["mode"] == mode]
    return statistics.median(xs) if xs else None
cold = dict(kv.split("=") for kv in """$cold""".split())
rows = []
for conns in (1, 16, 64):
    for mode in ("keepalive", "close"):
        row = {"conns": conns, "mode": mode}
        for t in ("ceiling", "mcp", "mcp1000"):
            row[t + "_rps"] = med(t, conns, mode, "rps")
            row[t + "_p50_ms"] = med(t, conns, mode, "p50_us") / 1000
            row[t + "_p99_ms"] = med(t, conns, mode, "p99_us") / 1000
        for t in ("ceiling", "mcp", "mcp1000"):
            row[t + "_cpu_us"] = med(t, conns, mode, "cpu_us_per_request")
        row["ratio"] = row["mcp_rps"] / row["ceiling_rps"]
        # The same ratio from the servers' own CPU time per request: much
        # less sensitive to what else runs on the machine.
        row["cpu_ratio"] = row["ceiling_cpu_us"] / row["mcp_cpu_us"]
        row["ratio_1000_tools"] = row["mcp1000_rps"] / row["mcp_rps"]
        rows.append(row)
errors = sum(r["errors"] + r["non2xx"] for r in runs)
stored = {
    "records": json.loads('''$refresh_json''')["requests"],
    "ceiling_rps": med("ceiling", 16, "keepalive-stored", "rps"),
    "mcp_rps": med("mcp", 16, "keepalive-stored", "rps"),
}
stored["ratio"] = stored["mcp_rps"] / stored["ceiling_rps"]
stored["mcp_cpu_us"] = med("mcp", 16, "keepalive-stored", "cpu_us_per_request")
stored["mcp_cpu_us_before"] = med("mcp", 16, "keepalive", "cpu_us_per_request")
out = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cores": $(nproc), "kernel": platform.release(),
                "load_before": "$load_before", "load_after": "$load_after"},
    "rounds": $rounds, "duration_s": $duration,
    "authorized": bool("$auth"),
    "throughput": rows,
    "errors": errors,
    "stored_tokens": stored,
    "token_refresh": json.loads('''$refresh_json'''),
    "cold_start_ms": {"median": float(cold["median_ms"]), "min": float(cold["min_ms"]), "max": float(cold["max_ms"])},
    "idle_rss_kb": int(cold["idle_rss_kb"]),
    "peak_rss_kb": int("$peak_rss_kb"),
    "threads_after_load": int("$threads_after"),
    "binary_stripped_bytes": $binary_bytes,
    "clean_release_build_s": json.loads("$clean_build_s"),
    "dependency_crates": $crates,
    "runs": runs,
}
json.dump(out, open(sys.argv[2], "w"), indent=1)

auth = "authorized" if out["authorized"] else "UNAUTHENTICATED"
print()
print(f"load {out['machine']['load_before']} → {out['machine']['load_after']}, {out['machine']['cores']} cores, medians of {out['rounds']} alternating rounds of {out['duration_s']} s")
print(f"{'conns':>5} {'mode':<9} | {'ceiling req/s':>13} {'p99 ms':>6} {'CPU us':>6} | {'tools/call req/s':>16} {'p99 ms':>6} {'CPU us':>6} {'ratio':>5} {'by CPU':>6} | {'1000 tools':>10} {'p99 ms':>6} {'CPU us':>6}")
for r in rows:
    print(f"{r['conns']:>5} {r['mode']:<9} | {r['ceiling_rps']:>13.0f} {r['ceiling_p99_ms']:>6.2f} {r['ceiling_cpu_us']:>6.1f} | {r['mcp_rps']:>16.0f} {r['mcp_p99_ms']:>6.2f} {r['mcp_cpu_us']:>6.1f} {r['ratio']:>5.0%} {r['cpu_ratio']:>6.0%} | {r['mcp1000_rps']:>10.0f} {r['mcp1000_p99_ms']:>6.2f} {r['mcp1000_cpu_us']:>6.1f}")
print(f"tools/call is {auth}; non-200 answers or socket errors in all runs: {errors}")
tr = out["token_refresh"]
print("/token refresh grant: " + (f"{tr['rps']:.0f} req/s ({tr['chains']} chained clients, keep-alive), p50 {tr['p50_ms']:.2f} ms, p99 {tr['p99_ms']:.2f} ms" if tr else "n/a (no OAuth on this build)"))
print(f"tools/call with {stored['records']} spent refresh tokens in the store: {stored['mcp_rps']:.0f} req/s, {stored['ratio']:.0%} of the ceiling (before: {rows[2]['ratio']:.0%}); server CPU {stored['mcp_cpu_us']:.1f} us/request (before: {stored['mcp_cpu_us_before']:.1f})")
print(f"cold start (exec → first initialize answered): median {out['cold_start_ms']['median']:.2f} ms (min {out['cold_start_ms']['min']:.2f}, max {out['cold_start_ms']['max']:.2f})")
print(f"RSS: idle {out['idle_rss_kb']/1024:.1f} MiB, peak under load {out['peak_rss_kb']/1024:.1f} MiB (VmHWM); threads after load {out['threads_after_load']}")
print(f"quickstart release binary, stripped: {out['binary_stripped_bytes']/1048576:.2f} MiB")
print(f"clean release build: {out['clean_release_build_s']} s; default dependency tree: {out['dependency_crates']} crates")
print(f"written: bench/results/latest.json")
PY
