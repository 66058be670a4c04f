//! Transfers a SIP phone starts itself, with `switchboard serve`, SIPp as the carrier's caller
//! and the called party, and SIPp or baresip as the agents' phones: a REFER from baresip (its
//! `/transfer`), the phone's attended transfer (it holds the caller, calls a number or a
//! colleague through us, then REFERs the held call with Replaces naming the second call: RFC
//! 5589 § 7), and a phone calling a colleague by user name. The agent's phone on 127.0.0.2:
//! 127.0.0.1 is the trunk's source.
#![allow(clippy::unwrap_used)]

mod common;

use common::agents::{
    DEMO_PASSWORD, assert_three_legs, connected_call, event_of, events, import, make_available_in,
    passwords, register_phone, sales_tenant_with_trunk, serve,
};
use common::sipp::{dial_in, pcmu_tone, sipp, sipp_errors, spawn_carrier, wait_exit};
use common::{Served, data_dir, free_port, sip_addr, sipp_available};
use serde_json::Value;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

const TENANT: &str = "xfer-p";

/// Agents 2001 and 2002 in queue `sales` behind `+15550177`; the trunk places calls to SIPp
/// as the carrier on `carrier_port`.
fn import_tenant(dir: &Path, data: &Path, carrier_port: u16) {
    let users = ["2001", "2002"];
    let queue = "offer_timeout_secs: 10, wrap_up_secs: 0";
    import(
        dir,
        data,
        &sales_tenant_with_trunk(TENANT, &users, queue, carrier_port, "+15550177"),
    );
    for user in users {
        passwords(data, TENANT, user, DEMO_PASSWORD);
    }
}

/// Agent 2001's SIP phone in an attended transfer: two SIPp instances on 127.0.0.2, one per
/// call. The first answers the caller, holds them and writes its dialog to `call1.txt`
/// (`agent_transfers_attended.xml`); the second dials out and REFERs the first call with
/// Replaces naming its own (`agent_consults.xml`).
struct AttendedPhone {
    port: u16,
    first: Child,
}

impl AttendedPhone {
    /// Registers the phone and starts its first call's side (answering, then holding).
    fn answer(dir: &Path, target: &str) -> Self {
        let port = free_port();
        let args = [
            "-s",
            "2001",
            "-key",
            "domain",
            "127.0.0.1",
            "-au",
            "2001",
            "-ap",
            DEMO_PASSWORD,
            "-i",
            "127.0.0.2",
            target,
        ];
        let ok = sipp(dir, "register.xml", port, &args).status().unwrap();
        assert!(ok.success(), "register 2001: {}", sipp_errors(dir));
        let media = free_port().to_string();
        let args = [
            "-rtp_echo",
            "-i",
            "127.0.0.2",
            "-mi",
            "127.0.0.2",
            "-mp",
            &media,
        ];
        let first = sipp(dir, "agent_transfers_attended.xml", port, &args)
            .spawn()
            .unwrap();
        AttendedPhone { port, first }
    }

    /// Once the first call is answered, dials `to` and REFERs the first call to it.
    fn transfer_to(&self, dir: &Path, target: &str, to: &str) -> Child {
        let [id, ours, theirs] = <[String; 3]>::try_from(first_call_dialog(dir)).unwrap();
        let contact = format!("127.0.0.2:{}", self.port);
        let auth_uri = format!("{to}@{target}");
        let media = free_port().to_string();
        let args = [
            "-s",
            to,
            "-au",
            "2001",
            "-ap",
            DEMO_PASSWORD,
            "-auth_uri",
            &auth_uri,
            "-cid_str",
            "consult-%u-%p",
            "-key",
            "agent_user",
            "2001",
            "-key",
            "c1_id",
            &id,
            "-key",
            "c1_ours",
            &ours,
            "-key",
            "c1_phone",
            &theirs,
            "-key",
            "c1_contact",
            &contact,
            "-i",
            "127.0.0.2",
            "-mi",
            "127.0.0.2",
            "-mp",
            &media,
            target,
        ];
        sipp(dir, "agent_consults.xml", free_port(), &args)
            .spawn()
            .unwrap()
    }

    /// Both of the phone's calls ended as their scenarios expect (NOTIFY 200 and BYE on the
    /// first, BYE on the second).
    fn assert_done(mut self, dir: &Path, mut second: Child) {
        let second = wait_exit(&mut second, Duration::from_secs(30));
        let first = wait_exit(&mut self.first, Duration::from_secs(15));
        let errors = sipp_errors(dir);
        assert!(
            second.is_some_and(|s| s.success()),
            "the phone's second call: {errors}"
        );
        assert!(
            first.is_some_and(|s| s.success()),
            "the phone's first call: {errors}"
        );
    }
}

