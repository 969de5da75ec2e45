"""Interactive controls for the notebooks, on ipywidgets 7.7 (Colab) and 8 (introduced in notebook 01).

Each explorer is a small class: ``explorer.widget`` is what a notebook displays; the computation sits
in plain methods (``compute``, ``run``) that return a dict and keep it in ``explorer.state``, so tests
drive an explorer without a browser by setting its controls' ``value`` or calling ``click()``.
Only widget features common to ipywidgets 7.7 and 8 are used (no ``tooltip`` /
``description_tooltip``, no ``Stack``, no ``TagsInput``). Any failure inside a handler is shown in the widget
(``common``). The explorers of notebooks 01–08 live in ``explorers``; the blind comparison, the playground and
the typography explorer of 09–10 in ``playground``; notebooks use them all as ``widgets.NAME``.
"""
from .explorers import (GramExplorer, LatentExplorer, SaliencyExplorer, StyleMixer, UnitExplorer, WeightsExplorer,
                        top_channels_gram)
from .playground import BlindComparison, Playground, TypographyExplorer, simulate_upload, uploaded_files

__all__ = ["BlindComparison", "GramExplorer", "LatentExplorer", "Playground", "SaliencyExplorer", "StyleMixer",
           "TypographyExplorer", "UnitExplorer", "WeightsExplorer", "simulate_upload", "top_channels_gram",
           "uploaded_files"]
