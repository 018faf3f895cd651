"""Corpus tools: what zhen does with bilingual text besides translating a release.

    commands.py  the drivers of the corpus commands (they read and write files): facts and
                 glossary checks of outputs, term suggestions, aligning, mining, the memory's
                 human translations, the term base's and the memory's upkeep
    check.py     `zhen check` over files;  evaluate.py  `zhen eval` (sacrebleu, terms, figures)
    align.py     sentence alignment of a release with its English version
    mine.py      term candidates from aligned pairs
    score.py     `zhen segment --score`: segmentation against annotated pages
"""
