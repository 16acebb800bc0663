"""accelscope: application-driven design-space exploration of DNN accelerators."""

from accelscope.errors import AccelscopeError
from accelscope.workload import Network, from_yaml, load_model

__version__ = "0.1.0"

__all__ = ["AccelscopeError", "Network", "from_yaml", "load_model", "__version__"]
