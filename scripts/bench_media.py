#!/usr/bin/env python3
"""Media relay benchmark: Switchboard's in-process media server against rtpengine.

In one sitting, on this machine, for each N in --calls:
  1. the bench kit's rtpengine target (SIPp -> Kamailio + rtpengine userspace -> SIPp,
     N concurrent G.711 calls, RTP both ways, probe call through rtpengine's ng port);
  2. the same SIPp scenarios through `switchboard serve` (release build, fresh data dir):
     SIPp UAC -> our number (+15550177) -> flow `transfer` -> trunk -> SIPp UAS on 5090,
     both legs anchored by our media server; the latency probe runs as one extra call
     (+15550178, scripts/bench/uac_probe.xml) whose relay ports are learnt from the SDP
     and driven by the kit's `rtp_probe.py static A2B B2A` (our relay latches on it).
Measured: per-process CPU (utime+stime over the window, as the kit does), CPU us per
relayed packet (N calls relay 2*N*50 packets/s), calls per core, UDP datagrams out vs
expected, socket drops on the relay's ports, per-leg loss from `call.ended` events,
probe latency/jitter (relay minus a direct probe taken in the same sitting).

The kit (default /work/shared/bench) is copied to --work and used from there, so the
shared copy is never written to. Everything is bounded in time and on 127.0.0.1.

  scripts/bench_media.py --calls 250,500,1000 [--window 12] [--ramp-cps 100]
      [--only rtpengine|switchboard] [--bin target/release/switchboard]

Output: one JSON line per run on stdout and in WORK/results/media-bench.jsonl; raw logs
(serve stderr, SIPp stats, CPU timeline) under WORK/kit/results/raw/<run-id>/.
"""
import argparse, glob, importlib.util, json, os, re, shutil, signal, sqlite3, subprocess, sys, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = os.path.join(REPO, "scripts", "bench")
SB_SIP_PORT, PROBE_UAC_PORT = 5062, 5072
NUMBER, PROBE_NUMBER = "+15550177", "+15550178"


def tenant_doc(uas_port):
    flow = lambda name, to: (
        "  - name: %s\n    publish: true\n    document:\n      version: 1\n      name: %s\n"
        "      start: out\n      blocks:\n        - id: out\n          type: transfer\n"
        "          params: { to: { number: \"%s\" }, timeout_secs: 20 }\n"
        "          transitions: { success: done, busy: done, no_answer: done }\n"
        "        - id: done\n          type: end\n" % (name, name, to))
    return ("version: 1\ntenant:\n  name: bench\n  display_name: Bench\n  cluster: C1\n"
            "  ip_allowlist: []\ntrunks:\n  - name: carrier\n    settings:\n"
            "      inbound_sources: [\"127.0.0.1/32\"]\n      options_ping: false\n"
            "      outbound_proxy: \"sip:127.0.0.1:%d\"\n      country_code: \"44\"\n"
            "      national_prefix: \"0\"\n      caller_id: \"+15550100\"\n"
            "points_of_contact:\n"
            "  - kind: phone\n    address: \"%s\"\n    flow: relay\n"
            "  - kind: phone\n    address: \"%s\"\n    flow: probe\n"
            "flows:\n" % (uas_port, NUMBER, PROBE_NUMBER)
            + flow("relay", "02079460000") + flow("probe", "02079460001"))


