"""Disclosure requests in their states, built through the real services (tests only)."""

from nara.agencies.models import Membership
from nara.core.uploads import CleanFile
from nara.disclosure import decisions, services
from nara.disclosure.models import Delivery, Form
from tests.conftest import make_user

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def agency_admin(world):
    """An agency administrator of the ministry (covers the roads unit below it)."""
    user = make_user("admin@moi.example.com", official=True, name="Min Admin")
    Membership.objects.create(user=user, unit=world.ministry, role=Membership.Role.AGENCY_ADMIN)
    return user


def file_request(world, *, unit=None, by=None, **fields):
    return services.request_file(
        requester=by or world.citizen,
        unit=unit or world.roads,
        title=fields.pop("title", "Road repair contracts 2025"),
        body=fields.pop("body", "The contracts for road repairs in 2025 and their prices."),
        purpose=fields.pop("purpose", "Research"),
        form=fields.pop("form", Form.ELECTRONIC),
        delivery=fields.pop("delivery", Delivery.ONLINE),
        **fields,
    )


def pdf_file(name="contracts.pdf") -> CleanFile:
    return CleanFile(name=name, content_type="application/pdf", data=PDF)


def decided(world, *, grade="partial", grounds=("6",), files=True, request=None):
    """A request decided by the roads unit (submitted by its handler, approved)."""
    r = request or file_request(world)
    decisions.decision_submit(
        request=r,
        by=world.handler,
        grade=grade,
        grounds=list(grounds) if grade != "open" else [],
        reasons="Names of private persons withheld." if grade != "open" else "",
        pages=12,
        files=[pdf_file()] if files and grade != "closed" else [],
    )
    return decisions.decision_decide(request=r, by=world.approver, approve=True)
