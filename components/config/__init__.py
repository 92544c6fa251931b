"""Config layer: strict models; the only place raw stack config is read."""

from .errors import ConfigError
from .load import faces_lab_world, is_lab, load, validate
from .stack import StackConfig

__all__ = ["ConfigError", "StackConfig", "faces_lab_world", "is_lab", "load", "validate"]
