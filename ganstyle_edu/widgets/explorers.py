"""The explorers of notebooks 01–08: Gram matrices, loss weights, units, the latent space, saliency, style mixing."""
from __future__ import annotations

import dataclasses
from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from .. import nst, viz
from ..features import STYLE_LAYERS, paper_name
from ..gram import gram_matrix
from ..images import to_unit
from .common import _reports_errors, _show


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

    @_reports_errors
    def update(self, *_):
        self.state = self.compute(self.style.value, self.layer.value)
        _show(self.output, self.figure())
        return self.state

    @_reports_errors
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

    @_reports_errors
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


class UnitExplorer:
    """Pick a layer, a concept and a unit → the unit's activation over the output, its IoU with the concept,
    and the output with the unit ablated (set to 0) or inserted (set to its 99th percentile) (notebook 07).

    generator: a style generator; photos: (N, H, W, 3) in [0, 1]; dissections: {layer: dissect.dissect_layer
    result} (layers missing from it are dissected on first use).
    """

    def __init__(self, generator, photos, layers, dissections: dict | None = None):
        from .. import dissect

        self.dissect = dissect
        self.generator, self.photos = generator, np.asarray(photos, np.float32)
        self.dissections = dict(dissections or {})
        self.layer = widgets.Dropdown(options=list(layers), description="layer")
        self.concept = widgets.Dropdown(options=[], description="concept")
        self.unit = widgets.Dropdown(options=[], description="unit")
        self.photo = widgets.Dropdown(options=list(range(len(self.photos))), description="photo")
        self.mode = widgets.ToggleButtons(options=["ablate", "insert"], description="edit")
        self.output = widgets.Output()
        self.state: dict = {}
        self._quiet = False
        self._refresh_options()
        for control in (self.layer, self.concept):
            control.observe(self._options_changed, names="value")
        for control in (self.unit, self.photo, self.mode):
            control.observe(self.update, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.layer, self.concept]),
                                    widgets.HBox([self.unit, self.photo]), self.mode, self.output])
        self.update()

    def _dissection(self, layer: str) -> dict:
        if layer not in self.dissections:
            self.dissections[layer] = self.dissect.dissect_layer(self.generator, self.photos, layer)
        return self.dissections[layer]

    def _refresh_options(self) -> None:
        self._quiet = True
        try:
            found = self._dissection(self.layer.value)
            concepts = list(found["iou"])
            if self.concept.value not in concepts:
                self.concept.options = concepts
                self.concept.value = concepts[0]
            iou = found["iou"][self.concept.value]
            self.unit.options = [(f"{u} (IoU {iou[u]:.2f})", int(u)) for u in np.argsort(-iou)]
            self.unit.value = int(np.argmax(iou))
        finally:
            self._quiet = False  # a failed dissection must not silence the controls for good

    @_reports_errors
    def _options_changed(self, *_):
        if not self._quiet:
            self._refresh_options()
            self.update()

    def compute(self, layer: str, concept: str, unit: int, photo: int, mode: str) -> dict:
        found = self._dissection(layer)
        activations = found["activations"][..., unit]  # (N, h, w)
        value = 0.0 if mode == "ablate" else float(np.quantile(activations, 0.99))
        edited_model = self.dissect.edit_units(self.generator, layer, [unit], value)
        last = edited_model.layers[-1].name
        edited = self.dissect.layer_activations(edited_model, self.photos[photo:photo + 1], last)[last][0]
        return {"layer": layer, "concept": concept, "unit": unit, "photo": photo, "mode": mode, "value": value,
                "iou": float(found["iou"][concept][unit]), "map": activations[photo],
                "mask": found["masks"][concept][photo], "output": found["outputs"][photo], "edited": edited,
                "change": float(np.abs(edited - found["outputs"][photo]).mean())}

    @_reports_errors
    def update(self, *_):
        if self._quiet:
            return self.state
        self.state = self.compute(self.layer.value, self.concept.value, int(self.unit.value), int(self.photo.value),
                                  self.mode.value)
        _show(self.output, self.figure())
        return self.state

    def figure(self):
        state = self.state
        fig, axes = plt.subplots(1, 4, figsize=(12, 3.2))
        axes[0].imshow(np.clip(state["output"], 0, 1))
        axes[0].set_title("output", fontsize=9)
        viz.show_map(state["output"], state["map"], axes[1], cmap="viridis", alpha=0.55,
                     title=f"{state['layer']} unit {state['unit']}; IoU with {state['concept']} {state['iou']:.2f}")
        axes[1].contour(state["mask"].astype(float), levels=[0.5], colors="white", linewidths=0.5)
        axes[2].imshow(np.clip(state["edited"], 0, 1))
        axes[2].set_title(f"{state['mode']}d (unit = {state['value']:.2g})", fontsize=9)
        axes[3].imshow(np.abs(state["edited"] - state["output"]).sum(-1), cmap="magma")
        axes[3].set_title(f"|change|, mean {state['change']:.3f}", fontsize=9)
        for ax in axes:
            ax.axis("off")
        fig.tight_layout()
        return fig


