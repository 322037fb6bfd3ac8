"""Form-letter grouping benchmark: how long campaign.services.form_letters.group takes, and
what it finds. Prints figures, asserts nothing.

    .venv/bin/python benchmarks/form_letters.py [--testimonies 5000] [--copies 400]

Two corpora, each with one letter sent --copies times (a quarter with a sentence added, a
quarter with case and punctuation changed):
- "varied": the other testimonies are written from a 5,000-word vocabulary, as residents'
  own words are (few shared three-word sequences);
- "demo": the other testimonies are the demo's, drawn from twelve stock sentences, so any
  two share much of their text: the worst case for finding near copies.
Also measured: the similarity of a 150-word letter to itself with sentences added or words
changed, which is what the 80 % threshold was chosen from.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from campaign.demo.people import testimony_text  # noqa: E402
from campaign.services import form_letters  # noqa: E402


def _varied(rng: random.Random, vocabulary: list[str], words: int) -> str:
    sentences, count = [], 0
    while count < words:
        length = rng.randint(8, 20)
        sentences.append(" ".join(rng.choice(vocabulary) for _ in range(length)).capitalize() + ".")
        count += length
    return " ".join(sentences)


def _corpus(kind: str, rng: random.Random, testimonies: int, copies: int, letter: str):
    vocabulary = [f"w{n}" for n in range(5000)]
    items = []
    for n in range(testimonies):
        words = rng.choice((120, 200, 320))
        text = (
            _varied(rng, vocabulary, words)
            if kind == "varied"
            else testimony_text(rng, "en", words)
        )
        items.append((n, rng.choice(("oppose", "support", "neutral")), text))
    for n in range(copies):
        text = letter
        if n % 4 == 1:
            text += " My family has lived in District 3 for twenty years."
        elif n % 4 == 2:
            text = letter.upper().replace(".", "!")
        items.append((testimonies + n, "oppose", text))
    rng.shuffle(items)
    return items


def _similarity(letter: str, other: str) -> float:
    hashes = form_letters._WordHashes()
    a = form_letters._shingles(form_letters.normalized_words(letter), hashes)
    b = form_letters._shingles(form_letters.normalized_words(other), hashes)
    return form_letters.jaccard(a, b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--testimonies", type=int, default=5000)
    parser.add_argument("--copies", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(7)
    letter = testimony_text(rng, "en", 150)
    words = letter.split()
    extra = [
        "I have lived on Elm Street for twenty years.",
        "My daughter was stopped on her way to school last spring.",
        "Please listen to the families of District 3.",
    ]
    for added in (1, 2, 3):
        similarity = _similarity(letter, letter + " " + " ".join(extra[:added]))
        print(f"letter + {added} sentence(s): {similarity:.3f}")
    for changed in (3, 5, 8):
        edited = list(words)
        for index in rng.sample(range(len(edited)), changed):
            edited[index] = "changed"
        print(f"letter with {changed} words changed: {_similarity(letter, ' '.join(edited)):.3f}")
    for kind in ("varied", "demo"):
        items = _corpus(kind, rng, args.testimonies, args.copies, letter)
        started = time.perf_counter()
        letters = form_letters.group(items)
        seconds = time.perf_counter() - started
        sizes = [letter.count for letter in letters]
        print(
            f"{kind}: {len(items)} testimonies grouped in {seconds:.2f} s; "
            f"{len(letters)} letters, sizes {sizes[:6]}"
        )


if __name__ == "__main__":
    main()
