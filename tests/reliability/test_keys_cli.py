"""``nhp keys revoke``: refusing the last active admin key is one clear line and exit 2, never a traceback."""

from __future__ import annotations

import pytest


@pytest.fixture
def home(tmp_path, monkeypatch):
    from geo.settings import get_settings

    monkeypatch.setenv("NHP_HOME_DIR", str(tmp_path))
    monkeypatch.delenv("NHP_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _run(argv, capsys):
    from cli import main

    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_revoking_the_last_admin_key_is_one_line_and_exit_2(home, capsys):
    status, out, _ = _run(["keys", "create", "--name", "root", "--role", "admin"], capsys)
    assert status == 0 and "Created key 1" in out
    status, out, err = _run(["keys", "revoke", "1"], capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("nhp: error: ") and "last active admin key" in err and "nhp keys create" in err
    # Nothing changed; with another admin key the first one can go.
    _run(["keys", "create", "--name", "second", "--role", "admin"], capsys)
    status, out, err = _run(["keys", "revoke", "1"], capsys)
    assert status == 0 and "Revoked key 1" in out and err == ""
    status, _, err = _run(["keys", "revoke", "99"], capsys)
    assert status == 2 and err.count("\n") == 1 and "no API key with id 99" in err
