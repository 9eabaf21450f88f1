"""Seals every Python subprocess of the test suite from the network (see ``_netseal.py``).

Python imports ``sitecustomize`` at start-up from the first folder on ``sys.path`` that has
one; the tests put this folder first on ``PYTHONPATH``, so ``python -m lessons.…`` and
``make lesson-NN`` run by a test are sealed like the test process itself.
"""

import os

if os.environ.get("COURSE_NET_SEALED"):
    import _netseal

    _netseal.install()