/// Waits for `call1.txt` (the first call's dialog, written by the phone once it answered).
fn first_call_dialog(dir: &Path) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(dir.join("call1.txt")).unwrap_or_default();
        let words: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        if words.len() == 3 {
            return words;
        }
        assert!(
            Instant::now() < deadline,
            "the phone never answered: {}",
            sipp_errors(dir)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_refer_with_replaces_from_the_phone_joins_the_caller_to_the_number_it_dialled() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    let carrier_port = free_port();
    import_tenant(tmp.path(), &data, carrier_port);
    let mut served = serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let phone = AttendedPhone::answer(dir.path(), &target);
    let first = make_available_in(&served, TENANT, "2001");
    let mut carrier = spawn_carrier(dir.path(), carrier_port);
    // The caller talks for 12 s: answered by the phone, held, then joined to the number.
    let mut caller = dial_in(dir.path(), "caller_talks.xml", "+15550177", 12_000, &target)
        .spawn()
        .unwrap();
    let call = connected_call(&served, &first);
    let second = phone.transfer_to(dir.path(), &target, "02079460000");
    phone.assert_done(dir.path(), second);
    let caller_done = wait_exit(&mut caller, Duration::from_secs(30));
    let carrier_done = wait_exit(&mut carrier, Duration::from_secs(15));
    let errors = sipp_errors(dir.path());
    assert!(
        caller_done.is_some_and(|s| s.success()),
        "the caller: {errors}"
    );
    assert!(
        carrier_done.is_some_and(|s| s.success()),
        "the called party: {errors}"
    );
    served.signal("-TERM");
    assert!(served.wait(Duration::from_secs(20)).is_some());
    let events = events(&data, TENANT);
    let transferred = event_of(&events, "call.transferred", &call);
    assert_eq!(transferred["mode"], "attended", "{transferred}");
    assert_eq!(transferred["to"], "+442079460000", "{transferred}");
    let ended = event_of(&events, "call.ended", &call);
    assert_eq!(ended["reason"], "caller_hangup", "{ended}");
    let legs = ended["legs"].as_array().unwrap();
    let external = legs
        .iter()
        .find(|l| l["to"] == "+442079460000")
        .expect("the number's leg");
    let heard = external["packets_received"].as_u64().unwrap_or(0);
    assert!(
        heard >= 150,
        "the called party echoed the caller for seconds: {ended}"
    );
    let other: Vec<&Value> = events
        .iter()
        .filter(|(k, v)| k == "call.ended" && v["call"] != call.as_str())
        .map(|(_, v)| v)
        .collect();
    assert_eq!(other.len(), 1, "the phone's second call: {other:?}");
    assert_eq!(other[0]["reason"], "transferred", "{other:?}");
}

