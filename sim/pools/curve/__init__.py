"""Curve StableSwap: the plain and ng pool templates, with optional C kernels for the 2-coin loops."""
