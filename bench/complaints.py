"""bench/complaints — civil complaints at scale (issue #2, "Must show" 5).

One command, no arguments needed:

    .venv/bin/python bench/complaints.py        # or: make bench-complaints

1. Creates a scratch PostgreSQL database (`nara_bench`), migrates it, and loads 50 agencies (each
   with 2–3 departments), their officials, 20,000 citizens and 1,000 complaints whose rows look
   like the services wrote them (audit events, notifications, drafts, info requests, attachments).
2. Counts the SQL queries of each page in-process (Django's test client): the handler's inbox,
   the citizen's list, a complaint page (citizen's and office view) and their API equivalents.
3. Grows the data to 100,000 complaints and counts again.
4. Serves the app with granian (production settings, DEBUG off) and runs 32 concurrent
   keep-alive clients against each page; prints p50/p99 latency, requests/s and errors.
5. Stops granian and drops the database (unless --keep).

Goal: p99 under 100 ms at 100,000 complaints, and the query count of a page does not grow with
the data. See bench/README.md."""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as common  # noqa: E402

ROOT = common.ROOT
SEOUL = ZoneInfo("Asia/Seoul")
DOMAIN = "bench.nara.kr"
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # as nara.complaints.services


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--complaints", type=int, default=100_000, help="final number of complaints")
    p.add_argument("--small", type=int, default=1_000, help="complaints at the first count")
    p.add_argument("--agencies", type=int, default=50)
    p.add_argument("--citizens", type=int, default=20_000)
    p.add_argument("--clients", type=int, default=32, help="concurrent clients")
    p.add_argument(
        "--duration", type=float, help="seconds of load per page (default 20; 8 with --ab)"
    )
    p.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per page")
    p.add_argument(
        "--think-ms",
        type=lambda v: [float(x) for x in v.split(",")],
        default=[0.0, 500.0],
        help="pauses between a client's requests, one load pass each (default 0,500: 32 clients "
        "back to back, then 32 users pausing 0.5 s on average)",
    )
    p.add_argument("--port", type=int, default=0, help="granian's port (0: a free one)")
    p.add_argument("--workers", type=int, default=2, help="granian worker processes")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="granian blocking threads per worker (pages are CPU-bound: one measured best)",
    )
    p.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--db-name", default="nara_bench")
    p.add_argument("--pages", default="all", choices=["all", "web", "api"], help="pages to load")
    p.add_argument("--no-load", action="store_true", help="only count queries")
    p.add_argument(
        "--no-serial",
        dest="serial",
        action="store_false",
        help="skip the single-client run (5 s per page) that shows the service time alone",
    )
    p.add_argument("--show-sql", action="store_true", help="print the SQL of each page")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--keep", action="store_true", help="keep the nara_bench database")
    p.add_argument("--seed", type=int, default=2)
    common.add_settings_args(p)
    common.add_ab_args(p)
    args = p.parse_args(argv)
    if args.duration is None:
        args.duration = 8 if args.ab else 20
    args.port = args.port or common.free_port()
    return args


T_START = time.monotonic()


def say(msg: str) -> None:
    print(f"[{time.monotonic() - T_START:6.1f} s] {msg}", flush=True)


# --- the data ------------------------------------------------------------------------------------

