"""remote-help: a friend lets a helper into their Linux computer, safely, over the phone."""

__version__ = "0.1.0"
