"""Shared fixtures: a replica aBamako site and servers for it.

- ``replica_site`` (session): a default generated site (60 articles, reference variants)
  in a temp dir; a :class:`replica.site.Manifest` (``.out_dir`` is the folder).
  Treat it as read-only: tests that edit a site make their own with ``make_site``.
- ``replica`` (module): a running server for ``replica_site`` (``.base_url``,
  ``.url(path)``, ``.stats(since)``, ``.mark()``); no faults, do not set any on it.
- ``make_site`` (function): ``make_site(**generate_site_kwargs) -> Manifest`` in a fresh
  temp dir.
- ``make_replica`` (function): ``make_replica(site_dir=None, faults=None, **serve_kwargs)
  -> ReplicaServer``; every server it starts is stopped at teardown.
- ``receiver`` (function): a webhook receiver on 127.0.0.1 (``helpers.Receiver``):
  ``json://127.0.0.1:{receiver.port}/hook`` in ``[notify] urls``, ``receiver.received``.
- ``redis_url`` (module) and ``redis_url_per_test`` (function): the URL of a throwaway
  ``redis-server`` (``helpers.redis_server``) of the test module's, or of the test's, own.
  Modules that use them set ``pytestmark = helpers.NEEDS_REDIS`` (skipped without a
  redis-server or the distributed extra).
"""

from __future__ import annotations

import pytest
from helpers import Receiver, redis_server

from replica.server import serve
from replica.site import generate_site


@pytest.fixture(scope="session")
def replica_site(tmp_path_factory):
    return generate_site(tmp_path_factory.mktemp("replica_site"))


@pytest.fixture(scope="module")
def replica(replica_site):
    with serve(replica_site.out_dir) as srv:
        yield srv


@pytest.fixture
def make_site(tmp_path_factory):
    def make(**kwargs):
        return generate_site(tmp_path_factory.mktemp("site"), **kwargs)

    return make


@pytest.fixture
def make_replica(replica_site):
    started = []

    def make(site_dir=None, faults=None, **kwargs):
        srv = serve(site_dir or replica_site.out_dir, faults=faults, **kwargs)
        started.append(srv)
        return srv

    try:
        yield make
    finally:
        for srv in started:
            srv.stop()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_url_per_test(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def receiver():
    r = Receiver()
    try:
        yield r
    finally:
        r.close()