def sb_env(data, args, calls):
    env = {"PATH": os.environ.get("PATH", ""), "SWITCHBOARD_DATA_DIR": data,
           "SWITCHBOARD_HTTP_LISTEN": "127.0.0.1:0",
           "SWITCHBOARD_SIP_LISTEN": "127.0.0.1:%d" % SB_SIP_PORT,
           "SWITCHBOARD_SIP_TLS_LISTEN": "127.0.0.1:0", "SWITCHBOARD_SIP_WSS_LISTEN": "127.0.0.1:0",
           "SWITCHBOARD_MEDIA_BIND_IP": "127.0.0.1",
           "SWITCHBOARD_MEDIA_RTP_PORT_MIN": str(args.kit.RTPE_PORT_MIN),
           "SWITCHBOARD_MEDIA_RTP_PORT_MAX": str(args.kit.RTPE_PORT_MAX),
           "SWITCHBOARD_MEDIA_MAX_ENDPOINTS": str(args.max_endpoints or max(2000, 2 * calls + 10)),
           "SWITCHBOARD_MEDIA_ADMISSION_LAG_MS": str(args.admission_lag_ms),
           # An early probe call carries no RTP until it is measured.
           "SWITCHBOARD_MEDIA_MEDIA_TIMEOUT_SECS": "300" if args.probe_first else "30",
           "SWITCHBOARD_LOG_LEVEL": args.log_level, "RUST_LOG": args.log_level}
    return env


def wait_for(pred, limit):
    t0 = time.time()
    while time.time() - t0 < limit:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    return None


def grep_file(path, rx):
    try:
        with open(path, errors="replace") as f:
            m = re.search(rx, f.read())
        return m.group(1) if m else None
    except OSError:
        return None


def ended_legs(db):
    """Per-call `call.ended` figures from the event log (fresh data dir: only this run)."""
    out = {"calls_ended": 0, "legs": 0, "packets_received": 0, "packets_sent": 0,
           "packets_lost": 0, "bleed_dropped": 0, "reasons": {}, "kinds": {}}
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
        for kind, n in con.execute("SELECT kind, count(*) FROM events GROUP BY kind"):
            out["kinds"][kind] = n
        for (payload,) in con.execute("SELECT payload FROM events WHERE kind = 'call.ended'"):
            p = json.loads(payload)
            out["calls_ended"] += 1
            r = str(p.get("reason"))
            out["reasons"][r] = out["reasons"].get(r, 0) + 1
            for leg in p.get("legs") or []:
                out["legs"] += 1
                for k in ("packets_received", "packets_sent", "packets_lost", "bleed_dropped"):
                    out[k] += int(leg.get(k) or 0)
        con.close()
    except (sqlite3.Error, ValueError) as e:
        out["error"] = str(e)
    return out


def log_summary(path):
    levels, first = {}, []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = re.search(r"\b(ERROR|WARN)\b", line)
                if m:
                    levels[m.group(1)] = levels.get(m.group(1), 0) + 1
                    if len(first) < 8:
                        first.append(line.strip()[:300])
    except OSError:
        pass
    return {"counts": levels, "first": first}


