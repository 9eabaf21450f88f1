"""The course's lessons: one runnable, readable script per lesson (jupytext percent format)."""

import os
import sys
import tempfile

# TensorFlow's C++ start-up lines (oneDNN notice, CUDA probing, "All log messages before
# absl::InitializeLog()", a failed cuInit on a machine without a GPU) are written straight
# to the process's stderr while the library loads, before any setting can silence them.
# They are harmless, but they are the first thing a learner would see, so lessons import
# TensorFlow once here with stderr set aside, and show what was said only if the import
# fails. TF_CPP_MIN_LOG_LEVEL=0 shows everything.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _import_tensorflow_quietly():
    if os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0" or "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved_stderr = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow

            tensorflow.config.list_physical_devices("GPU")  # the CUDA probe speaks here too
        except BaseException:
            os.dup2(saved_stderr, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)


_import_tensorflow_quietly()
