"""ganstyle-edu: a notebook course on GAN-based image style transfer and how to look inside it.

Modules, one per concept (each docstring names the notebook that introduces it): config (run modes,
set-up), distribute (data parallelism: training on several devices or machines), images (loading/saving), data (bundled samples), features (pretrained VGG features, offline),
gram (Gram matrices, mean/std, MMD), losses (content, style, TV; the adversarial GAN losses), metrics
(style distance, SWD, KID, content preservation, sample diversity), nst (optimisation-based style
transfer), toy2d (GANs in two dimensions, mode collapse), models (the DCGAN, the multi-style generator, the
PatchGAN), gan (GAN training), callbacks (watching it train: curves, samples, health, checkpoints),
checkpoints (atomic, resumable checkpoints and optimizer state, for the GAN and stylenet), latent (walking
the latent space), augment (DiffAugment), stylegen (binding, blending and running style networks), stylenet
(training them; saving, loading), paintgan (the painting-patch GAN recipe), shipped (the registry of shipped
weights), dissect (what a generator's units answer to and cause), saliency and featureviz (what a
discriminator looks at), evaluation (testing the claims), typography (font style transfer), exercises
(checked exercises), viz (figures), widgets (interactive explorers), cli (the ``ganstyle-edu`` command).

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
