"""The stand-in's objects as Netlify's API answers them (NS definitions site, deploy, build, envVar,
sniCertificate, accountMembership, user). Fields with no value are left out rather than sent as
null: the description declares none of them nullable. URLs of sites are the public ones Netlify
gives (…netlify.app); clients never follow them to the API."""

from __future__ import annotations

from typing import Any

from dandiops.sandbox.netlify.state import (
    Account,
    Build,
    Certificate,
    Deploy,
    EnvVar,
    NetlifyState,
    Site,
)

ADMIN = "https://app.netlify.com"


def _present(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def user(state: NetlifyState) -> dict[str, Any]:
    return {
        "id": state.user_id,
        "uid": state.user_id,
        "full_name": "Sandbox Operator",
        "avatar_url": "https://avatars.netlify.test/operator.png",
        "email": state.user_email,
        "site_count": len(state.sites),
        "created_at": state.account.created_at,
        "last_login": state.account.created_at,
        "login_providers": ["email"],
    }


def account(state: NetlifyState, item: Account) -> dict[str, Any]:
    used = sum(1 for site in state.sites.values() if site.account is item)
    return {
        "id": item.id,
        "name": item.name,
        "slug": item.slug,
        "type": "team",
        "type_name": "Starter",
        "type_id": "starter",
        "capabilities": {"sites": {"included": 500, "used": used}, "collaborators": {"included": 1, "used": 1}},
        "billing_name": item.name,
        "billing_email": state.user_email,
        "billing_period": "monthly",
        "owner_ids": [state.user_id],
        "roles_allowed": ["Owner"],
        "created_at": item.created_at,
        "updated_at": item.created_at,
    }


def deploy(site: Site, item: Deploy) -> dict[str, Any]:
    host = f"{item.id}--{site.name}.netlify.app"
    return _present(
        {
            "id": item.id,
            "site_id": site.id,
            "build_id": item.build_id,
            "state": item.state,
            "name": site.name,
            "url": f"http://{site.domain}",
            "ssl_url": f"https://{site.domain}",
            "admin_url": f"{ADMIN}/sites/{site.name}",
            "deploy_url": f"http://{host}",
            "deploy_ssl_url": f"https://{host}",
            "draft": False,
            "required": [],
            "required_functions": [],
            "error_message": item.error_message,
            "branch": item.branch,
            "commit_ref": item.commit_ref,
            "commit_url": (
                f"https://github.com/{site.build_settings['repo_path']}/commit/{item.commit_ref}"
                if item.commit_ref and site.build_settings.get("repo_path")
                else None
            ),
            "skipped": False,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
            "published_at": item.published_at,
            "title": item.title,
            "context": item.context,
            "locked": False,
            "framework": "vite",
        }
    )


def build(item: Build) -> dict[str, Any]:
    return _present(
        {
            "id": item.id,
            "deploy_id": item.deploy_id,
            "sha": item.sha,
            "done": item.done,
            "error": item.error,
            "created_at": item.created_at,
        }
    )


def site(state: NetlifyState, item: Site) -> dict[str, Any]:
    data = {
        "id": item.id,
        "state": "current",
        "plan": "nf_team_starter",
        "name": item.name,
        "custom_domain": item.custom_domain,
        "domain_aliases": list(item.domain_aliases),
        "notification_email": state.user_email,
        "url": f"{'https' if item.certificate else 'http'}://{item.domain}",
        "ssl_url": f"https://{item.domain}",
        "admin_url": f"{ADMIN}/sites/{item.name}",
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "user_id": state.user_id,
        "ssl": item.certificate is not None,
        "force_ssl": item.force_ssl,
        "managed_dns": False,
        "deploy_url": f"http://{(item.production_branch or 'main')}--{item.default_domain}",
        "published_deploy": deploy(item, item.published_deploy) if item.published_deploy else None,
        "account_id": item.account.id,
        "account_name": item.account.name,
        "account_slug": item.account.slug,
        "git_provider": item.build_settings.get("provider"),
        "deploy_hook": f"https://api.netlify.com/hooks/github/{item.id}" if item.build_settings else None,
        "capabilities": {},
        "processing_settings": {"html": {"pretty_urls": True}},
        "build_settings": dict(item.build_settings) if item.build_settings else None,
        "id_domain": f"{item.id}.netlify.app",
        "build_image": "noble",
        "functions_region": "us-east-2",
        "prevent_non_git_prod_deploys": False,
    }
    return _present(data)


def env_var(state: NetlifyState, item: EnvVar) -> dict[str, Any]:
    return {
        "key": item.key,
        "scopes": list(item.scopes),
        "values": [
            _present({"id": v.id, "value": v.value, "context": v.context, "context_parameter": v.context_parameter})
            for v in item.values
        ],
        "is_secret": item.is_secret,
        "updated_at": item.updated_at,
        "updated_by": {
            "id": state.user_id,
            "full_name": "Sandbox Operator",
            "email": state.user_email,
            "avatar_url": "https://avatars.netlify.test/operator.png",
        },
    }


def certificate(item: Certificate) -> dict[str, Any]:
    return {
        "state": item.state,
        "domains": list(item.domains),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "expires_at": item.expires_at,
    }
