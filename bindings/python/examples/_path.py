"""Lets the examples run from a checkout: `python3 examples/X.py` finds the packages next door."""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)  # bindings/python
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
