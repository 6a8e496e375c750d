"""Manual runbook items the operator has confirmed, kept beside dandiops.toml in .dandiops/.

Some settings have no API (Heroku's threshold alerts, who gets its emails): dandiops prints
them as a checklist and remembers, per Heroku app, which ones an operator said are done, by
whom and when. The file holds no secrets, so a team can commit it with dandiops.toml.
"""

from __future__ import annotations

from dandiops.core.files import RecordFile, utc_stamp


class Confirmations(RecordFile):
    """{"version": 1, "apps": {Heroku app: {item key: {"confirmed_at", "by"}}}}."""

    file_name = "confirmations.json"
    what = "the confirmations file"
    folder_hint = "move that folder away; dandiops keeps confirmed manual checks in that file"
    section = "apps"
    fields = "confirmed_at, by"
    recovery_note = " and confirm the manual items again (`dandiops alerts --confirm ITEM`, `dandiops init`)"
    mode = 0o644  # no secrets in here: readable by the team, which may commit it beside dandiops.toml

    def get(self, app: str, key: str) -> dict | None:
        return self.records(app).get(key)

    def confirm(self, app: str, key: str, by: str) -> dict:
        entry = {"confirmed_at": utc_stamp(), "by": by}
        self.put(app, key, entry)  # a confirmation another process records meanwhile is kept
        return entry
