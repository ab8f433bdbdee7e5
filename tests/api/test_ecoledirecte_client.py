"""The EcoleDirecte client against a small server of our own fixtures.

The server checks what the notes say the real one needs (the GTK header on
login, the form body, the token and the user agent it is bound to, the
2FA-Token once sent) and counts what the client sends.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from custom_components.school_portal.api import create_client
from custom_components.school_portal.api.ecoledirecte import (
    PORTAL,
    EcoleDirecteClient,
)
from custom_components.school_portal.api.ecoledirecte.reads import FILE_DOCUMENT
from custom_components.school_portal.api.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    NotSupported,
    PortalUnavailable,
    ProtocolError,
    TwoFactorRequired,
)
from custom_components.school_portal.api.models import (
    AccountKind,
    Capability,
    DateWindow,
)
from custom_components.school_portal.api.portal import ChallengeKind

from .test_ecoledirecte_parsing import (
    TZ,
    b64,
    coming_payload,
    day_payload,
    documents_payload,
    family_account,
    grades_payload,
    homepage_payload,
    lessons_payload,
    message_payload,
    messages_payload,
    pupil_account,
    school_life_payload,
    timeline_payload,
    workspaces_payload,
)

TODAY = date(2026, 11, 18)
WINDOW = DateWindow(TODAY - timedelta(days=7), TODAY + timedelta(days=7))
QUESTION = "Quel est le nom de votre premier animal ?"
CHOICES = ("Rex", "Minou", "Bulle")


@dataclass
class Fake:
    """The server's state and what it saw."""

    accounts: dict[str, dict[str, Any]]
    protected: set[str] = field(default_factory=set)
    pairs: dict[tuple[str, str], str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> user agent
    pending: dict[str, str] = field(default_factory=dict)  # temp token -> username
    calls: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    done: dict[int, bool] = field(default_factory=dict)
    serial: int = 0
    code: int | None = None  # answer every data call with this code
    # Answers some calls in its own way: (path, verb) -> an answer, or None.
    override: Callable[[str, str], web.StreamResponse | None] | None = None
    expire_next: bool = False
    questions: int = 0

    def token(self, agent: str) -> str:
        self.serial += 1
        token = f"t{self.serial}"
        self.tokens[token] = agent
        return token


def envelope(code: int, token: str, data: Any, message: str = "") -> web.Response:
    return web.json_response(
        {
            "code": code,
            "token": token,
            "message": message,
            "data": data,
            "host": "HTTP1",
        },
        headers={"X-Token": token} if token else {},
    )


def decoded_body(raw: str) -> dict[str, Any]:
    assert raw.startswith("data=")
    body: dict[str, Any] = json.loads(raw[len("data=") :])
    return body


def make_app(fake: Fake) -> web.Application:
    async def handle(request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        assert request.query.get("v") == "4.101.4"
        fake.calls.append(f"{path}?{request.query.get('verbe', '')}")
        agent = request.headers.get("User-Agent", "")
        if fake.override is not None:
            verb = request.query.get("verbe", request.query.get("gtk", ""))
            if (answer := fake.override(path, verb)) is not None:
                return answer
        if path == "/login.awp" and request.query.get("gtk") == "1":
            assert request.method == "GET"
            response = envelope(200, "", None)
            response.set_cookie("GTK", "gtk-value")
            response.set_cookie("twin", "gtk-value")
            return response
        assert request.method == "POST"
        assert request.content_type == "application/x-www-form-urlencoded"
        body = decoded_body(await request.text())
        fake.bodies.append(body)
        if path == "/login.awp":
            return login(request, body, agent)
        if path == "/connexion/doubleauth.awp":
            return double_auth(request, body)
        token = request.headers.get("X-Token", "")
        if fake.tokens.get(token) != agent:
            return envelope(520, "", None, "Token invalide !")
        if fake.expire_next:
            fake.expire_next = False
            del fake.tokens[token]
            return envelope(525, "", None, "Token expiré !")
        if fake.code is not None:
            return envelope(fake.code, token, None)
        # Every answer renews the token; the old one stays valid a while.
        renewed = fake.token(agent)
        if path == "/telechargement.awp":
            assert request.query["fichierId"] in ("611", "23")
            return web.Response(body=b"%PDF-1.4 fake", content_type="application/pdf")
        return envelope(200, renewed, data_for(path, request, body))

    def login(request: web.Request, body: dict[str, Any], agent: str) -> web.Response:
        assert request.headers.get("X-Gtk") == "gtk-value"
        assert "GTK=gtk-value" in request.headers.get("Cookie", "")
        username = unquote(body["identifiant"])
        account = fake.accounts.get(username)
        if account is None or unquote(body["motdepasse"]) != "secret p@ss&+%":
            return envelope(
                505,
                "",
                {"changementMDP": False, "nbJourMdpExire": 0, "accounts": []},
                "Mot de passe invalide !",
            )
        if username in fake.protected:
            pair = (body.get("cn", ""), body.get("cv", ""))
            if fake.pairs.get(pair) != username or body.get("fa") != [
                {"cn": pair[0], "cv": pair[1]}
            ]:
                temp = f"temp-{username}"
                fake.pending[temp] = username
                response = envelope(250, temp, {"accounts": []})
                response.headers["2FA-Token"] = f"fa-{username}"
                return response
        return envelope(
            200, fake.token(agent), {"changementMDP": False, "accounts": [account]}
        )

    def double_auth(request: web.Request, body: dict[str, Any]) -> web.Response:
        temp = request.headers.get("X-Token", "")
        username = fake.pending.get(temp)
        assert username is not None
        assert request.headers.get("2FA-Token") == f"fa-{username}"
        if request.query["verbe"] == "get":
            assert body == {}
            fake.questions += 1
            return envelope(
                200,
                temp,
                {"question": b64(QUESTION), "propositions": [b64(c) for c in CHOICES]},
            )
        if body.get("choix") != b64("Minou"):
            return web.json_response(
                {"code": 505, "token": temp, "message": "Choix incorrect"}
            )
        pair = (f"cn-{username}", f"cv-{username}")
        fake.pairs[pair] = username
        return envelope(200, temp, {"cn": pair[0], "cv": pair[1]})

    def data_for(path: str, request: web.Request, body: dict[str, Any]) -> Any:
        parts = path.strip("/").split("/")
        if path.endswith("/emploidutemps.awp"):
            assert body["avecTrous"] is False
            return lessons_payload()
        if path.endswith("/cahierdetexte.awp") and request.query["verbe"] == "put":
            for number in body["idDevoirsEffectues"]:
                fake.done[number] = True
            for number in body["idDevoirsNonEffectues"]:
                fake.done[number] = False
            return None
        if path.endswith("/cahierdetexte.awp"):
            return coming_payload()
        if "cahierdetexte" in parts:
            day = parts[-1].removesuffix(".awp")
            if day == "2026-11-19":
                return day_payload(
                    day,
                    (801, "MATHEMATIQUES", "Exercice 3", fake.done.get(801, False)),
                    (802, "FRANCAIS", "Rédaction", True),
                )
            if day == "2026-11-23":
                return day_payload(
                    day, (803, "ANGLAIS LV1", "Vocabulary", fake.done.get(803, False))
                )
            return day_payload(
                day, (799, "MATHEMATIQUES", "Révisions", fake.done.get(799, False))
            )
        if path.endswith("/notes.awp"):
            return grades_payload()
        if path.endswith("/viescolaire.awp"):
            return school_life_payload()
        if path.endswith("/timeline.awp"):
            return timeline_payload()
        if path.endswith("/timelineAccueilCommun.awp"):
            return homepage_payload()
        if path.endswith("/messages.awp"):
            assert body == {"anneeMessages": "2026-2027"}
            assert request.query["typeRecuperation"] == "received"
            return messages_payload()
        if "messages" in parts:
            assert request.query["mode"] == "destinataire"
            return message_payload()
        if path in ("/elevesDocuments.awp", "/familledocuments.awp"):
            return documents_payload()
        if path.endswith("/espacestravail.awp"):
            return workspaces_payload()
        raise AssertionError(path)

    app = web.Application()
    app.router.add_route("*", "/ed/v3/{tail:.+}", handle)
    return app


@pytest.fixture
def fake() -> Fake:
    return Fake(
        accounts={
            "camille.martin": pupil_account(),
            "famille.martin": family_account(),
            "camille.protected": pupil_account(),
        },
        protected={"camille.protected"},
    )


@pytest.fixture
async def server(socket_enabled: None, fake: Fake) -> AsyncIterator[TestServer]:
    server = TestServer(make_app(fake), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 18, 8, 0, tzinfo=TZ)

    def __call__(self) -> datetime:
        return self.now


type Factory = Callable[..., EcoleDirecteClient]


@pytest.fixture
async def clock() -> Clock:
    return Clock()


@pytest.fixture
async def make_client(server: TestServer, clock: Clock) -> AsyncIterator[Factory]:
    session = aiohttp.ClientSession()

    def make(username: str = "camille.martin", **settings: Any) -> EcoleDirecteClient:
        config = {
            "server": str(server.make_url("/ed")),
            "username": username,
            "password": "secret p@ss&+%",
            **settings,
        }
        client = create_client("ecoledirecte", session, config, TZ)
        assert isinstance(client, EcoleDirecteClient)
        client._clock = clock
        return client

    yield make
    await session.close()


async def test_declaration() -> None:
    assert (PORTAL.key, PORTAL.name, PORTAL.maker) == (
        "ecoledirecte",
        "EcoleDirecte",
        "Aplim",
    )
    (method,) = PORTAL.methods
    assert [f.key for f in method.fields] == ["server", "username", "password"]
    assert method.fields[0].default == "https://api.ecoledirecte.com/v3"
    assert PORTAL.persisted == ("cn", "cv")
    assert PORTAL.answer_keys == ("security_answer",)
    assert Capability.HOMEWORK_DONE in EcoleDirecteClient.capabilities
    assert Capability.MENUS not in EcoleDirecteClient.capabilities


async def test_settings_are_checked() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ConfigurationError):
            EcoleDirecteClient.from_config(session, {"username": "x"}, TZ)
        with pytest.raises(ConfigurationError):
            EcoleDirecteClient.from_config(
                session, {"username": "x", "password": "y", "server": "ftp://h"}, TZ
            )


async def test_pupil_login_and_refresh(
    make_client: Factory, fake: Fake, clock: Clock
) -> None:
    client = make_client()
    account = await client.login()
    assert account.kind is AccountKind.STUDENT
    assert account.id == client.account_id
    assert account.school == "Collège des Tilleuls"
    (student,) = account.students
    login_body = fake.bodies[0]
    assert login_body["identifiant"] == "camille.martin"
    assert login_body["motdepasse"] == "secret%20p%40ss%26%2B%25"
    assert login_body["isReLogin"] is False
    assert "fa" not in login_body
    assert client.session_state == {}

    fake.calls.clear()
    data = await client.refresh([student], WINDOW)
    pupil = data[student.id]
    assert len(pupil.lessons) == 4
    assert [h.uid for h in pupil.homework] == ["799", "802", "801", "803"]
    math = next(h for h in pupil.homework if h.uid == "801")
    assert math.description == "Exercice 3"
    assert math.attachments == ("exercices.pdf",)
    assert next(h for h in pupil.homework if h.uid == "802").done is True
    assert [g.value for g in pupil.grades][-1] == "12,5"
    assert [a.value for a in pupil.averages] == ["14,5", "13,4"]
    assert len(pupil.discipline) == 5
    assert data.account.unread_messages == 1
    assert [m.has_attachments for m in data.account.messages] == [True, False]
    # The week's timeline (not the absence of 5 Nov) and the homepage.
    assert [n.text for n in data.account.notifications] == [
        "Nouvelle évaluation · MATHEMATIQUES · Contrôle 1",
        "Portes ouvertes",
        "Photos de classe lundi",
    ]
    # Past days are read where a lesson had homework due (18 Nov), coming
    # days from the list (19 and 23 Nov).
    assert sorted(c for c in fake.calls if "cahierdetexte/" in c) == [
        "/Eleves/4201/cahierdetexte/2026-11-18.awp?get",
        "/Eleves/4201/cahierdetexte/2026-11-19.awp?get",
        "/Eleves/4201/cahierdetexte/2026-11-23.awp?get",
    ]

    # Steady: the timetable and the coming list; the rest is kept.
    fake.calls.clear()
    clock.now += timedelta(minutes=30)
    await client.refresh([student], WINDOW)
    assert fake.calls == [
        "/E/4201/emploidutemps.awp?get",
        "/Eleves/4201/cahierdetexte.awp?get",
    ]
    # An hour later grades and messages again, still no login.
    fake.calls.clear()
    clock.now += timedelta(minutes=30)
    await client.refresh([student], WINDOW)
    assert len(fake.calls) <= 5
    assert not any("login" in c for c in fake.calls)
    assert client.logins == 1


async def test_homework_done_is_written_back(make_client: Factory, fake: Fake) -> None:
    client = make_client()
    (student,) = (await client.login()).students
    await client.refresh([student], WINDOW)
    fake.calls.clear()
    await client.set_homework_done(student, "799", True)
    assert fake.calls == ["/Eleves/4201/cahierdetexte.awp?put"]
    assert fake.bodies[-1] == {"idDevoirsEffectues": [799], "idDevoirsNonEffectues": []}
    assert fake.done[799] is True
    data = await client.refresh([student], WINDOW)
    assert next(h for h in data[student.id].homework if h.uid == "799").done is True
    await client.set_homework_done(student, "801", False)
    assert fake.bodies[-1] == {"idDevoirsEffectues": [], "idDevoirsNonEffectues": [801]}


async def test_family_children(make_client: Factory, fake: Fake) -> None:
    client = make_client("famille.martin")
    account = await client.login()
    assert account.kind is AccountKind.PARENT
    camille, jules = account.students
    fake.calls.clear()
    data = await client.refresh([camille, jules], WINDOW)
    # One inbox for the family, under its own id.
    assert [c for c in fake.calls if "messages" in c] == [
        "/familles/700/messages.awp?get"
    ]
    # Jules' school has no grades and no school life: not even asked.
    assert not any("/4202/notes" in c or "/4202/viescolaire" in c for c in fake.calls)
    assert data[jules.id].grades == ()
    assert data[jules.id].discipline == ()
    assert data[camille.id].grades
    with pytest.raises(NotSupported):
        await client.marks(jules)
    documents = await client.documents()
    assert fake.calls[-1] == "/familledocuments.awp?get"
    assert documents[0].name == "Bulletin T1"


async def test_security_question_once(make_client: Factory, fake: Fake) -> None:
    client = make_client("camille.protected")
    with pytest.raises(TwoFactorRequired) as raised:
        await client.login()
    challenge = raised.value.challenge
    assert challenge.kind is ChallengeKind.CHOICE
    assert challenge.answer_key == "security_answer"
    assert challenge.keep is False
    assert challenge.question == QUESTION
    assert [label for _, label in challenge.choices] == list(CHOICES)
    assert client.session_state == {}

    # The flow's retry, with the answer.
    answered = make_client("camille.protected", security_answer=challenge.choices[1][0])
    account = await answered.login()
    assert account.students[0].id == "4201"
    kept = dict(answered.session_state)
    assert kept == {"cn": "cn-camille.protected", "cv": "cv-camille.protected"}
    last_login = [b for b in fake.bodies if "identifiant" in b][-1]
    assert last_login["fa"] == [{"cn": kept["cn"], "cv": kept["cv"]}]

    # Later logins (a restart) skip the question.
    asked = fake.questions
    restarted = make_client("camille.protected", **kept)
    await restarted.login()
    await restarted.login()
    assert fake.questions == asked


async def test_wrong_answer_is_refused(make_client: Factory) -> None:
    client = make_client("camille.protected", security_answer="Rex")
    with pytest.raises(AuthenticationError):
        await client.login()


async def test_unknown_answer_is_sent_as_text(make_client: Factory, fake: Fake) -> None:
    client = make_client("camille.protected", security_answer="Minou")
    await client.login()
    assert {"choix": b64("Minou")} in fake.bodies


async def test_bad_password(make_client: Factory) -> None:
    client = make_client(password="wrong")
    with pytest.raises(AuthenticationError):
        await client.login()


async def test_expired_token_logs_in_again_without_question(
    make_client: Factory, fake: Fake
) -> None:
    client = make_client("camille.protected", security_answer="Minou")
    (student,) = (await client.login()).students
    asked = fake.questions
    fake.expire_next = True
    await client.lessons(student, TODAY, TODAY + timedelta(days=1))
    assert client.logins == 2
    assert fake.questions == asked


async def test_token_bound_to_the_user_agent(make_client: Factory, fake: Fake) -> None:
    client = make_client()
    (student,) = (await client.login()).students
    # Every answer's token is taken: the fake renews it on every call.
    before = client._wire.token
    await client.lessons(student, TODAY, TODAY + timedelta(days=1))
    assert client._wire.token != before
    assert len(set(fake.tokens.values())) == 1


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (535, PortalUnavailable),
        (517, ProtocolError),
        (999, ProtocolError),
        (250, AuthenticationError),
    ],
)
async def test_data_codes(
    make_client: Factory, fake: Fake, code: int, error: type[Exception]
) -> None:
    client = make_client()
    (student,) = (await client.login()).students
    fake.code = code
    with pytest.raises(error):
        await client.school_life(student)


