"""Lesson 07 exercises: n-grams, naive-Bayes log-count ratios, TF-IDF. Grade with
`make exercise-07` (or `python -m grading 07`)."""


def ngrams(words: list, n: int) -> list:
    """All the n-grams of exactly ``n`` consecutive words, in order, each as one string of its
    words joined by single spaces: ``ngrams(["not", "very", "good"], 2)`` is
    ``["not very", "very good"]``. Fewer than ``n`` words give ``[]``.
    """
    raise NotImplementedError


def log_count_ratios(bags, labels, alpha: float = 1.0):
    """NBSVM's log-count ratio of every feature (column) of ``bags``.

    ``bags``: a NumPy array ``(reviews, features)`` of counts; binarize it first,
    ``x̂ = 1 if count > 0 else 0``. ``labels``: 0 or 1 per review. With
    ``p = α + Σ_{i: y_i = 1} x̂_i`` and ``q = α + Σ_{i: y_i = 0} x̂_i`` (sums over reviews),
    return ``r = log( (p / ‖p‖₁) / (q / ‖q‖₁) )``, one value per feature.
    """
    raise NotImplementedError


def tf_idf(counts):
    """Sublinear TF-IDF features of a count matrix ``(documents, terms)``, rows of unit length.

    For ``c = counts[d, j] > 0``: ``x = (1 + log c) · idf_j`` with
    ``idf_j = log(1 + N / (1 + df_j))``, ``N`` the number of documents and ``df_j`` the number
    of documents with ``c > 0``; ``x = 0`` where ``c = 0``. Then divide each row by its
    Euclidean norm (a row of zeros stays zeros). Return a NumPy array like ``counts``.
    """
    raise NotImplementedError