MINISTRIES = [
    ("moef", "기획재정부", "Ministry of Economy and Finance"),
    ("moe", "교육부", "Ministry of Education"),
    ("msit", "과학기술정보통신부", "Ministry of Science and ICT"),
    ("mofa", "외교부", "Ministry of Foreign Affairs"),
    ("mou", "통일부", "Ministry of Unification"),
    ("moj", "법무부", "Ministry of Justice"),
    ("mnd", "국방부", "Ministry of National Defense"),
    ("mois", "행정안전부", "Ministry of the Interior and Safety"),
    ("mpva", "국가보훈부", "Ministry of Patriots and Veterans Affairs"),
    ("mcst", "문화체육관광부", "Ministry of Culture, Sports and Tourism"),
    ("mafra", "농림축산식품부", "Ministry of Agriculture, Food and Rural Affairs"),
    ("motie", "산업통상자원부", "Ministry of Trade, Industry and Energy"),
    ("mohw", "보건복지부", "Ministry of Health and Welfare"),
    ("me", "환경부", "Ministry of Environment"),
    ("moel", "고용노동부", "Ministry of Employment and Labor"),
    ("mogef", "여성가족부", "Ministry of Gender Equality and Family"),
    ("molit", "국토교통부", "Ministry of Land, Infrastructure and Transport"),
    ("mof", "해양수산부", "Ministry of Oceans and Fisheries"),
    ("mss", "중소벤처기업부", "Ministry of SMEs and Startups"),
]
PROVINCES = [
    ("seoul", "서울특별시", "Seoul"),
    ("busan", "부산광역시", "Busan"),
    ("daegu", "대구광역시", "Daegu"),
    ("incheon", "인천광역시", "Incheon"),
    ("gwangju", "광주광역시", "Gwangju"),
    ("daejeon", "대전광역시", "Daejeon"),
    ("ulsan", "울산광역시", "Ulsan"),
    ("sejong", "세종특별자치시", "Sejong"),
    ("gyeonggi", "경기도", "Gyeonggi Province"),
    ("gangwon", "강원특별자치도", "Gangwon State"),
    ("chungbuk", "충청북도", "North Chungcheong Province"),
    ("chungnam", "충청남도", "South Chungcheong Province"),
    ("jeonbuk", "전북특별자치도", "Jeonbuk State"),
    ("jeonnam", "전라남도", "South Jeolla Province"),
    ("gyeongbuk", "경상북도", "North Gyeongsang Province"),
    ("gyeongnam", "경상남도", "South Gyeongsang Province"),
    ("jeju", "제주특별자치도", "Jeju Province"),
]
OFFICES = [
    ("police", "경찰청", "Korean National Police Agency"),
    ("nfa", "소방청", "National Fire Agency"),
    ("nts", "국세청", "National Tax Service"),
    ("customs", "관세청", "Korea Customs Service"),
    ("pps", "조달청", "Public Procurement Service"),
    ("kostat", "통계청", "Statistics Korea"),
    ("mma", "병무청", "Military Manpower Administration"),
    ("forest", "산림청", "Korea Forest Service"),
    ("kma", "기상청", "Korea Meteorological Administration"),
    ("kipo", "특허청", "Korean Intellectual Property Office"),
    ("heritage", "국가유산청", "Korea Heritage Service"),
    ("rda", "농촌진흥청", "Rural Development Administration"),
    ("kcg", "해양경찰청", "Korea Coast Guard"),
    ("kdca", "질병관리청", "Korea Disease Control and Prevention Agency"),
]
DEPARTMENTS = [
    ("civil", "민원제도과", "Civil Petitions Division"),
    ("roads", "도로정책과", "Road Policy Division"),
    ("env", "환경정책과", "Environment Policy Division"),
    ("welfare", "복지정책과", "Welfare Policy Division"),
    ("traffic", "교통정책과", "Transport Policy Division"),
    ("housing", "주택정책과", "Housing Policy Division"),
    ("safety", "안전정책과", "Safety Policy Division"),
    ("parks", "공원녹지과", "Parks Division"),
]
CATEGORIES = [
    ("roads", "도로·교통", "Roads and transport"),
    ("environment", "환경", "Environment"),
    ("parks", "공원·녹지", "Parks and green spaces"),
    ("welfare", "복지", "Welfare"),
    ("housing", "주택", "Housing"),
    ("safety", "안전", "Safety"),
    ("other", "기타", "Other"),
]
SURNAMES = "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용"
GIVEN = "민서준도윤하지우현수예은시연주원건호태희영진성경미혜정선동재나라아람솔빛한결다온"
PLACES = [
    "역삼동 123번지 앞",
    "시청역 3번 출구",
    "중앙공원 정문",
    "OO초등학교 후문",
    "새마을시장 입구",
    "한빛아파트 101동 옆",
    "버스정류장(중앙로)",
    "구청 사거리",
    "하천 산책로",
    "주민센터 주차장",
]
TITLES = [
    "{p} 도로 파손 신고",
    "{p} 가로등 고장",
    "{p} 불법 주정차 단속 요청",
    "{p} 공원 화장실 청결 문제",
    "{p} 야간 공사 소음",
    "복지급여 신청 절차 문의",
    "주택 청약 자격 질의",
    "{p} 보도블록 들뜸",
    "{p} 쓰레기 무단 투기",
    "{p} 신호등 주기 조정 건의",
    "여권 재발급 절차 문의",
    "{p} 가로수 가지치기 요청",
    "{p} 횡단보도 설치 건의",
    "민원 처리 기간 관련 질의",
    "{p} 하수구 악취",
]
SENTENCES = [
    "며칠 전부터 같은 문제가 계속되고 있어 불편이 큽니다.",
    "아이들이 매일 지나다니는 길이라 안전이 걱정됩니다.",
    "사진을 첨부하오니 확인 부탁드립니다.",
    "관련 법령이나 기준이 있다면 알려주시기 바랍니다.",
    "빠른 조치를 부탁드립니다.",
    "이전에도 말씀드렸지만 개선되지 않았습니다.",
    "밤에는 특히 어두워서 사고 위험이 있습니다.",
    "주민들 모두 같은 의견입니다.",
    "담당 부서가 어디인지 몰라 이곳에 문의드립니다.",
    "처리 결과를 문자로도 알려주시면 감사하겠습니다.",
]
ANSWERS = [
    "안녕하십니까. 귀하의 민원에 대해 현장을 확인하였으며 보수 공사를 마쳤습니다.",
    "문의하신 절차는 주민센터 또는 온라인으로 신청하실 수 있습니다. 필요 서류는 안내문을 참고해 주십시오.",
    "건의하신 내용은 관계 부서와 협의하여 내년 사업 계획에 반영하도록 검토하겠습니다.",
    "해당 구역에 대한 단속을 강화하였으며 계속 점검하겠습니다.",
]

# (kind, weight). Periods in settings.NARA_COMPLAINT_PERIODS.
KINDS = [
    ("grievance", 45),
    ("procedure_question", 20),
    ("law_question", 10),
    ("proposal", 10),
    ("other", 15),
]
# Statuses by age of the complaint: (status, weight).
STATUS_FRESH = [  # less than a day old
    ("received", 55),
    ("in_progress", 25),
    ("triage", 8),
    ("waiting_citizen", 4),
    ("pending_approval", 3),
    ("answered", 4),
    ("withdrawn", 1),
]
STATUS_RECENT = [  # less than 30 days old
    ("received", 10),
    ("in_progress", 28),
    ("waiting_citizen", 8),
    ("pending_approval", 10),
    ("answered", 27),
    ("closed", 12),
    ("withdrawn", 3),
    ("triage", 2),
]
STATUS_OLD = [
    ("closed", 66),
    ("answered", 25),
    ("withdrawn", 5),
    ("in_progress", 2),
    ("waiting_citizen", 1),
    ("pending_approval", 1),
]
OPEN = {"triage", "received", "in_progress", "waiting_citizen", "pending_approval"}


