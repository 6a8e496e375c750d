"""The web dyno's process in the sandbox: serve a WSGI application on 127.0.0.1.

Run as `python -m dandiops.sandbox.dyno.webserver MODULE:NAME` in the app's directory, in place
of the Procfile's gunicorn. It binds $PORT (0 picks a free port) and prints the port it listens
on as its first line, which is how the sandbox's router finds it.
"""

from __future__ import annotations

import importlib
import os
import sys


def main(argv: list[str]) -> None:
    target = argv[1] if len(argv) > 1 else "dandiapi.wsgi:application"
    module_name, _, attribute = target.partition(":")
    sys.path.insert(0, os.getcwd())
    application = getattr(importlib.import_module(module_name), attribute or "application")

    import werkzeug.serving
    from werkzeug.serving import make_server

    werkzeug.serving._log_add_style = False  # plain access lines in the app's log, no colour codes
    server = make_server("127.0.0.1", int(os.environ.get("PORT") or 0), application, threaded=True)
    print(f"listening on port {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv)
