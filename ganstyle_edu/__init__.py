"""ganstyle-edu: a notebook course on GAN-based image style transfer and how to look inside it.

Modules, one per concept (each docstring names the notebook that introduces it): config (run modes,
set-up), images (loading/saving), data (bundled samples), features (pretrained VGG features, offline),
gram (Gram matrices, mean/std, MMD), losses (content, style, TV), metrics (style distance, SWD, KID,
content preservation), nst (optimisation-based style transfer), toy2d (GANs in two dimensions, mode
collapse), models (the DCGAN, the style generator, the PatchGAN), gan (GAN training, its callbacks and
checkpoints), latent (walking the latent space), stylenet (feed-forward style networks), dissect (what a
generator's units answer to and cause), viz (figures), widgets (interactive explorers), cli (the
``ganstyle-edu`` command).

Importing the package does not import TensorFlow; the modules that need it do, quietly.
"""
__version__ = "0.1.0"


def pretrained(name: str):
    """A style generator that ships with the course, and its provenance record (notebook 06).

    ``generator, record = ganstyle_edu.pretrained("starry_night")``; see ``stylenet.shipped_styles()``.
    An unknown name raises ValueError listing the shipped ones. (Imports TensorFlow on first call.)
    """
    from .stylenet import pretrained as load

    return load(name)
