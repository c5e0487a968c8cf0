"""Package layout; metadata and dependencies are in setup.cfg.

One distribution namespace: the repository keeps the design card's top-level folders (``hownet_sim/``,
``rules/``, ``neural/``, ``cli.py``), but the wheel installs them as ``simcalc.hownet_sim``,
``simcalc.rules``, ``simcalc.neural`` and ``simcalc.cli`` so that no generic top-level name lands in
site-packages. In a checkout the same names resolve through symbolic links inside ``simcalc/``
(ARCHITECTURE.md); code imports them only as ``simcalc.<name>``.

The repository's ``data/`` folder (parser and model weights, model cards) is installed as the
``simcalc.data`` package and found with :mod:`importlib.resources`
(:func:`simcalc.resources.project_data_path`), so a non-editable install works from any directory.
"""
import os

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

NAMESPACED = ("hownet_sim", "rules", "neural")

packages = find_packages(include=["simcalc", "simcalc.*"]) + ["simcalc.data"]
package_dir = {"simcalc.data": "data"}
for top in NAMESPACED:
    packages += [f"simcalc.{name}" for name in find_packages(include=[top, f"{top}.*"])]
    package_dir[f"simcalc.{top}"] = top


class BuildPy(build_py):
    """Also install the top-level ``cli.py`` as ``simcalc/cli.py``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install finds cli.py through the simcalc/cli.py link
        target = os.path.join(self.build_lib, "simcalc", "cli.py")
        self.mkpath(os.path.dirname(target))
        self.copy_file("cli.py", target)


setup(
    packages=packages,
    package_dir=package_dir,
    package_data={"simcalc": ["py.typed", "configs/*.toml", "configs/rankers/*.toml", "configs/*.gz", "static/*"], "simcalc.data": ["**/*"],
                  "simcalc.server": ["static/*"]},
    cmdclass={"build_py": BuildPy},
)