def run_switchboard(args, calls):
    kit = args.kit
    rid, rd = kit.new_rundir("rtp-switchboard-%d" % calls)
    pr = kit.Procs(rd)
    ramp_s = calls / float(args.ramp_cps)
    hold_ms = int((ramp_s + args.settle + args.window + 8) * 1000)
    row = {"run": rid, "kind": "rtp", "target": "switchboard", "calls": calls,
           "window_s": args.window, "ramp_cps": args.ramp_cps, "others_before": kit.wait_quiet()}
    data = os.path.join(rd, "data")
    os.makedirs(data)
    env = sb_env(data, args, calls)
    doc = os.path.join(rd, "tenant.yaml")
    with open(doc, "w") as f:
        f.write(tenant_doc(kit.UAS_PORT))
    imp = subprocess.run([args.bin, "import", doc], env=env, capture_output=True, text=True,
                         timeout=60)
    if imp.returncode != 0:
        row["error"] = "import failed: " + imp.stderr[-800:]
        print(json.dumps(row))
        return row
    scen = kit.SCEN
    serve = None
    try:
        out = open(os.path.join(rd, "serve.stdout"), "w")
        err = open(os.path.join(rd, "serve.stderr"), "w")
        serve = subprocess.Popen([args.bin, "serve"], env=env, stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        pr.procs["switchboard"] = serve
        if not wait_for(lambda: grep_file(os.path.join(rd, "serve.stdout"),
                                          r"(SIP over UDP and TCP on \S+)"), 30):
            raise RuntimeError("serve did not start: " + open(os.path.join(rd, "serve.stderr")).read()[-800:])
        common = ["-mi", "127.0.0.1", "-rtp_threadtasks", str(args.threadtasks),
                  "-trace_stat", "-fd", "1"]
        uas = pr.start("sipp_uas", kit.sipp_cmd("sb_uas_rtp.xml", kit.UAS_PORT, common + [
            "-mp", str(kit.UAS_MP), "-timeout", "%ds" % (hold_ms / 1000 + 60),
            "-trace_logs", "-log_file", os.path.join(rd, "uas_logs.log"),
            "-stf", os.path.join(rd, "uas.csv")]), cwd=scen)
        time.sleep(0.5)
        early = None
        if args.probe_first:
            # The probe call is up before the load, so it measures the calls admitted.
            early = start_probe_call(args, rd, pr, hold_ms / 1000.0)
        uac = pr.start("sipp_uac", kit.sipp_cmd("uac_rtp.xml", kit.UAC_PORT, common + [
            "127.0.0.1:%d" % SB_SIP_PORT, "-s", NUMBER, "-r", str(args.ramp_cps), "-m", str(calls),
            "-l", str(calls), "-d", str(hold_ms), "-mp", str(kit.UAC_MP), "-recv_timeout", "20000",
            "-timeout", "%ds" % (hold_ms / 1000 + 50), "-stf", os.path.join(rd, "uac.csv")]), cwd=scen)
        comps = {"switchboard": serve.pid, "sipp_uas": uas.pid, "sipp_uac": uac.pid}
        samp = kit.Sampler(comps, rd)
        samp.start()
        time.sleep(ramp_s)
        # all calls up (the UAC's CurrentCall), or give up after settle + 10 s
        def all_up():
            st = kit.sipp_stats(os.path.join(rd, "uac.csv"))
            return int(st.get("CurrentCall") or 0) >= calls
        row["all_up_after_s"] = None if not wait_for(all_up, args.settle + 10) else round(ramp_s, 1)
        time.sleep(args.settle)
        row["setup"] = kit.sipp_stats(os.path.join(rd, "uac.csv"))
        u0 = kit.udp_counters()
        a = samp.snapshot()
        probe = measure_probe(args, early) if args.probe_first else run_probe(args, rd, pr)
        rest = args.window - (time.time() - a[2])
        if rest > 0:
            time.sleep(rest)
        b = samp.snapshot()
        u1 = kit.udp_counters()
        cur_calls = kit.sipp_stats(os.path.join(rd, "uac.csv")).get("CurrentCall")
        drops = kit.socket_drops(kit.RTPE_PORT_MIN, kit.RTPE_PORT_MAX)
        row["rss_kib"] = int(grep_file("/proc/%d/status" % serve.pid, r"VmRSS:\s+(\d+)") or 0)
        row["threads"] = int(grep_file("/proc/%d/status" % serve.pid, r"Threads:\s+(\d+)") or 0)
        try:
            uac.wait(hold_ms / 1000 + 60)
        except subprocess.TimeoutExpired:
            pr.stop("sipp_uac", signal.SIGKILL)
        time.sleep(3)   # the BYEs reach the far side, call.ended is written
        samp.close()
        comp, sysw, dt = kit.window_cpu(a, b)
        st = kit.sipp_stats(os.path.join(rd, "uac.csv"))
        ok, fail = int(st.get("SuccessfulCall(C)", 0) or 0), int(st.get("FailedCall(C)", 0) or 0)
        du = {k: u1[k] - u0[k] for k in ("InDatagrams", "OutDatagrams", "RcvbufErrors", "SndbufErrors", "NoPorts")}
        streams = 2 * calls
        row.update({"ok": ok, "failed": fail, "uac": st,
                    "uas": kit.sipp_stats(os.path.join(rd, "uas.csv")),
                    "calls_active_in_window": cur_calls, "cpu_pct": comp, "sys_pct": sysw,
                    "window_s": round(dt, 1), "udp_delta": du, "udp_out_pps": round(du["OutDatagrams"] / dt),
                    "expected_rtp_out_pps": streams * 50 * 2, "relay_socket_drops": drops,
                    "probe": probe,
                    "switchboard_cpu_us_per_pkt": round(comp["switchboard"] / 100.0 * 1e6 / (streams * 50), 2),
                    "switchboard_cpu_pct_per_100_calls": round(comp["switchboard"] * 100.0 / calls, 2)})
    except Exception as e:  # noqa: a failed run is a result; report it and carry on
        row["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        pr.stop_all()
        time.sleep(1)
    row["events"] = ended_legs(os.path.join(data, "switchboard.db"))
    row["serve_log"] = log_summary(os.path.join(rd, "serve.stderr"))
    row["serve_exit"] = serve.returncode if serve else None
    return row


def start_probe_call(args, rd, pr, hold_s):
    """One extra call through our relay, held hold_s; its relay ports (a2b, b2a) or None."""
    kit = args.kit
    pr.start("sipp_probe", kit.sipp_cmd("sb_uac_probe.xml", PROBE_UAC_PORT, [
        "127.0.0.1:%d" % SB_SIP_PORT, "-s", PROBE_NUMBER, "-m", "1", "-l", "1",
        "-d", str(int(hold_s * 1000)), "-recv_timeout", "20000", "-timeout", "%ds" % (hold_s + 30),
        "-trace_logs", "-log_file", os.path.join(rd, "probe_logs.log")]), cwd=kit.SCEN)
    a2b = wait_for(lambda: grep_file(os.path.join(rd, "probe_logs.log"), r"PROBE_A2B (\d+)"), 8)
    b2a = wait_for(lambda: grep_file(os.path.join(rd, "uas_logs.log"), r"PROBE_B2A (\d+)"), 8)
    return (a2b, b2a) if a2b and b2a else None


def measure_probe(args, ports):
    """rtp_probe.py drives the probe call in static mode for window - 4 s."""
    kit = args.kit
    if not ports:
        return "probe call not set up"
    secs = max(2, args.window - 4)
    p = subprocess.run([sys.executable, os.path.join(kit.HERE, "rtp_probe.py"), "--json",
                        "--seconds", str(secs), "static", "127.0.0.1:" + ports[0],
                        "127.0.0.1:" + ports[1]],
                       capture_output=True, text=True, timeout=secs + 30)
    if p.returncode != 0 or not p.stdout:
        return p.stderr[-500:]
    return json.loads(p.stdout)


def run_probe(args, rd, pr):
    """The probe call placed once the load is up (refused when admission control says so)."""
    secs = max(2, args.window - 4)
    return measure_probe(args, start_probe_call(args, rd, pr, secs + 2))


def direct_probe(args, seconds):
    kit = args.kit
    p = subprocess.run([sys.executable, os.path.join(kit.HERE, "rtp_probe.py"), "--json",
                        "--seconds", str(seconds), "direct"], capture_output=True, text=True,
                       timeout=seconds + 30)
    return json.loads(p.stdout) if p.returncode == 0 and p.stdout else p.stderr[-500:]


def load_kit(args):
    work = os.path.join(args.work, "kit")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(args.kit_dir, work, ignore=shutil.ignore_patterns("raw", "*.jsonl"))
    for root, dirs, files in os.walk(work):
        for n in dirs + files:
            os.chmod(os.path.join(root, n), 0o755 if n in dirs or n.endswith((".py", ".sh")) else 0o644)
    os.chmod(work, 0o755)
    subprocess.run([os.path.join(work, "tools", "make_audio.sh")], check=True, capture_output=True)
    shutil.copy(os.path.join(OURS, "uas_rtp.xml"), os.path.join(work, "scenarios", "sb_uas_rtp.xml"))
    shutil.copy(os.path.join(OURS, "uac_probe.xml"), os.path.join(work, "scenarios", "sb_uac_probe.xml"))
    spec = importlib.util.spec_from_file_location("kit_bench", os.path.join(work, "tools", "bench.py"))
    kit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kit)
    wait = kit.wait_quiet
    kit.wait_quiet = lambda: wait(limit_s=args.quiet_wait)
    return kit


def summary(row):
    if row.get("target") == "rtpengine":
        cpu = row.get("cpu_pct", {}).get("rtpengine")
        us = row.get("rtpengine_cpu_us_per_pkt")
    else:
        cpu = row.get("cpu_pct", {}).get("switchboard")
        us = row.get("switchboard_cpu_us_per_pkt")
    pr = row.get("probe") if isinstance(row.get("probe"), dict) else {}
    lat = [pr.get(d, {}) for d in ("a_to_b", "b_to_a")]
    return {"target": row.get("target"), "calls": row.get("calls"), "ok": row.get("ok"),
            "failed": row.get("failed"), "cpu_pct": cpu, "us_per_pkt": us,
            "calls_per_core": round(row["calls"] * 100.0 / cpu) if cpu else None,
            "udp_out_pps": row.get("udp_out_pps"), "expected": row.get("expected_rtp_out_pps"),
            "machine_pct": row.get("sys_pct", {}).get("all_procs"),
            "others_pct": row.get("sys_pct", {}).get("others"),
            "probe_p50_us": [l.get("lat_us_p50") for l in lat],
            "probe_p99_us": [l.get("lat_us_p99") for l in lat],
            "probe_jitter_us": [l.get("jitter_rfc3550_us") for l in lat],
            "probe_lost": [l.get("lost") for l in lat], "error": row.get("error")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", default="250,500,1000")
    ap.add_argument("--window", type=int, default=12)
    ap.add_argument("--settle", type=int, default=4)
    ap.add_argument("--ramp-cps", type=int, default=100)
    ap.add_argument("--threadtasks", type=int, default=50)
    ap.add_argument("--only", choices=["rtpengine", "switchboard"])
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "release", "switchboard"))
    ap.add_argument("--kit-dir", default="/work/shared/bench")
    ap.add_argument("--work", default="/tmp/switchboard-media-bench")
    ap.add_argument("--max-endpoints", type=int, default=0, help="0: max(2000, 2N+10)")
    ap.add_argument("--admission-lag-ms", type=int, default=8,
                    help="media.admission_lag_ms: refuse new calls past this p99 lateness; 0: off")
    ap.add_argument("--probe-first", action="store_true",
                    help="place the probe call before the load (it then measures admitted calls)")
    ap.add_argument("--log-level", default="info")
    ap.add_argument("--quiet-wait", type=int, default=10, help="s to wait for other jobs to calm")
    args = ap.parse_args()
    args.window = min(args.window, 120)
    os.makedirs(args.work, exist_ok=True)
    args.kit = load_kit(args)
    # the kit's run_rtp reads these
    args.target, args.pin, args.kam_workers, args.kam_mem = "rtpengine", False, 2, "tlsf"
    args.kam_shm, args.rtpe_threads = 4096, 2
    results = os.path.join(args.work, "results")
    os.makedirs(results, exist_ok=True)
    out = open(os.path.join(results, "media-bench.jsonl"), "a")

    def emit(row):
        out.write(json.dumps(row) + "\n")
        out.flush()
        print(json.dumps(summary(row)) if row.get("kind") == "rtp" else json.dumps(row), flush=True)

    with open("/proc/loadavg") as f:
        emit({"kind": "sitting", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "loadavg": f.read().split()[:3], "ncpu": os.cpu_count(), "bin": args.bin})
    emit({"kind": "probe-direct", "probe": direct_probe(args, max(4, args.window - 4))})
    for n in [int(x) for x in args.calls.split(",") if x]:
        if args.only != "switchboard":
            emit(args.kit.run_rtp(args, n))
        if args.only != "rtpengine":
            emit(run_switchboard(args, n))
    emit({"kind": "probe-direct", "probe": direct_probe(args, max(4, args.window - 4))})


if __name__ == "__main__":
    main()
