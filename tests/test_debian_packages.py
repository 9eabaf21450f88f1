"""debian_packages.unpack: download once, check the pin before unpacking, say what failed."""

import hashlib

import pytest

from datasets import cache, debian_packages
from tests.fake_synthesizers import script

DEB = b"a .deb, as far as the fakes care"


@pytest.fixture
def fakes(tmp_path):
    """A fake apt-get that logs each download and writes ``<package>_1_all.deb``, and a fake
    dpkg-deb that unpacks by writing ``<target>/from`` naming the .deb it was given."""
    log = tmp_path / "downloads.log"
    apt = script(
        tmp_path / "apt-get",
        f'#!/bin/sh\necho "$2" >> "{log}"\nprintf "{DEB.decode()}" > "$2_1_all.deb"\n',
    )
    dpkg = script(tmp_path / "dpkg-deb", '#!/bin/sh\nmkdir -p "$3" && echo "$2" > "$3/from"\n')
    return dict(apt_get=str(apt), dpkg_deb=str(dpkg)), log


def test_a_shared_downloads_folder_downloads_each_package_once(tmp_path, fakes):
    tools, log = fakes
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    pin = hashlib.sha256(DEB).hexdigest()
    for k in range(2):
        work = tmp_path / f"work{k}"
        work.mkdir()
        unpacked = debian_packages.unpack("tuxpaint", work, pin, downloads, **tools)
        assert unpacked == work / "unpacked"
        assert (unpacked / "from").read_text().strip() == str(downloads / "tuxpaint_1_all.deb")
    assert log.read_text() == "tuxpaint\n"  # the second set used the first one's download


def test_a_pinned_deb_already_there_is_checked_before_it_is_unpacked(tmp_path, fakes):
    tools, log = fakes
    (tmp_path / "tuxpaint_1_all.deb").write_bytes(b"another package")
    with pytest.raises(cache.ChecksumError, match=r"tuxpaint_1_all\.deb has sha256"):
        debian_packages.unpack("tuxpaint", tmp_path, hashlib.sha256(DEB).hexdigest(), **tools)
    assert not (tmp_path / "unpacked").exists() and not log.exists()  # neither run
    # without a pin (the caller pins the files it takes out), the same file is unpacked
    assert (debian_packages.unpack("tuxpaint", tmp_path, **tools) / "from").is_file()


def test_a_download_that_leaves_nothing_or_a_missing_tool_is_named(tmp_path, fakes):
    tools, _ = fakes
    quiet = script(tmp_path / "quiet-apt", "#!/bin/sh\nexit 0\n")
    with pytest.raises(FileNotFoundError, match="apt-get download saytime left no .deb file"):
        debian_packages.unpack("saytime", tmp_path, apt_get=str(quiet), dpkg_deb=tools["dpkg_deb"])
    with pytest.raises(FileNotFoundError, match="no-dpkg-deb is not installed"):
        debian_packages.unpack("saytime", tmp_path, apt_get=str(quiet), dpkg_deb="no-dpkg-deb")
    failing = script(
        tmp_path / "failing-apt", "#!/bin/sh\necho 'E: Unable to locate' >&2\nexit 100\n"
    )
    with pytest.raises(RuntimeError, match=r"failed \(100\): E: Unable to locate"):
        debian_packages.unpack(
            "saytime", tmp_path, apt_get=str(failing), dpkg_deb=tools["dpkg_deb"]
        )


def test_other_components_are_listed_in_a_private_apt_state_of_the_systems_archives(tmp_path):
    etc = tmp_path / "etc"
    (etc / "sources.list.d").mkdir(parents=True)
    (etc / "sources.list.d/debian.sources").write_text(
        "Types: deb\n# a comment\nURIs: http://archive.example/debian\n"
        "Suites: bookworm bookworm-updates\nComponents: main\nSigned-By: /k.gpg\n\n"
        "Types: deb-src\nURIs: http://archive.example/debian\nSuites: bookworm\n"
        "Components: main\n\n"
        "Types: deb\nURIs: http://vendor.example/repo\nSuites: stable\nComponents: tools\n"
    )
    (etc / "sources.list.d/flat.list").write_text("deb [trusted=yes] http://flat.example/x /\n")
    (etc / "sources.list").write_text(
        "deb [arch=amd64,arm64 signed-by=/s.gpg check-date=no check-valid-until=no] "
        "http://other.example/debian-security"
        " bookworm-security main # x\n"
    )
    log = tmp_path / "apt.log"
    apt = script(tmp_path / "apt-get", f'#!/bin/sh\necho "$@" >> "{log}"\n')
    work = tmp_path / "work"
    options = debian_packages.archive_options(("main", "non-free"), work, str(apt), etc)
    listed = (work / "parts/archive.sources").read_text()
    assert listed == (
        "Types: deb\nURIs: http://archive.example/debian\nSuites: bookworm bookworm-updates\n"
        # the source-only stanza, the vendor's and the flat repository are left out
        "Signed-By: /k.gpg\nComponents: main non-free\n\n"
        "Types: deb\nURIs: http://other.example/debian-security\nSuites: bookworm-security\n"
        "Architectures: amd64 arm64\nSigned-By: /s.gpg\nCheck-Valid-Until: no\n"  # not check-date
        "Components: main non-free\n"
    )
    assert log.read_text().split() == ["update", *options]  # the system's lists are untouched
    assert (
        f"Dir::State::Lists={work}/lists" in options and "Dir::Etc::SourceList=/dev/null" in options
    )
    # a download then goes through the same options
    dpkg = script(tmp_path / "dpkg-deb", '#!/bin/sh\nmkdir -p "$3"\n')
    debs = tmp_path / "debs"
    debs.mkdir()
    (debs / "mbrola_1_amd64.deb").write_bytes(DEB)  # already there: no second download
    debian_packages.unpack("mbrola", work, None, debs, str(apt), str(dpkg), options)
    apt_download = script(
        tmp_path / "apt-dl", f'#!/bin/sh\necho "$@" >> "{log}"\ntouch "$2_1_all.deb"\n'
    )
    debian_packages.unpack("mbrola-us1", work, None, None, str(apt_download), str(dpkg), options)
    assert log.read_text().splitlines()[-1].split() == ["download", "mbrola-us1", *options]
    empty = tmp_path / "empty"
    (empty / "sources.list.d").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="apt lists no Debian archive in .*empty"):
        debian_packages.archive_options(("non-free",), work, str(apt), empty)
