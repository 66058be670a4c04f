//! The prompts that ship with the product, embedded in the binary (`assets/prompts/`, made by
//! `scripts/gen-prompts.sh`; licence in `assets/prompts/README.md`). Each is an 8 kHz 16-bit
//! mono WAV file, referred to by flows as `default:<name>`.

/// The prefix of built-in prompt ids.
pub(crate) const PREFIX: &str = "default:";

/// Name and WAV bytes of each built-in prompt.
const DEFAULTS: &[(&str, &[u8])] = &[
    (
        "hold_music",
        include_bytes!("../../../../../assets/prompts/hold_music.wav"),
    ),
    (
        "beep",
        include_bytes!("../../../../../assets/prompts/beep.wav"),
    ),
    (
        "welcome",
        include_bytes!("../../../../../assets/prompts/welcome.wav"),
    ),
    (
        "please_hold",
        include_bytes!("../../../../../assets/prompts/please_hold.wav"),
    ),
    (
        "all_agents_busy",
        include_bytes!("../../../../../assets/prompts/all_agents_busy.wav"),
    ),
    (
        "goodbye",
        include_bytes!("../../../../../assets/prompts/goodbye.wav"),
    ),
];

/// The WAV bytes of a built-in prompt, by name (without the prefix).
pub(crate) fn get(name: &str) -> Option<&'static [u8]> {
    DEFAULTS.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// The ids (`default:hold_music`…) of every built-in prompt.
pub fn default_ids() -> impl Iterator<Item = String> {
    DEFAULTS.iter().map(|(n, _)| format!("{PREFIX}{n}"))
}
