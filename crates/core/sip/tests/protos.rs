//! PROTOS c07-sip (4527 INVITE cases): every case parses or is rejected without a panic,
//! and whatever parses prints back and re-parses to the same message.

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::path::PathBuf;

use sb_sip::{Frame, Message, ParseConfig};

fn cases_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/testdata/sip-torture/protos-c07-sip/cases");
    assert!(
        dir.is_dir(),
        "PROTOS cases missing at {} (expected /work/shared/testdata)",
        dir.display()
    );
    dir
}

/// The two `<length> <bytes>` records of a case file.
fn records(file: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = file;
    while let Some(space) = rest.iter().position(|&b| b == b' ') {
        let len: usize = std::str::from_utf8(&rest[..space])
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let end = (space + 1 + len).min(rest.len());
        out.push(&rest[space + 1..end]);
        rest = &rest[end..];
    }
    out
}

fn replace(data: &[u8], from: &str, to: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some(i) = memchr::memmem::find(rest, from.as_bytes()) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(to.as_bytes());
        rest = &rest[i + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Fills the placeholders the way the original tool did (README § 3).
fn substitute(template: &[u8], case: usize) -> Vec<u8> {
    let mut data = template.to_vec();
    for (from, to) in [
        ("<To>", "bob@127.0.0.1"),
        ("<From>", "alice@127.0.0.1"),
        ("<From-Address>", "127.0.0.1"),
        ("<From-IP>", "127.0.0.1"),
        ("<Local-Port>", "5060"),
        ("<Branch-ID>", &case.to_string()),
        ("<Call-ID>", &format!("protos{case}")),
        ("<CSeq>", "1"),
        ("<Teardown-Method>", "CANCEL"),
    ] {
        data = replace(&data, from, to);
    }
    let body_len = memchr::memmem::find(&data, b"\r\n\r\n").map_or(0, |i| data.len() - i - 4);
    replace(&data, "<Content-Length>", &body_len.to_string())
}

fn check_stable(config: &ParseConfig, msg: &Message) {
    let printed = msg.to_bytes();
    let again = config
        .parse_datagram(printed.clone())
        .expect("printed message re-parses");
    assert_eq!(&again, msg);
    assert_eq!(again.to_bytes(), printed);
}

#[test]
fn every_protos_case_is_parsed_or_rejected_without_panic() {
    let mut files: Vec<_> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 4527);
    // The teardown requests have no Max-Forwards: parse them in RFC 2543 mode so that
    // their other headers are exercised too.
    let compat = ParseConfig {
        require_max_forwards: false,
        ..ParseConfig::default()
    };
    let configs = [ParseConfig::default(), compat];
    let (mut accepted, mut rejected) = (0, 0);
    for (case, path) in files.iter().enumerate() {
        let file = std::fs::read(path).unwrap();
        for (record, config) in records(&file).into_iter().zip(&configs) {
            let data = substitute(record, case);
            match config.parse_datagram(data.clone()) {
                Ok(msg) => {
                    accepted += 1;
                    check_stable(config, &msg);
                    let headers = msg.headers();
                    let _ = (
                        headers.vias(),
                        headers.from(),
                        headers.to(),
                        headers.contacts(),
                    );
                    let _ = (headers.content_type(), headers.expires(), headers.cseq());
                }
                Err(e) => {
                    rejected += 1;
                    let _ = (e.to_string(), e.reply_status());
                }
            }
            if let Frame::Message { len } = config.frame(&data) {
                let _ = config.parse_stream(data[..len].to_vec());
            }
        }
    }
    assert_eq!(accepted + rejected, 2 * 4527);
    assert!(
        accepted > 0 && rejected > 0,
        "accepted {accepted}, rejected {rejected}"
    );
}

#[test]
fn protos_valid_case_parses() {
    let file = std::fs::read(cases_dir().join("0000000")).unwrap();
    let recs = records(&file);
    assert_eq!(recs.len(), 2);
    let invite = sb_sip::parse(substitute(recs[0], 0)).expect("case 0 INVITE is valid");
    check_stable(&ParseConfig::default(), &invite);
    // The teardown CANCEL has no Max-Forwards: valid only in RFC 2543 mode.
    let teardown = substitute(recs[1], 0);
    let compat = ParseConfig {
        require_max_forwards: false,
        ..ParseConfig::default()
    };
    let cancel = compat
        .parse_datagram(teardown)
        .expect("case 0 CANCEL is valid for RFC 2543");
    check_stable(&compat, &cancel);
}
