"""Fixtures: `relais` is a fresh, started server per test; `relais_factory` makes unstarted ones.

Every server a test leaves running is stopped with SIGTERM at teardown and must exit 0, so each test
also checks graceful shutdown. When a test fails, the tail of each server's log is printed (pytest
shows it under "Captured stdout teardown").
"""

import pytest

from harness import Relais


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def relais_factory(request, tmp_path):
    servers: list[Relais] = []

    def make(name: str = "data", **kwargs) -> Relais:
        server = Relais(tmp_path / name, **kwargs)
        servers.append(server)
        return server

    yield make

    # A failed start already carries the log tail; print it for failures in the test body.
    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    bad_exits = []
    for server in servers:
        if failed:
            print(server.log_tail())
        try:
            if server.running and (code := server.stop()) != 0:
                bad_exits.append(f"{server.data_dir}: exit {code} on SIGTERM\n{server.log_tail()}")
        finally:
            server.kill()
    if bad_exits:
        pytest.fail("\n".join(bad_exits))


@pytest.fixture
def relais(relais_factory) -> Relais:
    return relais_factory().start()
