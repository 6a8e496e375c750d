"""Reading the mail the miniature archive wrote (Django's file-based email backend).

The backend writes one file per connection, each message followed by a line of 79 dashes.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

_SEPARATOR = "\n" + "-" * 79 + "\n"


def read_messages(folder: str | Path) -> list[EmailMessage]:
    folder = Path(folder)
    if not folder.is_dir():
        return []
    messages = []
    for file in sorted(folder.glob("*.log")):
        for part in file.read_text(encoding="utf-8").split(_SEPARATOR):
            if part.strip():
                messages.append(email.message_from_string(part.lstrip("\n"), policy=email.policy.default))
    return messages
