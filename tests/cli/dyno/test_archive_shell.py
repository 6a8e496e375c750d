"""The tests' archive shell (dyno_helpers.archive_shell, which seeds and reads the apps' databases) runs code
as `python manage.py shell -c` in a dyno of the app does: the same output, exit status and namespace."""

from __future__ import annotations

import shlex

from dyno_helpers import STAGING_APP, _warm_shells, archive_shell

CODE = """
import os, sys
from django.conf import settings
print(os.environ["DYNO"], os.environ["EXTRA"], settings.SETTINGS_MODULE, User._meta.db_table)
print("a warning", file=sys.stderr)
sys.exit(int(os.environ["STATUS"]) or None)
"""


def test_the_archive_shell_answers_as_manage_py_shell_in_a_dyno(sandbox):
    from dandiops.sandbox.dyno import database, executor

    app = sandbox.heroku.state.find_app(STAGING_APP)
    database.ensure_migrated(app)
    for status in ("0", "3"):
        env = {"EXTRA": "from the test", "STATUS": status}
        lines: list[str] = []
        exited = executor.run_to_completion(
            app, f"python manage.py shell -v 0 -c {shlex.quote(CODE)}", env, dyno_name="test.1", on_line=lines.append
        )
        assert (exited, lines[0]) == (int(status), "test.1 from the test dandiapi.settings.heroku_production auth_user")
        assert _warm_shells.run(app, CODE, env) == (exited, lines)


def test_what_one_archive_shell_run_writes_the_next_one_reads(sandbox):
    app = sandbox.heroku.state.find_app(STAGING_APP)
    archive_shell(app, "from django.contrib.auth.models import User; User.objects.create(username='ada')")
    assert archive_shell(app, "print(User.objects.filter(username='ada').count())") == ["1"]
