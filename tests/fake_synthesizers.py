"""Stand-ins for flite, festival and espeak-ng with MBROLA, for tests that must not need them."""

import stat
import sys

# A stand-in for the flite program: its version, its voices, and a WAV whose tone encodes the
# request (voice, digit, pitch), so the test can check which clip landed where.
FAKE_FLITE = """#!{python}
import io, sys, wave
import numpy as np
args = sys.argv[1:]
if args == ["--version"]:
    print("  version: flite-2.2-current Sep 2018 (http://cmuflite.org)")
    sys.exit(1)  # as Flite 2.2 does
elif args == ["-lv"]:
    print("Voices available: {voices}")
else:
    opts = dict(zip(args[::2], args[1::2]))
    words = ["zero","one","two","three","four","five","six","seven","eight","nine"]
    digit = words.index(opts["-t"].rstrip(".?!,"))
    pitch = float([v for v in args if v.startswith("int_f0_target_mean=")][0].split("=")[1])
    rate = 8000 if opts["-voice"] == "kal" else 16000
    t = np.arange(int(0.4 * rate)) / rate
    x = 0.3 * np.sin(2 * np.pi * (pitch + 50 * digit) * t) * np.hanning(len(t))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes((x * 32767).astype("<i2").tobytes())
    sys.stdout.buffer.write(out.getvalue())
"""


def script(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def fake_flite(folder, voices="kal awb_time kal16 awb rms slt"):
    folder.mkdir(parents=True, exist_ok=True)
    return script(folder / "flite", FAKE_FLITE.format(python=sys.executable, voices=voices))


# A stand-in for festival -b: reads the Scheme program it is given, answers the version and
# voice queries, and writes for each (say ...) a WAV whose tone encodes the digit and pitch.
FAKE_FESTIVAL = """#!{python}
import re, sys, wave
import numpy as np
program = open(sys.argv[sys.argv.index("-b") + 1]).read()
if "festival_version" in program:
    print('"{version}"')
if "(voice.list)" in program:
    print("({voices})")
if "(voice_nope)" in program:
    print("SIOD ERROR: unbound variable : voice_nope")
words = ["zero","one","two","three","four","five","six","seven","eight","nine"]
said = r'\\(say \\(Utterance Text "(\\w+)[.?!,]"\\) ([\\d.]+) ([\\d.]+) ([\\d.]+) "([^"]+)"\\)'
for word, stretch, pitch, spread, path in re.findall(said, program):
    t = np.arange(int(0.3 * float(stretch) * 16000)) / 16000
    tone = float(pitch) + 50 * words.index(word)
    x = 0.3 * np.sin(2 * np.pi * tone * t) * np.hanning(len(t))
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
        w.writeframes((x * 32767).astype("<i2").tobytes())
"""


def fake_festival(folder, voices="kal_diphone ked_diphone", version="2.5.0:release"):
    folder.mkdir(parents=True, exist_ok=True)
    text = FAKE_FESTIVAL.format(python=sys.executable, voices=voices, version=version)
    return script(folder / "festival", text)


# A stand-in for espeak-ng speaking through MBROLA: writes the -w WAV, a tone that encodes the
# digit and pitch, at 16 kHz (MBROLA's rate) or, for a voice it lacks, at eSpeak's own 22.05 kHz.
FAKE_ESPEAK_MBROLA = """#!{python}
import sys, wave
import numpy as np
args = sys.argv[1:]
opts = dict(zip(args[:-1], args[1:]))
words = ["zero","one","two","three","four","five","six","seven","eight","nine"]
rate = 16000 if opts["-v"][3:] in "{voices}".split() else 22050
t = np.arange(int(0.3 * 150 / float(opts["-s"]) * rate)) / rate
tone = 100 + float(opts["-p"]) + 50 * words.index(args[-1].rstrip(".?!,"))
x = 0.3 * np.sin(2 * np.pi * tone * t)
with wave.open(opts["-w"], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes((x * np.hanning(len(t)) * 32767).astype("<i2").tobytes())
"""


def fake_espeak_mbrola(folder, voices="us1 us2 us3 en1"):
    folder.mkdir(parents=True, exist_ok=True)
    text = FAKE_ESPEAK_MBROLA.format(python=sys.executable, voices=voices)
    return script(folder / "espeak-ng", text)
