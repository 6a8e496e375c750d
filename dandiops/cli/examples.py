"""What `--help` shows last, under Examples, for every command: by the command's path, what it is
most often run for, each as (what it does, the command line); `cli.common.command` gives each command
its own. A group of one command that has none of its own shows its command's."""

from __future__ import annotations

EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "init": (
        ("Check every step of staging and make what is missing, asking as needed", "dandiops init -e staging"),
        (
            "Show what production lacks and what init would do, changing nothing",
            "dandiops init -e production --dry-run",
        ),
        (
            "Run unattended, with the answers in a file",
            "dandiops init -e staging --answers answers.yaml --non-interactive",
        ),
        (
            "Check the superuser again in a one-off dyno, and only that step",
            "dandiops init -e staging --only superuser --recheck superuser",
        ),
    ),
    "status": (
        ("Staging's dynos, last release and API probe at a glance", "dandiops status -e staging"),
        ("The same for production, as one JSON document for a script", "dandiops status -e production --json"),
    ),
    "verify": (
        ("Check staging from outside: API, sign-in, CORS, release chain, backups", "dandiops verify -e staging"),
        (
            "Also sign in to the admin as the superuser (pipe its password in)",
            "dandiops verify -e production --superuser admin@example.org --password-stdin",
        ),
        ("The checks as one JSON document, for CI", "dandiops verify -e staging --json"),
    ),
    "config check": (
        ("Which required config vars staging lacks (exit 6 if any)", "dandiops config check -e staging"),
        ("Every required var, set or missing, as JSON for a script", "dandiops config check -e production --json"),
    ),
    "hosts": (
        ("The hosts and CORS origins production accepts", "dandiops hosts list -e production"),
        ("Accept a new API host on production", "dandiops hosts add api.example.org -e production --yes"),
    ),
    "hosts list": (
        ("The hosts and CORS origins production accepts", "dandiops hosts list -e production"),
        ("The same as JSON", "dandiops hosts list -e staging --json"),
    ),
    "hosts add": (
        ("Accept a new API host on production", "dandiops hosts add api.example.org -e production --yes"),
        (
            "Show what allowing the web app's origin would change",
            "dandiops hosts add --cors-origin https://example.org -e staging --dry-run",
        ),
    ),
    "hosts remove": (
        ("Stop accepting an old host on staging", "dandiops hosts remove old-api.example.org -e staging"),
        (
            "Remove a CORS origin, showing the change only",
            "dandiops hosts remove --cors-origin https://old.example.org --dry-run",
        ),
    ),
    "release": (
        ("Deploy staging through its workflow and wait for the Heroku release", "dandiops release staging"),
        ("Publish release v1.2.3, which the production workflow deploys", "dandiops release production --tag v1.2.3"),
        ("The latest run and Heroku release of each environment", "dandiops release status"),
    ),
    "release staging": (
        ("Dispatch the staging workflow and wait for the Heroku release", "dandiops release staging"),
        ("Re-run the latest run, for a workflow without workflow_dispatch", "dandiops release staging --rerun"),
        ("Start the run and return with its URL", "dandiops release staging --ref master --detach"),
    ),
    "release production": (
        (
            "Publish release v1.2.3 now, and wait for its run and Heroku release",
            "dandiops release production --tag v1.2.3",
        ),
        ("Release pull request 42 when it is merged, and wait for that", "dandiops release production --pr 42 --wait"),
        ("Show what a release would do, changing nothing", "dandiops release production --tag v1.2.3 --dry-run"),
    ),
    "release ENV": (
        ("Release the environment named review in dandiops.toml", "dandiops release review"),
        (
            "Release one branch of it and return once the run has started",
            "dandiops release review --ref my-feature --detach",
        ),
    ),
    "release status": (
        ("The latest run and Heroku release of every environment", "dandiops release status"),
        ("Production's only, as JSON", "dandiops release status production --json"),
    ),
    "release list": (
        ("The last five runs and releases of staging, paired by commit", "dandiops release list -e staging --limit 5"),
        ("The last ten of production, as JSON", "dandiops release list -e production --json"),
    ),
    "run": (
        ("Which migrations have run on staging", "dandiops run -e staging -- python manage.py showmigrations api"),
        (
            "A shell command line, as one argument (pipes and $VARS run in the dyno)",
            "dandiops run -e staging -- 'python manage.py check && echo ok'",
        ),
        (
            "Stop the dyno when the command prints nothing for five minutes",
            "dandiops run -e staging --silence-timeout 300 -- python manage.py migrate",
        ),
    ),
    "superuser create": (
        (
            "Create the superuser of staging, asked for its password",
            "dandiops superuser create -e staging --email admin@example.org",
        ),
        (
            "Read the password from stdin (pipe it in) instead",
            "dandiops superuser create -e staging --email admin@example.org --password-stdin",
        ),
        (
            "Create it and log in with it, as the runbook's final test",
            "dandiops superuser create -e production --email admin@example.org --verify-login --yes",
        ),
    ),
    "cachetable create": (
        ("Create the cache table on staging (nothing happens if it exists)", "dandiops cachetable create -e staging"),
        (
            "Print the SQL it would run on production, changing nothing",
            "dandiops cachetable create -e production --dry-run",
        ),
    ),
    "users": (
        ("Everyone waiting for approval on production", "dandiops users list -e production --status pending"),
        ("Approve one of them", "dandiops users approve a@example.org -e production --yes"),
    ),
    "users list": (
        ("Everyone waiting for approval on production", "dandiops users list -e production --status pending"),
        ("Every user of staging, as JSON", "dandiops users list -e staging --json"),
    ),
    "users show": (
        ("One user's status, names and questionnaire answers", "dandiops users show a@example.org -e production"),
        ("The same as JSON", "dandiops users show a@example.org -e production --json"),
    ),
    "users approve": (
        (
            "Approve two users on staging, emailing each",
            "dandiops users approve a@example.org b@example.org -e staging",
        ),
        (
            "Approve everyone pending from one domain, without emails",
            "dandiops users approve --domain example.edu --no-email -e staging",
        ),
        (
            "Approve a list from a file, skipping emails that are not users",
            "dandiops users approve --from-file emails.txt --skip-missing -e staging",
        ),
    ),
    "users reject": (
        ("Reject a user, telling them why", "dandiops users reject spam@example.com --reason 'Not a researcher'"),
        (
            "Reject a list from a file without sending emails",
            "dandiops users reject --from-file spam.txt --reason Spam --no-email",
        ),
    ),
    "email test": (
        (
            "Send a test message through staging's own mail settings",
            "dandiops email test -e staging --to you@example.org",
        ),
        ("What would be sent, without sending it", "dandiops email test -e production --to you@example.org --dry-run"),
        ("The outcome as JSON, for a script", "dandiops email test -e staging --to you@example.org --json"),
    ),
    "auth setup": (
        (
            "Set up sign-in on staging (the secret from the environment or a prompt)",
            "dandiops auth setup -e staging --github-client-id Ov23liA1b2C3d4E5f6G7 --oauth-client-id dandi-web",
        ),
        (
            "Show what setting it up on production would change, changing nothing",
            "dandiops auth setup -e production --github-client-id Ov23liH8i9J0k1L2m3N4 --oauth-client-id dandi-web "
            "--dry-run",
        ),
    ),
    "frontend": (
        ("Create, link and publish staging's site", "dandiops frontend setup -e staging"),
        ("Where each of production's build variables comes from", "dandiops frontend status -e production"),
        ("Build production's release branch and wait for it", "dandiops frontend deploy -e production --yes"),
    ),
    "frontend status": (
        ("The site, its variables, domain, HTTPS and last deploy", "dandiops frontend status -e staging"),
        ("The same as one JSON document", "dandiops frontend status -e production --json"),
    ),
    "frontend setup": (
        ("Set up staging's site and publish it", "dandiops frontend setup -e staging"),
        ("What production's would change, changing nothing", "dandiops frontend setup -e production --dry-run"),
        (
            "With the OAuth client id `auth setup` was given",
            "dandiops frontend setup -e production --oauth-client-id ID --yes",
        ),
    ),
    "frontend deploy": (
        ("Build staging's branch and follow the deploy", "dandiops frontend deploy -e staging"),
        (
            "Production, without a prompt, waiting at most 20 minutes",
            "dandiops frontend deploy -e production --yes --timeout 1200",
        ),
    ),
    "backups": (
        ("Back up production daily at 02:00 New York time", "dandiops backups schedule -e production --yes"),
        ("The backups Heroku holds for production", "dandiops backups list -e production"),
    ),
    "backups schedule": (
        ("Daily at 02:00 America/New_York, the runbook's time", "dandiops backups schedule -e staging"),
        ("Daily at 03:00 UTC on production", "dandiops backups schedule -e production --at 03:00 --tz UTC --yes"),
        (
            "A zone after the hour, as the Heroku CLI takes it; change nothing",
            "dandiops backups schedule -e staging --at '02:00 EST' --dry-run",
        ),
    ),
    "backups unschedule": (
        ("Stop staging's daily backups (the backups taken are kept)", "dandiops backups unschedule -e staging"),
        ("Show what stopping production's would change", "dandiops backups unschedule -e production --dry-run"),
    ),
    "backups status": (
        ("Production's database, backup schedule and latest backup", "dandiops backups status -e production"),
        ("The same as JSON", "dandiops backups status -e production --json"),
    ),
    "backups list": (
        ("The backups Heroku holds for production, newest first", "dandiops backups list -e production"),
        ("The same as JSON", "dandiops backups list -e production --json"),
    ),
    "logs": (
        ("The last 200 lines the web dynos printed", "dandiops logs -e production --dyno web -n 200"),
        ("Follow new lines as they are logged, until Ctrl-C", "dandiops logs -e staging --tail"),
        ("Only Heroku's own events: the router, releases and the API", "dandiops logs -e staging --source heroku"),
    ),
    "access": (
        ("Who can reach production, with their permissions", "dandiops access list -e production"),
        (
            "Let a maintainer deploy and operate production",
            "dandiops access add a@example.org -p deploy,operate -e production",
        ),
    ),
    "access list": (
        ("Who can reach production, with their permissions", "dandiops access list -e production"),
        ("The same as JSON", "dandiops access list -e production --json"),
    ),
    "access add": (
        ("Give someone access to staging (on a team app: view only)", "dandiops access add a@example.org -e staging"),
        (
            "Let a maintainer deploy and operate production",
            "dandiops access add a@example.org -p deploy,operate -e production",
        ),
    ),
    "access remove": (
        ("Take away someone's access to production", "dandiops access remove a@example.org -e production --yes"),
        (
            "Show what removing them from staging would change",
            "dandiops access remove a@example.org -e staging --dry-run",
        ),
    ),
    "alerts": (
        ("Turn on runtime metrics and print the dashboard checklist", "dandiops alerts -e production --yes"),
        (
            "Record a checklist item as done once it is set in the dashboard",
            "dandiops alerts -e production --confirm threshold-alerts",
        ),
        (
            "In CI: exit 6 while a change is pending or an item is not confirmed",
            "dandiops alerts -e production --check",
        ),
    ),
    "branding logo": (
        (
            "Compare a new logo with the current one, changing nothing",
            "dandiops branding logo logo.svg -e staging --dry-run",
        ),
        ("Propose it as a pull request", "dandiops branding logo logo.svg -e staging"),
        ("Propose it from a branch you name", "dandiops branding logo logo.svg -e staging --branch new-logo"),
    ),
    "sandbox": (
        ("The whole runbook against the stand-ins, in one command", "dandiops sandbox demo"),
        ("Serve the stand-ins for other commands, until Ctrl-C", "dandiops sandbox serve"),
        ("Serve them in the background; stop them later", "dandiops sandbox serve --detach"),
    ),
    "sandbox serve": (
        ("Serve until Ctrl-C; then, in another shell: set -a; . ./.env.sandbox", "dandiops sandbox serve"),
        (
            "Serve in the background; then, in this shell: set -a; . ./.env.sandbox; set +a",
            "dandiops sandbox serve --detach",
        ),
        ("Keep the sandbox's state in a folder of your choice", "dandiops sandbox serve --workdir sandbox-state"),
        (
            "Run staging's dynos in your own archive checkout",
            "dandiops sandbox serve --app-dir dandi-sandbox-api-staging=../dandi",
        ),
    ),
    "sandbox stop": (
        ("Stop the sandbox `dandiops sandbox serve --detach` started", "dandiops sandbox stop"),
        ("Stop the one serving another env file", "dandiops sandbox stop --env-file sandbox-b.env"),
    ),
    "sandbox demo": (
        ("Rehearse the runbook in a temporary folder", "dandiops sandbox demo"),
        ("Keep the sandbox's files afterwards, to look at them", "dandiops sandbox demo --workdir demo"),
    ),
}