async def test_month_view_is_one_request(make_client: Factory, fake: Fake) -> None:
    client = make_client()
    (student,) = (await client.login()).students
    fake.calls.clear()
    lessons = await client.lessons(student, date(2026, 11, 1), date(2026, 12, 13))
    assert fake.calls == ["/E/4201/emploidutemps.awp?get"]
    assert fake.bodies[-1]["dateFin"] == "2026-12-12"
    await client.lessons(student, date(2026, 11, 1), date(2026, 12, 13))
    assert len(fake.calls) == 1
    assert lessons[0].start.tzinfo is TZ
    assert await client.lessons(student, TODAY, TODAY) == []


async def test_the_rest_of_the_surface(make_client: Factory, fake: Fake) -> None:
    client = make_client()
    (student,) = (await client.login()).students
    body = await client.read_message("61")
    assert fake.calls[-1] == "/eleves/4201/messages/61.awp?get"
    assert body.text.startswith("Bonjour")
    (attachment,) = body.attachments
    assert await client.download(attachment.id) == b"%PDF-1.4 fake"
    assert await client.download("23", FILE_DOCUMENT) == b"%PDF-1.4 fake"
    files = await client.homework_files(student, date(2026, 11, 19))
    assert files["801"][0].name == "exercices.pdf"
    assert files["802"] == ()
    timeline = await client.timeline(student)
    assert timeline[0].text.startswith("Nouvelle évaluation")
    (space,) = await client.workspaces(student)
    assert space.title == "Club théâtre"
    documents = await client.documents()
    assert fake.calls[-1] == "/elevesDocuments.awp?get"
    assert len(documents) == 3
    periods = await client.periods(student)
    assert [p.id for p in periods] == ["A001", "A002", "A999Z"]
    canteen = client.canteen(student)
    assert canteen is not None
    assert canteen.badge == "000123"
    inbox, unread = await client.inbox()
    assert unread == 1
    assert inbox[0].uid == "61"


