"""``python -m bench [--quick] [--out FOLDER]``: see :mod:`bench`."""

from bench import main

main()
