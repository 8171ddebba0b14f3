"""The Operators group: staff who view and operate jobs in the admin without being superusers
(docs/security.md, "Operators' admin"). Made on demand (create_operator), so that it exists with
its permissions whatever order the migrations and the first sign-in come in."""
from django.contrib.auth.models import Group, Permission

OPERATORS_GROUP = "Operators"
# View the jobs; `change_job` is what the admin's cancel/pause/resume/delete require
# (JobAdmin.has_operate_permission). Jobs are never edited through a form.
OPERATOR_PERMISSIONS = [("jobs", "view_job"), ("jobs", "change_job")]


def operators_group() -> Group:
    """The group, created (and its permissions set) when missing."""
    group, _ = Group.objects.get_or_create(name=OPERATORS_GROUP)
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in OPERATOR_PERMISSIONS
    ]
    group.permissions.add(*permissions)
    return group
