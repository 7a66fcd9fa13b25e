"""Benchmarks of Asocia: the full model side by side with Mesa's own example and a NumPy kernel.

``python -m benchmarks`` (or ``asocia bench``) runs them; ``--quick`` is the CI version. The
kernel of the joint-purchase round lives in :mod:`benchmarks.kernel`; what each figure measures
and the targets it is held to are in benchmarks/README.md.
"""
