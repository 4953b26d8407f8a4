"""Built-in datasets, one module per dataset, each with a Keras-style ``load_data()``.

Every dataset here is generated locally or shipped with a package: nothing is downloaded.
"""

from . import fahrenheit, logic_gates, playground, spirals, tennis

__all__ = ["fahrenheit", "logic_gates", "playground", "spirals", "tennis"]