class LatentExplorer:
    """A DCGAN sample and the same sample moved along a latent direction by a strength slider (notebook 07).

    generator: (B, latent_dim) → (B, H, W, 3) in [−1, 1]; directions: {name: (latent_dim,) unit vector};
    attributes: {name: function of (N, H, W, 3) images in [0, 1] → (N,)} shown under each image.
    """

    def __init__(self, generator, directions: dict, attributes: dict | None = None, max_strength: float = 4.0):
        self.generator, self.directions, self.attributes = generator, directions, dict(attributes or {})
        self.latent_dim = int(generator.input_shape[-1])
        self.direction = widgets.Dropdown(options=list(directions), description="direction")
        self.strength = widgets.FloatSlider(value=2.0, min=-max_strength, max=max_strength, step=0.5,
                                            description="strength")
        self.seed = widgets.IntSlider(value=0, min=0, max=99, description="sample")
        self.output = widgets.Output()
        self.state: dict = {}
        for control in (self.direction, self.strength, self.seed):
            control.observe(self.update, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.direction, self.strength]), self.seed, self.output])
        self.update()

    def compute(self, direction: str, strength: float, seed: int) -> dict:
        from ..latent import edit

        z = np.random.default_rng(seed).standard_normal(self.latent_dim).astype(np.float32)
        path = edit(z, self.directions[direction], [0.0, strength])  # (2, D)
        images = to_unit(np.asarray(self.generator(path, training=False)))  # (2, H, W, 3) in [0, 1]
        measured = {name: fn(images) for name, fn in self.attributes.items()}
        return {"direction": direction, "strength": strength, "seed": seed, "images": images, "attributes": measured}

    @_reports_errors
    def update(self, *_):
        self.state = self.compute(self.direction.value, float(self.strength.value), int(self.seed.value))
        titles = []
        for index, label in enumerate(("sample", f"{self.state['direction']} × {self.state['strength']:+.1f}")):
            values = ", ".join(f"{k} {v[index]:.2f}" for k, v in self.state["attributes"].items())
            titles.append(f"{label}\n{values}" if values else label)
        _show(self.output, viz.show_images(list(self.state["images"]), titles, size=2.8))
        return self.state


class SaliencyExplorer:
    """Pick an image and a method → where the discriminator's verdict comes from (notebook 08).

    discriminator: (B, H, W, 3) in [−1, 1] → (B, 1) logits; images: {name: (H, W, 3) in [−1, 1]};
    methods: {name: function(discriminator, batch (1, H, W, 3)) → (1, h, w) map}.
    """

    def __init__(self, discriminator, images: dict, methods: dict):
        self.discriminator, self.images, self.methods = discriminator, images, methods
        self.image = widgets.Dropdown(options=list(images), description="image")
        self.method = widgets.Dropdown(options=list(methods), description="method")
        self.output = widgets.Output()
        self.state: dict = {}
        for control in (self.image, self.method):
            control.observe(self.update, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.image, self.method]), self.output])
        self.update()

    def compute(self, name: str, method: str) -> dict:
        batch = np.asarray(self.images[name], np.float32)[None]  # (1, H, W, 3)
        from ..saliency import logit_score

        logit = float(np.asarray(logit_score(self.discriminator)(batch))[0])  # a patch discriminator: its mean logit
        heat = np.asarray(self.methods[method](self.discriminator, batch))[0]
        return {"name": name, "method": method, "map": heat, "probability": 1.0 / (1.0 + np.exp(-logit))}

    @_reports_errors
    def update(self, *_):
        self.state = self.compute(self.image.value, self.method.value)
        fig, axes = plt.subplots(1, 2, figsize=(6.4, 3.3))
        shown = to_unit(self.images[self.state["name"]])
        axes[0].imshow(np.clip(shown, 0, 1))
        axes[0].set_title(f"{self.state['name']}: D(x) = {self.state['probability']:.2f}", fontsize=9)
        axes[0].axis("off")
        viz.show_map(shown, self.state["map"], axes[1], title=self.state["method"])
        fig.tight_layout()
        _show(self.output, fig)
        return self.state


class StyleMixer:
    """Two styles of one multi-style network and a slider between them: the photo painted in a blend of their
    (γ, β) (notebook 06).

    generator: an unbound multi-style network (``stylenet.load_generator(path)``); styles: its style names, in
    order; photos: {name: (H, W, 3) in [0, 1]}.
    """

    def __init__(self, generator, styles, photos: dict):
        from .. import stylegen

        self.stylegen, self.generator, self.styles, self.photos = stylegen, generator, list(styles), photos
        self.first = widgets.Dropdown(options=self.styles, value=self.styles[0], description="style A")
        self.second = widgets.Dropdown(options=self.styles, value=self.styles[1], description="style B")
        self.mix = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="share of B")
        self.photo = widgets.Dropdown(options=list(photos), description="photo")
        self.output = widgets.Output()
        self.state: dict = {}
        for control in (self.first, self.second, self.mix, self.photo):
            control.observe(self.update, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.first, self.second]), widgets.HBox([self.mix, self.photo]),
                                    self.output])
        self.update()

    def compute(self, first: str, second: str, share: float, photo: str) -> dict:
        image = self.photos[photo]
        paint = lambda mix: self.stylegen.stylize_with(self.generator, image, mix=mix)  # noqa: E731
        weights = self.stylegen.style_mix(self.styles, {first: 1.0 - share, second: share}
                                          if first != second else first)
        return {"first": first, "second": second, "share": share, "photo": photo, "mix": weights,
                "images": [paint(self.stylegen.style_mix(self.styles, first)), paint(weights),
                           paint(self.stylegen.style_mix(self.styles, second))]}

    @_reports_errors
    def update(self, *_):
        self.state = self.compute(self.first.value, self.second.value, float(self.mix.value), self.photo.value)
        s = self.state
        titles = [s["first"], f"{1 - s['share']:.0%} {s['first']} + {s['share']:.0%} {s['second']}", s["second"]]
        _show(self.output, viz.show_images(s["images"], titles, size=3.0))
        return self.state
