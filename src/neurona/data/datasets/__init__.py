"""Built-in datasets, one module per dataset, each with a Keras-style ``load_data()``.

Every dataset here is generated locally or shipped with a package: nothing is downloaded.
"""

from . import spirals

__all__ = ["spirals"]
