"""A small linear text classifier over word and letter n-grams.

Logistic regression on TF-IDF of words (1–2) and of letters within words
(2–5): it trains in a second, copes with the typos of real messages and, unlike
DIET, does not hand a message full of unseen words to the largest class.
"""
from __future__ import annotations

from typing import Optional

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_union


def text_classifier(regularisation: float, class_weight: Optional[str] = None) -> Pipeline:
    """``class_weight="balanced"`` weighs each class as if all were the same size."""
    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
    )
    classifier = LogisticRegression(C=regularisation, max_iter=3000, class_weight=class_weight)
    return Pipeline([("features", features), ("classes", classifier)])
