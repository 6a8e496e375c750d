"""Releasing the archive: trigger the environment's deploy workflow the way that workflow allows,
follow the run, then wait for the Heroku release it produced and its release phase.

- model: what dandiops knows about a run and a release, and the outcome of `dandiops release`.
- watch: polling (ETag-conditional, never faster than the interval), run and Heroku release waits.
- trigger: choosing and making the trigger (dispatch, re-run, pull request adding the trigger,
  published tag, `release` label) and finding the run it started.
- history: recent runs and Heroku releases side by side.
"""
