# Switchboard's speech sidecar: recognises one of a few phrases in a caller's utterance with
# PocketSphinx (offline, the en-US model shipped in the `pocketsphinx` package).
#
# Protocol, on standard input and output:
# - at start it writes one line: {"ready": "pocketsphinx <version>"} or {"error": "..."} (and
#   exits 3 when PocketSphinx cannot be loaded);
# - each request is a JSON line {"phrases": ["sales", "customer service"], "samples": N}
#   followed by N little-endian signed 16-bit samples at 16 kHz (2 N bytes);
# - each answer is a JSON line {"text": phrase or null, "unknown": [words not in the
#   dictionary]} or {"error": "..."}.
# The grammar of a request allows exactly one of its phrases, so anything else is heard as
# nothing (null) rather than forced onto a choice where the model cannot place it.
import json
import re
import sys

MAX_SAMPLES = 16000 * 30
MAX_PHRASES = 200
MAX_GRAMMARS = 64
WORD = re.compile(r"^[a-z][a-z']*$")


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def load():
    try:
        from importlib.metadata import version

        from pocketsphinx import Decoder
    except Exception as e:  # noqa: BLE001 - any import failure means "not installed"
        say({"error": "pocketsphinx is not installed (pip install pocketsphinx): %s" % e})
        sys.exit(3)
    try:
        decoder = Decoder(samprate=16000, lm=None, loglevel="FATAL")
    except Exception as e:  # noqa: BLE001
        say({"error": "pocketsphinx could not load its model: %s" % e})
        sys.exit(3)
    return decoder, "pocketsphinx %s" % version("pocketsphinx")


def clean(decoder, phrases):
    """Phrases the dictionary can spell, lower case; and the words it cannot."""
    kept, unknown = [], []
    for phrase in phrases[:MAX_PHRASES]:
        words = str(phrase).lower().split()
        if not words:
            continue
        missing = [w for w in words if not WORD.match(w) or decoder.lookup_word(w) is None]
        if missing:
            unknown.extend(missing)
        else:
            kept.append(" ".join(words))
    return sorted(set(kept)), unknown


class Grammars:
    def __init__(self, decoder):
        self.decoder = decoder
        self.names = {}
        self.made = 0

    def activate(self, phrases):
        key = "\n".join(phrases)
        name = self.names.get(key)
        if name is None:
            if len(self.names) >= MAX_GRAMMARS:
                oldest_key = next(iter(self.names))
                self.decoder.remove_search(self.names.pop(oldest_key))
            self.made += 1
            name = "g%d" % self.made
            body = " | ".join(phrases)
            jsgf = "#JSGF V1.0;\ngrammar choices;\npublic <choice> = (%s);\n" % body
            self.decoder.add_jsgf_string(name, jsgf.encode())
            self.names[key] = name
        self.decoder.activate_search(name)


def recognise(decoder, grammars, phrases, audio):
    kept, unknown = clean(decoder, phrases)
    if not kept or not audio:
        return {"text": None, "unknown": unknown}
    grammars.activate(kept)
    # Two passes: the first leaves the cepstral mean of this caller's line in the decoder (the
    # previous caller's, or the model's default, misled it: a first "support" was not heard),
    # the second decodes with it. A pass costs about 10 ms for a word.
    for _ in range(2):
        decoder.start_utt()
        decoder.process_raw(audio, full_utt=True)
        decoder.end_utt()
    hyp = decoder.hyp()
    text = hyp.hypstr.strip() if hyp is not None else ""
    return {"text": text if text in kept else None, "unknown": unknown}


def main():
    decoder, engine = load()
    grammars = Grammars(decoder)
    say({"ready": engine})
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            return
        try:
            request = json.loads(line)
            samples = int(request["samples"])
            phrases = list(request["phrases"])
        except Exception as e:  # noqa: BLE001
            say({"error": "bad request: %s" % e})
            return
        if samples < 0 or samples > MAX_SAMPLES:
            say({"error": "bad request: %d samples" % samples})
            return
        audio = stdin.read(samples * 2)
        if len(audio) != samples * 2:
            return
        try:
            say(recognise(decoder, grammars, phrases, audio))
        except Exception as e:  # noqa: BLE001
            say({"error": "recognition failed: %s" % e})


main()
