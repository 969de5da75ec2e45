"""The widgets of notebooks 09–10: a blind A/B comparison, the playground (your photo, your painting) and the
typography explorer, with file uploads on ipywidgets 7.7 and 8."""
from __future__ import annotations

import dataclasses
import time

import ipywidgets as widgets
import numpy as np

from .. import nst, viz
from .common import _clear, _reports_errors, _show, _write


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
            _write(self.output, f"all {len(self.pairs)} pairs judged; your picks agreed with " +
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
        from .. import images, stylegen, stylenet

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
        _clear(self.output)
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
        from .. import typography

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