def weighted(rng: random.Random, table):
    values, weights = zip(*table, strict=False)
    return rng.choices(values, weights)[0]


class World:
    """The organisation, the people, and the targets of the benchmark."""

    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.now = None
        self.receipts: set[str] = set()
        self.due_cache: dict = {}
        self.ids: dict[str, int] = {}

    # -- organisation and people -----------------------------------------------------------

    def build(self):
        from django.contrib.auth.hashers import make_password
        from django.db import transaction
        from django.utils import timezone

        from nara.accounts.models import User
        from nara.agencies.models import Category, Membership, RoutingRule, Unit
        from nara.core.models import Region

        rng = self.rng
        self.now = timezone.now()
        agencies = (
            [(c, k, e, "ministry") for c, k, e in MINISTRIES]
            + [(c, k, e, "province") for c, k, e in PROVINCES]
            + [(c, k, e, "ministry") for c, k, e in OFFICES]
        )
        while len(agencies) < self.args.agencies:
            n = len(agencies) + 1
            agencies.append((f"agency{n}", f"기관{n}", f"Agency {n}", "ministry"))
        agencies = agencies[: self.args.agencies]
        password = make_password("bench-" + secrets.token_hex(8))  # one hash, reused: no logins
        with transaction.atomic():
            self.categories = Category.objects.bulk_create(
                [Category(code=c, name_ko=k, name_en=e) for c, k, e in CATEGORIES]
            )
            roots = Unit.objects.bulk_create(
                [Unit(code=c, name_ko=k, name_en=e, kind=kind) for c, k, e, kind in agencies]
            )
            departments = []
            for root in roots:
                for code, ko, en in rng.sample(DEPARTMENTS, rng.choice([2, 3])):
                    departments.append(
                        Unit(
                            code=f"{root.code}-{code}",
                            name_ko=f"{ko}",
                            name_en=en,
                            kind="department",
                            parent=root,
                        )
                    )
            self.departments = Unit.objects.bulk_create(departments)
            self.units = {u.pk: u for u in [*roots, *self.departments]}

            officials, roles = [], []
            for root in roots:
                officials.append(
                    User(email=f"admin.{root.code}@{DOMAIN}", name=self._name(), password=password)
                )
                roles.append((root, Membership.Role.AGENCY_ADMIN))
            for unit in self.departments:
                for i in range(1, 4):
                    officials.append(
                        User(
                            email=f"handler{i}.{unit.code}@{DOMAIN}",
                            name=self._name(),
                            password=password,
                        )
                    )
                    roles.append((unit, Membership.Role.HANDLER))
                officials.append(
                    User(
                        email=f"approver.{unit.code}@{DOMAIN}", name=self._name(), password=password
                    )
                )
                roles.append((unit, Membership.Role.APPROVER))
            for u in officials:
                u.email_confirmed = True
                u.totp_secret = "NARABENCHTOTPSECRETBASE32AAAAAAA"
                u.totp_confirmed = True
                u.date_joined = self.now - timedelta(days=400)
            officials = User.objects.bulk_create(officials, batch_size=2000)
            Membership.objects.bulk_create(
                [
                    Membership(user=u, unit=unit, role=role)
                    for u, (unit, role) in zip(officials, roles, strict=False)
                ]
            )
            self.handlers = defaultdict(list)
            self.approvers = {}
            for u, (unit, role) in zip(officials, roles, strict=False):
                if role == Membership.Role.HANDLER:
                    self.handlers[unit.pk].append(u)
                elif role == Membership.Role.APPROVER:
                    self.approvers[unit.pk] = u

            regions = list(Region.objects.exclude(parent=None).values_list("pk", flat=True))
            self.regions = regions or [None]
            citizens = []
            for i in range(1, self.args.citizens + 1):
                citizens.append(
                    User(
                        email=f"citizen{i}@{DOMAIN}",
                        name=self._name(),
                        phone=f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                        region_id=rng.choice(self.regions),
                        preferred_language="en" if rng.random() < 0.08 else "ko",
                        email_confirmed=True,
                        password=password,
                        date_joined=self.now - timedelta(days=rng.uniform(0, 700)),
                    )
                )
            self.citizens = User.objects.bulk_create(citizens, batch_size=5000)
            RoutingRule.objects.bulk_create(
                [
                    RoutingRule(priority=10 * (i + 1), category=cat, unit=rng.choice(departments))
                    for i, cat in enumerate(self.categories)
                ]
            )

        # Complaints go to departments with uneven weights (some offices get far more).
        weights = [rng.lognormvariate(0, 0.5) for _ in self.departments]
        total = sum(weights)
        self.unit_weights = [w / total for w in weights]
        expected = [w * self.args.complaints for w in self.unit_weights]
        goal = 700 * self.args.complaints / 100_000
        best = min(range(len(expected)), key=lambda i: abs(expected[i] - goal))
        self.target_unit = self.departments[best]
        self.target_handler = self.handlers[self.target_unit.pk][0]
        self.target_citizen = self.citizens[0]
        self.target_complaint = None

    def _name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)

    # -- complaints ----------------------------------------------------------------------

    def _due(self, kind: str, received: datetime) -> datetime:
        """What the services compute (nara.complaints.services.compute_due with no pauses),
        cached: per (kind, day) for periods in days, per moment for periods in hours."""
        from nara.core import clock

        period = clock.period_for_kind(kind)
        key = (
            (kind, received)
            if period.counted_in_hours
            else (kind, received.astimezone(SEOUL).date())
        )
        if key not in self.due_cache:
            self.due_cache[key] = clock.due_at(received, period)
        return self.due_cache[key]

    def _receipt_no(self, moment: datetime) -> str:
        local = moment.astimezone(SEOUL)
        while True:
            tail = "".join(self.rng.choice(RECEIPT_ALPHABET) for _ in range(6))
            no = f"NR-{local:%y%m%d}-{tail}"
            if no not in self.receipts:
                self.receipts.add(no)
                return no

    def _received_at(self, max_days: float = 365) -> datetime:
        rng = self.rng
        day = (self.now.astimezone(SEOUL) - timedelta(days=rng.uniform(0, max_days))).date()
        if rng.random() < 0.75:  # mostly in office hours
            minute = rng.randint(9 * 60, 18 * 60 - 1)
        else:
            minute = rng.randint(0, 24 * 60 - 1)
        # A 5-minute grid keeps the deadlines of hour-counted periods cacheable.
        minute -= minute % 5
        moment = datetime(day.year, day.month, day.day, tzinfo=SEOUL) + timedelta(minutes=minute)
        if moment >= self.now:
            moment = self.now - timedelta(minutes=rng.randint(5, 600))
            moment = moment.replace(second=0, microsecond=0)
            moment -= timedelta(minutes=moment.minute % 5)
        return moment

    def _next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def add_complaints(self, n: int, *, for_target_citizen: int, with_target: bool):
        """Add `n` complaints (and everything the services would have written with them)."""
        from django.db import connection, transaction

        from nara.accounts.models import User  # noqa: F401
        from nara.audit.models import AuditEvent
        from nara.complaints.models import AnswerDraft, Attachment, Complaint, InfoRequest, Note
        from nara.complaints.services import content_fingerprint
        from nara.notifications.models import Notification

        rng = self.rng
        now = self.now
        tables = {
            "complaint": Complaint,
            "audit": AuditEvent,
            "draft": AnswerDraft,
            "notification": Notification,
            "info": InfoRequest,
            "note": Note,
            "attachment": Attachment,
        }
        with connection.cursor() as cur:
            for key, model in tables.items():
                cur.execute(f"SELECT coalesce(max(id), 0) FROM {model._meta.db_table}")
                self.ids[key] = cur.fetchone()[0]
        rows = {key: [] for key in tables}
        others = self.citizens[1:]  # the target citizen has exactly the complaints we give them
        t_gen = time.monotonic()
        kinds_cat = [c for c in self.categories]

        def event(t, actor, etype, cid, frm="", to="", data=None):
            rows["audit"].append(
                {
                    "id": self._next_id("audit"),
                    "created_at": t,
                    "actor_id": actor,
                    "event_type": etype,
                    "target_type": "complaints.complaint",
                    "target_id": str(cid),
                    "from_state": frm,
                    "to_state": to,
                    "data": json.dumps(data or {}),
                }
            )

        def notify(user, t, title, body, url, unread_p=0.1):
            read_at = None
            if now - t > timedelta(days=3) and rng.random() > unread_p:
                read_at = min(now, t + timedelta(hours=rng.uniform(0.1, 48)))
            elif now - t <= timedelta(days=3) and rng.random() < 0.3:
                read_at = min(now, t + timedelta(minutes=rng.uniform(1, 600)))
            rows["notification"].append(
                {
                    "id": self._next_id("notification"),
                    "user_id": user.pk,
                    "title": title[:200],
                    "body": body,
                    "url": url,
                    "created_at": t,
                    "read_at": read_at,
                }
            )

        def between(a: datetime, b: datetime) -> datetime:
            if b <= a:
                return min(a, now)
            return min(now, a + (b - a) * rng.random())

        for i in range(n):
            special = with_target and i == 0
            citizen = self.target_citizen if i < for_target_citizen else rng.choice(others)
            kind = "grievance" if special else weighted(rng, KINDS)
            if special:
                local = (now - timedelta(days=2)).astimezone(SEOUL)
                received = local.replace(hour=10, minute=15, second=0, microsecond=0)
            else:
                received = self._received_at()
            age = now - received
            if special:
                status = "in_progress"
            elif age < timedelta(days=1):
                status = weighted(rng, STATUS_FRESH)
            elif age < timedelta(days=30):
                status = weighted(rng, STATUS_RECENT)
            else:
                status = weighted(rng, STATUS_OLD)
            if special:
                unit = self.target_unit
            elif status == "triage":
                unit = None
            else:
                unit = rng.choices(self.departments, self.unit_weights)[0]
            place = rng.choice(PLACES)
            title = rng.choice(TITLES).format(p=place)
            body = " ".join(rng.sample(SENTENCES, rng.randint(2, 5)))
            cid = self._next_id("complaint")
            receipt = self._receipt_no(received)
            due = self._due(kind, received)
            category = rng.choice(kinds_cat) if rng.random() < 0.8 else None
            handler = None
            if unit is not None and status not in ("received", "triage"):
                handler = self.target_handler if special else rng.choice(self.handlers[unit.pk])
            if unit is not None and status == "withdrawn" and rng.random() < 0.5:
                handler = None
            approver = self.approvers.get(unit.pk) if unit is not None else None
            c = {
                "id": cid,
                "receipt_no": receipt,
                "citizen_id": citizen.pk,
                "kind": kind,
                "title": title,
                "body": body,
                "category_id": category.pk if category else None,
                "address": place if rng.random() < 0.4 else "",
                "latitude": None,
                "longitude": None,
                "region_id": rng.choice(self.regions) if rng.random() < 0.5 else None,
                "publish_consent": rng.random() < 0.3,
                "parent_id": None,
                "idempotency_key": secrets.token_hex(8) if rng.random() < 0.3 else "",
                "fingerprint": content_fingerprint(title, body),
                "status": status,
                "unit_id": unit.pk if unit else None,
                "handler_id": handler.pk if handler else None,
                "transfer_count": 0,
                "flagged": False,
                "received_at": received,
                "clock_started_at": received,
                "paused_at": None,
                "paused_minutes": 0,
                "paused_days": 0,
                "due_at": due,
                "extended_at": None,
                "extension_reason": "",
                "escalated_at": None,
                "progress_notice_at": None,
                "answer": "",
                "public_title": title,  # bench texts carry no personal data to mask
                "public_body": body,
                "public_answer": "",
                "answered_at": None,
                "answered_by_id": None,
                "rating": None,
                "rating_comment": "",
                "rated_at": None,
                "withdrawn_at": None,
                "updated_at": received,
            }
            url, office_url = f"/complaints/{receipt}/", f"/office/complaints/{receipt}/"
            event(
                received,
                citizen.pk,
                "complaint.filed",
                cid,
                to="received" if unit else "triage",
                data={"kind": kind, "unit": unit.code if unit else None, "parent": None},
            )
            notify(
                citizen,
                received,
                f"민원 {receipt} 접수",
                f"민원 “{title}”을(를) 접수했습니다. {due.astimezone(SEOUL):%Y-%m-%d %H:%M}까지 답변드립니다.",
                url,
            )
            if unit is not None:
                for h in self.handlers[unit.pk]:
                    notify(h, received, f"새 민원 {receipt}", title, office_url, unread_p=0.2)
            if rng.random() < 0.15 or special:
                for k in range(1 if special else rng.randint(1, 2)):
                    rows["attachment"].append(
                        {
                            "id": self._next_id("attachment"),
                            "complaint_id": cid,
                            "file": f"complaints/{received:%Y/%m}/photo-{cid}-{k}.jpg",
                            "name": f"photo-{k + 1}.jpg",
                            "content_type": "image/jpeg",
                            "size": rng.randint(80_000, 2_000_000),
                            "created_at": received,
                        }
                    )
            t = received
            state = "received" if unit else "triage"
            if handler is not None:
                claim_at = between(
                    received + timedelta(minutes=10), min(now, received + timedelta(hours=30))
                )
                event(claim_at, handler.pk, "complaint.claimed", cid, state, "in_progress")
                state, t = "in_progress", claim_at
            if special:
                note_at = between(t, now)
                rows["note"].append(
                    {
                        "id": self._next_id("note"),
                        "complaint_id": cid,
                        "author_id": handler.pk,
                        "body": "현장 확인 일정 조율 중.",
                        "created_at": note_at,
                    }
                )
                event(note_at, handler.pk, "complaint.note_added", cid, state, state)
                t = note_at
            if status == "waiting_citizen":
                asked = between(t, min(now, t + timedelta(hours=72)))
                question = "정확한 위치(주소 또는 사진)를 알려주시기 바랍니다."
                rows["info"].append(
                    {
                        "id": self._next_id("info"),
                        "complaint_id": cid,
                        "asked_by_id": handler.pk,
                        "question": question,
                        "asked_at": asked,
                        "reply": "",
                        "replied_at": None,
                    }
                )
                event(
                    asked,
                    handler.pk,
                    "complaint.info_requested",
                    cid,
                    state,
                    "waiting_citizen",
                    {"question": question},
                )
                notify(citizen, asked, f"민원 {receipt}: 보완 요청", question, url)
                c["paused_at"] = asked
                state, t = "waiting_citizen", asked
            if status in ("pending_approval", "answered", "closed"):
                if status == "pending_approval":
                    submit = between(t, now)
                    answered = None
                else:
                    on_time = rng.random() < 0.85
                    latest = min(now, due if on_time else due + timedelta(days=rng.uniform(0.1, 6)))
                    answered = between(t + (latest - t) * 0.3, latest) if latest > t else t
                    submit = between(t, answered - (answered - t) * 0.2)
                draft_id = self._next_id("draft")
                answer = rng.choice(ANSWERS)
                rows["draft"].append(
                    {
                        "id": draft_id,
                        "complaint_id": cid,
                        "author_id": handler.pk,
                        "body": answer,
                        "state": "submitted" if answered is None else "approved",
                        "created_at": submit,
                        "decided_at": answered,
                        "decided_by_id": approver.pk if answered else None,
                        "return_comment": "",
                    }
                )
                event(
                    submit,
                    handler.pk,
                    "complaint.answer_submitted",
                    cid,
                    state,
                    "pending_approval",
                    {"draft": draft_id},
                )
                notify(approver, submit, f"결재 요청: {receipt}", title, office_url)
                state, t = "pending_approval", submit
                if answered is not None:
                    event(
                        answered,
                        approver.pk,
                        "complaint.answered",
                        cid,
                        state,
                        "answered",
                        {"draft": draft_id},
                    )
                    notify(
                        citizen,
                        answered,
                        f"민원 {receipt} 답변 완료",
                        f"민원 “{title}”에 답변했습니다.",
                        url,
                    )
                    c.update(
                        answer=answer,
                        public_answer=answer,
                        answered_at=answered,
                        answered_by_id=handler.pk,
                        paused_at=None,
                    )
                    state, t = "answered", answered
                    if status == "closed":
                        rated = between(answered, min(now, answered + timedelta(days=5)))
                        rating = rng.choices([1, 2, 3, 4, 5], [5, 7, 18, 35, 35])[0]
                        comment = rng.choice(
                            ["", "", "빠른 처리 감사합니다.", "답변이 충분하지 않습니다."]
                        )
                        c.update(rating=rating, rating_comment=comment, rated_at=rated)
                        event(
                            rated,
                            citizen.pk,
                            "complaint.rated",
                            cid,
                            state,
                            "closed",
                            {"rating": rating},
                        )
                        state, t = "closed", rated
            if status == "withdrawn":
                withdrawn = between(t, min(now, t + timedelta(days=10)))
                event(withdrawn, citizen.pk, "complaint.withdrawn", cid, state, "withdrawn")
                c.update(withdrawn_at=withdrawn, paused_at=None)
                state, t = "withdrawn", withdrawn
            # The clock's jobs: escalation of overdue complaints, the 30-day progress notice.
            if status in ("received", "in_progress", "pending_approval") and due < now and unit:
                escalated = due + timedelta(minutes=1)
                if escalated < now:
                    c["escalated_at"] = escalated
                    event(
                        escalated,
                        None,
                        "complaint.escalated",
                        cid,
                        status,
                        status,
                        {"due_at": due.isoformat()},
                    )
                    if approver:
                        notify(
                            approver,
                            escalated,
                            f"기한 경과 민원 {receipt}",
                            "처리기한이 지났습니다.",
                            office_url,
                        )
                    t = max(t, escalated)
            if status in OPEN and age > timedelta(days=30):
                notice = received + timedelta(days=30, minutes=1)
                c["progress_notice_at"] = notice
                event(notice, None, "complaint.progress_notice", cid, status, status)
                notify(
                    citizen, notice, f"민원 {receipt}: 중간 통지", "민원이 아직 처리 중입니다.", url
                )
                t = max(t, notice)
            c["updated_at"] = t
            assert state == status or special or status in ("triage",), (state, status)
            rows["complaint"].append(c)
            if special:
                self.target_complaint = receipt

        t_copy = time.monotonic()
        with transaction.atomic():
            chain_audit_rows(rows["audit"])
            for key, model in tables.items():
                copy_rows(model, rows[key])
        with connection.cursor() as cur:
            for model in tables.values():
                table = model._meta.db_table
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
        say(
            f"  generated in {t_copy - t_gen:.1f} s (deadlines computed: {len(self.due_cache)}), "
            f"COPY {sum(len(v) for v in rows.values())} rows in {time.monotonic() - t_copy:.1f} s"
        )
        return {key: len(v) for key, v in rows.items()}


