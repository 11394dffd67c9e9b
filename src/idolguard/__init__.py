"""IdolGuard: protect artists from deepfakes and non-consensual intimate imagery."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("idolguard")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"

__all__ = ["__version__"]
