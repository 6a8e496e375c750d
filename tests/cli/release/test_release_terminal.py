"""On a terminal the run's jobs and steps are redrawn in place (rich Live) instead of one line each."""

from __future__ import annotations

import io


def test_live_view_on_a_terminal(sandbox, github, dispatchable, staging_app, monkeypatch):
    from dandiops.app.context import Context
    from dandiops.cli.release import LiveObserver, _observer
    from dandiops.core.output import Terminal
    from dandiops.steps.release.trigger import Release, ReleaseRequest

    for key, value in sandbox.environment().items():
        monkeypatch.setenv(key, value)
    screen = io.StringIO()
    terminal = Terminal(stdin_tty=True, stdout_tty=True, stderr_tty=True, color=False, ci=False)
    context = Context(env_name="staging", terminal=terminal, stderr=screen, stdout=io.StringIO())
    observer = _observer(context)
    assert isinstance(observer, LiveObserver)
    try:
        outcome = Release(context, ReleaseRequest(), observer).run()
    finally:
        observer.done()
        context.close()
    assert outcome.problem is None and outcome.heroku_release.status == "succeeded"
    drawn = screen.getvalue()
    assert "Deploy to staging" in drawn and "Deploy to Heroku" in drawn
    assert f"heroku v{outcome.heroku_release.version} succeeded" in drawn
    # redrawn in place, not appended line by line
    assert "Deploy to staging › Deploy to Heroku: success" not in drawn
