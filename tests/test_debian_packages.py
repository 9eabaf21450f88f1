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
