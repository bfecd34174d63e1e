"""Reading what people type as the app writes it."""

import unicodedata

# Dashes a keyboard, a phone's autocorrect or a copied page may give for "-": the minus sign
# is a mathematical symbol, not punctuation, so it is named here.
MINUS_SIGN = "\u2212"


def as_typed(raw: str) -> str:
    """Text typed or pasted, read the way the app writes it: full-width letters and digits
    and other compatibility forms as plain ones (NFKC; the numero sign reads "No"), every
    dash as "-", and runs of spaces as one space, none at the ends."""
    text = unicodedata.normalize("NFKC", raw)
    text = "".join("-" if c == MINUS_SIGN or unicodedata.category(c) == "Pd" else c for c in text)
    return " ".join(text.split())
