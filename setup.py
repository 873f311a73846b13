"""Only what pyproject.toml cannot say: ship the top-level templates/ as netorch/_templates."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["netorch", "netorch.*"]), "netorch._templates"],
    package_dir={"netorch._templates": "templates"},
)
