"""gan-lightning: every major GAN family, trained, compared and evaluated with one command."""

__version__ = "0.1.0"
