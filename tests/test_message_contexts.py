"""One English message id, one meaning: where the same words mean different things in different
parts of the site (a petition's "Support" is 사전 동의, a stance on a draft law is 찬성), each
use carries its own context (pgettext), so that each gets its own Korean.

The catalogue's references say which apps use a message id. An id used by more than one app
must be in SAME_MEANING, the list of ids reviewed as meaning the same everywhere (issue #12):
a new shared id fails here until someone decides — the same meaning (add it below) or another
(give each use a context). Collisions found in review and given contexts: "Support" (petition,
comment stance, participation action), "new" and "amended" (article), "Your draft was deleted."
(petition, contribution), "Moderation" (petitions, participation), "Author" and "Proposal"
(participation), "Approve" (moderation), "Reply"/"reply" (consultation report), "question"
(poll), "Sent" (contributions), "Change" (edit)."""

import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import pgettext

PO = Path(__file__).resolve().parent.parent / "locale" / "ko" / "LC_MESSAGES" / "django.po"

SAME_MEANING = {
    # the back office (issue 13): documents, disclosure requests and the approvals worklist use
    # these as complaints, petitions and proposals do (reviewed: one Korean fits every use;
    # "Transfers" differs — a count in complaints, a list in disclosure — and has a context)
    "Unknown unit.",
    "Delegated authority",
    "drafter",
    "Information released",
    "No decision in time: deemed refused",
    "Objection decided",
    "Attachments",
    "Due",
    "Choose another, active unit.",
    "Give the reason for the transfer.",
    "Give the reason for the extension.",
    "Received",
    "Answer awaiting approval",
    "handling unit",
    "received",
    "due",
    "reason for the extension",
    "Attach at most %(n)d files.",
    "The answer was submitted for approval.",
    "Outcome",
    "Partly accepted",
    "Extend by 1 to %(n)d days.",
    "Transfer",
    "Documents",
    "Newest",
    "Step",
    "Waiting since",
    "%(since)s ago",
    "Information requests",
    "Extended: %(reason)s",
    "overdue",
    "Office",
    "All offices",
    "Decided",
    "Grounds for withholding",
    "Yes",
    "No",
    "Actions",
    "Timeline",
    "When",
    "Text",
    "Return to the drafter",
    # an approval line's words that mean what they mean elsewhere (nara.approvals)
    "unit",
    "role",
    "Approved",
    "Returned",
    "position",
    # the English version of a field written in Korean (nara.core.bilingual)
    "title in English",
    "summary in English",
    "description in English",
    "Not given",
    "Phone",
    "Address",
    "Accessibility",
    "Contact us",
    "E-mail",
    "Privacy policy",
    "Terms of use",
    "Bar chart; the figures are in the table below.",
    "(no title yet)",
    "No, back to my draft",
    "No, keep it",
    "Sending, with your files ({size}). This can take a while on a slow connection: keep this page open.",
    "Sending…",
    "Yes, delete the draft",
    "A comment can be at most %(limit_value)d characters.",
    "A comment can be at most %(n)d characters.",
    "Accepted",
    "active",
    "agency",
    "Agency",
    "Agency figures",
    "All",
    "All kinds",
    "Answer",
    "answer",
    "answer due",
    "Answer due",
    "Answer returned",
    "Answered",
    "answered",
    "Approve",
    "Approve and publish",
    "At most %(n)d characters.",
    "Authentication required.",
    "Awaiting approval",
    "Breadcrumbs",
    "By",
    "category",
    "Category",
    "Choose your region.",
    "Choose…",
    "Closed",
    "closed",
    "code",
    "Comment",
    "comment",
    "Comments",
    "competent agency",
    "Competent agency",
    "Complaints inbox",
    "Confirm your e-mail address first",
    "created",
    "Current phase",
    "Dates",
    "days to answer",
    "Deactivate and pseudonymise",
    "Decision",
    "Delete the draft and start again",
    "description",
    "description of the image",
    "Draft",
    "Drafted by %(who)s",
    "E-mail address",
    "E-mail or password is incorrect.",
    "Edit",
    "English name",
    "Enter a valid e-mail address.",
    "Enter your name.",
    "Extend",
    "Extended",
    "Facts",
    "File a complaint",
    "Filter",
    "Give the reason: it is kept in the audit log.",
    "Handler",
    "History",
    "Home",
    "I don't know / none",
    "Inbox",
    "kind",
    "Kind",
    "Korean name",
    "location",
    "Location",
    "Log in",
    "Log out",
    "Moderation target",
    "Moderator's reason:",
    "My account",
    "My complaints",
    "My participation",
    "Name",
    "name",
    "Nara",
    "Next",
    "Not accepted",
    "Not allowed",
    "Not found.",
    "note",
    "Nothing recorded yet.",
    "Notifications",
    "Open the link in the e-mail we sent you when you signed up. If you cannot find it, we can send it again.",
    "optional",
    "Overdue",
    "Page %(n)s of %(total)s",
    "Pages",
    "Participation moderation",
    "Personal information",
    "Petitions",
    "Petitions to answer",
    "Previous",
    "process",
    "Publish the report",
    "Published",
    "published",
    "Published complaints",
    "Reason",
    "reason",
    "Reason for the extension",
    "receipt number",
    "Receipt number",
    "Referred to the agency",
    "Region",
    "region",
    "Reject",
    "Rejected",
    "Results",
    "Return with comment",
    "Save",
    "Save draft",
    "Say what should change.",
    "Search",
    "See the results",
    "Send the confirmation e-mail again",
    "Show",
    "Sign up",
    "Status",
    "status",
    "Submit for approval",
    "Submitted",
    "summary",
    "Take part",
    "text",
    "The service is very busy. Please retry shortly.",
    "The text can be at most %(n)d characters.",
    "The title can be at most %(limit_value)d characters.",
    "The title can be at most %(n)d characters.",
    "There is a problem",
    "This account is already blocked.",
    "This cannot be done in the current state.",
    "This cannot be done now",
    "Title",
    "title",
    "Too many attempts. Try again later.",
    "Unit",
    "What should change?",
    "Withdrawn",
    "Write the answer.",
    "Write your comment.",
    "You already signed this petition.",
    "You cannot report your own post.",
    "Your comment",
}


