"""What the public reads of a complaint (공개 민원): its title, text and answer with personal data
masked (`nara.core.masking`), published only with the citizen's consent once the answer is
approved. The same function writes the stored public copy and shows the approver, before they
approve, the exact text the public will read."""

from dataclasses import dataclass

from nara.core.masking import mask_personal_data

from .models import ANSWERED_STATUSES, Complaint

TITLE_LENGTH = 200  # Complaint.public_title


@dataclass(frozen=True)
class PublicCopy:
    title: str
    body: str
    answer: str


def will_be_published(complaint: Complaint) -> bool:
    """Published once answered: the citizen consented and their account still exists. A
    deactivated account's name, e-mail and phone are erased, so nothing would mask them in a
    text approved after that: such a complaint stays private."""
    return complaint.publish_consent and complaint.citizen.is_active


def known_personal_data(complaint: Complaint) -> tuple[str, ...]:
    """What the office knows to be the citizen's: masked wherever it occurs, however spaced."""
    citizen = complaint.citizen
    return (citizen.name, citizen.email, citizen.phone, complaint.address)


def public_copy(complaint: Complaint, *, answer: str) -> PublicCopy:
    """The complaint as the public will read it with `answer` as its answer."""
    known = known_personal_data(complaint)
    return PublicCopy(
        title=mask_personal_data(complaint.title, extra=known)[:TITLE_LENGTH],
        body=mask_personal_data(complaint.body, extra=known),
        answer=mask_personal_data(answer, extra=known),
    )


def write_public_copy(complaint: Complaint) -> None:
    """Set the masked copies the public pages show and search (saved with the complaint)."""
    copy = public_copy(complaint, answer=complaint.answer)
    complaint.public_title, complaint.public_body, complaint.public_answer = (
        copy.title,
        copy.body,
        copy.answer,
    )


def public_copies_refresh(*, batch: int = 500) -> int:
    """Mask the published complaints again with today's rules (after masking learns a new
    pattern, the copies written before still show what it now hides). Returns how many
    changed.

    The stored public copy is masked again, not the original: a refresh only ever hides more.
    Masked from the original, a citizen's name the copy hid as a known string would come back
    once their account is deactivated (the name, e-mail and phone are then erased, so nothing
    knows them any more)."""
    changed = 0
    published = Complaint.objects.filter(publish_consent=True, status__in=ANSWERED_STATUSES)
    for complaint in published.select_related("citizen").order_by("pk").iterator(batch):
        before = (complaint.public_title, complaint.public_body, complaint.public_answer)
        known = known_personal_data(complaint)
        if any(before):
            complaint.public_title, complaint.public_body, complaint.public_answer = (
                mask_personal_data(text, extra=known) for text in before
            )
        else:  # never written (published before public copies were kept)
            write_public_copy(complaint)
        if (complaint.public_title, complaint.public_body, complaint.public_answer) != before:
            complaint.save(update_fields=["public_title", "public_body", "public_answer"])
            changed += 1
    return changed
