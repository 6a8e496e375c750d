# Runs INSIDE a one-off dyno of a DANDI Archive app, as `python manage.py shell -c <this file>`.
# dandiops never imports it. What should be true comes in DANDIOPS_REQUEST (base64 of zlib-compressed
# JSON); the GitHub client secret comes in DANDIOPS_GITHUB_CLIENT_SECRET, and only when applying. A
# plan compares the stored secret with an HMAC of the operator's (key and digest in the request), so
# the secret itself never reaches a read-only dyno. The answer is one line, "DANDIOPS-RESULT <json>",
# that never holds a secret.
#
# What it sets, in one transaction (the runbook's authentication page):
# - the sites framework's Site SITE_ID: domain and name;
# - allauth's SocialApp for GitHub: client id and secret, attached to that Site;
# - django-oauth-toolkit's Application of the web app: client id, redirect URI (replacing the
#   development default of migration 0028), public client, authorization-code grant, no consent page.
# A field already as wanted is not written, so a second run writes nothing.
import base64
import hashlib
import hmac
import json
import os
import zlib

from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.models import get_application_model

RESULT_PREFIX = "DANDIOPS-RESULT "


class Refused(Exception):
    """The database holds something dandiops will not resolve on its own; nothing is written."""


def _request():
    return json.loads(zlib.decompress(base64.b64decode(os.environ["DANDIOPS_REQUEST"])))