def app_of(reference: str) -> str:
    """The part of the site a reference ("nara/petitions/views.py:12",
    "templates/participation/polls/detail.html:3") belongs to: an app, a participation
    component, or "site" for the shared templates."""
    parts = reference.rsplit(":", 1)[0].split("/")[1:]
    if len(parts) == 1:
        return "site"
    if parts[0] == "participation" and len(parts) > 2:
        return "participation/" + parts[1]
    return {"office": "complaints"}.get(parts[0], parts[0])


def shared_message_ids() -> dict[str, set[str]]:
    """Message ids without a context used by more than one app, with the apps."""
    shared = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        if "\nmsgctxt " in "\n" + block or block.startswith("#~"):
            continue
        references = [
            r for line in block.splitlines() if line.startswith("#:") for r in line[2:].split()
        ]
        found = re.search(r'^msgid "(.*)"$((?:\n".*")*)', block, re.M)
        if not found:
            continue
        msgid = found.group(1) + "".join(part[1:-1] for part in found.group(2).split("\n") if part)
        apps = {app_of(r) for r in references}
        if msgid and len(apps) > 1:
            shared[msgid.replace('\\"', '"')] = apps
    return shared


def test_a_message_id_shared_by_apps_was_reviewed_as_meaning_the_same():
    shared = shared_message_ids()
    unreviewed = {
        msgid: sorted(apps) for msgid, apps in shared.items() if msgid not in SAME_MEANING
    }
    assert not unreviewed, (
        "used by several apps, not reviewed: the same meaning everywhere (add to SAME_MEANING) "
        "or not (pgettext, or translate with a context, for each use): " + repr(unreviewed)
    )
    assert not SAME_MEANING - set(shared), "no longer shared: remove from SAME_MEANING"


def test_the_words_that_differ_by_context_differ_in_korean():
    with translation.override("ko"):
        assert pgettext("petition", "Support") == "사전 동의하기"
        assert pgettext("comment stance", "Support") == "찬성"
        assert pgettext("participation action", "Support") == "공감"
        assert pgettext("article", "new") == "신설"
        assert pgettext("contribution", "Your draft was deleted.") != pgettext(
            "petition", "Your draft was deleted."
        )
        assert "청원" not in pgettext("participation", "Moderation")
