#!/usr/bin/env bash
# Regenerates the default prompts shipped in assets/prompts/ (embedded in the binary by
# sb-engine's prompts module). Needs espeak-ng and sox (Debian packages `espeak-ng`, `sox`).
# Every file is 8 kHz, 16-bit, mono WAV. See assets/prompts/README.md for the licence.
set -euo pipefail
cd "$(dirname "$0")/../assets/prompts"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

voice=en-us
speed=155

speak() { # name text
    espeak-ng -v "$voice" -s "$speed" -w "$tmp/$1.wav" -- "$2"
    sox "$tmp/$1.wav" -r 8000 -b 16 -c 1 "$1.wav" rate -v norm -3
}

speak welcome "Welcome. Thank you for calling."
speak please_hold "Please hold while we connect your call."
speak all_agents_busy "All our agents are busy. Please stay on the line."
speak goodbye "Thank you for calling. Goodbye."

# Voicemail beep: 1 kHz, 400 ms, soft edges.
sox -n -r 8000 -b 16 -c 1 beep.wav synth 0.4 sine 1000 fade 0.01 0.4 0.01 gain -6

# Music on hold: a gentle I-vi-IV-V progression (C, Am, F, G), 3 s a chord, 12 s in all,
# each chord four sine voices with a slow fade in and out so the loop joins without a click.
chord() { # out notes...
    local out=$1
    shift
    local args=()
    for n in "$@"; do args+=(sine "$n"); done
    sox -n -r 8000 -b 16 -c $# "$tmp/$out-multi.wav" synth 3 "${args[@]}" tremolo 0.5 20 \
        fade t 0.6 3 0.6
    sox "$tmp/$out-multi.wav" -c 1 "$tmp/$out.wav" remix "1-$#"
}
chord c C3 E4 G4 C5
chord am A2 E4 A4 C5
chord f F2 F4 A4 C5
chord g G2 D4 G4 B4
sox "$tmp/c.wav" "$tmp/am.wav" "$tmp/f.wav" "$tmp/g.wav" -r 8000 -b 16 -c 1 hold_music.wav \
    lowpass 2000 gain -n -9

ls -l ./*.wav