#[test]
fn a_refer_with_replaces_joins_the_caller_to_the_colleague_the_phone_called() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    import_tenant(tmp.path(), &data, free_port());
    let mut served = serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    pcmu_tone(&dir.path().join("tone.pcmu"));
    // Agent 2002's desk phone echoes what it hears.
    let colleague_port = free_port();
    register_phone(dir.path(), &target, colleague_port, "2002", DEMO_PASSWORD);
    let media = free_port().to_string();
    let echo = ["-rtp_echo", "-mi", "127.0.0.1", "-mp", &media];
    let mut colleague = sipp(dir.path(), "agent_phone.xml", colleague_port, &echo)
        .spawn()
        .unwrap();
    let phone = AttendedPhone::answer(dir.path(), &target);
    let first = make_available_in(&served, TENANT, "2001");
    let mut caller = dial_in(dir.path(), "caller_talks.xml", "+15550177", 12_000, &target)
        .spawn()
        .unwrap();
    let call = connected_call(&served, &first);
    let second = make_available_in(&served, TENANT, "2002");
    // The same phone calls 2002 and, once answered, REFERs the caller's call to it.
    let consult = phone.transfer_to(dir.path(), &target, "2002");
    phone.assert_done(dir.path(), consult);
    let me: Value = second
        .get(served.url("/api/v1/me"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let agent2 = me["user"]["id"].as_str().unwrap_or_default().to_owned();
    let calls: Value = second
        .get(served.url("/api/v1/me/calls"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        calls[0]["id"],
        call.as_str(),
        "the caller's call is agent 2's now: {calls}"
    );
    assert_eq!(calls[0]["agent"], agent2.as_str(), "{calls}");
    let state: Value = second
        .get(served.url("/api/v1/me/state"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        state["state"], "working",
        "the ACD gave agent 2 the interaction: {state}"
    );
    let caller_done = wait_exit(&mut caller, Duration::from_secs(30));
    let colleague_done = wait_exit(&mut colleague, Duration::from_secs(15));
    let errors = sipp_errors(dir.path());
    assert!(
        caller_done.is_some_and(|s| s.success()),
        "the caller: {errors}"
    );
    assert!(
        colleague_done.is_some_and(|s| s.success()),
        "agent 2's phone: {errors}"
    );
    served.signal("-TERM");
    assert!(served.wait(Duration::from_secs(20)).is_some());
    let events = events(&data, TENANT);
    let transferred = event_of(&events, "call.transferred", &call);
    assert_eq!(transferred["mode"], "attended", "{transferred}");
    assert_eq!(transferred["to"], "2002", "{transferred}");
    let ended = event_of(&events, "call.ended", &call);
    assert_eq!(ended["reason"], "caller_hangup", "{ended}");
    let legs = ended["legs"].as_array().unwrap();
    let colleague_leg = legs
        .iter()
        .find(|l| l["to"] == "2002")
        .expect("agent 2's leg");
    let heard = colleague_leg["packets_received"].as_u64().unwrap_or(0);
    assert!(
        heard >= 150,
        "agent 2's phone echoed the caller for seconds: {ended}"
    );
    let internal = events
        .iter()
        .find(|(k, v)| k == "call.created" && v["direction"] == "internal")
        .map(|(_, v)| v["call"].as_str().unwrap_or_default().to_owned())
        .expect("the phone's call to 2002");
    assert_eq!(
        event_of(&events, "call.ended", &internal)["reason"],
        "transferred"
    );
}

#[test]
fn an_agents_phone_dials_a_colleague_by_user_name_and_they_talk() {
    if !sipp_available() {
        return;
    }
    let (tmp, data) = data_dir();
    import_tenant(tmp.path(), &data, free_port());
    let mut served = serve(&data);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let second_port = free_port();
    register_phone(dir.path(), &target, second_port, "2002", DEMO_PASSWORD);
    let media = free_port().to_string();
    let echo = ["-rtp_echo", "-mi", "127.0.0.1", "-mp", &media];
    let mut callee = sipp(dir.path(), "agent_phone.xml", second_port, &echo)
        .spawn()
        .unwrap();
    let first = make_available_in(&served, TENANT, "2001");
    // Agent 2001's phone dials 2002, talks for 2 s and hangs up.
    let auth_uri = format!("2002@{target}");
    let phone_media = free_port().to_string();
    let args = [
        "-s",
        "2002",
        "-au",
        "2001",
        "-ap",
        DEMO_PASSWORD,
        "-auth_uri",
        &auth_uri,
        "-i",
        "127.0.0.2",
        "-mi",
        "127.0.0.2",
        "-mp",
        &phone_media,
        &target,
    ];
    let caller = sipp(dir.path(), "phone_outbound.xml", free_port(), &args)
        .status()
        .unwrap();
    let callee_done = wait_exit(&mut callee, Duration::from_secs(15));
    let errors = sipp_errors(dir.path());
    assert!(caller.success(), "the caller's phone: {errors}");
    assert!(
        callee_done.is_some_and(|s| s.success()),
        "the callee's phone: {errors}"
    );
    let state: Value = first
        .get(served.url("/api/v1/me/state"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(state["state"], "available", "free again: {state}");
    served.signal("-TERM");
    assert!(served.wait(Duration::from_secs(20)).is_some());
    let events = events(&data, TENANT);
    let created = &events.iter().find(|(k, _)| k == "call.created").unwrap().1;
    assert_eq!(created["direction"], "internal", "{created}");
    assert_eq!(created["number"], "2002", "{created}");
    let ended = &events.iter().find(|(k, _)| k == "call.ended").unwrap().1;
    assert_eq!(ended["reason"], "caller_hangup", "{ended}");
    let legs = ended["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2, "{ended}");
    for leg in legs {
        let heard = leg["packets_received"].as_u64().unwrap_or(0);
        assert!(
            heard >= 50,
            "the caller's tone, echoed by the callee: {ended}"
        );
    }
}

/// baresip (the Debian package) as agent 2001's phone: registered from `port` on 127.0.0.1
/// with its SIP password (MD5 digest), answering every call by itself, sending silence, and
/// taking commands on standard input (`stdio` and `menu` modules: `/transfer <uri>`).
fn spawn_baresip(dir: &Path, served: &Served, port: u16) -> Baresip {
    let home = dir.join("baresip");
    std::fs::create_dir_all(&home).unwrap();
    let config = format!(
        "poll_method\t\tepoll\nsip_listen\t\t127.0.0.1:{port}\nnet_interface\t\t127.0.0.1\n\
         dns_server\t\t127.0.0.1:53\ncall_max_calls\t\t2\naudio_player\t\taufile,/dev/null\n\
         audio_source\t\taufile,/dev/null\naudio_alert\t\taufile,/dev/null\n\
         module_path\t\t/usr/lib/baresip/modules\nmodule\t\t\tstdio.so\nmodule\t\t\tmenu.so\nmodule\t\t\tg711.so\n\
         module_tmp\t\taccount.so\n"
    );
    std::fs::write(home.join("config"), config).unwrap();
    let sip = sip_addr(served);
    let account = format!(
        "<sip:2001@127.0.0.1>;auth_pass={DEMO_PASSWORD};answermode=auto;regint=600;\
         outbound=\"sip:{sip}\"\n"
    );
    std::fs::write(home.join("accounts"), account).unwrap();
    let child = std::process::Command::new("baresip")
        .arg("-f")
        .arg(&home)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    Baresip(child)
}

/// baresip, killed when dropped (also when the test fails: left alone it would spin on its
/// closed terminal).
struct Baresip(Child);

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// baresip's output, line by line, from a thread of its own.
fn baresip_lines(baresip: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let out = baresip.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(out)).map_while(Result::ok) {
            if tx.send(line + "\n").is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn a_refer_from_baresip_transfers_the_caller_blind_to_the_second_agent() {
    if !sipp_available() || !common::tool_available("baresip", "baresip-core") {
        return;
    }
    let (tmp, data) = data_dir();
    import_tenant(tmp.path(), &data, free_port());
    // baresip 1.0 (its libre) gives up on a 401 that offers any algorithm but MD5.
    let mut served =
        common::agents::serve_with(&data, &[("SWITCHBOARD_SIP_DIGEST_ALGORITHMS", "MD5")]);
    let target = sip_addr(&served).to_string();
    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
    pcmu_tone(&dir.path().join("tone.pcmu"));
    let mut baresip = spawn_baresip(dir.path(), &served, free_port());
    let lines = baresip_lines(&mut baresip.0);
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen.contains("200 OK () [1 binding]") {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push_str(&line),
            Err(_) => panic!("baresip never registered: {seen}"),
        }
    }
    let second_port = free_port();
    register_phone(dir.path(), &target, second_port, "2002", DEMO_PASSWORD);
    let media = free_port().to_string();
    let echo = ["-rtp_echo", "-mi", "127.0.0.1", "-mp", &media];
    let mut second_phone = sipp(dir.path(), "agent_phone.xml", second_port, &echo)
        .spawn()
        .unwrap();
    let first = make_available_in(&served, TENANT, "2001");
    let mut caller = dial_in(dir.path(), "caller_talks.xml", "+15550177", 12_000, &target)
        .spawn()
        .unwrap();
    let call = connected_call(&served, &first);
    let second = make_available_in(&served, TENANT, "2002");
    // The agent presses Transfer on baresip: a REFER to 2002.
    std::thread::sleep(Duration::from_secs(2));
    let stdin = baresip.0.stdin.as_mut().unwrap();
    std::io::Write::write_all(stdin, b"/transfer sip:2002@127.0.0.1\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let id = loop {
        let calls: Value = second
            .get(served.url("/api/v1/me/calls"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        if calls[0]["state"] == "connected" && calls[0]["agent"].is_string() {
            break calls[0]["agent"].as_str().unwrap().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "agent 2 connected by baresip's REFER: {calls}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mine: Value = first
        .get(served.url("/api/v1/me/calls"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        mine.as_array().unwrap().is_empty(),
        "baresip's leg is gone: {mine}"
    );
    let caller_done = wait_exit(&mut caller, Duration::from_secs(30));
    let second_done = wait_exit(&mut second_phone, Duration::from_secs(15));
    drop(baresip);
    let errors = sipp_errors(dir.path());
    assert!(
        caller_done.is_some_and(|s| s.success()),
        "the caller: {errors}"
    );
    assert!(
        second_done.is_some_and(|s| s.success()),
        "agent 2's phone: {errors}"
    );
    served.signal("-TERM");
    assert!(served.wait(Duration::from_secs(20)).is_some());
    let events = events(&data, TENANT);
    let refer = &events.iter().find(|(k, _)| k == "call.refer").unwrap().1;
    assert_eq!(refer["to"], "2002", "{refer}");
    assert_eq!(refer["call"], call.as_str(), "{refer}");
    let transferred = &events
        .iter()
        .find(|(k, _)| k == "call.transferred")
        .unwrap()
        .1;
    assert_eq!(transferred["mode"], "blind", "{transferred}");
    assert_three_legs(&events, &id);
}
