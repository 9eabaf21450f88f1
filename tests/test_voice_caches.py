"""What Flite's and Festival's caches share: sources without root, a missing program, a fault."""

import numpy as np
import pytest

from datasets import cache, festival_voices, flite_voices
from lessons import audio_model
from tests.fake_synthesizers import fake_festival, fake_flite, script

SYNTHESIZERS = {
    # name: (module, small config, fake program, its .deb version, the hint's words, lesson loader)
    "Flite": (
        flite_voices,
        flite_voices.Config(renditions=1, voices=("kal", "rms", "slt")),
        fake_flite,
        "2.2-5",
        "apt-get download flite libflite1",
        audio_model.load_flite,
    ),
    "Festival": (
        festival_voices,
        festival_voices.Config(renditions=2),
        fake_festival,
        "2.5.0-9",
        "apt-get install festival festvox-kdlpc16k",
        audio_model.load_festival,
    ),
}
NAMES = list(SYNTHESIZERS)


@pytest.mark.parametrize("name", NAMES)
def test_apt_route_verifies_every_package_before_unpacking(tmp_path, name):
    module, small, _, version, _, _ = SYNTHESIZERS[name]
    apt = script(
        tmp_path / "apt-get",
        f'#!/bin/sh\n[ "$1" = download ] && echo "not a package" > "$2_{version}_amd64.deb"\n',
    )
    dpkg = script(tmp_path / "dpkg-deb", "#!/bin/sh\necho unpacked >> dpkg.log\n")
    staging = tmp_path / "staging"
    staging.mkdir()
    source = module.apt_source(small, apt_get=str(apt), dpkg_deb=str(dpkg))
    program = name.lower()
    with pytest.raises(cache.ChecksumError, match=rf"{program}_{version}_amd64\.deb has sha256"):
        source.build(staging)
    assert not list(staging.rglob("dpkg.log"))  # refused before dpkg-deb ran
    with pytest.raises(FileNotFoundError, match="not installed"):
        module.apt_source(small, apt_get=str(tmp_path / "none")).build(staging)


@pytest.mark.parametrize("name", NAMES)
def test_without_the_program_the_error_says_how_and_the_lesson_goes_on(tmp_path, monkeypatch, name):
    module, _, _, _, hint, load_in_lesson = SYNTHESIZERS[name]
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")  # the apt route is skipped: no network in tests
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv(cache.ENV_DATA_DIR, str(tmp_path / "data"))
    with pytest.raises(cache.DataUnavailableError) as caught:
        module.load_data()
    message = str(caught.value)
    assert f"no `{name.lower()}` on the PATH" in message
    assert "skipped because COURSE_OFFLINE" in message and hint in message
    clips, why = load_in_lesson()
    assert clips is None and name.lower() in why and "\n" not in why


@pytest.mark.fault
@pytest.mark.parametrize("name", NAMES)
def test_a_corrupt_cache_is_synthesized_again(tmp_path, monkeypatch, fault_seen, name):
    """fault: {name} cache's clips.npy cut short | expected: warned, made again, same bytes"""
    module, small, fake, _, _, _ = SYNTHESIZERS[name]
    monkeypatch.setenv("PATH", f"{fake(tmp_path / 'bin').parent}:/usr/bin:/bin")
    monkeypatch.setenv(cache.ENV_OFFLINE, "1")
    (x, _, _), _ = module.load_data(root=tmp_path, config=small)
    clips = tmp_path / module.NAME / "clips.npy"
    clips.write_bytes(clips.read_bytes()[:1000])
    with pytest.warns(cache.CacheWarning, match="failed verification") as record:
        (again, _, _), _ = module.load_data(root=tmp_path, config=small)
    fault_seen(record[0].message)
    np.testing.assert_array_equal(again, x)
