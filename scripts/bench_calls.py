#!/usr/bin/env python3
"""Call-setup benchmark (issue 9): the full inbound path through `switchboard serve` against
Kamailio (stateful proxy) in the same sitting, on this machine.

For each rate R in --rates:
  1. the bench kit's Kamailio target: SIPp UAC -> Kamailio (tm, record-route) -> SIPp UAS,
     short calls at R calls/s (the kit's `run_cps`);
  2. the same SIPp UAC (`uac.xml`, the call held --hold-ms then BYE) against our number:
     INVITE -> answer -> flow `enqueue` -> ACD offer -> INVITE to the agent's phone (one SIPp
     UAS answering for --agents registered agents) -> answer -> caller and agent bridged on
     our media server -> BYE both ways. Agents are Available with no wrap-up, so each call
     frees its agent.
Measured: calls ok/failed (SIPp), retransmissions, setup time to our 200 (SIPp
ResponseTime1), calls that reached an agent (`call.connected` events) and their share,
per-process CPU over the window (as the kit does) and CPU per call.

The kit (default /work/shared/bench) is copied to --work and used from there (never
written). Everything runs on 127.0.0.1 and is bounded in calls and time.

  scripts/bench_calls.py --rates 50,100,200 [--seconds 20] [--agents 300] [--hold-ms 1000]
      [--only kamailio|switchboard] [--bin target/release/switchboard]

Output: one JSON line per run on stdout and in WORK/results/call-bench.jsonl; raw logs under
WORK/kit/results/raw/<run-id>/.
"""
import argparse, http.cookiejar, importlib.util, json, os, re, signal, sqlite3, ssl, subprocess
import sys, time, urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = os.path.join(REPO, "scripts", "bench")
SB_SIP_PORT, AGENT_PORT = 5062, 5094
NUMBER, PASSWORD = "+15550177", "Bench-pass-2026!"

spec = importlib.util.spec_from_file_location("bench_media", os.path.join(REPO, "scripts", "bench_media.py"))
media = importlib.util.module_from_spec(spec)
spec.loader.exec_module(media)


def agent_name(i):
    return "a%04d" % i


def tenant_doc(agents):
    users = "".join("  - { username: \"%s\", display_name: \"Agent %d\", role: agent }\n"
                    % (agent_name(i), i) for i in range(agents))
    return ("version: 1\ntenant: { name: bench, display_name: Bench, cluster: C1, ip_allowlist: [] }\n"
            "users:\n" + users +
            "queues:\n  - { name: bench, channel: voice, settings: "
            "{ offer_timeout_secs: 10, wrap_up_secs: 0, strategy: longest_idle } }\n"
            "trunks:\n  - name: carrier\n    settings: { inbound_sources: [\"127.0.0.1/32\"], "
            "options_ping: false }\n"
            "points_of_contact:\n  - { kind: phone, address: \"%s\", flow: bench }\n"
            "flows:\n  - name: bench\n    publish: true\n    document:\n      version: 1\n"
            "      name: Bench\n      start: queue\n      blocks:\n        - id: queue\n"
            "          type: enqueue\n          params: { queue: bench, max_wait_secs: 30 }\n"
            "          transitions: { timeout: done, break_out: done }\n"
            "        - id: done\n          type: end\n" % NUMBER)


def admin(args, env, *cmd):
    e = dict(env, SWITCHBOARD_PASSWORD=PASSWORD)
    p = subprocess.run([args.bin, "admin", *cmd], env=e, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("admin %s: %s" % (" ".join(cmd), p.stderr[-400:]))


def make_available(base, user):
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx),
                                         urllib.request.HTTPCookieProcessor(jar))

    def call(method, path, body):
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                     headers={"content-type": "application/json"})
        with opener.open(req, timeout=20) as r:
            return r.status

    call("POST", "/api/v1/auth/login", {"tenant": "bench", "username": user, "password": PASSWORD})
    call("PUT", "/api/v1/me/state", {"state": "available"})


def events(db):
    out = {"kinds": {}, "ended_reasons": {}}
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
        for kind, n in con.execute("SELECT kind, count(*) FROM events GROUP BY kind"):
            out["kinds"][kind] = n
        for (payload,) in con.execute("SELECT payload FROM events WHERE kind = 'call.ended'"):
            r = str(json.loads(payload).get("reason"))
            out["ended_reasons"][r] = out["ended_reasons"].get(r, 0) + 1
        con.close()
    except (sqlite3.Error, ValueError) as e:
        out["error"] = str(e)
    return out


