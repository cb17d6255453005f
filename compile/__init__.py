"""Offline compiler: dataset formats behind one seam, scenario windows, pure encoders, the shell.

`datasets/` holds one package per dataset format (`datasets/base.py` is the interface); the rest
never names a format. pyarrow and numpy stay in the modules `tests/unit/test_layering.py` lists.
"""
