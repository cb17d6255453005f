"""Offline compiler: dataset sources, scenario windows, pure encoders, the pipeline shell.

Only the dataset source modules import pyarrow.
"""