def _matches_secret(stored, check):
    digest = hmac.new(bytes.fromhex(check["key"]), (stored or "").encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(digest, check["digest"])


def _change(changes, target, field, before, after, secret=False):
    item = {
        "object": target[0],
        "target": target[1],
        "field": field,
        "before": None if secret else before,
        "after": None if secret else after,
    }
    if secret:
        item["secret"] = True
    changes.append(item)


def _site(wanted, changes, apply):
    site_id = settings.SITE_ID
    clash = Site.objects.filter(domain__iexact=wanted["domain"]).exclude(pk=site_id).first()
    if clash is not None:
        raise Refused(
            f"Site {clash.pk} ({clash.name}) already has the domain {clash.domain}, so Site {site_id} "
            "(the one SITE_ID names) cannot take it; change or delete Site "
            f"{clash.pk} in the Django admin (Sites)"
        )
    target = ("site", f"Site {site_id}")
    site = Site.objects.filter(pk=site_id).first()
    created = site is None
    before = None if created else {"domain": site.domain, "name": site.name}
    if created:
        site = Site(pk=site_id, domain="", name="")
        _change(changes, target, "created", None, None)
    fields = [name for name in ("domain", "name") if getattr(site, name) != wanted[name]]
    for name in fields:
        _change(changes, target, name, None if created else getattr(site, name), wanted[name])
        setattr(site, name, wanted[name])
    if apply and (created or fields):
        site.save()
    return site, {
        "id": site_id,
        "domain": wanted["domain"],
        "name": wanted["name"],
        "before": before,
        "created": created,
        "changed": created or bool(fields),
    }


def _social_app(wanted, site, site_exists, secret_check, secret, changes, warnings, apply):
    provider = wanted["provider"]
    apps = list(SocialApp.objects.filter(provider=provider).order_by("pk"))
    on_site = [app for app in apps if site_exists and app.sites.filter(pk=site.pk).exists()]
    if len(on_site) > 1:
        raise Refused(
            f"{len(on_site)} {provider} social applications are attached to Site {site.pk} "
            f"(ids {', '.join(str(app.pk) for app in on_site)}); allauth needs exactly one. Delete the "
            "extra ones in the Django admin (Social applications)"
        )
    if not on_site and len(apps) > 1:
        raise Refused(
            f"{len(apps)} {provider} social applications exist and none is attached to Site {site.pk}; "
            "dandiops cannot tell which to use. Keep one in the Django admin (Social applications)"
        )
    app = on_site[0] if on_site else (apps[0] if apps else None)
    created = app is None
    target = ("social_app", f"social application {provider}")
    if created:
        app = SocialApp(provider=provider, name=wanted["name"])
        _change(changes, target, "created", None, None)
    before = None if created else {"id": app.pk, "client_id": app.client_id}
    others = [other for other in apps if other is not app]
    if others:
        # runs in the dyno, without dandiops: the plural is spelled out here
        one = len(others) == 1
        are = "is" if one else "are"
        warnings.append(
            f"{len(others)} other {provider} social application{'' if one else 's'} {are} not attached to Site "
            f"{site.pk} and {are} not used for sign-in"
        )
    changed = created
    if app.client_id != wanted["client_id"]:
        _change(changes, target, "client_id", None if created else app.client_id, wanted["client_id"])
        app.client_id = wanted["client_id"]
        changed = True
    secret_changed = not _matches_secret(app.secret, secret_check)
    if secret_changed:
        _change(changes, target, "secret", None, None, secret=True)
        changed = True
        if apply:
            app.secret = secret
    attached = bool(on_site)
    if not attached:
        _change(changes, target, "sites", None, f"Site {site.pk}")
    if apply:
        if changed:
            app.save()
        if not attached:
            app.sites.add(site)
    return {
        "id": app.pk,
        "client_id": wanted["client_id"],
        "before": before,
        "created": created,
        "secret_changed": secret_changed,
        "attached": not attached,
        "changed": changed or not attached,
    }


def _oauth_application(wanted, changes, warnings, apply):
    Application = get_application_model()
    app = Application.objects.filter(client_id=wanted["client_id"]).first()
    default = None
    if wanted["client_id"] != wanted["default_client_id"]:
        default = Application.objects.filter(client_id=wanted["default_client_id"]).first()
    replaced_default = app is None and default is not None
    if replaced_default:
        app = default
    created = app is None
    target = ("oauth_application", "OAuth application")
    if created:
        app = Application(name=wanted["name"], client_id=wanted["client_id"], client_secret="", redirect_uris="")
        _change(changes, target, "created", None, None)
    elif default is not None and default.pk != app.pk:
        warnings.append(
            f"the default OAuth application {wanted['default_client_id']} (migration 0028) still "
            f"exists beside {wanted['client_id']}; delete it in the Django admin if nothing uses it"
        )
    before = None if created else {"id": app.pk, "client_id": app.client_id, "redirect_uris": app.redirect_uris}
    uris = app.redirect_uris.split()
    kept = [uri for uri in uris if uri not in wanted["replaces"]]
    if wanted["redirect_uri"] not in kept:
        kept.insert(0, wanted["redirect_uri"])
    desired = {
        "client_id": wanted["client_id"],
        "client_type": Application.CLIENT_PUBLIC,
        "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
        "skip_authorization": True,
    }
    fields = []
    for name, value in desired.items():
        if getattr(app, name) != value:
            _change(changes, target, name, None if created else getattr(app, name), value)
            setattr(app, name, value)
            fields.append(name)
    if kept != uris:
        _change(changes, target, "redirect_uris", None if created else app.redirect_uris, " ".join(kept))
        app.redirect_uris = " ".join(kept)
        fields.append("redirect_uris")
    try:
        app.clean()  # the toolkit's own checks: redirect URI schemes and form for this grant
    except ValidationError as exc:
        raise Refused("the OAuth application would be invalid: " + "; ".join(exc.messages)) from None
    if apply and (created or fields):
        app.save()
    return {
        "id": app.pk,
        "client_id": wanted["client_id"],
        "name": app.name,
        "redirect_uris": kept,
        "before": before,
        "created": created,
        "replaced_default": replaced_default,
        "changed": created or bool(fields),
    }


def _main():
    request = _request()
    apply = request["mode"] == "apply"
    secret = os.environ.get("DANDIOPS_GITHUB_CLIENT_SECRET") if apply else None
    if apply and not secret:
        raise SystemExit("DANDIOPS_GITHUB_CLIENT_SECRET is not set in the dyno's environment")
    result = {"mode": request["mode"], "applied": False, "changes": [], "warnings": [], "refused": None}
    try:
        with transaction.atomic():
            changes, warnings = result["changes"], result["warnings"]
            site_exists = Site.objects.filter(pk=settings.SITE_ID).exists()
            site, result["site"] = _site(request["site"], changes, apply)
            result["social_app"] = _social_app(
                request["github"], site, site_exists, request["secret_check"], secret, changes, warnings, apply
            )
            result["oauth_application"] = _oauth_application(request["oauth"], changes, warnings, apply)
            if not apply:
                transaction.set_rollback(True)  # a plan writes nothing, whatever happened above
            result["applied"] = apply and bool(changes)
    except Refused as exc:
        result.update(refused=str(exc), changes=[], applied=False)
    print("\n" + RESULT_PREFIX + json.dumps(result, default=str), flush=True)


_main()
