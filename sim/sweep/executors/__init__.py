"""Where a sweep's runs execute: small interchangeable executors behind one factory.

`make_executor(request)` picks `serial` (this process), `processes` (a local process pool) or
`dask` (a Dask cluster) from the request's engine and worker count. Every executor runs the same
picklable `run_job` and hands back each run's row as it finishes, so every executor gives the same
rows (a test holds that).
"""
