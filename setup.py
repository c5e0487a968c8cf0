"""Package layout; metadata and dependencies are in setup.cfg.

The repository's ``data/`` folder (parser and model weights, model cards) is installed as the
``simcalc.data`` package and found with :mod:`importlib.resources`
(:func:`simcalc.resources.project_data_path`), so a non-editable install works from any directory.
"""
from setuptools import find_packages, setup

PACKAGES = find_packages(include=["simcalc", "simcalc.*", "hownet_sim", "hownet_sim.*", "rules", "rules.*",
                                  "neural", "neural.*"])

setup(
    packages=PACKAGES + ["simcalc.data"],
    package_dir={"simcalc.data": "data"},
    package_data={"simcalc": ["py.typed", "configs/*.toml", "configs/*.gz"], "simcalc.data": ["**/*"]},
)
