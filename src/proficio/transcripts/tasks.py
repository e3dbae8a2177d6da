from __future__ import annotations

from django_tasks import task

from proficio.audit.context import acting


@task()
def issue_class(job_id: int) -> int:
    """Issue a graduating class's level credentials and transcript CLRs, with progress."""
    from proficio.transcripts.actions import run_class_issue
    from proficio.transcripts.models import ClassIssue

    job = ClassIssue.objects.select_related("district").get(pk=job_id)
    with acting(None, route="task: issue a graduating class", purpose="credential issuance"):
        done = run_class_issue(job)
    return done.transcripts
