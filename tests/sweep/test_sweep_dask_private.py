"""The local Dask cluster of `--engine dask` is private: TLS with a certificate made for it alone,
so another process on the machine (Dask's protocol unpickles) cannot talk to its scheduler."""

from __future__ import annotations

import sys

import pytest
from sweep_cases import TINY

from sim.errors import UserInputError
from sim.sweep.executors.dask_cluster import DaskExecutor
from sim.sweep.executors.factory import check_engine
from sim.sweep.job import Job, run_job
from sim.sweep.request import SweepRequest


def test_a_local_cluster_speaks_tls_only_to_its_own_certificate() -> None:
    distributed = pytest.importorskip("dask.distributed")
    pytest.importorskip("cryptography")
    from distributed.security import Security

    executor = DaskExecutor(SweepRequest(TINY, engine="dask", workers=1))
    try:
        address = executor._client.scheduler.address
        assert address.startswith("tls://127.0.0.1:")
        port = address.rsplit(":", 1)[1]
        strangers = [
            {"address": address, "security": Security.temporary()},  # another certificate
            {"address": f"tcp://127.0.0.1:{port}"},  # no TLS at all
        ]
        for stranger in strangers:
            with pytest.raises(OSError):  # "TLS certificate does not match", connection reset
                distributed.Client(stranger.pop("address"), timeout="2s", **stranger)
        own = distributed.Client(address, security=executor._cluster.security, timeout="5s")
        assert sum(own.nthreads().values()) == 1  # the cluster's own certificate gets in
        own.close()
        jobs = [
            Job(run=k, config=0, replicate=k, seed=11, blocks=30, params={}, sets={}, scenario=TINY)
            for k in range(2)
        ]
        rows = sorted((r.row for r in executor.run(jobs)), key=lambda row: row["replicate"])
        assert rows == [run_job(job).row for job in jobs]  # and it runs the sweep's jobs
    finally:
        executor.close()


def test_a_local_cluster_without_cryptography_is_a_user_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("dask.distributed")
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(UserInputError, match=r"cryptography .* pip install ammsim\[dask\]"):
        check_engine("dask", 2)
    check_engine("dask", 2, "tcp://127.0.0.1:8786")  # a running cluster brings its own security
