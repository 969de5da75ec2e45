"""Interactive controls for the notebooks, on ipywidgets 7.7 (Colab) and 8 (introduced in notebook 01).

Each explorer is a small class: ``explorer.widget`` is what a notebook displays; the computation sits
in plain methods (``compute``, ``run``) that return a dict and keep it in ``explorer.state``, so tests
drive an explorer without a browser by setting its controls' ``value`` or calling ``click()``.
Only widget features common to ipywidgets 7.7 and 8 are used (no ``tooltip`` /
``description_tooltip``, no ``Stack``, no ``TagsInput``).
"""
from __future__ import annotations

import dataclasses
import functools
import time
from typing import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import clear_output, display

from . import nst, viz
from .features import STYLE_LAYERS, paper_name
from .gram import gram_matrix
from .images import to_unit


def _show(output: widgets.Output, fig) -> None:
    with output:
        clear_output(wait=True)
        display(fig)
    plt.close(fig)


def _reports_errors(handler: Callable) -> Callable:
    """Wrap an explorer's update/run handler so that no failure vanishes (notebook 01).

    Any exception (a ``ValueError`` or ``ImageError`` from a value it cannot use, a ``FloatingPointError`` from
    a NaN loss, TensorFlow's errors, ...) becomes a message, its type and text, inside the explorer's output,
    not a traceback under the cell or in JupyterLab's log console (where a button's errors go);
    ``explorer.state`` is then ``{"error": "Type: message"}``. KeyboardInterrupt and SystemExit pass through.
    """
    @functools.wraps(handler)
    def guarded(self, *args):
        try:
            return handler(self, *args)
        except Exception as error:  # noqa: BLE001  (shown to the learner, never dropped)
            return _show_error(self, error)

    return guarded


def _show_error(explorer, error: Exception) -> dict:
    """Put ``error``'s type and message in ``explorer.output`` and ``explorer.state``; returns the state."""
    message = f"{type(error).__name__}: {error}"
    explorer.state = {"error": message}
    explorer.output.clear_output()
    explorer.output.append_stdout(f"⚠ {message}\n")
    return explorer.state


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
        from . import dissect

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
        from .latent import edit

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
        from .saliency import logit_score

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
        from . import stylegen

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


class BlindComparison:
    """A blind A/B test: pairs of results in random left/right order; pick the better one, then see which was
    which and how often your picks agreed with each metric (notebook 09).

    pairs: [(label_a, image_a, label_b, image_b), ...]; scores: {metric: [(score_a, score_b), ...]} (one
    tuple per pair); lower_is_better: {metric: bool} (default True: a distance). ``choose("left")`` /
    ``choose("right")`` (what the buttons call) records a pick, reveals the pair and moves on.
    """

    def __init__(self, pairs, scores: dict | None = None, lower_is_better: dict | None = None, seed: int = 0):
        if not pairs:
            raise ValueError("BlindComparison: give at least one pair (label_a, image_a, label_b, image_b)")
        scores = dict(scores or {})
        for metric, values in scores.items():
            if len(values) != len(pairs):
                raise ValueError(f"BlindComparison: scores[{metric!r}] has {len(values)} entries for {len(pairs)} pairs")
        self.pairs, self.scores = list(pairs), scores
        self.lower_is_better = {metric: True for metric in scores} | dict(lower_is_better or {})
        self.swapped = list(np.random.default_rng(seed).random(len(self.pairs)) < 0.5)  # True: b is shown left
        self.picks: list[str] = []  # the label picked for each pair so far
        self.left = widgets.Button(description="left is better")
        self.right = widgets.Button(description="right is better")
        self.left.on_click(lambda *_: self.choose("left"))
        self.right.on_click(lambda *_: self.choose("right"))
        self.output = widgets.Output()
        self.message = widgets.HTML()
        self.state: dict = {}
        self.widget = widgets.VBox([widgets.HBox([self.left, self.right]), self.message, self.output])
        self.update()

    def _shown(self, index: int) -> list[tuple[str, np.ndarray]]:
        label_a, image_a, label_b, image_b = self.pairs[index]
        sides = [(label_a, image_a), (label_b, image_b)]
        return sides[::-1] if self.swapped[index] else sides

    def agreement(self) -> dict:
        """{metric: share of picks that chose the pair member the metric prefers} over the pairs judged."""
        shares = {}
        for metric, values in self.scores.items():
            agree = []
            for index, picked in enumerate(self.picks):
                score_a, score_b = values[index]
                if score_a == score_b:
                    continue  # the metric has no preference
                better_is_a = (score_a < score_b) == self.lower_is_better[metric]
                agree.append(picked == self.pairs[index][0 if better_is_a else 2])
            shares[metric] = float(np.mean(agree)) if agree else float("nan")
        return shares

    def choose(self, side: str) -> dict:
        if side not in ("left", "right"):
            raise ValueError(f"choose: side={side!r}; use 'left' or 'right'")
        index = len(self.picks)
        if index >= len(self.pairs):
            return self.state
        shown = self._shown(index)
        picked = shown[0 if side == "left" else 1][0]
        self.picks.append(picked)
        other = shown[1 if side == "left" else 0][0]
        self.message.value = f"pair {index + 1}: you picked <b>{picked}</b> over {other}"
        return self.update()

    @_reports_errors
    def update(self, *_):
        index = len(self.picks)
        done = index >= len(self.pairs)
        self.left.disabled = self.right.disabled = done
        self.state = {"pair": index, "picks": list(self.picks), "agreement": self.agreement(), "done": done}
        if done:
            rows = ", ".join(f"{metric}: {share:.0%}" for metric, share in self.state["agreement"].items())
            self.output.clear_output()
            self.output.append_stdout(f"all {len(self.pairs)} pairs judged; your picks agreed with " +
                                      (rows or "no metric given") + "\n")
            return self.state
        shown = self._shown(index)
        self.state["shown"] = [label for label, _ in shown]  # for tests; the figure hides the labels
        _show(self.output, viz.show_images([image for _, image in shown], ["left", "right"], size=3.2))
        return self.state


