"""The sandbox with every stand-in dandiops has, as `sandbox serve`, `sandbox demo` and the tests use it.

Components start in order and later ones may override environment settings of earlier ones.
Heroku extensions add routes to the Platform API stand-in. Its world is the empty one (`empty`),
the running clone `dandiops init` builds from it (the default: `sandbox serve`), or the running
clone seeded into the stand-ins (`seeded`: the tests' shared sandbox, whose tests were written
against it).
"""

from __future__ import annotations

from pathlib import Path

from dandiops.sandbox.aws import AwsComponent
from dandiops.sandbox.dyno.component import DynoComponent
from dandiops.sandbox.dyno.web import ArchiveWebComponent
from dandiops.sandbox.github.component import GitHubComponent
from dandiops.sandbox.heroku.operations import operations_extensions
from dandiops.sandbox.heroku.provisioning import ProvisioningStandIn
from dandiops.sandbox.netlify.component import NetlifyComponent
from dandiops.sandbox.runtime import Sandbox
from dandiops.sandbox.smtp import SesSmtpComponent


def build_sandbox(
    workdir: Path,
    *,
    empty: bool = False,
    seeded: bool = False,
    app_dirs: dict[str, str] | None = None,
    database_urls: dict[str, str] | None = None,
) -> Sandbox:
    heroku_extensions: list = []
    heroku_extensions += operations_extensions()  # Data API, log sessions, app features, team access
    components: list = []
    dynos = DynoComponent()  # one-off dynos: rendezvous listener and the dyno routes
    heroku_extensions.append(dynos.heroku_extension)
    components += [dynos, ArchiveWebComponent()]  # the apps' web process on loopback (api_url)
    components.append(GitHubComponent())  # dandi-archive fork whose deploys release to the Heroku apps
    # create apps (running in their --app-dir), buildpacks, add-ons: init's bootstrap
    heroku_extensions.append(ProvisioningStandIn(workdir, app_dirs=app_dirs))
    # SES's SMTP interface, before AWS: the apps' DJANGO_EMAIL_URL (seeded by AWS) names its address
    components.append(SesSmtpComponent())
    components.append(AwsComponent())  # moto for S3, IAM, STS and SES, seeded as Terraform makes them
    components.append(NetlifyComponent())  # an empty team; builds check out the fork; serves the web hosts
    from dandiops.sandbox.clone import build_clone

    return Sandbox(
        workdir,
        empty=empty,
        builder=None if empty or seeded else build_clone,
        app_dirs=app_dirs,
        database_urls=database_urls,
        components=components,
        heroku_extensions=heroku_extensions,
    )
