"""Interactive controls for the notebooks, on ipywidgets 7.7 (Colab) and 8 (introduced in notebook 01).

Each explorer is a small class: ``explorer.widget`` is what a notebook displays; the computation sits
in plain methods (``compute``, ``run``) that return a dict and keep it in ``explorer.state``, so tests
drive an explorer without a browser by setting its controls' ``value`` or calling ``click()``.
Only widget features common to ipywidgets 7.7 and 8 are used (no ``tooltip`` /
``description_tooltip``, no ``Stack``, no ``TagsInput``).
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import clear_output, display

from . import nst, viz
from .features import STYLE_LAYERS, paper_name
from .gram import gram_matrix


def _show(output: widgets.Output, fig) -> None:
    with output:
        clear_output(wait=True)
        display(fig)
    plt.close(fig)


def top_channels_gram(features, num_channels: int = 32) -> tuple[np.ndarray, list[int]]:
    """The Gram block of the ``num_channels`` most active channels, (n, n), and their indices (notebook 01)."""
    gram = gram_matrix(features).numpy()[0]  # (C, C)
    channels = list(np.argsort(np.diag(gram))[::-1][:num_channels])
    return gram[np.ix_(channels, channels)], [int(c) for c in channels]


class GramExplorer:
    """Painting × layer → the Gram matrix as a heat map, beside the texture synthesised from it (notebook 01).

    styles: {name: image}; extractor: a FeatureExtractor over (at least) ``layers``;
    textures: {(name, layer): image} precomputed by the notebook (textures from the layers up to ``layer``);
    synthesize: (style image, layer) -> texture image, run by the button for pairs not in ``textures``.
    """

    def __init__(self, styles: dict, extractor, textures: dict | None = None,
                 synthesize: Callable | None = None, layers=STYLE_LAYERS, num_channels: int = 32):
        self.styles, self.extractor, self.num_channels = styles, extractor, num_channels
        self.textures = dict(textures or {})
        self.synthesize_fn = synthesize
        self.style = widgets.Dropdown(options=list(styles), description="painting")
        self.layer = widgets.Dropdown(options=[(paper_name(layer), layer) for layer in layers], description="layer")
        self.button = widgets.Button(description="synthesise texture", disabled=synthesize is None)
        self.output = widgets.Output()
        self.state: dict = {}
        self.style.observe(self.update, names="value")
        self.layer.observe(self.update, names="value")
        self.button.on_click(self.synthesize)
        self.widget = widgets.VBox([widgets.HBox([self.style, self.layer, self.button]), self.output])
        self.update()

    def compute(self, name: str, layer: str) -> dict:
        features = self.extractor(self.styles[name])[layer]
        block, channels = top_channels_gram(features, self.num_channels)
        return {"name": name, "layer": layer, "gram": block, "channels": channels,
                "texture": self.textures.get((name, layer))}

    def update(self, *_):
        self.state = self.compute(self.style.value, self.layer.value)
        _show(self.output, self.figure())
        return self.state

    def synthesize(self, *_):
        name, layer = self.style.value, self.layer.value
        self.textures[(name, layer)] = self.synthesize_fn(self.styles[name], layer)
        return self.update()

    def figure(self):
        state = self.state
        fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
        axes[0].imshow(np.clip(self.styles[state["name"]], 0, 1))
        axes[0].set_title(state["name"])
        image = axes[1].imshow(state["gram"], cmap="viridis")
        axes[1].set_title(f"Gram of {paper_name(state['layer'])}: top {len(state['channels'])} channels", fontsize=9)
        fig.colorbar(image, ax=axes[1], fraction=0.046)
        if state["texture"] is not None:
            axes[2].imshow(np.clip(state["texture"], 0, 1))
            axes[2].set_title(f"texture from layers up to {paper_name(state['layer'])}", fontsize=9)
        else:
            axes[2].text(0.5, 0.5, "no texture yet:\nclick 'synthesise texture'", ha="center", va="center")
        for ax in (axes[0], axes[2]):
            ax.axis("off")
        fig.tight_layout()
        return fig


class WeightsExplorer:
    """Style, content and total-variation weights on log sliders; Run stylises and shows the result (notebook 02).

    base: the NSTConfig to vary (keep it small: a few dozen steps at 128 px run in seconds);
    run: the function called as run(content, style, config) — ``nst.stylize`` by default.
    """

    def __init__(self, content, style, base: nst.NSTConfig, run: Callable = nst.stylize):
        self.content, self.style_image, self.base, self.run_fn = content, style, base, run

        def slider(description, value):
            return widgets.FloatLogSlider(value=value, base=10, min=np.log10(value) - 3, max=np.log10(value) + 3,
                                          step=0.25, description=description, readout_format=".1e")

        self.style_weight = slider("style", base.style_weight)
        self.content_weight = slider("content", base.content_weight)
        self.tv_weight = slider("TV", base.tv_weight)
        self.button = widgets.Button(description="run")
        self.output = widgets.Output()
        self.state: dict = {}
        self.button.on_click(self.run)
        self.widget = widgets.VBox([widgets.HBox([self.style_weight, self.content_weight]),
                                    widgets.HBox([self.tv_weight, self.button]), self.output])

    def config(self) -> nst.NSTConfig:
        return dataclasses.replace(self.base, style_weight=float(self.style_weight.value),
                                   content_weight=float(self.content_weight.value), tv_weight=float(self.tv_weight.value))

    def run(self, *_):
        config = self.config()
        result = self.run_fn(self.content, self.style_image, config)
        self.state = {"config": config, "image": result.image, "losses": result.losses}
        losses = ", ".join(f"{key} {value:.3g}" for key, value in result.losses.items())
        fig = viz.show_images([self.content, result.image, self.style_image],
                              ["content", f"style {config.style_weight:.1e} · content {config.content_weight:.1e}"
                                          f" · TV {config.tv_weight:.1e}", "style"], size=3.2)
        fig.text(0.5, 0.01, losses, ha="center", fontsize=9)
        _show(self.output, fig)
        return self.state