def prepare(args, rd, env):
    """Imports the tenant, sets the agents' passwords; the data dir is reused for every rate."""
    doc = os.path.join(rd, "tenant.yaml")
    with open(doc, "w") as f:
        f.write(tenant_doc(args.agents))
    imp = subprocess.run([args.bin, "import", doc], env=env, capture_output=True, text=True, timeout=120)
    if imp.returncode != 0:
        raise RuntimeError("import failed: " + imp.stderr[-800:])
    for i in range(args.agents):
        admin(args, env, "reset-password", "--tenant", "bench", agent_name(i))
        admin(args, env, "sip-password", "--tenant", "bench", agent_name(i))


def start_serve(args, rd, env, pr):
    out = open(os.path.join(rd, "serve.stdout"), "w")
    err = open(os.path.join(rd, "serve.stderr"), "w")
    serve = subprocess.Popen([args.bin, "serve"], env=env, stdout=out, stderr=err,
                             stdin=subprocess.DEVNULL, start_new_session=True)
    pr.procs["switchboard"] = serve
    base = media.wait_for(lambda: media.grep_file(os.path.join(rd, "serve.stdout"),
                                                   r"serving the API on (https?://[^/\s]+)"), 30)
    if not base:
        raise RuntimeError("serve did not start: " + open(os.path.join(rd, "serve.stderr")).read()[-800:])
    return serve, base


