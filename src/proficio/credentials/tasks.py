from __future__ import annotations

from django_tasks import task

from proficio.audit.context import acting


@task()
def issue_district_level_credentials(district_id: int) -> int:
    """Issue every level credential due in a district (after it turns them on, and from the
    daily job), student by student, each in its own transaction."""
    from proficio import policy
    from proficio.credentials.actions import issue_level_credentials
    from proficio.orgs.models import Organization, Student

    district = Organization.objects.get(pk=district_id)
    issued = 0
    with acting(None, route="task: issue level credentials", purpose="credential issuance"):
        for student in Student.objects.filter(
            school__path__startswith=district.path
        ).select_related("school"):
            issued += len(issue_level_credentials(policy.SYSTEM, student))
    return issued


@task()
def sync_students_level_credentials(student_ids: list[int]) -> int:
    """Issue and revoke level credentials for students whose standings changed."""
    from proficio import policy
    from proficio.credentials.actions import sync_level_credentials
    from proficio.orgs.models import Student

    changed = 0
    with acting(None, route="task: level credentials", purpose="credential issuance"):
        for student in Student.objects.filter(pk__in=student_ids).select_related("school"):
            issued, revoked = sync_level_credentials(policy.SYSTEM, student)
            changed += len(issued) + len(revoked)
    return changed
