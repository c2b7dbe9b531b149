#!/usr/bin/env python3
"""Our server against rmcp + axum, side by side, in alternating rounds.

Run it with `bash bench/compare.sh` (which builds both servers first); see
docs/PERFORMANCE.md for what is measured and why. Standard library only.

Both servers answer one authorized `tools/call` of an `echo` tool per HTTP
request: ours verifies a signed OAuth access token obtained through the real
flow (`flow token`), the rmcp peer (bench/rmcp-peer) compares the same
`Authorization` header with a fixed value. wrk drives them with
bench/post.lua, at 16 and 64 keep-alive connections and at 16 connections
that each send one request (`Connection: close`). Each round runs every
configuration on both servers, and the order of the two servers flips from
one round to the next, so slow drifts of the machine's load hit both alike.

For every run: req/s, p50 and p99 (wrk), the server's CPU time per request
(utime + stime from /proc/PID/stat over the run), wrk's own CPU, and the
rest of the machine: the 1-minute load average when the run starts and the
CPU time everything else used during the run (all busy time in /proc/stat,
minus the server's and wrk's), in cores.

Then cold start: exec of the server → first answered authorized
`initialize`, the client connecting in a tight loop from the moment of exec
(bench/src/bin/coldstart.rs), launches of the two servers alternating; and
the idle RSS of each after its first answer.

How the time goes, per request and per server (all threads, from
/proc/PID/task/*/): CPU time, time spent runnable but waiting for a core
(`schedstat`'s run-queue delay), and voluntary / involuntary context
switches. These tell where a tail comes from without any special tooling.

The same numbers as Markdown tables (with issue 17's targets, met or
missed) go to the .md file beside the JSON; `compare.py --table FILE.json`
prints them again from any kept result.

Environment: ROUNDS (5), DURATION seconds per run (5), LAUNCHES (20),
BIN (our bench binaries), PEER (the rmcp peer binary), OUT (the JSON file),
CONFIGS ("16:keepalive 64:keepalive 16:close", connections:mode each),
WRK_NICE (unset: wrk at the servers' priority; e.g. -5: wrk ahead of
every server, so that the load generator is not slowed by the server it
measures on the same cores; needs root for a negative value).
Optional extra targets, measured in the same rotation: BASE_BIN=DIR adds
`base`, the bench `server` built from another commit (for before/after);
VARIANTS="name:VAR=value,… …" adds our server again with extra
environment for each name.
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(os.environ.get("BIN", "."))
PEER = Path(os.environ.get("PEER", "."))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
DURATION = int(os.environ.get("DURATION", "5"))
LAUNCHES = int(os.environ.get("LAUNCHES", "20"))
WRK_NICE = os.environ.get("WRK_NICE", "")
OUT = Path(os.environ.get("OUT", HERE / "results" / "compare-latest.json"))
HZ = os.sysconf("SC_CLK_TCK")
CONFIGS = [(int(c), m) for c, m in (x.split(":") for x in os.environ.get(
    "CONFIGS", "16:keepalive 64:keepalive 16:close").split())]
CALL = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}'

os.environ.setdefault("MCP_SIGNING_KEY", "bench-signing-key-0123456789abcdef-0123456789")
os.environ.setdefault("PUBLIC_URL", "http://localhost:8080")


def say(*a):
    print("==", *a, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port):
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"nothing listens on {port}")


def cpu_ticks(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)


def machine_busy_ticks():
    cpu = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    vals = [int(x) for x in cpu]
    idle = vals[3] + vals[4]  # idle + iowait
    return sum(vals[:8]) - idle


def sched(pid):
    """Per thread: (run-queue wait ns, voluntary, involuntary switches).

    By thread id, because threads come and go (an event loop gets a thread
    while its others are held up, and that thread leaves again): a sum over
    the threads alive at each end would lose the counts of those that left.
    """
    tasks = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            wait = int((task / "schedstat").read_text().split()[1])
            vol = invol = 0
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    vol = int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches:"):
                    invol = int(line.split()[1])
            tasks[task.name] = (wait, vol, invol)
        except (OSError, IndexError, ValueError):
            pass  # a thread that ended meanwhile
    return tasks


def sched_delta(before, after):
    """What the threads did between two `sched` readings: threads alive at
    both count their difference, new ones all they did; what a thread did
    after `before` and before it ended is not seen (an undercount, small:
    such threads live for a few milliseconds)."""
    total = [0, 0, 0]
    for tid, now in after.items():
        then = before.get(tid, (0, 0, 0))
        for i in range(3):
            total[i] += max(now[i] - then[i], 0)
    return total


def loadavg():
    return float(Path("/proc/loadavg").read_text().split()[0])


def vm_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def call_once(port, auth):
    """One tools/call; returns (status, body) — the sanity check before timing."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("POST", "/mcp", CALL, {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "Authorization": auth,
    })
    r = c.getresponse()
    return r.status, r.read().decode(errors="replace")


