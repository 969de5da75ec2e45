"""ganstyle-edu: a notebook course on GAN-based image style transfer and how to look inside it.

Modules, one per concept (each docstring names the notebook that introduces it): config (run modes,
set-up), distribute (data parallelism: training on several devices or machines), images (loading/saving), data (bundled samples), features (pretrained VGG features, offline),
gram (Gram matrices, mean/std, MMD), losses (content, style, TV; the adversarial GAN losses), metrics
(style distance, SWD, KID, content preservation, sample diversity), artefacts (a style network's border band
and streaks as numbers), nst (optimisation-based style
transfer), gan_theory (the GAN game on 1-D densities), toy2d (GANs in two dimensions, mode collapse),
models (the DCGAN, the spatial generator, the PatchGAN), stylemodel (the feed-forward style network: its
layers and builder), gan (GAN training), callbacks (watching it train: curves, samples, health, checkpoints),
checkpoints (atomic, resumable checkpoints and optimizer state, for the GAN and stylenet), provenance (what
produced a set of weights: a run's segments, machine, checksums, the record's JSON), latent (walking
the latent space), augment (DiffAugment), stylegen (binding, blending and running style networks),
styleconfig (a style-network run's configuration, training crops and layer weights), stylenet (training them;
saving, loading), paintgan (the painting-patch GAN recipe), shipped (the registry of shipped weights),
dissect (what a generator's units answer to and cause), saliency and featureviz (what a discriminator looks
at), evaluation (testing the claims), typography (font style transfer), exercises (checked exercises),
viz (figures), widgets (interactive explorers), cli (the ``ganstyle-edu`` command).

Vocabulary: each main verb and noun means one thing across the modules.
*Stylising.* ``nst.stylize(content, style, config)`` optimises the pixels of one image (Gatys et al.) and returns
an ``NSTResult``; ``stylegen.stylize_with(generator, photo, mix)`` runs a trained style network on one photo;
``StyleNetTrainer.stylize(photo, style)`` is the trainer's shortcut for ``stylize_with`` on its own network.
``.generate(...)`` runs a model's generator (``GAN.generate`` from noise, ``Toy2DGAN.generate``).
*Measuring.* A bare noun returns a number: a float for one ``image`` (``evaluation.texture_energy``,
``evaluation.edge_density``, ``metrics.style_distance``), an (N,) array of one number per image for a batch
``images`` (``latent.brightness``, ``latent.edge_density``). A name ending in ``_map`` returns an image-shaped
array, a value per pixel or per patch, (H, W) or (N, H, W) (``evaluation.spread_map``, ``saliency.realism_map``,
``dissect.local_variance_map``); one ending in ``_mask``, a boolean (H, W) array. One noun, one quantity:
``evaluation.edge_density`` is ``latent.edge_density`` on a single image; ``evaluation.texture_energy`` (the
mean squared Laplacian) and ``dissect.local_variance_map`` are different measures, named apart. The per-pixel
primitives of ``images`` (``luminance``, ``gradient_magnitude``) keep the name of their quantity.
*Value ranges.* ``value_range="unit"`` is [0, 1], the package's convention for images, and ``"signed"`` is
[−1, 1], a DCGAN's tanh range (``images.to_signed`` and ``images.to_unit`` convert); a function that can take
either says which with ``value_range=``.

Importing the package does not import TensorFlow; the modules that need it do, quietly.
"""
__version__ = "0.1.0"


def pretrained(name, mix: float | None = None):
    """The shipped style network bound to one of its styles (or a blend of two), and its provenance record
    (notebook 06).

    ``generator, record = ganstyle_edu.pretrained("starry_night")``;
    ``ganstyle_edu.pretrained("starry_night+the_scream", mix=0.3)``; see ``stylenet.shipped_styles()``.
    An unknown name raises ValueError listing the shipped ones. (Imports TensorFlow on first call.)
    """
    from .stylenet import pretrained as load

    return load(name, mix=mix)