def uploaded_files(value) -> list[tuple[str, bytes]]:
    """(file name, bytes) of each file in a ``FileUpload``'s value, in either format (notebook 10):
    ipywidgets 8 gives a tuple of dicts {"name", "type", "size", "content": memoryview, ...}; 7.7 gives a
    dict {file name: {"metadata": {...}, "content": bytes}}."""
    if not value:
        return []
    if isinstance(value, dict):  # ipywidgets 7.7
        return [(str(name), bytes(entry["content"])) for name, entry in value.items()]
    return [(str(entry["name"]), bytes(entry["content"])) for entry in value]  # ipywidgets 8


def simulate_upload(control, name: str, content: bytes, mime: str = "image/jpeg") -> None:
    """Put a file into a ``FileUpload`` as the browser would, on ipywidgets 8 or 7.7 — for tests and for a
    committed notebook run, where nobody clicks (notebook 10)."""
    if int(widgets.__version__.split(".")[0]) >= 8:
        import datetime

        control.value = ({"name": name, "type": mime, "size": len(content), "content": memoryview(content),
                          "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    else:  # 7.7: the front end sends metadata and data, then bumps a counter that rebuilds value
        control.metadata = [{"name": name, "type": mime, "size": len(content), "lastModified": 0}]
        control.data = [bytes(content)]
        control._counter += 1


def _png(image: np.ndarray) -> bytes:
    from io import BytesIO

    from PIL import Image

    stream = BytesIO()
    Image.fromarray(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)).save(stream, format="PNG")
    return stream.getvalue()


class Playground:
    """Your photo and your painting, stylised with knobs (notebook 10).

    Photo: a bundled photo or an upload. Painting: a shipped style (the feed-forward network; optionally
    blended with a second one), a bundled painting or an upload (Gatys). Gatys shows a preview every
    ``preview_every`` iterations, with its style and content weights on sliders; **stop** ends it at the next
    preview. **save** writes the result
    atomically into ``outputs/`` and shows the path. ``run()`` (what tests and the committed notebook call)
    runs in the cell; the **stylise** button runs it in a background thread so that **stop** can be clicked.
    A bad upload gives its ImageError message in the widget.
    """

    UPLOAD = "(my upload)"

    def __init__(self, photos: dict, paintings: dict, shipped: list, output_dir="outputs", max_side: int = 256,
                 preview_every: int = 10):
        from . import images, stylegen, stylenet

        self._images, self._stylegen, self._stylenet = images, stylegen, stylenet
        self.photos, self.paintings, self.shipped = dict(photos), dict(paintings), list(shipped)
        self.output_dir, self.preview_every = output_dir, preview_every
        self.photo = widgets.Dropdown(options=list(self.photos) + [self.UPLOAD], description="photo")
        self.photo_upload = widgets.FileUpload(accept="image/*", multiple=False, description="upload photo")
        self.painting = widgets.Dropdown(options=list(self.paintings) + [self.UPLOAD], description="painting")
        self.painting_upload = widgets.FileUpload(accept="image/*", multiple=False, description="upload painting")
        self.blend = widgets.Dropdown(options=["(none)"] + self.shipped, description="blend with")
        self.share = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="share")
        self.method = widgets.ToggleButtons(options=["network", "Gatys"], description="method")
        self.size = widgets.IntSlider(value=max_side, min=64, max=1024, step=32, description="long side")
        self.iterations = widgets.IntSlider(value=60, min=5, max=500, step=5, description="iterations")
        self.style_weight = widgets.FloatLogSlider(value=100.0, base=10, min=0, max=4, step=0.25,
                                                   description="style weight", readout_format=".0e")
        self.content_weight = widgets.FloatLogSlider(value=1e4, base=10, min=2, max=6, step=0.25,
                                                     description="content weight", readout_format=".0e")
        self.preserve_color = widgets.Checkbox(value=False, description="keep the photo's colours")
        self.run_button = widgets.Button(description="stylise")
        self.stop_button = widgets.Button(description="stop")
        self.save_button = widgets.Button(description="save")
        self.before, self.after = widgets.Image(format="png"), widgets.Image(format="png")
        for picture in (self.before, self.after):
            picture.layout.max_width = "48%"
        self.message = widgets.HTML()
        self.output = widgets.Output()  # error messages
        self.state: dict = {}
        self._stop = False
        self._thread = None
        self.run_button.on_click(lambda *_: self.start())
        self.stop_button.on_click(lambda *_: self.stop())
        self.save_button.on_click(lambda *_: self.save())
        self.photo.observe(self.show_photo, names="value")
        # an upload selects itself: the dropdown moves to "(my upload)" (which shows it)
        self.photo_upload.observe(lambda *_: self._select_upload(self.photo), names="value")
        self.painting_upload.observe(lambda *_: self._select_upload(self.painting), names="value")
        self.widget = widgets.VBox([
            widgets.HBox([self.photo, self.photo_upload]), widgets.HBox([self.painting, self.painting_upload]),
            widgets.HBox([self.method, self.blend, self.share]),
            widgets.HBox([self.size, self.iterations, self.preserve_color]),
            widgets.HBox([self.style_weight, self.content_weight]),
            widgets.HBox([self.run_button, self.stop_button, self.save_button]), self.message, self.output,
            widgets.HBox([self.before, self.after])])
        self.show_photo()

    def _select_upload(self, dropdown) -> None:
        if dropdown.value != self.UPLOAD:
            dropdown.value = self.UPLOAD  # its observer (show_photo, for the photo) takes it from here
        elif dropdown is self.photo:
            self.show_photo()

    def _upload(self, control, what: str) -> np.ndarray:
        files = uploaded_files(control.value)
        if not files:
            raise ValueError(f"no {what} uploaded yet: use the 'upload {what}' button, or pick a bundled one")
        name, content = files[0]
        return self._images.decode_image(content, f"{name} (uploaded {what})", max_side=int(self.size.value))

    def current_photo(self) -> np.ndarray:
        if self.photo.value == self.UPLOAD:
            return self._upload(self.photo_upload, "photo")
        return self._images.resize(self.photos[self.photo.value], max_side=int(self.size.value))

    def current_painting(self):
        """(name, image or None): None for a shipped style, which the network paints."""
        if self.painting.value == self.UPLOAD:
            return "upload", self._upload(self.painting_upload, "painting")
        return self.painting.value, self.paintings[self.painting.value]

    def _say(self, text: str) -> None:
        self.message.value = text

    @_reports_errors
    def show_photo(self, *_):
        if self.photo.value == self.UPLOAD and not uploaded_files(self.photo_upload.value):
            self._say("upload a photo with the button beside the list")
            return {}
        self.before.value = _png(self.current_photo())
        self._say("")
        return {}

    @_reports_errors
    def run(self, *_):
        self._stop = False
        self.output.clear_output()
        photo = self.current_photo()
        name, painting = self.current_painting()
        method = self.method.value
        if method == "network" and name not in self.shipped:
            raise ValueError(f"no shipped network paints {name!r}; choose method 'Gatys' (any painting) or one of "
                             f"{', '.join(self.shipped)}")
        self.before.value = _png(photo)
        start = time.perf_counter()
        if method == "network":
            blend = self.blend.value
            style = name if blend in ("(none)", name) else f"{name}+{blend}"
            generator, _ = self._stylenet.pretrained(style, mix=None if "+" not in style else float(self.share.value))
            image = self._stylegen.stylize_with(generator, photo)
            if self.preserve_color.value:
                image = nst.keep_colors(image, photo)
            label = style
        else:
            config = nst.NSTConfig(size=max(photo.shape[:2]), style_size=max(photo.shape[:2]),
                                   num_steps=int(self.iterations.value), style_weight=float(self.style_weight.value),
                                   content_weight=float(self.content_weight.value),
                                   preserve_color=bool(self.preserve_color.value))

            def preview(step, current, losses):
                self.after.value = _png(current)
                self._say(f"Gatys: iteration {step} of {config.num_steps}, loss {losses['total']:.3g}")
                return self._stop

            image = nst.stylize(photo, painting, config, callback=preview, callback_every=self.preview_every).image
            label = name
        seconds = time.perf_counter() - start
        self.after.value = _png(image)
        stopped = " (stopped)" if self._stop else ""
        self.state = {"image": np.clip(image, 0, 1), "photo": photo, "style": label, "method": method,
                      "seconds": seconds, "stopped": self._stop}
        self._say(f"{label} by {method} in {seconds:.1f} s{stopped}; press save to keep it")
        return self.state

    def start(self):
        """The button: run in a background thread, so that stop can be clicked while Gatys works."""
        import threading

        if self._thread is not None and self._thread.is_alive():
            self._say("already running: press stop first")
            return
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop = True

    @_reports_errors
    def save(self, *_):
        from pathlib import Path

        if "image" not in self.state:
            raise ValueError("nothing to save yet: press stylise first")
        photo = self.photo.value if self.photo.value != self.UPLOAD else "upload"
        stem = f"{photo}_{self.state['style']}_{self.state['method']}"
        safe = "".join(ch if ch.isalnum() or ch in "-_+" else "_" for ch in stem)
        path = self._images.save_image(Path(self.output_dir) / f"{safe}.jpg", self.state["image"])
        self.state["saved"] = path
        self._say(f"saved <code>{path}</code>")
        return self.state


