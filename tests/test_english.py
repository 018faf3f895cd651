"""English sentence boundaries (pipeline.english): a golden table in pySBD's style, each row a
text and the sentences it must give. The rows are the forms English versions of police
releases take: titles, abbreviations, numbers, quotations, ellipses."""

from __future__ import annotations

import pytest

from pipeline.english import split_english_sentences, stem

GOLDEN: list[tuple[str, list[str]]] = [
    # abbreviations and initials end no sentence
    ("Mr. Wang said police acted. Cases fell 3.5 percent.",
     ["Mr. Wang said police acted.", "Cases fell 3.5 percent."]),
    ("Dr. Li of St. Mary's spoke at 9 a.m. The meeting closed.",
     ["Dr. Li of St. Mary's spoke at 9 a.m.", "The meeting closed."]),
    ("No. 3 Middle School held a drill. It ended at 5 p.m. on Monday.",
     ["No. 3 Middle School held a drill.", "It ended at 5 p.m. on Monday."]),
    ("The U.S. and China agreed. Talks went on.", ["The U.S. and China agreed.", "Talks went on."]),
    ("Officers of the U.S. Department of Justice attended.", ["Officers of the U.S. Department of Justice attended."]),
    ("Xinhua reported on Dec. 25. The case closed.", ["Xinhua reported on Dec. 25.", "The case closed."]),
    ("Zhang Y. Ming and Lin J. were named.", ["Zhang Y. Ming and Lin J. were named."]),
    # decimals and figures
    ("He was sentenced to 3.5 years. The court said so.", ["He was sentenced to 3.5 years.", "The court said so."]),
    ("Losses fell 12.7% to 1.6 billion yuan. Police said 94,000 cases were solved.",
     ["Losses fell 12.7% to 1.6 billion yuan.", "Police said 94,000 cases were solved."]),
    # questions, exclamations, brackets
    ("Was it fraud? Police think so! They said so.", ["Was it fraud?", "Police think so!", "They said so."]),
    ("The ministry (MPS) acted. (It said so.) Then more.",
     ["The ministry (MPS) acted.", "(It said so.)", "Then more."]),
    # quotations: a sentence ending inside quotes, then a quoted sentence, are two (issue 30)
    ('It is more than we can tolerate." "An invite was sent to every household.',
     ['It is more than we can tolerate."', '"An invite was sent to every household.']),
    ("“It is more than we can tolerate.” “An invite was sent.”",
     ["“It is more than we can tolerate.”", "“An invite was sent.”"]),
    ("They said 'enough.' 'We agree,' others said.", ["They said 'enough.'", "'We agree,' others said."]),
    ('Operation "Cloud Sword." "Thousands" were caught.', ['Operation "Cloud Sword."', '"Thousands" were caught.']),
    ('He said: "Stop." Then he left.', ['He said: "Stop."', "Then he left."]),
    ("“Good,” he said. Police acted.", ["“Good,” he said.", "Police acted."]),
    ('"Stop." he said.', ['"Stop." he said.']),
    ("The spokesman said the figure was “1.6 billion yuan.” He took questions.",
     ["The spokesman said the figure was “1.6 billion yuan.”", "He took questions."]),
    # ellipses: before a capital they end a sentence, "..." (pySBD's rule) and "…" alike
    ("Police arrested 1,200 suspects... Others fled.", ["Police arrested 1,200 suspects...", "Others fled."]),
    ("Police arrested 1,200 suspects… Others fled.", ["Police arrested 1,200 suspects…", "Others fled."]),
    ("Fraud, theft… and worse.", ["Fraud, theft… and worse."]),
    # lines: a title never joins the sentence after it; blank lines give nothing
    ("Police Notice\nThe campaign ends today.\n\n", ["Police Notice", "The campaign ends today."]),
    ("", []),
]


@pytest.mark.parametrize(("text", "sentences"), GOLDEN, ids=[t[:40] for t, _ in GOLDEN])
def test_golden(text: str, sentences: list[str]) -> None:
    assert split_english_sentences(text) == sentences


def test_markdown_marks_are_not_sentences() -> None:
    assert split_english_sentences("# Title\n- One item.\n> A quote. Two.", markdown=True) == [
        "Title", "One item.", "A quote.", "Two."]


STEMS = [  # word forms that must meet, and words that must stay apart
    (["bureaus", "bureau", "Bureau"], True),  # Porter2 keeps this s; police releases are full of it
    (["NGOs", "NGO"], True),
    (["policies", "policy"], True),
    (["fugitives", "fugitive"], True),
    (["cases", "case"], True),
    (["boxes", "box"], True),
    (["arrests", "arrested", "arresting", "arrest"], True),
    (["minister", "ministries"], False),
    (["fraud", "fraudster"], False),
]


@pytest.mark.parametrize(("words", "meet"), STEMS, ids=["/".join(w) for w, _ in STEMS])
def test_stems(words: list[str], meet: bool) -> None:
    assert (len({stem(w) for w in words}) == 1) is meet