async def test_unreachable_portal(socket_enabled: None) -> None:
    async with aiohttp.ClientSession() as session:
        client = EcoleDirecteClient.from_config(
            session,
            {
                "server": "http://127.0.0.1:9/ed",
                "username": "u",
                "password": "p",
                "timeout": 2,
            },
            TZ,
        )
        with pytest.raises(ConnectionFailed):
            await client.login()


def _json(payload: Any) -> web.Response:
    return web.json_response(payload)


@pytest.mark.parametrize(
    ("where", "answer", "error"),
    [
        ("/login.awp", web.Response(status=404), ProtocolError),
        ("/login.awp", web.Response(text="<html>down</html>"), ProtocolError),
        ("/login.awp", _json([1]), ProtocolError),
        ("/login.awp", _json({"data": {}}), ProtocolError),
        ("/login.awp", _json({"code": 200, "data": {"accounts": []}}), ProtocolError),
        ("/login.awp", _json({"code": 520, "token": ""}), AuthenticationError),
    ],
)
async def test_broken_login_answers(
    make_client: Factory,
    fake: Fake,
    where: str,
    answer: web.Response,
    error: type[Exception],
) -> None:
    fake.override = lambda path, verb: answer if (path, verb) == (where, "") else None
    with pytest.raises(error):
        await make_client().login()


