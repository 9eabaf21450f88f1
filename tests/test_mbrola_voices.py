"""MBROLA's voices (datasets.mbrola_voices): plan, speaker, the unpacked layout, cache."""

import hashlib
import json

import numpy as np
import pytest

from datasets import cache, debian_packages, flite_voices, mbrola_voices, spoken_digits
from tests.fake_synthesizers import fake_espeak_mbrola, script

SMALL = mbrola_voices.Config(renditions=2, voices=("us1", "en1"))


def test_plan_is_seeded_voice_major_and_within_its_ranges():
    clips = mbrola_voices.plan(SMALL)
    assert (
        clips
        == mbrola_voices.plan(SMALL)
        != mbrola_voices.plan(mbrola_voices.Config(seed=1, renditions=2, voices=("us1", "en1")))
    )
    assert len(clips) == 2 * 2 * 10 and [c["voice"] for c in clips[::20]] == ["us1", "en1"]
    assert [c["digit"] for c in clips[:10]] == list(range(10))
    for clip in clips:
        assert 120 <= clip["rate"] <= 220 and 20 <= clip["pitch"] <= 80
        assert clip["ending"] in flite_voices.ENDINGS
    assert all(len(pin) == 64 for pin in mbrola_voices.PACKAGES.values() if pin is not None)
    assert all(mbrola_voices.PACKAGES[f"mbrola-{voice}"] for voice in mbrola_voices.VOICES)


def test_an_installed_espeak_with_mbrola_makes_a_deterministic_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{fake_espeak_mbrola(tmp_path / 'bin').parent}:/usr/bin:/bin")
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")
    (x, y, voice), names = mbrola_voices.load_data(root=tmp_path / "a", config=SMALL)
    assert x.shape == (40, spoken_digits.CLIP_SAMPLES) and x.dtype == np.float32
    assert names == ["us1", "en1"] and np.bincount(voice).tolist() == [20, 20]
    np.testing.assert_array_equal(y, np.tile(np.arange(10), 4))
    assert np.abs(x).max() == pytest.approx(0.5, abs=1e-4)
    # clip i is the i-th planned one, though two threads said them: its length follows its rate
    lengths = (np.abs(x) > 1e-3).sum(axis=1) / 16000
    expected = np.array([0.3 * 150 / c["rate"] for c in mbrola_voices.plan(SMALL)])
    np.testing.assert_allclose(lengths, expected, atol=0.05)
    mbrola_voices.prepare(root=tmp_path / "b", config=SMALL)
    for f in ("clips.npy", "index.npz"):  # synthesized twice, the same bytes
        digests = {
            hashlib.sha256((tmp_path / r / mbrola_voices.NAME / f).read_bytes()).hexdigest()
            for r in ("a", "b")
        }
        assert len(digests) == 1
    stored = json.loads((tmp_path / "a" / mbrola_voices.NAME / "config.json").read_text())
    assert stored == SMALL.to_json()


def test_espeak_without_the_mbrola_voice_is_refused_by_name_and_nothing_is_cached(
    tmp_path, monkeypatch
):
    program = fake_espeak_mbrola(tmp_path / "bin", voices="us1")
    clip = mbrola_voices.plan(SMALL)[-1]  # an en1 clip: this espeak-ng falls back on formants
    with pytest.raises(RuntimeError, match="did not speak with MBROLA's en1 \\(22050 Hz"):
        mbrola_voices.Speaker(str(program)).speak(clip, tmp_path)
    monkeypatch.setenv("PATH", f"{program.parent}:/usr/bin:/bin")
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")
    with pytest.raises(cache.DataUnavailableError, match="mbrola-en1"):
        mbrola_voices.load_data(root=tmp_path / "data", config=SMALL)
    assert not (tmp_path / "data" / mbrola_voices.NAME / "MANIFEST.json").exists()


def test_an_unpacked_tree_gets_each_voice_where_espeak_looks_and_its_paths(tmp_path):
    for voice in ("us1", "en1"):
        database = tmp_path / "usr/share/mbrola" / voice / voice
        database.parent.mkdir(parents=True)
        database.write_bytes(f"{voice} diphones".encode())
    (tmp_path / "usr/lib/x86_64-linux-gnu/espeak-ng-data").mkdir(parents=True)
    speaker = mbrola_voices.unpacked_speaker(tmp_path, ("us1", "en1"))
    data = tmp_path / "usr/lib/x86_64-linux-gnu/espeak-ng-data"
    assert (data / "mbrola/en1").read_bytes() == b"en1 diphones"
    assert speaker.data_parent == str(data.parent) == speaker.library_dir
    assert speaker.program == str(tmp_path / "usr/bin/espeak-ng")
    assert speaker.bin_dir == str(tmp_path / "usr/bin")  # where eSpeak NG finds `mbrola`


def test_the_apt_route_lists_non_free_and_refuses_a_changed_mbrola_package(tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(
        debian_packages,
        "archive_options",
        lambda components, work, apt_get: asked.append(components) or ("-o", "Dir::X=1"),
    )
    apt = script(
        tmp_path / "apt-get",
        f'#!/bin/sh\n[ "$1" = download ] && echo "$@" >> {tmp_path}/apt.log '
        '&& echo junk > "$2_1_amd64.deb"\n',
    )
    dpkg = script(
        tmp_path / "dpkg-deb", f'#!/bin/sh\necho "$2" >> {tmp_path}/dpkg.log\nmkdir -p "$3"\n'
    )
    staging = tmp_path / "staging"
    staging.mkdir()
    source = mbrola_voices.apt_source(SMALL, apt_get=str(apt), dpkg_deb=str(dpkg))
    with pytest.raises(cache.ChecksumError, match=r"libpcaudio0_1_amd64\.deb has sha256"):
        source.build(staging)
    assert asked == [("main", "contrib", "non-free")]
    downloads = [line.split() for line in (tmp_path / "apt.log").read_text().splitlines()]
    assert [d[1] for d in downloads] == [
        "espeak-ng",
        "libespeak-ng1",
        "espeak-ng-data",
        "libpcaudio0",
    ]
    assert all(d[2:] == ["-o", "Dir::X=1"] for d in downloads)  # through the private lists
    unpacked = (tmp_path / "dpkg.log").read_text().split()  # the unpinned three only
    names = [path.split("/")[-1].split("_")[0] for path in unpacked]
    assert names == ["espeak-ng", "libespeak-ng1", "espeak-ng-data"]
