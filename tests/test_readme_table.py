"""The README's lesson table is the one generated from the recorded default runs."""

from book import readme_table


def test_readme_table_matches_the_recorded_runs():
    assert readme_table.main(["--check"]) == 0, "run: python -m book.readme_table"


def test_options_are_read_from_the_chapters():
    for script in sorted((readme_table.REPO_ROOT / "lessons").glob("lesson_[0-9][0-9]_*.py")):
        flags = readme_table.options(script)
        assert flags[:2] == ["--quick", "--seed"] and "--out" in flags
