"""The course's lessons: one runnable, readable script per lesson (jupytext percent format)."""

import os

# Keep TensorFlow's C++ start-up chatter (oneDNN, CUDA probing, CPU features) out of the
# lesson reports; errors still show. Set TF_CPP_MIN_LOG_LEVEL=0 to see everything.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
