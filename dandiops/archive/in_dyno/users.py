# Runs INSIDE a one-off dyno of a DANDI Archive app, as `python manage.py shell -c <mail_errors.py
# then this file>`.
# dandiops never imports it. The request comes in the DANDIOPS_REQUEST env var (base64 of
# zlib-compressed JSON) so that no email or reason appears in the command text; the answer is
# one line, "DANDIOPS-RESULT <json>", which dandiops parses.
#
# approve/reject apply what the archive's dashboard view (dandiapi/api/views/dashboard.py,
# user_approval_view) does: set UserMetadata.status (and, rejecting, rejection_reason; approving
# keeps the old reason, as the dashboard's approve form sends none), set User.is_active, and send
# send_approved_user_message / send_rejected_user_message, all users in one transaction; the
# emails go out after the commit. Unlike the dashboard, a user already in the requested state
# (for a rejection: with the same reason) is left alone and not mailed again, so a re-run
# changes nothing; a rejected user given a new reason gets it, and the rejection email again.
# A message that cannot be sent is reported with what the SMTP server answered (_mail_error, from
# mail_errors.py); the statuses stay saved.
import base64
import json
import os
import zlib

from django.apps import apps
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from dandiapi.api import mail as archive_mail
from dandiapi.api.models import UserMetadata

RESULT_PREFIX = "DANDIOPS-RESULT "
CHUNK = 500  # keeps IN (...) lists under every database's parameter limit


def _request():
    return json.loads(zlib.decompress(base64.b64decode(os.environ["DANDIOPS_REQUEST"])))


def _respond(result):
    print("\n" + RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def _chunks(items):
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _metadata_by_user(user_ids):
    found = {}
    for chunk in _chunks(user_ids):
        for metadata in UserMetadata.objects.filter(user_id__in=chunk):
            found[metadata.user_id] = metadata
    return found


def _status(metadata):
    return metadata.status if metadata is not None else None


def _describe(user, metadata, full=False):
    data = {
        "email": user.email,
        "username": user.username,
        "status": _status(metadata),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "date_joined": user.date_joined.isoformat() if user.date_joined else None,
    }
    if full:
        data.update(
            first_name=user.first_name,
            last_name=user.last_name,
            last_login=user.last_login.isoformat() if user.last_login else None,
            rejection_reason=metadata.rejection_reason if metadata is not None else "",
            questionnaire_form=metadata.questionnaire_form if metadata is not None else None,
        )
    return data


def _find(emails):
    """Users by requested email (case-insensitive on username, which the archive sets to the email,
    then on email). Returns (found: {requested: user}, unknown: [requested], ambiguous: [requested])."""
    wanted = {email.lower(): email for email in emails}
    by_username, by_email = {}, {}
    for chunk in _chunks(sorted(wanted)):
        users = User.objects.annotate(lower_username=Lower("username"), lower_email=Lower("email")).filter(
            Q(lower_username__in=chunk) | Q(lower_email__in=chunk)
        )
        for user in users:
            if user.lower_username in wanted:
                by_username.setdefault(user.lower_username, []).append(user)
            if user.lower_email in wanted:
                by_email.setdefault(user.lower_email, []).append(user)
    found, unknown, ambiguous = {}, [], []
    for lowered, email in wanted.items():
        matches = by_username.get(lowered) or by_email.get(lowered) or []
        if len(matches) == 1:
            found[email] = matches[0]
        elif matches:
            ambiguous.append(email)
        else:
            unknown.append(email)
    return found, unknown, ambiguous


def _social_accounts(user_ids):
    if not apps.is_installed("allauth.socialaccount"):  # a project without GitHub sign-in
        return {}
    from allauth.socialaccount.models import SocialAccount

    accounts = {}
    for chunk in _chunks(user_ids):
        for account in SocialAccount.objects.filter(user_id__in=chunk):
            accounts.setdefault(account.user_id, account)
    return accounts


def _list(request):
    users = User.objects.order_by("date_joined", "id")
    status = request.get("status")
    if status:
        users = users.filter(metadata__status=status)
    users = list(users)
    metadata = _metadata_by_user([user.id for user in users])
    return {"users": [_describe(user, metadata.get(user.id)) for user in users]}


def _show(request):
    found, unknown, ambiguous = _find([request["email"]])
    if not found:
        return {"user": None, "unknown": unknown, "ambiguous": ambiguous}
    user = next(iter(found.values()))
    return {
        "user": _describe(user, _metadata_by_user([user.id]).get(user.id), full=True),
        "unknown": [],
        "ambiguous": [],
    }


def _targets(request):
    if request.get("domain"):
        suffix = "@" + request["domain"].lower()
        users = list(
            User.objects.filter(email__iendswith=suffix, metadata__status=UserMetadata.Status.PENDING).order_by(
                "date_joined", "id"
            )
        )
        return {user.email: user for user in users}, [], []
    return _find(request["emails"])


def _change(request):
    action = request["action"]
    target_status = UserMetadata.Status.APPROVED if action == "approve" else UserMetadata.Status.REJECTED
    reason = request.get("reason") or ""
    found, unknown, ambiguous = _targets(request)
    result = {
        "action": action,
        "dry_run": bool(request.get("dry_run")),
        "applied": False,
        "changed": [],
        "unchanged": [],
        "unknown": unknown,
        "ambiguous": ambiguous,
        "emails_sent": 0,
        "email_failures": [],
    }
    if (unknown or ambiguous) and not request.get("skip_missing"):
        return result  # nothing changes unless told to apply the rest
    ids = [user.id for user in found.values()]
    with transaction.atomic():
        users = {}
        for chunk in _chunks(ids):
            for user in User.objects.select_for_update().filter(id__in=chunk):
                users[user.id] = user
        metadata = {}
        for chunk in _chunks(ids):
            for item in UserMetadata.objects.select_for_update().filter(user_id__in=chunk):
                metadata[item.user_id] = item
        to_change = []
        for found_user in found.values():
            user = users[found_user.id]
            current = metadata.get(user.id)
            if _status(current) == target_status and (action == "approve" or current.rejection_reason == reason):
                result["unchanged"].append({"email": user.email, "status": target_status})
                continue
            result["changed"].append({"email": user.email, "from": _status(current), "to": target_status})
            to_change.append((user, current))
        if result["dry_run"]:
            return result
        for user, current in to_change:
            if current is None:
                current = UserMetadata(user=user)
            current.status = target_status
            if action == "reject":
                current.rejection_reason = reason
            current.save()
            user.metadata = current
            user.is_active = action == "approve"
            user.save(update_fields=["is_active"])
        result["applied"] = True
    if request.get("send_email", True):
        accounts = _social_accounts([user.id for user, _ in to_change])
        send = (
            archive_mail.send_approved_user_message if action == "approve" else archive_mail.send_rejected_user_message
        )
        for user, _ in to_change:
            try:
                send(user, accounts.get(user.id))
                result["emails_sent"] += 1
            except Exception as exc:  # one bad address must not hide the rest
                result["email_failures"].append({"email": user.email, "error": _mail_error(exc)})  # noqa: F821
    return result


def _main():
    request = _request()
    action = request["action"]
    if action == "list":
        result = _list(request)
    elif action == "show":
        result = _show(request)
    elif action in ("approve", "reject"):
        result = _change(request)
    else:
        raise SystemExit(f"unknown action {action!r}")
    result["action"] = action
    _respond(result)


_main()
