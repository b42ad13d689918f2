"""gan-lightning: every major GAN family, trained, compared and evaluated with one command."""

from gan_lightning import resolvers  # noqa: F401  (the configs' resolvers, before any config is read)

__version__ = "0.1.0"
