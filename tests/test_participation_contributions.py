"""“Have Your Say” contributions: the form keeps everything on errors, pictures are checked,
stripped and resized, preview → edit → submit makes one contribution, permissions, credit."""

import io
import re
import threading
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from nara.notifications.models import Notification
from nara.participation.contributions import services
from nara.participation.contributions.components import contribution_components
from nara.participation.contributions.images import picture_clean
from nara.participation.contributions.models import (
    Contribution,
    ContributionDraft,
    ContributionImage,
    DraftImage,
)
from nara.participation.models import ModerationStatus, PhaseKind, PostingBlock
from nara.participation.moderation import moderation_decide
from tests.conftest import login
from tests.participation_helpers import make_process, move_to_phase

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
MAKE = 0x010F


def jpeg(size=(800, 600), colour=(200, 120, 40), gps=False) -> bytes:
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[MAKE] = "NaraCam"
        ifd = exif.get_ifd(GPS_IFD)
        ifd[1] = "N"
        ifd[2] = (37.0, 33.0, 59.0)
        ifd[3] = "E"
        ifd[4] = (126.0, 58.0, 41.0)
    image.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def png(size=(300, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def bomb() -> bytes:
    """A small PNG that decodes to 100 million pixels."""
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


TEXTS = {
    "title": "버스 정류장에 그늘막을 설치해 주세요",
    "text": "여름마다 정류장에서 기다리기가 너무 힘듭니다. 그늘막이 있으면 좋겠습니다.",
    "credit_name": "김민지",
    "credit_location": "부산광역시",
    "caption_1": "한낮의 정류장",
    "caption_2": "그늘이 없는 인도",
    "caption_3": "비슷한 다른 정류장",
    "caption_4": "제안하는 그늘막",
}


def form_data(**changes):
    data = {**TEXTS, "consent": "on"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def client():
    """English pages, so that the messages can be compared with their source text."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client_for():
    def make(user):
        return login(Client(HTTP_ACCEPT_LANGUAGE="en"), user)

    return make


@pytest.fixture
def process(world):
    return make_process(world.roads, current=PhaseKind.INPUT, slug="shade")


@pytest.fixture
def citizen(world):
    return login(Client(HTTP_ACCEPT_LANGUAGE="en"), world.citizen)


def new_url(process):
    return reverse("contributions:new", args=[process.slug])


def the_draft(user) -> ContributionDraft:
    return ContributionDraft.objects.get(user=user)


def assert_form_kept(response, *, captions=(1, 2, 3, 4), images=0, consent=True):
    """The re-shown form still holds what was typed and the pictures already accepted."""
    html = response.content.decode()
    assert f'value="{TEXTS["title"]}"' in html
    assert TEXTS["text"] in html
    assert f'value="{TEXTS["credit_name"]}"' in html
    assert f'value="{TEXTS["credit_location"]}"' in html
    for n in captions:
        assert f'value="{TEXTS[f"caption_{n}"]}"' in html, f"caption {n} lost"
    assert len(re.findall(r'src="/participation/contributions/draft/[^"]+/thumb/"', html)) == images
    checked = re.search(r'<input type="checkbox" name="consent"[^>]*>', html).group(0)
    assert ("checked" in checked) == consent


# --- the form -------------------------------------------------------------------------------------


def test_contribution_without_pictures_is_accepted(process, citizen, world):
    response = citizen.post(new_url(process), form_data())
    draft = the_draft(world.citizen)
    assert response.status_code == 302
    assert response["Location"] == reverse("contributions:preview", args=[draft.token])
    preview = citizen.get(response["Location"])
    assert preview.status_code == 200
    assert TEXTS["title"] in preview.content.decode()
    response = citizen.post(reverse("contributions:submit", args=[draft.token]))
    contribution = Contribution.objects.get()
    assert response["Location"] == reverse("contributions:receipt", args=[contribution.pk])
    assert contribution.images.count() == 0
    assert contribution.moderation_status == ModerationStatus.PENDING
    assert contribution.moderation_due_at is not None
    assert re.fullmatch(r"HYS-\d{4}-[34679A-Y]{4}-[34679A-Y]{4}", contribution.receipt_number)
    receipt = citizen.get(response["Location"])
    assert contribution.receipt_number in receipt.content.decode()
    notice = Notification.objects.get(user=world.citizen)
    assert contribution.receipt_number in notice.title
    assert not ContributionDraft.objects.exists()


def four_pictures(**extra):
    files = {
        f"image_{n}": upload(f"photo{n}.jpg", jpeg(colour=(60 * n, 80, 100))) for n in (1, 2, 3, 4)
    }
    files.update(extra)
    return files


def test_five_pictures_get_a_clear_error_and_everything_is_kept(process, citizen, world):
    data = form_data(**four_pictures(image_5=upload("photo5.jpg", jpeg())))
    response = citizen.post(new_url(process), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "A contribution can have at most 4 pictures. Not added: photo5.jpg." in html
    assert_form_kept(response, images=4)
    draft = the_draft(world.citizen)
    assert not draft.ready
    assert [(i.slot, i.caption) for i in draft.images.all()] == [
        (n, TEXTS[f"caption_{n}"]) for n in (1, 2, 3, 4)
    ]
    assert not Contribution.objects.exists()
    # the preview is not reachable while something is wrong
    assert citizen.get(reverse("contributions:preview", args=[draft.token]))["Location"] == (
        reverse("contributions:edit", args=[draft.token])
    )


BAD_FILES = {
    "oversize": (
        lambda: upload("huge.jpg", jpeg(size=(1200, 900), colour=(1, 2, 3)) + b"\0" * 60_000),
        "huge.jpg is larger than",
    ),
    "executable": (
        lambda: upload("holiday.jpg", b"MZ\x90\x00\x03" + b"\x00" * 2000, "image/jpeg"),
        "holiday.jpg is not a picture we can accept: choose a JPEG or PNG file.",
    ),
    "bomb": (
        lambda: upload("bomb.png", bomb(), "image/png"),
        "The image bomb.png is too large: at most 40 megapixels are accepted.",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_gets_a_clear_error_and_everything_else_is_kept(
    kind, process, citizen, world, settings
):
    settings.NARA_CONTRIBUTION_MAX_IMAGE_BYTES = 50_000
    make_bad, message = BAD_FILES[kind]
    # picture 1 already accepted on an earlier round
    first = citizen.post(
        new_url(process), form_data(image_1=upload("first.png", png(), "image/png"))
    )
    assert first.status_code == 302
    draft = the_draft(world.citizen)
    edit = reverse("contributions:edit", args=[draft.token])
    # then picture 2 is good and picture 3 is bad
    response = citizen.post(
        edit,
        form_data(image_2=upload("second.jpg", jpeg()), image_3=make_bad()),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="id_image_3_error"' in html  # the error sits at its picture
    assert_form_kept(response, images=2)
    assert sorted(draft.images.values_list("slot", flat=True)) == [1, 2]
    assert not ContributionDraft.objects.get(pk=draft.pk).ready


def test_missing_consent_gets_a_clear_error_and_everything_is_kept(process, citizen, world):
    response = citizen.post(
        new_url(process), form_data(consent=None, image_1=upload("a.jpg", jpeg()))
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Agree to the submission guidelines to send your contribution." in html
    assert 'href="/participation/contributions/guidelines/"' in html
    assert_form_kept(response, images=1, consent=False)
    # and the final submit refuses it too
    draft = the_draft(world.citizen)
    response = citizen.post(reverse("contributions:submit", args=[draft.token]))
    assert response.status_code == 400
    assert not Contribution.objects.exists()


def test_guidelines_page_in_both_languages(client):
    response = client.get("/participation/contributions/guidelines/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Submission guidelines" in response.content.decode()


# --- pictures -------------------------------------------------------------------------------------


def test_pictures_lose_their_location_data_and_are_resized(process, citizen, world):
    original = jpeg(size=(2400, 1800), gps=True)
    with Image.open(io.BytesIO(original)) as check:
        assert check.getexif().get_ifd(GPS_IFD)  # the test file does carry a position
    response = citizen.post(new_url(process), form_data(image_1=upload("gps.jpg", original)))
    assert response.status_code == 302
    draft = the_draft(world.citizen)
    citizen.post(reverse("contributions:submit", args=[draft.token]))
    picture = ContributionImage.objects.get()
    with default_storage.open(picture.image.name, "rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        assert stored.size == (1600, 1200) == (picture.width, picture.height)
        assert not stored.getexif()
        assert "exif" not in stored.info
    with default_storage.open(picture.thumbnail.name, "rb") as handle:
        thumb = Image.open(io.BytesIO(handle.read()))
        assert thumb.size == (480, 360) == (picture.thumb_width, picture.thumb_height)
        assert not thumb.getexif()
    assert picture.caption == TEXTS["caption_1"] and picture.alt == TEXTS["caption_1"]


def test_preview_edit_and_submit_makes_one_contribution(process, citizen, world):
    files = {"image_1": upload("one.jpg", jpeg()), "image_2": upload("two.png", png(), "image/png")}
    response = citizen.post(new_url(process), form_data(caption_2="", **files))
    draft = the_draft(world.citizen)
    preview = citizen.get(response["Location"]).content.decode()
    assert preview.count("<figure>") == 2
    assert f"<figcaption>{TEXTS['caption_1']}</figcaption>" in preview
    # back to edit: the form shows the kept pictures and texts
    edit = reverse("contributions:edit", args=[draft.token])
    page = citizen.get(edit)
    assert page.status_code == 200
    assert TEXTS["text"] in page.content.decode()
    assert len(re.findall(r"/thumb/\"", page.content.decode())) == 2
    # change the text, remove picture 1, caption picture 2
    response = citizen.post(
        edit,
        form_data(
            text="고친 내용입니다. 그늘막이 꼭 필요합니다.", remove_1="on", caption_2="새 설명"
        ),
    )
    assert response.status_code == 302
    preview = citizen.get(response["Location"]).content.decode()
    assert preview.count("<figure>") == 1 and "고친 내용입니다." in preview
    # add a picture again in place 3, then submit
    citizen.post(
        edit,
        form_data(
            text="고친 내용입니다. 그늘막이 꼭 필요합니다.",
            caption_2="새 설명",
            caption_3="셋째",
            image_3=upload("three.jpg", jpeg()),
        ),
    )
    citizen.post(reverse("contributions:submit", args=[draft.token]))
    contribution = Contribution.objects.get()
    assert contribution.text == "고친 내용입니다. 그늘막이 꼭 필요합니다."
    assert [(i.order, i.caption, i.content_type) for i in contribution.images.all()] == [
        (1, "새 설명", "image/png"),
        (2, "셋째", "image/jpeg"),
    ]
    assert DraftImage.objects.count() == 0
    for picture in contribution.images.all():
        assert default_storage.exists(picture.image.name)


def test_double_final_submit_makes_one_contribution(process, citizen, world):
    citizen.post(new_url(process), form_data(image_1=upload("a.jpg", jpeg())))
    draft = the_draft(world.citizen)
    submit = reverse("contributions:submit", args=[draft.token])
    first = citizen.post(submit)
    second = citizen.post(submit)
    assert Contribution.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert ContributionImage.objects.count() == 1
    assert services.contribution_submit(user=world.citizen, token=draft.token).pk == (
        Contribution.objects.get().pk
    )


# --- permissions ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(process, client):
    for response in (
        client.get(new_url(process)),
        client.post(new_url(process), form_data()),
        client.get(reverse("contributions:mine")),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not ContributionDraft.objects.exists()
    page = client.get(reverse("contributions:process", args=[process.slug]))
    assert page.status_code == 200 and "Log in to send a contribution" in page.content.decode()


def test_another_users_draft_is_not_found(process, citizen, world, client_for):
    citizen.post(new_url(process), form_data(image_1=upload("a.jpg", jpeg())))
    draft = the_draft(world.citizen)
    key = draft.images.get().key
    other = client_for(world.other_citizen)
    for url in (
        reverse("contributions:edit", args=[draft.token]),
        reverse("contributions:preview", args=[draft.token]),
        reverse("contributions:draft_image", args=[draft.token, key, "thumb"]),
    ):
        assert other.get(url).status_code == 404, url
        assert citizen.get(url).status_code == 200, url
    assert (
        other.post(reverse("contributions:edit", args=[draft.token]), form_data()).status_code
        == 404
    )
    assert other.post(reverse("contributions:submit", args=[draft.token])).status_code == 404
    assert other.post(reverse("contributions:discard", args=[draft.token])).status_code == 404
    assert not Contribution.objects.exists()
    assert ContributionDraft.objects.filter(pk=draft.pk).exists()


def test_a_phase_without_contribute_refuses_with_the_reason(process, citizen, world):
    citizen.post(new_url(process), form_data())
    draft = the_draft(world.citizen)
    move_to_phase(process, PhaseKind.DELIBERATION)
    reason = "This is not open in the current phase."
    for response in (
        citizen.get(new_url(process)),
        citizen.post(new_url(process), form_data()),
        citizen.get(reverse("contributions:edit", args=[draft.token])),
        citizen.post(reverse("contributions:submit", args=[draft.token])),
    ):
        assert response.status_code == 403
        assert reason in response.content.decode()
    assert not Contribution.objects.exists()
    page = citizen.get(reverse("contributions:process", args=[process.slug]))
    assert reason in page.content.decode()


def test_a_blocked_account_may_not_contribute(process, citizen, world):
    PostingBlock.objects.create(user=world.citizen, reason="spam")
    response = citizen.post(new_url(process), form_data())
    assert response.status_code == 403
    assert not ContributionDraft.objects.exists()


def submitted(client, process, user, **changes) -> Contribution:
    client.post(new_url(process), form_data(**changes))
    draft = ContributionDraft.objects.get(user=user)
    client.post(reverse("contributions:submit", args=[draft.token]))
    return Contribution.objects.filter(author=user).latest("id")


def test_only_published_contributions_are_public(
    process, citizen, world, client, client_for, moderator
):
    contribution = submitted(citizen, process, world.citizen, image_1=upload("a.jpg", jpeg()))
    detail = reverse("contributions:detail", args=[contribution.pk])
    picture = reverse("contributions:image", args=[contribution.images.get().pk, "full"])
    other = client_for(world.other_citizen)
    for url in (detail, picture):
        assert client.get(url).status_code == 404
        assert other.get(url).status_code == 404
        assert citizen.get(url).status_code == 200
        assert client_for(moderator).get(url).status_code == 200
    assert (
        TEXTS["title"]
        not in client.get(reverse("contributions:process", args=[process.slug])).content.decode()
    )
    assert other.get(reverse("contributions:receipt", args=[contribution.pk])).status_code == 404
    # the author sees the status, then the moderator's reason
    assert "Awaiting moderation" in citizen.get(detail).content.decode()
    moderation_decide(item=contribution, by=moderator, decision="reject", reason="얼굴이 보입니다")
    page = citizen.get(detail).content.decode()
    assert "Rejected" in page and "얼굴이 보입니다" in page
    mine = citizen.get(reverse("contributions:mine")).content.decode()
    assert contribution.receipt_number in mine and "얼굴이 보입니다" in mine
    assert client.get(detail).status_code == 404


def test_publication_shows_the_credit_chosen_and_never_the_account(
    process, citizen, world, client, client_for, moderator
):
    named = submitted(citizen, process, world.citizen, image_1=upload("a.jpg", jpeg()))
    other = client_for(world.other_citizen)
    anonymous = submitted(
        other, process, world.other_citizen, title="익명 제안", credit_name="", credit_location=""
    )
    for item in (named, anonymous):
        moderation_decide(item=item, by=moderator, decision="approve")
    page = client.get(reverse("contributions:detail", args=[named.pk]))
    html = page.content.decode()
    assert "By 김민지, 부산광역시" in html
    assert html.count("<figure>") == 1
    assert re.search(r'<img src="[^"]+/thumb/" srcset="[^"]+ 480w, [^"]+ 800w"', html)
    assert f"<figcaption>{TEXTS['caption_1']}</figcaption>" in html
    assert (
        client.get(
            reverse("contributions:image", args=[named.images.get().pk, "thumb"])
        ).status_code
        == 200
    )
    html = client.get(reverse("contributions:detail", args=[anonymous.pk])).content.decode()
    assert "By an anonymous contributor" in html
    listing = client.get(reverse("contributions:process", args=[process.slug])).content.decode()
    for page_html in (html, listing):
        for secret in (world.citizen.email, world.other_citizen.email, "Alice", "Bob"):
            assert secret not in page_html
    assert "By 김민지, 부산광역시" in listing and "By an anonymous contributor" in listing
    # the author was told: the receipt, then the publication (by the moderation service)
    assert Notification.objects.filter(user=world.citizen).count() == 2


def test_list_page_queries_do_not_grow(
    process, world, moderator, client, django_assert_max_num_queries
):
    from tests.conftest import make_user

    def add(n):
        for i in range(n):
            user = make_user(f"c{Contribution.objects.count()}-{i}@example.com")
            c = login(Client(HTTP_ACCEPT_LANGUAGE="en"), user)
            item = submitted(c, process, user, image_1=upload("a.jpg", jpeg(size=(80, 60))))
            moderation_decide(item=item, by=moderator, decision="approve")

    url = reverse("contributions:process", args=[process.slug])
    add(2)
    with django_assert_max_num_queries(8) as small:
        assert client.get(url).status_code == 200
    add(6)
    with django_assert_max_num_queries(8) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_expired_drafts_are_cleaned_up_with_their_files(
    process, citizen, world, django_capture_on_commit_callbacks
):
    citizen.post(new_url(process), form_data(image_1=upload("a.jpg", jpeg())))
    draft = the_draft(world.citizen)
    names = [draft.images.get().image, draft.images.get().thumbnail]
    assert all(default_storage.exists(n) for n in names)
    assert services.drafts_cleanup() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.drafts_cleanup(now=timezone.now() + timedelta(hours=25)) == 1
    assert not ContributionDraft.objects.exists()
    assert not any(default_storage.exists(n) for n in names)


def test_the_process_page_lists_the_call(process):
    [component] = contribution_components(process)
    assert component.url == reverse("contributions:process", args=[process.slug])


def test_demo_shows_every_state(world, moderator):
    from nara.participation.contributions import demo
    from nara.participation.demo import DemoContext

    ctx = DemoContext(
        units={"seoul-traffic": world.parks},
        citizens=[world.citizen, world.other_citizen] * 30,
        moderator=moderator,
        operator=world.operator,
        domain="example.com",
    )
    demo.load(ctx)
    states = sorted(Contribution.objects.values_list("moderation_status", flat=True))
    assert states == ["pending", "published", "published", "published", "rejected"]
    assert ContributionImage.objects.count() == 6
    assert not ContributionDraft.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_final_submits_make_one_contribution(world):
    process = make_process(world.roads, current=PhaseKind.INPUT, slug="shade-threads")
    picture = picture_clean(upload("a.jpg", jpeg()))
    draft = services.draft_save(
        user=world.citizen,
        process=process,
        data=services.DraftInput(
            title="제목", text=TEXTS["text"], consent=True, pictures={1: picture}, ready=True
        ),
    )
    n = 4
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = services.contribution_submit(user=world.citizen, token=draft.token).pk
        except Exception as error:  # collected and asserted below
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Contribution.objects.count() == 1
    assert results == [Contribution.objects.get().pk] * n, results
    assert ContributionImage.objects.count() == 1


# --- review fixes ---------------------------------------------------------------------------------


def test_an_unpublished_process_hides_its_contributions_from_the_public(
    process, citizen, world, client, client_for, moderator
):
    contribution = submitted(citizen, process, world.citizen, image_1=upload("a.jpg", jpeg()))
    moderation_decide(item=contribution, by=moderator, decision="approve")
    detail = reverse("contributions:detail", args=[contribution.pk])
    picture = reverse("contributions:image", args=[contribution.images.get().pk, "thumb"])
    assert client.get(detail).status_code == 200
    process.published = False
    process.save(update_fields=["published"])
    for url in (detail, picture):
        assert client.get(url).status_code == 404
        assert client_for(world.other_citizen).get(url).status_code == 404
        assert citizen.get(url).status_code == 200
        assert client_for(moderator).get(url).status_code == 200


def test_operators_may_only_look_at_contributions_in_the_admin(process, citizen, world, client_for):
    contribution = submitted(citizen, process, world.citizen, image_1=upload("a.jpg", jpeg()))
    citizen.post(new_url(process), form_data(title="두 번째 초안"))
    draft = the_draft(world.citizen)
    operator = client_for(world.operator)
    change = f"/admin/contributions/contribution/{contribution.pk}/change/"
    page = operator.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert operator.post(change, {"title": "바뀐 제목"}).status_code == 403
    delete = f"/admin/contributions/contribution/{contribution.pk}/delete/"
    assert operator.post(delete, {"post": "yes"}).status_code == 403
    assert operator.get("/admin/contributions/contribution/add/").status_code == 403
    contribution.refresh_from_db()
    assert contribution.title == TEXTS["title"]
    # drafts are private: no admin page for them
    assert operator.get("/admin/contributions/contributiondraft/").status_code == 404
    assert (
        operator.get(f"/admin/contributions/contributiondraft/{draft.pk}/change/").status_code
        == 404
    )


def test_an_expired_draft_cannot_be_submitted(process, citizen, world):
    citizen.post(new_url(process), form_data(image_1=upload("a.jpg", jpeg())))
    draft = the_draft(world.citizen)
    ContributionDraft.objects.filter(pk=draft.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = citizen.post(reverse("contributions:submit", args=[draft.token]))
    assert response.status_code == 410
    assert "Your draft has expired" in response.content.decode()
    assert not Contribution.objects.exists()
    with pytest.raises(services.DraftExpired):
        services.contribution_submit(user=world.citizen, token=draft.token)
    assert not Contribution.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_cleanup_skips_a_draft_being_submitted(world):
    """While a submit holds the draft's lock, the clean-up leaves the draft and its files."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite locks the whole database)")
    from django.db import transaction

    process = make_process(world.roads, current=PhaseKind.INPUT, slug="shade-cleanup")
    picture = picture_clean(upload("a.jpg", jpeg()))
    draft = services.draft_save(
        user=world.citizen,
        process=process,
        data=services.DraftInput(
            title="제목", text=TEXTS["text"], consent=True, pictures={1: picture}, ready=True
        ),
    )
    names = [draft.images.get().image, draft.images.get().thumbnail]
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                ContributionDraft.objects.select_for_update().get(pk=draft.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        later = timezone.now() + timedelta(hours=25)
        assert services.drafts_cleanup(now=later) == 0
        assert ContributionDraft.objects.filter(pk=draft.pk).exists()
        assert all(default_storage.exists(n) for n in names)
    finally:
        release.set()
        holder.join()
    assert services.drafts_cleanup(now=later) == 1
    assert not any(default_storage.exists(n) for n in names)