def wrk(name, port, pid, conns, mode, rnd, auth, body_file):
    threads = 1 if conns == 1 else 2
    env = dict(os.environ, AUTH=auth, CLOSE="1" if mode == "close" else "0", BODY_FILE=body_file)
    load = loadavg()
    sched0 = sched(pid)
    busy0, cpu0, t0 = machine_busy_ticks(), cpu_ticks(pid), time.monotonic()
    # WRK_NICE=-5 runs wrk at a higher priority than every server, so that a
    # server with many runnable threads cannot slow the load generator that
    # shares its cores (wrk's own delays would count as the server's latency).
    nice = ["nice", "-n", WRK_NICE] if WRK_NICE else []
    p = subprocess.Popen(
        nice + ["wrk", f"-t{threads}", f"-c{conns}", f"-d{DURATION}s", "--timeout", "5s",
         "-s", str(HERE / "post.lua"), f"http://127.0.0.1:{port}/mcp"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - t0
    cpu1, busy1 = cpu_ticks(pid), machine_busy_ticks()
    sched1 = sched_delta(sched0, sched(pid))
    if p.returncode != 0:
        raise SystemExit(f"wrk failed:\n{out}")
    j = json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    server_s = (cpu1 - cpu0) / HZ
    wrk_s = usage.ru_utime + usage.ru_stime
    other_s = max((busy1 - busy0) / HZ - server_s - wrk_s, 0.0)
    n = max(j["requests"], 1)
    run = dict(
        target=name, conns=conns, mode=mode, round=rnd,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=j["p50_us"] / 1000, p99_ms=j["p99_us"] / 1000, requests=j["requests"],
        errors=j["errors"] + (int(non2xx.group(1)) if non2xx else 0),
        server_cpu_us_per_request=server_s * 1e6 / max(j["requests"], 1),
        runqueue_us_per_request=sched1[0] / 1000 / n,
        voluntary_switches_per_request=sched1[1] / n,
        involuntary_switches_per_request=sched1[2] / n,
        wrk_cpu_cores=wrk_s / elapsed, other_cpu_cores=other_s / elapsed, load1=load,
    )
    print("   %-7s c=%-3d %-9s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  %5.1f us CPU/req"
          "  runq %6.1f us/req  sw %.2f+%.2f/req  others %.2f cores  load %.1f  errors %d" % (
              name, conns, mode, run["rps"], run["p50_ms"], run["p99_ms"],
              run["server_cpu_us_per_request"], run["runqueue_us_per_request"],
              run["voluntary_switches_per_request"], run["involuntary_switches_per_request"],
              run["other_cpu_cores"], load, run["errors"]),
          file=sys.stderr, flush=True)
    return run


def coldstart(port, auth, command, env):
    out = subprocess.run(
        [str(BIN / "coldstart"), "1", str(port), f"Authorization: {auth}", "--", *command],
        capture_output=True, text=True, check=True, env=dict(os.environ, **env)).stdout
    fields = dict(kv.split("=", 1) for kv in out.split())
    return float(fields["median_ms"])


def idle_rss(port, auth, command, env):
    out = subprocess.run(
        [str(BIN / "coldstart"), "1", str(port), f"Authorization: {auth}", "--", *command],
        capture_output=True, text=True, check=True,
        env=dict(os.environ, COLDSTART_RSS="1", **env)).stdout
    return int(dict(kv.split("=", 1) for kv in out.split())["idle_rss_kb"])


def summary(xs):
    xs = sorted(xs)
    return {"median": statistics.median(xs), "min": xs[0], "max": xs[-1],
            "p10": xs[len(xs) // 10], "p90": xs[(len(xs) * 9) // 10]}


def markdown(result):
    """The tables of docs/PERFORMANCE.md ("The quiet run"), from one result."""
    m, names = result["machine"], result["targets"]
    out = [f"{result['date']}, {m['cores']} cores, kernel {m['kernel']}; load average "
           f"{m['load_before']} before, {m['load_after']} after; the rest of the machine used "
           f"{m['other_cpu_cores_median']:.2f} cores (median over the runs, max "
           f"{m['other_cpu_cores_max']:.2f}). Medians of {result['rounds']} alternating rounds "
           f"of {result['duration_s']} s."
           + (f" wrk ran at nice {m['wrk_nice']}, the servers at 0." if m.get("wrk_nice") else ""),
           "",
           "| conns | mode | server | req/s | p50 ms | p99 ms (range) | CPU µs/req | run-queue µs/req"
           " | switches/req (vol+invol) | req/s vs rmcp | p99 vs rmcp |",
           "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in result["table"]:
        for n in names:
            lo, hi = r[f"{n}_p99_ms_range"]
            ratios = ("| |" if n == "rmcp" else
                      f"| {r[f'{n}_rps_ratio']:.2f}× | {r[f'{n}_p99_ratio']:.2f}× |")
            out.append(
                f"| {r['conns']} | {r['mode']} | {n} | {r[f'{n}_rps']:,.0f} | {r[f'{n}_p50_ms']:.2f} "
                f"| {r[f'{n}_p99_ms']:.2f} ({lo:.2f}–{hi:.2f}) | {r[f'{n}_server_cpu_us_per_request']:.1f} "
                f"| {r[f'{n}_runqueue_us_per_request']:.0f} "
                f"| {r[f'{n}_voluntary_switches_per_request']:.2f}+"
                f"{r[f'{n}_involuntary_switches_per_request']:.2f} {ratios}".replace(",", " "))
    out += ["", "| cold start, exec → first answered `initialize` | launches | median | p10–p90 | min–max |",
            "|---|---:|---:|---:|---:|"]
    for n, c in result["cold_start_ms"].items():
        out.append(f"| {n} | {len(c['launches'])} | {c['median']:.2f} ms | {c['p10']:.2f}–{c['p90']:.2f} "
                   f"| {c['min']:.2f}–{c['max']:.2f} |")
    # Issue 17's "done when", for our default server.
    rows = {(r["conns"], r["mode"]): r for r in result["table"]}
    checks = []
    for conns in (16, 64):
        r = rows.get((conns, "keepalive"))
        if r:
            checks.append((f"p99 at {conns} keep-alive ≤ rmcp's",
                           f"{r['ours_p99_ms']:.2f} vs {r['rmcp_p99_ms']:.2f} ms ({r['ours_p99_ratio']:.2f}×)",
                           r["ours_p99_ratio"] <= 1))
            checks.append((f"req/s at {conns} keep-alive ≥ 1.5× rmcp's",
                           f"{r['ours_rps_ratio']:.2f}×", r["ours_rps_ratio"] >= 1.5))
    c = result["cold_start_ms"]["ours"]
    checks.append(("cold start median ≤ 3 ms", f"{c['median']:.2f} ms over {len(c['launches'])} launches",
                   c["median"] <= 3))
    out += ["", "| target (issue 17) | this run | |", "|---|---|---|"]
    out += [f"| {what} | {seen} | {'met' if ok else '**missed**'} |" for what, seen, ok in checks]
    return "\n".join(out) + "\n"


def main():
    if sys.argv[1:2] == ["--table"]:
        # Re-renders the tables of a kept result: compare.py --table FILE.json
        print(markdown(json.loads(Path(sys.argv[2]).read_text())), end="")
        return
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    say(f"machine: {os.cpu_count()} cores; load before: {' '.join(load_before)}")
    body_file = str(OUT.parent / ".call.json")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    Path(body_file).write_text(CALL)

    # name -> (command for a port and the token, extra environment)
    targets = {
        "ours": (lambda port, token: [str(BIN / "server"), str(port), "1"], {}),
        "rmcp": (lambda port, token: [str(PEER), str(port), token], {}),
    }
    # VARIANTS="name:VAR=value,VAR2=value ...": our server again with extra
    # environment (e.g. "big:MCP_MAX_CONNECTIONS=4096"), in the same rotation.
    for variant in os.environ.get("VARIANTS", "").split():
        vname, _, assignments = variant.partition(":")
        venv = dict(a.split("=", 1) for a in assignments.split(",") if a)
        targets[vname] = (targets["ours"][0], venv)
    if os.environ.get("BASE_BIN"):
        base = Path(os.environ["BASE_BIN"])
        targets["base"] = (lambda port, token: [str(base / "server"), str(port), "1"], {})
    names = list(targets)

    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs, servers = [], {}
    try:
        # Our server first: its OAuth flow issues the token every server checks.
        port = free_port()
        procs.append(subprocess.Popen(targets["ours"][0](port, ""), **quiet))
        wait_port(port)
        token = subprocess.run([str(BIN / "flow"), "token", str(port)],
                               capture_output=True, text=True, check=True).stdout.strip()
        auth = f"Bearer {token}"
        servers["ours"] = (port, procs[0].pid)
        for name in names[1:]:
            port = free_port()
            command, env = targets[name]
            procs.append(subprocess.Popen(command(port, token), env=dict(os.environ, **env), **quiet))
            wait_port(port)
            servers[name] = (port, procs[-1].pid)
        for name, (port, _) in servers.items():
            status, text = call_once(port, auth)
            if status != 200 or "hello" not in text:
                raise SystemExit(f"{name}: tools/call answered {status}: {text}")
            status, _ = call_once(port, "Bearer wrong")
            if status != 401:
                raise SystemExit(f"{name}: a wrong token got {status}, not 401")

        runs = []
        for rnd in range(1, ROUNDS + 1):
            k = (rnd - 1) % len(names)
            order = names[k:] + names[:k]
            say(f"round {rnd}/{ROUNDS}: {' then '.join(order)} (load {loadavg():.2f})")
            for conns, mode in CONFIGS:
                for name in order:
                    port, pid = servers[name]
                    runs.append(wrk(name, port, pid, conns, mode, rnd, auth, body_file))
        peak = {name: vm_kb(pid, "VmHWM") for name, (_, pid) in servers.items()}
    finally:
        for p in procs:
            p.kill()
            p.wait()

    say(f"cold start: {LAUNCHES} launches of each, alternating")
    cold_port = free_port()
    cold = {name: [] for name in names}
    for i in range(LAUNCHES):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            command, env = targets[name]
            cold[name].append(coldstart(cold_port, auth, command(cold_port, token), env))
    rss = {name: idle_rss(cold_port, auth, targets[name][0](cold_port, token), targets[name][1])
           for name in names}
    load_after = Path("/proc/loadavg").read_text().split()[:3]

    def med(name, conns, mode, key):
        return statistics.median(r[key] for r in runs
                                 if r["target"] == name and r["conns"] == conns and r["mode"] == mode)

    keys = ("rps", "p50_ms", "p99_ms", "server_cpu_us_per_request", "runqueue_us_per_request",
            "voluntary_switches_per_request", "involuntary_switches_per_request",
            "other_cpu_cores", "load1")
    rows = []
    for conns, mode in CONFIGS:
        row = {"conns": conns, "mode": mode}
        for name in names:
            for key in keys:
                row[f"{name}_{key}"] = med(name, conns, mode, key)
            row[f"{name}_p99_ms_range"] = [
                f(r["p99_ms"] for r in runs
                  if r["target"] == name and r["conns"] == conns and r["mode"] == mode)
                for f in (min, max)]
        for name in names:
            if name != "rmcp":
                row[f"{name}_rps_ratio"] = row[f"{name}_rps"] / row["rmcp_rps"]
                row[f"{name}_p99_ratio"] = row[f"{name}_p99_ms"] / row["rmcp_p99_ms"]
                row[f"{name}_cpu_ratio"] = (row[f"{name}_server_cpu_us_per_request"]
                                            / row["rmcp_server_cpu_us_per_request"])
        rows.append(row)
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cores": os.cpu_count(), "kernel": os.uname().release,
                    "load_before": " ".join(load_before), "load_after": " ".join(load_after),
                    "other_cpu_cores_median": statistics.median(r["other_cpu_cores"] for r in runs),
                    "other_cpu_cores_max": max(r["other_cpu_cores"] for r in runs),
                    "wrk_nice": WRK_NICE or None},
        "rounds": ROUNDS, "duration_s": DURATION, "targets": names,
        "table": rows,
        "errors": sum(r["errors"] for r in runs),
        "cold_start_ms": {name: summary(xs) | {"launches": xs} for name, xs in cold.items()},
        "idle_rss_kb": rss,
        "peak_rss_kb": peak,
        "runs": runs,
    }
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    OUT.with_suffix(".md").write_text(markdown(result))
    Path(body_file).unlink()

    m = result["machine"]
    print(f"\nload {m['load_before']} → {m['load_after']}; the rest of the machine used "
          f"{m['other_cpu_cores_median']:.2f} cores (median over runs, max {m['other_cpu_cores_max']:.2f}) "
          f"of {m['cores']}; medians of {ROUNDS} alternating rounds of {DURATION} s")
    print(f"{'conns':>5} {'mode':<9} {'server':<7} | {'req/s':>7} {'p50 ms':>6} {'p99 ms':>6} "
          f"{'CPU us':>6} {'runq us':>7} {'sw/req':>9} | {'req/s':>6} {'p99':>5} {'CPU':>5}  vs rmcp")
    for r in rows:
        for name in names:
            ratios = ("" if name == "rmcp" else
                      f"{r[f'{name}_rps_ratio']:>5.2f}x {r[f'{name}_p99_ratio']:>4.2f}x "
                      f"{r[f'{name}_cpu_ratio']:>4.2f}x")
            print(f"{r['conns']:>5} {r['mode']:<9} {name:<7} | {r[f'{name}_rps']:>7.0f} "
                  f"{r[f'{name}_p50_ms']:>6.2f} {r[f'{name}_p99_ms']:>6.2f} "
                  f"{r[f'{name}_server_cpu_us_per_request']:>6.1f} "
                  f"{r[f'{name}_runqueue_us_per_request']:>7.1f} "
                  f"{r[f'{name}_voluntary_switches_per_request']:>4.2f}+"
                  f"{r[f'{name}_involuntary_switches_per_request']:<4.2f} | {ratios}")
    print("(ratios are X / rmcp: req/s above 1 is ahead, p99 and CPU below 1 are better;"
          " runq: time runnable but waiting for a core; sw: voluntary+involuntary switches)")
    for name, c in result["cold_start_ms"].items():
        print(f"cold start {name}: median {c['median']:.2f} ms (p10 {c['p10']:.2f}, p90 {c['p90']:.2f}, "
              f"min {c['min']:.2f}, max {c['max']:.2f}) over {LAUNCHES} launches")
    print("idle RSS: " + ", ".join(f"{n} {kb / 1024:.1f} MiB" for n, kb in rss.items())
          + "; peak under load: " + ", ".join(f"{n} {kb / 1024:.1f} MiB" for n, kb in peak.items()))
    print(f"non-200 answers or socket errors: {result['errors']}")
    print(f"written: {OUT} and, as the tables of docs/PERFORMANCE.md, {OUT.with_suffix('.md')}")


if __name__ == "__main__":
    main()