class TypographyExplorer:
    """A word in a painting's style: type it, pick the painting and the letters' weight λ, press paint; the
    result comes with its legibility (notebook 10).

    paintings: {name: (H, W, 3)}; base: the NSTConfig of the Gatys run (its size is ignored: the word sets it);
    height: the word's height in pixels.
    """

    def __init__(self, paintings: dict, base: nst.NSTConfig, height: int = 96, text: str = "GAN"):
        from . import typography

        self.typography, self.paintings, self.base, self.height = typography, dict(paintings), base, height
        self.text = widgets.Text(value=text, description="word")
        self.painting = widgets.Dropdown(options=list(self.paintings), description="painting")
        self.letter_weight = widgets.FloatLogSlider(value=10.0, base=10, min=0, max=2, step=0.25,
                                                    description="λ letters", readout_format=".1f")
        self.button = widgets.Button(description="paint")
        self.output = widgets.Output()
        self.state: dict = {}
        self.button.on_click(self.run)
        self.widget = widgets.VBox([widgets.HBox([self.text, self.painting]),
                                    widgets.HBox([self.letter_weight, self.button]), self.output])

    @_reports_errors
    def run(self, *_):
        typography = self.typography
        mask = typography.glyph_mask(self.text.value, height=self.height)  # (H, W)
        content = typography.text_image(mask)
        config = dataclasses.replace(self.base, size=max(mask.shape))
        weight = float(self.letter_weight.value)
        result = nst.stylize(content, self.paintings[self.painting.value], config,
                             content_mask=typography.content_weights(mask, weight))
        score = typography.legibility(result.image, mask)
        self.state = {"text": self.text.value, "painting": self.painting.value, "letter_weight": weight,
                      "image": result.image, "legibility": score}
        fig = viz.show_images([content, result.image], ["the word", f"{self.painting.value}, λ = {weight:.3g}: "
                                                                     f"legibility {score:.2f}"], size=4.0)
        _show(self.output, fig)
        return self.state