async def test_no_gtk_cookie(make_client: Factory, fake: Fake) -> None:
    fake.override = lambda path, verb: _json({"code": 200}) if verb == "1" else None
    with pytest.raises(ProtocolError):
        await make_client().login()


async def test_question_asked_again_after_the_answer(
    make_client: Factory, fake: Fake
) -> None:
    fake.protected.add("camille.martin")
    fake.pairs.clear()

    def again(path: str, verb: str) -> web.Response | None:
        if path == "/connexion/doubleauth.awp" and verb == "post":
            # A pair the login then does not take.
            return envelope(200, "temp-camille.martin", {"cn": "x", "cv": "y"})
        return None

    fake.override = again
    with pytest.raises(ProtocolError):
        await make_client(security_answer="Minou").login()


async def test_answer_without_a_pair(make_client: Factory, fake: Fake) -> None:
    def empty(path: str, verb: str) -> web.Response | None:
        if path == "/connexion/doubleauth.awp" and verb == "post":
            return envelope(200, "temp-camille.protected", {})
        return None

    fake.override = empty
    with pytest.raises(AuthenticationError):
        await make_client("camille.protected", security_answer="Minou").login()


async def test_reads_log_in_first_and_close_forgets(
    make_client: Factory, fake: Fake
) -> None:
    client = make_client()
    assert client.requests == 0
    student = (await make_client().login()).students[0]
    assert await client.download("611")
    assert client.logins == 1
    await client.close()
    assert client.account is None
    await client.timeline(student)
    assert client.logins == 2
    assert client.requests > 0


async def test_a_download_answered_with_an_envelope(
    make_client: Factory, fake: Fake
) -> None:
    client = make_client()
    await client.login()
    fake.override = lambda path, verb: (
        _json({"code": 535}) if path == "/telechargement.awp" else None
    )
    with pytest.raises(PortalUnavailable):
        await client.download("611")
    fake.override = lambda path, verb: (
        web.Response(text="{not json") if path == "/telechargement.awp" else None
    )
    assert await client.download("611") == b"{not json"


async def test_inbox_off_and_unknown_message(make_client: Factory, fake: Fake) -> None:
    fake.accounts["camille.martin"] = pupil_account(off=("MESSAGERIE",))
    client = make_client()
    await client.login()
    with pytest.raises(NotSupported):
        await client.inbox()
    fake.override = lambda path, verb: (
        envelope(200, "t", {}) if "/messages/" in path else None
    )
    with pytest.raises(NotSupported):
        await client.read_message("404")
