"""``make book``: render the executed notebooks into an offline HTML book (Jupyter Book 1).

The notebooks are not re-run. A source folder is assembled under ``book/_build/src/`` from
``book/_config.yml``, ``book/intro.md``, every ``notebooks/lesson_*.ipynb`` (its links to
``../solutions/lesson_NN.py`` pointed at the book's own solution page), one page per solution
file, a generated table of contents, and the local MathJax; ``jupyter-book build`` then writes
``book/_build/html/`` (open ``index.html``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from book import mathjax

REPO_ROOT = Path(__file__).resolve().parent.parent
BOOK = REPO_ROOT / "book"
SOLUTION_LINK = re.compile(r"\.\./solutions/lesson_(\d\d)\.py")


def _copy_notebook(source: Path, target: Path) -> None:
    """Copy a notebook, pointing its solution links at the book's solution pages."""
    notebook = json.loads(source.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            cell["source"] = SOLUTION_LINK.sub(r"../solutions/lesson_\1.md", text)
    target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False))


def _solution_page(solution: Path, target: Path) -> None:
    number = solution.stem.split("_")[1]
    code = solution.read_text().rstrip()
    target.write_text(
        f"# Solutions to lesson {number}'s exercises\n\n"
        f"Try each exercise first, then grade it with `make exercise-{number}`. This is "
        f"`solutions/{solution.name}`:\n\n```python\n{code}\n```\n"
    )


def assemble(notebooks: Path, source: Path) -> list[str]:
    """Lay out the book's source folder; return the chapter names in order."""
    if source.exists():
        shutil.rmtree(source)
    (source / "chapters").mkdir(parents=True)
    (source / "solutions").mkdir()
    shutil.copyfile(BOOK / "_config.yml", source / "_config.yml")
    shutil.copyfile(BOOK / "intro.md", source / "intro.md")
    chapters = []
    for notebook in sorted(notebooks.glob("lesson_[0-9][0-9]_*.ipynb")):
        _copy_notebook(notebook, source / "chapters" / notebook.name)
        chapters.append(notebook.stem)
    if not chapters:
        raise FileNotFoundError(f"no executed notebooks in {notebooks}: run `make notebooks` first")
    solutions = sorted((REPO_ROOT / "solutions").glob("lesson_[0-9][0-9].py"))
    for solution in solutions:
        _solution_page(solution, source / "solutions" / f"{solution.stem}.md")
    toc = ["format: jb-book", "root: intro", "parts:", "  - caption: Chapters", "    chapters:"]
    toc += [f"      - file: chapters/{name}" for name in chapters]
    if solutions:
        toc += ["  - caption: Solutions to the exercises", "    chapters:"]
        toc += [f"      - file: solutions/{s.stem}" for s in solutions]
    (source / "_toc.yml").write_text("\n".join(toc) + "\n")
    # Not under _static/: Jupyter Book 1 would add every .js file there to every page.
    shutil.copytree(mathjax.location(), source / "_mathjax" / "mathjax")
    shutil.copytree(BOOK / "_ext", source / "_ext")
    return chapters


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="make book", description=__doc__)
    parser.add_argument("--notebooks", type=Path, default=REPO_ROOT / "notebooks")
    parser.add_argument("--out", type=Path, default=BOOK, help="the HTML goes to OUT/_build/html")
    options = parser.parse_args(argv)
    source = options.out / "_build" / "src"
    chapters = assemble(options.notebooks, source)
    command = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(source),
        "--path-output",
        str(options.out),
        "--builder",
        "html",
        "--quiet",
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout[-4000:], done.stderr[-4000:], sep="\n")
        return done.returncode
    index = options.out / "_build" / "html" / "index.html"
    print(f"Book of {len(chapters)} chapters written: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