def chain_audit_rows(rows: list[dict]) -> None:
    """Link audit rows into the audit log's hash chain in their order, as audit_record() does
    one at a time (nara/audit/chain.py), and move the chain's head past them."""
    from nara.audit.chain import event_hash, new_salt
    from nara.audit.models import AuditChainHead

    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=AuditChainHead.ONE)
    seq, prev = head.seq, head.hash
    for row in rows:
        seq += 1
        row["seq"], row["prev_hash"], row["salt"] = seq, prev, new_salt()
        row["hash"] = prev = event_hash(
            prev,
            seq=seq,
            created_at=row["created_at"],
            actor_id=row["actor_id"],
            event_type=row["event_type"],
            target_type=row["target_type"],
            target_id=row["target_id"],
            from_state=row["from_state"],
            to_state=row["to_state"],
            data=json.loads(row["data"]),
            salt=row["salt"],
        )
    if rows:
        AuditChainHead.objects.filter(pk=AuditChainHead.ONE).update(
            seq=seq, hash=prev, last_at=rows[-1]["created_at"]
        )


def copy_rows(model, rows: list[dict]) -> None:
    """COPY rows (dicts keyed by attname) into the model's table."""
    if not rows:
        return
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    names = [f.attname for f in fields]
    missing = set(names) - set(rows[0])
    if missing:
        raise ValueError(f"{model.__name__}: no value for {sorted(missing)}")
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[n] for n in names])


