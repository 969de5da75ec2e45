"""Style as statistics of feature maps: Gram matrices, mean/std, and MMD (introduced in notebook 01).

Let F ∈ R^{N×C} be a layer's activations at N = H·W positions (one row per position). The normalised
Gram matrix is

    G = Fᵀ F / N,        G_cd = (1/N) Σ_n F_nc F_nd,

the average over positions of the outer product f fᵀ: which channels fire *together*, wherever that
happens. Dividing by N (not by nothing, as in the paper's unnormalised G, nor by C·N) makes G a spatial
*average*: it does not grow with the image, so a 512 px painting's Gram can be the target for a 256 px
output, and the style loss needs no size-dependent factor like Gatys et al.'s 1/(4 N² C²).

Li et al. (2017, "Demystifying Neural Style Transfer") observed that matching Grams *is* matching
distributions: with the kernel k(a, b) = (aᵀb)², the biased squared maximum mean discrepancy between the
feature vectors {x_n} of one image and {y_m} of another is

    MMD²_k = mean_{n,n'} k(x_n, x_n') + mean_{m,m'} k(y_m, y_m') − 2 mean_{n,m} k(x_n, y_m)
           = ‖ Gx − Gy ‖²_F                (with our normalisation, exactly).

The linear kernel k(a, b) = aᵀb gives ‖μx − μy‖², matching means only; AdaIN's view (Huang & Belongie
2017) matches per-channel means and standard deviations; a Gaussian kernel matches every moment.
"""
from __future__ import annotations

from .config import import_tensorflow

tf = import_tensorflow()


def gram_matrix(features):
    """Normalised Gram matrices Fᵀ F / (H·W) of a batch of feature maps (notebook 01).

    features: (B, H, W, C) → (B, C, C); each image of the batch gets its own Gram matrix.
    """
    features = tf.convert_to_tensor(features, tf.float32)
    if features.shape.rank != 4:
        raise ValueError(f"gram_matrix: expected feature maps (B, H, W, C), got shape {features.shape}")
    shape = tf.shape(features)
    positions = tf.cast(shape[1] * shape[2], tf.float32)
    flat = tf.reshape(features, (shape[0], -1, shape[3]))  # (B, H*W, C)
    return tf.linalg.matmul(flat, flat, transpose_a=True) / positions  # (B, C, C)


def mean_std(features, epsilon: float = 1e-5):
    """Per-channel spatial mean and standard deviation, each (B, C): the AdaIN view of style (notebook 01)."""
    features = tf.convert_to_tensor(features, tf.float32)
    mean, variance = tf.nn.moments(features, axes=[1, 2])  # (B, C), (B, C)
    return mean, tf.sqrt(variance + epsilon)


def as_vectors(features):
    """Feature map(s) → one row per position: (H, W, C) or (1, H, W, C) → (H·W, C) (notebook 01)."""
    features = tf.convert_to_tensor(features, tf.float32)
    if features.shape.rank == 4:
        if features.shape[0] != 1:
            raise ValueError(f"as_vectors: pass one image's feature map, got a batch of {features.shape[0]}")
        features = features[0]  # (1, H, W, C) -> (H, W, C)
    return tf.reshape(features, (-1, features.shape[-1]))  # (H*W, C)


def kernel_matrix(x, y, kernel: str = "poly2", sigma: float | None = None):
    """k(x_n, y_m) for all pairs: (N, C), (M, C) → (N, M) (notebook 01).

    kernel: "linear" aᵀb · "poly2" (aᵀb)² · "gaussian" exp(−‖a − b‖² / (2σ²)).
    """
    dot = tf.linalg.matmul(x, y, transpose_b=True)  # (N, M)
    if kernel == "linear":
        return dot
    if kernel == "poly2":
        return dot ** 2
    if kernel == "gaussian":
        if sigma is None:
            raise ValueError("kernel_matrix: the gaussian kernel needs a bandwidth sigma")
        sq = tf.reduce_sum(x * x, 1)[:, None] + tf.reduce_sum(y * y, 1)[None, :] - 2.0 * dot  # (N, M)
        return tf.exp(-tf.maximum(sq, 0.0) / (2.0 * sigma ** 2))
    raise ValueError(f"kernel={kernel!r}: use 'linear', 'poly2' or 'gaussian'")


def mmd2(x, y, kernel: str = "poly2", sigma: float | None = None):
    """Biased MMD² between two sets of feature vectors, (N, C) and (M, C) (notebook 01).

    Feature maps (1, H, W, C) are accepted and flattened. With kernel="poly2" this equals
    ‖gram_matrix(x) − gram_matrix(y)‖²_F; with "linear", ‖mean(x) − mean(y)‖².
    For "gaussian" without sigma, the median pairwise distance of the pooled vectors is used.
    """
    x = as_vectors(x) if tf.convert_to_tensor(x).shape.rank != 2 else tf.convert_to_tensor(x, tf.float32)
    y = as_vectors(y) if tf.convert_to_tensor(y).shape.rank != 2 else tf.convert_to_tensor(y, tf.float32)
    if kernel == "gaussian" and sigma is None:
        sigma = median_distance(tf.concat([x, y], axis=0))
    kxx = tf.reduce_mean(kernel_matrix(x, x, kernel, sigma))
    kyy = tf.reduce_mean(kernel_matrix(y, y, kernel, sigma))
    kxy = tf.reduce_mean(kernel_matrix(x, y, kernel, sigma))
    return kxx + kyy - 2.0 * kxy


def median_distance(vectors, max_points: int = 1024) -> float:
    """Median pairwise Euclidean distance (the usual bandwidth heuristic), on at most max_points rows."""
    vectors = vectors[:max_points]
    sq = tf.reduce_sum(vectors * vectors, 1)
    dist2 = sq[:, None] + sq[None, :] - 2.0 * tf.linalg.matmul(vectors, vectors, transpose_b=True)  # (N, N)
    upper = tf.boolean_mask(dist2, tf.linalg.band_part(tf.ones_like(dist2), 0, -1) - tf.linalg.band_part(
        tf.ones_like(dist2), 0, 0) > 0)
    values = tf.sort(tf.sqrt(tf.maximum(upper, 0.0)))
    return float(values[tf.size(values) // 2])


def gram_mse(gram_a, gram_b) -> float:
    """D = mean_{c,d} (A_cd − B_cd)² of two Gram matrices (or batches of them), as one float (notebook 06).

    The per-layer style distance that the style loss sums (notebook 02), that balanced layer weights divide by
    (:func:`ganstyle_edu.styleconfig.balanced_layer_weights`) and that the share of the way compares
    (:func:`ganstyle_edu.metrics.style_share_of_the_way`).
    """
    return float(tf.reduce_mean((tf.convert_to_tensor(gram_a) - tf.convert_to_tensor(gram_b)) ** 2))


def gram_distance(features_a, features_b):
    """‖G(a) − G(b)‖²_F per image of the batch, (B,) — equal to MMD² with k = (aᵀb)² (notebook 01)."""
    diff = gram_matrix(features_a) - gram_matrix(features_b)  # (B, C, C)
    return tf.reduce_sum(diff ** 2, axis=[1, 2])
