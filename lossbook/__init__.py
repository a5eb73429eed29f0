"""lossbook: where the loss functions of machine learning come from.

The submodules are loaded on first use, so ``import lossbook`` is cheap and never imports matplotlib:

- :mod:`lossbook.symbolic`: distributions, expectations, KL divergences, likelihoods and checked derivations;
- :mod:`lossbook.numeric`: vectorised NumPy losses and divergences;
- :mod:`lossbook.plots`: the book's figure style and recurring figures (needs ``lossbook[plots]``).
"""

from importlib import import_module

__version__ = "0.1.0"
__all__ = ["symbolic", "numeric", "plots", "__version__"]


def __getattr__(name: str):
    if name in {"symbolic", "numeric", "plots"}:
        module = import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'lossbook' has no attribute {name!r}")