# --- sessions, tokens, pages --------------------------------------------------------------------


def session_for(user, *, official: bool) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if official:
        store["nara_2fa_verified"] = True
    store.create()
    return store.session_key


FLOOR = "floor: /healthz"


def pages(world: World, sessions: dict, tokens: dict) -> list[dict]:
    no = world.target_complaint
    web = [
        ("handler inbox", "/office/", "handler"),
        ("citizen's list", "/complaints/mine/", "citizen"),
        ("complaint page (citizen)", f"/complaints/{no}/", "citizen"),
        ("complaint page (office)", f"/office/complaints/{no}/", "handler"),
    ]
    api = [
        ("API inbox", "/api/v1/inbox", "handler"),
        ("API citizen's list", "/api/v1/complaints", "citizen"),
        ("API complaint", f"/api/v1/complaints/{no}", "citizen"),
    ]
    result = [
        # the floor: the same server, middleware and database, one SELECT 1, no page to build.
        # What any page of this stack can do at most on this machine.
        {"name": FLOOR, "path": "/healthz", "kind": "api", "auth": ""},
    ]
    for name, path, who in web:
        result.append(
            {"name": name, "path": path, "kind": "web", "cookie": f"sessionid={sessions[who]}"}
        )
    for name, path, who in api:
        result.append({"name": name, "path": path, "kind": "api", "auth": f"Bearer {tokens[who]}"})
    return result