def register_agents(args, rd, kit):
    """Each agent's REGISTER from the agents' UAS port (one short SIPp run per agent)."""
    for i in range(args.agents):
        p = subprocess.run(kit.sipp_cmd("sb_register_agents.xml", AGENT_PORT, [
            "127.0.0.1:%d" % SB_SIP_PORT, "-s", agent_name(i), "-au", agent_name(i), "-ap", PASSWORD,
            "-m", "1", "-timeout", "10s", "-trace_err", "-error_file",
            os.path.join(rd, "register_errors.log")]),
            cwd=kit.SCEN, capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError("REGISTER of %s failed: %s" % (agent_name(i), open(
                os.path.join(rd, "register_errors.log"), errors="replace").read()[-600:]))


def run_switchboard(args, rate, data, env):
    kit = args.kit
    rid, rd = kit.new_rundir("cps-switchboard-%d" % rate)
    pr = kit.Procs(rd)
    total = int(rate * args.seconds)
    row = {"run": rid, "kind": "cps", "target": "switchboard", "rate": rate, "seconds": args.seconds,
           "calls": total, "agents": args.agents, "hold_ms": args.hold_ms,
           "others_before": kit.wait_quiet()}
    serve = None
    try:
        serve, base = start_serve(args, rd, env, pr)
        register_agents(args, rd, kit)
        for i in range(args.agents):
            make_available(base, agent_name(i))
        uas = pr.start("sipp_uas", kit.sipp_cmd("uas.xml", AGENT_PORT, [
            "-timeout", "%ds" % (args.seconds + 60), "-trace_stat", "-fd", "1",
            "-stf", os.path.join(rd, "uas.csv"), "-mp", str(kit.UAS_MP)]), cwd=kit.SCEN)
        time.sleep(0.5)
        uac = pr.start("sipp_uac", kit.sipp_cmd("uac.xml", kit.UAC_PORT, [
            "127.0.0.1:%d" % SB_SIP_PORT, "-s", NUMBER, "-r", str(rate), "-m", str(total),
            "-l", str(max(1000, rate * 10)), "-d", str(args.hold_ms),
            "-timeout", "%ds" % (args.seconds + 40), "-recv_timeout", "10000",
            "-trace_stat", "-fd", "1", "-stf", os.path.join(rd, "uac.csv"),
            "-mp", str(kit.UAC_MP)]), cwd=kit.SCEN)
        comps = {"switchboard": serve.pid, "sipp_uas": uas.pid, "sipp_uac": uac.pid}
        samp = kit.Sampler(comps, rd)
        samp.start()
        t0 = time.time()
        warm = min(5, args.seconds / 4)
        time.sleep(warm)
        a = samp.snapshot()
        time.sleep(max(1, args.seconds - warm - 2))
        b = samp.snapshot()
        try:
            uac.wait(args.seconds + 60)
        except subprocess.TimeoutExpired:
            pr.stop("sipp_uac", signal.SIGKILL)
        time.sleep(3)  # the last BYEs and `call.ended` events
        samp.close()
        comp, sysw, dt = kit.window_cpu(a, b)
        st = kit.sipp_stats(os.path.join(rd, "uac.csv"))
        ok, fail = int(st.get("SuccessfulCall(C)", 0) or 0), int(st.get("FailedCall(C)", 0) or 0)
        row.update({"ok": ok, "failed": fail, "fail_pct": round(100.0 * fail / max(1, ok + fail), 3),
                    "retrans": int(st.get("Retransmissions(C)", 0) or 0),
                    "setup_ms_avg": kit.rt_ms(st.get("ResponseTime1(C)")),
                    "setup_ms_stdev": kit.rt_ms(st.get("ResponseTime1StDev(C)")),
                    "uac_wall_s": round(time.time() - t0, 1), "cpu_pct": comp, "sys_pct": sysw,
                    "window_s": round(dt, 1),
                    "agent_uas": kit.sipp_stats(os.path.join(rd, "uas.csv")),
                    "switchboard_cpu_us_per_call": round(comp["switchboard"] / 100.0 * 1e6 / rate, 1),
                    "rss_kib": int(media.grep_file("/proc/%d/status" % serve.pid, r"VmRSS:\s+(\d+)") or 0)})
    except Exception as e:  # noqa: a failed run is a result; report it and carry on
        row["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        pr.stop_all()
        time.sleep(1)
    ev = events(os.path.join(data, "switchboard.db"))
    row["events"] = ev
    row["serve_log"] = media.log_summary(os.path.join(rd, "serve.stderr"))
    return row


def summary(row):
    cpu = row.get("cpu_pct", {})
    us = row.get("kamailio_cpu_us_per_call") or row.get("switchboard_cpu_us_per_call")
    out = {"target": row.get("target"), "rate": row.get("rate"), "ok": row.get("ok"),
           "failed": row.get("failed"), "fail_pct": row.get("fail_pct"), "retrans": row.get("retrans"),
           "setup_ms_avg": row.get("setup_ms_avg"), "cpu_us_per_call": us,
           "sut_cpu_pct": cpu.get(row.get("target")), "others_pct": row.get("sys_pct", {}).get("others"),
           "error": row.get("error")}
    if row.get("target") == "switchboard":
        out["connected"] = row.get("connected")
        out["connected_pct"] = row.get("connected_pct")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rates", default="50,100,200")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--agents", type=int, default=300)
    ap.add_argument("--hold-ms", type=int, default=1000)
    ap.add_argument("--only", choices=["kamailio", "switchboard"])
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "release", "switchboard"))
    ap.add_argument("--kit-dir", default="/work/shared/bench")
    ap.add_argument("--work", default="/tmp/switchboard-call-bench")
    ap.add_argument("--log-level", default="warn")
    ap.add_argument("--quiet-wait", type=int, default=10, help="s to wait for other jobs to calm")
    args = ap.parse_args()
    args.seconds = min(args.seconds, 120)
    args.threadtasks, args.max_endpoints = 50, 0
    os.makedirs(args.work, exist_ok=True)
    args.kit = media.load_kit(args)
    import shutil
    shutil.copy(os.path.join(OURS, "register_agents.xml"),
                os.path.join(args.work, "kit", "scenarios", "sb_register_agents.xml"))
    args.target, args.pin, args.kam_workers, args.kam_mem = "kamailio", False, 2, "tlsf"
    args.kam_shm, args.rtpe_threads = 4096, 2
    results = os.path.join(args.work, "results")
    os.makedirs(results, exist_ok=True)
    out = open(os.path.join(results, "call-bench.jsonl"), "a")

    def emit(row):
        out.write(json.dumps(row) + "\n")
        out.flush()
        print(json.dumps(summary(row)) if row.get("kind") == "cps" else json.dumps(row), flush=True)

    with open("/proc/loadavg") as f:
        emit({"kind": "sitting", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "loadavg": f.read().split()[:3], "ncpu": os.cpu_count(), "bin": args.bin,
              "agents": args.agents, "hold_ms": args.hold_ms})
    data = None
    if args.only != "kamailio":
        rid, rd = args.kit.new_rundir("cps-switchboard-setup")
        data = os.path.join(rd, "data")
        os.makedirs(data)
        env = media.sb_env(data, args, 2 * args.agents)
        env["SWITCHBOARD_LOG_LEVEL"] = env["RUST_LOG"] = args.log_level
        # SIPp answers MD5 challenges only; every agent logs in from 127.0.0.1.
        env["SWITCHBOARD_SIP_DIGEST_ALGORITHMS"] = "MD5,SHA-256"
        env["SWITCHBOARD_AUTH_LOGIN_ATTEMPTS_PER_MINUTE"] = str(10 * args.agents)
        prepare(args, rd, env)
    before = {}
    for r in [int(x) for x in args.rates.split(",") if x]:
        if args.only != "switchboard":
            emit(args.kit.run_cps(args, r))
        if args.only != "kamailio":
            row = run_switchboard(args, r, data, env)
            kinds = row["events"].get("kinds", {})
            connected = kinds.get("call.connected", 0) - before.get("call.connected", 0)
            row["connected"] = connected
            row["connected_pct"] = round(100.0 * connected / max(1, row.get("ok") or 0), 2)
            before = kinds
            emit(row)


if __name__ == "__main__":
    main()
