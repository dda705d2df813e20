"""Tests for sim.version: one lookup of installed versions, which never raises."""

from __future__ import annotations

from importlib import metadata

from sim.version import VERSION, version


def test_an_installed_distribution_reports_its_version() -> None:
    assert version("numpy") == metadata.version("numpy")


def test_a_missing_distribution_is_unknown_not_an_error() -> None:
    assert version("ammsim-no-such-distribution") == "unknown"


def test_version_of_ammsim_is_the_installed_one_or_unknown() -> None:
    try:
        expected = metadata.version("ammsim")
    except metadata.PackageNotFoundError:
        expected = "unknown"
    assert expected == VERSION