NUMBERS = re.compile(r"\b\d+\b|'[^']*'")


def count_queries(page_list: list[dict], show_sql: bool) -> dict:
    """Queries per page, in-process, second request (the first may fill per-process caches)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    result = {}
    for page in page_list:
        headers = {}
        client = Client(raise_request_exception=False)
        if "cookie" in page:
            client.cookies[settings.SESSION_COOKIE_NAME] = page["cookie"].split("=", 1)[1]
        else:
            headers["HTTP_AUTHORIZATION"] = page["auth"]
        client.get(page["path"], **headers)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(page["path"], **headers)
        sqls = [q["sql"] for q in ctx.captured_queries]
        shapes = Counter(NUMBERS.sub("?", s) for s in sqls)
        repeated = sum(n - 1 for n in shapes.values() if n > 1)
        body = response.content
        rows = body.count(b'<li class="card') if page["kind"] == "web" else None
        if page["kind"] == "api" and response.status_code == 200:
            data = json.loads(body)
            rows = len(data.get("items", [])) if "items" in data else 1
        result[page["name"]] = {
            "status": response.status_code,
            "queries": len(sqls),
            "repeated": repeated,
            "bytes": len(body),
            "rows": rows,
            "ms": round(sum(float(q["time"]) for q in ctx.captured_queries) * 1000, 1),
        }
        if show_sql:
            print(f"\n--- {page['name']} {page['path']} ({len(sqls)} queries)")
            for s in sqls:
                print("  ", s[:400])
    return result


# --- the run -------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="nara-bench-"))
    env = common.production_env(
        args.db_url, args.db_name, tmp, lab=args.lab_settings, redis=args.redis
    )
    say(f"settings: {common.settings_line(env)}")
    server = None
    results: dict = {"settings": {k: v for k, v in vars(args).items()}}
    t_all = time.monotonic()
    try:
        common.start(args, env, say)
        from django.db import connection

        from nara.accounts.models import ApiToken

        world = World(args)
        t0 = time.monotonic()
        world.build()
        say(
            f"{args.agencies} agencies, {len(world.departments)} departments, "
            f"{len(world.citizens)} citizens ({time.monotonic() - t0:.1f} s); target unit "
            f"{world.target_unit.code}, handler {world.target_handler.email}, "
            f"citizen {world.target_citizen.email}"
        )
        small_target_citizen = max(1, round(20 * args.small / args.complaints))
        t0 = time.monotonic()
        made = world.add_complaints(
            args.small, for_target_citizen=small_target_citizen, with_target=True
        )
        say(f"{args.small} complaints loaded ({time.monotonic() - t0:.1f} s): {made}")
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        sessions = {
            "handler": session_for(world.target_handler, official=True),
            "citizen": session_for(world.target_citizen, official=False),
        }
        tokens = {
            "handler": ApiToken.issue(world.target_handler, two_factor=True),
            "citizen": ApiToken.issue(world.target_citizen),
        }
        page_list = pages(world, sessions, tokens)
        say(f"counting queries at {args.small} complaints")
        counts_small = count_queries(page_list, args.show_sql)

        t0 = time.monotonic()
        grow = args.complaints - args.small
        made = world.add_complaints(
            grow, for_target_citizen=20 - small_target_citizen, with_target=False
        )
        say(f"grown to {args.complaints} complaints ({time.monotonic() - t0:.1f} s): {made}")
        t0 = time.monotonic()
        connection.close()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        say(f"VACUUM ANALYZE ({time.monotonic() - t0:.1f} s)")
        say(f"counting queries at {args.complaints} complaints")
        counts_large = count_queries(page_list, args.show_sql)
        shape = data_shape(world)
        results.update(shape=shape, queries={"small": counts_small, "large": counts_large})
        print_counts(args, shape, counts_small, counts_large)

        loads = {}  # think time (ms) -> {page: figures}
        if args.ab:
            connection.close()
            chosen = [p for p in page_list if args.pages in ("all", p["kind"])]
            results["ab"] = run_ab(args, env, tmp, chosen)
        elif not args.no_load:
            connection.close()
            say(f"granian: {args.workers} workers × {args.threads} threads on port {args.port}")
            server = common.granian_start(
                env=env,
                port=args.port,
                workers=args.workers,
                threads=args.threads,
                log_path=tmp / "granian.log",
            )
            chosen = [p for p in page_list if args.pages in ("all", p["kind"])]
            for think in args.think_ms:
                args.think = think
                load = loads[think] = {}
                for page in chosen:
                    load[page["name"]] = load_page(args, server, page)
                    r = load[page["name"]]
                    say(
                        f"{page['name']} (think {think:g} ms): p50 {r['p50']:.1f} ms, "
                        f"p99 {r['p99']:.1f} ms, {r['rps']:.0f} req/s, non-200 {r['non_200']}"
                    )
            server.stop()
            server = None
            results["load"] = {str(k): v for k, v in loads.items()}
            for think, load in loads.items():
                args.think = think
                print_load(args, load)
        ok = verdict(args, counts_small, counts_large, loads)
        if args.ab:
            ok = common.ab_ok(results["ab"]) and ok
        results["ok"] = ok
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        say(f"done in {time.monotonic() - t_all:.0f} s")
        return 0 if ok else 1
    finally:
        common.finish(args, server, tmp, say)


def run_ab(args, env: dict, tmp: Path, chosen: list[dict]) -> dict:
    """Each page under the same load with everything on and with each switch off (bench/README.md,
    "A/B"): 32 clients back to back, a fresh granian per variant."""
    args.think, args.serial = 0.0, False

    start_server = common.ab_server_starter(args, env, tmp / "granian.log")

    def measure(server) -> dict:
        return {page["name"]: common.ab_figures(load_page(args, server, page)) for page in chosen}

    results = common.run_ab(args, start_server=start_server, measure=measure, say=say)
    return common.print_ab(
        f"A/B at {args.complaints} complaints: granian {args.workers} × {args.threads}, "
        f"{args.clients} clients back to back, {args.warmup:g} + {args.duration:g} s per page, "
        f"{args.ab_rounds} rounds; {common.settings_line(env)}",
        results,
    )


def data_shape(world: World) -> dict:
    from django.db import connection

    q = {
        "complaints": "SELECT count(*) FROM complaints_complaint",
        "open complaints": "SELECT count(*) FROM complaints_complaint WHERE status IN "
        "('triage','received','in_progress','waiting_citizen','pending_approval')",
        "overdue open": "SELECT count(*) FROM complaints_complaint WHERE status IN "
        "('triage','received','in_progress','pending_approval') AND due_at < now()",
        "units": "SELECT count(*) FROM agencies_unit",
        "users": "SELECT count(*) FROM accounts_user",
        "audit events": "SELECT count(*) FROM audit_auditevent",
        "notifications": "SELECT count(*) FROM notifications_notification",
        "target unit complaints": "SELECT count(*) FROM complaints_complaint WHERE unit_id = %s",
        "target unit open": "SELECT count(*) FROM complaints_complaint WHERE unit_id = %s AND "
        "status IN ('received','in_progress','waiting_citizen','pending_approval')",
        "target citizen complaints": "SELECT count(*) FROM complaints_complaint WHERE "
        "citizen_id = %s",
    }
    out = {}
    with connection.cursor() as cur:
        for name, sql in q.items():
            params = []
            if "%s" in sql:
                params = [world.target_citizen.pk if "citizen" in name else world.target_unit.pk]
            cur.execute(sql, params)
            out[name] = cur.fetchone()[0]
    return out


def load_page(args, server, page: dict) -> dict:
    import urllib.request

    headers = {"Cookie": page["cookie"]} if "cookie" in page else {"Authorization": page["auth"]}
    req = urllib.request.Request(f"http://127.0.0.1:{args.port}{page['path']}", headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:  # fails loudly on 4xx/5xx
        if r.status != 200 or r.url != req.full_url:
            raise RuntimeError(f"{page['path']}: {r.status} {r.url}")
    spec = {
        "port": args.port,
        "path": page["path"],
        "headers": headers,
        "clients": args.clients,
        "duration": args.duration,
        "warmup": args.warmup,
        "think_ms": args.think,
    }
    result = common.run_measured_load(server.proc.pid, spec)
    if args.serial:
        result["serial"] = common.run_load({**spec, "clients": 1, "duration": 5, "warmup": 1})
    return result


def print_counts(args, shape, small, large) -> None:
    print()
    print("DATA")
    print(common.fmt_table(["what", "count"], [[k, v] for k, v in shape.items()]))
    print()
    print("SQL QUERIES PER PAGE (in-process, DEBUG off; rows = items shown)")
    rows = []
    for name in large:
        s, b = small[name], large[name]
        rows.append(
            [
                name,
                s["status"],
                s["queries"],
                s["rows"] if s["rows"] is not None else "-",
                b["status"],
                b["queries"],
                b["rows"] if b["rows"] is not None else "-",
                b["repeated"],
                b["ms"],
                "same" if s["queries"] == b["queries"] else f"{b['queries'] - s['queries']:+d}",
            ]
        )
    print(
        common.fmt_table(
            [
                "page",
                f"http@{args.small}",
                f"queries@{args.small}",
                "rows",
                f"http@{args.complaints}",
                f"queries@{args.complaints}",
                "rows",
                "repeated-shape",
                "sql ms",
                "growth",
            ],
            rows,
        )
    )


def print_load(args, load: dict) -> None:
    print()
    print(
        f"LATENCY at {args.complaints} complaints: granian {args.workers} workers × "
        f"{args.threads} threads, {args.clients} concurrent keep-alive clients, "
        f"{args.duration:g} s per page after {args.warmup:g} s warm-up"
        + (f", think time {args.think:g} ms" if args.think else ", no think time")
    )
    rows = []
    for name, r in load.items():
        row = common.load_cells(name, r)
        if "serial" in r:
            row.append(f"{r['serial']['p50']:.1f}/{r['serial']['p99']:.1f}")
        rows.append(row)
    headers = list(common.LOAD_HEADERS)
    if any("serial" in r for r in load.values()):
        headers.append("1 client p50/p99")
    print(common.fmt_table(headers, rows))
    print(
        f"(cpu ms/req: granian and postgres CPU per request; loadgen/other: % of one core used by "
        f"the load generator / by unrelated processes during the run; {os.cpu_count()} cores)"
    )


def verdict(args, small, large, loads) -> bool:
    print()
    ok = True
    bad_http = [n for n, r in {**small, **large}.items() if r["status"] != 200]
    grown = [n for n in large if large[n]["queries"] != small[n]["queries"]]
    if bad_http:
        ok = False
        print(f"FAIL pages not answering 200: {', '.join(sorted(set(bad_http)))}")
    if grown:
        ok = False
        print(f"FAIL query count grows with the data: {', '.join(grown)}")
    else:
        print(f"OK   query count of every page is the same at {args.small} and {args.complaints}")
    for think, load in (loads or {}).items():
        mode = f"32 users, think {think:g} ms" if think else "32 clients back to back"
        mode = mode.replace("32", str(args.clients))
        slow = [n for n, r in load.items() if not r["p99"] < 100 and n != FLOOR]
        errors = [n for n, r in load.items() if r["non_200"] or r["conn_errors"]]
        if slow:
            ok = False
            print(f"FAIL [{mode}] p99 >= 100 ms: {', '.join(slow)}")
        else:
            print(f"OK   [{mode}] p99 under 100 ms on every page")
        if errors:
            ok = False
            print(f"FAIL [{mode}] errors under load: {', '.join(errors)}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
