"""Helpers to bring a complaint to a given state through the real services, and to run work
in threads released at once."""

import io
import threading

from django.db import connection

from nara.complaints import answers, services
from nara.complaints.models import Complaint, Kind


def file_complaint(
    world,
    *,
    citizen=None,
    title="Pothole on Sejong-daero",
    body="A deep pothole near exit 3.",
    kind=Kind.GRIEVANCE,
    **fields,
) -> Complaint:
    fields.setdefault("category", world.roads_category)
    return services.complaint_file(
        citizen=citizen or world.citizen,
        kind=kind,
        title=title,
        body=body,
        confirm_repeat=True,
        **fields,
    )


def to_in_progress(world, complaint=None):
    complaint = complaint or file_complaint(world)
    return services.complaint_claim(complaint=complaint, by=world.handler)


def to_pending_approval(world, complaint=None):
    complaint = to_in_progress(world, complaint)
    answers.complaint_submit_answer(
        complaint=complaint, by=world.handler, body="We will repair it this week."
    )
    complaint.refresh_from_db()
    return complaint


def to_answered(world, complaint=None):
    complaint = to_pending_approval(world, complaint)
    return answers.complaint_approve(complaint=complaint, by=world.approver)


def together(n: int, work) -> list:
    """Run work(i) in n threads released at once (a barrier); returns what each raised, or
    None. Each thread closes its own database connection."""
    barrier = threading.Barrier(n, timeout=30)
    outcomes = [None] * n

    def run(i):
        try:
            barrier.wait()
            work(i)
        except Exception as error:  # collected, asserted by the test
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stuck = [thread for thread in threads if thread.is_alive()]
    assert not stuck, f"{len(stuck)} of {n} threads still running after 120 s (a deadlock?)"
    return outcomes


def wsgi_environ(path: str, *, method="POST", body: bytes = b"", token=None, **meta) -> dict:
    """The WSGI environ granian hands the application for one request (the tests that call
    nara.wsgi directly, surge path included), with `meta` added (e.g. HTTP_X_FORWARDED_FOR)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "10.1.2.3",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    environ.update(meta)
    return environ
